/* test_render_scratch.c -- the renderer's per-block scratch is shared by
 * the renderers of one thread (engine/render_scratch.h) and holds nothing
 * from one eng_render call to the next: renderers of different plans (a
 * dense 6-track mix, a 20-track mix with the block cache, instruments
 * with an audition, a 44.1 kHz mix) rendered interleaved block by block on
 * one thread, with the thread's scratch filled with NaN before every call,
 * give the same bits as each rendering alone; so do renderers on two
 * threads at once (each its own scratch), including renderers made on
 * another thread (maintained on the render thread, or not at all). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blockcache.h"
#include "engine/render.h"
#include "engine/render_scratch.h"
#include "tests/unit/test_render_util.h"

#define SECONDS 3
#define NR 5 /* dense, big (cached), big again (cache hits), inst, 44.1k */

#define SYNTH                                                                  \
    "{'type':'synth','preset':'keys','osc1':'saw','osc2':'sine','detune':7,"   \
    "'octave2':0,'mix':0.3,'cutoff':4000,'resonance':0.2,'env_amount':0.3,"    \
    "'f_attack':0.001,'f_decay':0.1,'f_sustain':0.8,'f_release':0.1,"          \
    "'attack':0.002,'decay':0.1,'sustain':0.7,'release':0.2,'gain':0}"

/* ntracks audio tracks into two reverb/delay buses (one fed by a post
 * send too), EQ + compressor on each; `inst`: plus an instrument track
 * with notes, through an EQ into the first bus. */
static eng_plan *mix(int rate, int ntracks, bool inst)
{
    proto_doc *d = proto_doc_new("t", rate);
    for (int b = 0; b < 2; b++) {
        tu_put(d, "{'id':'b%d','kind':'track','order':'y%d','role':'bus',"
                  "'gain':-3}", b, b);
        tu_put(d, "{'id':'rv%d','kind':'effect','track':'b%d','type':'reverb',"
                  "'order':'a','params':{'size':%g,'mix':0.3}}", b, b, 0.2 + 0.3 * b);
        tu_put(d, "{'id':'dl%d','kind':'effect','track':'b%d','type':'delay',"
                  "'order':'b','params':{'sync':'1/8','feedback':0.4}}", b, b);
    }
    for (int t = 0; t < ntracks; t++) {
        const char *asset = t % 3 == 0 ? "n0" : t % 3 == 1 ? "s0" : "s1";
        tu_put(d, "{'id':'t%d','kind':'track','order':'a%02d','gain':%d,"
                  "'pan':%g,'output':'b%d'}", t, t, -4 - t % 3,
               -0.8 + 0.08 * t, t % 2);
        tu_put(d, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                  "'order':'a','params':{'bands':[{'type':'peak','freq':%d,"
                  "'gain':4,'q':1.2}]}}", t, t, 200 + 90 * t);
        tu_put(d, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                  "'order':'b','params':{'threshold':%d,'ratio':3}}", t, t, -24 + t);
        /* gaps, so some blocks are silent and tails decay */
        tu_put(d, "{'id':'c%da','kind':'clip','track':'t%d','asset':'%s',"
                  "'start':%d,'offset':0,'length':%d,'fade_in':200,"
                  "'fade_out':300}", t, t, asset, (t % 4) * rate / 8, rate);
        tu_put(d, "{'id':'c%db','kind':'clip','track':'t%d','asset':'%s',"
                  "'start':%d,'offset':%d,'length':%d}", t, t, asset,
               2 * rate + 37 * t, 11 * t, rate / 2);
        if (t % 5 == 2)
            tu_put(d, "{'id':'s%d','kind':'send','track':'t%d','target':'b%d',"
                      "'level':-8,'pre':false}", t, t, (t + 1) % 2);
    }
    if (inst) {
        tu_put(d, "{'id':'keys','kind':'track','order':'k','role':'instrument',"
                  "'output':'b0','instrument':%s}", SYNTH);
        tu_put(d, "{'id':'keq','kind':'effect','track':'keys','type':'eq',"
                  "'order':'a','params':{'bands':[{'type':'lowpass','freq':3000,"
                  "'q':0.7}]}}");
        tu_put(d, "{'id':'kc','kind':'clip','track':'keys','start':0,"
                  "'length':%d,'offset':0}", 2 * rate);
        for (int k = 0; k < 6; k++)
            tu_put(d, "{'id':'kn%d','kind':'note','clip':'kc','at':%d,'len':%d,"
                      "'pitch':%d,'vel':%d}", k, k * 480, 300, 60 + 3 * k,
                   70 + 5 * k);
    }
    tu_put(d, "{'id':'ag','kind':'automation','track':'t1','param':'gain',"
              "'points':[[%d,0],[%d,-10]]}", rate / 2, rate);
    eng_plan *p = tu_plan(d);
    proto_doc_free(d);
    return p;
}

typedef struct job {
    eng_plan *plan;
    int rate, block, max_block;
    bool cached;        /* with the block cache (shared by the cached jobs) */
    int audition_at;    /* block index of an audition, or -1 */
    eng_renderer *r;
    int64_t frames, pos;
    int k;              /* blocks rendered */
    float *out;
} job;

static eng_plan *plans[4];
static eng_blockcache *bc;

static void job_init(job *j, int which)
{
    static const struct { int plan, rate, block, max_block, cached, aud; } spec[NR] = {
        {0, 48000, 960, 960, 0, -1},
        {1, 48000, 1000, 4800, 1, -1},
        {1, 48000, 1000, 4800, 1, -1}, /* the same blocks: cache hits */
        {2, 48000, 960, 960, 0, 7},
        {3, 44100, 882, 4410, 0, -1},
    };
    memset(j, 0, sizeof *j);
    j->plan = plans[spec[which].plan];
    j->rate = spec[which].rate;
    j->block = spec[which].block;
    j->max_block = spec[which].max_block;
    j->cached = spec[which].cached;
    j->audition_at = spec[which].aud;
    j->frames = (int64_t)SECONDS * j->rate;
    j->out = calloc((size_t)j->frames * 2, sizeof(float));
    assert_non_null(j->out);
}

static void job_make(job *j)
{
    j->r = eng_renderer_new(NULL, j->plan, j->max_block);
    assert_non_null(j->r);
    if (j->cached)
        eng_renderer_set_block_cache(j->r, bc);
}

/* One block; false when the job is done. */
static bool job_step(job *j, bool poison)
{
    if (j->pos >= j->frames)
        return false;
    int n = j->frames - j->pos < j->block ? (int)(j->frames - j->pos) : j->block;
    if (j->k == j->audition_at)
        assert_int_equal(eng_renderer_audition(j->r, "keys", 67, 110, 6000), 0);
    if (poison)
        eng_scratch_poison();
    eng_render(j->r, j->pos, j->out + 2 * j->pos, n);
    j->pos += n;
    j->k++;
    return true;
}

static void job_done(job *j)
{
    eng_renderer_free(j->r);
    j->r = NULL;
    free(j->out);
    j->out = NULL;
}

static float *alone[NR];

static int setup(void **state)
{
    (void)state;
    tu_assets_clear();
    tu_asset("n0", tu_noise(3u, 0.5, 2, 2 * 48000, 48000));
    tu_asset("s0", tu_sine(220.0, 0.6, 1, 2 * 48000, 48000));
    tu_asset("s1", tu_sine(330.0, 0.5, 2, 2 * 48000, 48000));
    plans[0] = mix(48000, 6, false);
    plans[1] = mix(48000, 20, false);
    plans[2] = mix(48000, 3, true);
    tu_assets_clear();
    tu_asset("n0", tu_noise(5u, 0.5, 2, 2 * 44100, 44100));
    tu_asset("s0", tu_sine(220.0, 0.6, 1, 2 * 44100, 44100));
    tu_asset("s1", tu_sine(330.0, 0.5, 2, 2 * 44100, 44100));
    plans[3] = mix(44100, 5, false);
    for (int i = 0; i < 4; i++)
        assert_non_null(plans[i]);
    /* each alone, the cached ones with an empty cache of their own */
    for (int i = 0; i < NR; i++) {
        job j;
        job_init(&j, i);
        bc = j.cached ? eng_blockcache_new(64u << 20, j.max_block) : NULL;
        job_make(&j);
        eng_scratch_poison();
        while (job_step(&j, false))
            ;
        alone[i] = j.out;
        j.out = NULL;
        job_done(&j);
        eng_blockcache_free(bc);
        bc = NULL;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NR; i++)
        free(alone[i]);
    for (int i = 0; i < 4; i++)
        eng_plan_release(plans[i]);
    tu_assets_clear();
    return 0;
}

static void assert_same(const job *j, int which)
{
    size_t bytes = sizeof(float) * 2 * (size_t)j->frames;
    if (memcmp(j->out, alone[which], bytes) != 0) {
        for (int64_t i = 0; i < 2 * j->frames; i++)
            if (memcmp(&j->out[i], &alone[which][i], sizeof(float)) != 0)
                fail_msg("renderer %d differs at frame %lld: %g, alone %g", which,
                         (long long)(i / 2), (double)j->out[i],
                         (double)alone[which][i]);
    }
}

/* The references are not silent, so identical bits mean something. */
static void test_references_sound(void **state)
{
    (void)state;
    for (int i = 0; i < NR; i++) {
        job j;
        job_init(&j, i);
        assert_true(tu_peak(alone[i], 0, 0, (int)j.frames) > 0.01);
        assert_true(tu_peak(alone[i], 1, 0, (int)j.frames) > 0.01);
        free(j.out);
    }
}

/* Every renderer on one thread, one block each in turn, NaN in the
 * scratch before every call: the bits of each alone. */
static void test_interleaved_one_thread(void **state)
{
    (void)state;
    job j[NR];
    eng_blockcache_stats st;
    bc = eng_blockcache_new(64u << 20, 4800);
    assert_non_null(bc);
    for (int i = 0; i < NR; i++) {
        job_init(&j[i], i);
        job_make(&j[i]);
    }
    assert_true(eng_scratch_capacity() > 0);
    size_t cap = eng_scratch_capacity();
    for (bool more = true; more;) {
        more = false;
        for (int i = 0; i < NR; i++)
            more = job_step(&j[i], true) || more;
    }
    /* grown by creation, not by rendering */
    assert_int_equal(eng_scratch_capacity(), cap);
    eng_blockcache_stats_get(bc, &st);
    assert_true(st.hits > 0); /* the second cached renderer fetched */
    for (int i = 0; i < NR; i++) {
        assert_same(&j[i], i);
        job_done(&j[i]);
    }
    eng_blockcache_free(bc);
    bc = NULL;
}

/* Two threads at once, each its own scratch. Thread 0 makes its own
 * renderers; thread 1 renders renderers made on the main thread, one
 * maintained on it first (the pacing thread's way), the other not (its
 * first block grows the thread's scratch). */
typedef struct worker {
    job *jobs;
    int n;
    bool make, maintain_first;
    size_t cap_before, cap_after;
    pthread_barrier_t *go;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    w->cap_before = eng_scratch_capacity();
    if (w->make)
        for (int i = 0; i < w->n; i++)
            job_make(&w->jobs[i]);
    else if (w->maintain_first)
        eng_renderer_maintain(w->jobs[0].r);
    pthread_barrier_wait(w->go);
    for (bool more = true; more;) {
        more = false;
        for (int i = 0; i < w->n; i++)
            more = job_step(&w->jobs[i], true) || more;
    }
    w->cap_after = eng_scratch_capacity();
    return NULL;
}

static void test_two_threads(void **state)
{
    (void)state;
    job a[2], b[3];
    pthread_t th[2];
    pthread_barrier_t go;
    bc = eng_blockcache_new(64u << 20, 4800);
    assert_non_null(bc);
    job_init(&a[0], 0);
    job_init(&a[1], 4);
    job_init(&b[0], 1);
    job_init(&b[1], 3);
    job_init(&b[2], 2);
    for (int i = 0; i < 3; i++)
        job_make(&b[i]); /* on this thread */
    worker w[2] = {{a, 2, true, false, 0, 0, &go}, {b, 3, false, true, 0, 0, &go}};
    pthread_barrier_init(&go, NULL, 2);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(w[i].cap_before, 0); /* a new thread has none */
        assert_true(w[i].cap_after > 0);
    }
    assert_same(&a[0], 0);
    assert_same(&a[1], 4);
    assert_same(&b[0], 1);
    assert_same(&b[1], 3);
    assert_same(&b[2], 2);
    for (int i = 0; i < 2; i++)
        job_done(&a[i]);
    for (int i = 0; i < 3; i++)
        job_done(&b[i]);
    eng_blockcache_free(bc);
    bc = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references_sound),
        cmocka_unit_test(test_interleaved_one_thread),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
