/* test_proto_ops.c -- unit tests for proto_apply_push: creates with
 * defaults, sets, deletes with cascades, inverses, errors and atomicity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/proto_helpers.h"

static void check_inverse_restores(proto_doc *doc, proto_doc *before, json_t *inverse);

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
    json_decref(applied);
    check_inverse_restores(doc, before, inverse);
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


static int count_op(const json_t *ops, const char *op, const char *id)
{
    size_t i;
    json_t *o;
    int n = 0;

    json_array_foreach(ops, i, o)
        if (!strcmp(json_string_value(json_object_get(o, "op")), op) &&
            (!id || !strcmp(json_string_value(json_object_get(o, "id")), id)))
            n++;
    return n;
}

/* t1 (Bass) with clips c1 c2, effect fx with automation au_fx, automation
 * au_g, send s1 -> b1; b1 outputs to b2; t2 outputs to b1 and sends to b2. */
static proto_doc *routed_doc(void)
{
    proto_doc *doc = base_doc();
    proto_err err;

    if (apply_text(doc,
        "[{\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":0,\"length\":48000,\"name\":\"Verse vox\"}},"
        " {\"op\":\"create\",\"id\":\"c2\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":96000,\"length\":48000}},"
        " {\"op\":\"create\",\"id\":\"fx\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"reverb\"}},"
        " {\"op\":\"create\",\"id\":\"au_fx\",\"kind\":\"automation\",\"fields\":{\"track\":\"t1\",\"param\":\"fx.mix\",\"points\":[[0,0.5]]}},"
        " {\"op\":\"create\",\"id\":\"au_g\",\"kind\":\"automation\",\"fields\":{\"track\":\"t1\",\"param\":\"gain\"}},"
        " {\"op\":\"create\",\"id\":\"s1\",\"kind\":\"send\",\"fields\":{\"track\":\"t1\",\"target\":\"b1\"}},"
        " {\"op\":\"set\",\"id\":\"b1\",\"fields\":{\"output\":\"b2\"}},"
        " {\"op\":\"create\",\"id\":\"t2\",\"kind\":\"track\",\"fields\":{\"name\":\"Keys\",\"output\":\"b1\"}},"
        " {\"op\":\"create\",\"id\":\"s2\",\"kind\":\"send\",\"fields\":{\"track\":\"t2\",\"target\":\"b2\"}}]",
        &err, NULL, NULL)) {
        fprintf(stderr, "routed_doc: %s\n", err.message);
        abort();
    }
    return doc;
}

static void check_inverse_restores(proto_doc *doc, proto_doc *before, json_t *inverse)
{
    json_t *a, *i;
    proto_err err;

    assert_int_equal(proto_apply_push(doc, inverse, &a, &i, &err), 0);
    assert_true(proto_doc_equal(doc, before));
    json_decref(a);
    json_decref(i);
}

static void test_cascade_track(void **state)
{
    proto_doc *doc = routed_doc(), *before = proto_doc_clone(doc);
    json_t *applied, *inverse;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"t1\"}]", &err, &applied, &inverse), 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(applied, 0), "id")), "t1");
    assert_int_equal(count_op(applied, "delete", NULL), 7);
    for (const char *const *id = (const char *const[]){"c1", "c2", "fx", "au_fx", "au_g", "s1", NULL}; *id; id++) {
        assert_int_equal(count_op(applied, "delete", *id), 1);
        assert_null(proto_doc_get(doc, *id));
    }
    assert_non_null(proto_doc_get(doc, "s2"));
    /* the inverse re-creates the track before its clips */
    assert_string_equal(json_string_value(json_object_get(json_array_get(inverse, 0), "id")), "t1");
    check_inverse_restores(doc, before, inverse);
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(before);
    proto_doc_free(doc);
}

static void test_cascade_bus(void **state)
{
    proto_doc *doc = routed_doc(), *before = proto_doc_clone(doc);
    json_t *applied, *inverse;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"b1\"}]", &err, &applied, &inverse), 0);
    /* t2 fed b1: now master, as an explicit set; s1 (-> b1) deleted */
    assert_int_equal(count_op(applied, "set", "t2"), 1);
    assert_string_equal(json_string_value(json_object_get(proto_doc_get(doc, "t2"), "output")), "master");
    assert_int_equal(count_op(applied, "delete", "s1"), 1);
    assert_null(proto_doc_get(doc, "s1"));
    check_inverse_restores(doc, before, inverse);
    json_decref(applied);
    json_decref(inverse);
    /* deleting an effect deletes automation of its params */
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"fx\"}]", &err, &applied, &inverse), 0);
    assert_null(proto_doc_get(doc, "au_fx"));
    assert_non_null(proto_doc_get(doc, "au_g"));
    check_inverse_restores(doc, before, inverse);
    json_decref(applied);
    json_decref(inverse);
    /* changing an effect's type drops automation the new type lacks, resets params */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"fx\",\"fields\":{\"type\":\"limiter\"}}]", &err, &applied, &inverse), 0);
    assert_null(proto_doc_get(doc, "au_fx"));
    assert_true(json_number_value(json_object_get(json_object_get(proto_doc_get(doc, "fx"), "params"), "ceiling")) == -1);
    assert_null(json_object_get(json_object_get(proto_doc_get(doc, "fx"), "params"), "mix"));
    check_inverse_restores(doc, before, inverse);
    json_decref(applied);
    json_decref(inverse);
    /* delete of a missing id names the kind it had */
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"c1\"},{\"op\":\"set\",\"id\":\"c1\",\"fields\":{}}]", &err, NULL, NULL), -1);
    assert_string_equal(err.message, "clip c1 does not exist");
    assert_int_equal(err.op_index, 1);
    assert_true(proto_doc_equal(doc, before));
    proto_doc_free(before);
    proto_doc_free(doc);
}

static void test_params_merge(void **state)
{
    proto_doc *doc = routed_doc(), *before = proto_doc_clone(doc);
    json_t *applied, *inverse, *p;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"fx\",\"fields\":{\"params\":{\"size\":0.9}}}]", &err, &applied, &inverse), 0);
    p = json_object_get(proto_doc_get(doc, "fx"), "params");
    assert_true(json_number_value(json_object_get(p, "size")) == 0.9);
    assert_true(json_number_value(json_object_get(p, "mix")) == 0.25);
    /* applied carries the full params after the merge */
    assert_int_equal(json_object_size(json_object_get(json_object_get(json_array_get(applied, 0), "fields"), "params")), 4);
    check_inverse_restores(doc, before, inverse);
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(before);
    proto_doc_free(doc);
}

static void test_routing_cycles(void **state)
{
    proto_doc *doc = routed_doc();
    proto_err err;

    (void)state;
    /* b1 -> b2 already; b2 -> b1 closes the loop */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"b2\",\"fields\":{\"output\":\"b1\"}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.code, PROTO_INVALID_VALUE);
    assert_string_equal(err.message, "output would create a routing cycle: Bus B -> Bus A -> Bus B");
    /* a send closing the loop */
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"s9\",\"kind\":\"send\",\"fields\":{\"track\":\"b2\",\"target\":\"b1\"}}]", &err, NULL, NULL), -1);
    assert_string_equal(err.message, "target would create a routing cycle: Bus B -> Bus A -> Bus B");
    /* a three-bus loop through a send made in the same push */
    assert_int_equal(apply_text(doc,
        "[{\"op\":\"create\",\"id\":\"b3\",\"kind\":\"track\",\"fields\":{\"name\":\"Bus C\",\"role\":\"bus\",\"output\":\"b1\"}},"
        " {\"op\":\"create\",\"id\":\"s8\",\"kind\":\"send\",\"fields\":{\"track\":\"b2\",\"target\":\"b3\"}}]", &err, NULL, NULL), -1);
    assert_int_equal(err.op_index, 1);
    assert_non_null(strstr(err.message, "routing cycle"));
    /* send to own track */
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"s7\",\"kind\":\"send\",\"fields\":{\"track\":\"b1\",\"target\":\"b1\"}}]", &err, NULL, NULL), -1);
    assert_non_null(strstr(err.message, "target"));
    /* re-routing first makes the same change valid */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"b1\",\"fields\":{\"output\":\"master\"}},"
                                     "{\"op\":\"set\",\"id\":\"b2\",\"fields\":{\"output\":\"b1\"}}]", &err, NULL, NULL), 0);
    /* bus -> audio while routed to */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"b1\",\"fields\":{\"role\":\"audio\"}}]", &err, NULL, NULL), -1);
    assert_non_null(strstr(err.message, "role"));
    proto_doc_free(doc);
}

static void test_undo_against_later_edits(void **state)
{
    proto_doc *doc = routed_doc();
    json_t *ana_applied, *ana_inverse, *undo, *a, *i;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-3}}]", &err, &ana_applied, &ana_inverse), 0);
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"pan\":0.5}}]", &err, NULL, NULL), 0);
    undo = proto_undo_ops(doc, ana_applied, ana_inverse);
    assert_int_equal(json_array_size(undo), 1);
    assert_int_equal(json_object_size(json_object_get(json_array_get(undo, 0), "fields")), 1);
    {
        proto_doc *d2 = proto_doc_clone(doc);
        assert_int_equal(proto_apply_push(d2, undo, &a, &i, &err), 0);
        assert_true(json_number_value(json_object_get(proto_doc_get(d2, "t1"), "gain")) == 0);
        assert_true(json_number_value(json_object_get(proto_doc_get(d2, "t1"), "pan")) == 0.5);
        /* redo is the same call with the undo's own applied/inverse */
        json_t *redo = proto_undo_ops(d2, a, i);
        assert_int_equal(json_array_size(redo), 1);
        json_decref(redo);
        json_decref(a);
        json_decref(i);
        proto_doc_free(d2);
    }
    json_decref(undo);
    /* ben changes gain after ana: nothing of ana's is left to undo */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"gain\":-6}}]", &err, NULL, NULL), 0);
    undo = proto_undo_ops(doc, ana_applied, ana_inverse);
    assert_int_equal(json_array_size(undo), 0);
    json_decref(undo);
    json_decref(ana_applied);
    json_decref(ana_inverse);

    /* a deleted track comes back with its clips, unless its id was reused */
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"t1\"}]", &err, &ana_applied, &ana_inverse), 0);
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"c1\",\"kind\":\"marker\",\"fields\":{\"at\":5}}]", &err, NULL, NULL), 0);
    undo = proto_undo_ops(doc, ana_applied, ana_inverse);
    assert_int_equal(proto_apply_push(doc, undo, &a, &i, &err), 0);
    assert_non_null(proto_doc_get(doc, "t1"));
    assert_non_null(proto_doc_get(doc, "c2"));
    assert_non_null(proto_doc_get(doc, "au_fx"));
    assert_string_equal(json_string_value(json_object_get(proto_doc_get(doc, "c1"), "kind")), "marker");
    json_decref(a);
    json_decref(i);
    json_decref(undo);
    json_decref(ana_applied);
    json_decref(ana_inverse);
    /* a created object is deleted by undo only if it still exists */
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"m5\",\"kind\":\"marker\",\"fields\":{\"at\":5}}]", &err, &ana_applied, &ana_inverse), 0);
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"m5\"}]", &err, NULL, NULL), 0);
    undo = proto_undo_ops(doc, ana_applied, ana_inverse);
    assert_int_equal(json_array_size(undo), 0);
    json_decref(undo);
    json_decref(ana_applied);
    json_decref(ana_inverse);
    proto_doc_free(doc);
}

/* Computing an undo never edits the stored inverse: a push that sets
 * and then deletes an object has the inverse [create, set] of one id,
 * and the set once updated the create's fields in place (the undo stack
 * keeps that inverse for the next undo and for redo). */
static void test_undo_leaves_inverse_intact(void **state)
{
    proto_doc *doc = routed_doc();
    json_t *ap, *inv, *undo, *a, *i;
    char *before, *after;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"m7\",\"kind\":\"marker\",\"fields\":{\"at\":5}}]", &err, NULL, NULL), 0);
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"m7\",\"fields\":{\"at\":7}},"
                                     "{\"op\":\"delete\",\"id\":\"m7\"}]", &err, &ap, &inv), 0);
    before = json_dumps(inv, JSON_SORT_KEYS | JSON_COMPACT);
    undo = proto_undo_ops(doc, ap, inv);
    after = json_dumps(inv, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(after, before);
    /* and the undo brings the marker back as it was before the push */
    assert_int_equal(proto_apply_push(doc, undo, &a, &i, &err), 0);
    assert_true(json_number_value(json_object_get(proto_doc_get(doc, "m7"), "at")) == 5);
    free(before);
    free(after);
    json_decref(a);
    json_decref(i);
    json_decref(undo);
    json_decref(ap);
    json_decref(inv);
    proto_doc_free(doc);
}

static void test_params_undo_per_key(void **state)
{
    proto_doc *doc = routed_doc();
    json_t *ap, *inv, *undo, *a, *i;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"fx\",\"fields\":{\"params\":{\"size\":0.9}}}]", &err, &ap, &inv), 0);
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"fx\",\"fields\":{\"params\":{\"mix\":0.7}}}]", &err, NULL, NULL), 0);
    undo = proto_undo_ops(doc, ap, inv);
    assert_int_equal(proto_apply_push(doc, undo, &a, &i, &err), 0);
    assert_true(json_number_value(json_object_get(json_object_get(proto_doc_get(doc, "fx"), "params"), "size")) == 0.5);
    assert_true(json_number_value(json_object_get(json_object_get(proto_doc_get(doc, "fx"), "params"), "mix")) == 0.7);
    json_decref(a);
    json_decref(i);
    json_decref(undo);
    json_decref(ap);
    json_decref(inv);
    proto_doc_free(doc);
}

static void test_doc_api(void **state)
{
    proto_doc *doc = routed_doc(), *copy;
    json_t *objs = proto_doc_objects(doc);
    int64_t frames;
    bool ready;

    (void)state;
    assert_int_equal(json_array_size(objs), proto_doc_count(doc));
    assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 0), "id")), "project");
    assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 1), "id")), "b1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(objs, json_array_size(objs) - 1), "kind")), "automation");
    copy = proto_doc_new_empty();
    for (size_t k = json_array_size(objs); k-- > 0;)
        assert_int_equal(proto_doc_put(copy, json_array_get(objs, k)), 0);
    assert_true(proto_doc_equal(copy, doc));
    assert_int_equal(proto_doc_sample_rate(copy), 48000);
    assert_true(proto_doc_get_asset(doc, "a1", &frames, &ready));
    assert_true(frames == 480000 && ready);
    assert_false(proto_doc_get_asset(doc, "zz", NULL, NULL));
    assert_null(proto_doc_new("", 48000));
    assert_null(proto_doc_new("x", 22050));
    json_decref(objs);
    proto_doc_free(copy);
    proto_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_defaults),
        cmocka_unit_test(test_set_and_inverse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cascade_track),
        cmocka_unit_test(test_cascade_bus),
        cmocka_unit_test(test_params_merge),
        cmocka_unit_test(test_routing_cycles),
        cmocka_unit_test(test_undo_against_later_edits),
        cmocka_unit_test(test_undo_leaves_inverse_intact),
        cmocka_unit_test(test_params_undo_per_key),
        cmocka_unit_test(test_doc_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
