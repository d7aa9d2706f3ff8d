/* test_proto_fields.c -- every field of every kind accepted at its bounds
 * and refused just past them (with a message naming the field), wrong
 * types, unknown fields, references to missing or wrong-kind objects,
 * effect params and automation targets. Table-driven: each row is one set
 * (or create) against a small document. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "protocol/fields.h"
#include "tests/unit/proto_helpers.h"

/* base_doc() plus clip c1 (1 s of a1 on t1), compressor fx on t1, send s1
 * t1 -> b1, marker m1, automation au1 (gain of t1), delay dl on t1. */
static proto_doc *full_doc(void)
{
    proto_doc *doc = base_doc();
    proto_err err;

    if (apply_text(doc,
        "[{\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":0,\"length\":48000}},"
        " {\"op\":\"create\",\"id\":\"fx\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"compressor\"}},"
        " {\"op\":\"create\",\"id\":\"dl\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"delay\"}},"
        " {\"op\":\"create\",\"id\":\"eq1\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"eq\"}},"
        " {\"op\":\"create\",\"id\":\"s1\",\"kind\":\"send\",\"fields\":{\"track\":\"t1\",\"target\":\"b1\"}},"
        " {\"op\":\"create\",\"id\":\"m1\",\"kind\":\"marker\",\"fields\":{\"at\":0}},"
        " {\"op\":\"create\",\"id\":\"au1\",\"kind\":\"automation\",\"fields\":{\"track\":\"t1\",\"param\":\"gain\"}}]",
        &err, NULL, NULL)) {
        fprintf(stderr, "full_doc: %s\n", err.message);
        abort();
    }
    return doc;
}

typedef struct {
    const char *id;     /* object to set */
    const char *fields; /* JSON object */
    proto_code code;    /* PROTO_OK if accepted */
    const char *needle; /* substring of the message (field name) */
} row;

#define S200 "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""
#define S201 "\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\""

static const row rows[] = {
    /* project */
    {"project", "{\"name\":\"A\"}", PROTO_OK, NULL},
    {"project", "{\"name\":\"\"}", PROTO_INVALID_VALUE, "name"},
    {"project", "{\"name\":" S200 "}", PROTO_OK, NULL},
    {"project", "{\"name\":" S201 "}", PROTO_INVALID_VALUE, "name"},
    {"project", "{\"name\":5}", PROTO_INVALID_VALUE, "name"},
    {"project", "{\"tempo\":20}", PROTO_OK, NULL},
    {"project", "{\"tempo\":999}", PROTO_OK, NULL},
    {"project", "{\"tempo\":19.99}", PROTO_INVALID_VALUE, "tempo"},
    {"project", "{\"tempo\":999.01}", PROTO_INVALID_VALUE, "tempo"},
    {"project", "{\"tempo\":\"fast\"}", PROTO_INVALID_VALUE, "tempo"},
    {"project", "{\"meter\":[1,1]}", PROTO_OK, NULL},
    {"project", "{\"meter\":[32,16]}", PROTO_OK, NULL},
    {"project", "{\"meter\":[33,4]}", PROTO_INVALID_VALUE, "meter"},
    {"project", "{\"meter\":[0,4]}", PROTO_INVALID_VALUE, "meter"},
    {"project", "{\"meter\":[4,3]}", PROTO_INVALID_VALUE, "meter"},
    {"project", "{\"meter\":[4,32]}", PROTO_INVALID_VALUE, "meter"},
    {"project", "{\"meter\":4}", PROTO_INVALID_VALUE, "meter"},
    {"project", "{\"master_gain\":12}", PROTO_OK, NULL},
    {"project", "{\"master_gain\":null}", PROTO_OK, NULL},
    {"project", "{\"master_gain\":12.01}", PROTO_INVALID_VALUE, "master_gain"},
    {"project", "{\"sample_rate\":44100}", PROTO_INVALID_VALUE, "sample_rate is fixed"},
    {"project", "{\"foo\":1}", PROTO_INVALID_VALUE, "project has no field 'foo'"},
    /* track */
    {"t1", "{\"name\":\"\"}", PROTO_OK, NULL},
    {"t1", "{\"name\":" S200 "}", PROTO_OK, NULL},
    {"t1", "{\"name\":" S201 "}", PROTO_INVALID_VALUE, "name"},
    {"t1", "{\"name\":\"\xc3\xa9t\xc3\xa9\"}", PROTO_OK, NULL},
    {"t1", "{\"name\":null}", PROTO_INVALID_VALUE, "name"},
    {"t1", "{\"order\":\"a5\"}", PROTO_OK, NULL},
    {"t1", "{\"order\":\"a0\"}", PROTO_INVALID_VALUE, "order"},
    {"t1", "{\"order\":\"\"}", PROTO_INVALID_VALUE, "order"},
    {"t1", "{\"order\":\"a-b\"}", PROTO_INVALID_VALUE, "order"},
    {"t1", "{\"color\":\"#00fF0a\"}", PROTO_OK, NULL},
    {"t1", "{\"color\":\"#00ff0\"}", PROTO_INVALID_VALUE, "color"},
    {"t1", "{\"color\":\"red\"}", PROTO_INVALID_VALUE, "color"},
    {"t1", "{\"color\":\"#00ff0g\"}", PROTO_INVALID_VALUE, "color"},
    {"t1", "{\"gain\":12}", PROTO_OK, NULL},
    {"t1", "{\"gain\":-144}", PROTO_OK, NULL},
    /* the floor: -144 dB (below, null means -inf) */
    {"t1", "{\"gain\":-150.5}", PROTO_INVALID_VALUE, "-144"},
    {"t1", "{\"gain\":-1e308}", PROTO_INVALID_VALUE, "-144"},
    {"project", "{\"master_gain\":-1e308}", PROTO_INVALID_VALUE, "master_gain"},
    {"t1", "{\"gain\":null}", PROTO_OK, NULL},
    {"t1", "{\"gain\":12.001}", PROTO_INVALID_VALUE, "gain"},
    {"t1", "{\"gain\":\"-3\"}", PROTO_INVALID_VALUE, "gain"},
    {"t1", "{\"pan\":-1}", PROTO_OK, NULL},
    {"t1", "{\"pan\":1}", PROTO_OK, NULL},
    {"t1", "{\"pan\":1.01}", PROTO_INVALID_VALUE, "pan"},
    {"t1", "{\"pan\":-1.01}", PROTO_INVALID_VALUE, "pan"},
    {"t1", "{\"pan\":null}", PROTO_INVALID_VALUE, "pan"},
    {"t1", "{\"mute\":true}", PROTO_OK, NULL},
    {"t1", "{\"mute\":1}", PROTO_INVALID_VALUE, "mute"},
    {"t1", "{\"solo\":false}", PROTO_OK, NULL},
    {"t1", "{\"solo\":\"yes\"}", PROTO_INVALID_VALUE, "solo"},
    {"t1", "{\"output\":\"master\"}", PROTO_OK, NULL},
    {"t1", "{\"output\":\"b2\"}", PROTO_OK, NULL},
    {"t1", "{\"output\":\"t1\"}", PROTO_INVALID_VALUE, "output"},
    {"t1", "{\"output\":\"zz\"}", PROTO_NOT_FOUND, "output"},
    {"t1", "{\"output\":\"m1\"}", PROTO_INVALID_VALUE, "output"},
    {"t1", "{\"output\":\"\"}", PROTO_INVALID_VALUE, "output"},
    {"b1", "{\"output\":\"b2\"}", PROTO_OK, NULL},
    {"t1", "{\"role\":\"bus\"}", PROTO_INVALID_VALUE, "role"},
    {"b1", "{\"role\":\"audio\"}", PROTO_INVALID_VALUE, "role"},
    {"b2", "{\"role\":\"audio\"}", PROTO_OK, NULL},
    {"t1", "{\"role\":\"aux\"}", PROTO_INVALID_VALUE, "role"},
    {"t1", "{\"foo\":1}", PROTO_INVALID_VALUE, "track has no field 'foo'"},
    {"t1", "{\"id\":\"x\"}", PROTO_INVALID_VALUE, "track has no field 'id'"},
    /* clip */
    {"c1", "{\"start\":0}", PROTO_OK, NULL},
    {"c1", "{\"gain\":-144.5}", PROTO_INVALID_VALUE, "from -144"},
    {"c1", "{\"start\":1099511627776}", PROTO_OK, NULL},
    {"c1", "{\"start\":1099511627777}", PROTO_INVALID_VALUE, "start"},
    {"c1", "{\"start\":-1}", PROTO_INVALID_VALUE, "start"},
    {"c1", "{\"start\":1.5}", PROTO_INVALID_VALUE, "start"},
    {"c1", "{\"start\":96000.0}", PROTO_INVALID_VALUE, "start"},
    {"c1", "{\"offset\":432000}", PROTO_OK, NULL},
    {"c1", "{\"offset\":432001}", PROTO_INVALID_VALUE, "offset + length"},
    {"c1", "{\"offset\":-1}", PROTO_INVALID_VALUE, "offset"},
    {"c1", "{\"length\":1}", PROTO_OK, NULL},
    {"c1", "{\"length\":480000}", PROTO_OK, NULL},
    {"c1", "{\"length\":480001}", PROTO_INVALID_VALUE, "length"},
    {"c1", "{\"length\":0}", PROTO_INVALID_VALUE, "length"},
    {"c1", "{\"gain\":24}", PROTO_OK, NULL},
    {"c1", "{\"gain\":24.1}", PROTO_INVALID_VALUE, "gain"},
    {"c1", "{\"gain\":null}", PROTO_OK, NULL},
    {"c1", "{\"fade_in\":48000}", PROTO_OK, NULL},
    {"c1", "{\"fade_in\":48001}", PROTO_INVALID_VALUE, "fade_in"},
    {"c1", "{\"fade_in\":24000,\"fade_out\":24000}", PROTO_OK, NULL},
    {"c1", "{\"fade_in\":24000,\"fade_out\":24001}", PROTO_INVALID_VALUE, "fade_out"},
    {"c1", "{\"fade_out\":-1}", PROTO_INVALID_VALUE, "fade_out"},
    {"c1", "{\"fade_in_shape\":\"scurve\",\"fade_out_shape\":\"exp\"}", PROTO_OK, NULL},
    {"c1", "{\"fade_in_shape\":\"linear\"}", PROTO_OK, NULL},
    {"c1", "{\"fade_in_shape\":\"cubic\"}", PROTO_INVALID_VALUE, "fade_in_shape"},
    {"c1", "{\"fade_out_shape\":1}", PROTO_INVALID_VALUE, "fade_out_shape"},
    {"c1", "{\"mute\":true}", PROTO_OK, NULL},
    {"c1", "{\"mute\":\"no\"}", PROTO_INVALID_VALUE, "mute"},
    {"c1", "{\"name\":\"Verse vox\"}", PROTO_OK, NULL},
    {"c1", "{\"name\":" S201 "}", PROTO_INVALID_VALUE, "name"},
    {"c1", "{\"track\":\"b1\"}", PROTO_INVALID_VALUE, "track"},
    {"c1", "{\"track\":\"zz\"}", PROTO_NOT_FOUND, "track"},
    {"c1", "{\"track\":\"m1\"}", PROTO_INVALID_VALUE, "track"},
    {"c1", "{\"asset\":\"a2\"}", PROTO_INVALID_VALUE, "asset"},
    {"c1", "{\"asset\":\"a9\"}", PROTO_NOT_FOUND, "asset"},
    {"c1", "{\"asset\":7}", PROTO_INVALID_VALUE, "asset"},
    {"c1", "{\"at\":7}", PROTO_INVALID_VALUE, "clip has no field 'at'"},
    /* effect */
    {"fx", "{\"bypass\":true}", PROTO_OK, NULL},
    {"fx", "{\"bypass\":0}", PROTO_INVALID_VALUE, "bypass"},
    {"fx", "{\"order\":\"zz\"}", PROTO_OK, NULL},
    {"fx", "{\"order\":5}", PROTO_INVALID_VALUE, "order"},
    {"fx", "{\"type\":\"chorus\"}", PROTO_INVALID_VALUE, "type"},
    {"fx", "{\"track\":\"zz\"}", PROTO_NOT_FOUND, "track"},
    {"fx", "{\"params\":[]}", PROTO_INVALID_VALUE, "params"},
    {"fx", "{\"params\":{\"threshold\":-60,\"ratio\":20,\"attack\":0.1,\"release\":5,\"knee\":0,\"makeup\":24}}", PROTO_OK, NULL},
    {"fx", "{\"params\":{\"threshold\":0,\"ratio\":1,\"attack\":200,\"release\":2000,\"knee\":24,\"makeup\":0}}", PROTO_OK, NULL},
    {"fx", "{\"params\":{\"threshold\":-60.1}}", PROTO_INVALID_VALUE, "params.threshold"},
    {"fx", "{\"params\":{\"threshold\":0.1}}", PROTO_INVALID_VALUE, "params.threshold"},
    {"fx", "{\"params\":{\"ratio\":0.9}}", PROTO_INVALID_VALUE, "params.ratio"},
    {"fx", "{\"params\":{\"ratio\":20.1}}", PROTO_INVALID_VALUE, "params.ratio"},
    {"fx", "{\"params\":{\"attack\":0.09}}", PROTO_INVALID_VALUE, "params.attack"},
    {"fx", "{\"params\":{\"release\":2001}}", PROTO_INVALID_VALUE, "params.release"},
    {"fx", "{\"params\":{\"knee\":-0.1}}", PROTO_INVALID_VALUE, "params.knee"},
    {"fx", "{\"params\":{\"makeup\":24.5}}", PROTO_INVALID_VALUE, "params.makeup"},
    {"fx", "{\"params\":{\"time\":100}}", PROTO_INVALID_VALUE, "'time'"},
    {"fx", "{\"params\":{\"ratio\":\"4\"}}", PROTO_INVALID_VALUE, "params.ratio"},
    {"dl", "{\"params\":{\"time\":1,\"feedback\":0.95,\"mix\":1,\"sync\":\"1/8d\"}}", PROTO_OK, NULL},
    {"dl", "{\"params\":{\"time\":2000,\"feedback\":0,\"mix\":0,\"sync\":null}}", PROTO_OK, NULL},
    {"dl", "{\"params\":{\"time\":0.9}}", PROTO_INVALID_VALUE, "params.time"},
    {"dl", "{\"params\":{\"feedback\":0.96}}", PROTO_INVALID_VALUE, "params.feedback"},
    {"dl", "{\"params\":{\"mix\":1.1}}", PROTO_INVALID_VALUE, "params.mix"},
    {"dl", "{\"params\":{\"sync\":\"1/3\"}}", PROTO_INVALID_VALUE, "params.sync"},
    {"dl", "{\"type\":\"reverb\",\"params\":{\"size\":0,\"damping\":1,\"predelay\":200,\"mix\":0}}", PROTO_OK, NULL},
    {"dl", "{\"type\":\"reverb\",\"params\":{\"predelay\":200.5}}", PROTO_INVALID_VALUE, "params.predelay"},
    {"dl", "{\"type\":\"reverb\",\"params\":{\"size\":1.01}}", PROTO_INVALID_VALUE, "params.size"},
    {"dl", "{\"type\":\"limiter\",\"params\":{\"ceiling\":-24,\"release\":1,\"lookahead\":10}}", PROTO_OK, NULL},
    {"dl", "{\"type\":\"limiter\",\"params\":{\"ceiling\":0.1}}", PROTO_INVALID_VALUE, "params.ceiling"},
    {"dl", "{\"type\":\"limiter\",\"params\":{\"lookahead\":10.5}}", PROTO_INVALID_VALUE, "params.lookahead"},
    {"dl", "{\"type\":\"limiter\",\"params\":{\"release\":0.5}}", PROTO_INVALID_VALUE, "params.release"},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"lowshelf\",\"freq\":20,\"gain\":-24,\"q\":0.1},{\"type\":\"highpass\",\"freq\":20000,\"gain\":24,\"q\":18}]}}", PROTO_OK, NULL},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"peak\",\"freq\":19.9}]}}", PROTO_INVALID_VALUE, "params.bands[0].freq"},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"peak\",\"freq\":20001}]}}", PROTO_INVALID_VALUE, "params.bands[0].freq"},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"peak\",\"gain\":24.1}]}}", PROTO_INVALID_VALUE, "params.bands[0].gain"},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"peak\",\"q\":18.1}]}}", PROTO_INVALID_VALUE, "params.bands[0].q"},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"notch\"}]}}", PROTO_INVALID_VALUE, "params.bands[0].type"},
    {"eq1", "{\"params\":{\"bands\":[{\"type\":\"peak\",\"width\":1}]}}", PROTO_INVALID_VALUE, "'width'"},
    {"eq1", "{\"params\":{\"bands\":[{},{},{},{},{},{},{},{}]}}", PROTO_OK, NULL},
    {"eq1", "{\"params\":{\"bands\":[{},{},{},{},{},{},{},{},{}]}}", PROTO_INVALID_VALUE, "params.bands"},
    /* send */
    {"s1", "{\"level\":12}", PROTO_OK, NULL},
    {"s1", "{\"level\":null}", PROTO_OK, NULL},
    {"s1", "{\"level\":12.1}", PROTO_INVALID_VALUE, "level"},
    {"s1", "{\"pre\":true}", PROTO_OK, NULL},
    {"s1", "{\"pre\":null}", PROTO_INVALID_VALUE, "pre"},
    {"s1", "{\"target\":\"b2\"}", PROTO_OK, NULL},
    {"s1", "{\"target\":\"t1\"}", PROTO_INVALID_VALUE, "target"},
    {"s1", "{\"target\":\"zz\"}", PROTO_NOT_FOUND, "target"},
    {"s1", "{\"track\":\"b1\"}", PROTO_INVALID_VALUE, "target"},
    {"s1", "{\"track\":\"b2\"}", PROTO_OK, NULL},
    /* marker */
    {"m1", "{\"at\":0}", PROTO_OK, NULL},
    {"m1", "{\"at\":-1}", PROTO_INVALID_VALUE, "at"},
    {"m1", "{\"at\":\"0\"}", PROTO_INVALID_VALUE, "at"},
    {"m1", "{\"name\":\"Chorus\"}", PROTO_OK, NULL},
    {"m1", "{\"name\":" S201 "}", PROTO_INVALID_VALUE, "name"},
    /* automation */
    {"au1", "{\"points\":[[0,-96],[10,12]]}", PROTO_OK, NULL},
    {"au1", "{\"points\":[[0,12.5]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"points\":[[0,-96.5]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"points\":[[5,0],[5,1]]}", PROTO_INVALID_VALUE, "points"},
    {"au1", "{\"points\":[[6,0],[5,1]]}", PROTO_INVALID_VALUE, "points"},
    {"au1", "{\"points\":[[-1,0]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"points\":[[1.5,0]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"points\":[[1,\"x\"]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"points\":{}}", PROTO_INVALID_VALUE, "points"},
    {"au1", "{\"param\":\"pan\",\"points\":[[0,-1],[1,1]]}", PROTO_OK, NULL},
    {"au1", "{\"param\":\"pan\",\"points\":[[0,-1.5]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"param\":\"fx.threshold\",\"points\":[[0,-60],[1,0]]}", PROTO_OK, NULL},
    {"au1", "{\"param\":\"fx.threshold\",\"points\":[[0,1]]}", PROTO_INVALID_VALUE, "points[0]"},
    {"au1", "{\"param\":\"fx.foo\"}", PROTO_INVALID_VALUE, "param"},
    {"au1", "{\"param\":\"dl.sync\"}", PROTO_INVALID_VALUE, "param"},
    {"au1", "{\"param\":\"eq1.bands\"}", PROTO_INVALID_VALUE, "param"},
    {"au1", "{\"param\":\"zz.time\"}", PROTO_NOT_FOUND, "param"},
    {"au1", "{\"param\":\"volume\"}", PROTO_INVALID_VALUE, "param"},
    {"au1", "{\"track\":\"b1\",\"param\":\"fx.ratio\"}", PROTO_INVALID_VALUE, "param"},
    {"au1", "{\"track\":\"zz\"}", PROTO_NOT_FOUND, "track"},
};

static void test_field_table(void **state)
{
    proto_doc *base = full_doc();

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        proto_doc *doc = proto_doc_clone(base);
        char text[2048];
        proto_err err;
        int rc;
        snprintf(text, sizeof text,
                 "[{\"op\":\"set\",\"id\":\"%s\",\"fields\":%s}]", rows[i].id,
                 rows[i].fields);
        rc = apply_text(doc, text, &err, NULL, NULL);
        if ((rows[i].code == PROTO_OK) != (rc == 0) ||
            (rc && (err.code != rows[i].code || !strstr(err.message, rows[i].needle)))) {
            fail_msg("row %zu %s %s: rc %d code %s message \"%s\"", i, rows[i].id,
                     rows[i].fields, rc, proto_code_name(err.code), err.message);
        }
        if (rc)
            assert_true(proto_doc_equal(doc, base));
        proto_doc_free(doc);
    }
    proto_doc_free(base);
}

static void test_create_required_and_unknown(void **state)
{
    proto_doc *doc = full_doc();
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"c2\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"length\":10}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_INVALID_VALUE);
    assert_non_null(strstr(err.message, "start"));
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"x\",\"kind\":\"widget\",\"fields\":{}}]", &err, NULL, NULL), -1);
    assert_non_null(strstr(err.message, "kind"));
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"t1\",\"kind\":\"track\",\"fields\":{}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_CONFLICT);
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"project\",\"kind\":\"project\",\"fields\":{}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_INVALID_VALUE);
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"project\"}]", &err, NULL, NULL), -1);
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"bad id\",\"kind\":\"marker\",\"fields\":{\"at\":0}}]", &err, NULL, NULL), -1);
    assert_non_null(strstr(err.message, "id"));
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"x1234567890123456789012345678901234567890123456789012345678901234\",\"kind\":\"marker\",\"fields\":{\"at\":0}}]", &err, NULL, NULL), -1);
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"1234567890123456789012345678901234567890123456789012345678901234\",\"kind\":\"marker\",\"fields\":{\"at\":0}}]", &err, NULL, NULL), 0);
    assert_int_equal(apply_text(doc, "[{\"op\":\"move\",\"id\":\"t1\"}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"fields\":{}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":3}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"nope\",\"fields\":{}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_NOT_FOUND);
    assert_int_equal(apply_text(doc, "[]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_int_equal(apply_text(doc, "[3]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_int_equal(err.op_index, 0);
    /* defaults filled for every kind */
    const json_t *fx = proto_doc_get(doc, "fx");
    assert_true(json_number_value(json_object_get(json_object_get(fx, "params"), "ratio")) == 4);
    assert_true(json_is_null(json_object_get(json_object_get(proto_doc_get(doc, "dl"), "params"), "sync")));
    assert_int_equal(json_array_size(json_object_get(json_object_get(proto_doc_get(doc, "eq1"), "params"), "bands")), 0);
    assert_int_equal(json_integer_value(json_object_get(proto_doc_get(doc, "c1"), "offset")), 0);
    proto_doc_free(doc);
}

static void test_too_many_ops(void **state)
{
    proto_doc *doc = base_doc();
    json_t *ops = json_array(), *a, *inv;
    proto_err err;

    (void)state;
    for (int i = 0; i < 1001; i++)
        json_array_append_new(ops, json_pack("{s:s,s:s,s:{s:i}}", "op", "set", "id", "t1", "fields", "pan", 0));
    assert_int_equal(proto_apply_push(doc, ops, &a, &inv, &err), -1);
    assert_int_equal(err.code, PROTO_TOO_LARGE);
    json_array_remove(ops, 0);
    assert_int_equal(proto_apply_push(doc, ops, &a, &inv, &err), 0);
    json_decref(a);
    json_decref(inv);
    json_decref(ops);
    proto_doc_free(doc);
}

static void test_validate_fields_api(void **state)
{
    proto_doc *doc = full_doc();
    proto_err err;
    json_t *f = json_pack("{s:s,s:s,s:i,s:i}", "track", "t1", "asset", "a1", "start", 0, "length", 10);

    (void)state;
    assert_int_equal(proto_validate_fields(doc, "clip", "c9", f, true, &err), 0);
    json_object_set_new(f, "track", json_string("b1"));
    assert_int_equal(proto_validate_fields(doc, "clip", "c9", f, true, &err), -1);
    json_decref(f);
    f = json_pack("{s:f}", "pan", 2.0);
    assert_int_equal(proto_validate_fields(doc, "track", "t1", f, false, &err), -1);
    assert_string_equal(err.message, "pan must be a number from -1 to 1 (got 2.0)");
    json_decref(f);
    assert_true(proto_valid_id("a_B-9"));
    assert_false(proto_valid_id(""));
    assert_false(proto_valid_id("a.b"));
    proto_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_table),
        cmocka_unit_test(test_create_required_and_unknown),
        cmocka_unit_test(test_too_many_ops),
        cmocka_unit_test(test_validate_fields_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
