/* test_proto_summary.c -- history sentences for the main kinds of push,
 * the review diff, fractional order keys and message parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "protocol/json.h"
#include "protocol/order.h"
#include "protocol/summary.h"
#include "tests/unit/proto_helpers.h"

/* Applies ops to doc and checks the summary sentence. */
static void expect_summary(proto_doc *doc, const char *user, const char *ops,
                           const char *want)
{
    json_t *applied, *inverse;
    proto_err err;
    char *s;

    if (apply_text(doc, ops, &err, &applied, &inverse))
        fail_msg("%s: %s", ops, err.message);
    s = proto_summary(user, applied, inverse, doc);
    if (strcmp(s, want))
        fail_msg("summary \"%s\", wanted \"%s\"", s, want);
    free(s);
    json_decref(applied);
    json_decref(inverse);
}

static void test_summaries(void **state)
{
    proto_doc *doc = base_doc();

    (void)state;
    expect_summary(doc, "ana", "[{\"op\":\"create\",\"id\":\"t9\",\"kind\":\"track\",\"fields\":{\"name\":\"Drums\"}}]",
                   "ana added track Drums");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-3.5}}]",
                   "ana set Bass gain to \xe2\x88\x92" "3.5 dB");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-3.5,\"pan\":0.5}}]",
                   "ana set Bass gain to \xe2\x88\x92" "3.5 dB and pan to 0.5");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":null}}]",
                   "ana set Bass gain to \xe2\x88\x92inf dB");
    expect_summary(doc, "ben",
                   "[{\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t9\",\"asset\":\"a1\",\"start\":0,\"length\":48000,\"name\":\"Verse vox\"}}]",
                   "ben added clip Verse vox");
    expect_summary(doc, "ben", "[{\"op\":\"set\",\"id\":\"c1\",\"fields\":{\"start\":96000}}]",
                   "ben moved Verse vox 2.0 s later");
    expect_summary(doc, "ben", "[{\"op\":\"set\",\"id\":\"c1\",\"fields\":{\"start\":72000}}]",
                   "ben moved Verse vox 0.5 s earlier");
    expect_summary(doc, "ana",
                   "[{\"op\":\"create\",\"id\":\"c2\",\"kind\":\"clip\",\"fields\":{\"track\":\"t9\",\"asset\":\"a1\",\"start\":0,\"length\":4800}},"
                   " {\"op\":\"create\",\"id\":\"c3\",\"kind\":\"clip\",\"fields\":{\"track\":\"t9\",\"asset\":\"a1\",\"start\":0,\"length\":4800}},"
                   " {\"op\":\"create\",\"id\":\"c4\",\"kind\":\"clip\",\"fields\":{\"track\":\"t9\",\"asset\":\"a1\",\"start\":0,\"length\":4800}}]",
                   "ana added 3 clips");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"name\":\"Sub\"}}]",
                   "ana renamed track Bass to Sub");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"mute\":true}}]",
                   "ana muted Sub");
    expect_summary(doc, "ana", "[{\"op\":\"delete\",\"id\":\"t9\"}]",
                   "ana deleted track Drums and its 4 clips");
    expect_summary(doc, "ana",
                   "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"pan\":0.1}},{\"op\":\"create\",\"id\":\"m1\",\"kind\":\"marker\",\"fields\":{\"at\":0}},"
                   " {\"op\":\"set\",\"id\":\"b1\",\"fields\":{\"pan\":0.1}},{\"op\":\"set\",\"id\":\"project\",\"fields\":{\"tempo\":100}},"
                   " {\"op\":\"create\",\"id\":\"m2\",\"kind\":\"marker\",\"fields\":{\"at\":0}}]",
                   "ana made 5 changes");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"project\",\"fields\":{\"tempo\":128}}]",
                   "ana set the project tempo to 128 bpm");
    expect_summary(doc, "ana", "[{\"op\":\"create\",\"id\":\"fx\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"reverb\"}}]",
                   "ana added reverb on Sub");
    expect_summary(doc, "ana", "[{\"op\":\"set\",\"id\":\"fx\",\"fields\":{\"params\":{\"mix\":0.5}}}]",
                   "ana set reverb on Sub params");
    expect_summary(doc, "ana", "[{\"op\":\"delete\",\"id\":\"b1\"}]",
                   "ana deleted track Bus A");
    proto_doc_free(doc);
}

static void test_diff(void **state)
{
    proto_doc *a = base_doc(), *b;
    json_t *d, *ch;
    proto_err err;
    char *label;

    (void)state;
    apply_text(a, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-3}}]", &err, NULL, NULL);
    b = proto_doc_clone(a);
    apply_text(b, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-5.5}},{\"op\":\"delete\",\"id\":\"b2\"},"
                  " {\"op\":\"create\",\"id\":\"m1\",\"kind\":\"marker\",\"fields\":{\"at\":0}}]", &err, NULL, NULL);
    d = proto_diff(a, b);
    assert_int_equal(json_array_size(json_object_get(d, "created")), 1);
    assert_int_equal(json_array_size(json_object_get(d, "deleted")), 1);
    assert_int_equal(json_array_size(json_object_get(d, "changed")), 1);
    ch = json_array_get(json_object_get(d, "changed"), 0);
    assert_string_equal(json_string_value(json_object_get(ch, "name")), "Bass");
    assert_string_equal(json_string_value(json_object_get(ch, "summary")),
                        "Bass gain \xe2\x88\x92" "3.0 dB \xe2\x86\x92 \xe2\x88\x92" "5.5 dB");
    assert_true(json_is_array(json_object_get(json_object_get(ch, "fields"), "gain")));
    label = proto_object_label(b, proto_doc_get(b, "m1"));
    assert_string_equal(label, "a marker");
    free(label);
    json_decref(d);
    proto_doc_free(a);
    proto_doc_free(b);
}

static void test_order_keys(void **state)
{
    char *keys[200];
    char *k;

    (void)state;
    k = proto_order_between(NULL, NULL);
    assert_true(proto_order_valid(k));
    free(k);
    assert_true(proto_order_valid("a5"));
    assert_false(proto_order_valid("a0"));
    assert_false(proto_order_valid(""));
    assert_false(proto_order_valid("a b"));
    assert_null(proto_order_between("b", "a"));
    assert_null(proto_order_between("a", "a"));
    assert_null(proto_order_between("a0", NULL));
    k = proto_order_between("a", "a1");
    assert_non_null(k);
    assert_true(strcmp(k, "a") > 0 && strcmp(k, "a1") < 0 && proto_order_valid(k));
    free(k);
    k = proto_order_between(NULL, "01");
    assert_true(strcmp(k, "01") < 0 && proto_order_valid(k));
    free(k);
    k = proto_order_between("z", NULL);
    assert_true(strcmp(k, "z") > 0 && proto_order_valid(k));
    free(k);
    /* keep inserting at the front, the back and in the middle */
    keys[0] = proto_order_between(NULL, NULL);
    int n = 1;
    unsigned seed = 7;
    while (n < 200) {
        seed = seed * 1103515245u + 12345u;
        int at = (int)((seed >> 16) % (unsigned)(n + 1));
        char *nk = proto_order_between(at ? keys[at - 1] : NULL, at < n ? keys[at] : NULL);
        assert_non_null(nk);
        assert_true(proto_order_valid(nk));
        if (at)
            assert_true(strcmp(keys[at - 1], nk) < 0);
        if (at < n)
            assert_true(strcmp(nk, keys[at]) < 0);
        memmove(&keys[at + 1], &keys[at], (size_t)(n - at) * sizeof keys[0]);
        keys[at] = nk;
        n++;
    }
    for (int i = 0; i < n; i++)
        free(keys[i]);
}

static void test_messages(void **state)
{
    proto_err err;
    json_t *m;
    char *s;

    (void)state;
    proto_err_clear(&err);
    m = proto_parse_message("{\"type\":\"push\",\"seq\":1}", 23, &err);
    assert_non_null(m);
    s = proto_dumps(m);
    assert_string_equal(s, "{\"seq\":1,\"type\":\"push\"}");
    free(s);
    json_decref(m);
    assert_null(proto_parse_message("{\"type\":", 8, &err));
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_null(proto_parse_message("[1]", 3, &err));
    assert_null(proto_parse_message("{\"type\":3}", 10, &err));
    assert_non_null(strstr(err.message, "type"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summaries),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_order_keys),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
