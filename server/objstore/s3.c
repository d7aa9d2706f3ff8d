/* s3.c -- the S3 client of s3.h: one curl easy handle per request, SigV4
 * by libcurl, the payload hash by libsodium (engine/hashfile.h for
 * files), S3's XML error answers read with libxml2 (only <Code> and
 * <Message> of the root <Error>). */
#include "server/objstore/s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/hashfile.h"

#define S3_BODY_MAX (1024 * 1024)
#define EMPTY_SHA \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

int s3_parse_url(const char *url, char *bucket, size_t n)
{
    const char *b;
    size_t len;

    if (!url || strncmp(url, "s3://", 5) != 0)
        return -1;
    b = url + 5;
    len = strlen(b);
    if (len > 0 && b[len - 1] == '/')
        len--;
    if (len < 3 || len > 63 || len >= n)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
              b[i] == '.' || b[i] == '-'))
            return -1;
    memcpy(bucket, b, len);
    bucket[len] = '\0';
    return 0;
}

/* The state of one transfer, for the curl callbacks. */
struct xfer {
    struct s3_call *call;
    FILE *up;               /* upload_path opened */
    size_t mem_off;         /* upload_mem sent so far */
    bool body_overflow;
    int write_errno;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
    struct xfer *x = arg;
    size_t want = size * nitems;

    if (x->up)
        return fread(buf, 1, want, x->up);
    size_t left = x->call->upload_mem_len - x->mem_off;
    if (want > left)
        want = left;
    memcpy(buf, x->call->upload_mem + x->mem_off, want);
    x->mem_off += want;
    return want;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    struct s3_call *c = x->call;
    size_t n = size * nmemb;
    long status = 0;

    (void)status;
    /* an error answer is kept in memory even for a download */
    if (c->download_fd >= 0 && c->http_status / 100 == 2) {
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(c->download_fd, data + off, n - off);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                x->write_errno = errno;
                return 0;
            }
            off += (size_t)w;
        }
        return n;
    }
    if (c->body_len + n > S3_BODY_MAX) {
        x->body_overflow = true;
        return n; /* dropped, not an error */
    }
    char *nb = realloc(c->body, c->body_len + n + 1);
    if (!nb)
        return 0;
    memcpy(nb + c->body_len, data, n);
    c->body = nb;
    c->body_len += n;
    c->body[c->body_len] = '\0';
    return n;
}

/* Learns the status as soon as the headers arrive, so on_write knows
 * whether the body is the object or an error document. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;
    int code;

    if (n > 9 && strncmp(data, "HTTP/", 5) == 0) {
        const char *sp = memchr(data, ' ', n);
        if (sp && sscanf(sp + 1, "%3d", &code) == 1)
            x->call->http_status = code;
    }
    return n;
}

/* libxml2's error output, silenced while an S3 answer is read: it is
 * the server's peer talking, its problems are not worth stderr. */
static void xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void xml_quiet_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

void s3_error_text(long status, const char *method, const char *body,
                   size_t len, char *err, size_t errlen)
{
    xmlDocPtr doc = NULL;
    xmlChar *code = NULL, *msg = NULL;

    if (body && len > 0 && len <= (size_t)S3_BODY_MAX) {
        /* libxml2's handlers are per thread: this thread's, put back */
        xmlGenericErrorFunc old = xmlGenericError;
        void *old_ctx = xmlGenericErrorContext;
        xmlStructuredErrorFunc old_s = xmlStructuredError;
        void *old_sctx = xmlStructuredErrorContext;
        xmlSetGenericErrorFunc(NULL, xml_quiet);
        xmlSetStructuredErrorFunc(NULL, xml_quiet_structured);
        doc = xmlReadMemory(body, (int)len, "s3-error.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
        xmlSetGenericErrorFunc(old_ctx, old);
        xmlSetStructuredErrorFunc(old_sctx, old_s);
    }
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root && xmlStrcmp(root->name, (const xmlChar *)"Error") == 0)
        for (xmlNodePtr n = root->children; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            if (!code && !xmlStrcmp(n->name, (const xmlChar *)"Code"))
                code = xmlNodeGetContent(n);
            else if (!msg && !xmlStrcmp(n->name, (const xmlChar *)"Message"))
                msg = xmlNodeGetContent(n);
        }
    /* S3's words go into logs and answers: printable ASCII only */
    for (xmlChar *t = code; t && *t; t++)
        if (*t < 0x20 || *t > 0x7e)
            *t = '?';
    for (xmlChar *t = msg; t && *t; t++)
        if (*t < 0x20 || *t > 0x7e)
            *t = '?';
    if (code && code[0])
        snprintf(err, errlen, "S3 said %ld %.64s%s%.200s", status,
                 (const char *)code, msg && msg[0] ? ": " : "",
                 msg ? (const char *)msg : "");
    else
        snprintf(err, errlen, "S3 said HTTP %ld to %s", status, method);
    xmlFree(code);
    xmlFree(msg);
    xmlFreeDoc(doc);
}

int s3_object_url(const struct s3_conf *conf, const char *key,
                  const char *query, char *url, size_t n)
{
    int w;
    const char *q = query && *query ? query : NULL;

    if (conf->virtual_host && conf->bucket[0]) {
        const char *host = strstr(conf->endpoint, "://");
        if (!host)
            return -1;
        w = snprintf(url, n, "%.*s%s.%s/%s%s%s",
                     (int)(host + 3 - conf->endpoint), conf->endpoint,
                     conf->bucket, host + 3, key, q ? "?" : "",
                     q ? q : "");
    } else {
        w = snprintf(url, n, "%s/%s%s%s%s%s", conf->endpoint, conf->bucket,
                     conf->bucket[0] ? "/" : "", key, q ? "?" : "",
                     q ? q : "");
    }
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int s3_perform(const struct s3_conf *conf, struct s3_call *c, char *err,
               size_t errlen)
{
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL;
    struct xfer x = {.call = c};
    char url[2048], line[512], sigv4[128], userpwd[600], sha[65];
    int rc = S3_ERR;
    CURLcode cr;
    bool is_put = !strcmp(c->method, "PUT");
    int64_t up_len = 0;

    c->http_status = 0;
    c->content_length = -1;
    c->body = NULL;
    c->body_len = 0;
    if (s3_object_url(conf, c->key, c->query, url, sizeof url) != 0) {
        snprintf(err, errlen, "the S3 URL of %s is too long", c->key);
        goto out;
    }
    if (is_put && c->upload_path) {
        struct stat st;
        x.up = fopen(c->upload_path, "rbe");
        if (!x.up || fstat(fileno(x.up), &st) != 0) {
            snprintf(err, errlen, "cannot read %s: %s", c->upload_path,
                     strerror(errno));
            goto out;
        }
        up_len = st.st_size;
    } else if (is_put) {
        up_len = (int64_t)c->upload_mem_len;
    }
    /* the payload hash: given, or of the body, or of "" */
    if (c->payload_sha) {
        snprintf(sha, sizeof sha, "%s", c->payload_sha);
    } else if (is_put && c->upload_path) {
        if (eng_sha256_file(c->upload_path, sha) != 0) {
            snprintf(err, errlen, "cannot hash %s: %s", c->upload_path,
                     strerror(errno));
            goto out;
        }
    } else if (is_put) {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(d, (const unsigned char *)c->upload_mem,
                           c->upload_mem_len);
        sodium_bin2hex(sha, sizeof sha, d, sizeof d);
    } else {
        snprintf(sha, sizeof sha, "%s", EMPTY_SHA);
    }
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha);
    hdrs = curl_slist_append(hdrs, line);
    if (c->amz_date) {
        snprintf(line, sizeof line, "X-Amz-Date: %s", c->amz_date);
        hdrs = curl_slist_append(hdrs, line);
    }
    for (const char *const *p = c->headers; p && *p; p++)
        hdrs = curl_slist_append(hdrs, *p);
    if (!hdrs || !(h = curl_easy_init())) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", conf->region);
    snprintf(userpwd, sizeof userpwd, "%s:%s", conf->access_key,
             conf->secret_key);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT,
                     conf->timeout_s > 0 ? conf->timeout_s : 300L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    if (is_put) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up_len);
    } else if (!strcmp(c->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(c->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    }
    cr = curl_easy_perform(h);
    if (cr != CURLE_OK) {
        if (x.write_errno)
            snprintf(err, errlen, "cannot write %s: %s", c->key,
                     strerror(x.write_errno));
        else
            snprintf(err, errlen, "S3 at %s cannot be reached: %s",
                     conf->endpoint, curl_easy_strerror(cr));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->http_status);
    curl_off_t cl = -1;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
            CURLE_OK)
        c->content_length = (int64_t)cl;
    if (c->http_status / 100 == 2) {
        rc = S3_OK;
    } else if (c->http_status == 404) {
        snprintf(err, errlen, "S3 has no object %s", c->key);
        rc = S3_NOT_FOUND;
    } else {
        s3_error_text(c->http_status, c->method,
                      x.body_overflow ? NULL : c->body, c->body_len, err,
                      errlen);
    }
out:
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    if (x.up)
        fclose(x.up);
    sodium_memzero(userpwd, sizeof userpwd);
    return rc;
}

int s3_put_file(const struct s3_conf *conf, const char *key,
                const char *path, char *err, size_t errlen)
{
    struct s3_call c = {.method = "PUT", .key = key, .upload_path = path,
                        .download_fd = -1};
    int rc = s3_perform(conf, &c, err, errlen);

    free(c.body);
    return rc == S3_NOT_FOUND ? S3_ERR : rc;
}

int s3_get_file(const struct s3_conf *conf, const char *key,
                const char *path, char *err, size_t errlen)
{
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    int fd, rc = S3_ERR;
    struct s3_call c = {.method = "GET", .key = key};

    if (!slash) {
        snprintf(err, errlen, "internal: %s is not a path", path);
        return S3_ERR;
    }
    if (snprintf(tmp, sizeof tmp, "%.*s/.tmp-%s-XXXXXX",
                 (int)(slash - path), path, slash + 1) >= (int)sizeof tmp) {
        snprintf(err, errlen, "internal: path too long");
        return S3_ERR;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file beside %s: %s", path,
                 strerror(errno));
        return S3_ERR;
    }
    c.download_fd = fd;
    rc = s3_perform(conf, &c, err, errlen);
    if (rc == S3_OK && c.content_length >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size != c.content_length) {
            snprintf(err, errlen, "S3 sent %lld of %lld bytes of %s",
                     (long long)st.st_size, (long long)c.content_length, key);
            rc = S3_ERR;
        }
    }
    if (rc == S3_OK && fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        rc = S3_ERR;
    }
    if (close(fd) != 0 && rc == S3_OK) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        rc = S3_ERR;
    }
    if (rc == S3_OK && rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename into %s: %s", path,
                 strerror(errno));
        rc = S3_ERR;
    }
    if (rc != S3_OK)
        unlink(tmp);
    free(c.body);
    return rc;
}

int s3_head(const struct s3_conf *conf, const char *key, int64_t *size,
            char *err, size_t errlen)
{
    struct s3_call c = {.method = "HEAD", .key = key, .download_fd = -1};
    int rc = s3_perform(conf, &c, err, errlen);

    if (rc == S3_OK && size)
        *size = c.content_length;
    if (rc == S3_ERR && c.http_status && !c.body)
        snprintf(err, errlen, "S3 said HTTP %ld to HEAD %s", c.http_status,
                 key);
    free(c.body);
    return rc;
}

int s3_delete(const struct s3_conf *conf, const char *key, char *err,
              size_t errlen)
{
    struct s3_call c = {.method = "DELETE", .key = key, .download_fd = -1};
    int rc = s3_perform(conf, &c, err, errlen);

    free(c.body);
    return rc == S3_NOT_FOUND ? S3_OK : rc;
}
