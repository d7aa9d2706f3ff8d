/* bench_render_wide.c -- render speed of wide projects: 16, 64 and 128
 * tracks (EQ + compressor each, one bus with reverb + delay per four
 * tracks), dense (clips everywhere) and sparse (each track's clips cover
 * 40 % of the song), in x realtime on one core and in CPU microseconds per
 * track-second, on the sse2 path without skipping (the algorithm main had)
 * and on the best path with skipping silence. The 16-track row is the
 * baseline of the same run. Prints figures only; never fails on time.
 * Usage: bench_render_wide [seconds=60] [passes=2] */
#include <stdio.h>
#include <stdlib.h>

#include "tests/bench/bench_render_proj.h"

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    int passes = argc > 2 ? atoi(argv[2]) : 2;
    static const int widths[] = {16, 64, 128};
    const char *best = eng_simd()->name;

    if (seconds <= 0 || passes <= 0) {
        fprintf(stderr, "usage: bench_render_wide [seconds=60] [passes=2]\n");
        return 2;
    }
    br_make_assets();
    printf("bench_render_wide: %d s projects, %d Hz, block %d; CPU time of one "
           "thread, best of %d; best path here: %s\n",
           seconds, BR_SR, BR_BLOCK, passes, best);
    printf("  %-7s %6s %-10s %9s %11s %14s %12s\n", "project", "tracks",
           "path", "CPU s", "x realtime", "us/track-s", "vs 16 tracks");
    for (int sp = 0; sp < 2; sp++) {
        double base[2] = {0, 0};
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            eng_plan *plan = br_plan(widths[w], seconds, sp == 1);
            for (int k = 0; k < 2; k++) {
                double sum = 0;
                double t = br_time(plan, seconds, k ? best : "sse2", k == 1,
                                   passes, &sum);
                double per = t * 1e6 / ((double)widths[w] * seconds);
                if (w == 0)
                    base[k] = per;
                printf("  %-7s %6d %-10s %9.3f %11.1f %14.1f %12.2f\n",
                       sp ? "sparse" : "dense", widths[w],
                       k ? "best+skip" : "sse2/off", t, seconds / t, per,
                       base[k] > 0 ? per / base[k] : 0.0);
            }
            eng_plan_release(plan);
        }
    }
    eng_simd_select(best);
    br_free_assets();
    return 0;
}
