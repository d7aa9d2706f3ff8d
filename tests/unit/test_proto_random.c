/* test_proto_random.c -- properties over thousands of random pushes from a
 * seeded PRNG (deterministic): applying the inverse restores the document
 * exactly, undo right after a push restores it too, a failed push leaves
 * the document unchanged, and diff ops turn any document into any other. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>

#include "tests/unit/proto_helpers.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

static const char *kinds[] = {"track", "clip", "effect", "send", "marker", "automation"};

/* A random existing id of kind (or a random made-up one). */
static const char *pick(const proto_doc *doc, const char *kind, char *buf)
{
    for (int tries = 0; tries < 8; tries++) {
        snprintf(buf, 16, "%c%u", kind[0], rnd(12));
        const json_t *o = proto_doc_get(doc, buf);
        if (o && !strcmp(json_string_value(json_object_get(o, "kind")), kind))
            return buf;
    }
    return buf;
}

static json_t *random_fields(const proto_doc *doc, const char *kind, bool create)
{
    json_t *f = json_object();
    char b1[16], b2[16];
    bool all = create;

    if (!strcmp(kind, "track")) {
        if (all || rnd(3) == 0) json_object_set_new(f, "gain", rnd(10) ? json_real((double)rnd(30) - 20) : json_null());
        if (all || rnd(3) == 0) json_object_set_new(f, "pan", json_real(((double)rnd(21) - 10) / 10));
        if (rnd(3) == 0) json_object_set_new(f, "mute", json_boolean(rnd(2)));
        if (rnd(4) == 0) json_object_set_new(f, "name", json_string(rnd(2) ? "Bass" : "Drums"));
        if (rnd(3) == 0) json_object_set_new(f, "role", json_string(rnd(2) ? "bus" : "audio"));
        if (rnd(3) == 0) json_object_set_new(f, "output", json_string(rnd(3) ? pick(doc, "track", b1) : "master"));
    } else if (!strcmp(kind, "clip")) {
        if (all || rnd(3) == 0) json_object_set_new(f, "track", json_string(pick(doc, "track", b1)));
        if (all) json_object_set_new(f, "asset", json_string("a1"));
        if (all || rnd(3) == 0) json_object_set_new(f, "start", json_integer((json_int_t)rnd(10) * 48000));
        if (all || rnd(3) == 0) json_object_set_new(f, "length", json_integer((json_int_t)rnd(10) * 10000));
        if (rnd(3) == 0) json_object_set_new(f, "fade_in", json_integer(rnd(20000)));
        if (rnd(3) == 0) json_object_set_new(f, "gain", json_real((double)rnd(30) - 5));
    } else if (!strcmp(kind, "effect")) {
        static const char *types[] = {"eq", "compressor", "delay", "reverb", "limiter"};
        if (all || rnd(4) == 0) json_object_set_new(f, "track", json_string(pick(doc, "track", b1)));
        if (all || rnd(3) == 0) json_object_set_new(f, "type", json_string(types[rnd(5)]));
        if (rnd(2) == 0) json_object_set_new(f, "params", json_pack("{s:f}", rnd(2) ? "mix" : "ratio", rnd(2) ? (double)rnd(3) / 2 : 1.0 + rnd(5)));
        if (rnd(3) == 0) json_object_set_new(f, "bypass", json_boolean(rnd(2)));
    } else if (!strcmp(kind, "send")) {
        if (all || rnd(4) == 0) json_object_set_new(f, "track", json_string(pick(doc, "track", b1)));
        if (all || rnd(3) == 0) json_object_set_new(f, "target", json_string(pick(doc, "track", b2)));
        if (rnd(2) == 0) json_object_set_new(f, "level", json_real((double)rnd(20) - 10));
    } else if (!strcmp(kind, "marker")) {
        if (all || rnd(2) == 0) json_object_set_new(f, "at", json_integer(rnd(100000)));
        if (rnd(2) == 0) json_object_set_new(f, "name", json_string("Chorus"));
    } else {
        if (all || rnd(4) == 0) json_object_set_new(f, "track", json_string(pick(doc, "track", b1)));
        if (all || rnd(3) == 0) {
            char p[40];
            snprintf(p, sizeof p, "%s.%s", pick(doc, "effect", b2), rnd(2) ? "mix" : "ratio");
            json_object_set_new(f, "param", json_string(rnd(3) ? (rnd(2) ? "gain" : "pan") : p));
        }
        if (rnd(2) == 0) json_object_set_new(f, "points", json_pack("[[i,f],[i,f]]", 0, 0.0, 100 + rnd(100), (double)rnd(2) / 2));
    }
    return f;
}

static json_t *random_push(const proto_doc *doc)
{
    json_t *ops = json_array();
    uint32_t n = 1 + rnd(3);
    char id[16];

    for (uint32_t i = 0; i < n; i++) {
        const char *kind = kinds[rnd(6)];
        uint32_t what = rnd(10);
        if (what < 4) {
            for (int t = 0; t < 8; t++) {
                snprintf(id, sizeof id, "%c%u", kind[0], rnd(12));
                if (!proto_doc_get(doc, id))
                    break;
            }
        } else {
            pick(doc, kind, id);
        }
        if (what < 4)
            json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:o}", "op", "create", "id", id, "kind", kind,
                                                 "fields", random_fields(doc, kind, true)));
        else if (what < 8)
            json_array_append_new(ops, json_pack("{s:s,s:s,s:o}", "op", "set", "id", rnd(20) ? id : "project",
                                                 "fields", rnd(20) ? random_fields(doc, kind, false)
                                                                   : json_pack("{s:f}", "tempo", 90.0 + rnd(100))));
        else
            json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "delete", "id", id));
    }
    return ops;
}

static proto_doc *fresh_doc(void)
{
    proto_doc *doc = proto_doc_new("Random", 48000);

    proto_doc_set_asset(doc, "a1", 480000, true);
    return doc;
}

static void test_inverse_and_undo_identity(void **state)
{
    proto_doc *doc = fresh_doc();
    int ok = 0, failed = 0, cascades = 0;

    (void)state;
    rng_state = 12345;
    for (int i = 0; i < 6000; i++) {
        proto_doc *before = proto_doc_clone(doc), *post;
        json_t *ops = random_push(doc), *applied, *inverse, *a2, *i2, *undo;
        proto_err err;
        if (proto_apply_push(doc, ops, &applied, &inverse, &err)) {
            failed++;
            assert_int_equal(err.op_index >= 0, 1);
            assert_true(proto_doc_equal(doc, before));
            assert_null(applied);
            proto_doc_free(before);
            json_decref(ops);
            continue;
        }
        ok++;
        if (json_array_size(applied) > json_array_size(ops))
            cascades++;
        post = proto_doc_clone(doc);
        /* the inverse restores the document exactly */
        if (proto_apply_push(post, inverse, &a2, &i2, &err))
            fail_msg("inverse failed at %d: %s", i, err.message);
        assert_true(proto_doc_equal(post, before));
        json_decref(a2);
        json_decref(i2);
        proto_doc_free(post);
        /* undo right after the push restores it too */
        undo = proto_undo_ops(doc, applied, inverse);
        if (json_array_size(undo)) {
            post = proto_doc_clone(doc);
            if (proto_apply_push(post, undo, &a2, &i2, &err))
                fail_msg("undo failed at %d: %s", i, err.message);
            if (!proto_doc_equal(post, before)) {
                char *x = json_dumps(ops, 0), *y = json_dumps(undo, 0);
                fail_msg("undo did not restore at %d: ops %s undo %s", i, x, y);
            }
            json_decref(a2);
            json_decref(i2);
            proto_doc_free(post);
        }
        /* the applied ops apply again to the pre-document */
        post = proto_doc_clone(before);
        if (proto_apply_push(post, applied, &a2, &i2, &err))
            fail_msg("re-applying applied failed at %d: %s", i, err.message);
        assert_true(proto_doc_equal(post, doc));
        json_decref(a2);
        json_decref(i2);
        proto_doc_free(post);
        json_decref(undo);
        json_decref(applied);
        json_decref(inverse);
        json_decref(ops);
        proto_doc_free(before);
    }
    print_message("%d pushes applied (%d with cascades), %d refused\n", ok, cascades, failed);
    assert_true(ok > 1000);
    assert_true(cascades > 20);
    proto_doc_free(doc);
}

static proto_doc *random_doc(uint64_t seed, int pushes)
{
    proto_doc *doc = fresh_doc();

    rng_state = seed;
    for (int i = 0; i < pushes; i++) {
        json_t *ops = random_push(doc), *a, *inv;
        proto_err err;
        if (proto_apply_push(doc, ops, &a, &inv, &err) == 0) {
            json_decref(a);
            json_decref(inv);
        }
        json_decref(ops);
    }
    return doc;
}

static void test_diff_ops_reach_target(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= 60; s++) {
        proto_doc *from = random_doc(s, 150), *to = random_doc(s * 7919, 150);
        json_t *ops = proto_diff_ops(from, to), *a, *inv;
        if (s == 1)
            print_message("docs of %zu and %zu objects, %zu diff ops\n", proto_doc_count(from), proto_doc_count(to), json_array_size(ops));
        proto_err err;
        if (json_array_size(ops)) {
            if (proto_apply_push(from, ops, &a, &inv, &err))
                fail_msg("diff ops failed (seed %llu, op %d): %s", (unsigned long long)s, err.op_index, err.message);
            json_decref(a);
            json_decref(inv);
        }
        if (!proto_doc_equal(from, to)) {
            json_t *x = proto_doc_objects(from), *y = proto_doc_objects(to);
            char *xs = json_dumps(x, JSON_SORT_KEYS), *ys = json_dumps(y, JSON_SORT_KEYS);
            fail_msg("seed %llu: diff did not reach target\n%s\n%s", (unsigned long long)s, xs, ys);
        }
        json_decref(ops);
        ops = proto_diff_ops(from, to);
        assert_int_equal(json_array_size(ops), 0);
        json_decref(ops);
        proto_doc_free(from);
        proto_doc_free(to);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inverse_and_undo_identity),
        cmocka_unit_test(test_diff_ops_reach_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
