/* multipart.h -- a streaming multipart/form-data parser (RFC 7578) for
 * plain HTML form uploads: it is fed the request body in chunks of any
 * size, keeps only a few hundred bytes of state, and hands the bytes of
 * the first part that carries a non-empty filename to a callback. Other
 * parts (text fields) are skipped. Pure: no I/O, any thread. */
#ifndef MIXROOM_SERVER_MULTIPART_H
#define MIXROOM_SERVER_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define SRV_MP_BOUNDARY_MAX 70   /* RFC 2046 */
#define SRV_MP_HEADERS_MAX 8192  /* a part's header block */

enum srv_mp_status {
    SRV_MP_MORE = 0,   /* fine so far; feed more */
    SRV_MP_DONE = 1,   /* the closing delimiter was seen */
    SRV_MP_ERROR = -1, /* malformed; srv_mp_error() says why */
};

/* Receives file bytes in order; returns 0, or non-zero to stop (the
 * parser then reports SRV_MP_ERROR with "the upload could not be stored"). */
typedef int (*srv_mp_data_fn)(void *ctx, const unsigned char *data,
                              size_t len);

struct srv_multipart {
    int state;
    char delim[SRV_MP_BOUNDARY_MAX + 5];  /* "\r\n--" boundary */
    size_t dlen;
    int fail[SRV_MP_BOUNDARY_MAX + 5];    /* KMP failure function */
    size_t matched;                       /* delimiter bytes matched */
    char hdr[SRV_MP_HEADERS_MAX + 1];
    size_t hdr_len;
    bool in_file;      /* the current part is the file */
    bool have_file;    /* a file part was found (maybe still going) */
    bool file_done;    /* its closing delimiter was seen */
    int after;         /* bytes seen after a delimiter */
    char filename[256];
    char part_type[128];
    srv_mp_data_fn on_data;
    void *ctx;
    char error[160];
};

/* Extracts the boundary parameter of a Content-Type header value
 * ("multipart/form-data; boundary=XYZ", quoted or not) into out. Returns
 * true if the type is multipart/form-data with a valid boundary. */
bool srv_mp_boundary(const char *content_type, char *out, size_t outlen);

/* Is this Content-Type multipart/form-data (with or without boundary)? */
bool srv_mp_is_multipart(const char *content_type);

/* Prepares mp for a body with the given boundary (1..70 chars). Returns 0
 * or -1 if the boundary is unusable. */
int srv_mp_init(struct srv_multipart *mp, const char *boundary,
                srv_mp_data_fn on_data, void *ctx);

/* Feeds the next chunk. Returns SRV_MP_MORE, SRV_MP_DONE (bytes after the
 * closing delimiter are ignored) or SRV_MP_ERROR (sticky). */
enum srv_mp_status srv_mp_feed(struct srv_multipart *mp,
                               const unsigned char *data, size_t len);

/* Call at the end of the body: SRV_MP_DONE when the body was complete and
 * had a file part, else SRV_MP_ERROR with the reason in srv_mp_error. */
enum srv_mp_status srv_mp_finish(struct srv_multipart *mp);

/* The file part's filename (the last path component, as sent), "" if none
 * yet. */
const char *srv_mp_filename(const struct srv_multipart *mp);

/* Why the parser failed, a sentence for people; "" if it did not. */
const char *srv_mp_error(const struct srv_multipart *mp);

#endif
