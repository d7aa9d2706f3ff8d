/* test_json_enc.c -- the printf-free encoders of the push path give the
 * same text as the library they replace: proto_json_dumps / _size against
 * json_dumps / json_dumpb (JSON_COMPACT, with and without JSON_SORT_KEYS)
 * on edge values, random documents and every byte in strings; proto_fmt_g
 * and proto_fmt_fixed1 against snprintf's "%g" and "%.1f" on edge values
 * (0, -0, denormals, 1e21, 0.1, ties, negatives, integers) and millions of
 * random ones; proto_fmt_vsnprintf against vsnprintf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/json_enc.h"
#include "protocol/summary.h"
#include "protocol/summary_fmt.h"
#include "tests/unit/proto_helpers.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_u64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double any_double(void)
{
    uint64_t bits = next_u64();
    double d;

    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A value a document could hold: short binary fractions, decimals with a
 * few digits, integers, big and tiny ones. */
static double doc_double(void)
{
    switch (next_u64() % 6) {
    case 0: return (double)((int64_t)(next_u64() % 2001) - 1000) / 2.0;
    case 1: return (double)((int64_t)(next_u64() % 200001) - 100000) / 1000.0;
    case 2: return ldexp((double)(next_u64() % (1u << 20)), -(int)(next_u64() % 24));
    case 3: return (double)(int64_t)(next_u64() >> (next_u64() % 64));
    case 4: return ldexp((double)(next_u64() >> 11), (int)(next_u64() % 200) - 100);
    default: return any_double();
    }
}

static void expect_same(const json_t *v)
{
    for (int sort = 0; sort < 2; sort++) {
        size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS : 0);
        char *want = json_dumps(v, flags);
        size_t len = 0;
        char *got = proto_json_dumps(v, sort, &len);
        assert_non_null(want);
        assert_non_null(got);
        if (strcmp(want, got))
            fail_msg("json_dumps \"%s\", proto_json_dumps \"%s\"", want, got);
        assert_int_equal(len, strlen(want));
        assert_int_equal(proto_json_size(v), strlen(want));
        assert_int_equal(json_dumpb(v, NULL, 0, flags), strlen(want));
        free(want);
        free(got);
    }
}

static void expect_real(double d)
{
    json_t *r = json_real(d);
    char text[40];

    if (!r)
        return; /* NaN and infinities are not JSON values */
    expect_same(r);
    char *want = json_dumps(r, JSON_ENCODE_ANY);
    proto_json_real_text(d, text);
    assert_string_equal(text, want);
    free(want);
    json_decref(r);
}

static void test_reals(void **state)
{
    static const double edge[] = {
        0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 0.1, -0.1, 0.2, 0.3, 1.5, -14.5,
        100.0, 1e15, 1e16, 9007199254740992.0, 9007199254740993.0, 1e17,
        99999999999999999.0, 1e21, -1e21, 1e22, 1e-4, 0.0001220703125,
        6.103515625e-05, 1e-5, 1.9073486328125e-06, 5e-324, -5e-324,
        2.2250738585072014e-308, 2.225073858507201e-308, DBL_MAX, -DBL_MAX,
        0.30000000000000004, 123456.789, 4503599627370495.5,
        4503599627370496.5, 0.000244140625, 1.0 / 3.0, 2.0 / 3.0,
        1.52587890625e-05, 3.814697265625e-06, 12345678.125,
        1234567890123.0625, 0.99999999999999989, 1e-300, 1e300};

    (void)state;
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        expect_real(edge[i]);
    for (int i = 0; i < 200000; i++)
        expect_real(doc_double());
}

static void test_strings(void **state)
{
    char s[300];
    json_t *v;

    (void)state;
    /* every byte below 0x80 (NUL through json_stringn), and UTF-8 */
    for (int ch = 0; ch < 0x80; ch++) {
        s[0] = 'a';
        s[1] = (char)ch;
        s[2] = 'z';
        v = json_stringn(s, 3);
        assert_non_null(v);
        expect_same(v);
        json_decref(v);
    }
    v = json_string("caf\xc3\xa9 \xe2\x88\x92" "3 dB \xe2\x80\xa8 \xf0\x9f\x8e\xb5 \"q\" \\ /");
    expect_same(v);
    json_decref(v);
    v = json_string("");
    expect_same(v);
    json_decref(v);
}

/* A random JSON value of at most depth levels. */
static json_t *random_value(int depth)
{
    static const char *const keys[] = {"id", "kind", "gain", "pan", "name",
                                       "a", "b", "ab", "B", "_", "z\n",
                                       "\xc3\xa9t\xc3\xa9", "fields", "op"};
    int pick = (int)(next_u64() % (depth > 0 ? 9 : 6));

    switch (pick) {
    case 0: return json_integer((json_int_t)next_u64());
    case 1: return json_integer((json_int_t)(next_u64() % 2000) - 1000);
    case 2: {
        json_t *r = json_real(doc_double()); /* NULL: NaN or infinite */
        return r ? r : json_null();
    }
    case 3: return json_string(keys[next_u64() % 14]);
    case 4: return json_boolean(next_u64() & 1);
    case 5: return json_null();
    case 6: case 7: {
        json_t *o = json_object();
        int n = (int)(next_u64() % 8);
        for (int i = 0; i < n; i++)
            json_object_set_new(o, keys[next_u64() % 14], random_value(depth - 1));
        return o;
    }
    default: {
        json_t *a = json_array();
        int n = (int)(next_u64() % 6);
        for (int i = 0; i < n; i++)
            json_array_append_new(a, random_value(depth - 1));
        return a;
    }
    }
}

static void test_documents(void **state)
{
    (void)state;
    json_t *v = json_loads(
        "[{\"op\":\"set\",\"id\":\"trk\",\"fields\":{\"gain\":-14.5,\"pan\":0.25}},"
        "{\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"start\":96000,"
        "\"length\":48000,\"name\":\"Verse \\u2212 vox\",\"muted\":false,\"x\":null,"
        "\"pts\":[[0,0.5],[480,-1.0]],\"big\":1e300}}]", 0, NULL);
    assert_non_null(v);
    expect_same(v);
    json_decref(v);
    v = json_object();
    expect_same(v);
    json_decref(v);
    v = json_array();
    expect_same(v);
    json_decref(v);
    /* more keys than the encoder's stack array */
    v = json_object();
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", (i * 37) % 100);
        json_object_set_new(v, k, json_integer(i));
    }
    expect_same(v);
    json_decref(v);
    for (int i = 0; i < 5000; i++) {
        v = random_value(4);
        expect_same(v);
        json_decref(v);
    }
}

static void expect_fmt(double d)
{
    char want[400], got[400];

    snprintf(want, sizeof want, "%g", d);
    proto_fmt_g(d, got);
    if (strcmp(want, got))
        fail_msg("%%g of %.17g: printf \"%s\", proto_fmt_g \"%s\"", d, want, got);
    snprintf(want, sizeof want, "%.1f", d);
    proto_fmt_fixed1(d, got);
    if (strcmp(want, got))
        fail_msg("%%.1f of %.17g: printf \"%s\", proto_fmt_fixed1 \"%s\"", d, want, got);
}

static void test_formatter(void **state)
{
    static const double edge[] = {
        0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e21, -1e21,
        0.1, -0.1, 0.05, 0.15, 0.25, 0.35, 0.45, -0.25, 2.5, 3.5, -3.5, 1.0,
        -1.0, 100.0, 999999.0, 999999.5, 9999995.0, 0.0001, 0.00001,
        0.000099999949, 0.00009999995, 123456.0, 1234567.0, 1e6, 1e5, 1e-4,
        1e-5, 120.0, 44100.0, 48000.0 / 96000.0, 1.0 / 3.0, 2.0 / 3.0,
        1e15, 1e16, 1e17, 1e20, 1e19, DBL_MAX, -DBL_MAX, 0.95, 0.9999995,
        1.0000005, 12345.65, 12345.75, 0.125, -7.25, 4.0 / 3.0};

    (void)state;
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        expect_fmt(edge[i]);
    expect_fmt(NAN);
    expect_fmt(INFINITY);
    expect_fmt(-INFINITY);
    for (int i = 0; i < 1000000; i++)
        expect_fmt(doc_double());
    /* values with six-digit decimals and halfway points at every scale */
    for (int e = -6; e < 22; e++)
        for (int m = 0; m < 2000; m++) {
            double d = (100000.0 + m * 449.5) * pow(10.0, e - 5);
            expect_fmt(d);
            expect_fmt(-d);
            expect_fmt(nextafter(d, 0));
            expect_fmt(nextafter(d, INFINITY));
        }
}

static void expect_vs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void expect_vs(const char *fmt, ...)
{
    char want[256], got[256], small_w[8], small_g[8];
    va_list ap, ap2, ap3, ap4;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    va_copy(ap3, ap);
    va_copy(ap4, ap);
    int nw = vsnprintf(want, sizeof want, fmt, ap);
    int ng = proto_fmt_vsnprintf(got, sizeof got, fmt, ap2);
    assert_string_equal(got, want);
    assert_int_equal(ng, nw);
    /* truncated the same way */
    nw = vsnprintf(small_w, sizeof small_w, fmt, ap3);
    ng = proto_fmt_vsnprintf(small_g, sizeof small_g, fmt, ap4);
    assert_string_equal(small_g, small_w);
    assert_int_equal(ng, nw);
    va_end(ap);
    va_end(ap2);
    va_end(ap3);
    va_end(ap4);
}

static void test_vsnprintf(void **state)
{
    (void)state;
    expect_vs("plain text");
    expect_vs("%s on %s", "reverb", "Bass line");
    expect_vs("%s%d", "C#", -1);
    expect_vs("%lld/%lld", 3LL, -4LL);
    expect_vs("%zu points", (size_t)12);
    expect_vs(" %.1f s %s", 2.25, "later");
    expect_vs("%g bpm, 100%%", 120.5);
    expect_vs("%s%lld %s", ", ", 9223372036854775807LL, "clips");
    expect_vs("%5d|%x", 42, 255); /* not one of ours: vsnprintf does it */
    expect_vs("%s", "");
}

/* Two sets of one object in a push read as one (the summary merges them
 * into a copy, made only then), and the ops as applied are left as they
 * were: they are also the stored row and the delta. */
static void test_summary_merges_without_touching_ops(void **state)
{
    proto_doc *doc = base_doc();
    json_t *applied, *inverse;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-3.5}},"
                                     "{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"pan\":0.5}}]",
                                &err, &applied, &inverse), 0);
    char *before = json_dumps(applied, JSON_COMPACT | JSON_SORT_KEYS);
    char *s = proto_summary("ana", applied, inverse, doc);
    assert_string_equal(s, "ana set Bass gain to \xe2\x88\x92" "3.5 dB and pan to 0.5");
    char *after = json_dumps(applied, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(after, before);
    free(before);
    free(after);
    free(s);
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(doc);
}

/* proto_json_size_change = the difference of the whole sizes: a shallow
 * copy with fields replaced, added and removed, keys that need escapes,
 * nested values, and values that are not objects. */
static void test_size_change(void **state)
{
    json_t *old = json_pack("{s:s, s:s, s:f, s:{s:i}, s:[i,i], s:b}", "id",
                            "t1", "kind", "track", "gain", -3.5, "params",
                            "x", 1, "list", 1, 2, "mute", 0);
    json_t *cases[8];
    json_t *n;

    (void)state;
    n = json_copy(old); /* nothing changed */
    cases[0] = n;
    n = json_copy(old);
    json_object_set_new(n, "gain", json_real(-12.25));
    json_object_set_new(n, "mute", json_true());
    cases[1] = n;
    n = json_copy(old);
    json_object_set_new(n, "new \"key\"\n", json_string("v\u00e9\x01"));
    json_object_del(n, "list");
    cases[2] = n;
    n = json_copy(old);
    json_object_clear(n);
    cases[3] = n;
    cases[4] = json_deep_copy(old); /* equal values, none shared */
    cases[5] = json_integer(12345);
    n = json_copy(old); /* keys added after old's, in old's order (side by side) */
    json_object_set_new(n, "gain", json_real(1e-7));
    json_object_set_new(n, "zz", json_pack("[s,f]", "\u00e9", 0.1));
    json_object_set_new(n, "name", json_string("a \"b\""));
    cases[6] = n;
    n = json_pack("{s:b, s:s}", "mute", 1, "id", "t1"); /* another order */
    cases[7] = n;
    for (size_t i = 0; i < 8; i++) {
        long long want = (long long)proto_json_size(cases[i]) -
                         (long long)proto_json_size(old);
        assert_int_equal(proto_json_size_change(old, cases[i]), want);
        assert_int_equal(proto_json_size_change(cases[i], old), -want);
        json_decref(cases[i]);
    }
    json_decref(old);
    old = json_object(); /* from an empty object: no comma before the first */
    n = json_pack("{s:i, s:s}", "a", 1, "b", "x");
    assert_int_equal(proto_json_size_change(old, n),
                     (long long)proto_json_size(n) - 2);
    json_decref(n);
    json_decref(old);
}

/* One text parsed as the server parses a message: its compact size is at
 * most PROTO_JSON_MAX_GROWTH times its length. Returns the ratio. */
static double growth(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
    double r;

    if (!v)
        fail_msg("bad test text %s: %s", text, e.text);
    r = (double)proto_json_size(v) / (double)strlen(text);
    if (proto_json_size(v) > PROTO_JSON_MAX_GROWTH * strlen(text))
        fail_msg("%s grows to %zu bytes", text, proto_json_size(v));
    json_decref(v);
    return r;
}

/* max_push_bytes is not measured for a text of at most 1/8 of it
 * (room_push.c): every shortest real, escapes of every kind, and random
 * values written with random spacing grow by less than 8 once encoded. */
static void test_max_growth(void **state)
{
    static const char *edge[] = {
        "1e5", "9E9", "1e-7", "2e-7", "0.1", "0.3", "-0.1", "-0.0", "1.1",
        "5e-324", "-5e-324", "1e308", "2.2250738585072014e-308", "1E+2",
        "0", "-0", "-9223372036854775808", "true", "null", "\"\\u0001\"",
        "\"\\n\"", "\"\\/\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\u007f\"",
        "[1e1,2e2,3e3]", "{\"a\":1e9}", "[0.1,0.2,0.3,0.4]"};
    char text[64], *dumped;
    double worst = 0, r;

    (void)state;
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        if ((r = growth(edge[i])) > worst)
            worst = r;
    for (int a = 0; a <= 9; a++) /* every real of 3 characters */
        for (int b = 0; b <= 9; b++) {
            snprintf(text, sizeof text, "%d.%d", a, b);
            if ((r = growth(text)) > worst)
                worst = r;
            snprintf(text, sizeof text, "%de%d", a, b);
            if ((r = growth(text)) > worst)
                worst = r;
            snprintf(text, sizeof text, "%de-%d", a, b);
            if ((r = growth(text)) > worst)
                worst = r;
        }
    for (int i = 0; i < 3000; i++) { /* random reals, shortest and pretty */
        double d = any_double();
        json_t *v;
        if (!isfinite(d))
            continue;
        snprintf(text, sizeof text, "%.3g", d);
        if (!strpbrk(text, ".e"))
            strcat(text, ".0");
        if ((r = growth(text)) > worst)
            worst = r;
        v = json_pack("{s:[f,i,s]}", "ops", d, (json_int_t)next_u64(), "x");
        dumped = json_dumps(v, JSON_INDENT(3));
        growth(dumped);
        free(dumped);
        json_decref(v);
    }
    print_message("the largest growth seen: %.2f (the bound: %d)\n", worst,
                  PROTO_JSON_MAX_GROWTH);
    assert_true(worst < PROTO_JSON_MAX_GROWTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reals),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_formatter),
        cmocka_unit_test(test_vsnprintf),
        cmocka_unit_test(test_summary_merges_without_touching_ops),
        cmocka_unit_test(test_size_change),
        cmocka_unit_test(test_max_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
