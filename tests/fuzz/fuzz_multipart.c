/* fuzz_multipart.c -- libFuzzer harness over the streaming multipart/form-
 * data parser (server/net/multipart.c). The input's first line is a
 * Content-Type value (its boundary is used; when it has none, the line
 * itself is tried as the boundary), the rest is the body. The body is fed
 * whole, one byte at a time, cut at every '\r' (so delimiters straddle
 * chunks), and in random pieces whose split points come from a hash of
 * the input; each chunk is an exact-size heap copy, so reading past it is
 * caught. Checked properties: whatever the chunking, the statuses, the
 * file bytes, the filename and the error message are the same; ERROR and
 * DONE are sticky; the file is never longer than the body; srv_mp_finish
 * says DONE only after a complete body with a file, and ERROR always
 * comes with a message; srv_mp_boundary gives 1..70 bytes, NUL-terminated.
 * A sink that refuses after N bytes makes the upload fail exactly when the
 * file is longer than N. Built by tests/fuzz/run.sh (clang) and replayed
 * by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
    unsigned char *buf;
    size_t len, cap;
    size_t limit;           /* refuse once more than this (SIZE_MAX: never) */
};

struct result {
    enum srv_mp_status fed, finished;
    struct sink file;
    char filename[256];
    char error[160];
};

static int sink_data(void *ctx, const unsigned char *d, size_t n)
{
    struct sink *s = ctx;

    if (n == 0 || s->len + n > s->limit)
        return -1;
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->buf = realloc(s->buf, s->cap);
        if (!s->buf)
            abort();
    }
    memcpy(s->buf + s->len, d, n);
    s->len += n;
    return 0;
}

static uint64_t rng;

static uint64_t next(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
}

enum { WHOLE, BYTES, AT_CR, RANDOM };

/* Parses body in chunks chosen by how; fills r. */
static void run(const char *boundary, const unsigned char *body, size_t len,
                int how, size_t limit, struct result *r)
{
    struct srv_multipart *mp = malloc(sizeof *mp);
    size_t at = 0;

    if (!mp)
        abort();
    memset(r, 0, sizeof *r);
    r->file.limit = limit;
    if (srv_mp_init(mp, boundary, sink_data, &r->file) != 0)
        abort();
    r->fed = SRV_MP_MORE;
    while (at < len) {
        size_t n = len - at;
        if (how == BYTES)
            n = 1;
        else if (how == AT_CR) {
            const unsigned char *cr = memchr(body + at + 1, '\r', len - at - 1);
            if (cr && len - at > 1)
                n = (size_t)(cr - (body + at));
        } else if (how == RANDOM) {
            n = 1 + next() % (next() % 4 ? 16 : 600);
            if (n > len - at)
                n = len - at;
        }
        unsigned char *chunk = malloc(n);
        if (!chunk)
            abort();
        memcpy(chunk, body + at, n);
        enum srv_mp_status s = srv_mp_feed(mp, chunk, n);
        free(chunk);
        if ((r->fed == SRV_MP_ERROR && s != SRV_MP_ERROR) ||
            (r->fed == SRV_MP_DONE && s != SRV_MP_DONE))
            abort(); /* not sticky */
        r->fed = s;
        at += n;
    }
    r->finished = srv_mp_finish(mp);
    snprintf(r->filename, sizeof r->filename, "%s", srv_mp_filename(mp));
    snprintf(r->error, sizeof r->error, "%s", srv_mp_error(mp));
    if (srv_mp_finish(mp) != r->finished)
        abort();
    if (r->finished == SRV_MP_DONE && (r->fed != SRV_MP_DONE || r->error[0]))
        abort();
    if (r->finished == SRV_MP_ERROR && !r->error[0])
        abort();
    if (r->file.len > len)
        abort();
    free(mp);
}

static void same(const struct result *a, const struct result *b)
{
    if (a->fed != b->fed || a->finished != b->finished ||
        a->file.len != b->file.len ||
        (a->file.len && memcmp(a->file.buf, b->file.buf, a->file.len)) ||
        strcmp(a->filename, b->filename) || strcmp(a->error, b->error))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char *nl = memchr(data, '\n', size);
    size_t cl = nl ? (size_t)(nl - data) : size;
    char *ct = malloc(cl + 1), boundary[SRV_MP_BOUNDARY_MAX + 2];
    const unsigned char *body = nl ? nl + 1 : data + size;
    size_t len = size - (size_t)(body - data);
    struct result ref, r;
    uint64_t h = 1469598103934665603ULL;

    if (!ct)
        abort();
    memcpy(ct, data, cl);
    ct[cl] = '\0';
    if (srv_mp_boundary(ct, boundary, sizeof boundary)) {
        size_t bl = strlen(boundary);
        if (bl < 1 || bl > SRV_MP_BOUNDARY_MAX || !srv_mp_is_multipart(ct))
            abort();
    } else if (strlen(ct) >= 1 && strlen(ct) <= SRV_MP_BOUNDARY_MAX) {
        memcpy(boundary, ct, strlen(ct) + 1);
    } else {
        free(ct);
        return 0;
    }
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    run(boundary, body, len, WHOLE, SIZE_MAX, &ref);
    run(boundary, body, len, BYTES, SIZE_MAX, &r);
    same(&ref, &r);
    free(r.file.buf);
    run(boundary, body, len, AT_CR, SIZE_MAX, &r);
    same(&ref, &r);
    free(r.file.buf);
    rng = h;
    for (int k = 0; k < 3; k++) {
        run(boundary, body, len, RANDOM, SIZE_MAX, &r);
        same(&ref, &r);
        free(r.file.buf);
    }
    if (ref.file.len) {
        size_t limit = (size_t)(h % (ref.file.len + 1));
        run(boundary, body, len, RANDOM, limit, &r);
        if ((r.finished == SRV_MP_ERROR) !=
            (ref.finished == SRV_MP_ERROR || ref.file.len > limit))
            abort();
        free(r.file.buf);
    }
    free(ref.file.buf);
    free(ct);
    return 0;
}
