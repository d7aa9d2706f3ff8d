/* test_limiter.c -- the true-peak limiter (engine/limiter.c): on signals
 * whose inter-sample peaks exceed their sample peaks (a sine at fs/4
 * sampled at 45 degrees, near-Nyquist tones, clipped noise, impulses,
 * square waves), the output's true peak stays at or under the ceiling by
 * two independent 4x oversampled checks: libebur128's true-peak meter
 * (through engine/loudness.c) and our detector; a signal under the
 * ceiling passes bit for bit, delayed by the latency; the detector finds
 * the inter-sample peak a plain sample peak misses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/limiter.h"
#include "engine/loudness.h"

#define SR 48000
#define N (SR * 2)

static uint32_t rng = 12345;
static double frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (double)rng / 4294967296.0 * 2.0 - 1.0;
}

/* Runs x (n frames) through a limiter at ceiling and returns the output
 * (n frames, the latency removed). */
static float *limit(const float *x, int n, double ceiling, int *lat)
{
    eng_tplim *l = eng_tplim_new(SR, ceiling, 50);
    assert_non_null(l);
    int L = eng_tplim_latency(l);
    float *tmp = calloc((size_t)(n + L) * 2, sizeof(float));
    float *out = malloc((size_t)n * 2 * sizeof(float));
    assert_non_null(tmp);
    assert_non_null(out);
    memcpy(tmp, x, (size_t)n * 2 * sizeof(float));
    /* in blocks of odd sizes, in place */
    for (int i = 0; i < n + L;) {
        int b = 333 + (i % 7);
        if (b > n + L - i)
            b = n + L - i;
        eng_tplim_process(l, tmp + 2 * i, tmp + 2 * i, b);
        i += b;
    }
    memcpy(out, tmp + 2 * L, (size_t)n * 2 * sizeof(float));
    if (lat)
        *lat = L;
    free(tmp);
    eng_tplim_free(l);
    return out;
}

static void check_under(const float *x, int n, double ceiling,
                        const char *what)
{
    float *y = limit(x, n, ceiling, NULL);
    eng_loudness lo;
    assert_int_equal(eng_loudness_buffer(y, n, SR, &lo), 0);
    double ours = 20 * log10(eng_tp_buffer(y, n));
    double in_tp = 20 * log10(eng_tp_buffer(x, n));
    print_message("%-28s in %+6.2f dBTP -> libebur128 %+6.3f, ours %+6.3f "
                  "(ceiling %+.1f)\n", what, in_tp, lo.true_peak_db, ours,
                  ceiling);
    assert_true(lo.true_peak_db <= ceiling);
    assert_true(ours <= ceiling);
    /* and it is not crushed: within 1 dB of the ceiling */
    assert_true(ours > ceiling - 1.0);
    free(y);
}

static void test_overs_stay_under(void **state)
{
    (void)state;
    float *x = malloc(sizeof(float) * 2 * N);
    assert_non_null(x);
    /* fs/4 at 45 degrees: samples at 0.707 of the amplitude */
    for (int i = 0; i < N; i++)
        x[2 * i] = x[2 * i + 1] = (float)(1.4 * sin(M_PI / 2 * i + M_PI / 4));
    check_under(x, N, -1.0, "fs/4 at 45 deg, +3 dB");
    /* near Nyquist, one channel only, with a slow swell */
    for (int i = 0; i < N; i++) {
        x[2 * i] = (float)((0.5 + 1.5 * i / N) * sin(2 * M_PI * 19000.0 / SR * i + 0.3));
        x[2 * i + 1] = 0;
    }
    check_under(x, N, -1.0, "19 kHz swell to +6 dB");
    /* clipped noise: full of inter-sample overs */
    for (int i = 0; i < 2 * N; i++) {
        double v = 3 * frand();
        x[i] = (float)(v > 1 ? 1 : v < -1 ? -1 : v);
    }
    check_under(x, N, -1.0, "clipped noise");
    /* alternating-sign impulses and a square wave */
    memset(x, 0, sizeof(float) * 2 * N);
    for (int i = 100; i < N; i += 997) {
        x[2 * i] = 1.5f;
        x[2 * i + 2] = -1.5f;
        x[2 * i + 1] = -0.9f;
    }
    check_under(x, N, -2.0, "impulse pairs");
    for (int i = 0; i < N; i++)
        x[2 * i] = x[2 * i + 1] = (i / 40) % 2 ? 0.99f : -0.99f;
    check_under(x, N, -1.0, "square 600 Hz");
    /* bursts: loud then quiet then loud, the release in between */
    for (int i = 0; i < N; i++) {
        double env = (i / 4800) % 3 == 0 ? 2.5 : 0.2;
        x[2 * i] = (float)(env * sin(2 * M_PI * 997.0 / SR * i));
        x[2 * i + 1] = (float)(env * sin(2 * M_PI * 1499.0 / SR * i));
    }
    check_under(x, N, -1.0, "bursts +8 dB");
    /* noise 14 dB too hot: deep, fast gain changes */
    for (int i = 0; i < 2 * N; i++)
        x[i] = (float)(2.5 * frand());
    check_under(x, N, -2.0, "noise +8 dB");
    for (int i = 0; i < N; i++) {
        double v = 2.0 * frand();
        x[2 * i] = (float)(v + 1.5 * sin(2 * M_PI * 440.0 / SR * i));
        x[2 * i + 1] = (float)(v - 1.5 * sin(2 * M_PI * 440.0 / SR * i));
    }
    check_under(x, N, -2.0, "noise + sine +10 dB");
    free(x);
}

static void test_quiet_passes_exactly(void **state)
{
    (void)state;
    float *x = malloc(sizeof(float) * 2 * N);
    int lat = 0;
    assert_non_null(x);
    for (int i = 0; i < 2 * N; i++)
        x[i] = (float)(0.3 * frand()); /* under -1 dBTP even between samples */
    assert_true(eng_tp_buffer(x, N) < 0.85f);
    float *y = limit(x, N, -1.0, &lat);
    assert_true(lat > 0);
    assert_memory_equal(x, y, sizeof(float) * 2 * N);
    free(x);
    free(y);
}

static void test_detector_finds_intersample_peak(void **state)
{
    (void)state;
    float x[2 * 4800];
    float sp = 0;
    for (int i = 0; i < 4800; i++) {
        x[2 * i] = x[2 * i + 1] = (float)sin(M_PI / 2 * i + M_PI / 4);
        if (fabsf(x[2 * i]) > sp)
            sp = fabsf(x[2 * i]);
    }
    float tp = eng_tp_buffer(x, 4800);
    assert_float_equal(sp, 0.7071, 1e-3);
    assert_float_equal(tp, 1.0, 0.02);
    /* the same in blocks with history */
    eng_tp d;
    float best = 0;
    eng_tp_init(&d);
    for (int i = 0; i < 4800; i += 100) {
        float p = eng_tp_block(&d, x + 2 * i, 100);
        if (p > best)
            best = p;
    }
    assert_float_equal(best, 1.0, 0.02);
    /* planar, as the renderer's meters measure a block */
    float l[960], r[960], spk;
    for (int i = 0; i < 960; i++) {
        l[i] = x[2 * i];
        r[i] = 0.5f * x[2 * i];
    }
    assert_float_equal(eng_tp_planar(l, r, 960, &spk), 1.0, 0.02);
    assert_float_equal(spk, 0.7071, 1e-3);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_null(eng_tplim_new(100, -1, 50));
    assert_null(eng_tplim_new(SR, 3, 50));
    assert_null(eng_tplim_new(SR, NAN, 50));
    assert_null(eng_tplim_new(SR, -1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overs_stay_under),
        cmocka_unit_test(test_quiet_passes_exactly),
        cmocka_unit_test(test_detector_finds_intersample_peak),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
