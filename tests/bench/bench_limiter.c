/* bench_limiter.c -- CPU cost of the true-peak limiter and the meters'
 * true-peak detector (engine/limiter.h), with baselines from the same run:
 * a plain gain pass over the same buffer and libebur128's own measurement
 * (integrated loudness + true peak, engine/loudness.c). Prints CPU seconds
 * per second of 48 kHz stereo audio and x realtime; never fails on time.
 * Usage: bench_limiter [seconds] (default 60). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/limiter.h"
#include "engine/loudness.h"

#define SR 48000

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* music-like: a chord, a bass and a decaying hit every 250 ms, at amp */
static void fill(float *x, int n, double amp)
{
    unsigned r = 7;
    for (int i = 0; i < n; i++) {
        double t = (double)i / SR, hit = exp(-(i % (SR / 4)) / 400.0);
        r = r * 1664525u + 1013904223u;
        double nz = ((double)r / 4294967296.0 * 2 - 1) * hit;
        double c = 0.3 * sin(2 * M_PI * 220 * t) + 0.2 * sin(2 * M_PI * 277 * t) +
                   0.2 * sin(2 * M_PI * 330 * t) + 0.4 * sin(2 * M_PI * 55 * t);
        x[2 * i] = (float)(amp * (0.6 * c + 0.5 * nz));
        x[2 * i + 1] = (float)(amp * (0.6 * c - 0.5 * nz));
    }
}

int main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 60;
    int n = SR * (secs > 0 ? secs : 60);
    float *x = malloc(sizeof(float) * 2 * (size_t)n);
    float *y = malloc(sizeof(float) * 2 * (size_t)n);
    if (!x || !y)
        return 1;
    printf("%d s of 48 kHz stereo; CPU s per audio s (x realtime)\n", n / SR);
    for (int hot = 0; hot < 2; hot++) {
        fill(x, n, hot ? 2.0 : 0.3);
        double t0 = cpu();
        for (int i = 0; i < 2 * n; i++)
            y[i] = x[i] * 0.891f;
        double tg = cpu() - t0;
        eng_loudness lo;
        t0 = cpu();
        eng_loudness_buffer(x, n, SR, &lo);
        double te = cpu() - t0;
        eng_tplim *l = eng_tplim_new(SR, -1.0, 50);
        t0 = cpu();
        for (int i = 0; i < n; i += 4096)
            eng_tplim_process(l, x + 2 * i, y + 2 * i, n - i < 4096 ? n - i : 4096);
        double tl = cpu() - t0;
        double mg = eng_tplim_min_gain(l);
        eng_tplim_free(l);
        /* the meters: planar blocks of 960 frames */
        float *L = malloc(sizeof(float) * 960), *R = malloc(sizeof(float) * 960);
        float peak = 0, sp;
        t0 = cpu();
        for (int b = 0; b + 960 <= n; b += 960) {
            for (int i = 0; i < 960; i++) {
                L[i] = x[2 * (b + i)];
                R[i] = x[2 * (b + i) + 1];
            }
            float p = eng_tp_planar(L, R, 960, &sp);
            if (p > peak)
                peak = p;
        }
        double tm = cpu() - t0;
        free(L);
        free(R);
        double a = n / (double)SR;
        printf("%s (input %+.1f dBTP, %.1f LUFS; limiter's deepest gain %.1f dB)\n",
               hot ? "hot" : "quiet", lo.true_peak_db, lo.integrated, 20 * log10(mg));
        printf("  gain pass            %.4f  (%.0fx)\n", tg / a, a / tg);
        printf("  libebur128 I + TP    %.4f  (%.0fx)\n", te / a, a / te);
        printf("  true-peak limiter    %.4f  (%.0fx)  = %.2f x libebur128\n", tl / a, a / tl, tl / te);
        printf("  meter eng_tp_planar  %.4f  (%.0fx)  = %.2f x libebur128\n", tm / a, a / tm, tm / te);
    }
    free(x);
    free(y);
    return 0;
}
