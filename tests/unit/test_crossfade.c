/* test_crossfade.c -- fade shapes and automatic crossfades (engine/fades.c
 * through the plan and the renderer): each shape's endpoints and monotony,
 * equal power exactly as the old curve, the power across the overlap of two
 * uncorrelated clips (tones and noise) held within 0.1 dB, the correlated
 * case (+3 dB in the middle, documented in docs/engine.md), a longer
 * explicit fade winning with its shape, a muted clip left out, a clip
 * inside another not crossfaded, clips that predate shapes summed as
 * before, and a shape heard in the render. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/dsp.h"
#include "engine/fades.h"
#include "tests/unit/test_render_util.h"

#define SR 48000

static int teardown(void **state)
{
    (void)state;
    tu_assets_clear();
    return 0;
}

static void test_shapes(void **state)
{
    (void)state;
    const char *names[] = {"equal_power", "linear", "exp", "scurve"};
    for (int s = 0; s < ENG_FADE_SHAPES; s++) {
        assert_int_equal(eng_fade_shape_of(names[s]), s);
        assert_float_equal(eng_fade_gain(s, 0.0), 0.0, 1e-7);
        assert_float_equal(eng_fade_gain(s, 1.0), 1.0, 1e-7);
        assert_float_equal(eng_fade_gain(s, -3.0), 0.0, 1e-7); /* clamped */
        assert_float_equal(eng_fade_gain(s, 7.0), 1.0, 1e-7);
        float prev = 0.0f;
        for (int i = 0; i <= 1000; i++) {
            float g = eng_fade_gain(s, i / 1000.0);
            assert_true(g >= prev); /* non-decreasing */
            prev = g;
        }
    }
    assert_int_equal(eng_fade_shape_of(NULL), ENG_FADE_EQUAL_POWER);
    assert_int_equal(eng_fade_shape_of("cubic"), ENG_FADE_EQUAL_POWER);
    for (int i = 0; i <= 1000; i++) /* the old curve, bit for bit */
        assert_true(eng_fade_gain(ENG_FADE_EQUAL_POWER, i / 1000.0) ==
                    eng_fade_in_gain(i / 1000.0));
    /* the shapes differ where they should: at t = 0.5 */
    assert_float_equal(eng_fade_gain(ENG_FADE_LINEAR, 0.5), 0.5, 1e-7);
    assert_float_equal(eng_fade_gain(ENG_FADE_SCURVE, 0.5), 0.5, 1e-7);
    assert_float_equal(eng_fade_gain(ENG_FADE_EQUAL_POWER, 0.5), M_SQRT1_2, 1e-6);
    assert_true(eng_fade_gain(ENG_FADE_EXP, 0.5) < 0.15f);
    assert_true(eng_fade_gain(ENG_FADE_SCURVE, 0.1) < eng_fade_gain(ENG_FADE_LINEAR, 0.1));
}

/* Two clips on one track, a at 0 and b at `b_start`, each `len` long.
 * Returns the largest |level - reference| in dB over windows of `win`
 * frames across the overlap, the reference being the level of a alone
 * before the overlap. */
static double overlap_deviation(const char *asset_a, const char *asset_b,
                                int len, int b_start, int win, double *mid_db)
{
    proto_doc *d = proto_doc_new("t", SR);
    tu_put(d, "{'id':'t1','kind':'track','order':'a','pan':-1}");
    tu_put(d, "{'id':'a','kind':'clip','track':'t1','asset':'%s','start':0,"
              "'offset':0,'length':%d,'fade_in_shape':'equal_power',"
              "'fade_out_shape':'equal_power'}", asset_a, len);
    tu_put(d, "{'id':'b','kind':'clip','track':'t1','asset':'%s','start':%d,"
              "'offset':0,'length':%d}", asset_b, b_start, len);
    eng_plan *p = tu_plan(d);
    int total = b_start + len;
    float *out = tu_render(p, 0, total, 1024);
    double ref = tu_rms_db(out, 0, 0, b_start);
    double worst = 0;
    for (int w = b_start; w + win <= len; w += win) {
        double l = tu_rms_db(out, 0, w, w + win);
        if (fabs(l - ref) > worst)
            worst = fabs(l - ref);
    }
    int mid = b_start + (len - b_start) / 2;
    *mid_db = tu_rms_db(out, 0, mid - win / 2, mid + win / 2) - ref;
    /* after the overlap b plays alone at its own level */
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
    return worst;
}

static void test_equal_power_tones(void **state)
{
    (void)state;
    /* 1000 Hz and 1500 Hz: in 10 ms (480 frames) both make whole cycles,
     * so the windows see no cross term: the power of the sum is the sum of
     * the powers, which equal power keeps constant */
    tu_asset("s1", tu_sine(1000, 0.5, 1, 2 * SR, SR));
    tu_asset("s2", tu_sine(1500, 0.5, 1, 2 * SR, SR));
    double mid;
    double dev = overlap_deviation("s1", "s2", 2 * SR, SR, 480, &mid);
    printf("crossfade tones: worst 10 ms window %.4f dB from the level outside, middle %+.4f dB\n",
           dev, mid);
    assert_true(dev < 0.1);
}

static void test_equal_power_noise(void **state)
{
    (void)state;
    /* two uncorrelated noises: the estimate of a window's power has its own
     * spread (about 0.9/sqrt(N) for uniform noise: 0.06 dB in 100 ms, more
     * than the curve's error), so 4 s of overlap in windows of 500 ms
     * (0.025 dB of spread); the tones above check the curve in 10 ms */
    tu_asset("n1", tu_noise(1, 0.5, 1, 8 * SR, SR));
    tu_asset("n2", tu_noise(2, 0.5, 1, 8 * SR, SR));
    double mid;
    double dev = overlap_deviation("n1", "n2", 8 * SR, 4 * SR, SR / 2, &mid);
    printf("crossfade noise: worst 500 ms window %.4f dB from the level outside, middle %+.4f dB\n",
           dev, mid);
    assert_true(dev < 0.1);
}

static void test_correlated(void **state)
{
    (void)state;
    /* the same constant on both sides adds in amplitude: sin + cos peaks at
     * sqrt(2) in the middle (+3.01 dB); documented, not a defect */
    tu_asset("dc", tu_dc(0.5f, 2 * SR, SR));
    double mid;
    double dev = overlap_deviation("dc", "dc", 2 * SR, SR, 480, &mid);
    printf("crossfade correlated (same DC): middle %+.3f dB, worst %.3f dB\n", mid, dev);
    assert_float_equal(mid, 20 * log10(M_SQRT2), 0.01);
}

static void test_rules(void **state)
{
    (void)state;
    eng_clip_spec c[3] = {
        {.start = 0, .length = 1000, .fade_out = 50, .shape_out = ENG_FADE_LINEAR, .xfade = true},
        {.start = 800, .length = 1000, .fade_in = 500, .shape_in = ENG_FADE_EXP, .xfade = true},
        {.start = 900, .length = 100, .xfade = true}, /* inside b: not crossfaded */
    };
    eng_fades_crossfade(c, 3);
    assert_int_equal(c[0].fade_out, 200); /* the overlap wins over 50 */
    assert_int_equal(c[0].shape_out, ENG_FADE_EQUAL_POWER);
    assert_int_equal(c[1].fade_in, 500);  /* the longer explicit fade wins */
    assert_int_equal(c[1].shape_in, ENG_FADE_EXP);
    assert_int_equal(c[2].fade_in, 0);
    assert_int_equal(c[2].fade_out, 0);
    eng_clip_spec same[2] = {{.start = 0, .length = 100, .xfade = true},
                             {.start = 0, .length = 200, .xfade = true}};
    eng_fades_crossfade(same, 2);
    assert_int_equal(same[0].fade_out + same[1].fade_in, 0);
    eng_clip_spec old[2] = {{.start = 0, .length = 100}, {.start = 50, .length = 200}};
    eng_fades_crossfade(old, 2); /* neither knows shapes: summed as before */
    assert_int_equal(old[0].fade_out + old[1].fade_in, 0);
    old[1].xfade = true;         /* one new clip is enough */
    eng_fades_crossfade(old, 2);
    assert_int_equal(old[0].fade_out, 50);
    assert_int_equal(old[1].fade_in, 50);
}

static void test_render_rules(void **state)
{
    (void)state;
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("dc", tu_dc(1.0f, 10000, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a','pan':-1}");
    /* a linear fade-in of 400 frames; b overlaps a's end by 300 frames but
     * is muted, so a is not faded out */
    tu_put(d, "{'id':'a','kind':'clip','track':'t1','asset':'dc','start':0,"
              "'offset':0,'length':2000,'fade_in':400,'fade_in_shape':'linear'}");
    tu_put(d, "{'id':'b','kind':'clip','track':'t1','asset':'dc','start':1700,"
              "'offset':0,'length':2000,'mute':true}");
    /* c and e overlap by 500; c's own fade-out of 800 frames (s-curve) is
     * longer and wins, e fades in over the overlap (equal power) */
    tu_put(d, "{'id':'c','kind':'clip','track':'t1','asset':'dc','start':5000,"
              "'offset':0,'length':2000,'fade_out':800,'fade_out_shape':'scurve'}");
    tu_put(d, "{'id':'e','kind':'clip','track':'t1','asset':'dc','start':6500,"
              "'offset':0,'length':2000,'fade_in_shape':'equal_power'}");
    /* g and k overlap too but predate shapes (neither has a shape field,
     * as in documents made before them): summed, not crossfaded */
    tu_put(d, "{'id':'g','kind':'clip','track':'t1','asset':'dc','start':9000,"
              "'offset':0,'length':1000}");
    tu_put(d, "{'id':'k','kind':'clip','track':'t1','asset':'dc','start':9500,"
              "'offset':0,'length':1000}");
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, 11000, 256);
    for (int k = 0; k < 400; k++)
        assert_float_equal(out[2 * k], k / 400.0, 1e-6);
    for (int f = 400; f < 2000; f++) /* full level up to the end: b is muted */
        assert_float_equal(out[2 * f], 1.0, 1e-6);
    assert_float_equal(out[2 * 2000], 0.0, 1e-7);
    for (int f = 5000; f < 7000; f++) {
        int k = f - 5000;
        double want = 1999 - k < 800 ? (1 - cos((1999 - k) / 800.0 * M_PI)) / 2 : 1;
        if (f >= 6500)
            want += sin((f - 6500) / 500.0 * M_PI / 2);
        assert_float_equal(out[2 * f], want, 1e-5);
    }
    for (int f = 9000; f < 10500; f++)
        assert_float_equal(out[2 * f], f >= 9500 && f < 10000 ? 2.0 : 1.0, 1e-6);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test_teardown(test_equal_power_tones, teardown),
        cmocka_unit_test_teardown(test_equal_power_noise, teardown),
        cmocka_unit_test_teardown(test_correlated, teardown),
        cmocka_unit_test(test_rules),
        cmocka_unit_test_teardown(test_render_rules, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
