/* fuzz_push.c -- libFuzzer harness over push application (protocol/ops.h:
 * proto_apply_push, proto_undo_ops). Every input starts from the same
 * small document: a project, audio tracks t1 t2, buses b1 b2 (t2 outputs
 * to b1), clip c1, effects e1 (eq) and e2 (compressor), send s1, marker
 * m1, automation u1, instrument track k1 with clip n1 and note nt1,
 * assets a1 (ready) and a2 (not ready). An input that
 * parses as JSON (json_loadb) is the push as it is; any other input is
 * read structurally, byte by byte, into 1-6 ops (create/set/delete of
 * each kind, ids of existing, missing and invalid objects, the kinds'
 * field names and values of every type), so deep code is reached from
 * any bytes. The push is applied twice in a row. Checked properties:
 *  - a refused push leaves the document exactly as it was (same
 *    canonical JSON, proto_doc_objects + proto_dumps), returns no
 *    applied/inverse, and names a code, a message and an op index inside
 *    the array (or -1 when the ops are not a non-empty array);
 *  - after an accepted push, its inverse applied to the result gives back
 *    the document before exactly, its applied ops applied to the document
 *    before give the result again, and the undo ops (proto_undo_ops)
 *    right after the push restore the document before;
 *  - proto_doc_equal agrees with the canonical JSON; nothing leaks.
 * Built by tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/document.h"
#include "protocol/json.h"
#include "protocol/ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_ops[] =
    "[{\"op\":\"create\",\"id\":\"t1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bass\"}},"
    "{\"op\":\"create\",\"id\":\"b1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bus A\",\"role\":\"bus\"}},"
    "{\"op\":\"create\",\"id\":\"b2\",\"kind\":\"track\",\"fields\":{\"name\":\"Bus B\",\"role\":\"bus\"}},"
    "{\"op\":\"create\",\"id\":\"t2\",\"kind\":\"track\",\"fields\":{\"name\":\"Keys\",\"output\":\"b1\"}},"
    "{\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":0,\"length\":48000}},"
    "{\"op\":\"create\",\"id\":\"e1\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"eq\"}},"
    "{\"op\":\"create\",\"id\":\"e2\",\"kind\":\"effect\",\"fields\":{\"track\":\"b1\",\"type\":\"compressor\"}},"
    "{\"op\":\"create\",\"id\":\"s1\",\"kind\":\"send\",\"fields\":{\"track\":\"t1\",\"target\":\"b2\"}},"
    "{\"op\":\"create\",\"id\":\"m1\",\"kind\":\"marker\",\"fields\":{\"at\":96000,\"name\":\"Verse\"}},"
    "{\"op\":\"create\",\"id\":\"u1\",\"kind\":\"automation\",\"fields\":{\"track\":\"t1\",\"param\":\"gain\",\"points\":[[0,0.0],[48000,-6.0]]}},"
    "{\"op\":\"create\",\"id\":\"k1\",\"kind\":\"track\",\"fields\":{\"name\":\"Synth\",\"role\":\"instrument\"}},"
    "{\"op\":\"create\",\"id\":\"n1\",\"kind\":\"clip\",\"fields\":{\"track\":\"k1\",\"start\":0,\"length\":96000}},"
    "{\"op\":\"create\",\"id\":\"nt1\",\"kind\":\"note\",\"fields\":{\"clip\":\"n1\",\"at\":0,\"len\":960,\"pitch\":60}}]";

static proto_doc *base;

static proto_doc *make_base(void)
{
    proto_doc *doc = proto_doc_new("Fuzz", 48000);
    json_t *ops = json_loads(base_ops, 0, NULL), *a, *inv;
    proto_err err;

    proto_doc_set_asset(doc, "a1", 480000, true);
    proto_doc_set_asset(doc, "a2", 1000, false);
    if (!ops || proto_apply_push(doc, ops, &a, &inv, &err)) {
        fprintf(stderr, "fuzz_push: base document: %s\n", err.message);
        abort();
    }
    json_decref(ops);
    json_decref(a);
    json_decref(inv);
    return doc;
}

/* The canonical text of a document. */
static char *canon(const proto_doc *doc)
{
    json_t *objs = proto_doc_objects(doc);
    char *s = proto_dumps(objs);

    json_decref(objs);
    if (!s)
        abort();
    return s;
}

/* ---- structural mode: bytes -> ops ---------------------------------- */

struct reader {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct reader *r, unsigned mod)
{
    unsigned v = 0;

    if (r->n) {
        v = *r->p++;
        r->n--;
    }
    return mod ? v % mod : v;
}

static const char *const kinds[] = {"track", "clip", "effect", "send",
                                    "marker", "automation", "project", "song",
                                    "note"};
static const char *const ids[] = {
    "t1", "t2", "b1", "b2", "c1", "e1", "e2", "s1", "m1", "u1", "project",
    "t9", "c9", "x", "", "bad id", "master",
    "0123456789012345678901234567890123456789012345678901234567890123X",
    "k1", "n1", "nt1"};
static const char *const names[] = {
    "name", "order", "color", "gain", "pan", "mute", "solo", "output",
    "role", "track", "asset", "start", "offset", "length", "fade_in",
    "fade_out", "type", "bypass", "params", "target", "level", "pre", "at",
    "param", "points", "tempo", "meter", "sample_rate", "master_gain",
    "id", "kind", "bogus", "instrument", "clip", "len", "pitch", "vel"};
static const char *const strings[] = {
    "t1", "t2", "b1", "b2", "e1", "e2", "a1", "a2", "a9", "master", "audio",
    "bus", "eq", "compressor", "delay", "reverb", "limiter", "gain", "pan",
    "e1.mix", "e2.ratio", "e2.threshold", "e9.mix", "V", "U", "#ff0000",
    "red", "", "Chorus", "\xff\xfe", "1/4", "peak", "lowshelf", "instrument",
    "k1", "n1", "c1"};
static const char *const params[] = {
    "mix", "ratio", "threshold", "attack", "release", "knee", "makeup",
    "time", "feedback", "sync", "size", "damping", "predelay", "ceiling",
    "lookahead", "bands", "nope"};

static json_t *value(struct reader *r, int depth)
{
    static const json_int_t ints[] = {0, 1, -1, 2, 4, 16, 48000, 480000,
                                      479999, 1099511627776LL,
                                      1099511627777LL, -48000};
    json_t *v;

    switch (take(r, depth > 2 ? 6 : 10)) {
    case 0: return json_null();
    case 1: return json_boolean(take(r, 2));
    case 2: return json_integer(ints[take(r, sizeof ints / sizeof ints[0])]);
    case 3: return json_integer((json_int_t)take(r, 0) * 997 - 20000);
    case 4: return json_real(((double)take(r, 0) - 128.0) / 4.0);
    case 5: return json_string(strings[take(r, sizeof strings / sizeof strings[0])]);
    case 6: /* [frame, value] points or a meter */
        v = json_array();
        for (unsigned i = take(r, 4); i > 0; i--)
            json_array_append_new(v, take(r, 2) ? value(r, depth + 1)
                                                : json_pack("[i,f]", (int)take(r, 0) * 100,
                                                            ((double)take(r, 0) - 128) / 32));
        return v;
    case 7: /* effect params */
        v = json_object();
        for (unsigned i = take(r, 4); i > 0; i--)
            json_object_set_new(v, params[take(r, sizeof params / sizeof params[0])],
                                value(r, depth + 1));
        return v;
    case 8: /* eq bands */
        v = json_array();
        for (unsigned i = take(r, 3); i > 0; i--)
            json_array_append_new(v, json_pack("{s:s,s:f,s:f,s:f}", "type",
                                               take(r, 2) ? "peak" : "highshelf",
                                               "freq", 20.0 * (1 + take(r, 0)),
                                               "gain", ((double)take(r, 0) - 128) / 8,
                                               "q", (double)take(r, 0) / 16));
        return v;
    default:
        return json_string(ids[take(r, sizeof ids / sizeof ids[0])]);
    }
}

static json_t *structural_ops(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    json_t *ops = json_array();
    unsigned n = 1 + take(&r, 6);

    for (unsigned i = 0; i < n; i++) {
        json_t *op = json_object(), *fields = json_object();
        unsigned what = take(&r, 8);
        const char *kind = kinds[take(&r, sizeof kinds / sizeof kinds[0])];
        json_object_set_new(op, "op", json_string(what < 3 ? "create" : what < 6 ? "set"
                                                  : what < 7 ? "delete" : "move"));
        if (take(&r, 16))
            json_object_set_new(op, "id", json_string(ids[take(&r, sizeof ids / sizeof ids[0])]));
        if (what < 3)
            json_object_set_new(op, "kind", json_string(kind));
        for (unsigned f = take(&r, 5); f > 0; f--)
            json_object_set_new(fields, names[take(&r, sizeof names / sizeof names[0])],
                                value(&r, 0));
        if (what < 6 && take(&r, 16))
            json_object_set(op, "fields", fields);
        else if (what >= 6 && !take(&r, 8))
            json_object_set(op, "fields", fields);
        json_decref(fields);
        json_array_append_new(ops, op);
    }
    return ops;
}

/* ---- the properties ------------------------------------------------- */

static void must_apply(proto_doc *doc, const json_t *ops, const char *want,
                       const char *what)
{
    json_t *a, *inv;
    proto_err err;
    char *got;

    if (proto_apply_push(doc, ops, &a, &inv, &err)) {
        fprintf(stderr, "fuzz_push: %s refused: %s\n", what, err.message);
        abort();
    }
    got = canon(doc);
    if (strcmp(got, want)) {
        fprintf(stderr, "fuzz_push: %s did not restore:\n%s\n%s\n", what, got,
                want);
        abort();
    }
    free(got);
    json_decref(a);
    json_decref(inv);
}

/* Applies ops to doc and checks the properties. Returns 0 if applied. */
static int push_and_check(proto_doc *doc, const json_t *ops)
{
    proto_doc *before = proto_doc_clone(doc), *post;
    char *was = canon(doc), *now;
    json_t *applied = (json_t *)1, *inverse = (json_t *)1, *undo;
    proto_err err;
    int rc = proto_apply_push(doc, ops, &applied, &inverse, &err);

    now = canon(doc);
    if (rc != 0) {
        int n = json_is_array(ops) ? (int)json_array_size(ops) : 0;
        if (strcmp(was, now) || !proto_doc_equal(doc, before) || applied ||
            inverse || err.code == PROTO_OK || !err.message[0] ||
            err.op_index < -1 || err.op_index >= (n ? n : 1) ||
            (err.op_index == -1 && n > 0 && n <= 1000))
            abort();
        goto out;
    }
    if (!applied || !inverse || (!strcmp(was, now)) != proto_doc_equal(doc, before))
        abort();
    post = proto_doc_clone(doc);
    must_apply(post, inverse, was, "inverse");
    proto_doc_free(post);
    post = proto_doc_clone(before);
    must_apply(post, applied, now, "applied ops");
    proto_doc_free(post);
    undo = proto_undo_ops(doc, applied, inverse);
    if (!undo)
        abort();
    if (json_array_size(undo)) {
        post = proto_doc_clone(doc);
        must_apply(post, undo, was, "undo");
        proto_doc_free(post);
    } else if (strcmp(was, now)) {
        abort(); /* a push that changed something has something to undo */
    }
    json_decref(undo);
    json_decref(applied);
    json_decref(inverse);
out:
    free(was);
    free(now);
    proto_doc_free(before);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *ops = json_loadb((const char *)data, size, 0, NULL);
    proto_doc *doc;

    if (!base)
        base = make_base();
    if (!ops)
        ops = structural_ops(data, size);
    doc = proto_doc_clone(base);
    if (push_and_check(doc, ops) == 0)
        push_and_check(doc, ops);
    json_decref(ops);
    proto_doc_free(doc);
    return 0;
}
