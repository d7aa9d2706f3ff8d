/* bench_render.c -- render speed of the mix engine: a 3-minute project with
 * 16 tracks (EQ + compressor on each) routed to 4 buses (reverb + delay
 * each), in x realtime on one core; in the same run, the plain sum of the
 * same source buffers (the memory-bandwidth ceiling) and, when ffmpeg is
 * installed, ffmpeg's amix + volume on the same material written as WAV.
 * Prints figures only; never fails on time.
 * Usage: bench_render [seconds=180] */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sndfile.h>

#include "engine/asset.h"
#include "tests/bench/bench_util.h"
#include "engine/plan.h"
#include "engine/render.h"

#define SR 48000
#define NTRACKS 16
#define NBUSES 4
#define LOOP_SECONDS 10
#define BLOCK 1024

static eng_asset *assets[NTRACKS];

static eng_asset *lookup(void *ctx, const char *id)
{
    (void)ctx;
    int i = atoi(id + 1);
    return i >= 0 && i < NTRACKS ? assets[i] : NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 180;
    int64_t frames = (int64_t)seconds * SR, loop = (int64_t)LOOP_SECONDS * SR;
    uint32_t st = 1;

    /* sources: 10 s of a decaying tone plus noise per track, stereo */
    float *src = malloc(sizeof(float) * 2 * (size_t)loop);
    for (int t = 0; t < NTRACKS; t++) {
        double f = 55.0 * pow(2.0, t / 4.0);
        for (int64_t i = 0; i < loop; i++) {
            st ^= st << 13, st ^= st >> 17, st ^= st << 5;
            double env = exp(-(double)(i % (SR / 2)) / (SR / 8.0));
            double x = 0.3 * env * sin(2 * M_PI * f * (double)i / SR) +
                       0.05 * ((double)st / 2147483648.0 - 1.0);
            src[2 * i] = (float)x;
            src[2 * i + 1] = (float)(x * 0.9);
        }
        assets[t] = eng_asset_from_memory(src, 2, loop, SR);
    }
    free(src);

    json_t *doc = json_array();
    bench_add(doc, "{'id':'project','kind':'project','sample_rate':%d,'tempo':120,"
             "'master_gain':-6}", SR);
    for (int b = 0; b < NBUSES; b++) {
        bench_add(doc, "{'id':'b%d','kind':'track','order':'z%d','role':'bus','gain':-3}", b, b);
        bench_add(doc, "{'id':'rv%d','kind':'effect','track':'b%d','type':'reverb',"
                 "'order':'a','params':{'size':0.6,'mix':0.3}}", b, b);
        bench_add(doc, "{'id':'dl%d','kind':'effect','track':'b%d','type':'delay',"
                 "'order':'b','params':{'sync':'1/8d','feedback':0.4}}", b, b);
    }
    for (int t = 0; t < NTRACKS; t++) {
        bench_add(doc, "{'id':'t%d','kind':'track','order':'a%02d','gain':-4,"
                 "'pan':%g,'output':'b%d'}", t, t, -0.8 + 0.1 * t, t % NBUSES);
        bench_add(doc, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                 "'order':'a','params':{'bands':[{'type':'highpass','freq':40,'q':0.7},"
                 "{'type':'peak','freq':%d,'gain':3,'q':1.2},"
                 "{'type':'highshelf','freq':8000,'gain':-2,'q':0.7}]}}",
            t, t, 200 + 100 * t);
        bench_add(doc, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                 "'order':'b','params':{'threshold':-20,'ratio':3}}", t, t);
        for (int64_t s = 0, k = 0; s < frames; s += loop, k++)
            bench_add(doc, "{'id':'c%d_%d','kind':'clip','track':'t%d','asset':'a%d',"
                     "'start':%lld,'offset':0,'length':%lld}", t, (int)k, t, t,
                (long long)s, (long long)(frames - s < loop ? frames - s : loop));
    }
    eng_plan *plan = eng_plan_build_objects(doc, lookup, NULL);
    json_decref(doc);
    if (!plan) {
        fprintf(stderr, "plan build failed\n");
        return 1;
    }

    /* 1. the engine */
    eng_renderer *r = eng_renderer_new(NULL, plan, BLOCK);
    float *out = malloc(sizeof(float) * 2 * BLOCK);
    double t0 = now(), peak = 0;
    for (int64_t pos = 0; pos < frames; pos += BLOCK) {
        int n = frames - pos < BLOCK ? (int)(frames - pos) : BLOCK;
        eng_render(r, pos, out, n);
        peak = fmax(peak, fabs(out[0]));
    }
    double t_engine = now() - t0;
    eng_renderer_free(r);

    /* 2. plain sum of the same buffers with a gain each (bandwidth ceiling) */
    float *acc = malloc(sizeof(float) * 2 * BLOCK);
    t0 = now();
    for (int64_t pos = 0; pos < frames; pos += BLOCK) {
        int n = frames - pos < BLOCK ? (int)(frames - pos) : BLOCK;
        memset(acc, 0, sizeof(float) * 2 * (size_t)n);
        for (int t = 0; t < NTRACKS; t++) {
            const float *s = assets[t]->samples + 2 * (pos % loop);
            int m = (int)(loop - pos % loop) < n ? (int)(loop - pos % loop) : n;
            for (int i = 0; i < 2 * m; i++)
                acc[i] += 0.5f * s[i];
            for (int i = 2 * m; i < 2 * n; i++)
                acc[i] += 0.5f * assets[t]->samples[i - 2 * m];
        }
        peak = fmax(peak, fabs(acc[0]));
    }
    double t_sum = now() - t0;

    printf("bench_render: %d s project, %d tracks (EQ 3 bands + compressor), "
           "%d buses (reverb + delay), %d Hz, block %d\n",
           seconds, NTRACKS, NBUSES, SR, BLOCK);
    printf("  engine      %8.3f s  %8.1f x realtime (one core)\n", t_engine,
           seconds / t_engine);
    printf("  plain sum   %8.3f s  %8.1f x realtime (memory-bandwidth ceiling)\n",
           t_sum, seconds / t_sum);

    /* 3. ffmpeg amix + volume on the same 16 sources */
    if (system("command -v ffmpeg >/dev/null 2>&1") == 0) {
        char dir[] = "/tmp/mx-bench-XXXXXX", cmd[8192], path[128];
        if (!mkdtemp(dir))
            goto done;
        for (int t = 0; t < NTRACKS; t++) {
            SF_INFO si = {.samplerate = SR, .channels = 2,
                          .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
            snprintf(path, sizeof path, "%s/t%d.wav", dir, t);
            SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
            if (!sf)
                goto done;
            sf_writef_float(sf, assets[t]->samples, loop);
            sf_close(sf);
        }
        int len = snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -y");
        for (int t = 0; t < NTRACKS; t++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len,
                            " -stream_loop %d -i %s/t%d.wav",
                            seconds / LOOP_SECONDS, dir, t);
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " -filter_complex \"");
        for (int t = 0; t < NTRACKS; t++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len,
                            "[%d]volume=0.5[v%d];", t, t);
        for (int t = 0; t < NTRACKS; t++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len, "[v%d]", t);
        snprintf(cmd + len, sizeof cmd - (size_t)len,
                 "amix=inputs=%d:normalize=0\" -t %d -threads 1 "
                 "-filter_threads 1 -f f32le - >/dev/null",
                 NTRACKS, seconds);
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
    free(out);
    eng_plan_release(plan);
    for (int t = 0; t < NTRACKS; t++)
        eng_asset_release(assets[t]);
    return 0;
}
