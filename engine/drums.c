/* drums.c -- the drum machine's synthesised kit on the General MIDI drum
 * notes: 36 kick, 37 rim, 38 snare, 39 clap, 41/45/48 toms, 42 closed hat
 * (which chokes 46), 46 open hat, 49 crash. Each drum is a one-shot: a
 * swept sine and/or filtered noise with exponential decays; note-offs are
 * ignored. The noise is a per-voice xorshift seeded from the note, so a
 * render is the same every time. Recipes are in docs/engine.md. */
#include <math.h>
#include <string.h>

#include "engine/inst_priv.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum {
    DRUM_KICK = 1, DRUM_RIM, DRUM_SNARE, DRUM_CLAP, DRUM_TOM, DRUM_CHAT,
    DRUM_OHAT, DRUM_CRASH
};

#define DRUM_FLOOR 1e-4f /* both envelopes below -80 dB: the voice ends */

static int kind_of(int pitch)
{
    switch (pitch) {
    case 36: return DRUM_KICK;
    case 37: return DRUM_RIM;
    case 38: return DRUM_SNARE;
    case 39: return DRUM_CLAP;
    case 41: case 45: case 48: return DRUM_TOM;
    case 42: return DRUM_CHAT;
    case 46: return DRUM_OHAT;
    case 49: return DRUM_CRASH;
    default: return 0;
    }
}

bool eng_drum_chokes(int pitch, int victim)
{
    return pitch == 42 && victim == 46;
}

/* exp(-1/(tau fs)): a decay with time constant tau seconds */
static float decay_coef(double tau, int fs)
{
    return (float)exp(-1.0 / (tau * fs));
}

static float tan_g(double fc, int fs)
{
    double f = fc > 0.45 * fs ? 0.45 * fs : fc;
    return (float)tan(M_PI * f / fs);
}

bool eng_drum_start(eng_voice *v, const eng_drum_params *p, int fs)
{
    drum_voice *d = &v->u.d;
    double tune = pow(2.0, (p->tune < -12 ? -12 : p->tune > 12 ? 12 : p->tune)
                               / 12.0);
    double dm = p->decay < 0.25 ? 0.25 : p->decay > 4 ? 4 : p->decay;

    memset(d, 0, sizeof *d);
    d->kind = kind_of(v->pitch);
    d->rng = 0x9e3779b9u ^ ((uint32_t)v->pitch * 2654435761u) ^
             (uint32_t)(v->on * 40503);
    if (!d->rng)
        d->rng = 1;
    d->tone = d->noise = 1.0f;
    tune /= fs; /* frequencies below are in cycles per frame */
    switch (d->kind) {
    case DRUM_KICK:
        d->f = 150.0 * tune;
        d->f_end = 45.0 * tune;
        d->f_coef = exp(-1.0 / (0.035 * fs));
        d->tone_coef = decay_coef(0.22 * dm, fs);
        d->tone_mix = 1.0f;
        break;
    case DRUM_RIM:
        d->f = d->f_end = 1700.0 * tune;
        d->f_coef = 1.0;
        d->tone_coef = decay_coef(0.012 * dm, fs);
        d->noise_coef = decay_coef(0.006 * dm, fs);
        d->tone_mix = 0.6f;
        d->noise_mix = 0.4f;
        eng_svf_set(&d->nf, tan_g(3500.0 * tune * fs, fs), 1.0f);
        break;
    case DRUM_SNARE:
        d->f = d->f_end = 185.0 * tune;
        d->f2 = 330.0 * tune;
        d->f_coef = 1.0;
        d->tone_coef = decay_coef(0.05 * dm, fs);
        d->noise_coef = decay_coef(0.11 * dm, fs);
        d->tone_mix = 0.5f;
        d->noise_mix = 0.6f;
        eng_svf_set(&d->nf, tan_g(3000.0 * tune * fs, fs), 0.8f);
        break;
    case DRUM_CLAP:
        d->noise_coef = decay_coef(0.008 * dm, fs);
        d->noise_mix = 0.9f;
        d->bursts = 3;
        d->burst = d->burst_gap = (int)(0.01 * fs);
        d->tail_coef = decay_coef(0.12 * dm, fs);
        eng_svf_set(&d->nf, tan_g(1200.0 * tune * fs, fs), 0.6f);
        break;
    case DRUM_TOM: {
        double base = v->pitch == 41 ? 90.0 : v->pitch == 45 ? 120.0 : 160.0;
        d->f = 1.4 * base * tune;
        d->f_end = base * tune;
        d->f_coef = exp(-1.0 / (0.05 * fs));
        d->tone_coef = decay_coef(0.3 * dm, fs);
        d->tone_mix = 0.9f;
        break;
    }
    case DRUM_CHAT:
    case DRUM_OHAT:
        d->noise_coef = decay_coef((d->kind == DRUM_CHAT ? 0.03 : 0.3) * dm, fs);
        d->noise_mix = 0.5f;
        eng_svf_set(&d->nf, tan_g(7000.0 * tune * fs, fs), 1.2f);
        break;
    case DRUM_CRASH:
        d->noise_coef = decay_coef(1.1 * dm, fs);
        d->noise_mix = 0.45f;
        eng_svf_set(&d->nf, tan_g(5000.0 * tune * fs, fs), 1.0f);
        break;
    default:
        return false;
    }
    if (d->tone_mix == 0.0f)
        d->tone = 0.0f;
    if (d->noise_mix == 0.0f)
        d->noise = 0.0f;
    return true;
}

float eng_drum_level(const eng_voice *v)
{
    const drum_voice *d = &v->u.d;
    return d->tone > d->noise ? d->tone : d->noise;
}

static inline float noise(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return (float)((int32_t)x) * (1.0f / 2147483648.0f);
}

bool eng_drum_run(eng_voice *v, float *out, int n)
{
    drum_voice *d = &v->u.d;
    const int k = d->kind;
    for (int i = 0; i < n; i++) {
        if (d->tone < DRUM_FLOOR && d->noise < DRUM_FLOOR && d->bursts == 0) {
            memset(out + i, 0, (size_t)(n - i) * sizeof *out);
            return false;
        }
        float y = 0.0f;
        if (d->tone_mix > 0.0f) {
            float s = eng_sin_cycles(d->ph);
            if (k == DRUM_SNARE)
                s = 0.6f * s + 0.4f * eng_sin_cycles(d->ph2);
            y += d->tone_mix * d->tone * s;
            d->tone *= d->tone_coef;
            d->ph += d->f;
            d->ph -= d->ph >= 1.0 ? 1.0 : 0.0;
            d->ph2 += d->f2;
            d->ph2 -= d->ph2 >= 1.0 ? 1.0 : 0.0;
            d->f = d->f_end + (d->f - d->f_end) * d->f_coef;
        }
        if (d->noise_mix > 0.0f) {
            float lp, bp, x = noise(&d->rng);
            float hp = eng_svf_tick(&d->nf, x, &lp, &bp);
            float nz = (k == DRUM_CHAT || k == DRUM_OHAT || k == DRUM_CRASH)
                           ? hp : bp;
            y += d->noise_mix * d->noise * nz;
            d->noise *= d->noise_coef;
            if (d->bursts > 0 && --d->burst <= 0) {
                /* clap: re-trigger the noise; the last burst rings longer */
                d->bursts--;
                d->noise = 1.0f;
                d->burst = d->burst_gap;
                if (d->bursts == 0)
                    d->noise_coef = d->tail_coef;
            }
        }
        out[i] = y;
        v->t++;
    }
    return true;
}
