/* test_takes.c -- the pure parts of recorded takes (server/assets/
 * takes_ops.c, take_file.c): which take_group a finished take joins (the
 * overlapped one, the smallest when it overlaps two, a new one when it
 * only touches or overlaps non-take clips), which clips get muted (the
 * group's other unmuted clips on that track, nothing on other tracks), a
 * new track when there is none or it was deleted, every op set applying
 * to the document through proto_apply_push; and the WAV header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/ops.h"
#include "server/assets/takes.h"

#define TAKE "t_abcdefghijklmnop"

static proto_doc *doc_with(const char *objects_json)
{
    proto_doc *doc = proto_doc_new("Song", 48000);
    json_t *objs = json_loads(objects_json, 0, NULL);
    size_t i;
    json_t *o;

    assert_non_null(doc);
    assert_non_null(objs);
    proto_doc_set_asset(doc, "a_old1", 96000, true);
    proto_doc_set_asset(doc, "a_new", 48000, true);
    json_array_foreach(objs, i, o)
        assert_int_equal(proto_doc_put(doc, o), 0);
    json_decref(objs);
    return doc;
}

/* The ops for a take on `track` at `at` of 48000 frames; they must apply. */
static json_t *ops_for(proto_doc *doc, const char *track, int64_t at,
                       char clip[72], char trk[72])
{
    struct srv_take_place p = {TAKE, 3, track, "a_new", at, 48000};
    json_t *ops = srv_take_ops(doc, &p, clip, trk), *applied = NULL,
           *inverse = NULL;
    proto_err err;

    assert_non_null(ops);
    if (proto_apply_push(doc, ops, &applied, &inverse, &err) != 0)
        fail_msg("ops do not apply: %s", err.message);
    json_decref(applied);
    json_decref(inverse);
    return ops;
}

static const json_t *op_on(const json_t *ops, const char *id)
{
    size_t i;
    json_t *o;

    json_array_foreach(ops, i, o)
        if (!strcmp(json_string_value(json_object_get(o, "id")), id))
            return o;
    return NULL;
}

static const char *clip_group(const proto_doc *doc, const char *clip)
{
    return json_string_value(json_object_get(proto_doc_get(doc, clip),
                                             "take_group"));
}

static bool muted(const proto_doc *doc, const char *clip)
{
    return json_is_true(json_object_get(proto_doc_get(doc, clip), "mute"));
}

static const char *const base_doc =
    "[{\"id\":\"vox\",\"kind\":\"track\",\"name\":\"Vocals\",\"order\":\"V\","
    "\"color\":\"#808080\",\"gain\":0.0,\"pan\":0.0,\"mute\":false,\"solo\":false,"
    "\"output\":\"master\",\"role\":\"audio\",\"instrument\":null},"
    "{\"id\":\"gtr\",\"kind\":\"track\",\"name\":\"Guitar\",\"order\":\"k\","
    "\"color\":\"#808080\",\"gain\":0.0,\"pan\":0.0,\"mute\":false,\"solo\":false,"
    "\"output\":\"master\",\"role\":\"audio\",\"instrument\":null}";

static const char *clip_json(const char *id, const char *track, int start,
                             int len, const char *group, bool mute)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];

    snprintf(b, 512,
             ",{\"id\":\"%s\",\"kind\":\"clip\",\"track\":\"%s\",\"asset\":"
             "\"a_old1\",\"start\":%d,\"offset\":0,\"length\":%d,\"gain\":0.0,"
             "\"fade_in\":0,\"fade_out\":0,\"mute\":%s,\"name\":\"\","
             "\"take_group\":\"%s\"}",
             id, track, start, len, mute ? "true" : "false", group);
    return b;
}

static proto_doc *doc_of(const char *a, const char *b, const char *c,
                         const char *d)
{
    char text[4096];

    snprintf(text, sizeof text, "%s%s%s%s%s]", base_doc, a ? a : "",
             b ? b : "", c ? c : "", d ? d : "");
    return doc_with(text);
}

static void test_new_track(void **state)
{
    proto_doc *doc = doc_of(NULL, NULL, NULL, NULL);
    char clip[72], trk[72];
    json_t *ops;

    (void)state;
    ops = ops_for(doc, "", 1000, clip, trk);
    assert_int_equal(json_array_size(ops), 2);
    assert_string_equal(trk, TAKE "_t");
    assert_string_equal(clip, TAKE "_c");
    const json_t *t = proto_doc_get(doc, trk);
    assert_string_equal(proto_obj_str(t, "name"), "Take 3");
    /* after the last track */
    assert_true(strcmp(proto_obj_str(t, "order"), "k") > 0);
    const json_t *c = proto_doc_get(doc, clip);
    assert_string_equal(proto_obj_str(c, "track"), trk);
    assert_string_equal(proto_obj_str(c, "name"), "Take 3");
    assert_string_equal(proto_obj_str(c, "asset"), "a_new");
    assert_int_equal(json_integer_value(json_object_get(c, "start")), 1000);
    assert_int_equal(json_integer_value(json_object_get(c, "length")), 48000);
    assert_string_equal(clip_group(doc, clip), TAKE);
    assert_false(muted(doc, clip));
    json_decref(ops);
    proto_doc_free(doc);

    /* a track that was deleted meanwhile: a new one too */
    doc = doc_of(NULL, NULL, NULL, NULL);
    ops = ops_for(doc, "gone", 0, clip, trk);
    assert_string_equal(trk, TAKE "_t");
    assert_non_null(proto_doc_get(doc, trk));
    json_decref(ops);
    proto_doc_free(doc);
}

static void test_new_group(void **state)
{
    /* a plain clip overlapping, a take clip only touching, a take clip of
     * another track overlapping: none of them is an alternative */
    proto_doc *doc = doc_of(clip_json("plain", "vox", 0, 96000, "", false),
                            clip_json("touch", "vox", 96000, 96000, "g1", false),
                            clip_json("other", "gtr", 48000, 96000, "g2", false),
                            NULL);
    char clip[72], trk[72];
    json_t *ops;

    (void)state;
    ops = ops_for(doc, "vox", 48000, clip, trk);
    assert_int_equal(json_array_size(ops), 1);
    assert_string_equal(trk, "vox");
    assert_string_equal(clip_group(doc, clip), TAKE);
    assert_false(muted(doc, "plain"));
    assert_false(muted(doc, "touch"));
    assert_false(muted(doc, "other"));
    json_decref(ops);
    proto_doc_free(doc);
}

static void test_stack(void **state)
{
    /* k1 overlaps (group g1); k2 is g1 too but elsewhere on the track and
     * unmuted; k3 is g1 already muted; x is g1 on another track */
    proto_doc *doc = doc_of(clip_json("k1", "vox", 40000, 20000, "g1", false),
                            clip_json("k2", "vox", 500000, 1000, "g1", false),
                            clip_json("k3", "vox", 40000, 20000, "g1", true),
                            clip_json("x", "gtr", 40000, 20000, "g1", false));
    char clip[72], trk[72];
    json_t *ops;

    (void)state;
    ops = ops_for(doc, "vox", 48000, clip, trk);
    assert_int_equal(json_array_size(ops), 3); /* mute k1, k2; the clip */
    assert_non_null(op_on(ops, "k1"));
    assert_non_null(op_on(ops, "k2"));
    assert_null(op_on(ops, "k3"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ops, 0), "id")), "k1");
    assert_string_equal(clip_group(doc, clip), "g1");
    assert_true(muted(doc, "k1"));
    assert_true(muted(doc, "k2"));
    assert_true(muted(doc, "k3"));
    assert_false(muted(doc, "x"));
    assert_false(muted(doc, clip)); /* the newest plays */
    json_decref(ops);
    proto_doc_free(doc);
}

static void test_two_groups(void **state)
{
    /* overlapping two groups: the smaller name, and only its clips muted */
    proto_doc *doc = doc_of(clip_json("k1", "vox", 0, 50000, "gb", false),
                            clip_json("k2", "vox", 80000, 50000, "ga", false),
                            NULL, NULL);
    char clip[72], trk[72];
    json_t *ops;

    (void)state;
    ops = ops_for(doc, "vox", 40000, clip, trk);
    assert_string_equal(clip_group(doc, clip), "ga");
    assert_true(muted(doc, "k2"));
    assert_false(muted(doc, "k1"));
    json_decref(ops);
    proto_doc_free(doc);
}

static void test_wav_header(void **state)
{
    unsigned char h[44];

    (void)state;
    srv_take_wav_header(h, 44100, 2, 1000);
    assert_memory_equal(h, "RIFF", 4);
    assert_int_equal(h[4] | h[5] << 8, 1036);
    assert_memory_equal(h + 8, "WAVEfmt ", 8);
    assert_int_equal(h[20], 1);  /* PCM */
    assert_int_equal(h[22], 2);  /* channels */
    assert_int_equal(h[24] | h[25] << 8 | h[26] << 16, 44100);
    assert_int_equal(h[28] | h[29] << 8 | h[30] << 16, 44100 * 4);
    assert_int_equal(h[32], 4);  /* block align */
    assert_int_equal(h[34], 16); /* bits */
    assert_memory_equal(h + 36, "data", 4);
    assert_int_equal(h[40] | h[41] << 8, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_track),
        cmocka_unit_test(test_new_group),
        cmocka_unit_test(test_stack),
        cmocka_unit_test(test_two_groups),
        cmocka_unit_test(test_wav_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
