/* test_comp_blocks.c -- the compressor gives the same samples however the
 * audio is cut into blocks (issue 15: render ahead at 44.1 kHz, whose
 * 882-frame packets end on a partial 8-sample detector step):
 * eng_comp_process, the four- and eight-lane passes (eng_comp_process4/8,
 * lanes at the same and at different step positions), the fused EQ +
 * compressor pass (eng_eqcomp_process8) and eng_comp_silence, each in
 * blocks of 1, 7, 8, 9, 882, 960, 4410 samples and a random mix, against
 * one eng_comp_process call over the whole signal; and whole projects
 * (EQs, compressors, an automated compressor threshold, gain and pan
 * automation, reverbs, delays) rendered
 * at 44.1 kHz and 48 kHz in such blocks, on every dispatch path, give the
 * bits of one render of the whole song. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp.h"
#include "engine/render.h"
#include "engine/simd.h"
#include "tests/unit/test_render_util.h"

#define N 60000 /* samples of the DSP tests (1.25 s at 48 kHz) */

/* Block schedules: a fixed size, or (0) a seeded mix of 1..1000. */
static const int sizes[] = {1, 7, 8, 9, 882, 960, 4410, 0};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static int next_block(int sched, uint32_t *seed, int left)
{
    int n = sizes[sched];
    if (n == 0) {
        *seed = *seed * 1664525u + 1013904223u;
        n = 1 + (int)((*seed >> 8) % 1000u);
    }
    return n < left ? n : left;
}

/* Noise in bursts (loud, quiet, silent stretches), so the detector
 * attacks, releases and idles. */
static void signal(float *l, float *r, int n, uint32_t seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        float v = (float)(seed >> 8) / 16777216.0f - 0.5f;
        int part = (i / 3001) % 4;
        float a = part == 0 ? 1.8f : part == 1 ? 0.05f : part == 2 ? 0.0f : 0.9f;
        l[i] = v * a;
        r[i] = -0.6f * v * a + (part == 3 ? 0.1f : 0.0f);
    }
}

static const eng_comp_params params[8] = {
    {-18, 4, 10, 100, 6, 0},  {-30, 20, 1, 1000, 0, 6}, {-6, 2, 50, 20, 12, -3},
    {-250, 8, 5, 300, 0, 0},  {-24, 3, 0.01, 5, 24, 10}, {0, 1, 10, 100, 6, 0},
    {-40, 10, 2, 60, 3, 2},   {-12, 6, 20, 250, 0, 1},
};

static void comp_new(eng_comp *c, int k, double fs)
{
    eng_comp_init(c, fs);
    eng_comp_set(c, &params[k % 8]);
}

static void check_state(const eng_comp *a, const eng_comp *b)
{
    assert_memory_equal(&a->env_db, &b->env_db, sizeof a->env_db);
    assert_memory_equal(&a->gain, &b->gain, sizeof a->gain);
}

/* eng_comp_process in blocks of every schedule = one call over the whole
 * signal; with `silence`, blocks that are all zeros (in the signal's
 * silent stretches of 3001 samples, not on step boundaries) go through
 * eng_comp_silence instead. */
static void check_blocks(int rate, uint32_t sig, uint32_t bseed, bool silence)
{
    float *l0 = malloc(N * sizeof(float)), *r0 = malloc(N * sizeof(float));
    float *l = malloc(N * sizeof(float)), *r = malloc(N * sizeof(float));
    assert_true(l0 && r0 && l && r);
    int silent_calls = 0;
    for (int k = 0; k < 8; k++) {
        eng_comp ref;
        comp_new(&ref, k, rate);
        signal(l0, r0, N, sig + (uint32_t)k);
        eng_comp_process(&ref, l0, r0, N);
        for (int s = 0; s < NSIZES; s++) {
            eng_comp c;
            comp_new(&c, k, rate);
            signal(l, r, N, sig + (uint32_t)k);
            uint32_t seed = bseed;
            for (int i = 0; i < N;) {
                int n = next_block(s, &seed, N - i);
                bool zero = silence;
                for (int j = i; j < i + n && zero; j++)
                    zero = l[j] == 0.0f && r[j] == 0.0f;
                if (zero) {
                    eng_comp_silence(&c, n);
                    silent_calls++;
                } else {
                    eng_comp_process(&c, l + i, r + i, n);
                }
                i += n;
            }
            assert_memory_equal(l, l0, N * sizeof(float));
            assert_memory_equal(r, r0, N * sizeof(float));
            check_state(&c, &ref);
        }
    }
    if (silence)
        assert_true(silent_calls > 100);
    free(l0);
    free(r0);
    free(l);
    free(r);
}

static void test_comp_block_sizes(void **state)
{
    (void)state;
    check_blocks(44100, 99u, 5u, false);
}

/* eng_comp_silence on the blocks of the silent stretches = eng_comp_process
 * of those zeros. */
static void test_comp_silence_blocks(void **state)
{
    (void)state;
    check_blocks(48000, 3u, 17u, true);
}

typedef struct lanes {
    float *l[8], *r[8], *l0[8], *r0[8];
    eng_comp c[8], ref[8];
    eng_eq eq[8], eqref[8];
} lanes;

static void lanes_new(lanes *q, bool with_eq)
{
    for (int k = 0; k < 8; k++) {
        q->l[k] = malloc(N * sizeof(float));
        q->r[k] = malloc(N * sizeof(float));
        q->l0[k] = malloc(N * sizeof(float));
        q->r0[k] = malloc(N * sizeof(float));
        assert_true(q->l[k] && q->r[k] && q->l0[k] && q->r0[k]);
        signal(q->l0[k], q->r0[k], N, 7u * (uint32_t)k + 1u);
        memcpy(q->l[k], q->l0[k], N * sizeof(float));
        memcpy(q->r[k], q->r0[k], N * sizeof(float));
        comp_new(&q->c[k], k, 44100);
        comp_new(&q->ref[k], k, 44100);
        eng_eq_band b[2] = {{ENG_EQ_PEAK, 300.0 + 200 * k, 6, 1.2},
                            {ENG_EQ_HIGHSHELF, 5000, -4, 0.7}};
        eng_eq_set(&q->eq[k], b, 1 + k % 2, 44100);
        eng_eq_reset(&q->eq[k]);
        q->eqref[k] = q->eq[k];
        if (with_eq)
            eng_eq_process(&q->eqref[k], q->l0[k], q->r0[k], N);
        eng_comp_process(&q->ref[k], q->l0[k], q->r0[k], N);
    }
}

static void lanes_check(lanes *q, eng_comp *const *c)
{
    for (int k = 0; k < 8; k++) {
        if (!c[k])
            continue;
        assert_memory_equal(q->l[k], q->l0[k], N * sizeof(float));
        assert_memory_equal(q->r[k], q->r0[k], N * sizeof(float));
        check_state(&q->c[k], &q->ref[k]);
    }
}

static void lanes_free(lanes *q)
{
    for (int k = 0; k < 8; k++) {
        free(q->l[k]);
        free(q->r[k]);
        free(q->l0[k]);
        free(q->r0[k]);
    }
}

enum { PASS4, PASS8, PASS_EQCOMP8 };

/* One lane pass over every track in blocks of schedule s; `skew`: track
 * 1 first runs 3 samples alone, so the lanes' steps are at different
 * positions (the passes then run per track). */
static void run_lanes(int pass, int s, bool skew, bool hole)
{
    lanes q;
    lanes_new(&q, pass == PASS_EQCOMP8);
    eng_comp *c[8];
    eng_eq *eq[8];
    for (int k = 0; k < 8; k++) {
        bool on = !(hole && k == 2) && (pass != PASS4 || k < 4);
        c[k] = on ? &q.c[k] : NULL;
        eq[k] = on ? &q.eq[k] : NULL;
    }
    int off[8] = {0};
    if (skew && c[1]) {
        if (pass == PASS_EQCOMP8)
            eng_eq_process(eq[1], q.l[1], q.r[1], 3);
        eng_comp_process(c[1], q.l[1], q.r[1], 3);
        off[1] = 3;
    }
    uint32_t seed = 11;
    for (int i = 0; i < N - 3;) {
        int n = next_block(s, &seed, N - 3 - i);
        float *l[8], *r[8];
        for (int k = 0; k < 8; k++) {
            l[k] = q.l[k] + off[k] + i;
            r[k] = q.r[k] + off[k] + i;
        }
        if (pass == PASS4)
            eng_comp_process4(c, l, r, n);
        else if (pass == PASS8)
            eng_comp_process8(c, l, r, n);
        else
            eng_eqcomp_process8(eq, c, l, r, n);
        i += n;
    }
    for (int k = 0; k < 8; k++) /* the rest, one call per track */
        if (c[k]) {
            if (pass == PASS_EQCOMP8)
                eng_eq_process(eq[k], q.l[k] + N - 3 + off[k],
                               q.r[k] + N - 3 + off[k], 3 - off[k]);
            eng_comp_process(c[k], q.l[k] + N - 3 + off[k],
                             q.r[k] + N - 3 + off[k], 3 - off[k]);
        }
    lanes_check(&q, c);
    lanes_free(&q);
}

static bool have_avx2(void)
{
    const char *keep = eng_simd()->name;
    bool ok = eng_simd_select("avx2") == 0;
    assert_int_equal(eng_simd_select(keep), 0);
    return ok;
}

/* The lane passes in blocks = eng_comp_process (after the EQ) in one
 * call, for every schedule, with a NULL lane, with skewed steps. */
static void test_comp_lanes_block_sizes(void **state)
{
    (void)state;
    int passes = have_avx2() ? 3 : 1;
    if (passes == 1)
        print_message("no avx2 on this CPU: the eight-lane passes not run\n");
    for (int pass = 0; pass < passes; pass++)
        for (int s = 0; s < NSIZES; s++) {
            run_lanes(pass, s, false, false);
            run_lanes(pass, s, false, true);
            run_lanes(pass, s, true, false);
        }
}

/* ---- whole projects ------------------------------------------------------ */

#define SONG_S 2

/* Nine tracks (eight + one lanes on avx2): EQ then compressor each,
 * clips starting off the step grid, a compressor whose threshold is
 * automated, gain and pan automation (engine/render.c evaluates
 * automation on the timeline's ENG_SUBBLOCK grid), three buses with
 * reverb and delay. */
static eng_plan *project(int sr)
{
    proto_doc *d = proto_doc_new("t", sr);
    tu_assets_clear();
    tu_asset("n0", tu_noise(7u, 0.5, 2, SONG_S * sr, sr));
    tu_asset("s0", tu_sine(220.0, 0.7, 1, SONG_S * sr, sr));
    for (int b = 0; b < 3; b++) {
        tu_put(d, "{'id':'b%d','kind':'track','order':'y%d','role':'bus',"
                  "'gain':-2}", b, b);
        tu_put(d, "{'id':'rv%d','kind':'effect','track':'b%d','type':'reverb',"
                  "'order':'a','params':{'size':%g,'mix':0.3}}", b, b, 0.2 + 0.1 * b);
        tu_put(d, "{'id':'dl%d','kind':'effect','track':'b%d','type':'delay',"
                  "'order':'b','params':{'sync':'1/16','feedback':0.3}}", b, b);
    }
    for (int t = 0; t < 9; t++) {
        tu_put(d, "{'id':'t%d','kind':'track','order':'a%02d','gain':%d,"
                  "'pan':%g,'output':'b%d'}", t, t, -3 - t % 4,
               -0.8 + 0.2 * t, t % 3);
        tu_put(d, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                  "'order':'a','params':{'bands':[{'type':'peak','freq':%d,"
                  "'gain':5,'q':1.5}]}}", t, t, 200 + 300 * t);
        tu_put(d, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                  "'order':'b','params':{'threshold':%d,'ratio':%d,'attack':%d,"
                  "'release':%d,'knee':%d,'makeup':%d}}", t, t, -30 + 2 * t,
               2 + t % 5, 1 + t % 7, 40 + 30 * (t % 3), t % 2 ? 6 : 0, t % 3);
        tu_put(d, "{'id':'c%d','kind':'clip','track':'t%d','asset':'%s',"
                  "'start':%d,'offset':0,'length':%d}", t, t,
               t % 2 ? "s0" : "n0", 13 * t + 1, SONG_S * sr - 13 * t - 1);
    }
    tu_put(d, "{'id':'acp','kind':'automation','track':'t3','param':'cp3.threshold',"
              "'points':[[0,-30],[%d,-10]]}", sr);
    tu_put(d, "{'id':'ag','kind':'automation','track':'t5','param':'gain',"
              "'points':[[%d,0],[%d,-12]]}", sr / 3, sr);
    tu_put(d, "{'id':'ap','kind':'automation','track':'t6','param':'pan',"
              "'points':[[0,-1],[%d,1]]}", 3 * sr / 2);
    eng_plan *p = tu_plan(d);
    proto_doc_free(d);
    return p;
}

static float *render_blocks(eng_plan *p, int frames, int s, bool skip)
{
    eng_renderer *r = eng_renderer_new(NULL, p, s < 0 ? frames : 4410);
    float *out = calloc((size_t)frames * 2, sizeof(float));
    assert_non_null(r);
    assert_non_null(out);
    eng_renderer_set_skip_silence(r, skip);
    uint32_t seed = 23;
    for (int i = 0; i < frames;) {
        int n = s < 0 ? frames : next_block(s, &seed, frames - i);
        eng_render(r, i, out + 2 * i, n);
        i += n;
    }
    eng_renderer_free(r);
    return out;
}

static void check_project(int sr)
{
    const char *paths[] = {"plain", "sse2", "avx2"};
    const char *keep = eng_simd()->name;
    const int frames = SONG_S * sr;
    eng_plan *p = project(sr);
    for (int k = 0; k < 3; k++) {
        if (eng_simd_select(paths[k]) != 0) {
            print_message("path %s: not on this CPU, not compared\n", paths[k]);
            continue;
        }
        for (int skip = 0; skip < 2; skip++) {
            float *ref = render_blocks(p, frames, -1, skip);
            assert_true(tu_peak(ref, 0, 0, frames) > 0.01);
            for (int s = 0; s < NSIZES; s++) {
                float *out = render_blocks(p, frames, s, skip);
                size_t bad = 0;
                while (bad < (size_t)frames * 2 && out[bad] == ref[bad])
                    bad++;
                if (bad < (size_t)frames * 2)
                    print_message("%d Hz, %s, skip %d, blocks of %d: first "
                                  "difference at frame %zu\n", sr, paths[k],
                                  skip, sizes[s], bad / 2);
                assert_memory_equal(out, ref, sizeof(float) * 2 * (size_t)frames);
                free(out);
            }
            free(ref);
        }
    }
    assert_int_equal(eng_simd_select(keep), 0);
    eng_plan_release(p);
}

static void test_render_44100_block_sizes(void **state)
{
    (void)state;
    check_project(44100);
}

static void test_render_48000_block_sizes(void **state)
{
    (void)state;
    check_project(48000);
}

static int teardown(void **state)
{
    (void)state;
    tu_assets_clear();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comp_block_sizes),
        cmocka_unit_test(test_comp_lanes_block_sizes),
        cmocka_unit_test(test_comp_silence_blocks),
        cmocka_unit_test_teardown(test_render_44100_block_sizes, teardown),
        cmocka_unit_test_teardown(test_render_48000_block_sizes, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
