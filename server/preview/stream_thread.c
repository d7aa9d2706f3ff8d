/* stream_thread.c -- the pacing threads of preview streams. Each thread
 * serves many streams: it sleeps on a condition variable until the
 * earliest absolute deadline (CLOCK_MONOTONIC), then renders and encodes
 * every packet that is due (packet k of a stream is due at
 * t_start + (k - LEAD) * 20 ms, so LEAD packets go at once and the lead
 * stays about 100 ms), and posts everything it made in one batch to the
 * loop (srv_loop_post). Commands from the loop (play, pause, seek,
 * remove) arrive on a locked list and wake the thread. */
#include "server/preview/stream_priv.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/preview/plans.h"
#include "server/preview/stream.h"

#define PACKET_NS 20000000LL
#define MAX_CATCHUP 10       /* packets per stream per wake-up */
#define LEVEL_MS 50          /* levels at 20 Hz */
#define MAX_LEVEL_TRACKS 256

struct pv_thread {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pv_cmd *cmds, *cmds_tail;   /* under mu */
    bool stop;                          /* under mu */
    struct pv_stream *streams;          /* thread only */
    atomic_int n_streams;
};

/* Global state: the pool of pacing threads (started once, on the loop
 * thread) and counters. */
static struct pv_thread *threads;
static int n_threads;
static atomic_ullong st_packets, st_late, st_playing;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void pv_stream_release(struct pv_stream *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    eng_opus_stream_free(s->enc);
    eng_renderer_free(s->live);
    eng_renderer_free(s->fixed);
    srv_room_plan_release(s->rp);
    free(s);
}

/* ---- batches ---- */

static unsigned char *batch_add(struct pv_batch *b, struct pv_stream *s,
                                int kind, int64_t pos, size_t len)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        struct pv_item *v = realloc(b->items, cap * sizeof *v);
        if (!v)
            return NULL;
        b->items = v;
        b->cap = cap;
    }
    if (b->buf_len + len > b->buf_cap) {
        size_t cap = b->buf_cap ? 2 * b->buf_cap : 16384;
        while (cap < b->buf_len + len)
            cap *= 2;
        unsigned char *v = realloc(b->buf, cap);
        if (!v)
            return NULL;
        b->buf = v;
        b->buf_cap = cap;
    }
    struct pv_item *it = &b->items[b->n++];
    atomic_fetch_add(&s->refs, 1);
    it->s = s;
    it->kind = kind;
    it->position = pos;
    it->len = len;
    it->off = b->buf_len;
    b->buf_len += len;
    return b->buf + it->off;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(p, v);
}

/* ---- commands ---- */

static eng_renderer *cur_renderer(struct pv_stream *s)
{
    return s->fixed ? s->fixed : s->live;
}

/* The live renderer and the encoder, created on first use; false when
 * they cannot be. */
static bool ensure_engine(struct pv_stream *s)
{
    if (!s->live) {
        s->live = eng_renderer_new(srv_room_plan_slot(s->rp), NULL,
                                   ENG_OPUS_FRAME);
        if (!s->live) {
            srv_err("preview: cannot create a renderer");
            return false;
        }
    }
    if (!s->enc) {
        s->enc = eng_opus_stream_new(cur_renderer(s), s->rate, s->bitrate,
                                     s->complexity);
        if (!s->enc) {
            srv_err("preview: cannot create the Opus encoder");
            return false;
        }
    }
    return true;
}

static void set_timeline(struct pv_stream *s, bool on)
{
    if (s->live)
        eng_renderer_set_timeline(s->live, on);
    if (s->fixed)
        eng_renderer_set_timeline(s->fixed, on);
}

static void apply_play(struct pv_stream *s, struct pv_cmd *c)
{
    eng_renderer_free(s->fixed);
    s->fixed = NULL;
    if (c->fixed) {
        s->fixed = eng_renderer_new(NULL, c->fixed, ENG_OPUS_FRAME);
        if (!s->fixed)
            srv_err("preview: cannot create a renderer for a revision");
    }
    if (!ensure_engine(s))
        return;
    eng_opus_stream_set_renderer(s->enc, cur_renderer(s));
    s->audition_only = false;
    set_timeline(s, true);
    s->looping = c->loop;
    s->loop_a = c->loop_a;
    s->loop_b = c->loop_b;
    s->pos = c->from;
    s->k = 0;
    s->t_start_ns = now_ns();
    s->level_acc_ms = 0;
    if (!s->playing)
        atomic_fetch_add(&st_playing, 1);
    s->playing = true;
}

static void set_paused(struct pv_stream *s)
{
    if (s->playing)
        atomic_fetch_sub(&st_playing, 1);
    s->playing = false;
}

/* How long a stream started by an audition runs past the note's end: the
 * release of the instrument and the track's effects. */
#define AUDITION_TAIL_MS 1500

/* One note through this stream: into the running renderer, or a short
 * stream of its own (the timeline silent) when nothing is playing. */
static void apply_audition(struct pv_stream *s, struct pv_cmd *c)
{
    int64_t run = c->frames + (int64_t)s->rate * AUDITION_TAIL_MS / 1000;

    if (!s->playing) {
        if (!ensure_engine(s))
            return;
        set_timeline(s, false);
        s->audition_only = true;
        s->audition_left = 0;
        s->looping = false;
        s->k = 0;
        s->t_start_ns = now_ns();
        s->level_acc_ms = 0;
        atomic_fetch_add(&st_playing, 1);
        s->playing = true;
    }
    if (s->audition_only && run > s->audition_left)
        s->audition_left = run;
    eng_renderer_audition(cur_renderer(s), c->track, c->pitch, c->vel,
                          c->frames);
}

static void apply_cmd(struct pv_thread *th, struct pv_cmd *c)
{
    struct pv_stream *s = c->s;

    if (!s->in_thread && c->type != PV_REMOVE) {
        s->in_thread = true;
        atomic_fetch_add(&s->refs, 1);
        s->next_th = th->streams;
        th->streams = s;
        atomic_fetch_add(&th->n_streams, 1);
    }
    switch (c->type) {
    case PV_PLAY:
        apply_play(s, c);
        break;
    case PV_PAUSE:
        set_paused(s);
        break;
    case PV_SEEK:
        s->pos = c->from;
        s->k = 0;
        s->t_start_ns = now_ns();
        break;
    case PV_AUDITION:
        apply_audition(s, c);
        break;
    case PV_REMOVE:
        set_paused(s);
        if (s->in_thread) {
            for (struct pv_stream **pp = &th->streams; *pp; pp = &(*pp)->next_th)
                if (*pp == s) {
                    *pp = s->next_th;
                    break;
                }
            s->in_thread = false;
            atomic_fetch_sub(&th->n_streams, 1);
            pv_stream_release(s);
        }
        break;
    default:
        break;
    }
    eng_plan_release(c->fixed);
    pv_stream_release(c->s);
    free(c);
}

/* ---- producing ---- */

static void produce_levels(struct pv_stream *s, struct pv_batch *b)
{
    float tp[MAX_LEVEL_TRACKS], tr[MAX_LEVEL_TRACKS], mp, mr;
    int n = eng_opus_stream_levels(s->enc, tp, tr, MAX_LEVEL_TRACKS, &mp, &mr);
    size_t len = 1 + 4 + 8 + 2 + 8 + (size_t)n * 8;
    unsigned char *p = batch_add(b, s, PV_ITEM_LEVELS, s->pos, len);

    if (!p)
        return;
    p[0] = 0x02;
    put_u32(p + 1, s->id);
    put_u64(p + 5, (uint64_t)s->pos);
    p[13] = (unsigned char)(n & 0xff);
    p[14] = (unsigned char)(n >> 8);
    put_f32(p + 15, mp);
    put_f32(p + 19, mr);
    for (int t = 0; t < n; t++) {
        put_f32(p + 23 + 8 * t, tp[t]);
        put_f32(p + 27 + 8 * t, tr[t]);
    }
}

/* Makes one packet of s into b; false when the stream stopped. */
static bool produce_one(struct pv_stream *s, struct pv_batch *b, int64_t now)
{
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    const eng_plan *plan = eng_renderer_plan(cur_renderer(s));
    int64_t end = plan ? plan->end : 0;

    if (s->looping && s->pos >= s->loop_b)
        s->pos = s->loop_a;
    if (s->audition_only ? s->audition_left <= 0
                         : !s->looping && s->pos >= end) {
        batch_add(b, s, PV_ITEM_STOPPED, s->pos, 0);
        set_paused(s);
        return false;
    }
    long long t_enc = srv_metrics_now_ns();
    int n = eng_opus_stream_next(s->enc, s->pos, pkt, sizeof pkt);
    srv_observe_ns(SRV_H_ENCODE, srv_metrics_now_ns() - t_enc);
    if (n <= 0) {
        srv_err("preview: Opus encoding failed; stream %u stopped", s->id);
        batch_add(b, s, PV_ITEM_STOPPED, s->pos, 0);
        set_paused(s);
        return false;
    }
    /* late: produced after the time it is due to be played (the client
     * starts packet 0 one lead after the first burst) */
    if (now > s->t_start_ns + (s->k + SRV_STREAM_LEAD_PACKETS) * PACKET_NS)
        atomic_fetch_add(&st_late, 1);
    unsigned char *p = batch_add(b, s, PV_ITEM_AUDIO, s->pos, 17 + (size_t)n);
    if (p) {
        p[0] = 0x01;
        put_u32(p + 1, s->id);
        put_u32(p + 5, s->seq);
        put_u64(p + 9, (uint64_t)s->pos);
        memcpy(p + 17, pkt, (size_t)n);
    }
    s->seq++;
    s->pos += eng_opus_stream_frames(s->enc);
    if (s->audition_only)
        s->audition_left -= eng_opus_stream_frames(s->enc);
    s->k++;
    atomic_fetch_add(&st_packets, 1);
    s->level_acc_ms += 20;
    if (s->level_acc_ms >= LEVEL_MS) {
        s->level_acc_ms -= LEVEL_MS;
        produce_levels(s, b);
    }
    return true;
}

static int64_t due_ns(const struct pv_stream *s)
{
    return s->t_start_ns + (s->k - SRV_STREAM_LEAD_PACKETS) * PACKET_NS;
}

static void *thread_main(void *arg)
{
    struct pv_thread *th = arg;

    for (;;) {
        pthread_mutex_lock(&th->mu);
        struct pv_cmd *cmds = th->cmds;
        th->cmds = th->cmds_tail = NULL;
        bool stop = th->stop;
        pthread_mutex_unlock(&th->mu);
        while (cmds) {
            struct pv_cmd *next = cmds->next;
            apply_cmd(th, cmds);
            cmds = next;
        }
        if (stop)
            break;

        struct pv_batch *b = calloc(1, sizeof *b);
        int64_t now = now_ns(), next_due = INT64_MAX;
        for (struct pv_stream *s = th->streams; s && b; s = s->next_th) {
            if (!s->playing || !s->enc)
                continue;
            for (int i = 0; i < MAX_CATCHUP && s->playing && due_ns(s) <= now;
                 i++)
                produce_one(s, b, now_ns());
            if (s->playing && due_ns(s) <= now) /* far behind: resync */
                s->t_start_ns = now - (s->k - SRV_STREAM_LEAD_PACKETS) *
                                          PACKET_NS;
            if (s->playing && due_ns(s) < next_due)
                next_due = due_ns(s);
        }
        if (b && b->n > 0) {
            srv_loop_post(pv_deliver_batch, b);
        } else if (b) {
            free(b->items);
            free(b->buf);
            free(b);
        }

        pthread_mutex_lock(&th->mu);
        while (!th->cmds && !th->stop) {
            if (next_due == INT64_MAX) {
                pthread_cond_wait(&th->cv, &th->mu);
            } else {
                struct timespec ts = {(time_t)(next_due / 1000000000LL),
                                      (long)(next_due % 1000000000LL)};
                if (pthread_cond_timedwait(&th->cv, &th->mu, &ts) == ETIMEDOUT)
                    break;
            }
        }
        pthread_mutex_unlock(&th->mu);
    }
    while (th->streams) {
        struct pv_stream *s = th->streams;
        th->streams = s->next_th;
        s->in_thread = false;
        set_paused(s);
        pv_stream_release(s);
    }
    return NULL;
}

int pv_threads_start(int n)
{
    pthread_condattr_t ca;

    if (threads)
        return 0;
    if (n < 1)
        n = 1;
    threads = calloc((size_t)n, sizeof *threads);
    if (!threads)
        return -1;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++) {
        struct pv_thread *th = &threads[i];
        pthread_mutex_init(&th->mu, NULL);
        pthread_cond_init(&th->cv, &ca);
        if (pthread_create(&th->tid, NULL, thread_main, th) != 0) {
            pthread_cond_destroy(&th->cv);
            pthread_mutex_destroy(&th->mu);
            break;
        }
        n_threads++;
    }
    pthread_condattr_destroy(&ca);
    if (n_threads == 0) {
        free(threads);
        threads = NULL;
        return -1;
    }
    return 0;
}

void pv_threads_stop(void)
{
    for (int i = 0; i < n_threads; i++) {
        pthread_mutex_lock(&threads[i].mu);
        threads[i].stop = true;
        pthread_cond_signal(&threads[i].cv);
        pthread_mutex_unlock(&threads[i].mu);
    }
    for (int i = 0; i < n_threads; i++) {
        struct pv_thread *th = &threads[i];
        pthread_join(th->tid, NULL);
        while (th->cmds) {
            struct pv_cmd *c = th->cmds;
            th->cmds = c->next;
            eng_plan_release(c->fixed);
            pv_stream_release(c->s);
            free(c);
        }
        pthread_cond_destroy(&th->cv);
        pthread_mutex_destroy(&th->mu);
    }
    free(threads);
    threads = NULL;
    n_threads = 0;
}

struct pv_thread *pv_thread_pick(void)
{
    struct pv_thread *best = NULL;

    for (int i = 0; i < n_threads; i++)
        if (!best || atomic_load(&threads[i].n_streams) <
                         atomic_load(&best->n_streams))
            best = &threads[i];
    return best;
}

void pv_thread_command(struct pv_cmd *cmd)
{
    struct pv_thread *th = cmd->s->th;

    assert(th);
    cmd->next = NULL;
    pthread_mutex_lock(&th->mu);
    if (th->cmds_tail)
        th->cmds_tail->next = cmd;
    else
        th->cmds = cmd;
    th->cmds_tail = cmd;
    pthread_cond_signal(&th->cv);
    pthread_mutex_unlock(&th->mu);
}

void pv_stats(unsigned long long *playing, unsigned long long *packets,
              unsigned long long *late, int *nthreads)
{
    *playing = atomic_load(&st_playing);
    *packets = atomic_load(&st_packets);
    *late = atomic_load(&st_late);
    *nthreads = n_threads;
}
