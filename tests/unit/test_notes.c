/* test_notes.c -- the document side of notes and instruments: instrument
 * tracks and their instrument objects (defaults, presets, merges, type
 * changes, refusals), clips without an asset, the note kind's validation,
 * cascades (a clip takes its notes; a track its clips' notes) with undo
 * restoring them together, summaries, and diff/restore with notes. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "protocol/fields.h"
#include "protocol/instruments.h"
#include "protocol/summary.h"
#include "tests/unit/proto_helpers.h"

/* base_doc plus instrument track "k1" (Bass line) with clip "n1" (one bar
 * at 0) holding 8 notes "e1".."e8"; audio clip "c1" on t1. */
static proto_doc *notes_doc(void)
{
    proto_doc *doc = base_doc();
    proto_err err;
    char ops[4096];
    size_t used;

    used = (size_t)snprintf(ops, sizeof ops,
        "[{\"op\":\"create\",\"id\":\"k1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bass line\",\"role\":\"instrument\",\"instrument\":{\"type\":\"synth\",\"preset\":\"bass\"}}},"
        " {\"op\":\"create\",\"id\":\"n1\",\"kind\":\"clip\",\"fields\":{\"track\":\"k1\",\"start\":0,\"length\":96000}},"
        " {\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":0,\"length\":48000}}");
    for (int i = 1; i <= 8; i++)
        used += (size_t)snprintf(ops + used, sizeof ops - used,
            ",{\"op\":\"create\",\"id\":\"e%d\",\"kind\":\"note\",\"fields\":{\"clip\":\"n1\",\"at\":%d,\"len\":480,\"pitch\":%d,\"vel\":100}}",
            i, (i - 1) * 480, 36 + i);
    snprintf(ops + used, sizeof ops - used, "]");
    if (apply_text(doc, ops, &err, NULL, NULL)) {
        fprintf(stderr, "notes_doc: %s\n", err.message);
        abort();
    }
    return doc;
}

/* A push that must fail with code, its message naming `names`, and leave
 * the document exactly as it was. */
static void expect_refused(proto_doc *doc, const char *ops, proto_code code,
                           const char *names)
{
    json_t *before = proto_doc_objects(doc), *after;
    proto_err err;

    if (apply_text(doc, ops, &err, NULL, NULL) == 0)
        fail_msg("accepted: %s", ops);
    if (err.code != code)
        fail_msg("%s: code %d (%s), wanted %d", ops, err.code, err.message, code);
    if (names && !strstr(err.message, names))
        fail_msg("%s: message \"%s\" does not name %s", ops, err.message, names);
    after = proto_doc_objects(doc);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
}

static const json_t *field(const proto_doc *doc, const char *id, const char *f)
{
    return json_object_get(proto_doc_get(doc, id), f);
}

static double inst_num(const proto_doc *doc, const char *id, const char *p)
{
    return json_number_value(json_object_get(field(doc, id, "instrument"), p));
}

static const char *inst_str(const proto_doc *doc, const char *id, const char *p)
{
    return json_string_value(json_object_get(field(doc, id, "instrument"), p));
}

static void test_instrument_objects(void **state)
{
    proto_doc *doc = base_doc();
    proto_err err;

    (void)state;
    /* A new audio track has instrument null; an instrument track without
     * one gets the synth "keys" preset, every param filled. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"k1\",\"kind\":\"track\",\"fields\":{\"role\":\"instrument\"}},"
                                     " {\"op\":\"create\",\"id\":\"t2\",\"kind\":\"track\",\"fields\":{}}]", &err, NULL, NULL), 0);
    assert_true(json_is_null(field(doc, "t2", "instrument")));
    assert_string_equal(inst_str(doc, "k1", "type"), "synth");
    assert_string_equal(inst_str(doc, "k1", "preset"), "keys");
    assert_string_equal(inst_str(doc, "k1", "osc1"), "saw");
    assert_true(inst_num(doc, "k1", "cutoff") == 2000.0);
    assert_true(json_is_real(json_object_get(field(doc, "k1", "instrument"), "detune")));
    assert_true(json_is_integer(json_object_get(field(doc, "k1", "instrument"), "octave2")));
    assert_int_equal(json_object_size(field(doc, "k1", "instrument")), 19);
    /* Same type merges (integers normalised to reals). */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"cutoff\":800}}}]", &err, NULL, NULL), 0);
    assert_true(inst_num(doc, "k1", "cutoff") == 800.0);
    assert_true(json_is_real(json_object_get(field(doc, "k1", "instrument"), "cutoff")));
    assert_string_equal(inst_str(doc, "k1", "preset"), "keys");
    /* A preset change resets the other params, then applies the given. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"preset\":\"pad\",\"gain\":-3}}}]", &err, NULL, NULL), 0);
    assert_true(inst_num(doc, "k1", "cutoff") == 1200.0);
    assert_true(inst_num(doc, "k1", "attack") == 0.6);
    assert_true(inst_num(doc, "k1", "gain") == -3.0);
    /* A type change replaces the object with that type's defaults. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"drums\",\"tune\":-2}}}]", &err, NULL, NULL), 0);
    assert_int_equal(json_object_size(field(doc, "k1", "instrument")), 4);
    assert_true(inst_num(doc, "k1", "tune") == -2.0);
    assert_true(inst_num(doc, "k1", "decay") == 1.0);

    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"cutoff\":800}}}]",
                   PROTO_INVALID_VALUE, "'cutoff'");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"synth\",\"cutoff\":20001}}}]",
                   PROTO_INVALID_VALUE, "instrument.cutoff");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"synth\",\"osc1\":\"noise\"}}}]",
                   PROTO_INVALID_VALUE, "instrument.osc1");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"synth\",\"octave2\":1.5}}}]",
                   PROTO_INVALID_VALUE, "instrument.octave2");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"piano\"}}}]",
                   PROTO_INVALID_VALUE, "instrument.type");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"synth\",\"preset\":\"organ\"}}}]",
                   PROTO_INVALID_VALUE, "instrument.preset");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":null}}]",
                   PROTO_INVALID_VALUE, "instrument");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":[1]}}]",
                   PROTO_INVALID_VALUE, "instrument");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"t2\",\"fields\":{\"instrument\":{\"type\":\"synth\"}}}]",
                   PROTO_INVALID_VALUE, "instrument must be null");
#ifdef HAVE_FLUIDSYNTH
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"gm\",\"program\":33}}}]", &err, NULL, NULL), 0);
    assert_true(inst_num(doc, "k1", "program") == 33);
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"program\":128}}}]",
                   PROTO_INVALID_VALUE, "instrument.program");
#else
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"gm\",\"program\":33}}}]",
                   PROTO_UNSUPPORTED, "without FluidSynth");
#endif
    /* Leaving the instrument role drops the object; coming back fills one. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"role\":\"audio\"}}]", &err, NULL, NULL), 0);
    assert_true(json_is_null(field(doc, "k1", "instrument")));
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"role\":\"instrument\",\"instrument\":{\"type\":\"synth\",\"preset\":\"lead\"}}}]", &err, NULL, NULL), 0);
    assert_true(inst_num(doc, "k1", "cutoff") == 3000.0);
    proto_doc_free(doc);
}

static void test_clips_and_roles(void **state)
{
    proto_doc *doc = notes_doc();
    proto_err err;

    (void)state;
    assert_true(json_is_null(field(doc, "n1", "asset")));
    expect_refused(doc, "[{\"op\":\"create\",\"id\":\"n2\",\"kind\":\"clip\",\"fields\":{\"track\":\"k1\",\"asset\":\"a1\",\"start\":0,\"length\":10}}]",
                   PROTO_INVALID_VALUE, "asset");
    expect_refused(doc, "[{\"op\":\"create\",\"id\":\"c2\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"start\":0,\"length\":10}}]",
                   PROTO_INVALID_VALUE, "asset");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"n1\",\"fields\":{\"track\":\"t1\"}}]",
                   PROTO_INVALID_VALUE, "asset");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"c1\",\"fields\":{\"track\":\"k1\"}}]",
                   PROTO_INVALID_VALUE, "asset");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"role\":\"audio\"}}]",
                   PROTO_INVALID_VALUE, "role cannot become audio");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"role\":\"bus\"}}]",
                   PROTO_INVALID_VALUE, "role cannot become bus");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"role\":\"instrument\"}}]",
                   PROTO_INVALID_VALUE, "role cannot become instrument");
    expect_refused(doc, "[{\"op\":\"create\",\"id\":\"n2\",\"kind\":\"clip\",\"fields\":{\"track\":\"b1\",\"start\":0,\"length\":10}}]",
                   PROTO_INVALID_VALUE, "track");
    /* Instrument tracks route and send like audio tracks. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"output\":\"b1\"}},"
                                     " {\"op\":\"create\",\"id\":\"s1\",\"kind\":\"send\",\"fields\":{\"track\":\"k1\",\"target\":\"b2\"}},"
                                     " {\"op\":\"create\",\"id\":\"f1\",\"kind\":\"effect\",\"fields\":{\"track\":\"k1\",\"type\":\"delay\"}}]",
                                &err, NULL, NULL), 0);
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"t1\",\"fields\":{\"output\":\"k1\"}}]",
                   PROTO_INVALID_VALUE, "output must be a bus track");
    /* Fades apply to instrument clips as to audio clips. */
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"n1\",\"fields\":{\"fade_in\":96000,\"fade_out\":1}}]",
                   PROTO_INVALID_VALUE, "fade_in + fade_out");
    proto_doc_free(doc);
}

static void test_note_validation(void **state)
{
    proto_doc *doc = notes_doc();
    proto_err err;

    (void)state;
    assert_int_equal(json_integer_value(field(doc, "e3", "pitch")), 39);
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"x1\",\"kind\":\"note\",\"fields\":{\"clip\":\"n1\",\"at\":0,\"len\":1,\"pitch\":0}}]", &err, NULL, NULL), 0);
    assert_int_equal(json_integer_value(field(doc, "x1", "vel")), 100);
#define NOTE(f) "[{\"op\":\"create\",\"id\":\"x2\",\"kind\":\"note\",\"fields\":{" f "}}]"
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":960,\"pitch\":128,\"vel\":90"),
                   PROTO_INVALID_VALUE, "pitch must be a whole number from 0 to 127");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":960,\"pitch\":-1"),
                   PROTO_INVALID_VALUE, "pitch");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":960,\"pitch\":60.5"),
                   PROTO_INVALID_VALUE, "pitch");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":0,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "len must be a whole number of ticks");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":-1,\"len\":10,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "at must be");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":\"0\",\"len\":10,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "at must be");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":10,\"pitch\":60,\"vel\":0"),
                   PROTO_INVALID_VALUE, "vel must be a whole number from 1 to 127");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":10,\"pitch\":60,\"vel\":128"),
                   PROTO_INVALID_VALUE, "vel");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":1099511627776,\"len\":1,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "at + len");
    expect_refused(doc, NOTE("\"clip\":\"c1\",\"at\":0,\"len\":10,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "clip must be a clip on an instrument track");
    expect_refused(doc, NOTE("\"clip\":\"zz\",\"at\":0,\"len\":10,\"pitch\":60"),
                   PROTO_NOT_FOUND, "clip");
    expect_refused(doc, NOTE("\"clip\":\"k1\",\"at\":0,\"len\":10,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "clip must name a clip");
    expect_refused(doc, NOTE("\"at\":0,\"len\":10,\"pitch\":60"),
                   PROTO_INVALID_VALUE, "'clip'");
    expect_refused(doc, NOTE("\"clip\":\"n1\",\"at\":0,\"len\":10,\"pitch\":60,\"chan\":1"),
                   PROTO_INVALID_VALUE, "'chan'");
    expect_refused(doc, "[{\"op\":\"set\",\"id\":\"e1\",\"fields\":{\"clip\":\"c1\"}}]",
                   PROTO_INVALID_VALUE, "clip");
    /* A later bad op refuses the whole push: the good notes before it too. */
    expect_refused(doc, "[{\"op\":\"create\",\"id\":\"x3\",\"kind\":\"note\",\"fields\":{\"clip\":\"n1\",\"at\":0,\"len\":10,\"pitch\":60}},"
                        " {\"op\":\"set\",\"id\":\"e1\",\"fields\":{\"pitch\":300}}]",
                   PROTO_INVALID_VALUE, "pitch");
#undef NOTE
    proto_doc_free(doc);
}

static void test_cascades_and_undo(void **state)
{
    proto_doc *doc = notes_doc(), *start = proto_doc_clone(doc);
    json_t *applied, *inverse, *undo, *a2, *i2;
    proto_err err;
    char *s;

    (void)state;
    /* Deleting the clip takes its 8 notes in the same push. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"n1\"}]", &err, &applied, &inverse), 0);
    assert_int_equal(json_array_size(applied), 9);
    for (int i = 1; i <= 8; i++) {
        char id[8];
        snprintf(id, sizeof id, "e%d", i);
        assert_null(proto_doc_get(doc, id));
    }
    s = proto_summary("ana", applied, inverse, doc);
    assert_string_equal(s, "ana deleted clip clip on Bass line and its 8 notes");
    free(s);
    /* Undo brings the clip and its notes back together, exactly. */
    undo = proto_undo_ops(doc, applied, inverse);
    assert_int_equal(json_array_size(undo), 9);
    assert_int_equal(proto_apply_push(doc, undo, &a2, &i2, &err), 0);
    assert_true(proto_doc_equal(doc, start));
    json_decref(undo);
    json_decref(a2);
    json_decref(i2);
    json_decref(applied);
    json_decref(inverse);

    /* Deleting the track takes its clip and the clip's notes. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"k1\"}]", &err, &applied, &inverse), 0);
    assert_int_equal(json_array_size(applied), 10);
    assert_null(proto_doc_get(doc, "e5"));
    s = proto_summary("ana", applied, inverse, doc);
    assert_string_equal(s, "ana deleted track Bass line and its 1 clip and 8 notes");
    free(s);
    /* The inverse restores everything in one push. */
    assert_int_equal(proto_apply_push(doc, inverse, &a2, &i2, &err), 0);
    assert_true(proto_doc_equal(doc, start));
    json_decref(a2);
    json_decref(i2);
    json_decref(applied);
    json_decref(inverse);

    /* Moving the clip to another instrument track keeps its notes. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"k2\",\"kind\":\"track\",\"fields\":{\"name\":\"Keys\",\"role\":\"instrument\"}},"
                                     " {\"op\":\"set\",\"id\":\"n1\",\"fields\":{\"track\":\"k2\"}}]", &err, NULL, NULL), 0);
    assert_string_equal(json_string_value(field(doc, "e1", "clip")), "n1");
    assert_int_equal(apply_text(doc, "[{\"op\":\"delete\",\"id\":\"k1\"}]", &err, NULL, NULL), 0);
    assert_non_null(proto_doc_get(doc, "e8"));
    proto_doc_free(doc);
    proto_doc_free(start);
}

/* Applies ops and checks the summary sentence. */
static void expect_summary(proto_doc *doc, const char *ops, const char *want)
{
    json_t *applied, *inverse;
    proto_err err;
    char *s;

    if (apply_text(doc, ops, &err, &applied, &inverse))
        fail_msg("%s: %s", ops, err.message);
    s = proto_summary("ana", applied, inverse, doc);
    if (strcmp(s, want))
        fail_msg("summary \"%s\", wanted \"%s\"", s, want);
    free(s);
    json_decref(applied);
    json_decref(inverse);
}

static void test_summaries(void **state)
{
    proto_doc *doc = base_doc();
    json_t *applied, *inverse;
    proto_err err;
    char ops[4096];
    size_t used;
    char *s;

    (void)state;
    assert_int_equal(apply_text(doc, "[{\"op\":\"create\",\"id\":\"k1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bass line\",\"role\":\"instrument\"}},"
                                     " {\"op\":\"create\",\"id\":\"n1\",\"kind\":\"clip\",\"fields\":{\"track\":\"k1\",\"start\":0,\"length\":96000}}]",
                                &err, NULL, NULL), 0);
    used = (size_t)snprintf(ops, sizeof ops, "[");
    for (int i = 1; i <= 8; i++)
        used += (size_t)snprintf(ops + used, sizeof ops - used,
            "%s{\"op\":\"create\",\"id\":\"e%d\",\"kind\":\"note\",\"fields\":{\"clip\":\"n1\",\"at\":%d,\"len\":480,\"pitch\":60}}",
            i > 1 ? "," : "", i, i * 480);
    snprintf(ops + used, sizeof ops - used, "]");
    expect_summary(doc, ops, "ana added 8 notes to Bass line");
    expect_summary(doc, "[{\"op\":\"create\",\"id\":\"e9\",\"kind\":\"note\",\"fields\":{\"clip\":\"n1\",\"at\":0,\"len\":480,\"pitch\":69}}]",
                   "ana added note A4 to Bass line");
    expect_summary(doc, "[{\"op\":\"set\",\"id\":\"e9\",\"fields\":{\"pitch\":61,\"at\":1440}}]",
                   "ana set note C#4 on Bass line pitch to C#4 and at to 1.5 beats");
    expect_summary(doc, "[{\"op\":\"set\",\"id\":\"e1\",\"fields\":{\"vel\":64}},{\"op\":\"set\",\"id\":\"e2\",\"fields\":{\"vel\":64}}]",
                   "ana changed 2 notes on Bass line");
    expect_summary(doc, "[{\"op\":\"delete\",\"id\":\"e1\"},{\"op\":\"delete\",\"id\":\"e2\"},{\"op\":\"delete\",\"id\":\"e3\"}]",
                   "ana deleted 3 notes from Bass line");
    expect_summary(doc, "[{\"op\":\"delete\",\"id\":\"e9\"}]", "ana deleted note C#4 from Bass line");
    expect_summary(doc, "[{\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"synth\",\"preset\":\"pad\"}}}]",
                   "ana set Bass line instrument to synth pad");
    /* The review diff lists notes like any other object. */
    {
        proto_doc *before = proto_doc_clone(doc);
        json_t *d;
        assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"e4\",\"fields\":{\"len\":960}},"
                                         " {\"op\":\"delete\",\"id\":\"e5\"}]", &err, &applied, &inverse), 0);
        d = proto_diff(before, doc);
        assert_int_equal(json_array_size(json_object_get(d, "deleted")), 1);
        assert_string_equal(proto_obj_kind(json_array_get(json_object_get(d, "deleted"), 0)), "note");
        s = (char *)json_string_value(json_object_get(json_array_get(json_object_get(d, "changed"), 0), "summary"));
        assert_non_null(strstr(s, "len 0.5 beats \xe2\x86\x92 1 beats"));
        json_decref(d);
        json_decref(applied);
        json_decref(inverse);
        proto_doc_free(before);
    }
    proto_doc_free(doc);
}

static void test_restore_with_notes(void **state)
{
    proto_doc *target = notes_doc(), *doc = proto_doc_clone(target);
    json_t *ops, *a, *i;
    proto_err err;

    (void)state;
    /* Later: the notes moved, the clip deleted, the track became a drum
     * machine; restoring gives back the clip and every note. */
    assert_int_equal(apply_text(doc, "[{\"op\":\"set\",\"id\":\"e2\",\"fields\":{\"pitch\":90}},"
                                     " {\"op\":\"delete\",\"id\":\"n1\"},"
                                     " {\"op\":\"set\",\"id\":\"k1\",\"fields\":{\"instrument\":{\"type\":\"drums\"}}}]",
                                &err, NULL, NULL), 0);
    ops = proto_diff_ops(doc, target);
    assert_true(json_array_size(ops) >= 10);
    assert_int_equal(proto_apply_push(doc, ops, &a, &i, &err), 0);
    assert_true(proto_doc_equal(doc, target));
    json_decref(ops);
    json_decref(a);
    json_decref(i);
    /* And back the other way: an empty project restores to no notes. */
    {
        proto_doc *empty = base_doc();
        ops = proto_diff_ops(doc, empty);
        assert_int_equal(proto_apply_push(doc, ops, &a, &i, &err), 0);
        assert_true(proto_doc_equal(doc, empty));
        json_decref(ops);
        json_decref(a);
        json_decref(i);
        proto_doc_free(empty);
    }
    proto_doc_free(doc);
    proto_doc_free(target);
}

static void test_ticks_and_midi_instruments(void **state)
{
    json_t *i;

    (void)state;
    /* 960 ticks = one beat: 0.5 s at 120 bpm, 0.6 s at 100, 1 s at 60 */
    assert_int_equal(proto_tick_to_frame(960, 120, 48000), 24000);
    assert_int_equal(proto_tick_to_frame(960, 100, 48000), 28800);
    assert_int_equal(proto_tick_to_frame(960, 60, 44100), 44100);
    assert_int_equal(proto_tick_to_frame(1, 140, 48000), 21); /* 21.43 */
    assert_int_equal(proto_tick_to_frame((int64_t)1 << 40, 999, 48000),
                     (int64_t)llround((double)((int64_t)1 << 40) * 60 * 48000 / (999.0 * 960)));
    /* frames back to ticks round to the same tick at every tempo */
    for (double tempo = 20; tempo <= 999; tempo += 13.7)
        for (int64_t t = 0; t < 20000; t += 997)
            assert_int_equal(proto_frame_to_tick(proto_tick_to_frame(t, tempo, 44100), tempo, 44100), t);
    i = proto_instrument_for_midi(9, 5);
    assert_string_equal(proto_obj_str(i, "type"), "drums");
    json_decref(i);
    i = proto_instrument_for_midi(0, 33);
    if (proto_instrument_gm_available()) {
        assert_string_equal(proto_obj_str(i, "type"), "gm");
        assert_int_equal(json_integer_value(json_object_get(i, "program")), 33);
    } else {
        assert_string_equal(proto_obj_str(i, "preset"), "bass");
    }
    json_decref(i);
    {
        const struct { int program; const char *preset; } fam[] = {
            {31, "keys"}, {32, "bass"}, {39, "bass"}, {40, "keys"},
            {79, "keys"}, {80, "lead"}, {87, "lead"}, {88, "pad"},
            {95, "pad"}, {96, "keys"}, {0, "keys"}, {-1, "keys"}};
        for (size_t k = 0; k < sizeof fam / sizeof fam[0]; k++)
            assert_string_equal(proto_synth_preset_for_program(fam[k].program),
                                fam[k].preset);
    }
    i = proto_instrument_for_midi(3, -1);
    assert_string_equal(proto_obj_str(i, "type"), "synth");
    assert_string_equal(proto_obj_str(i, "preset"), "keys");
    json_decref(i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instrument_objects),
        cmocka_unit_test(test_clips_and_roles),
        cmocka_unit_test(test_note_validation),
        cmocka_unit_test(test_cascades_and_undo),
        cmocka_unit_test(test_summaries),
        cmocka_unit_test(test_restore_with_notes),
        cmocka_unit_test(test_ticks_and_midi_instruments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
