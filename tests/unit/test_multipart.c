/* test_multipart.c -- the streaming multipart/form-data parser: the file
 * part's bytes come out exactly, whatever the chunk sizes (one byte at a
 * time, random splits), also when the content holds near-copies of the
 * delimiter; text fields and preambles are skipped; the boundary is read
 * from Content-Type; cut-off bodies, forms without a file, overlong
 * headers and a failing sink are errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/net/multipart.h"

struct sink {
    unsigned char *buf;
    size_t len, cap;
    int fail_after;     /* fail once this many bytes were taken (0: never) */
};

static int sink_data(void *ctx, const unsigned char *d, size_t n)
{
    struct sink *s = ctx;

    if (s->fail_after && s->len + n > (size_t)s->fail_after)
        return -1;
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, d, n);
    s->len += n;
    return 0;
}

/* Builds a form body: a text field, the file, another text field. */
static unsigned char *make_body(const char *boundary, const char *preamble,
                                const unsigned char *file, size_t flen,
                                size_t *len)
{
    size_t cap = flen + 4096;
    unsigned char *b = malloc(cap);
    size_t n = 0;

    n += (size_t)snprintf((char *)b + n, cap - n,
                          "%s--%s\r\n"
                          "Content-Disposition: form-data; name=\"note\"\r\n"
                          "\r\n"
                          "hello --%s not a delimiter\r\n"
                          "--%s\r\n"
                          "Content-Disposition: form-data; name=\"file\"; "
                          "filename=\"C:\\\\music\\\\kick drum.wav\"\r\n"
                          "Content-Type: audio/wav\r\n"
                          "\r\n",
                          preamble, boundary, boundary, boundary);
    memcpy(b + n, file, flen);
    n += flen;
    n += (size_t)snprintf((char *)b + n, cap - n,
                          "\r\n--%s\r\n"
                          "Content-Disposition: form-data; name=\"x\"\r\n"
                          "\r\n"
                          "y\r\n"
                          "--%s--\r\nepilogue",
                          boundary, boundary);
    *len = n;
    return b;
}

/* Feeds body in chunks from sizes[] (cycled; 0 = the rest). */
static enum srv_mp_status feed_chunks(struct srv_multipart *mp,
                                      const unsigned char *body, size_t len,
                                      const size_t *sizes, size_t nsizes)
{
    enum srv_mp_status st = SRV_MP_MORE;
    size_t off = 0, k = 0;

    while (off < len && st != SRV_MP_ERROR) {
        size_t c = sizes[k++ % nsizes];
        if (c == 0 || c > len - off)
            c = len - off;
        st = srv_mp_feed(mp, body + off, c);
        off += c;
    }
    return st;
}

static unsigned char *tricky_file(size_t *len, const char *boundary)
{
    size_t n = 0, cap = 70000;
    unsigned char *f = malloc(cap);
    char near[128];

    for (int i = 0; i < 256; i++)
        f[n++] = (unsigned char)i;
    /* prefixes of the delimiter, and one differing in its last byte */
    snprintf(near, sizeof near, "\r\n--%s", boundary);
    for (size_t p = 1; p < strlen(near); p++) {
        memcpy(f + n, near, p);
        n += p;
        f[n++] = 'Z';
    }
    memcpy(f + n, near, strlen(near) - 1);
    n += strlen(near) - 1;
    f[n++] = '!';
    memcpy(f + n, "\r\r\n\r\n-\r\n--", 10);
    n += 10;
    unsigned x = 7;
    while (n < 65000) {
        x = x * 1103515245u + 12345u;
        f[n++] = (unsigned char)(x >> 16);
    }
    *len = n;
    return f;
}

static void check_parse(const char *boundary, const char *preamble,
                        const size_t *sizes, size_t nsizes)
{
    size_t flen, blen;
    unsigned char *file = tricky_file(&flen, boundary);
    unsigned char *body = make_body(boundary, preamble, file, flen, &blen);
    struct srv_multipart *mp = malloc(sizeof *mp);
    struct sink s = {0};

    assert_int_equal(srv_mp_init(mp, boundary, sink_data, &s), 0);
    assert_int_equal(feed_chunks(mp, body, blen, sizes, nsizes), SRV_MP_DONE);
    assert_int_equal(srv_mp_finish(mp), SRV_MP_DONE);
    assert_int_equal(s.len, flen);
    assert_memory_equal(s.buf, file, flen);
    assert_string_equal(srv_mp_filename(mp), "kick drum.wav");
    assert_string_equal(srv_mp_error(mp), "");
    free(s.buf);
    free(mp);
    free(body);
    free(file);
}

static void test_whole_body(void **state)
{
    size_t all = 0;

    (void)state;
    check_parse("----WebKitFormBoundary7MA4YWxkTrZu0gW", "", &all, 1);
}

static void test_byte_by_byte(void **state)
{
    size_t one = 1;

    (void)state;
    check_parse("abc", "", &one, 1);
    check_parse("--", "", &one, 1);
}

static void test_random_chunks(void **state)
{
    size_t sizes[64];
    unsigned x = 99;

    (void)state;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 64; i++) {
            x = x * 1664525u + 1013904223u;
            sizes[i] = 1 + (x >> 8) % (round % 2 ? 7 : 5000);
        }
        check_parse(round % 3 ? "xYz123" : "a", "", sizes, 64);
    }
}

static void test_preamble(void **state)
{
    size_t s3 = 3;

    (void)state;
    check_parse("B0UND", "this is a preamble\r\nwith lines\r\n", &s3, 1);
}

static void test_boundary_header(void **state)
{
    char b[80];

    (void)state;
    assert_true(srv_mp_boundary("multipart/form-data; boundary=abc", b,
                                sizeof b));
    assert_string_equal(b, "abc");
    assert_true(srv_mp_boundary(
        "Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"", b, sizeof b));
    assert_string_equal(b, "a b:c");
    assert_true(srv_mp_boundary("multipart/form-data;boundary=q;x=y", b,
                                sizeof b));
    assert_string_equal(b, "q");
    assert_false(srv_mp_boundary("multipart/form-data", b, sizeof b));
    assert_false(srv_mp_boundary("multipart/form-data; boundary=", b, sizeof b));
    assert_false(srv_mp_boundary("audio/wav; boundary=abc", b, sizeof b));
    assert_false(srv_mp_boundary(
        "multipart/form-data; boundary="
        "0123456789012345678901234567890123456789012345678901234567890123456789X",
        b, sizeof b));
    assert_true(srv_mp_is_multipart("multipart/form-data"));
    assert_false(srv_mp_is_multipart("multipart/form-datax"));
    assert_false(srv_mp_is_multipart("application/octet-stream"));
    assert_false(srv_mp_is_multipart(NULL));

    struct srv_multipart mp;
    assert_int_equal(srv_mp_init(&mp, "", NULL, NULL), -1);
}

static void test_cut_off(void **state)
{
    size_t flen, blen, all = 0;
    unsigned char *file = tricky_file(&flen, "cut");
    unsigned char *body = make_body("cut", "", file, flen, &blen);
    struct srv_multipart mp;
    struct sink s = {0};

    (void)state;
    /* stop inside the file, then inside the closing delimiter */
    size_t stops[] = {blen / 2, blen - 20, blen - 12};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        s.len = 0;
        srv_mp_init(&mp, "cut", sink_data, &s);
        assert_int_not_equal(feed_chunks(&mp, body, stops[i], &all, 1),
                             SRV_MP_ERROR);
        assert_int_equal(srv_mp_finish(&mp), SRV_MP_ERROR);
        assert_non_null(strstr(srv_mp_error(&mp), "cut off"));
    }
    free(s.buf);
    free(body);
    free(file);
}

static void test_no_file(void **state)
{
    const char *body = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                       "\r\n1\r\n--b\r\nContent-Disposition: form-data; "
                       "name=\"f\"; filename=\"\"\r\n\r\n\r\n--b--\r\n";
    struct srv_multipart mp;
    struct sink s = {0};

    (void)state;
    srv_mp_init(&mp, "b", sink_data, &s);
    assert_int_equal(srv_mp_feed(&mp, (const unsigned char *)body,
                                 strlen(body)),
                     SRV_MP_DONE);
    assert_int_equal(srv_mp_finish(&mp), SRV_MP_ERROR);
    assert_non_null(strstr(srv_mp_error(&mp), "no file"));
    assert_int_equal(s.len, 0);
}

static void test_empty_file_and_bad_lines(void **state)
{
    const char *ok = "--b\r\nContent-Disposition: form-data; name=\"f\"; "
                     "filename=empty.wav\r\n\r\n\r\n--b--";
    const char *bad = "--b\r\nContent-Disposition: form-data; name=\"f\"; "
                      "filename=x.wav\r\n\r\nabc\r\n--bXX";
    struct srv_multipart mp;
    struct sink s = {0};

    (void)state;
    srv_mp_init(&mp, "b", sink_data, &s);
    assert_int_equal(srv_mp_feed(&mp, (const unsigned char *)ok, strlen(ok)),
                     SRV_MP_DONE);
    assert_int_equal(srv_mp_finish(&mp), SRV_MP_DONE);
    assert_int_equal(s.len, 0);
    assert_string_equal(srv_mp_filename(&mp), "empty.wav");

    srv_mp_init(&mp, "b", sink_data, &s);
    assert_int_equal(srv_mp_feed(&mp, (const unsigned char *)bad, strlen(bad)),
                     SRV_MP_ERROR);
    assert_int_equal(srv_mp_finish(&mp), SRV_MP_ERROR);
    assert_non_null(strstr(srv_mp_error(&mp), "malformed"));
    free(s.buf);
}

static void test_headers_too_long(void **state)
{
    struct srv_multipart *mp = malloc(sizeof *mp);
    char *body = malloc(SRV_MP_HEADERS_MAX + 100);
    struct sink s = {0};

    (void)state;
    strcpy(body, "--b\r\nX-Long: ");
    size_t n = strlen(body);
    memset(body + n, 'a', SRV_MP_HEADERS_MAX);
    n += SRV_MP_HEADERS_MAX;
    srv_mp_init(mp, "b", sink_data, &s);
    assert_int_equal(srv_mp_feed(mp, (unsigned char *)body, n), SRV_MP_ERROR);
    assert_non_null(strstr(srv_mp_error(mp), "headers"));
    free(body);
    free(mp);
}

static void test_sink_failure(void **state)
{
    size_t flen, blen, all = 0;
    unsigned char *file = tricky_file(&flen, "s");
    unsigned char *body = make_body("s", "", file, flen, &blen);
    struct srv_multipart mp;
    struct sink s = {0};

    (void)state;
    s.fail_after = 1000;
    srv_mp_init(&mp, "s", sink_data, &s);
    assert_int_equal(feed_chunks(&mp, body, blen, &all, 1), SRV_MP_ERROR);
    assert_non_null(strstr(srv_mp_error(&mp), "could not be stored"));
    free(s.buf);
    free(body);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_body),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_random_chunks),
        cmocka_unit_test(test_preamble),
        cmocka_unit_test(test_boundary_header),
        cmocka_unit_test(test_cut_off),
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_empty_file_and_bad_lines),
        cmocka_unit_test(test_headers_too_long),
        cmocka_unit_test(test_sink_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
