/* fuzz_http_parse.c -- libFuzzer harness over the pure request parsing of
 * server/net/http_parse.c. The input is up to five '\n'-separated fields:
 * a route pattern, a path, a query string, a parameter name and an
 * Authorization value (missing fields are ""). Checked properties:
 *  - srv_http_url_decode: the output is NUL-terminated inside its buffer
 *    (every buffer is an exact-size heap block, so ASan sees overruns),
 *    never longer than the input nor than outlen - 1, and a smaller
 *    buffer gets a prefix of what a large one gets; input without '%' or
 *    '+' comes out unchanged;
 *  - srv_http_match: deterministic (twice the same answer and params); a
 *    match has at most max_params params, each non-empty, without '/',
 *    NUL-terminated inside its buffer, and putting them back into the
 *    pattern gives the path; no match leaves n_params alone; the fixed
 *    route patterns of the server match a path built from them with any
 *    valid segments, giving those segments back;
 *  - srv_http_query_value: a hit names a segment that starts with the
 *    name, its value is NUL-terminated and never longer than the query,
 *    and smaller buffers get prefixes;
 *  - srv_http_bearer: "" or exactly the text after "Bearer " (any case)
 *    when it fits;
 *  - srv_http_cookie_value (the Authorization field read as a Cookie
 *    header, for "mixroom_session" and for the parameter name): a found
 *    value fits its buffer, has no ';', reads the same twice, is refused
 *    (not cut) by a buffer too small, and is found again, exactly, in the
 *    header name="value" rebuilt from it.
 * Built by tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/net/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXP 4
#define PLEN 16

/* Route patterns of the server (a sample of the real table). */
static const char *const patterns[] = {
    "/api/projects/{id}",
    "/api/projects/{id}/assets",
    "/api/projects/{id}/assets/{asset}/peaks",
    "/api/projects/{id}/versions/{rev}/comments/{cid}",
    "/api/invites/{token}",
    "/healthz",
};

/* A heap copy of s[0..n) with a NUL after it. */
static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void check_decode(const char *src, size_t n)
{
    size_t big = n + 1, ob;
    char *full = malloc(big);

    if (!full)
        abort();
    ob = srv_http_url_decode(src, n, full, big);
    if (ob > n || full[ob] != '\0')
        abort();
    if (!memchr(src, '%', n) && !memchr(src, '+', n) &&
        (ob != n || memcmp(full, src, n)))
        abort();
    for (size_t len = 0; len <= 3 && len < big; len++) {
        char *small = len ? malloc(len) : NULL;
        size_t os = srv_http_url_decode(src, n, small, len);
        if (len == 0 ? os != 0
                     : (os + 1 > len || small[os] != '\0' ||
                        os != (ob < len - 1 ? ob : len - 1) ||
                        memcmp(small, full, os)))
            abort();
        free(small);
    }
    free(full);
}

/* Puts params back into pattern (the way srv_http_match reads it) and
 * compares with path. */
static bool rebuilds(const char *pattern, const char (*params)[PLEN], int n,
                     const char *path)
{
    size_t pl = strlen(path), at = 0;
    int k = 0;

    while (*pattern) {
        if (*pattern == '{') {
            const char *pe = strchr(pattern, '}');
            size_t l;
            if (!pe || k >= n)
                return false;
            l = strlen(params[k]);
            if (at + l > pl || memcmp(path + at, params[k], l))
                return false;
            at += l;
            k++;
            pattern = pe + 1;
            continue;
        }
        if (at >= pl || path[at] != *pattern)
            return false;
        at++;
        pattern++;
    }
    return at == pl && k == n;
}

static void check_match(const char *pattern, const char *path)
{
    char (*p1)[PLEN] = malloc(MAXP * PLEN), (*p2)[PLEN] = malloc(MAXP * PLEN);
    int n1 = -7, n2 = -7;
    bool m1, m2;

    if (!p1 || !p2)
        abort();
    memset(p1, 'x', MAXP * PLEN);
    memset(p2, 'x', MAXP * PLEN);
    m1 = srv_http_match(pattern, path, &p1[0][0], PLEN, MAXP, &n1);
    m2 = srv_http_match(pattern, path, &p2[0][0], PLEN, MAXP, &n2);
    if (m1 != m2 || n1 != n2)
        abort();
    if (!m1 && n1 != -7)
        abort();
    if (m1) {
        if (n1 < 0 || n1 > MAXP)
            abort();
        for (int i = 0; i < n1; i++)
            if (!memchr(p1[i], '\0', PLEN) || !p1[i][0] ||
                strchr(p1[i], '/') || strcmp(p1[i], p2[i]))
                abort();
        if (!rebuilds(pattern, (const char (*)[PLEN])p1, n1, path))
            abort();
    }
    free(p1);
    free(p2);
}

/* Builds a path from a fixed pattern, filling each {x} with the next
 * usable '/'-separated segment of segs; it must match and give them back. */
static void check_route(const char *pattern, const char *segs)
{
    char path[512], seg[MAXP][PLEN], got[MAXP][PLEN];
    size_t at = 0;
    int ns = 0, n = -1;
    const char *s = segs;

    for (const char *p = pattern; *p; p++) {
        if (*p != '{') {
            path[at++] = *p;
            continue;
        }
        /* next segment of segs: 1..PLEN-1 bytes, or "x" */
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == 0 || l >= PLEN)
            snprintf(seg[ns], PLEN, "x");
        else {
            memcpy(seg[ns], s, l);
            seg[ns][l] = '\0';
        }
        s += l + (e ? 1 : 0);
        memcpy(path + at, seg[ns], strlen(seg[ns]));
        at += strlen(seg[ns]);
        ns++;
        p = strchr(p, '}');
    }
    path[at] = '\0';
    if (!srv_http_match(pattern, path, &got[0][0], PLEN, MAXP, &n) || n != ns)
        abort();
    for (int i = 0; i < n; i++)
        if (strcmp(got[i], seg[i]))
            abort();
}

static void check_query(const char *query, const char *name)
{
    size_t ql = strlen(query), nl = strlen(name);
    char *full = malloc(ql + 1);
    bool hit;

    if (!full)
        abort();
    hit = srv_http_query_value(query, name, full, ql + 1);
    if (hit) {
        size_t fl = strlen(full);
        bool starts = !strncmp(query, name, nl);
        for (const char *a = strchr(query, '&'); a && !starts;
             a = strchr(a + 1, '&'))
            starts = !strncmp(a + 1, name, nl);
        if (!starts || fl > ql)
            abort();
        for (size_t len = 1; len <= 4; len++) {
            char *small = malloc(len);
            if (!small || !srv_http_query_value(query, name, small, len) ||
                strlen(small) > len - 1 || strncmp(small, full, len - 1))
                abort();
            free(small);
        }
    } else if (srv_http_query_value(query, name, full, 1)) {
        abort();
    }
    free(full);
}

static void check_bearer(const char *auth)
{
    for (size_t len = 1; len <= 128; len += 127) {
        char *out = malloc(len);
        bool is = !strncasecmp(auth, "Bearer ", 7);
        if (!out)
            abort();
        srv_http_bearer(auth, out, len);
        if (out[0] && (!is || strcmp(out, auth + 7)))
            abort();
        if (is && strlen(auth + 7) < len && strcmp(out, auth + 7))
            abort();
        free(out);
    }
}

/* srv_http_cookie_value: a found value fits, has no ';', and is found
 * again when the header is rebuilt as "name=value"; smaller buffers never
 * get a cut value; the lookup is deterministic. */
static void check_cookie(const char *header, const char *name)
{
    char out[64], again[64], tiny[4];
    bool found = srv_http_cookie_value(header, name, out, sizeof out);

    if (!found && out[0])
        abort();
    if (srv_http_cookie_value(header, name, again, sizeof again) != found ||
        strcmp(out, again))
        abort();
    if (found) {
        char *rebuilt;
        size_t n = strlen(out);
        if (strchr(out, ';') || !name[0])
            abort();
        if (srv_http_cookie_value(header, name, tiny, sizeof tiny) !=
            (n < sizeof tiny))
            abort();
        if (n < sizeof tiny && strcmp(tiny, out))
            abort();
        rebuilt = malloc(strlen(name) + n + 4);
        if (!rebuilt)
            abort();
        sprintf(rebuilt, "%s=\"%s\"", name, out);
        if (!srv_http_cookie_value(rebuilt, name, again, sizeof again) ||
            strcmp(again, out))
            abort();
        free(rebuilt);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *field[5];
    const char *p = (const char *)data, *end = p + size;

    for (int i = 0; i < 5; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        field[i] = dup_n(p, n);
        check_decode(p, n); /* exact length: may hold NULs */
        p += n + (nl ? 1 : 0);
    }
    check_match(field[0], field[1]);
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        check_match(patterns[i], field[1]);
        check_route(patterns[i], field[1]);
    }
    check_query(field[2], field[3]);
    check_query(field[2], "name");
    check_bearer(field[4]);
    /* the Authorization field doubles as a Cookie header */
    check_cookie(field[4], "mixroom_session");
    check_cookie(field[4], field[3]);
    for (int i = 0; i < 5; i++)
        free(field[i]);
    return 0;
}
