/* bench_streams.c -- how many live preview streams one core sustains: a
 * 16-track project (EQ + compressor on every track, 4 buses with reverb
 * and delay) rendered and Opus-encoded 20 ms at a time (engine/
 * opus_stream), first as a cost per packet, then N streams paced on one
 * thread with absolute CLOCK_MONOTONIC deadlines (as the server's pacing
 * threads do), counting packets finished after their due time. For the
 * encode-only ceiling: libopus alone on the same PCM, and the `opusenc`
 * tool on a WAV of it. Prints figures; never fails on time.
 * Usage: bench_streams [seconds_per_trial (default 5)] */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <opus.h>

#include "engine/demo_audio.h"
#include "engine/opus_stream.h"
#include "engine/plan.h"
#include "engine/render.h"
#include "tests/bench/bench_util.h"

#define SR 48000
#define NTRACKS 16
#define NBUSES 4
#define LOOP_SECONDS 10
#define MAX_STREAMS 1024

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

static eng_plan *make_plan(void)
{
    int64_t loop = (int64_t)LOOP_SECONDS * SR, frames = 600LL * SR;
    float *src = malloc(sizeof(float) * 2 * (size_t)loop);
    uint32_t st = 7;

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
    bench_add(doc, "{'id':'project','kind':'project','sample_rate':%d}", SR);
    for (int b = 0; b < NBUSES; b++) {
        bench_add(doc, "{'id':'b%d','kind':'track','order':'z%d','role':'bus'}", b, b);
        bench_add(doc, "{'id':'rv%d','kind':'effect','track':'b%d','type':'reverb',"
                 "'order':'a','params':{'size':0.6,'mix':0.3}}", b, b);
        bench_add(doc, "{'id':'dl%d','kind':'effect','track':'b%d','type':'delay',"
                 "'order':'b','params':{'feedback':0.4}}", b, b);
    }
    for (int t = 0; t < NTRACKS; t++) {
        bench_add(doc, "{'id':'t%d','kind':'track','order':'a%02d','gain':-6,"
                 "'output':'b%d'}", t, t, t % NBUSES);
        bench_add(doc, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                 "'order':'a','params':{'bands':[{'type':'highpass','freq':40,'q':0.7},"
                 "{'type':'peak','freq':%d,'gain':3,'q':1.2}]}}", t, t,
            200 + 100 * t);
        bench_add(doc, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                 "'order':'b','params':{'threshold':-20,'ratio':3}}", t, t);
        for (int64_t s = 0, k = 0; s < frames; s += loop, k++)
            bench_add(doc, "{'id':'c%d_%d','kind':'clip','track':'t%d','asset':'a%d',"
                     "'start':%lld,'length':%lld}", t, (int)k, t, t,
                (long long)s, (long long)loop);
    }
    eng_plan *p = eng_plan_build_objects(doc, lookup, NULL);
    json_decref(doc);
    return p;
}

struct bstream {
    eng_renderer *r;
    eng_opus_stream *enc;
    int64_t pos;
};

/* N streams on this thread for `seconds`, 5 packets of lead, absolute
 * deadlines; returns packets finished after their play time. */
static long run_realtime(eng_plan *plan, int n, double seconds, long *total)
{
    struct bstream *s = calloc((size_t)n, sizeof *s);
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    long late = 0;
    struct timespec t0;

    for (int i = 0; i < n; i++) {
        s[i].r = eng_renderer_new(NULL, plan, ENG_OPUS_FRAME);
        s[i].enc = eng_opus_stream_new(s[i].r, SR, 128000, 8);
        s[i].pos = (int64_t)i * 4800;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long long start = t0.tv_sec * 1000000000LL + t0.tv_nsec;
    long packets = (long)(seconds * 50);
    *total = 0;
    for (long k = 0; k < packets; k++) {
        long long due = start + (k - 5) * 20000000LL; /* send time */
        struct timespec ts = {(time_t)(due / 1000000000LL),
                              (long)(due % 1000000000LL)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        for (int i = 0; i < n; i++) {
            eng_opus_stream_next(s[i].enc, s[i].pos, pkt, sizeof pkt);
            s[i].pos += ENG_OPUS_FRAME;
            struct timespec tn;
            clock_gettime(CLOCK_MONOTONIC, &tn);
            long long t = tn.tv_sec * 1000000000LL + tn.tv_nsec;
            /* after its play time: the client starts playing packet 0
             * one lead (100 ms) after the burst */
            if (t > start + (k + 5) * 20000000LL)
                late++;
            (*total)++;
        }
    }
    for (int i = 0; i < n; i++) {
        eng_opus_stream_free(s[i].enc);
        eng_renderer_free(s[i].r);
    }
    free(s);
    return late;
}

int main(int argc, char **argv)
{
    double trial = argc > 1 ? atof(argv[1]) : 5.0;
    eng_plan *plan = make_plan();
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    const int npk = 1500; /* 30 s */

    if (!plan) {
        fprintf(stderr, "plan build failed\n");
        return 1;
    }
    /* 1. cost per packet: render + encode, and the PCM for later */
    eng_renderer *r = eng_renderer_new(NULL, plan, ENG_OPUS_FRAME);
    eng_opus_stream *enc = eng_opus_stream_new(r, SR, 128000, 8);
    float *pcm = malloc(sizeof(float) * 2 * ENG_OPUS_FRAME * npk);
    float *blk = malloc(sizeof(float) * 2 * ENG_OPUS_FRAME);
    double t0 = now();
    for (int k = 0; k < npk; k++) {
        eng_opus_stream_next(enc, (int64_t)k * ENG_OPUS_FRAME, pkt, sizeof pkt);
        memcpy(pcm + (size_t)k * 2 * ENG_OPUS_FRAME, eng_opus_stream_pcm(enc),
               sizeof(float) * 2 * ENG_OPUS_FRAME);
    }
    double per_both = (now() - t0) / npk;
    t0 = now();
    for (int k = 0; k < npk; k++)
        eng_render(r, (int64_t)k * ENG_OPUS_FRAME, blk, ENG_OPUS_FRAME);
    double per_render = (now() - t0) / npk;
    eng_opus_stream_free(enc);
    eng_renderer_free(r);

    /* 2. encode only (libopus on the same PCM) */
    int err;
    OpusEncoder *oe = opus_encoder_create(SR, 2, OPUS_APPLICATION_AUDIO, &err);
    opus_encoder_ctl(oe, OPUS_SET_BITRATE(128000));
    opus_encoder_ctl(oe, OPUS_SET_COMPLEXITY(8));
    t0 = now();
    long bytes = 0;
    for (int k = 0; k < npk; k++)
        bytes += opus_encode_float(oe, pcm + (size_t)k * 2 * ENG_OPUS_FRAME,
                                   ENG_OPUS_FRAME, pkt, sizeof pkt);
    double per_enc = (now() - t0) / npk;
    opus_encoder_destroy(oe);

    printf("(libopus alone: %.0f kb/s average)\n", bytes * 8.0 / (npk * 0.02) / 1000);
    printf("16 tracks (EQ+compressor each), 4 buses (reverb+delay), 48 kHz, "
           "Opus 128 kb/s complexity 8\n");
    printf("per 20 ms packet: render %.3f ms, render+encode %.3f ms, libopus "
           "encode only %.3f ms\n",
           per_render * 1e3, per_both * 1e3, per_enc * 1e3);
    printf("estimate: %.0f streams per core (render+encode), encode-only "
           "ceiling %.0f streams per core\n",
           0.020 / per_both, 0.020 / per_enc);

    /* 3. the real-time trial: largest N with no late packet */
    int est = (int)(0.020 / per_both);
    int best = 0;
    for (int n = (int)(est * 0.95); n >= 1; n = (int)(n * 0.9)) {
        long total;
        if (n > MAX_STREAMS)
            n = MAX_STREAMS;
        long late = run_realtime(plan, n, trial, &total);
        printf("real time, one thread: %d streams for %.0f s: %ld late of %ld "
               "packets\n", n, trial, late, total);
        if (late == 0) {
            best = n;
            break;
        }
    }
    printf("sustained without a late packet: %d streams on one core\n", best);

    /* 4. opusenc on the same 30 s of PCM */
    char wav[] = "/tmp/bench_streams_XXXXXX.wav", cmd[512];
    int fd = mkstemps(wav, 4);
    if (fd >= 0) {
        close(fd);
        eng_write_wav(wav, pcm, 2, (int64_t)npk * ENG_OPUS_FRAME, SR, 1);
        snprintf(cmd, sizeof cmd,
                 "opusenc --quiet --bitrate 128 --comp 8 --framesize 20 %s "
                 "/dev/null 2>/dev/null", wav);
        t0 = now();
        int rc = system(cmd);
        double t = now() - t0;
        if (rc == 0)
            printf("opusenc (same 30 s of PCM, 128 kb/s, comp 8, 20 ms): %.0fx "
                   "real time = %.0f streams per core (process start "
                   "included)\n", 30.0 / t, 30.0 / t);
        else
            printf("opusenc not available\n");
        unlink(wav);
    }
    free(pcm);
    free(blk);
    eng_plan_release(plan);
    for (int t = 0; t < NTRACKS; t++)
        eng_asset_release(assets[t]);
    return 0;
}
