/* render_priv.h -- the renderer's private state, shared by render.c (the
 * block) and render_adopt.c (mapping a plan's tracks and effects to state
 * kept by id). Not for use outside engine/render*.c and engine/blockcache.c
 * (which snapshots and restores effect state). */
#ifndef MIXROOM_ENGINE_RENDER_PRIV_H
#define MIXROOM_ENGINE_RENDER_PRIV_H

#include "engine/dsp.h"
#include "engine/render.h"
#include "engine/simd.h"

typedef struct fx_state {
    char id[ENG_ID_MAX + 1];
    int type;
    bool used;       /* mapped by the current plan */
    bool configured; /* cur[] has been applied since the last reset */
    bool bypassed;   /* was bypassed in the last block */
    int nbands;
    int band_type[ENG_EQ_MAX_BANDS];
    double cur[ENG_P_MAX];
    union {
        eng_eq eq;
        eng_comp comp;
        eng_delay delay;
        eng_reverb rv;
        eng_limiter lim;
    } u;
} fx_state;

typedef struct track_state {
    char id[ENG_ID_MAX + 1];
    bool used, primed;
    bool fresh_id;      /* handed to a new track id since the last block */
    bool fresh;         /* l/r hold nothing of this block yet (logically 0) */
    int hold;           /* this block: the first `hold` effects of the chain
                         * got silent input with decayed tails and were
                         * advanced in silence (skip_silent); the chain
                         * runs from effect `hold` on zeros */
    float *l, *r;       /* this call's part of the thread's scratch
                         * (render_scratch.h), set by eng_render: they
                         * hold nothing from one call to the next */
    float gain;         /* linear, at the end of the last block */
    double pan;
    eng_meter meter;
    struct eng_inst *inst; /* instrument tracks: voices (render_inst.c) */
    /* block cache (blockcache.c): the content hash of this track under
     * the plan with serial bc_serial (0: none yet), whether it may be
     * cached, and the key of the block the last fetch missed */
    uint64_t bc_serial;
    uint64_t bc_content[2];
    bool bc_ok, bc_pending;
    uint64_t bc_key[2];
} track_state;

/* An audition waiting for the next block (render_inst.c). */
typedef struct aud_req {
    char track[ENG_ID_MAX + 1];
    int pitch, vel;
    int64_t frames;
} aud_req;
#define ENG_RENDER_AUDITIONS 16

struct eng_blockcache;

struct eng_renderer {
    eng_plan_slot *slot;
    struct eng_blockcache *bc; /* block cache or NULL (blockcache.h) */
    const eng_simd_ops *simd; /* vector path, chosen at creation (simd.h) */
    bool skip_silence;        /* skip silent tracks and decayed tails */
    int64_t skipped;          /* track-blocks skipped so far */
    bool hold_heads;          /* hold the decayed head of a running chain */
    int64_t held;             /* track-blocks run with a held head */
    eng_plan *plan, *pending, *retired;
    int fs, max_block;
    int64_t next_pos;
    bool started, reroute;
    char solo_id[ENG_ID_MAX + 1];
    bool solo_set;
    /* track state pool */
    track_state *ts;
    int nts;
    /* per plan-track arrays, capacity tcap */
    int tcap;
    int *tmap, *fxbase;
    uint8_t *flags;
    uint8_t *fed;       /* fed[t]: some track outputs or sends into t */
    int *lastfeed;      /* lastfeed[t]: the last step of proc with a track
                         * that outputs or sends into t (-1: none; nproc:
                         * a track left out of proc does) */
    uint8_t *done;      /* done[t]: clips and effects ran in render_ready
                         * (1), or the track was skipped as silent (2) */
    bool *send_on;
    int scap;           /* sends per track the send_on array allows */
    /* effect state pool and the flat plan-effect map */
    fx_state **fx;
    int nfx;
    int *fxmap;
    int fxcap;
    float *ml, *mr;     /* master bus (thread scratch, as track l/r) */
    float *gl, *gr;     /* per-sample gain scratch (thread scratch) */
    float master_gain;
    bool master_primed;
    bool master_fresh;  /* ml/mr hold nothing of this block yet */
    eng_meter master_meter;
    /* instruments (render_inst.c) */
    bool timeline_off;  /* only auditions sound */
    aud_req aud[ENG_RENDER_AUDITIONS];
    int naud;
};


/* A new effect state of a type at rate fs (allocates), and its reset. */
fx_state *eng_render_fx_new(int type, double fs);
void eng_render_fx_reset(fx_state *f);

/* Maps plan p's tracks and effects onto the renderer's state (by id),
 * growing the pools when may_alloc; false when p needs state that is not
 * there and may not be allocated now. */
bool eng_render_adopt(eng_renderer *r, eng_plan *p, bool may_alloc);

/* Floats of per-block scratch (render_scratch.h) the renderer needs with
 * its track state pool: 2 per track state and 4 (master, gains) of
 * ENG_SCRATCH_STRIDE(max_block) frames. A buffer spans an odd number of
 * 64-byte lines, so that no two of the first 64 buffers start at the same
 * offset modulo 4 KiB (a load from one and a store to another at the same
 * offset would be taken for dependent: "4K aliasing"). */
#define ENG_SCRATCH_STRIDE(n) ((((size_t)(n) + 15) & ~(size_t)15) | 16)
size_t eng_render_scratch_need(const eng_renderer *r);
/* Points the track states' l/r and the master/gain buffers into scratch
 * (eng_render_scratch_need floats) for blocks of up to `frames`. */
void eng_render_scratch_map(eng_renderer *r, float *scratch, int frames);
/* At the start of eng_render: holds the thread's scratch (growing it when
 * this thread has none big enough) and maps it for blocks of up to
 * `frames`; NULL when out of memory. eng_scratch_release after. */
float *eng_render_scratch_take(eng_renderer *r, int frames);

/* render_inst.c: whether every instrument track of p has its voices
 * (false: adopt needs eng_renderer_maintain); with may_alloc, creates
 * what is missing (a track whose state cannot be made renders silence). */
bool eng_render_inst_ready(eng_renderer *r, const eng_plan *p, bool may_alloc);
/* Hands the queued auditions to their tracks (start of a block). */
void eng_render_inst_auditions(eng_renderer *r);
/* Renders instrument track t into its state's buffers (assigned). */
void eng_render_instrument(eng_renderer *r, int t, track_state *s,
                           int64_t pos, int n);
/* Frees a track state's instrument. */
void eng_render_inst_free(track_state *s);

/* render_finish.c: the last stage of a track in one pass: y = x * gain
 * (gl/gr per sample, or the constants cgl/cgr when gl is NULL); stores y
 * back when `store`, adds it to dl/dr when not NULL (assigning when
 * *dfresh, which it then clears), and meters it into m. */
void eng_render_finish_track(float *L, float *R, const float *gl,
                             const float *gr, float cgl, float cgr, bool store,
                             float *dl, float *dr, bool *dfresh, eng_meter *m,
                             int n);

/* Recomputes the routing flags of the current plan (solo, mute, sends). */
void eng_render_route(eng_renderer *r);

#endif
