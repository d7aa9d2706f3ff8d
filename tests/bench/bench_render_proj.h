/* bench_render_proj.h -- the render benchmarks' projects (bench_render,
 * bench_render_wide): N tracks of decoded audio (10 s of a decaying tone
 * plus noise, looped by back-to-back clips), a 3-band EQ and a compressor
 * on every track, one bus per four tracks with a reverb and a delay; clips
 * cover the whole song (dense) or 40 % of it per track (sparse: the
 * tracks of bus b play from 15*b % to 15*b + 40 % of the song). And the
 * timing: CPU time of the calling thread, the best of `passes` renders,
 * for the dispatch path and skipping setting asked for. Header-only, for
 * tests/bench/ only. */
#ifndef MIXROOM_BENCH_RENDER_PROJ_H
#define MIXROOM_BENCH_RENDER_PROJ_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "engine/asset.h"
#include "engine/plan.h"
#include "engine/render.h"
#include "engine/simd.h"
#include "tests/bench/bench_util.h"

#define BR_SR 48000
#define BR_LOOP_SECONDS 10
#ifndef BR_BLOCK
#define BR_BLOCK 1024 /* -DBR_BLOCK=n to try another block length */
#endif
#define BR_MAX_TRACKS 128
#define BR_SOURCES 16 /* distinct source signals, shared by the tracks */

static eng_asset *br_assets[BR_SOURCES];

static eng_asset *br_lookup(void *ctx, const char *id)
{
    (void)ctx;
    int i = atoi(id + 1);
    return i >= 0 && i < BR_SOURCES ? br_assets[i] : NULL;
}

static inline void br_make_assets(void)
{
    int64_t loop = (int64_t)BR_LOOP_SECONDS * BR_SR;
    uint32_t st = 1;
    float *src = malloc(sizeof(float) * 2 * (size_t)loop);
    for (int t = 0; t < BR_SOURCES; t++) {
        double f = 55.0 * pow(2.0, t / 4.0);
        for (int64_t i = 0; i < loop; i++) {
            st ^= st << 13, st ^= st >> 17, st ^= st << 5;
            double env = exp(-(double)(i % (BR_SR / 2)) / (BR_SR / 8.0));
            double x = 0.3 * env * sin(2 * M_PI * f * (double)i / BR_SR) +
                       0.05 * ((double)st / 2147483648.0 - 1.0);
            src[2 * i] = (float)x;
            src[2 * i + 1] = (float)(x * 0.9);
        }
        br_assets[t] = eng_asset_from_memory(src, 2, loop, BR_SR);
    }
    free(src);
}

static inline void br_free_assets(void)
{
    for (int t = 0; t < BR_SOURCES; t++)
        eng_asset_release(br_assets[t]);
}

/* The project: ntracks tracks (ntracks/4 buses), `seconds` long; sparse:
 * each track's clips cover 40 % of the song. */
static inline eng_plan *br_plan(int ntracks, int seconds, bool sparse)
{
    int64_t frames = (int64_t)seconds * BR_SR;
    int64_t loop = (int64_t)BR_LOOP_SECONDS * BR_SR;
    int nbuses = ntracks / 4 > 0 ? ntracks / 4 : 1;
    json_t *doc = json_array();
    bench_add(doc, "{'id':'project','kind':'project','sample_rate':%d,'tempo':120,"
             "'master_gain':-6}", BR_SR);
    for (int b = 0; b < nbuses; b++) {
        bench_add(doc, "{'id':'b%d','kind':'track','order':'z%03d','role':'bus','gain':-3}", b, b);
        bench_add(doc, "{'id':'rv%d','kind':'effect','track':'b%d','type':'reverb',"
                 "'order':'a','params':{'size':0.6,'mix':0.3}}", b, b);
        bench_add(doc, "{'id':'dl%d','kind':'effect','track':'b%d','type':'delay',"
                 "'order':'b','params':{'sync':'1/8d','feedback':0.4}}", b, b);
    }
    for (int t = 0; t < ntracks; t++) {
        int b = t % nbuses;
        bench_add(doc, "{'id':'t%d','kind':'track','order':'a%03d','gain':-4,"
                 "'pan':%g,'output':'b%d'}", t, t, -0.8 + 0.1 * (t % 16), b);
        bench_add(doc, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                 "'order':'a','params':{'bands':[{'type':'highpass','freq':40,'q':0.7},"
                 "{'type':'peak','freq':%d,'gain':3,'q':1.2},"
                 "{'type':'highshelf','freq':8000,'gain':-2,'q':0.7}]}}",
            t, t, 200 + 100 * (t % 16));
        bench_add(doc, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                 "'order':'b','params':{'threshold':-20,'ratio':3}}", t, t);
        int64_t from = 0, to = frames;
        if (sparse) {
            from = frames * (15 * (b % 4)) / 100;
            to = from + frames * 40 / 100;
        }
        for (int64_t s = from, k = 0; s < to; s += loop, k++)
            bench_add(doc, "{'id':'c%d_%d','kind':'clip','track':'t%d','asset':'a%d',"
                     "'start':%lld,'offset':0,'length':%lld}", t, (int)k, t,
                     t % BR_SOURCES, (long long)s,
                     (long long)(to - s < loop ? to - s : loop));
    }
    eng_plan *plan = eng_plan_build_objects(doc, br_lookup, NULL);
    json_decref(doc);
    if (!plan) {
        fprintf(stderr, "plan build failed\n");
        exit(1);
    }
    return plan;
}

static inline double br_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the best of `passes` renders of the whole plan on path
 * `simd` (skipping silence or not); *sum gets a checksum of the output. */
static inline double br_time(eng_plan *plan, int seconds, const char *simd,
                             bool skip, int passes, double *sum)
{
    int64_t frames = (int64_t)seconds * BR_SR;
    float *out = malloc(sizeof(float) * 2 * BR_BLOCK);
    double best = 1e30;
    if (eng_simd_select(simd) != 0) {
        free(out);
        return -1;
    }
    for (int p = 0; p < passes; p++) {
        eng_renderer *r = eng_renderer_new(NULL, plan, BR_BLOCK);
        double acc = 0, t0 = br_cpu();
        eng_renderer_set_skip_silence(r, skip);
        for (int64_t pos = 0; pos < frames; pos += BR_BLOCK) {
            int n = frames - pos < BR_BLOCK ? (int)(frames - pos) : BR_BLOCK;
            eng_render(r, pos, out, n);
            acc += fabs(out[0]) + fabs(out[2 * n - 1]);
        }
        double t = br_cpu() - t0;
        best = t < best ? t : best;
        *sum = acc;
        eng_renderer_free(r);
    }
    free(out);
    return best;
}

#endif
