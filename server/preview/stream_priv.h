/* stream_priv.h -- internals shared by stream.c (messages, delivery,
 * follow; loop thread) and stream_thread.c (the pacing threads). */
#ifndef MIXROOM_SERVER_STREAM_PRIV_H
#define MIXROOM_SERVER_STREAM_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/blockcache.h"
#include "engine/opus_stream.h"
#include "engine/plan.h"
#include "engine/render.h"
#include "server/preview/stream_share.h"

struct srv_conn;
struct srv_room_plan;
struct pv_thread;
struct pv_conn;

enum pv_cmd_type { PV_PLAY = 1, PV_PAUSE, PV_SEEK, PV_REMOVE, PV_AUDITION };

struct pv_cmd {
    struct pv_cmd *next;
    struct pv_stream *s;          /* a reference */
    int type;
    int64_t from;
    bool loop;
    int64_t loop_a, loop_b;
    eng_plan *fixed;              /* PLAY of a revision: a reference, else NULL */
    long long rev;                /* PLAY: that revision, -1 = the head */
    double gain_db;               /* PLAY: loudness-match gain (match.h), 0 */
    /* AUDITION: one note of an instrument track */
    char track[ENG_ID_MAX + 1];
    int pitch, vel;
    int64_t frames;
};

/* One stream (one listener): shared by the loop (owner, commands) and its
 * pacing thread (everything under "thread"). Reference-counted: the owner,
 * the thread's list, and each packet in flight hold one. Its audio comes
 * from a source (stream_share.h) that other listeners of the same source
 * on the same thread may share; its id, seq and positions are its own. */
struct pv_stream {
    atomic_int refs;
    uint32_t id;
    struct pv_thread *th;
    int rate, bitrate, complexity;
    struct srv_room_plan *rp;     /* a reference: its slot feeds `live` */
    /* loop thread */
    struct pv_conn *owner;        /* NULL once the connection is gone */
    /* thread */
    struct pv_stream *next_th;
    bool in_thread;
    struct pv_source *src;        /* what it hears (a source reference) */
    uint64_t src_idx;             /* the source's packet it takes next */
    struct pv_key key;            /* what it plays (see pv_source) */
    eng_plan *fixed;              /* the revision it plays (a reference) */
    bool playing;
    int64_t pos;
    uint32_t seq;
    int64_t t_start_ns;           /* when packet 0 is due to be sent */
    int64_t k;                    /* packets since t_start */
    int level_acc_ms;
    bool audition_only;           /* started by audition: no timeline, */
    int64_t audition_left;        /* stops after this many frames */
    int64_t note_hold;            /* one packet per render for this many
                                   * frames more (the notes' run) */
};

/* An item delivered to the loop: audio, levels or a stop. */
enum pv_item_kind { PV_ITEM_AUDIO = 1, PV_ITEM_LEVELS, PV_ITEM_STOPPED };

struct pv_item {
    struct pv_stream *s;          /* a reference */
    int kind;
    int64_t position;
    size_t len;
    size_t off;                   /* offset of the bytes in the batch */
};

/* What a pacing thread posts to the loop once per wake-up. */
struct pv_batch {
    size_t n, cap;
    struct pv_item *items;
    unsigned char *buf;
    size_t buf_len, buf_cap;
};

/* ---- stream_thread.c ---- */

/* Settings of the pacing threads (from srv_config). */
struct pv_opts {
    bool share;                   /* stream_share: listeners share sources */
    int complexity_min, complexity_max; /* opus_complexity_min, opus_complexity */
    int sim_load_pct;             /* stream_test_load: test hook */
    int64_t block_cache_bytes;    /* block_cache_bytes: 0 = no cache */
    int render_ahead;             /* stream_render_ahead: packets per render */
    int render_ahead_max;         /* stream_render_ahead_max: most under load */
};

/* Starts n pacing threads (once) with these settings. 0 or -1. */
int pv_threads_start(int n, const struct pv_opts *o);
/* Streams a thread serves (any thread). */
int pv_thread_load(const struct pv_thread *th);
/* Stops and joins them; their streams are released. */
void pv_threads_stop(void);
/* The thread with the fewest streams. */
struct pv_thread *pv_thread_pick(void);
/* Queues a command (takes cmd; cmd->s must hold a reference) and wakes the
 * stream's thread. */
void pv_thread_command(struct pv_cmd *cmd);
/* Frees a stream's engine state (whoever drops the last reference). */
void pv_stream_release(struct pv_stream *s);
void pv_stats(unsigned long long *playing, unsigned long long *packets,
              unsigned long long *late, int *threads);
/* The lowest Opus complexity the threads use now (-1: no thread). */
int pv_complexity_now(void);
/* The most packets per block the threads' sources render now (-1: no
 * thread). */
int pv_render_ahead_now(void);
/* The block cache's counters; false when there is none. Any thread. */
bool pv_block_cache_stats(eng_blockcache_stats *out);

/* ---- stream.c ---- */

/* Loop thread: delivers a batch the pacing thread posted. */
void pv_deliver_batch(void *arg);

#endif
