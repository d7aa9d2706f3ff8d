/* bench_proto_apply.c -- prints how fast libprotocol applies pushes to a
 * large document (200 tracks, 5,000 clips, effects and automation): single
 * sets, routing changes, creates, cascading deletes, undo ops, diff ops and
 * encoding the snapshot. Figures only; never pass/fail on time. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "protocol/document.h"
#include "protocol/json.h"
#include "protocol/ops.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void push(proto_doc *doc, json_t *ops, json_t **applied, json_t **inverse)
{
    proto_err err;

    if (proto_apply_push(doc, ops, applied, inverse, &err)) {
        fprintf(stderr, "push failed: %s\n", err.message);
        exit(1);
    }
    json_decref(ops);
}

static void report(const char *what, int n, double t0)
{
    double dt = now() - t0;

    printf("%-34s %7d in %8.3f ms  %9.1f us each\n", what, n, dt * 1e3,
           dt * 1e6 / n);
}

int main(void)
{
    proto_doc *doc = proto_doc_new("Bench", 48000), *snap;
    json_t *a, *inv, *ops;
    double t0;
    char id[32], tr[32];
    int i;

    proto_doc_set_asset(doc, "a1", 48000 * 600, true);
    ops = json_array();
    json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:s}}", "op", "create", "id", "bus", "kind", "track", "fields", "role", "bus"));
    for (i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "t%d", i);
        json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:s}}", "op", "create", "id", id, "kind", "track", "fields", "name", id));
        snprintf(tr, sizeof tr, "fx%d", i);
        json_array_append_new(ops, json_pack("{s:s,s:s,s:s,s:{s:s,s:s}}", "op", "create", "id", tr, "kind", "effect", "fields", "track", id, "type", "compressor"));
    }
    push(doc, ops, &a, &inv);
    json_decref(a);
    json_decref(inv);
    t0 = now();
    for (i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(tr, sizeof tr, "t%d", i % 200);
        push(doc, json_pack("[{s:s,s:s,s:s,s:{s:s,s:s,s:i,s:i}}]", "op", "create", "id", id, "kind", "clip", "fields",
                            "track", tr, "asset", "a1", "start", i * 4800, "length", 48000), &a, &inv);
        json_decref(a);
        json_decref(inv);
    }
    report("create clip (one per push)", 5000, t0);
    printf("document: %zu objects\n", proto_doc_count(doc));
    snap = proto_doc_clone(doc);

    t0 = now();
    for (i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "c%d", i % 5000);
        push(doc, json_pack("[{s:s,s:s,s:{s:f,s:i}}]", "op", "set", "id", id, "fields", "gain", -(i % 40) / 2.0, "start", i), &a, &inv);
        json_decref(a);
        json_decref(inv);
    }
    report("set clip gain+start", 20000, t0);

    t0 = now();
    for (i = 0; i < 2000; i++) {
        snprintf(id, sizeof id, "t%d", i % 200);
        push(doc, json_pack("[{s:s,s:s,s:{s:s}}]", "op", "set", "id", id, "fields", "output", i % 2 ? "bus" : "master"), &a, &inv);
        json_decref(a);
        json_decref(inv);
    }
    report("set track output (cycle check)", 2000, t0);

    t0 = now();
    for (i = 0; i < 2000; i++) {
        snprintf(id, sizeof id, "fx%d", i % 200);
        push(doc, json_pack("[{s:s,s:s,s:{s:{s:f}}}]", "op", "set", "id", id, "fields", "params", "ratio", 1.0 + i % 10), &a, &inv);
        json_decref(a);
        json_decref(inv);
    }
    report("set effect params", 2000, t0);

    t0 = now();
    for (i = 0; i < 200; i++) {
        json_t *undo;
        snprintf(id, sizeof id, "t%d", i);
        push(doc, json_pack("[{s:s,s:s}]", "op", "delete", "id", id), &a, &inv);
        undo = proto_undo_ops(doc, a, inv);
        json_decref(a);
        json_decref(inv);
        push(doc, undo, &a, &inv);
        json_decref(a);
        json_decref(inv);
    }
    report("delete track (25 clips) + undo", 200, t0);

    t0 = now();
    for (i = 0; i < 20; i++) {
        json_t *d = proto_diff_ops(doc, snap);
        json_decref(d);
    }
    report("diff ops vs snapshot", 20, t0);

    t0 = now();
    for (i = 0; i < 20; i++) {
        json_t *objs = proto_doc_objects(doc);
        char *s = proto_dumps(objs);
        free(s);
        json_decref(objs);
    }
    report("snapshot encode (objects+dumps)", 20, t0);

    proto_doc_free(snap);
    proto_doc_free(doc);
    return 0;
}
