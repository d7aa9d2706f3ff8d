/* dsp.h -- the signal-processing building blocks of the mix engine:
 * dB conversion, the pan law, fade curves, RBJ biquads (EQ), a feed-forward
 * compressor, a look-ahead brickwall limiter, a feedback delay and a
 * feedback-delay-network reverb. All stereo processors work in place on
 * separate left/right float buffers, never allocate after their *_init, and
 * are deterministic. Every curve is documented in docs/engine.md. */
#ifndef MIXROOM_ENGINE_DSP_H
#define MIXROOM_ENGINE_DSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- conversions, laws, curves ---------------------------------------- */

/* 10^(db/20); returns 0 for db <= -200 (our -inf). */
float eng_db_to_lin(double db);

/* 20*log10(lin); -200 for lin <= 1e-10. */
double eng_lin_to_db(double lin);

/* Constant-power pan law, -3.01 dB in the centre:
 * left = cos((pan+1)*pi/4), right = sin((pan+1)*pi/4), pan clamped to -1..1. */
void eng_pan_gains(double pan, float *left, float *right);

/* Equal-power fade gain at position t in [0,1] of the fade:
 * fade-in sin(t*pi/2), fade-out cos(t*pi/2). t is clamped. */
float eng_fade_in_gain(double t);
float eng_fade_out_gain(double t);

/* ---- biquad / EQ -------------------------------------------------------- */

enum eng_eq_type {
    ENG_EQ_PEAK = 0,
    ENG_EQ_LOWSHELF,
    ENG_EQ_HIGHSHELF,
    ENG_EQ_LOWPASS,
    ENG_EQ_HIGHPASS
};

#define ENG_EQ_MAX_BANDS 8

typedef struct eng_biquad_coef {
    float b0, b1, b2, a1, a2; /* normalised so a0 = 1 */
} eng_biquad_coef;

typedef struct eng_eq_band {
    int type;     /* enum eng_eq_type */
    double freq;  /* Hz */
    double gain;  /* dB (peak and shelves) */
    double q;     /* Q (shelves: used as the RBJ "Q" too) */
} eng_eq_band;

/* RBJ Audio-EQ-Cookbook coefficients for one band at sample rate fs.
 * Frequencies are clamped below 0.49*fs. */
void eng_biquad_design(eng_biquad_coef *c, const eng_eq_band *band, double fs);

/* |H(e^{jw})| of c at frequency f (Hz) and sample rate fs, in dB. */
double eng_biquad_mag_db(const eng_biquad_coef *c, double f, double fs);

typedef struct eng_eq {
    int nbands;
    eng_biquad_coef coef[ENG_EQ_MAX_BANDS];
    float z[ENG_EQ_MAX_BANDS][2][2]; /* [band][channel][state] TDF-II */
} eng_eq;

/* Designs the bands (at most ENG_EQ_MAX_BANDS) keeping filter state. */
void eng_eq_set(eng_eq *eq, const eng_eq_band *bands, int nbands, double fs);
void eng_eq_reset(eng_eq *eq);
void eng_eq_process(eng_eq *eq, float *l, float *r, int n);
/* Up to four EQs on four separate tracks in one vector pass (NULL entries
 * are skipped; l[k], r[k] are track k's buffers, distinct per track);
 * bit-identical to eng_eq_process on each. */
void eng_eq_process4(eng_eq *const eq[4], float *const l[4],
                     float *const r[4], int n);

/* ---- compressor ---------------------------------------------------------- */

typedef struct eng_comp_params {
    double threshold; /* dB */
    double ratio;     /* 1..20 */
    double attack;    /* ms */
    double release;   /* ms */
    double knee;      /* dB (full width) */
    double makeup;    /* dB */
} eng_comp_params;

typedef struct eng_comp {
    eng_comp_params p;
    double fs;
    float att_coef, rel_coef; /* per detector step (ENG_COMP_STEP samples) */
    float env_db;             /* smoothed gain change, dB (<= 0) */
    /* The detector's step is block independent: samples of step s are
     * scaled by a ramp from gain_from (the gain after step s-2) to gain
     * (after step s-1), so no sample waits for its own step's peak; the
     * step in progress carries its peak so far and position across calls
     * (docs/engine.md "Compressor"). */
    float gain;               /* linear gain after the last full step */
    float gain_from;          /* the gain one step before (ramp start) */
    float peak;               /* stereo peak of the step in progress */
    int pos;                  /* samples of the step in progress, 0..7 */
} eng_comp;

#define ENG_COMP_STEP 8

/* Static curve: output level (dB) for a steady input level x (dB). */
double eng_comp_curve(const eng_comp_params *p, double x);
void eng_comp_init(eng_comp *c, double fs);
void eng_comp_set(eng_comp *c, const eng_comp_params *p);
void eng_comp_reset(eng_comp *c);
/* Compresses n stereo samples in place; the output and the state depend
 * only on the samples, not on how they are cut into calls. */
void eng_comp_process(eng_comp *c, float *l, float *r, int n);
/* Up to four compressors on four separate tracks in one vector pass (NULL
 * entries are skipped); bit-identical to eng_comp_process on each. */
void eng_comp_process4(eng_comp *const c[4], float *const l[4],
                       float *const r[4], int n);
/* The state eng_comp_process leaves after n zero samples, without the
 * audio (bit-identical; for skipping a silent track). */
void eng_comp_silence(eng_comp *c, int n);

/* ---- limiter -------------------------------------------------------------- */

#define ENG_LIMITER_MAX_LOOKAHEAD_MS 10.0

typedef struct eng_limiter {
    double fs;
    float ceiling;      /* linear */
    float rel_coef;     /* one-pole release per sample */
    int la;             /* look-ahead in samples */
    int cap;            /* ring capacity (>= max look-ahead + 1) */
    float *dl, *dr;     /* audio delay rings (cap) */
    float *mins;        /* box-filter ring of smoothed minima (cap) */
    int *dq_idx;        /* monotonic deque for the sliding minimum (cap) */
    float *dq_val;
    int dq_head, dq_len;
    int64_t t;          /* samples processed since reset */
    float rel_env;
    double box_sum;
    int pos;
} eng_limiter;

/* Allocates rings for look-ahead up to ENG_LIMITER_MAX_LOOKAHEAD_MS. */
int eng_limiter_init(eng_limiter *lim, double fs);
void eng_limiter_free(eng_limiter *lim);
/* Sets parameters; a change of look-ahead resets the state. */
void eng_limiter_set(eng_limiter *lim, double ceiling_db, double release_ms,
                     double lookahead_ms);
void eng_limiter_reset(eng_limiter *lim);
void eng_limiter_process(eng_limiter *lim, float *l, float *r, int n);

/* ---- delay ------------------------------------------------------------------ */

#define ENG_DELAY_MAX_MS 2000.0

typedef struct eng_delay {
    double fs;
    int cap;            /* power of two >= max delay + 4: the period of w */
    int ucap;           /* the ring in use: a power of two <= cap holding
                         * the last ucap values written (slot p & (ucap-1));
                         * grown by eng_delay_set, shrunk by reset */
    float *bl, *br;     /* cap floats each, only the first ucap touched */
    int hw;             /* high water: slots at or past hw were never
                         * written (still the mapping's zeros), so set and
                         * reset clear at most hw of them */
    int w;              /* write position modulo cap (as with a full ring) */
    float time, target; /* delay in samples (smoothed) */
    float feedback, mix;
    float smooth;       /* one-pole coefficient for time changes */
    bool primed;
    bool idle;          /* every buffer value is exactly 0 (eng_delay_quiet) */
} eng_delay;

int eng_delay_init(eng_delay *d, double fs);
void eng_delay_free(eng_delay *d);
void eng_delay_set(eng_delay *d, double time_ms, double feedback, double mix);
void eng_delay_reset(eng_delay *d);
void eng_delay_process(eng_delay *d, float *l, float *r, int n);

/* Note length in ms for a sync value ("1/4", "1/8d", "1/8t", ...) at tempo
 * bpm; a negative value when sync is not a known note value. */
double eng_delay_sync_ms(const char *sync, double tempo);

/* ---- reverb ------------------------------------------------------------------ */

#define ENG_REVERB_LINES 8
#define ENG_REVERB_MAX_PREDELAY_MS 200.0

typedef struct eng_reverb {
    double fs;
    float *mem;                       /* one block for every line */
    float *line[ENG_REVERB_LINES];
    int len[ENG_REVERB_LINES];
    int pos[ENG_REVERB_LINES];
    float lp[ENG_REVERB_LINES];       /* damping filter states */
    float *ap[4];                     /* input diffusers */
    int ap_len[4], ap_pos[4];
    float *pre;                       /* predelay ring (mono) */
    int pre_cap, pre_pos, pre_len;
    float fb, damp, mix;
    bool idle;          /* all memory exactly 0 (eng_reverb_quiet) */
} eng_reverb;

int eng_reverb_init(eng_reverb *rv, double fs);
void eng_reverb_free(eng_reverb *rv);
void eng_reverb_set(eng_reverb *rv, double size, double damping,
                    double predelay_ms, double mix);
void eng_reverb_reset(eng_reverb *rv);
void eng_reverb_process(eng_reverb *rv, float *l, float *r, int n);
/* Up to four reverbs on four separate tracks in one pass (NULL entries
 * are skipped; every reverb made at the same sample rate; dsp_reverb4.c);
 * bit-identical to eng_reverb_process on each. */
void eng_reverb_process4(eng_reverb *const rv[4], float *const l[4],
                         float *const r[4], int n);

/* ---- decayed tails ----------------------------------------------------------
 * An effect whose input is silent and whose memory holds nothing above
 * ENG_TAIL_EPS (1e-8, -160 dBFS) in magnitude has a decayed tail: its
 * memory is then set to exactly 0 and, while the input stays silent, it
 * produces exact zeros and may be skipped (docs/engine.md, "Skipping
 * silence"). Each *_quiet returns true when the effect is (now) in that
 * state; each *_silence advances it over n silent samples as processing
 * them would. */
#define ENG_TAIL_EPS 1e-8f

bool eng_eq_quiet(eng_eq *eq);
bool eng_delay_quiet(eng_delay *d);
void eng_delay_silence(eng_delay *d, int n);
bool eng_reverb_quiet(eng_reverb *rv);
void eng_reverb_silence(eng_reverb *rv, int n);

#endif
