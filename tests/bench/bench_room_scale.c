/* bench_room_scale.c -- the loop thread's work for a large room, at 100,
 * 1,000, 10,000 and 50,000 objects (issue #15, "large projects never stall
 * the room"): the full snapshot every SRV_ROOM_SNAPSHOT_EVERY revisions,
 * a track's output change (routing check), deleting a track with its
 * clips, effects, sends and automation (cascade), a restore (the diff and
 * the application of its ops; with the indexed document the loop takes a
 * shared view and applies the ops while the diff runs on a worker, as
 * server/review/restore.c does; with proto_doc_refs (PROTO_DOC_REFS) the
 * loop only takes references and the worker builds the view, diffs and
 * frees it; the document at the revision is read from SQLite in both and
 * is not counted), and one ordinary push. Figures are CPU time of this thread
 * (CLOCK_THREAD_CPUTIME_ID), so a busy machine changes them little; never
 * pass/fail on time.
 *
 * It uses libprotocol's public API only, so the same file builds against
 * main's protocol/ for the "before" column (tests/bench/room_scale.sh
 * builds both and runs them one after the other). With the indexed
 * document (PROTO_DOC_SHARED), the snapshot's loop part is
 * proto_doc_share (what room_snapshot_take does) and its sort and encoding
 * are reported apart as work off the loop; without, the loop encodes it
 * all (proto_doc_objects + json_dumps, as main's room_commit did).
 *
 * The catch-up of 10,000 revisions and the snapshot welcome are measured
 * on the real server by tests/bench/catchup_scale.mjs (the loop thread's
 * and the other threads' CPU per welcome: they read the store, which this
 * file does not link).
 *
 * Usage: bench_room_scale [sizes...]   (default 100 1000 10000 50000) */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol/document.h"
#include "protocol/ops.h"
#include "tests/bench/bench_util.h"

#define FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static double cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void apply(proto_doc *doc, json_t *ops)
{
    json_t *a = NULL, *inv = NULL;
    proto_err err;

    if (proto_apply_push(doc, ops, &a, &inv, &err)) {
        fprintf(stderr, "push failed: %s\n", err.message);
        exit(1);
    }
    json_decref(a);
    json_decref(inv);
}

/* Applies ops once they reach 1,000 (a push's size) or when forced. */
static json_t *flush_ops(proto_doc *doc, json_t *ops, int force)
{
    if (json_array_size(ops) >= 1000 || (force && json_array_size(ops))) {
        apply(doc, ops);
        json_decref(ops);
        return json_array();
    }
    return ops;
}

/* A document of about n objects: one track per 50 objects (at least 4)
 * and 2 buses; per track its clips, 1 effect in 5 objects, automation of
 * the gain, sends to a bus; the rest markers. */
static proto_doc *build(int n, int *tracks_out)
{
    proto_doc *doc = proto_doc_new("Scale", 48000);
    json_t *ops = json_array();
    int tracks = n / 50 < 4 ? 4 : n / 50, made = 3;

    proto_doc_set_asset(doc, "a1", 48000 * 600, true);
    bench_add(ops, "{'op':'create','id':'b0','kind':'track','fields':{'role':'bus'}}");
    bench_add(ops, "{'op':'create','id':'b1','kind':'track','fields':{'role':'bus'}}");
    for (int t = 0; t < tracks; t++, made++) {
        bench_add(ops, "{'op':'create','id':'t%d','kind':'track','fields':{}}", t);
        ops = flush_ops(doc, ops, 0);
    }
    ops = flush_ops(doc, ops, 1);
    for (int i = 0; made < n; i++, made++) {
        int t = i % tracks, what = i % 20;
        if (what < 14)
            bench_add(ops, "{'op':'create','id':'c%d','kind':'clip','fields':"
                     "{'track':'t%d','asset':'a1','start':%d,'length':48000}}",
                i, t, (i / tracks) * 48000);
        else if (what < 17)
            bench_add(ops, "{'op':'create','id':'e%d','kind':'effect','fields':"
                     "{'track':'t%d','type':'eq'}}", i, t);
        else if (what == 17)
            bench_add(ops, "{'op':'create','id':'s%d','kind':'send','fields':"
                     "{'track':'t%d','target':'b%d'}}", i, t, i % 2);
        else if (what == 18)
            bench_add(ops, "{'op':'create','id':'u%d','kind':'automation','fields':"
                     "{'track':'t%d','param':'gain','points':[[0,0.0]]}}", i, t);
        else
            bench_add(ops, "{'op':'create','id':'m%d','kind':'marker','fields':"
                     "{'at':%d}}", i, i);
        ops = flush_ops(doc, ops, 0);
    }
    flush_ops(doc, ops, 1);
    json_decref(ops);
    *tracks_out = tracks;
    return doc;
}

/* A copy to change (not timed): shared where the API has it. */
static proto_doc *copy_of(const proto_doc *doc)
{
#ifdef PROTO_DOC_SHARED
    return proto_doc_clone_shared(doc);
#else
    return proto_doc_clone(doc);
#endif
}

static void run(int n)
{
    int tracks, reps = n >= 50000 ? 3 : n >= 10000 ? 5 : 20;
    proto_doc *doc = build(n, &tracks);
    double t0, snap = 0, snap_off = 0, route = 0, cascade = 0, diff = 0;
    double diff_off = 0;
    double push = 0;
    size_t diff_ops = 0, bytes = 0;

    for (int r = 0; r < reps; r++) {
        /* the snapshot */
#ifdef PROTO_DOC_SHARED
        size_t count;
        t0 = cpu_us();
        json_t **list = proto_doc_share(doc, &count);
        snap += cpu_us() - t0;
        t0 = cpu_us();
        proto_objects_sort(list, count);
        json_t *arr = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(arr, list[i]);
        char *text = json_dumps(arr, FLAGS);
        json_decref(arr);
        free(list);
        snap_off += cpu_us() - t0;
#else
        t0 = cpu_us();
        json_t *objs = proto_doc_objects(doc);
        char *text = json_dumps(objs, FLAGS);
        json_decref(objs);
        snap += cpu_us() - t0;
#endif
        bytes = strlen(text);
        free(text);

        /* a track's output change (and back): the routing check */
        json_t *ops = json_array();
        bench_add(ops, "{'op':'set','id':'t%d','fields':{'output':'b0'}}", r % tracks);
        t0 = cpu_us();
        apply(doc, ops);
        route += cpu_us() - t0;
        json_decref(ops);
        ops = json_array();
        bench_add(ops, "{'op':'set','id':'t%d','fields':{'output':'master'}}",
            r % tracks);
        apply(doc, ops);
        json_decref(ops);

        /* deleting a track with everything on it */
        proto_doc *scratch = copy_of(doc);
        ops = json_array();
        bench_add(ops, "{'op':'delete','id':'t%d'}", (r + 1) % tracks);
        t0 = cpu_us();
        apply(scratch, ops);
        cascade += cpu_us() - t0;
        json_decref(ops);
        proto_doc_free(scratch);

        /* a restore: the document with 1 % of its clips changed and a
         * track deleted goes back to doc (the diff, then its commit) */
        scratch = copy_of(doc);
        ops = json_array();
        for (int i = 0, k = 0; k < n / 100 + 1 && i < n; i++) {
            char id[24];
            snprintf(id, sizeof id, "c%d", i);
            if (!proto_doc_get(scratch, id))
                continue;
            bench_add(ops, "{'op':'set','id':'%s','fields':{'gain':-3.0}}", id);
            k++;
        }
        bench_add(ops, "{'op':'delete','id':'t%d'}", (r + 2) % tracks);
        apply(scratch, ops);
        json_decref(ops);
#if defined(PROTO_DOC_REFS)
        /* the loop takes references; a worker builds the view, diffs and
         * frees it; the loop applies */
        t0 = cpu_us();
        proto_doc_refs *refs = proto_doc_refs_take(scratch);
        diff += cpu_us() - t0;
        t0 = cpu_us();
        proto_doc *view = proto_doc_refs_build(refs);
        json_t *d = proto_diff_ops(view, doc);
        proto_doc_free(view);
        diff_off += cpu_us() - t0;
#elif defined(PROTO_DOC_SHARED)
        /* the loop takes the view; a worker diffs; the loop applies and
         * frees the view (main's restore_done) */
        t0 = cpu_us();
        proto_doc *view = proto_doc_clone_shared(scratch);
        diff += cpu_us() - t0;
        t0 = cpu_us();
        json_t *d = proto_diff_ops(view, doc);
        diff_off += cpu_us() - t0;
        t0 = cpu_us();
        proto_doc_free(view);
        diff += cpu_us() - t0;
#else
        t0 = cpu_us();
        json_t *d = proto_diff_ops(scratch, doc);
        diff += cpu_us() - t0;
#endif
        t0 = cpu_us();
        if (json_array_size(d))
            apply(scratch, d);
        diff += cpu_us() - t0;
        diff_ops = json_array_size(d);
        if (!proto_doc_equal(scratch, doc)) {
            fprintf(stderr, "restore did not reach the document\n");
            exit(1);
        }
        json_decref(d);
        proto_doc_free(scratch);

        /* ordinary pushes: a clip's gain */
        t0 = cpu_us();
        for (int i = 0; i < 100; i++) {
            ops = json_array();
            bench_add(ops, "{'op':'set','id':'c%d','fields':{'gain':%d.5}}",
                i % 14, -(i % 20));
            apply(doc, ops);
            json_decref(ops);
        }
        push += (cpu_us() - t0) / 100;
    }
    printf("%7d %6d %9zu %12.0f %11.0f %8.0f %10.0f %15.0f %14.0f %5zu %7.1f\n",
           (int)proto_doc_count(doc), tracks, bytes, snap / reps,
           snap_off / reps, route / reps, cascade / reps, diff / reps,
           diff_off / reps, diff_ops, push / reps);
    proto_doc_free(doc);
}

int main(int argc, char **argv)
{
    static const int sizes[] = {100, 1000, 10000, 50000};

    setvbuf(stdout, NULL, _IOLBF, 0); /* each size's line as it is done */

    printf("bench_room_scale (%s): loop-thread CPU us per operation\n",
#ifdef PROTO_DOC_SHARED
           "indexed document, snapshot encoded off the loop"
#else
           "plain document, snapshot encoded on the loop"
#endif
    );
    printf("objects tracks snapbytes snap_loop_us snap_off_us route_us "
           "cascade_us restore_loop_us restore_off_us r_ops push_us\n");
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            run(atoi(argv[i]));
    else
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            run(sizes[i]);
    return 0;
}
