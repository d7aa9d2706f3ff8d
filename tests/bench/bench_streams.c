/* bench_streams.c -- how many live preview streams one core sustains: a
 * 16-track project (EQ + compressor on every track, 4 buses with reverb
 * and delay) rendered and Opus-encoded 20 ms at a time (engine/
 * opus_stream), first as a cost per packet, then N streams paced on one
 * thread with absolute CLOCK_MONOTONIC deadlines (as the server's pacing
 * threads do), counting packets finished after their due time. For the
 * encode-only ceiling: libopus alone on the same PCM, and the `opusenc`
 * tool on a WAV of it. Then listeners per core (issue 15): N listeners
 * on one thread through the server's shared sources (server/preview/
 * stream_share.c) -- groups of listeners of the same source and
 * independent ones -- with the Opus complexity controller, against the
 * same N each with its own source at complexity 8 (the server with
 * stream_share = 0 before issue 15), as thread CPU ms per stream-second,
 * streams per core and late packets; the same with the block cache
 * (engine/blockcache.h) shared by every listener's renderer, with its hit
 * rate, and the CPU of cuts (each listener seeking back 120 ms, as the
 * player does on a delta) with and without it. Prints figures; never
 * fails on time.
 * Usage: bench_streams [seconds_per_trial (default 5)]
 *        [listeners-only | cache-only (the block cache, render only)
 *         | breakdown (render by block size, Opus by application, bitrate
 *           and complexity, with the SNR of each)
 *         | independent [N=100] [complexity floor=3] [packets per
 *           render=5] [rounds=1] [rate=48000 | 44100] [block cache MiB=0]
 *           [most packets per render under load=20]:
 *           N independent listeners, 1 packet per render against that
 *           many, at that project rate, with or without a block cache
 *           shared by their renderers (h15-comp), and (no cache) with
 *           render ahead growing up to the most under load (h15-listen4);
 *           each with its whole-run and steady figures] */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <opus.h>

#include "engine/blockcache.h"
#include "engine/demo_audio.h"
#include "engine/opus_stream.h"
#include "engine/plan.h"
#include "engine/render.h"
#include "server/preview/stream_share.h"
#include "tests/bench/bench_util.h"

#define SR 48000
#define NTRACKS 16
#define NBUSES 4
#define LOOP_SECONDS 10
#define MAX_STREAMS 1024

static eng_asset *assets[NTRACKS];
/* The project's rate: SR unless `independent` is given another (set once
 * in main before the plan is made). */
static int proj_rate = SR;

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

/* The project; edit_eq0 raises t0's EQ peak (one track changed). The
 * assets are made once, so both plans share them. */
static eng_plan *make_plan_ed(bool edit_eq0)
{
    const int sr = proj_rate;
    int64_t loop = (int64_t)LOOP_SECONDS * sr, frames = 600LL * sr;
    float *src = malloc(sizeof(float) * 2 * (size_t)loop);
    uint32_t st = 7;

    const bool made = assets[0] != NULL;
    for (int t = 0; t < NTRACKS && !made; t++) {
        double f = 55.0 * pow(2.0, t / 4.0);
        for (int64_t i = 0; i < loop; i++) {
            st ^= st << 13, st ^= st >> 17, st ^= st << 5;
            double env = exp(-(double)(i % (sr / 2)) / (sr / 8.0));
            double x = 0.3 * env * sin(2 * M_PI * f * (double)i / sr) +
                       0.05 * ((double)st / 2147483648.0 - 1.0);
            src[2 * i] = (float)x;
            src[2 * i + 1] = (float)(x * 0.9);
        }
        assets[t] = eng_asset_from_memory(src, 2, loop, sr);
    }
    free(src);
    json_t *doc = json_array();
    bench_add(doc, "{'id':'project','kind':'project','sample_rate':%d}", sr);
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
                 "{'type':'peak','freq':%d,'gain':%d,'q':1.2}]}}", t, t,
            200 + 100 * t, edit_eq0 && t == 0 ? 6 : 3);
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

static eng_plan *make_plan(void)
{
    return make_plan_ed(false);
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

/* ---- listeners per core ---- */

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct listener {
    struct pv_source *src;
    uint64_t idx;
    int64_t pos;
    uint32_t seq;
};

struct lresult {
    double cpu_ms_per_stream_s;
    long late, total;
    int cmin, cmax, sources;
    /* after the warm-up (WARM_S; the whole run when it is shorter) */
    double steady_ms;
    long steady_late, steady_total;
    int ahead_max;                /* most packets per block it used */
    double rss_mib;               /* resident set at the trial's end */
};

/* Seconds of a trial left out of its steady figure (the listeners' start). */
#define WARM_S 2.0

static double rss_mib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* As the server's apply_ahead: the controller's packets per block to the
 * sources (linked from srcs[0]) when they changed, a few growing a call. */
static void apply_ahead(const struct pv_adapt *ad, int *applied,
                        bool *pending, struct pv_source **srcs,
                        eng_blockcache *bc, struct lresult *res)
{
    if (ad->ahead == *applied && !*pending)
        return;
    *applied = ad->ahead;
    *pending = !pv_sources_set_ahead(srcs[0], *applied, bc != NULL);
    if (*applied > res->ahead_max)
        res->ahead_max = *applied;
}

/* n listeners for `seconds` on this thread: the first `grouped` of them in
 * groups of `group` (one source each, all at the same position), the rest
 * with a source of their own; share = false gives every listener its own
 * source. Complexity: adaptive between lo and 8 (lo = 8: fixed), with the
 * server's prediction from the cost per packet (pv_adapt_predict, every 8
 * packets); render ahead from `ahead` up to ahead_max packets per block
 * under load, as the server's pacing threads (stream_render_ahead_max).
 * Each packet is also copied into a frame with its header, as the server
 * does. */
static struct lresult run_listeners_m(eng_plan *plan, int n, int grouped,
                                      int group, bool share, int lo,
                                      double seconds, eng_blockcache *bc,
                                      int cut_every, int ahead, int ahead_max)
{
    struct listener *l = calloc((size_t)n, sizeof *l);
    struct pv_source **srcs = calloc((size_t)n, sizeof *srcs);
    unsigned char frame[17 + ENG_OPUS_MAX_PACKET];
    struct pv_key key = {.origin = plan, .rev = 1};
    struct lresult res = {0};
    struct pv_adapt ad;
    int ns = 0;

    for (int i = 0; i < n; i++) {
        bool joins = share && i < grouped && i % group != 0;
        /* packets of 960 frames (882 at 44.1 kHz): 1 s, 100 ms apart */
        const int pf = proj_rate == SR ? ENG_OPUS_FRAME : 882;
        l[i].pos = i < grouped ? (int64_t)(i / group) * 50 * pf
                               : (int64_t)i * 5 * pf;
        if (joins) {
            l[i].src = l[i - 1].src;
        } else {
            l[i].src = pv_source_new(NULL, plan, proj_rate, 128000, 8, &key,
                                     l[i].pos);
            eng_renderer_set_block_cache(l[i].src->r, bc);
            /* as the server: with the block cache on the timeline grid */
            l[i].src->stagger = ns;
            pv_source_set_ahead(l[i].src, ahead,
                                bc ? ENG_OPUS_PHASE_TIMELINE : ns);
            if (ns > 0) /* linked, as a pacing thread's */
                srcs[ns - 1]->next = l[i].src;
            srcs[ns++] = l[i].src;
        }
        l[i].src->refs++;
    }
    res.sources = ns;
    long long start = (long long)(now() * 1e9);
    pv_adapt_init(&ad, lo, 8, 0, start);
    pv_adapt_set_ahead(&ad, ahead, bc ? ahead : ahead_max);
    int applied = ad.ahead;
    bool pending = false;
    res.ahead_max = ad.ahead;
    res.cmin = res.cmax = ad.cur;
    long packets = (long)(seconds * 50);
    long warm = seconds > WARM_S ? (long)(WARM_S * 50) : 0;
    double c0 = thread_cpu(), cw = c0;
    long late_w = 0, total_w = 0;
    for (long k = 0; k < packets; k++) {
        if (k == warm) {
            cw = thread_cpu();
            late_w = res.late;
            total_w = res.total;
        }
        long long due = start + (k - 5) * 20000000LL; /* send time */
        struct timespec ts = {(time_t)(due / 1000000000LL),
                              (long)(due % 1000000000LL)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        long long t_wake = (long long)(now() * 1e9), slack = INT64_MAX;
        long long play = start + (k + 5) * 20000000LL;
        for (int i = 0; i < n; i++) {
            bool failed;
            /* a cut: the player seeks back to 120 ms behind (its queue) */
            const int pf = pv_source_frames(l[i].src);
            if (cut_every > 0 && k > 0 && (k + i) % cut_every == 0 &&
                l[i].pos >= 6 * pf) {
                l[i].pos -= 6 * pf;
                pv_source_reset(l[i].src, &key, l[i].pos);
                l[i].idx = 0;
            }
            const struct pv_slot *sl = pv_source_get(l[i].src, l[i].idx,
                                                     l[i].pos, ad.cur,
                                                     &failed);
            if (!sl) {
                fprintf(stderr, "listener %d lost its source\n", i);
                exit(1);
            }
            frame[0] = 1;
            memcpy(frame + 1, &i, 4);
            memcpy(frame + 5, &l[i].seq, 4);
            memcpy(frame + 9, &l[i].pos, 8);
            memcpy(frame + 17, sl->pkt, (size_t)sl->len);
            l[i].idx++;
            l[i].seq++;
            l[i].pos += pf;
            long long t = (long long)(now() * 1e9);
            if (t > play)
                res.late++;
            if (play - t < slack)
                slack = play - t;
            res.total++;
            if ((i + 1) % 8 == 0)
                pv_adapt_predict(&ad, t, t - t_wake, i + 1, n);
        }
        long long t_end = (long long)(now() * 1e9);
        int c = pv_adapt_note(&ad, t_end, t_end - t_wake, slack);
        apply_ahead(&ad, &applied, &pending, srcs, bc, &res);
        if (c < res.cmin)
            res.cmin = c;
        if (c > res.cmax)
            res.cmax = c;
    }
    double c1 = thread_cpu(), cpu = c1 - c0;
    res.cpu_ms_per_stream_s = cpu * 1e3 / ((double)n * seconds);
    res.steady_ms = (c1 - cw) * 1e3 / ((double)n * (seconds - (double)warm / 50));
    res.steady_late = res.late - late_w;
    res.steady_total = res.total - total_w;
    res.rss_mib = rss_mib();
    for (int i = 0; i < n; i++)
        l[i].src->refs--;
    for (int i = 0; i < ns; i++)
        pv_source_free(srcs[i]);
    free(srcs);
    free(l);
    return res;
}

/* The same, render ahead fixed at `ahead` packets per block. */
static struct lresult run_listeners_a(eng_plan *plan, int n, int grouped,
                                      int group, bool share, int lo,
                                      double seconds, eng_blockcache *bc,
                                      int cut_every, int ahead)
{
    return run_listeners_m(plan, n, grouped, group, share, lo, seconds, bc,
                           cut_every, ahead, ahead);
}

/* The same with the server's render-ahead: 5 packets per render when
 * sharing (the server's default now), one at a time for the before
 * figure (share = false, what the server did before issue 15). */
static struct lresult run_listeners(eng_plan *plan, int n, int grouped,
                                    int group, bool share, int lo,
                                    double seconds, eng_blockcache *bc,
                                    int cut_every)
{
    return run_listeners_a(plan, n, grouped, group, share, lo, seconds, bc,
                           cut_every, share ? ENG_OPUS_AHEAD_MAX : 1);
}

static void print_listeners(const char *what, int n, struct lresult r)
{
    printf("  %-44s %4d listeners %4d sources: %.3f CPU ms per "
           "stream-second = %4.0f streams per core; late %ld of %ld; "
           "complexity %d..%d\n",
           what, n, r.sources, r.cpu_ms_per_stream_s,
           1000.0 / r.cpu_ms_per_stream_s, r.late, r.total, r.cmin, r.cmax);
    printf("  %-44s   steady (first %.0f s left out): %.3f CPU ms per "
           "stream-second = %4.0f per core; late %ld of %ld; up to %d "
           "packets per block; RSS %.0f MiB\n", "", WARM_S, r.steady_ms,
           1000.0 / r.steady_ms, r.steady_late, r.steady_total, r.ahead_max,
           r.rss_mib);
}

static void print_cache(eng_blockcache *bc)
{
    eng_blockcache_stats s;
    eng_blockcache_stats_get(bc, &s);
    double looked = (double)(s.hits + s.misses);
    printf("  %-44s block cache %zu MiB: %llu hits, %llu misses (%.0f %% "
           "hits), %llu evictions\n", "", s.slots * s.slot_bytes >> 20,
           (unsigned long long)s.hits, (unsigned long long)s.misses,
           looked > 0 ? 100.0 * (double)s.hits / looked : 0.0,
           (unsigned long long)s.evictions);
}

static void listeners_per_core(eng_plan *plan, double trial)
{
    const int group = 8;
    printf("\nlisteners per core (issue 15): one thread, 16-track project; "
           "mix = 3/4 of the listeners in groups of %d on one source, 1/4 "
           "independent\n", group);
    const int ns[] = {100, 150};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        int n = ns[k], g = n * 3 / 4 / group * group;
        print_listeners("before: each its own source, complexity 8", n,
                        run_listeners(plan, n, g, group, false, 8, trial,
                                      NULL, 0));
        print_listeners("after: mix shared, complexity 3..8", n,
                        run_listeners(plan, n, g, group, true, 3, trial,
                                      NULL, 0));
        print_listeners("after: all independent, complexity 3..8", n,
                        run_listeners(plan, n, 0, group, true, 3, trial,
                                      NULL, 0));
        /* the block cache: the spread of the listeners (n x 100 ms) of 16
         * tracks must fit (10 KB a track-block: 256 MiB for 150) */
        eng_blockcache *bc = eng_blockcache_new(256u << 20, ENG_OPUS_FRAME);
        print_listeners("after: all independent + block cache, 3..8", n,
                        run_listeners(plan, n, 0, group, true, 3, trial, bc,
                                      0));
        print_cache(bc);
        eng_blockcache_free(bc);
        bc = eng_blockcache_new(256u << 20, ENG_OPUS_FRAME);
        print_listeners("after: mix shared + block cache, 3..8", n,
                        run_listeners(plan, n, g, group, true, 3, trial, bc,
                                      0));
        print_cache(bc);
        eng_blockcache_free(bc);
    }
    /* cuts: every listener seeks back 120 ms every 25 packets (2 per
     * second, half the most a player does), independent listeners */
    const int n = 50;
    printf("\ncuts (each of %d independent listeners seeks back 120 ms "
           "twice a second), complexity 3..8\n", n);
    print_listeners("cuts, no block cache", n,
                    run_listeners(plan, n, 0, group, true, 3, trial, NULL,
                                  25));
    eng_blockcache *bc = eng_blockcache_new(256u << 20, ENG_OPUS_FRAME);
    print_listeners("cuts, block cache", n,
                    run_listeners(plan, n, 0, group, true, 3, trial, bc, 25));
    print_cache(bc);
    eng_blockcache_free(bc);
    print_listeners("no cuts, no block cache (baseline)", n,
                    run_listeners(plan, n, 0, group, true, 3, trial, NULL,
                                  0));
    printf("(late packets count only on an otherwise idle machine: a thread "
           "that gets less than a core falls behind whatever it costs)\n");
}

/* ---- the block cache, render only ---- */

/* n renderers at i x 100 ms (the independent listeners), each rendering
 * `seconds` of 20 ms blocks, round-robin; with cut_every, each seeks back
 * 120 ms every cut_every blocks (a cut). Thread CPU s per stream-second;
 * *late_hits: the hit rate over the last second. */
static double render_listeners(eng_plan *plan, int n, double seconds,
                               eng_blockcache *bc, int cut_every,
                               double *late_hits)
{
    eng_renderer **r = calloc((size_t)n, sizeof *r);
    int64_t *pos = calloc((size_t)n, sizeof *pos);
    float blk[2 * ENG_OPUS_FRAME];
    long blocks = (long)(seconds * 50);
    eng_blockcache_stats s0 = {0}, s1;

    for (int i = 0; i < n; i++) {
        r[i] = eng_renderer_new(NULL, plan, ENG_OPUS_FRAME);
        eng_renderer_set_block_cache(r[i], bc);
        pos[i] = (int64_t)i * 4800;
    }
    double c0 = thread_cpu();
    for (long k = 0; k < blocks; k++) {
        if (bc && k == blocks - 50)
            eng_blockcache_stats_get(bc, &s0);
        for (int i = n - 1; i >= 0; i--) { /* the furthest first */
            if (cut_every > 0 && k > 0 && (k + i) % cut_every == 0)
                pos[i] -= 6 * ENG_OPUS_FRAME;
            eng_render(r[i], pos[i], blk, ENG_OPUS_FRAME);
            pos[i] += ENG_OPUS_FRAME;
        }
    }
    double cpu = thread_cpu() - c0;
    *late_hits = 0;
    if (bc) {
        eng_blockcache_stats_get(bc, &s1);
        double looked = (double)(s1.hits - s0.hits + s1.misses - s0.misses);
        *late_hits = looked > 0 ? (double)(s1.hits - s0.hits) / looked : 0;
    }
    for (int i = 0; i < n; i++)
        eng_renderer_free(r[i]);
    free(r);
    free(pos);
    return cpu / ((double)n * seconds);
}

/* An export (20 s, 960-frame blocks) right after an edit of one track's
 * EQ, with the cache warmed by the export before the edit. CPU s. */
static double export_after_edit(eng_plan *before, eng_plan *after,
                                eng_blockcache *bc)
{
    float blk[2 * ENG_OPUS_FRAME];
    const int blocks = 20 * 50;
    if (bc) {
        eng_renderer *w = eng_renderer_new(NULL, before, ENG_OPUS_FRAME);
        eng_renderer_set_block_cache(w, bc);
        for (int k = 0; k < blocks; k++)
            eng_render(w, (int64_t)k * ENG_OPUS_FRAME, blk, ENG_OPUS_FRAME);
        eng_renderer_free(w);
    }
    eng_renderer *r = eng_renderer_new(NULL, after, ENG_OPUS_FRAME);
    eng_renderer_set_block_cache(r, bc);
    double c0 = thread_cpu();
    for (int k = 0; k < blocks; k++)
        eng_render(r, (int64_t)k * ENG_OPUS_FRAME, blk, ENG_OPUS_FRAME);
    double cpu = thread_cpu() - c0;
    eng_renderer_free(r);
    return cpu;
}

static void cache_only(eng_plan *plan, double seconds)
{
    double h;
    printf("block cache, render only (no Opus), one thread, 16-track "
           "project, 20 ms blocks; %.0f s per renderer\n", seconds);
    for (int round = 0; round < 2; round++) {
        for (int n = 25; n <= 100; n *= 2) {
            double off = render_listeners(plan, n, seconds, NULL, 0, &h);
            eng_blockcache *bc = eng_blockcache_new(256u << 20, ENG_OPUS_FRAME);
            double on = render_listeners(plan, n, seconds, bc, 0, &h);
            eng_blockcache_stats st;
            eng_blockcache_stats_get(bc, &st);
            printf("  %3d independent renderers 100 ms apart: %.3f -> %.3f "
                   "CPU ms per stream-second with the cache (x%.2f); hits "
                   "%.0f %% overall, %.0f %% in the last second\n", n,
                   off * 1e3, on * 1e3, off / on,
                   100.0 * (double)st.hits / (double)(st.hits + st.misses),
                   100 * h);
            eng_blockcache_free(bc);
        }
        double off = render_listeners(plan, 25, seconds, NULL, 25, &h);
        eng_blockcache *bc = eng_blockcache_new(256u << 20, ENG_OPUS_FRAME);
        double on = render_listeners(plan, 25, seconds, bc, 25, &h);
        printf("  25 renderers with a cut (seek back 120 ms) twice a second: "
               "%.3f -> %.3f CPU ms per stream-second (x%.2f); hits %.0f %% "
               "in the last second\n", off * 1e3, on * 1e3, off / on, 100 * h);
        eng_blockcache_free(bc);
        eng_plan *after = make_plan_ed(true);
        off = export_after_edit(plan, after, NULL);
        bc = eng_blockcache_new(256u << 20, ENG_OPUS_FRAME);
        on = export_after_edit(plan, after, bc);
        eng_blockcache_stats st;
        eng_blockcache_stats_get(bc, &st);
        printf("  export of 20 s after an edit of one track's EQ: %.1f -> "
               "%.1f CPU ms (x%.2f); %llu hits, %llu misses\n", off * 1e3,
               on * 1e3, off / on, (unsigned long long)st.hits,
               (unsigned long long)st.misses);
        eng_blockcache_free(bc);
        eng_plan_release(after);
    }
}

/* ---- where an independent listener's CPU goes (h15-listen3) ---- */

/* Encodes npk packets of pcm with one encoder of this application,
 * bitrate and complexity: thread CPU ms per stream-second, and the SNR
 * (dB) of the decoded audio against the input, aligned by the encoder's
 * look-ahead, over everything after the first second. */
static double encode_cost(const float *pcm, int npk, int app, int bitrate,
                          int cx, double *snr_db, double *kbps)
{
    int err, la = 0;
    OpusEncoder *oe = opus_encoder_create(SR, 2, app, &err);
    OpusDecoder *od = opus_decoder_create(SR, 2, &err);
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    unsigned char *pk = malloc((size_t)npk * ENG_OPUS_MAX_PACKET);
    int *len = malloc(sizeof(int) * (size_t)npk);
    float *dec = malloc(sizeof(float) * 2 * ENG_OPUS_FRAME * (size_t)npk);
    long bytes = 0;

    opus_encoder_ctl(oe, OPUS_SET_BITRATE(bitrate));
    opus_encoder_ctl(oe, OPUS_SET_VBR(1));
    opus_encoder_ctl(oe, OPUS_SET_COMPLEXITY(cx));
    opus_encoder_ctl(oe, OPUS_GET_LOOKAHEAD(&la));
    double c0 = thread_cpu();
    for (int k = 0; k < npk; k++) {
        len[k] = opus_encode_float(oe, pcm + (size_t)k * 2 * ENG_OPUS_FRAME,
                                   ENG_OPUS_FRAME, pkt, sizeof pkt);
        memcpy(pk + (size_t)k * ENG_OPUS_MAX_PACKET, pkt, (size_t)len[k]);
        bytes += len[k];
    }
    double cpu = thread_cpu() - c0;
    for (int k = 0; k < npk; k++)
        if (opus_decode_float(od, pk + (size_t)k * ENG_OPUS_MAX_PACKET,
                              len[k], dec + (size_t)k * 2 * ENG_OPUS_FRAME,
                              ENG_OPUS_FRAME, 0) != ENG_OPUS_FRAME)
            memset(dec + (size_t)k * 2 * ENG_OPUS_FRAME, 0,
                   sizeof(float) * 2 * ENG_OPUS_FRAME);
    double sig = 0, noise = 0;
    for (size_t i = 2 * SR; i + 2 * (size_t)la < 2 * ENG_OPUS_FRAME *
                                                  (size_t)npk; i++) {
        double x = pcm[i], d = dec[i + 2 * (size_t)la] - x;
        sig += x * x;
        noise += d * d;
    }
    *snr_db = 10 * log10(sig / (noise > 0 ? noise : 1e-30));
    *kbps = (double)bytes * 8.0 / (npk * 0.02) / 1000;
    free(pk);
    free(len);
    free(dec);
    opus_decoder_destroy(od);
    opus_encoder_destroy(oe);
    return cpu * 1e3 / (npk * 0.02);
}

/* The render in blocks of `block` frames (npk 20 ms packets' worth):
 * thread CPU ms per stream-second; the PCM into pcm when not NULL. */
static double render_cost(eng_plan *plan, int npk, int block, float *pcm)
{
    eng_renderer *r = eng_renderer_new(NULL, plan, block);
    float *blk = malloc(sizeof(float) * 2 * (size_t)block);
    int64_t total = (int64_t)npk * ENG_OPUS_FRAME;
    double c0 = thread_cpu();
    for (int64_t p = 0; p < total; p += block) {
        int n = total - p < block ? (int)(total - p) : block;
        eng_render(r, p, blk, n);
        if (pcm)
            memcpy(pcm + 2 * p, blk, sizeof(float) * 2 * (size_t)n);
    }
    double cpu = thread_cpu() - c0;
    free(blk);
    eng_renderer_free(r);
    return cpu * 1e3 / (npk * 0.02);
}

/* n renderers 100 ms apart, round-robin, each `seconds` in blocks of
 * `block` frames (the working set of n independent listeners): thread CPU
 * ms per stream-second. */
static double render_many(eng_plan *plan, int n, double seconds, int block)
{
    eng_renderer **r = calloc((size_t)n, sizeof *r);
    float *blk = malloc(sizeof(float) * 2 * (size_t)block);
    int64_t total = (int64_t)(seconds * SR);

    for (int i = 0; i < n; i++)
        r[i] = eng_renderer_new(NULL, plan, block);
    double c0 = thread_cpu();
    for (int64_t p = 0; p < total; p += block)
        for (int i = 0; i < n; i++)
            eng_render(r[i], p + (int64_t)i * 4800, blk, block);
    double cpu = thread_cpu() - c0;
    for (int i = 0; i < n; i++)
        eng_renderer_free(r[i]);
    free(r);
    free(blk);
    return cpu * 1e3 / ((double)n * seconds);
}

static void breakdown(eng_plan *plan, double seconds)
{
    for (int round = 0; round < 2; round++) {
        double a = render_many(plan, 100, seconds / 2, ENG_OPUS_FRAME);
        double b = render_many(plan, 100, seconds / 2, 5 * ENG_OPUS_FRAME);
        printf("  100 renderers round-robin: 20 ms blocks %.3f, 100 ms blocks "
               "%.3f CPU ms per stream-second (x%.3f)\n", a, b, a / b);
    }
    int npk = (int)(seconds * 50);
    float *pcm = malloc(sizeof(float) * 2 * ENG_OPUS_FRAME * (size_t)npk);
    float *pcm5 = malloc(sizeof(float) * 2 * ENG_OPUS_FRAME * (size_t)npk);
    printf("breakdown of one independent listener (16-track project, %.0f s "
           "of audio per figure; thread CPU ms per stream-second)\n",
           seconds);
    double r20 = render_cost(plan, npk, ENG_OPUS_FRAME, pcm);
    double r100 = render_cost(plan, npk, 5 * ENG_OPUS_FRAME, pcm5);
    double r20b = render_cost(plan, npk, ENG_OPUS_FRAME, NULL);
    double r100b = render_cost(plan, npk, 5 * ENG_OPUS_FRAME, NULL);
    bool same = memcmp(pcm, pcm5, sizeof(float) * 2 * ENG_OPUS_FRAME *
                                      (size_t)npk) == 0;
    printf("  render, 20 ms blocks: %.3f / %.3f; 100 ms blocks: %.3f / %.3f "
           "(x%.3f); samples %s\n", r20, r20b, r100, r100b,
           (r20 + r20b) / (r100 + r100b), same ? "identical" : "DIFFER");
    const struct { int app; const char *name; } apps[] = {
        {OPUS_APPLICATION_AUDIO, "audio"},
        {OPUS_APPLICATION_RESTRICTED_LOWDELAY, "restricted-lowdelay"}};
    const int rates[] = {128000, 96000};
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            for (int cx = 0; cx <= 10; cx++) {
                double snr, kbps;
                double ms = encode_cost(pcm, npk, apps[a].app, rates[b], cx,
                                        &snr, &kbps);
                printf("  opus %-19s %3d kb/s complexity %2d: %.3f CPU ms "
                       "per stream-second (%4.0fx realtime), SNR %.1f dB, "
                       "%.0f kb/s\n", apps[a].name, rates[b] / 1000, cx, ms,
                       1000 / ms, snr, kbps);
            }
    free(pcm);
    free(pcm5);
}

/* n independent listeners at complexity lo..8, rendering `ahead` packets
 * per block, against the same with one packet per block (main before
 * h15-listen3), `rounds` times in turn (for callgrind/perf and the
 * figures of h15-listen3). */
static void independent(eng_plan *plan, double seconds, int n, int lo,
                        int ahead, int rounds, int cache_mb, int ahead_max)
{
    char what[96];
    const char *with = cache_mb > 0 ? " + block cache" : "";
    for (int k = 0; k < rounds; k++) {
        /* a cache of its own per trial, made for the trial's blocks */
        eng_blockcache *bc =
            cache_mb > 0 ? eng_blockcache_new((size_t)cache_mb << 20,
                                              ENG_OPUS_FRAME)
                         : NULL;
        snprintf(what, sizeof what, "all independent, %d Hz, %d..8, 1 packet/render%s",
                 proj_rate, lo, with);
        print_listeners(what, n, run_listeners_a(plan, n, 0, 8, true, lo,
                                                 seconds, bc, 0, 1));
        if (bc)
            print_cache(bc);
        eng_blockcache_free(bc);
        if (ahead <= 1)
            continue;
        bc = cache_mb > 0 ? eng_blockcache_new((size_t)cache_mb << 20,
                                               ENG_OPUS_FRAME * ENG_OPUS_AHEAD_MAX)
                          : NULL;
        snprintf(what, sizeof what, "all independent, %d Hz, %d..8, %d packets/render%s",
                 proj_rate, lo, ahead, with);
        print_listeners(what, n, run_listeners_a(plan, n, 0, 8, true, lo,
                                                 seconds, bc, 0, ahead));
        if (bc)
            print_cache(bc);
        eng_blockcache_free(bc);
        if (ahead_max <= ahead || cache_mb > 0)
            continue;
        /* the server's defaults: render ahead grows under load */
        snprintf(what, sizeof what, "all independent, %d Hz, %d..8, %d..%d packets/render",
                 proj_rate, lo, ahead, ahead_max);
        print_listeners(what, n, run_listeners_m(plan, n, 0, 8, true, lo,
                                                 seconds, NULL, 0, ahead,
                                                 ahead_max));
    }
}

int main(int argc, char **argv)
{
    double trial = argc > 1 ? atof(argv[1]) : 5.0;
    if (argc > 7 && argc > 2 && strcmp(argv[2], "independent") == 0)
        proj_rate = atoi(argv[7]) == 44100 ? 44100 : SR;
    eng_plan *plan = make_plan();

    if (plan && argc > 2 && strcmp(argv[2], "breakdown") == 0) {
        breakdown(plan, trial);
        eng_plan_release(plan);
        return 0;
    }
    if (plan && argc > 2 && strcmp(argv[2], "independent") == 0) {
        independent(plan, trial, argc > 3 ? atoi(argv[3]) : 100,
                    argc > 4 ? atoi(argv[4]) : 3,
                    argc > 5 ? atoi(argv[5]) : ENG_OPUS_AHEAD_MAX,
                    argc > 6 ? atoi(argv[6]) : 1,
                    argc > 8 ? atoi(argv[8]) : 0,
                    argc > 9 ? atoi(argv[9]) : ENG_OPUS_AHEAD_LIMIT);
        eng_plan_release(plan);
        return 0;
    }
    bool cache = argc > 2 && strcmp(argv[2], "cache-only") == 0;
    if (plan && argc > 2 && (cache || strcmp(argv[2], "listeners-only") == 0)) {
        if (cache)
            cache_only(plan, trial);
        else
            listeners_per_core(plan, trial);
        eng_plan_release(plan);
        for (int t = 0; t < NTRACKS; t++)
            eng_asset_release(assets[t]);
        return 0;
    }
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
    listeners_per_core(plan, trial);
    eng_plan_release(plan);
    for (int t = 0; t < NTRACKS; t++)
        eng_asset_release(assets[t]);
    return 0;
}
