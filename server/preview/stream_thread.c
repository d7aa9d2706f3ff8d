/* stream_thread.c -- the pacing threads of preview streams. Each thread
 * serves many streams: it sleeps on a condition variable until the
 * earliest absolute deadline (CLOCK_MONOTONIC), then renders and encodes
 * every packet that is due (packet k of a stream is due at
 * t_start + (k - LEAD) * 20 ms, so LEAD packets go at once and the lead
 * stays about 100 ms), and posts everything it made in one batch to the
 * loop (srv_loop_post). Commands from the loop (play, pause, seek,
 * remove) arrive on a locked list and wake the thread. A stream's audio
 * comes from a source (stream_share.h): listeners of the same source at
 * the same packet on one thread share its render and encode; a play, a
 * seek or an audition chooses the source again. Each thread steps its
 * Opus complexity between opus_complexity_min and opus_complexity by the
 * load and deadline slack it measures (pv_adapt). */
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
#define CMD_BUDGET_NS 8000000LL /* commands applied per turn, at most */

struct pv_thread {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pv_cmd *cmds, *cmds_tail;   /* under mu */
    bool stop;                          /* under mu */
    struct pv_stream *streams;          /* thread only */
    struct pv_source *sources;          /* thread only */
    struct pv_adapt adapt;              /* thread only */
    unsigned made_sources;              /* thread only: render-ahead phases */
    int ahead_applied;                  /* thread only: adapt.ahead its
                                         * sources are being given */
    bool ahead_pending;                 /* thread only: not all have it */
    atomic_int n_streams;
    atomic_int complexity;              /* adapt.cur, for the metrics */
    atomic_int ahead;                   /* adapt.ahead, for the metrics */
};

/* Global state: the pool of pacing threads (started once, on the loop
 * thread) and counters. */
static struct pv_thread *threads;
static int n_threads;
static atomic_ullong st_packets, st_late, st_playing;
static struct pv_opts opts;         /* set before the threads start */
/* Test hook (MIXROOM_TEST_PV_ONE_CMD, read before the threads start): one
 * command per turn and a 2 ms pause after it, so that tests see the rest
 * of the queue put back while later commands arrive. */
static bool one_cmd_per_turn;
/* The block cache every source's renderer shares (blockcache.h; it locks
 * itself): made by a thread of its own when the pacing threads start (its
 * slab is touched up front, which takes a while: neither the loop nor a
 * pacing thread waits for it; sources made before it is ready go without),
 * freed after the threads are joined. NULL when block_cache_bytes is 0. */
static _Atomic(eng_blockcache *) block_cache;
static pthread_t block_cache_maker;
static bool block_cache_making;

static void *make_block_cache(void *arg)
{
    (void)arg;
    /* blocks of up to ENG_OPUS_AHEAD_MAX packets: what a source renders */
    eng_blockcache *bc = eng_blockcache_new((size_t)opts.block_cache_bytes,
                                            ENG_OPUS_FRAME * ENG_OPUS_AHEAD_MAX);
    if (!bc)
        srv_info("preview: no block cache (block_cache_bytes %lld is under "
                 "4 blocks, or out of memory)",
                 (long long)opts.block_cache_bytes);
    atomic_store(&block_cache, bc);
    return NULL;
}

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
    assert(!s->src); /* left on its thread (PV_REMOVE or the stop) */
    eng_plan_release(s->fixed);
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

static void set_paused(struct pv_stream *s)
{
    if (s->playing)
        atomic_fetch_sub(&st_playing, 1);
    s->playing = false;
}

/* ---- sources ---- */

static void source_drop(struct pv_thread *th, struct pv_source *src)
{
    if (!src || --src->refs > 0)
        return;
    for (struct pv_source **pp = &th->sources; *pp; pp = &(*pp)->next)
        if (*pp == src) {
            *pp = src->next;
            break;
        }
    srv_room_plan_release(src->origin_ref);
    pv_source_free(src);
}

static void leave_source(struct pv_thread *th, struct pv_stream *s)
{
    source_drop(th, s->src);
    s->src = NULL;
}

/* Render ahead (the controller's packets per block: stream_render_ahead,
 * more under load) for a source of th: staggered across the thread's
 * sources, or, with the block cache, on the timeline's grid of blocks, so
 * that sources at the same position render (and the cache keys) the same
 * blocks (the controller then keeps stream_render_ahead: the cache is
 * made for blocks of ENG_OPUS_AHEAD_MAX packets). */
static void set_ahead(struct pv_thread *th, struct pv_source *src)
{
    src->ahead_hold = false;
    pv_source_set_ahead(src, th->adapt.ahead,
                        opts.block_cache_bytes > 0 ? ENG_OPUS_PHASE_TIMELINE
                                                   : src->stagger);
}

/* The controller changed the packets per block: every source of th not
 * in a note's run renders that many from its next block on (those that
 * grow a few per call: pv_sources_set_ahead). */
static void apply_ahead(struct pv_thread *th)
{
    if (th->adapt.ahead == th->ahead_applied && !th->ahead_pending)
        return;
    th->ahead_applied = th->adapt.ahead;
    atomic_store(&th->ahead, th->adapt.ahead);
    th->ahead_pending = !pv_sources_set_ahead(th->sources, th->adapt.ahead,
                                              opts.block_cache_bytes > 0);
}

/* Gives s a source that plays s->key from s->pos: one of the thread's that
 * stands there (may_join, sharing on), else its own (the one it has when
 * nobody shares it and it renders the same plan, else a new one). False
 * when none can be made. */
static bool choose_source(struct pv_thread *th, struct pv_stream *s,
                          bool may_join)
{
    struct pv_source *old = s->src;

    if (may_join && opts.share) {
        for (struct pv_source *src = th->sources; src; src = src->next) {
            int64_t idx;
            if (src == old || !pv_key_equal(&src->key, &s->key) ||
                (idx = pv_source_find(src, s->pos)) < 0)
                continue;
            leave_source(th, s);
            src->refs++;
            s->src = src;
            s->src_idx = (uint64_t)idx;
            return true;
        }
    }
    if (old && old->refs == 1 && old->key.origin == s->key.origin &&
        old->key.rev == s->key.rev) {
        pv_source_reset(old, &s->key, s->pos);
        s->src_idx = 0;
        return true;
    }
    leave_source(th, s);
    struct pv_source *src =
        pv_source_new(srv_room_plan_slot(s->rp), s->key.rev >= 0 ? s->fixed
                                                                 : NULL,
                      s->rate, s->bitrate, th->adapt.cur, &s->key, s->pos);
    if (!src) {
        srv_err("preview: cannot create a renderer and an Opus encoder");
        return false;
    }
    eng_renderer_set_block_cache(src->r, atomic_load(&block_cache));
    src->stagger = (int)th->made_sources++;
    set_ahead(th, src);
    src->origin_ref = srv_room_plan_ref(s->rp);
    src->refs = 1;
    src->next = th->sources;
    th->sources = src;
    s->src = src;
    s->src_idx = 0;
    return true;
}

/* s alone hears its source from now on (an audition goes into it). A
 * note goes into the renderer's next block, so it waits for the packets
 * rendered ahead: from the next block on, for the note's run
 * (s->note_hold frames), the source renders one packet per block (notes
 * played meanwhile are heard at once), then it renders ahead again
 * (produce_one). */
static bool make_private(struct pv_thread *th, struct pv_stream *s,
                         int64_t run)
{
    if (!s->src || s->src->refs > 1)
        if (!choose_source(th, s, false))
            return false;
    s->src->priv = true;
    s->src->ahead_hold = true;
    pv_source_set_ahead(s->src, 1, 0);
    s->note_hold = run > s->note_hold ? run : s->note_hold;
    return true;
}

/* ---- commands ---- */

static void apply_play(struct pv_thread *th, struct pv_stream *s,
                       struct pv_cmd *c)
{
    eng_plan_release(s->fixed);
    s->fixed = c->fixed ? eng_plan_ref(c->fixed) : NULL;
    s->key = (struct pv_key){.origin = s->rp,
                             .rev = c->fixed ? c->rev : -1,
                             .gain_db = c->gain_db,
                             .looping = c->loop,
                             .loop_a = c->loop_a,
                             .loop_b = c->loop_b};
    s->pos = c->from;
    if (!choose_source(th, s, true)) {
        set_paused(s);
        return;
    }
    s->audition_only = false;
    eng_renderer_set_timeline(s->src->r, true);
    s->k = 0;
    s->t_start_ns = now_ns();
    if (!s->playing)
        atomic_fetch_add(&st_playing, 1);
    s->playing = true;
}

/* How long a stream started by an audition runs past the note's end: the
 * release of the instrument and the track's effects. */
#define AUDITION_TAIL_MS 1500

/* One note through this stream: into the running renderer, or a short
 * stream of its own (the timeline silent) when nothing is playing. Either
 * way the stream's source becomes its own. */
static void apply_audition(struct pv_thread *th, struct pv_stream *s,
                           struct pv_cmd *c)
{
    int64_t run = c->frames + (int64_t)s->rate * AUDITION_TAIL_MS / 1000;

    if (!s->src)
        s->key = (struct pv_key){.origin = s->rp, .rev = -1};
    if (!make_private(th, s, run))
        return;
    if (!s->playing) {
        eng_renderer_set_timeline(s->src->r, false);
        s->audition_only = true;
        s->audition_left = 0;
        s->key.looping = false;
        s->src->key.looping = false;
        s->k = 0;
        s->t_start_ns = now_ns();
        atomic_fetch_add(&st_playing, 1);
        s->playing = true;
    }
    if (s->audition_only && run > s->audition_left)
        s->audition_left = run;
    eng_renderer_audition(s->src->r, c->track, c->pitch, c->vel, c->frames);
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
        apply_play(th, s, c);
        break;
    case PV_PAUSE:
        set_paused(s);
        break;
    case PV_SEEK:
        s->pos = c->from;
        s->k = 0;
        s->t_start_ns = now_ns();
        if (s->src && !choose_source(th, s, !s->src->priv))
            set_paused(s);
        break;
    case PV_AUDITION:
        apply_audition(th, s, c);
        break;
    case PV_REMOVE:
        set_paused(s);
        leave_source(th, s);
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

/* Makes one packet of s into b; false when the stream stopped. *slack is
 * lowered to the time left until the packet's play time. */
static bool produce_one(struct pv_thread *th, struct pv_stream *s,
                        struct pv_batch *b, int64_t *slack)
{
    const eng_plan *plan = eng_renderer_plan(s->src->r);
    int64_t end = plan ? plan->end : 0;
    const struct pv_slot *sl;
    bool failed;

    if (s->key.looping && s->pos >= s->key.loop_b)
        s->pos = s->key.loop_a;
    if (s->audition_only ? s->audition_left <= 0
                         : !s->key.looping && s->pos >= end) {
        batch_add(b, s, PV_ITEM_STOPPED, s->pos, 0);
        set_paused(s);
        return false;
    }
    long long t_enc = srv_metrics_now_ns();
    sl = pv_source_get(s->src, s->src_idx, s->pos, th->adapt.cur, &failed);
    /* the source went on without s (s fell more than its ring behind):
     * s continues from its own position on another source */
    if (!sl && !failed && choose_source(th, s, !s->src->priv))
        sl = pv_source_get(s->src, s->src_idx, s->pos, th->adapt.cur,
                           &failed);
    srv_observe_ns(SRV_H_ENCODE, srv_metrics_now_ns() - t_enc);
    if (!sl) {
        srv_err("preview: Opus encoding failed; stream %u stopped", s->id);
        batch_add(b, s, PV_ITEM_STOPPED, s->pos, 0);
        set_paused(s);
        return false;
    }
    /* late: produced after the time it is due to be played (the client
     * starts packet 0 one lead after the first burst) */
    int64_t play = s->t_start_ns + (s->k + SRV_STREAM_LEAD_PACKETS) *
                                       PACKET_NS;
    int64_t now = now_ns();
    if (now > play)
        atomic_fetch_add(&st_late, 1);
    if (play - now < *slack)
        *slack = play - now;
    unsigned char *p = batch_add(b, s, PV_ITEM_AUDIO, s->pos,
                                 17 + (size_t)sl->len);
    if (p) {
        p[0] = 0x01;
        put_u32(p + 1, s->id);
        put_u32(p + 5, s->seq);
        put_u64(p + 9, (uint64_t)s->pos);
        memcpy(p + 17, sl->pkt, (size_t)sl->len);
    }
    s->src_idx++;
    s->seq++;
    s->pos += pv_source_frames(s->src);
    if (s->audition_only)
        s->audition_left -= pv_source_frames(s->src);
    if (s->note_hold > 0) {
        s->note_hold -= pv_source_frames(s->src);
        if (s->note_hold <= 0) /* the notes' run is over: ahead again */
            set_ahead(th, s->src);
    }
    s->k++;
    atomic_fetch_add(&st_packets, 1);
    if (sl->lv_len > 0) {
        /* then the levels: the master's and each track's (docs/preview.md) */
        unsigned char *q = batch_add(b, s, PV_ITEM_LEVELS, s->pos,
                                     13 + (size_t)sl->lv_len);
        if (q) {
            q[0] = 0x02;
            put_u32(q + 1, s->id);
            put_u64(q + 5, (uint64_t)s->pos);
            memcpy(q + 13, sl->lv, (size_t)sl->lv_len);
        }
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
        /* commands for at most CMD_BUDGET_NS, unless stopping: a play
         * may make a source (a renderer and an encoder, ~0.3 ms), and
         * many listeners pressing play in a row must not hold up the
         * packets of those already playing; the
         * rest go back to the head of the queue, in order, for the next
         * turn (the wait below does not sleep while there are any) */
        const int64_t t_cmds = now_ns();
        const int64_t budget = one_cmd_per_turn ? 0 : CMD_BUDGET_NS;
        bool first = true;
        while (cmds && (first || stop || now_ns() - t_cmds < budget)) {
            struct pv_cmd *next = cmds->next;
            apply_cmd(th, cmds);
            cmds = next;
            first = false;
            if (one_cmd_per_turn) /* let the next commands arrive meanwhile */
                nanosleep(&(struct timespec){0, 2000000}, NULL);
        }
        if (cmds) {
            struct pv_cmd *last = cmds;
            while (last->next)
                last = last->next;
            pthread_mutex_lock(&th->mu);
            last->next = th->cmds;
            if (!th->cmds)
                th->cmds_tail = last;
            th->cmds = cmds;
            pthread_mutex_unlock(&th->mu);
        }
        if (stop)
            break;

        struct pv_batch *b = calloc(1, sizeof *b);
        int64_t now = now_ns(), next_due = INT64_MAX, slack = INT64_MAX;
        bool made = false;
        int playing = 0, done = 0;
        for (struct pv_stream *s = th->streams; s; s = s->next_th)
            playing += s->playing && s->src;
        /* one packet of every stream that is due, then the next: a burst
         * (many listeners starting at once) makes everybody's first
         * packet first; the cost so far predicts the thread's load
         * (pv_adapt_predict), so complexity falls to the floor before a
         * packet is late */
        for (int pass = 0; pass < MAX_CATCHUP && b; pass++) {
            int in_pass = 0;
            for (struct pv_stream *s = th->streams; s; s = s->next_th) {
                if (!s->playing || !s->src || due_ns(s) > now)
                    continue;
                made |= produce_one(th, s, b, &slack);
                in_pass++;
                if (++done % 8 == 0) {
                    int64_t t = now_ns();
                    pv_adapt_predict(&th->adapt, t, t - now, done, playing);
                }
            }
            if (in_pass == 0)
                break;
        }
        for (struct pv_stream *s = th->streams; s && b; s = s->next_th) {
            if (!s->playing || !s->src)
                continue;
            if (s->playing && due_ns(s) <= now) /* far behind: resync */
                s->t_start_ns = now - (s->k - SRV_STREAM_LEAD_PACKETS) *
                                          PACKET_NS;
            if (s->playing && due_ns(s) < next_due)
                next_due = due_ns(s);
        }
        if (made) {
            int64_t t = now_ns();
            atomic_store(&th->complexity,
                         pv_adapt_note(&th->adapt, t, t - now, slack));
            apply_ahead(th);
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
        leave_source(th, s);
        pv_stream_release(s);
    }
    assert(!th->sources);
    return NULL;
}

int pv_threads_start(int n, const struct pv_opts *o)
{
    pthread_condattr_t ca;

    if (threads)
        return 0;
    opts = *o;
    one_cmd_per_turn = getenv("MIXROOM_TEST_PV_ONE_CMD") != NULL;
    if (n < 1)
        n = 1;
    if (o->block_cache_bytes > 0 && !block_cache_making)
        block_cache_making =
            pthread_create(&block_cache_maker, NULL, make_block_cache, NULL) == 0;
    threads = calloc((size_t)n, sizeof *threads);
    if (!threads)
        return -1;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++) {
        struct pv_thread *th = &threads[i];
        pthread_mutex_init(&th->mu, NULL);
        pthread_cond_init(&th->cv, &ca);
        pv_adapt_init(&th->adapt, opts.complexity_min, opts.complexity_max,
                      opts.sim_load_pct, now_ns());
        /* grows under load, but not with the block cache (made for
         * ENG_OPUS_AHEAD_MAX-packet blocks) nor from 1 (one packet at a
         * time, as before render ahead) */
        pv_adapt_set_ahead(&th->adapt, opts.render_ahead,
                           opts.block_cache_bytes > 0 || opts.render_ahead <= 1
                               ? opts.render_ahead
                               : opts.render_ahead_max);
        th->ahead_applied = th->adapt.ahead;
        atomic_init(&th->ahead, th->adapt.ahead);
        atomic_init(&th->complexity, th->adapt.cur);
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
    if (block_cache_making)
        pthread_join(block_cache_maker, NULL);
    block_cache_making = false;
    eng_blockcache_free(atomic_exchange(&block_cache, NULL));
}

bool pv_block_cache_stats(eng_blockcache_stats *out)
{
    eng_blockcache *bc = atomic_load(&block_cache);
    if (!bc)
        return false;
    eng_blockcache_stats_get(bc, out);
    return true;
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

int pv_thread_load(const struct pv_thread *th)
{
    return atomic_load(&th->n_streams);
}

int pv_complexity_now(void)
{
    int lo = -1;

    for (int i = 0; i < n_threads; i++) {
        int c = atomic_load(&threads[i].complexity);
        if (lo < 0 || c < lo)
            lo = c;
    }
    return lo;
}

int pv_render_ahead_now(void)
{
    int hi = -1;

    for (int i = 0; i < n_threads; i++) {
        int a = atomic_load(&threads[i].ahead);
        if (a > hi)
            hi = a;
    }
    return hi;
}
