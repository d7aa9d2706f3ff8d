/* bench_render.c -- render speed of the mix engine, in x realtime on one
 * core (CPU time of the rendering thread, best of 3 passes): the dense
 * project (3 minutes, 16 tracks with EQ + compressor, 4 buses with reverb
 * + delay, clips everywhere) and the sparse one (the same, each track's
 * clips covering 40 % of the song), on every dispatch path (plain, sse2,
 * avx2; simd.h) with skipping silence off and on. In the same run: the
 * plain sum of the same source buffers (the memory-bandwidth ceiling) and,
 * with a third argument `ffmpeg`, ffmpeg's amix + volume on the same
 * material written as WAV. Prints figures only; never fails on time.
 * Usage: bench_render [seconds=180] [passes=3] [ffmpeg]
 * BENCH_ONLY=project:path:skip (e.g. dense:avx2:off) runs that row only,
 * for counting instructions with callgrind --toggle-collect=eng_render. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sndfile.h>

#include "tests/bench/bench_render_proj.h"

#define NTRACKS 16

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 180;
    int passes = argc > 2 ? atoi(argv[2]) : 3;
    bool with_ffmpeg = argc > 3 && strcmp(argv[3], "ffmpeg") == 0;
    int64_t frames = (int64_t)seconds * BR_SR, loop = (int64_t)BR_LOOP_SECONDS * BR_SR;
    static const char *paths[] = {"plain", "sse2", "avx2"};
    double peak = 0;

    if (seconds <= 0 || passes <= 0) {
        fprintf(stderr, "usage: bench_render [seconds=180] [passes=3] [ffmpeg]\n");
        return 2;
    }
    br_make_assets();
    printf("bench_render: %d s project, %d tracks (EQ 3 bands + compressor), "
           "%d buses (reverb + delay), %d Hz, block %d; CPU time of one "
           "thread, best of %d\n",
           seconds, NTRACKS, NTRACKS / 4, BR_SR, BR_BLOCK, passes);
    printf("  %-7s %-6s %-5s %9s %11s %10s\n", "project", "path", "skip",
           "CPU s", "x realtime", "vs sse2/off");
    for (int sp = 0; sp < 2; sp++) {
        eng_plan *plan = br_plan(NTRACKS, seconds, sp == 1);
        double base = 0, ref = -1;
        for (int k = 0; k < 3; k++)
            for (int skip = 0; skip < 2; skip++) {
                if (skip && k != 2)
                    continue; /* skipping: on the fastest path only */
                double sum = 0;
                char row[64];
                snprintf(row, sizeof row, "%s:%s:%s", sp ? "sparse" : "dense",
                         paths[k], skip ? "on" : "off");
                if (getenv("BENCH_ONLY") && strcmp(getenv("BENCH_ONLY"), row) != 0)
                    continue;
                double t = br_time(plan, seconds, paths[k], skip, passes, &sum);
                if (t < 0) {
                    printf("  %-7s %-6s %-5s   (not on this CPU)\n",
                           sp ? "sparse" : "dense", paths[k], skip ? "on" : "off");
                    continue;
                }
                if (k == 1 && !skip)
                    base = t;
                if (!skip && ref < 0)
                    ref = sum;
                printf("  %-7s %-6s %-5s %9.3f %11.1f %10.2f%s\n",
                       sp ? "sparse" : "dense", paths[k], skip ? "on" : "off",
                       t, seconds / t, base > 0 ? base / t : 0.0,
                       !skip && sum != ref ? "  (checksum differs!)" : "");
                peak += sum;
            }
        eng_plan_release(plan);
    }
    eng_simd_select(eng_simd()->name);

    /* the plain sum of the same buffers with a gain each (bandwidth ceiling) */
    float *acc = malloc(sizeof(float) * 2 * BR_BLOCK);
    double t0 = now();
    for (int64_t pos = 0; pos < frames; pos += BR_BLOCK) {
        int n = frames - pos < BR_BLOCK ? (int)(frames - pos) : BR_BLOCK;
        memset(acc, 0, sizeof(float) * 2 * (size_t)n);
        for (int t = 0; t < NTRACKS; t++) {
            const float *s = br_assets[t]->samples + 2 * (pos % loop);
            int m = (int)(loop - pos % loop) < n ? (int)(loop - pos % loop) : n;
            for (int i = 0; i < 2 * m; i++)
                acc[i] += 0.5f * s[i];
            for (int i = 2 * m; i < 2 * n; i++)
                acc[i] += 0.5f * br_assets[t]->samples[i - 2 * m];
        }
        peak = fmax(peak, fabs(acc[0]));
    }
    double t_sum = now() - t0;
    printf("  plain sum   %8.3f s  %8.1f x realtime (memory-bandwidth ceiling, wall)\n",
           t_sum, seconds / t_sum);

    /* 3. ffmpeg amix + volume on the same 16 sources */
    if (!with_ffmpeg) {
        printf("  ffmpeg amix: not run (third argument `ffmpeg` runs it)\n");
    } else if (system("command -v ffmpeg >/dev/null 2>&1") == 0) {
        char dir[] = "/tmp/mx-bench-XXXXXX", cmd[8192], path[128];
        if (!mkdtemp(dir))
            goto done;
        for (int t = 0; t < BR_SOURCES; t++) {
            SF_INFO si = {.samplerate = BR_SR, .channels = 2,
                          .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
            snprintf(path, sizeof path, "%s/t%d.wav", dir, t);
            SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
            if (!sf)
                goto done;
            sf_writef_float(sf, br_assets[t]->samples, loop);
            sf_close(sf);
        }
        int len = snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -y");
        for (int t = 0; t < BR_SOURCES; t++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len,
                            " -stream_loop %d -i %s/t%d.wav",
                            seconds / BR_LOOP_SECONDS, dir, t);
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " -filter_complex \"");
        for (int t = 0; t < BR_SOURCES; t++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len,
                            "[%d]volume=0.5[v%d];", t, t);
        for (int t = 0; t < BR_SOURCES; t++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len, "[v%d]", t);
        snprintf(cmd + len, sizeof cmd - (size_t)len,
                 "amix=inputs=%d:normalize=0\" -t %d -threads 1 "
                 "-filter_threads 1 -f f32le - >/dev/null",
                 BR_SOURCES, seconds);
        t0 = now();
        int rc = system(cmd);
        double t_ff = now() - t0;
        if (rc == 0)
            printf("  ffmpeg amix %8.3f s  %8.1f x realtime (decode + volume + amix)\n",
                   t_ff, seconds / t_ff);
        else
            printf("  ffmpeg amix failed (rc %d)\n", rc);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        printf("  ffmpeg not installed (apt-get install ffmpeg) -- skipped\n");
    }
done:
    printf("  (checksum %g)\n", peak);
    free(acc);
    br_free_assets();
    return 0;
}
