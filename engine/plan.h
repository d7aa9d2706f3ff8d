/* plan.h -- the mix plan: an immutable, reference-counted snapshot of a
 * project document in the form the renderer needs (tracks in processing
 * order, clips with their assets, effect parameters, sends, automation,
 * routing), plus eng_plan_slot, the pointer holder through which the editor
 * publishes new plans and renderers pick up the newest one between blocks.
 *
 * A plan is built on the editor's side (it allocates); renderers only read
 * it. Everything in a plan is owned by the plan and freed with its last
 * reference. */
#ifndef MIXROOM_ENGINE_PLAN_H
#define MIXROOM_ENGINE_PLAN_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/asset.h"
#include "engine/dsp.h"
#include "engine/instrument.h"

struct proto_doc;

#define ENG_ID_MAX 64
#define ENG_MASTER (-1)

/* Returns the decoded asset for an asset id, or NULL when it is missing or
 * not ready (the clip is then silent). The returned asset is borrowed: the
 * plan takes a reference of its own. */
typedef eng_asset *(*eng_asset_lookup)(void *ctx, const char *asset_id);

enum eng_fx_type {
    ENG_FX_EQ = 0,
    ENG_FX_COMPRESSOR,
    ENG_FX_DELAY,
    ENG_FX_REVERB,
    ENG_FX_LIMITER,
    ENG_FX_COUNT
};

/* Automatable scalar parameters of the effects ("<effect id>.<name>"). */
enum eng_fx_param {
    /* compressor */
    ENG_P_THRESHOLD = 0, ENG_P_RATIO, ENG_P_ATTACK, ENG_P_RELEASE, ENG_P_KNEE,
    ENG_P_MAKEUP,
    /* delay */
    ENG_P_TIME = 0, ENG_P_FEEDBACK, ENG_P_MIX,
    /* reverb */
    ENG_P_SIZE = 0, ENG_P_DAMPING, ENG_P_PREDELAY, ENG_P_RV_MIX,
    /* limiter */
    ENG_P_CEILING = 0, ENG_P_LIM_RELEASE, ENG_P_LOOKAHEAD,
    /* eq: band b's freq/gain/q are 3*b + 0/1/2 ("band<b>.freq" ...) */
    ENG_P_MAX = 3 * ENG_EQ_MAX_BANDS
};

typedef struct eng_fx_spec {
    char id[ENG_ID_MAX + 1];
    int type;                        /* enum eng_fx_type */
    bool bypass;
    double p[ENG_P_MAX];             /* scalar params (see enum eng_fx_param) */
    int nbands;                      /* eq */
    int band_type[ENG_EQ_MAX_BANDS]; /* eq, enum eng_eq_type */
} eng_fx_spec;

typedef struct eng_clip_spec {
    eng_asset *asset;  /* a reference owned by the plan */
    int64_t start, offset, length, fade_in, fade_out;
    float gain;        /* linear */
    /* enum eng_fade_shape (engine/fades.h); fades lengthened to an overlap
     * (crossfades) are precomputed here by the plan */
    uint8_t shape_in, shape_out;
    bool xfade;        /* made with fade shapes: takes part in crossfades */
} eng_clip_spec;

typedef struct eng_send_spec {
    int target;        /* track index (a bus) */
    float level;       /* linear */
    bool pre;
} eng_send_spec;

enum eng_auto_target { ENG_AUTO_GAIN = 0, ENG_AUTO_PAN, ENG_AUTO_FX };

typedef struct eng_auto_spec {
    int target;        /* enum eng_auto_target */
    int fx;            /* index into the track's effects (ENG_AUTO_FX) */
    int param;         /* enum eng_fx_param (ENG_AUTO_FX) */
    int npoints;
    int64_t *frames;   /* sorted */
    double *values;    /* dB for gain, -1..1 for pan, param units */
} eng_auto_spec;

typedef struct eng_track_spec {
    char id[ENG_ID_MAX + 1];
    bool bus;
    double gain_db;    /* -inf as -200 */
    double pan;
    bool mute, solo;
    int output;        /* ENG_MASTER or a track index (a bus) */
    int nclips, nfx, nsends, nauto;
    eng_clip_spec *clips;   /* sorted by start */
    eng_fx_spec *fx;        /* in chain order (order, id) */
    eng_send_spec *sends;
    eng_auto_spec *autos;
    int auto_gain, auto_pan; /* index into autos, or -1 */
    int64_t end;        /* end of its last clip */
    /* instrument tracks (role "instrument"): no clips above; their clips
     * shape the notes (eng_note_spec.env) */
    bool instrument;
    eng_inst_spec inst;
    int nnotes;
    eng_note_spec *notes;   /* sorted by (on, pitch, off) */
} eng_track_spec;

typedef struct eng_plan {
    atomic_int refs;
    int sample_rate;
    double tempo;
    double master_gain_db; /* -inf as -200 */
    int ntracks;
    eng_track_spec *tracks; /* in display order (order, id) */
    int *proc;              /* processing order: every source before its bus */
    int nproc;              /* tracks in a routing cycle are left out */
    int nfx_total;          /* effects over all tracks */
    int64_t end;            /* end of the last clip (frames) */
    uint64_t serial;        /* build counter, for diagnostics only */
} eng_plan;

/* Builds a plan from the document's objects (proto_doc_objects semantics:
 * a JSON array of {"id","kind",...}). Unknown kinds/fields are ignored;
 * missing fields take their defaults; routing to a missing or non-bus track
 * goes to the master; clips whose asset the lookup does not return are
 * skipped. Returns a plan with one reference, NULL only when out of memory
 * or objects is not an array. */
eng_plan *eng_plan_build_objects(const json_t *objects, eng_asset_lookup lookup,
                                 void *ctx);

/* For eng_plan_build_objects (plan_inst.c): the notes of the instrument
 * tracks of p, from their clips' and notes' objects, and those tracks'
 * ends. 0, or -1 when out of memory. */
int eng_plan_build_notes(eng_plan *p, const json_t *objects);

/* The same from a protocol document (see plan_doc.c). */
eng_plan *eng_plan_build(const struct proto_doc *doc, eng_asset_lookup lookup,
                         void *ctx);

/* Takes another reference; returns p. */
eng_plan *eng_plan_ref(eng_plan *p);

/* Drops a reference; frees the plan (and its asset references) on the
 * last. NULL is ignored. */
void eng_plan_release(eng_plan *p);

/* Index of the track with this id, or -1. */
int eng_plan_track_index(const eng_plan *p, const char *id);

/* Routing after mute and solo (rules in docs/engine.md). solo_override >= 0
 * renders as if that track were the only soloed one (stems). Fills
 * flags[t] (ntracks entries, ENG_ROUTE_* bits) and send_on[t * max_sends + s]
 * (whether send s of track t carries signal). No allocation. */
enum {
    ENG_ROUTE_ACTIVE = 1, /* the track is processed (not muted, audible) */
    ENG_ROUTE_OUT = 2,    /* its output edge (bus or master) carries signal */
    ENG_ROUTE_DOWN = 4,   /* soloed, or fed by a soloed track */
    ENG_ROUTE_UP = 8      /* feeds a soloed track */
};
void eng_plan_route(const eng_plan *p, int solo_override, uint8_t *flags,
                    bool *send_on, int max_sends);

/* Largest nsends of any track (for sizing send_on). */
int eng_plan_max_sends(const eng_plan *p);

/* Linear-interpolated automation value at frame (holds outside). */
double eng_auto_eval(const eng_auto_spec *a, int64_t frame);

/* ---- the slot ----------------------------------------------------------
 * Memory reclamation: the slot owns one reference to its current plan.
 * acquire() announces itself in `readers`, loads the pointer, takes a
 * reference, and leaves. publish() swaps the pointer atomically, then waits
 * until `readers` has been observed at 0 once (so no reader can still be
 * between its load and its ref of the old plan) before dropping the slot's
 * reference to the old plan. Readers never block or allocate; publishers
 * are serialised by a mutex that readers never touch. */
typedef struct eng_plan_slot eng_plan_slot;

/* A slot holding plan (a reference is taken; plan may be NULL). */
eng_plan_slot *eng_plan_slot_new(eng_plan *plan);

/* Frees the slot and its reference. No reader may be using it. */
void eng_plan_slot_free(eng_plan_slot *s);

/* Makes plan the current one (takes a reference) and drops the old one. */
void eng_plan_slot_publish(eng_plan_slot *s, eng_plan *plan);

/* The current plan with a new reference (release it), or NULL. Lock-free,
 * safe against concurrent publish. */
eng_plan *eng_plan_slot_acquire(eng_plan_slot *s);

#endif
