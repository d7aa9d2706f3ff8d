/* s3.h -- a small S3 client over libcurl: PUT an object streamed from a
 * file, GET an object into a file (atomically), HEAD, DELETE and a one-page
 * LIST, signed with AWS Signature Version 4 by libcurl
 * (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"). The payload hash
 * (x-amz-content-sha256) is computed here with libsodium, because curl
 * 7.88 does not add it and S3 requires it.
 *
 * Every call blocks (network I/O): call it from an engine worker or
 * another thread of its own, never from the loop or an audio thread.
 * The functions keep no state between calls and are thread-safe once
 * curl_global_init has run (srv_objstore_init does it). */
#ifndef MIXROOM_SERVER_OBJSTORE_S3_H
#define MIXROOM_SERVER_OBJSTORE_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the objects are and how to sign for them. */
struct s3_conf {
    char endpoint[512];    /* http(s)://HOST[:PORT], no trailing slash */
    char region[64];       /* e.g. us-east-1 */
    char bucket[256];      /* "" only in tests: the key is then the path */
    char access_key[256];
    char secret_key[256];  /* never logged */
    bool virtual_host;     /* BUCKET.HOST instead of HOST/BUCKET */
    long timeout_s;        /* whole request; 0 = 300 s */
};

/* The outcome of one request. */
enum s3_status {
    S3_OK = 0,
    S3_NOT_FOUND = 1,      /* 404 */
    S3_ERR = -1,           /* anything else; err says what */
};

/* One request in full, for s3_perform (the other calls fill it). */
struct s3_call {
    const char *method;         /* GET, PUT, HEAD, DELETE */
    const char *key;            /* object key, already a valid URL path
                                   (the asset keys are [0-9a-z/-] only) */
    const char *query;          /* NULL or "a=b&c=d", sorted */
    const char *const *headers; /* NULL-terminated extra "Name: value" */
    const char *amz_date;       /* NULL = now; "20130524T000000Z" in tests */
    const char *payload_sha;    /* hex; NULL = hash of the upload or of "" */
    const char *upload_path;    /* PUT: the file sent as the body */
    const char *upload_mem;     /* PUT: or these bytes */
    size_t upload_mem_len;
    int download_fd;            /* GET: body written here; -1 = kept in
                                   body (at most 1 MiB) */
    /* results */
    long http_status;           /* 0 when no answer came */
    int64_t content_length;     /* HEAD/GET: -1 when unknown */
    char *body;                 /* malloc'd (download_fd < 0), NUL-ended */
    size_t body_len;
};

/* Performs call against conf: 0 when the server answered 2xx, S3_NOT_FOUND
 * on 404, else S3_ERR with err saying what failed, naming S3's own error
 * code and message when it sent one (e.g. "S3 said 403
 * SignatureDoesNotMatch: ..."). call->body must be freed by the caller
 * (free) either way. */
int s3_perform(const struct s3_conf *conf, struct s3_call *call, char *err,
               size_t errlen);

/* PUT key with the bytes of the file at path (Content-Length, the file's
 * SHA-256 as x-amz-content-sha256). 0 or S3_ERR with err. */
int s3_put_file(const struct s3_conf *conf, const char *key,
                const char *path, char *err, size_t errlen);

/* GET key into path: written to a temporary file beside it, fsynced and
 * renamed, so path is either absent or complete. 0, S3_NOT_FOUND or
 * S3_ERR with err; on failure nothing is left behind. */
int s3_get_file(const struct s3_conf *conf, const char *key,
                const char *path, char *err, size_t errlen);

/* HEAD key: 0 with *size set, S3_NOT_FOUND, or S3_ERR with err. */
int s3_head(const struct s3_conf *conf, const char *key, int64_t *size,
            char *err, size_t errlen);

/* DELETE key: 0 (also when it was not there) or S3_ERR with err. */
int s3_delete(const struct s3_conf *conf, const char *key, char *err,
              size_t errlen);

/* The sentence for an S3 error answer: "S3 said STATUS CODE: MESSAGE"
 * from the <Error> document S3 sends (read with libxml2, no network,
 * printable ASCII kept, the code cut at 64 and the message at 200
 * characters), else "S3 said HTTP STATUS to METHOD". body may be NULL. */
void s3_error_text(long status, const char *method, const char *body,
                   size_t len, char *err, size_t errlen);

/* The URL of key: path style ENDPOINT/BUCKET/KEY (ENDPOINT/KEY when the
 * bucket is ""), or with conf->virtual_host SCHEME://BUCKET.HOST/KEY; then
 * "?query" when query is not NULL or "". 0, or -1 when it does not fit. */
int s3_object_url(const struct s3_conf *conf, const char *key,
                  const char *query, char *url, size_t n);

/* Parses "s3://BUCKET" (a DNS-style bucket name, 3 to 63 of [a-z0-9.-]).
 * 0 with bucket copied, or -1. */
int s3_parse_url(const char *url, char *bucket, size_t n);

#endif
