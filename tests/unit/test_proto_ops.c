/* test_proto_ops.c -- unit tests for proto_apply_push: creates with
 * defaults, sets, deletes with cascades, inverses, errors and atomicity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/proto_helpers.h"

static void test_create_defaults(void **state)
{
    proto_doc *doc = base_doc();
    const json_t *t = proto_doc_get(doc, "t1");

    (void)state;
    assert_non_null(t);
    assert_string_equal(json_string_value(json_object_get(t, "color")), "#808080");
    assert_string_equal(json_string_value(json_object_get(t, "output")), "master");
    assert_string_equal(json_string_value(json_object_get(t, "role")), "audio");
    assert_true(json_is_real(json_object_get(t, "gain")));
    assert_int_equal(proto_doc_count(doc), 4);
    proto_doc_free(doc);
}

static void test_set_and_inverse(void **state)
{
    proto_doc *doc = base_doc(), *before = proto_doc_clone(doc);
    json_t *applied, *inverse;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-3.5,\"pan\":0.5}}]",
                                &err, &applied, &inverse), 0);
    assert_true(json_number_value(json_object_get(proto_doc_get(doc, "t1"), "gain")) == -3.5);
    assert_int_equal(proto_apply_push(doc, inverse, &(json_t *){NULL}, &(json_t *){NULL}, &err), 0);
    assert_true(proto_doc_equal(doc, before));
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(doc);
    proto_doc_free(before);
}

static void test_errors(void **state)
{
    proto_doc *doc = base_doc(), *before = proto_doc_clone(doc);
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-1}},"
                                     "{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"pan\":3}}]",
                                &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_INVALID_VALUE);
    assert_int_equal(err.op_index, 1);
    assert_string_equal(err.message, "pan must be a number from -1 to 1 (got 3)");
    assert_true(proto_doc_equal(doc, before));
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"c_9\"}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_NOT_FOUND);
    assert_string_equal(err.message, "object c_9 does not exist");
    proto_doc_free(doc);
    proto_doc_free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_defaults),
        cmocka_unit_test(test_set_and_inverse),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
