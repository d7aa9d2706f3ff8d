/* test_dsp.c -- golden tests of the DSP building blocks: pan law, fade
 * curves, EQ magnitude against the analytic RBJ response, compressor static
 * curve, limiter ceiling, delay timing and sync, reverb decay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp.h"

#define FS 48000.0

static void test_pan_law(void **state)
{
    float l, r;
    (void)state;
    eng_pan_gains(-1.0, &l, &r);
    assert_float_equal(l, 1.0f, 1e-7);
    assert_float_equal(r, 0.0f, 0.0);
    eng_pan_gains(0.0, &l, &r);
    assert_float_equal(l, (float)M_SQRT1_2, 1e-7);
    assert_float_equal(r, (float)M_SQRT1_2, 1e-7);
    assert_float_equal(20 * log10(l), -3.0103, 1e-3);
    eng_pan_gains(1.0, &l, &r);
    assert_float_equal(l, 0.0f, 0.0);
    assert_float_equal(r, 1.0f, 1e-7);
    /* constant power everywhere */
    for (double p = -1; p <= 1.0001; p += 0.125) {
        eng_pan_gains(p, &l, &r);
        assert_float_equal(l * l + r * r, 1.0, 1e-6);
    }
    eng_pan_gains(5.0, &l, &r); /* clamped */
    assert_float_equal(r, 1.0f, 1e-7);
}

static void test_fades(void **state)
{
    (void)state;
    assert_float_equal(eng_fade_in_gain(0), 0.0, 0.0);
    assert_float_equal(eng_fade_in_gain(1), 1.0, 1e-7);
    assert_float_equal(eng_fade_in_gain(0.5), M_SQRT1_2, 1e-7);
    assert_float_equal(eng_fade_out_gain(0), 1.0, 1e-7);
    assert_float_equal(eng_fade_out_gain(1), 0.0, 0.0);
    for (double t = 0; t <= 1.0; t += 0.05) {
        double a = eng_fade_in_gain(t), b = eng_fade_out_gain(t);
        assert_float_equal(a * a + b * b, 1.0, 1e-6); /* equal power */
        assert_float_equal(a, sin(t * M_PI / 2), 1e-6);
    }
}

static void test_db(void **state)
{
    (void)state;
    assert_float_equal(eng_db_to_lin(-6.0), pow(10, -0.3), 1e-7);
    assert_float_equal(eng_db_to_lin(-200.0), 0.0, 0.0);
    assert_float_equal(eng_lin_to_db(0.5), -6.0206, 1e-4);
}

/* Independent analytic response of the RBJ cookbook filters (double). */
static double rbj_mag_db(int type, double f0, double g, double q, double f)
{
    double A = pow(10, g / 40), w0 = 2 * M_PI * f0 / FS, c = cos(w0);
    double al = sin(w0) / (2 * q), s = 2 * sqrt(A) * al;
    double b[3], a[3];
    switch (type) {
    case ENG_EQ_PEAK:
        b[0] = 1 + al * A; b[1] = -2 * c; b[2] = 1 - al * A;
        a[0] = 1 + al / A; a[1] = -2 * c; a[2] = 1 - al / A;
        break;
    case ENG_EQ_LOWSHELF:
        b[0] = A * ((A + 1) - (A - 1) * c + s);
        b[1] = 2 * A * ((A - 1) - (A + 1) * c);
        b[2] = A * ((A + 1) - (A - 1) * c - s);
        a[0] = (A + 1) + (A - 1) * c + s;
        a[1] = -2 * ((A - 1) + (A + 1) * c);
        a[2] = (A + 1) + (A - 1) * c - s;
        break;
    case ENG_EQ_HIGHSHELF:
        b[0] = A * ((A + 1) + (A - 1) * c + s);
        b[1] = -2 * A * ((A - 1) + (A + 1) * c);
        b[2] = A * ((A + 1) + (A - 1) * c - s);
        a[0] = (A + 1) - (A - 1) * c + s;
        a[1] = 2 * ((A - 1) - (A + 1) * c);
        a[2] = (A + 1) - (A - 1) * c - s;
        break;
    case ENG_EQ_LOWPASS:
        b[0] = (1 - c) / 2; b[1] = 1 - c; b[2] = (1 - c) / 2;
        a[0] = 1 + al; a[1] = -2 * c; a[2] = 1 - al;
        break;
    default:
        b[0] = (1 + c) / 2; b[1] = -(1 + c); b[2] = (1 + c) / 2;
        a[0] = 1 + al; a[1] = -2 * c; a[2] = 1 - al;
        break;
    }
    double complex z = cexp(-I * 2 * M_PI * f / FS);
    double complex num = b[0] + b[1] * z + b[2] * z * z;
    double complex den = a[0] + a[1] * z + a[2] * z * z;
    return 20 * log10(cabs(num) / cabs(den));
}

/* Measured gain (dB) of a sine at f through the EQ, after settling. */
static double measure_eq(eng_eq *eq, double f)
{
    int n = 48000;
    float *l = malloc(sizeof(float) * (size_t)n), *r = malloc(sizeof(float) * (size_t)n);
    double in = 0, out = 0;
    eng_eq_reset(eq);
    for (int i = 0; i < n; i++)
        l[i] = r[i] = (float)(0.5 * sin(2 * M_PI * f * i / FS));
    for (int i = n / 2; i < n; i++)
        in += (double)l[i] * l[i];
    eng_eq_process(eq, l, r, n);
    for (int i = n / 2; i < n; i++)
        out += (double)l[i] * l[i];
    free(l);
    free(r);
    return 10 * log10(out / in);
}

static void test_eq_magnitude(void **state)
{
    static const struct { int type; double f0, g, q; } bands[] = {
        {ENG_EQ_PEAK, 1000, 6, 1.0},       {ENG_EQ_PEAK, 250, -12, 4.0},
        {ENG_EQ_LOWSHELF, 200, 9, 0.707},  {ENG_EQ_HIGHSHELF, 5000, -6, 0.707},
        {ENG_EQ_LOWPASS, 2000, 0, 0.707},  {ENG_EQ_HIGHPASS, 300, 0, 2.0},
    };
    static const double freqs[] = {60, 250, 1000, 2000, 5000, 12000};
    (void)state;
    for (size_t b = 0; b < sizeof bands / sizeof bands[0]; b++) {
        eng_eq eq;
        memset(&eq, 0, sizeof eq);
        eng_eq_band band = {bands[b].type, bands[b].f0, bands[b].g, bands[b].q};
        eng_eq_set(&eq, &band, 1, FS);
        for (size_t k = 0; k < sizeof freqs / sizeof freqs[0]; k++) {
            double want = rbj_mag_db(bands[b].type, bands[b].f0, bands[b].g,
                                     bands[b].q, freqs[k]);
            double api = eng_biquad_mag_db(&eq.coef[0], freqs[k], FS);
            assert_float_equal(api, want, 0.01);
            if (want > -40) {
                double got = measure_eq(&eq, freqs[k]);
                assert_float_equal(got, want, 0.05);
            }
        }
    }
    /* textbook points: peak at f0 = gain, lowpass at f0 = 20log10(Q) */
    assert_float_equal(rbj_mag_db(ENG_EQ_PEAK, 1000, 6, 1, 1000), 6.0, 1e-9);
    assert_float_equal(rbj_mag_db(ENG_EQ_LOWPASS, 1000, 0, 2, 1000),
                       20 * log10(2), 1e-9);
}

static void test_compressor_curve(void **state)
{
    eng_comp_params p = {-18, 4, 10, 100, 6, 0};
    static const double levels[] = {-40, -24, -21, -18, -15, -12, -6, 0};
    (void)state;
    /* the curve itself */
    assert_float_equal(eng_comp_curve(&p, -40), -40, 1e-12);
    assert_float_equal(eng_comp_curve(&p, -6), -18 + 12.0 / 4, 1e-12);
    assert_float_equal(eng_comp_curve(&p, -18), -18 + (0.25 - 1) * 9 / 12, 1e-12);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        eng_comp c;
        int n = 48000;
        float *l = malloc(sizeof(float) * (size_t)n), *r = malloc(sizeof(float) * (size_t)n);
        float x = (float)pow(10, levels[i] / 20);
        eng_comp_init(&c, FS);
        p.makeup = 3;
        eng_comp_set(&c, &p);
        eng_comp_reset(&c);
        for (int k = 0; k < n; k++)
            l[k] = r[k] = x; /* a steady level (DC) */
        eng_comp_process(&c, l, r, n);
        double got = 20 * log10(l[n - 1]);
        assert_float_equal(got, eng_comp_curve(&p, levels[i]) + 3, 0.02);
        free(l);
        free(r);
    }
}

static uint32_t rng_state = 12345;
static float frand(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 8388608.0f - 1.0f;
}

static void test_limiter_ceiling(void **state)
{
    static const double las[] = {0, 1, 5, 10};
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        eng_limiter lim;
        int n = 96000;
        float *l = malloc(sizeof(float) * (size_t)n), *r = malloc(sizeof(float) * (size_t)n);
        assert_int_equal(eng_limiter_init(&lim, FS), 0);
        eng_limiter_set(&lim, -1.0, 50, las[k]);
        float ceil_ = (float)pow(10, -1.0 / 20);
        for (int i = 0; i < n; i++) {
            float env = (i / 4800) % 2 ? 8.0f : 0.05f; /* hot bursts */
            l[i] = env * frand();
            r[i] = env * frand();
        }
        for (int off = 0; off < n; off += 1000)
            eng_limiter_process(&lim, l + off, r + off, n - off < 1000 ? n - off : 1000);
        for (int i = 0; i < n; i++) {
            assert_true(fabsf(l[i]) <= ceil_);
            assert_true(fabsf(r[i]) <= ceil_);
        }
        eng_limiter_free(&lim);
        free(l);
        free(r);
    }
    /* a quiet signal passes unchanged, delayed by the look-ahead */
    eng_limiter lim;
    float l[1000], r[1000];
    eng_limiter_init(&lim, FS);
    eng_limiter_set(&lim, -1.0, 50, 5.0);
    for (int i = 0; i < 1000; i++)
        l[i] = r[i] = 0.25f * sinf((float)i * 0.05f);
    eng_limiter_process(&lim, l, r, 1000);
    for (int i = 240; i < 1000; i++)
        assert_float_equal(l[i], 0.25f * sinf((float)(i - 240) * 0.05f), 1e-6);
    eng_limiter_free(&lim);
}

static void test_delay(void **state)
{
    eng_delay d;
    int n = 48000;
    float *l = calloc((size_t)n, sizeof(float)), *r = calloc((size_t)n, sizeof(float));
    (void)state;
    assert_float_equal(eng_delay_sync_ms("1/4", 120), 500, 1e-9);
    assert_float_equal(eng_delay_sync_ms("1/8d", 120), 375, 1e-9);
    assert_float_equal(eng_delay_sync_ms("1/4t", 120), 1000.0 / 3, 1e-9);
    assert_float_equal(eng_delay_sync_ms("1/1", 60), 4000, 1e-9);
    assert_true(eng_delay_sync_ms("1/3", 120) < 0);
    assert_int_equal(eng_delay_init(&d, FS), 0);
    eng_delay_set(&d, 100, 0.5, 0.25);
    eng_delay_reset(&d);
    eng_delay_set(&d, 100, 0.5, 0.25);
    l[0] = r[0] = 1.0f;
    eng_delay_process(&d, l, r, n);
    assert_float_equal(l[0], 0.75, 1e-6);          /* dry */
    assert_float_equal(l[4800], 0.25, 1e-6);       /* first echo */
    assert_float_equal(l[9600], 0.125, 1e-6);      /* second, x feedback */
    assert_float_equal(l[4799], 0.0, 1e-6);
    eng_delay_free(&d);
    free(l);
    free(r);
}

static void test_reverb_decays(void **state)
{
    eng_reverb rv;
    int n = 48000 * 8;
    float *l = calloc((size_t)n, sizeof(float)), *r = calloc((size_t)n, sizeof(float));
    (void)state;
    assert_int_equal(eng_reverb_init(&rv, FS), 0);
    eng_reverb_set(&rv, 0.5, 0.5, 10, 1.0);
    l[0] = r[0] = 1.0f;
    eng_reverb_process(&rv, l, r, n);
    double early = 0, late = 0;
    for (int i = 0; i < 48000; i++)
        early += (double)l[i] * l[i] + (double)r[i] * r[i];
    for (int i = n - 48000; i < n; i++)
        late += (double)l[i] * l[i] + (double)r[i] * r[i];
    assert_true(early > 1e-3);
    assert_true(late < early * 1e-9);           /* < -90 dB after 7 s */
    for (int i = 0; i < 480; i++)               /* predelay: nothing yet */
        assert_float_equal(l[i], 0.0, 1e-9);
    eng_reverb_free(&rv);
    free(l);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pan_law),
        cmocka_unit_test(test_fades),
        cmocka_unit_test(test_db),
        cmocka_unit_test(test_eq_magnitude),
        cmocka_unit_test(test_compressor_curve),
        cmocka_unit_test(test_limiter_ceiling),
        cmocka_unit_test(test_delay),
        cmocka_unit_test(test_reverb_decays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
