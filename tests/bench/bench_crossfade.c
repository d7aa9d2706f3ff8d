/* bench_crossfade.c -- what crossfades cost the renderer: 16 tracks of 1 s
 * clips rendered three ways in the same run -- butt-joined with no fades
 * (the baseline), overlapping by 100 ms and crossfaded (clips with fade
 * shapes), and overlapping without shapes (summed, as documents from
 * before shapes) -- in CPU seconds and x realtime on one core, with the
 * ratio to the baseline; and the plan build of one track of 20,000
 * overlapping clips (the crossfade pass included). Prints figures only;
 * never fails on time. Usage: bench_crossfade [seconds=60] */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "engine/asset.h"
#include "tests/bench/bench_util.h"
#include "engine/plan.h"
#include "engine/render.h"

#define SR 48000
#define NTRACKS 16
#define BLOCK 1024

static eng_asset *asset;

static eng_asset *lookup(void *ctx, const char *id)
{
    (void)ctx;
    (void)id;
    return asset;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A project of NTRACKS tracks of 1 s clips every `step` frames. */
static eng_plan *project(int64_t frames, int64_t step, bool shapes)
{
    json_t *doc = json_array();
    bench_add(doc, "{'id':'project','kind':'project','sample_rate':%d}", SR);
    for (int t = 0; t < NTRACKS; t++) {
        bench_add(doc, "{'id':'t%d','kind':'track','order':'a%02d'}", t, t);
        for (int64_t s = 0, k = 0; s < frames; s += step, k++)
            bench_add(doc, "{'id':'c%d_%d','kind':'clip','track':'t%d','asset':'a',"
                      "'start':%lld,'offset':0,'length':%d%s}", t, (int)k, t,
                      (long long)s, SR, shapes ? ",'fade_in_shape':'equal_power',"
                      "'fade_out_shape':'equal_power'" : "");
    }
    eng_plan *p = eng_plan_build_objects(doc, lookup, NULL);
    json_decref(doc);
    return p;
}

static double render(eng_plan *p, int64_t frames)
{
    eng_renderer *r = eng_renderer_new(NULL, p, BLOCK);
    float *out = malloc(sizeof(float) * 2 * BLOCK);
    double t0 = cpu();
    for (int64_t pos = 0; pos < frames; pos += BLOCK)
        eng_render(r, pos, out, frames - pos < BLOCK ? (int)(frames - pos) : BLOCK);
    double t = cpu() - t0;
    free(out);
    eng_renderer_free(r);
    return t;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    int64_t frames = (int64_t)seconds * SR;
    float *src = malloc(sizeof(float) * 2 * SR);
    uint32_t st = 7;
    for (int i = 0; i < 2 * SR; i++) {
        st ^= st << 13, st ^= st >> 17, st ^= st << 5;
        src[i] = (float)((double)st / 4294967296.0 - 0.5);
    }
    asset = eng_asset_from_memory(src, 2, SR, SR);
    free(src);

    struct { const char *name; int64_t step; bool shapes; } runs[] = {
        {"butt-joined, no fades (baseline)", SR, false},
        {"overlapping 100 ms, crossfaded", SR - SR / 10, true},
        {"overlapping 100 ms, summed (no shapes)", SR - SR / 10, false},
    };
    double base = 0;
    printf("bench_crossfade: %d s, %d tracks of 1 s clips, blocks of %d\n", seconds, NTRACKS, BLOCK);
    for (int i = 0; i < 3; i++) {
        eng_plan *p = project(frames, runs[i].step, runs[i].shapes);
        if (!p)
            return 1;
        double t = render(p, frames);
        if (i == 0)
            base = t;
        printf("  %-40s %7.3f s CPU  %7.1f x realtime  %.2f x the baseline\n",
               runs[i].name, t, seconds / t, t / base);
        eng_plan_release(p);
    }
    /* the plan build with its crossfade pass: one track, 20,000 clips */
    json_t *doc = json_array();
    bench_add(doc, "{'id':'project','kind':'project','sample_rate':%d}", SR);
    bench_add(doc, "{'id':'t0','kind':'track','order':'a'}");
    for (int k = 0; k < 20000; k++)
        bench_add(doc, "{'id':'c%d','kind':'clip','track':'t0','asset':'a','start':%d,"
                  "'offset':0,'length':%d,'fade_in_shape':'linear'}", k, k * (SR / 2), SR);
    double t0 = cpu();
    eng_plan *p = eng_plan_build_objects(doc, lookup, NULL);
    double tb = cpu() - t0;
    printf("  plan build, 1 track of 20000 overlapping clips: %.3f s CPU\n", tb);
    eng_plan_release(p);
    json_decref(doc);
    eng_asset_release(asset);
    return 0;
}
