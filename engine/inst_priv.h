/* inst_priv.h -- the voice and its per-instrument state, shared by
 * voices.c (allocation, stealing, events), synth.c, drums.c and gm.c. Not
 * for use outside engine/. */
#ifndef MIXROOM_ENGINE_INST_PRIV_H
#define MIXROOM_ENGINE_INST_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/instrument.h"

#include <math.h>

/* The zero-delay-feedback state-variable filter (Zavalishin's TPT form). */
typedef struct eng_svf {
    float a1, a2, a3, k;
    float ic1, ic2;
} eng_svf;

/* g = tan(pi fc / fs) already computed; k = 1/Q style damping (2 - 2 res). */
void eng_svf_set(eng_svf *f, float g, float k);
/* One sample: low-pass output in *lp, band-pass in *bp (either may be
 * NULL); returns the high-pass output. */
static inline float eng_svf_tick(eng_svf *f, float v0, float *lp, float *bp)
{
    float v3 = v0 - f->ic2;
    float v1 = f->a1 * f->ic1 + f->a2 * v3;
    float v2 = f->ic2 + f->a2 * f->ic1 + f->a3 * v3;
    f->ic1 = 2.0f * v1 - f->ic1;
    f->ic2 = 2.0f * v2 - f->ic2;
    if (lp)
        *lp = v2;
    if (bp)
        *bp = v1;
    return v0 - f->k * v1 - v2;
}

/* sin(2 pi p) for a phase p in cycles: folded to a quarter wave and a
 * Taylor polynomial to y^9 (error < 4e-7); several times cheaper than
 * libm's sin and the same on every build (no FMA contraction here). */
static inline float eng_sin_cycles(double p)
{
    float x = (float)(p - (double)(int64_t)(p + 0.5 - (p < -0.5)));
    if (x > 0.25f)
        x = 0.5f - x;
    else if (x < -0.25f)
        x = -0.5f - x;
    float y = 6.28318530718f * x, y2 = y * y;
    return y * (1.0f + y2 * (-1.0f / 6 + y2 * (1.0f / 120 +
           y2 * (-1.0f / 5040 + y2 * (1.0f / 362880)))));
}

enum { ENV_ATTACK = 0, ENV_DECAY, ENV_RELEASE, ENV_DONE };

typedef struct eng_adsr {
    int stage;
    float level;
    float a_inc, d_coef, s_level, r_coef;
} eng_adsr;

typedef struct synth_voice {
    double p1, p2;        /* oscillator phases, 0..1 */
    double inc1, inc2;    /* phase increments per frame */
    eng_adsr amp, flt;
    eng_svf svf;
    float fc;             /* cutoff the filter was last set for */
} synth_voice;

typedef struct drum_voice {
    int kind;             /* DRUM_* in drums.c */
    double ph, ph2;       /* tone phases */
    double f, f_end, f_coef; /* pitch sweep (cycles per frame): f -> f_end */
    double f2;            /* snare: the second tone (cycles per frame) */
    float tone, tone_coef;   /* tone envelope */
    float noise, noise_coef; /* noise envelope */
    float tone_mix, noise_mix;
    uint32_t rng;
    eng_svf nf;           /* noise filter */
    int burst;            /* clap: frames until the next burst */
    int bursts;           /* clap: bursts still to come */
    int burst_gap;        /* clap: frames between bursts */
    float tail_coef;      /* clap: noise decay after the last burst */
} drum_voice;

typedef struct eng_voice {
    bool active;
    bool released;        /* note-off seen */
    bool audition;        /* not from the timeline */
    int ramp;             /* tails: declick frames left, 0 otherwise */
    int done;             /* offset in the current block rendered up to */
    int pitch;
    float gain;           /* velocity x instrument gain, linear */
    int64_t on;           /* timeline frame of the note-on (matching) */
    int64_t at;           /* timeline frame of the next sample */
    int64_t remain;       /* frames until the note-off */
    int64_t t;            /* frames rendered since the note-on */
    uint64_t age;         /* start order in this state */
    eng_note_env env;     /* the clip's gain and fades (timeline notes) */
    union {
        synth_voice s;
        drum_voice d;
    } u;
} eng_voice;

/* ---- synth.c ---- */
void eng_synth_start(eng_voice *v, const eng_synth_params *p, int fs);
void eng_synth_release(eng_voice *v);
/* Writes n samples (assigns out[0..n)); false once the voice is silent
 * (the rest of out is then 0). */
bool eng_synth_run(eng_voice *v, const eng_synth_params *p, int fs,
                   float *out, int n);
/* Level of the amplitude envelope (for choosing a voice to steal). */
float eng_synth_level(const eng_voice *v);

/* ---- drums.c ---- */
/* Starts a drum voice; false when the pitch has no drum (silent). */
bool eng_drum_start(eng_voice *v, const eng_drum_params *p, int fs);
bool eng_drum_run(eng_voice *v, float *out, int n);
float eng_drum_level(const eng_voice *v);
/* True when a note of `pitch` chokes a voice playing `victim` (42 -> 46). */
bool eng_drum_chokes(int pitch, int victim);

/* ---- gm.c (FluidSynth; without it these render silence) ---- */
typedef struct eng_gm eng_gm;
eng_gm *eng_gm_new(int fs);
void eng_gm_free(eng_gm *g);
void eng_gm_program(eng_gm *g, int bank, int program);
void eng_gm_note_on(eng_gm *g, int pitch, int vel);
void eng_gm_note_off(eng_gm *g, int pitch);
void eng_gm_all_off(eng_gm *g);
/* Renders n frames of FluidSynth's stereo output (assigns L and R). */
void eng_gm_run(eng_gm *g, float *L, float *R, int n);

#endif
