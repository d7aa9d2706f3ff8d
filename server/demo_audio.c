/* demo_audio.c -- a tiny synthesizer for the demo song: a four-on-the-
 * floor-ish drum kit from sine sweeps and filtered noise, a bass line of
 * eighth notes from a few harmonics through a one-pole low-pass, and
 * chords (Am F C G, one bar each) from detuned soft saws. Then libsndfile
 * writes the stems. */
#include "server/demo_audio.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const char *const names[SRV_DEMO_STEMS] = {"Drums", "Bass", "Chords"};
static const char *const files[SRV_DEMO_STEMS] = {
    "demo-drums.wav", "demo-bass.wav", "demo-chords.flac"};

/* The progression, one chord per bar (MIDI notes), and the bass roots. */
static const int chords[4][4] = {
    {57, 60, 64, 69}, /* Am */
    {53, 57, 60, 65}, /* F  */
    {55, 60, 64, 67}, /* C/G */
    {55, 59, 62, 67}, /* G  */
};
static const int roots[4] = {33, 29, 36, 31}; /* A1 F1 C2 G1 */

const char *srv_demo_stem_name(int stem)
{
    return stem >= 0 && stem < SRV_DEMO_STEMS ? names[stem] : "";
}

const char *srv_demo_stem_file(int stem)
{
    return stem >= 0 && stem < SRV_DEMO_STEMS ? files[stem] : "";
}

int64_t srv_demo_frames(int rate, double bpm, int bars)
{
    return (int64_t)llround(bars * 4 * 60.0 / bpm * rate);
}

static double midi_hz(int note)
{
    return 440.0 * pow(2.0, (note - 69) / 12.0);
}

/* A deterministic noise source in [-1, 1). */
static double noise(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (double)(*state >> 8) / 8388608.0 - 1.0;
}

static void add_kick(float *out, int ch, int64_t n, int64_t at, int rate)
{
    double phase = 0;
    int64_t len = (int64_t)(0.35 * rate);

    for (int64_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / rate;
        double f = 48.0 + 110.0 * exp(-t * 28.0);
        phase += 2 * M_PI * f / rate;
        double v = sin(phase) * exp(-t * 9.0) * 0.9;
        for (int c = 0; c < ch; c++)
            out[(at + i) * ch + c] += (float)v;
    }
}

static void add_snare(float *out, int ch, int64_t n, int64_t at, int rate,
                      unsigned *seed)
{
    int64_t len = (int64_t)(0.22 * rate);
    double lp = 0;

    for (int64_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / rate;
        double x = noise(seed);
        lp += 0.5 * (x - lp);
        double v = (x - lp) * exp(-t * 18.0) * 0.55 +
                   sin(2 * M_PI * 185.0 * t) * exp(-t * 30.0) * 0.35;
        for (int c = 0; c < ch; c++)
            out[(at + i) * ch + c] += (float)v;
    }
}

static void add_hat(float *out, int ch, int64_t n, int64_t at, int rate,
                    unsigned *seed, double gain, double pan)
{
    int64_t len = (int64_t)(0.06 * rate);
    double prev = 0;

    for (int64_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / rate;
        double x = noise(seed);
        double v = (x - prev) * 0.5 * exp(-t * 70.0) * gain;
        prev = x;
        if (ch == 2) {
            out[(at + i) * 2] += (float)(v * (1.0 - pan) );
            out[(at + i) * 2 + 1] += (float)(v * (1.0 + pan));
        } else {
            out[at + i] += (float)v;
        }
    }
}

static void render_drums(float *out, int ch, int64_t n, int rate, double bpm,
                         int bars)
{
    double beat = 60.0 / bpm * rate;
    unsigned seed = 12345u;

    for (int b = 0; b < bars * 4; b++) {
        int64_t at = (int64_t)llround(b * beat);
        if (b % 4 == 0 || b % 4 == 2 || (b % 8 == 7))
            add_kick(out, ch, n, at, rate);
        if (b % 4 == 3 && b % 8 == 7) /* a pickup kick on the "and" */
            add_kick(out, ch, n, at + (int64_t)(beat / 2), rate);
        if (b % 2 == 1)
            add_snare(out, ch, n, at, rate, &seed);
        for (int e = 0; e < 2; e++)
            add_hat(out, ch, n, at + (int64_t)llround(e * beat / 2), rate,
                    &seed, e ? 0.35 : 0.55, 0.3);
    }
}

static void render_bass(float *out, int ch, int64_t n, int rate, double bpm,
                        int bars)
{
    double eighth = 30.0 / bpm * rate;
    double lp = 0, phase = 0;

    for (int64_t i = 0; i < n; i++) {
        int64_t step = (int64_t)(i / eighth);
        int bar = (int)(step / 8) % 4;
        int in_bar = (int)(step % 8);
        int note = roots[bar] + (in_bar == 6 ? 12 : in_bar == 7 ? 7 : 0);
        double t = (i - step * eighth) / rate;
        double f = midi_hz(note);
        phase += f / rate;
        phase -= floor(phase);
        double x = 0;
        for (int h = 1; h <= 6; h++)
            x += sin(2 * M_PI * phase * h) / h;
        double env = (1.0 - exp(-t * 400.0)) * exp(-t * 5.0);
        lp += 0.12 * (x * env - lp);
        for (int c = 0; c < ch; c++)
            out[i * ch + c] = (float)(lp * 0.8);
    }
    (void)bars;
}

static void render_chords(float *out, int ch, int64_t n, int rate, double bpm,
                          int bars)
{
    double bar_len = 240.0 / bpm * rate;
    double phases[2][4][2] = {{{0}}};
    double lp[2] = {0, 0};

    for (int64_t i = 0; i < n; i++) {
        int bar = (int)(i / bar_len);
        double t = (i - bar * bar_len) / rate;
        double bar_s = bar_len / rate;
        double env = (1.0 - exp(-t * 12.0)) *
                     (t > bar_s - 0.08 ? (bar_s - t) / 0.08 : 1.0) *
                     (0.75 + 0.25 * exp(-t * 2.0));
        const int *chord = chords[bar % 4];
        for (int c = 0; c < ch; c++) {
            double x = 0;
            for (int k = 0; k < 4; k++) {
                for (int d = 0; d < 2; d++) {
                    double det = (d ? 1.0 : -1.0) * (c ? 0.004 : 0.0025);
                    double f = midi_hz(chord[k]) * (1.0 + det);
                    double *ph = &phases[c][k][d];
                    *ph += f / rate;
                    *ph -= floor(*ph);
                    x += (2.0 * *ph - 1.0) * 0.5 + sin(2 * M_PI * *ph) * 0.5;
                }
            }
            lp[c] += 0.08 * (x - lp[c]);
            out[i * ch + c] = (float)(lp[c] * env * 0.12);
        }
    }
    (void)bars;
}

float *srv_demo_render(int stem, int rate, double bpm, int bars,
                       int *channels)
{
    int64_t n = srv_demo_frames(rate, bpm, bars);
    int ch = stem == SRV_DEMO_BASS ? 1 : 2;
    float *out;
    float peak = 0;

    if (stem < 0 || stem >= SRV_DEMO_STEMS || n <= 0)
        return NULL;
    out = calloc((size_t)n * (size_t)ch, sizeof *out);
    if (!out)
        return NULL;
    if (stem == SRV_DEMO_DRUMS)
        render_drums(out, ch, n, rate, bpm, bars);
    else if (stem == SRV_DEMO_BASS)
        render_bass(out, ch, n, rate, bpm, bars);
    else
        render_chords(out, ch, n, rate, bpm, bars);
    for (int64_t i = 0; i < n * ch; i++)
        peak = fmaxf(peak, fabsf(out[i]));
    if (peak > 0)
        for (int64_t i = 0; i < n * ch; i++)
            out[i] *= 0.7f / peak;
    *channels = ch;
    return out;
}

int srv_demo_write_stem(int stem, const char *path, int rate, double bpm,
                        int bars, char *err, size_t errlen)
{
    SF_INFO info;
    SNDFILE *sf = NULL;
    int ch = 0, rc = -1;
    int64_t n = srv_demo_frames(rate, bpm, bars);
    float *buf = srv_demo_render(stem, rate, bpm, bars, &ch);

    if (!buf) {
        snprintf(err, errlen, "out of memory rendering the demo %s",
                 srv_demo_stem_name(stem));
        return -1;
    }
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = ch;
    info.format = stem == SRV_DEMO_CHORDS ? SF_FORMAT_FLAC | SF_FORMAT_PCM_24
                  : stem == SRV_DEMO_BASS ? SF_FORMAT_WAV | SF_FORMAT_PCM_16
                                          : SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        snprintf(err, errlen, "cannot write %s: %s", path, sf_strerror(NULL));
        goto out;
    }
    if (sf_writef_float(sf, buf, n) != n) {
        snprintf(err, errlen, "cannot write %s: %s", path, sf_strerror(sf));
        goto out;
    }
    rc = 0;
out:
    if (sf && sf_close(sf) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot finish %s", path);
        rc = -1;
    }
    free(buf);
    if (rc != 0)
        remove(path);
    return rc;
}
