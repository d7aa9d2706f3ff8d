/* test_render_dispatch.c -- the renderer's fast paths give the plain
 * path's results: every dispatch path (plain, sse2, avx2; engine/simd.h,
 * selected in-process as MIXROOM_TEST_SIMD would at start) renders the
 * same bits for a dense, a 64-track, a sparse and a routed project (the
 * vector paths batch the buses whose input is complete, run their
 * reverbs four at a time and EQ + compressor in one pass); skipping silent
 * tracks and decayed tails (on by default) renders within -140 dBFS of a
 * render that processes every track every block, and does skip; holding
 * the decayed head of a chain that still runs renders the same bits as
 * running it. */
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

#define SR 48000
#define SECONDS 12
#define FRAMES (SECONDS * SR)
#define BLOCK 1000 /* not a multiple of the compressor's 8-sample step */

static const char *paths[] = {"plain", "sse2", "avx2"};

/* Tracks with EQs of 1..4 bands of every type, compressors of varied
 * settings, one bypassed EQ, a gain ramp; `sparse`: clips in 0-3 s and
 * 6-8 s only (the rest silent, so the buses' tails decay); `routed`: pre
 * and post sends to an effects bus, a bus into a bus, a track into a
 * group track, a limiter on the last bus, an automated compressor. */
static eng_plan *project(int ntracks, bool sparse, bool routed)
{
    proto_doc *d = proto_doc_new("t", SR);
    static const char *types[] = {"highpass", "peak", "lowshelf", "highshelf",
                                  "lowpass"};
    tu_assets_clear();
    for (int a = 0; a < 4; a++)
        tu_asset(a == 0 ? "n0" : a == 1 ? "n1" : a == 2 ? "s0" : "s1",
                 a < 2 ? tu_noise(7u + (uint32_t)a, 0.4, 2, 4 * SR, SR)
                       : tu_sine(110.0 * (a + 1), 0.6, a == 2 ? 1 : 2, 4 * SR, SR));
    for (int b = 0; b < 3; b++) {
        tu_put(d, "{'id':'b%d','kind':'track','order':'y%d','role':'bus',"
                  "'gain':-2%s}", b, b, routed && b == 1 ? ",'output':'b2'" : "");
        tu_put(d, "{'id':'rv%d','kind':'effect','track':'b%d','type':'reverb',"
                  "'order':'a','params':{'size':%g,'mix':0.35}}", b, b, 0.1 + 0.1 * b);
        tu_put(d, "{'id':'dl%d','kind':'effect','track':'b%d','type':'delay',"
                  "'order':'b','params':{'sync':'1/16','feedback':0.3}}", b, b);
    }
    if (routed) {
        tu_put(d, "{'id':'lim','kind':'effect','track':'b2','type':'limiter',"
                  "'order':'c','params':{'ceiling':-3}}");
        tu_put(d, "{'id':'grp','kind':'track','order':'x','output':'b0'}");
        tu_put(d, "{'id':'geq','kind':'effect','track':'grp','type':'eq','order':'a',"
                  "'params':{'bands':[{'type':'peak','freq':900,'gain':4,'q':2}]}}");
    }
    for (int t = 0; t < ntracks; t++) {
        const char *out = routed && t % 5 == 4 ? "grp" : NULL;
        char outb[16];
        snprintf(outb, sizeof outb, "b%d", t % 3);
        tu_put(d, "{'id':'t%d','kind':'track','order':'a%02d','gain':%d,"
                  "'pan':%g,'output':'%s'}", t, t, -3 - t % 4,
               -0.9 + 0.15 * t, out ? out : outb);
        int nb = 1 + t % 4;
        char bands[512] = "";
        size_t len = 0;
        for (int k = 0; k < nb; k++)
            len += (size_t)snprintf(bands + len, sizeof bands - len,
                                    "%s{'type':'%s','freq':%d,'gain':%d,'q':%g}",
                                    k ? "," : "", types[(t + k) % 5],
                                    60 + 700 * k + 13 * t, k % 2 ? 4 : -3,
                                    0.6 + 0.2 * k);
        tu_put(d, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                  "'order':'a','params':{'bands':[%s]}%s}", t, t, bands,
               t == 6 ? ",'bypass':true" : "");
        tu_put(d, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                  "'order':'b','params':{'threshold':%d,'ratio':%d,'attack':%d,"
                  "'release':%d,'knee':%d,'makeup':%d}}", t, t, -30 + t,
               2 + t % 5, 1 + t % 7, 40 + 30 * (t % 3), t % 2 ? 6 : 0, t % 3);
        const char *asset = t % 4 == 0 ? "n0" : t % 4 == 1 ? "n1" : t % 4 == 2 ? "s0" : "s1";
        if (sparse) {
            tu_put(d, "{'id':'c%da','kind':'clip','track':'t%d','asset':'%s',"
                      "'start':%d,'offset':0,'length':%d,'fade_in':%d}",
                   t, t, asset, (t % 3) * SR / 2, 3 * SR - (t % 3) * SR / 2, 300);
            tu_put(d, "{'id':'c%db','kind':'clip','track':'t%d','asset':'%s',"
                      "'start':%d,'offset':%d,'length':%d}",
                   t, t, asset, 6 * SR + t * 777, t * 5, 2 * SR - t * 777);
        } else {
            for (int c = 0; c < SECONDS / 4; c++)
                tu_put(d, "{'id':'c%d_%d','kind':'clip','track':'t%d','asset':'%s',"
                          "'start':%d,'offset':0,'length':%d}",
                       t, c, t, asset, c * 4 * SR, 4 * SR);
        }
        if (routed && t % 4 == 1)
            tu_put(d, "{'id':'s%d','kind':'send','track':'t%d','target':'b%d',"
                      "'level':-6,'pre':%s}", t, t, (t + 1) % 3,
                   t % 8 == 1 ? "true" : "false");
    }
    tu_put(d, "{'id':'ag','kind':'automation','track':'t2','param':'gain',"
              "'points':[[%d,0],[%d,-12]]}", SR, 2 * SR);
    if (routed)
        tu_put(d, "{'id':'acp','kind':'automation','track':'t3','param':'cp3.threshold',"
                  "'points':[[0,-30],[%d,-10]]}", 3 * SR);
    eng_plan *p = tu_plan(d);
    proto_doc_free(d);
    return p;
}

/* The whole song on the current path, skipping silence or not, holding
 * decayed heads of chains or not (eng_renderer_set_hold_heads); *skipped
 * and *held get the renderer's counts of skipped track-blocks and of
 * track-blocks that ran with a held head. */
static float *render_hold(eng_plan *p, bool skip, bool hold, int64_t *skipped,
                          int64_t *held)
{
    eng_renderer *r = eng_renderer_new(NULL, p, BLOCK);
    float *out = calloc((size_t)FRAMES * 2, sizeof(float));
    assert_non_null(r);
    assert_non_null(out);
    eng_renderer_set_skip_silence(r, skip);
    eng_renderer_set_hold_heads(r, hold);
    for (int i = 0; i < FRAMES; i += BLOCK) {
        int n = FRAMES - i < BLOCK ? FRAMES - i : BLOCK;
        eng_render(r, i, out + 2 * i, n);
    }
    if (skipped)
        *skipped = eng_renderer_skipped(r);
    if (held)
        *held = eng_renderer_held(r);
    eng_renderer_free(r);
    return out;
}

/* The whole song on the current path (decayed heads held when skipping,
 * the default); *skipped gets the count of skipped track-blocks. */
static float *render(eng_plan *p, bool skip, int64_t *skipped)
{
    return render_hold(p, skip, true, skipped, NULL);
}

static void check_paths(eng_plan *p, bool skip)
{
    const char *keep = eng_simd()->name;
    assert_int_equal(eng_simd_select("plain"), 0);
    float *ref = render(p, skip, NULL);
    double peak = tu_peak(ref, 0, 0, FRAMES);
    assert_true(peak > 0.01); /* the project is not silent */
    for (size_t k = 1; k < sizeof paths / sizeof paths[0]; k++) {
        if (eng_simd_select(paths[k]) != 0) {
            print_message("path %s: not on this CPU, not compared\n", paths[k]);
            continue;
        }
        assert_string_equal(eng_simd()->name, paths[k]);
        float *out = render(p, skip, NULL);
        assert_memory_equal(out, ref, sizeof(float) * 2 * (size_t)FRAMES);
        free(out);
    }
    free(ref);
    assert_int_equal(eng_simd_select(keep), 0);
}

static void test_paths_dense(void **state)
{
    (void)state;
    eng_plan *p = project(13, false, false); /* 8 + 5 lanes on avx2 */
    check_paths(p, false);
    check_paths(p, true);
    eng_plan_release(p);
}

/* 64 tracks: eight full eight-track passes, reverbs of three buses */
static void test_paths_wide(void **state)
{
    (void)state;
    eng_plan *p = project(64, false, false);
    check_paths(p, false);
    check_paths(p, true);
    eng_plan_release(p);
}

static void test_paths_sparse(void **state)
{
    (void)state;
    eng_plan *p = project(11, true, false);
    check_paths(p, false);
    check_paths(p, true);
    eng_plan_release(p);
}

static void test_paths_routed(void **state)
{
    (void)state;
    eng_plan *p = project(10, true, true);
    check_paths(p, false);
    check_paths(p, true);
    eng_plan_release(p);
}

/* Skipping against not skipping: the largest difference of any sample is
 * below -140 dBFS, and tracks were skipped. */
static void check_skip(eng_plan *p, bool expect_skips)
{
    int64_t n_on = 0, n_off = 0;
    float *on = render(p, true, &n_on);
    float *off = render(p, false, &n_off);
    double worst = 0;
    for (size_t i = 0; i < (size_t)FRAMES * 2; i++) {
        double e = fabs((double)on[i] - (double)off[i]);
        worst = e > worst ? e : worst;
    }
    print_message("skip: %lld track-blocks skipped, largest difference %s%.1f dBFS\n",
                  (long long)n_on, worst > 0 ? "" : "(none) ",
                  worst > 0 ? 20 * log10(worst) : -INFINITY);
    assert_true(worst <= 1e-7); /* -140 dBFS */
    assert_int_equal(n_off, 0);
    if (expect_skips)
        assert_true(n_on > 0);
    /* the music itself is there in both */
    assert_true(tu_peak(off, 0, 0, 3 * SR) > 0.01);
    free(on);
    free(off);
}

static void test_skip_sparse(void **state)
{
    (void)state;
    eng_plan *p = project(11, true, false);
    check_skip(p, true);
    eng_plan_release(p);
}

static void test_skip_routed(void **state)
{
    (void)state;
    eng_plan *p = project(10, true, true);
    check_skip(p, true);
    eng_plan_release(p);
}

static void test_skip_dense(void **state)
{
    (void)state;
    eng_plan *p = project(13, false, false);
    check_skip(p, false);
    eng_plan_release(p);
}

/* Holding the decayed head of a running chain (a bus whose reverb has
 * decayed while its delay still repeats: the reverb is advanced in
 * silence instead of run on zeros) renders the same bits as running it,
 * on every dispatch path, in the sparse and the routed project; and it
 * happens. */
static void test_hold_heads(void **state)
{
    (void)state;
    const char *keep = eng_simd()->name;
    for (int routed = 0; routed < 2; routed++) {
        eng_plan *p = project(routed ? 10 : 11, true, routed);
        for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
            if (eng_simd_select(paths[k]) != 0)
                continue; /* this CPU has no such path */
            int64_t held_on = 0, held_off = 0, sk_on = 0, sk_off = 0;
            float *on = render_hold(p, true, true, &sk_on, &held_on);
            float *off = render_hold(p, true, false, &sk_off, &held_off);
            print_message("%s %s: %lld track-blocks with a held head\n",
                          routed ? "routed" : "sparse", paths[k],
                          (long long)held_on);
            assert_true(held_on > 0);
            assert_int_equal(held_off, 0);
            assert_int_equal(sk_on, sk_off);
            assert_memory_equal(on, off, (size_t)FRAMES * 2 * sizeof(float));
            free(on);
            free(off);
        }
        eng_plan_release(p);
    }
    assert_int_equal(eng_simd_select(keep), 0);
}

/* After the song, everything decays and is skipped: the last second is
 * exact zeros with skipping, and every track-block of it was skipped. */
static void test_tail_decays_to_zero(void **state)
{
    (void)state;
    eng_plan *p = project(11, true, false);
    eng_renderer *r = eng_renderer_new(NULL, p, BLOCK);
    float *out = calloc((size_t)BLOCK * 2, sizeof(float));
    int64_t before = 0;
    bool any_sound = false;
    for (int i = 0; i < FRAMES; i += BLOCK) {
        if (i >= FRAMES - SR && before == 0)
            before = eng_renderer_skipped(r);
        eng_render(r, i, out, BLOCK);
        for (int k = 0; k < 2 * BLOCK; k++) {
            if (i >= FRAMES - SR)
                assert_true(out[k] == 0.0f);
            else if (out[k] != 0.0f)
                any_sound = true;
        }
    }
    assert_true(any_sound);
    /* 11 tracks + 3 buses, every block of the last second */
    assert_int_equal(eng_renderer_skipped(r) - before, 14 * (SR / BLOCK));
    free(out);
    eng_renderer_free(r);
    eng_plan_release(p);
}

/* eng_comp_silence (the state after n silent samples, computed without the
 * audio and, when the curve is idle on silence, without the per-step gain)
 * leaves exactly the env and gain that eng_comp_process leaves on n zero
 * samples: after loud noise of several lengths (attack, release, knee and
 * no knee, makeup), for block lengths that are and are not multiples of
 * the 8-sample step, including a threshold so low (-250 dB) that the
 * curve acts on silence, and until env reaches its fixed point. */
static void test_comp_silence(void **state)
{
    (void)state;
    static const eng_comp_params ps[] = {
        {-18, 4, 10, 100, 6, 0},   {-30, 20, 1, 1000, 0, 6},
        {-6, 2, 50, 20, 12, -3},   {-250, 8, 5, 300, 0, 0},
        {-250, 3, 5, 50, 24, 10},  {0, 1, 10, 100, 6, 0},
    };
    static const int lens[] = {1, 7, 8, 9, 1000, 48000, 480000};
    enum { MAXN = 480000 };
    float *l = malloc(MAXN * sizeof(float)), *r = malloc(MAXN * sizeof(float));
    assert_non_null(l);
    assert_non_null(r);
    uint32_t seed = 12345;
    int checked = 0;
    for (size_t pi = 0; pi < sizeof ps / sizeof ps[0]; pi++)
        for (int loud = 0; loud < 3; loud++)
            for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
                eng_comp a;
                eng_comp_init(&a, SR);
                eng_comp_set(&a, &ps[pi]);
                int pre = loud == 0 ? 0 : loud == 1 ? 999 : 24000;
                for (int i = 0; i < pre; i++) {
                    seed = seed * 1664525u + 1013904223u;
                    l[i] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * 1.8f;
                    r[i] = -0.7f * l[i];
                }
                eng_comp_process(&a, l, r, pre);
                eng_comp b = a;
                int n = lens[li];
                memset(l, 0, (size_t)n * sizeof(float));
                memset(r, 0, (size_t)n * sizeof(float));
                eng_comp_process(&a, l, r, n);
                eng_comp_silence(&b, n);
                assert_memory_equal(&a.env_db, &b.env_db, sizeof a.env_db);
                assert_memory_equal(&a.gain, &b.gain, sizeof a.gain);
                /* the ramp's start and the step in progress too */
                assert_memory_equal(&a.gain_from, &b.gain_from, sizeof a.gain_from);
                assert_memory_equal(&a.peak, &b.peak, sizeof a.peak);
                assert_int_equal(a.pos, b.pos);
                checked++;
            }
    assert_int_equal(checked, 6 * 3 * 7);
    free(l);
    free(r);
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
        cmocka_unit_test_teardown(test_paths_dense, teardown),
        cmocka_unit_test_teardown(test_paths_wide, teardown),
        cmocka_unit_test_teardown(test_paths_sparse, teardown),
        cmocka_unit_test_teardown(test_paths_routed, teardown),
        cmocka_unit_test_teardown(test_skip_sparse, teardown),
        cmocka_unit_test_teardown(test_skip_routed, teardown),
        cmocka_unit_test_teardown(test_skip_dense, teardown),
        cmocka_unit_test_teardown(test_hold_heads, teardown),
        cmocka_unit_test_teardown(test_tail_decays_to_zero, teardown),
        cmocka_unit_test_teardown(test_comp_silence, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
