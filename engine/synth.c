/* synth.c -- the built-in polyphonic subtractive synth, one voice at a
 * time: two band-limited oscillators (PolyBLEP saw and square, triangle,
 * sine) with detune and octave, a resonant TPT state-variable low-pass
 * whose cutoff its own ADSR opens by env_amount octaves, and an amplitude
 * ADSR; the presets. Everything runs on a voice-local clock so the output
 * does not depend on block sizes. Curves are in docs/engine.md. */
#include <math.h>
#include <string.h>

#include "engine/inst_priv.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define FILTER_STEP 32   /* frames between cutoff updates (voice clock) */
#define ENV_FLOOR 1e-4f  /* -80 dB: a releasing envelope below it is done */

static const struct preset {
    const char *name;
    eng_synth_params p;
} presets[] = {
    /* the same values as protocol/instruments.c fills documents with */
    {"keys", {ENG_WAVE_SAW, ENG_WAVE_SAW, 0, 7.0, 0.5, 2000.0, 0.2, 2.0,
              0.005, 0.3, 0.3, 0.3, 0.005, 0.2, 0.7, 0.3, -6.0}},
    {"bass", {ENG_WAVE_SAW, ENG_WAVE_SQUARE, -1, 0.0, 0.4, 400.0, 0.4, 3.0,
              0.001, 0.2, 0.1, 0.1, 0.002, 0.3, 0.8, 0.1, -6.0}},
    {"lead", {ENG_WAVE_SAW, ENG_WAVE_SQUARE, 0, 10.0, 0.5, 3000.0, 0.3, 2.0,
              0.005, 0.2, 0.5, 0.2, 0.01, 0.1, 0.9, 0.2, -8.0}},
    {"pad", {ENG_WAVE_SAW, ENG_WAVE_SAW, 1, 12.0, 0.5, 1200.0, 0.1, 1.5,
             0.8, 1.5, 0.6, 1.5, 0.6, 1.0, 0.8, 1.5, -10.0}},
};

void eng_synth_preset(const char *name, eng_synth_params *p)
{
    *p = presets[0].p;
    for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(name, presets[i].name) == 0)
            *p = presets[i].p;
}

/* ---- the filter ----------------------------------------------------------- */

void eng_svf_set(eng_svf *f, float g, float k)
{
    f->k = k;
    f->a1 = 1.0f / (1.0f + g * (g + k));
    f->a2 = g * f->a1;
    f->a3 = g * f->a2;
}

/* ---- envelopes --------------------------------------------------------------
 * Attack: linear 0 -> 1 in `attack` seconds. Decay: exponential towards the
 * sustain level, -60 dB of the distance after `decay` seconds. Release:
 * exponential towards 0, -60 dB after `release` seconds, done at -80 dB. */

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static void adsr_start(eng_adsr *e, double a, double d, double s, double r,
                       int fs)
{
    e->stage = ENV_ATTACK;
    e->level = 0.0f;
    e->a_inc = (float)(1.0 / (clampd(a, 0.001, 10.0) * fs));
    e->d_coef = (float)exp(-6.907755 / (clampd(d, 0.001, 10.0) * fs));
    e->s_level = (float)clampd(s, 0.0, 1.0);
    e->r_coef = (float)exp(-6.907755 / (clampd(r, 0.001, 10.0) * fs));
}

static inline void adsr_tick(eng_adsr *e)
{
    switch (e->stage) {
    case ENV_ATTACK:
        e->level += e->a_inc;
        if (e->level >= 1.0f) {
            e->level = 1.0f;
            e->stage = ENV_DECAY;
        }
        break;
    case ENV_DECAY:
        e->level = e->s_level + (e->level - e->s_level) * e->d_coef;
        break;
    case ENV_RELEASE:
        e->level *= e->r_coef;
        if (e->level < ENV_FLOOR) {
            e->level = 0.0f;
            e->stage = ENV_DONE;
        }
        break;
    default:
        break;
    }
}

/* ---- oscillators ------------------------------------------------------------ */

/* The PolyBLEP residual for a step at phase 0 (t in 0..1, dt the increment). */
static inline double blep(double t, double dt)
{
    if (t < dt) {
        t /= dt;
        return t + t - t * t - 1.0;
    }
    if (t > 1.0 - dt) {
        t = (t - 1.0) / dt;
        return t * t + t + t + 1.0;
    }
    return 0.0;
}

static inline double osc(int wave, double p, double dt)
{
    switch (wave) {
    case ENG_WAVE_SAW:
        return 2.0 * p - 1.0 - blep(p, dt);
    case ENG_WAVE_SQUARE: {
        double q = p + 0.5;
        q -= q >= 1.0 ? 1.0 : 0.0;
        return (p < 0.5 ? 1.0 : -1.0) + blep(p, dt) - blep(q, dt);
    }
    case ENG_WAVE_TRIANGLE:
        return 4.0 * fabs(p - 0.5) - 1.0;
    default:
        return eng_sin_cycles(p);
    }
}

/* ---- the voice ----------------------------------------------------------------- */

void eng_synth_start(eng_voice *v, const eng_synth_params *p, int fs)
{
    synth_voice *s = &v->u.s;
    double f = 440.0 * pow(2.0, (v->pitch - 69) / 12.0);
    double f2 = f * pow(2.0, clampd(p->octave2, -2, 2) +
                                 clampd(p->detune, -100, 100) / 1200.0);
    memset(s, 0, sizeof *s);
    s->inc1 = clampd(f / fs, 0.0, 0.45);
    s->inc2 = clampd(f2 / fs, 0.0, 0.45);
    adsr_start(&s->amp, p->attack, p->decay, p->sustain, p->release, fs);
    adsr_start(&s->flt, p->f_attack, p->f_decay, p->f_sustain, p->f_release,
               fs);
}

void eng_synth_release(eng_voice *v)
{
    synth_voice *s = &v->u.s;
    if (s->amp.stage < ENV_RELEASE)
        s->amp.stage = ENV_RELEASE;
    if (s->flt.stage < ENV_RELEASE)
        s->flt.stage = ENV_RELEASE;
}

float eng_synth_level(const eng_voice *v)
{
    return v->u.s.amp.level;
}

bool eng_synth_run(eng_voice *v, const eng_synth_params *p, int fs,
                   float *out, int n)
{
    synth_voice *s = &v->u.s;
    const int w1 = p->osc1, w2 = p->osc2;
    const double mix = clampd(p->mix, 0.0, 1.0);
    const double fmax = 0.45 * fs;
    const float k = (float)(2.0 - 2.0 * clampd(p->resonance, 0.0, 0.95));
    const double cutoff = clampd(p->cutoff, 20.0, 20000.0);
    const double amount = clampd(p->env_amount, 0.0, 8.0);

    for (int i = 0; i < n; i++) {
        if (s->amp.stage == ENV_DONE) {
            memset(out + i, 0, (size_t)(n - i) * sizeof *out);
            return false;
        }
        if ((v->t & (FILTER_STEP - 1)) == 0) {
            float fc = (float)cutoff * exp2f((float)amount * s->flt.level);
            fc = fc > (float)fmax ? (float)fmax : fc;
            if (fc != s->fc || k != s->svf.k) {
                s->fc = fc;
                eng_svf_set(&s->svf, tanf((float)M_PI * fc / (float)fs), k);
            }
        }
        double x = (1.0 - mix) * osc(w1, s->p1, s->inc1) +
                   mix * osc(w2, s->p2, s->inc2);
        float lp;
        eng_svf_tick(&s->svf, (float)x, &lp, NULL);
        out[i] = lp * s->amp.level;
        adsr_tick(&s->amp);
        adsr_tick(&s->flt);
        s->p1 += s->inc1;
        s->p1 -= s->p1 >= 1.0 ? 1.0 : 0.0;
        s->p2 += s->inc2;
        s->p2 -= s->p2 >= 1.0 ? 1.0 : 0.0;
        v->t++;
    }
    return true;
}
