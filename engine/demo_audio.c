/* demo_audio.c -- deterministic synthesis of the demo stems (drums, bass,
 * chords over Am - F - C - G) and the WAV writer they go through. No
 * randomness from the environment: noise comes from a fixed-seed
 * xorshift generator held in local state. */
#include "engine/demo_audio.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/fsutil.h"

const char *const eng_demo_stem_names[ENG_DEMO_STEMS] = {"drums", "bass",
                                                         "chords"};

/* One chord per bar: bass root and three chord tones (MIDI notes). */
static const int progression[4][4] = {
    {33, 57, 60, 64}, /* Am: A1 | A3 C4 E4 */
    {29, 57, 60, 65}, /* F:  F1 | A3 C4 F4 */
    {36, 55, 60, 64}, /* C:  C2 | G3 C4 E4 */
    {31, 55, 59, 62}, /* G:  G1 | G3 B3 D4 */
};

static double note_hz(int midi)
{
    return 440.0 * pow(2.0, (midi - 69) / 12.0);
}

static float noise(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return (float)((double)*s / 2147483648.0 - 1.0);
}

int eng_write_wav(const char *path, const float *interleaved, int channels,
                  int64_t frames, int rate, int float32)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    eng_tmpfile t;
    SF_INFO info = {.samplerate = rate, .channels = channels,
                    .format = SF_FORMAT_WAV |
                              (float32 ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16)};
    SNDFILE *sf;
    int rc = -1;

    if (channels < 1 || frames < 0 || rate <= 0) {
        errno = EINVAL;
        return -1;
    }
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (eng_tmpfile_open(&t, dir, slash ? slash + 1 : path) != 0)
        return -1;
    sf = sf_open_fd(t.fd, SFM_WRITE, &info, 0);
    if (!sf) {
        errno = EIO;
        goto out;
    }
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    if (sf_writef_float(sf, interleaved, frames) != frames) {
        sf_close(sf);
        errno = EIO;
        goto out;
    }
    if (sf_close(sf) != 0) {
        errno = EIO;
        goto out;
    }
    if (eng_tmpfile_commit(&t) != 0 || eng_fsync_dir(dir) != 0)
        goto out;
    rc = 0;
out:
    eng_tmpfile_abort(&t);
    return rc;
}

/* Adds one drum hit starting at frame `at` into the mono buffer. */
static void drum_hit(float *out, int64_t n, int64_t at, int rate, int kind,
                     uint32_t *seed)
{
    int64_t len = (int64_t)(rate * (kind == 0 ? 0.45 : kind == 1 ? 0.3 : 0.08));
    double phase = 0, hp_prev_in = 0, hp_prev_out = 0;

    for (int64_t i = 0; i < len && at + i < n; i++) {
        double t = (double)i / rate, v;
        if (kind == 0) { /* kick: sine sweep 140 -> 45 Hz, short click */
            double f = 45.0 + 95.0 * exp(-t / 0.035);
            phase += 2 * M_PI * f / rate;
            v = 0.95 * sin(phase) * exp(-t / 0.16) +
                0.25 * noise(seed) * exp(-t / 0.003);
        } else if (kind == 1) { /* snare: tone + high-passed noise */
            double nz = noise(seed);
            double hp = 0.85 * (hp_prev_out + nz - hp_prev_in);
            hp_prev_in = nz;
            hp_prev_out = hp;
            phase += 2 * M_PI * 185.0 / rate;
            v = 0.45 * sin(phase) * exp(-t / 0.05) +
                0.55 * hp * exp(-t / 0.09);
        } else { /* closed hat: strongly high-passed noise */
            double nz = noise(seed);
            double hp = 0.6 * (hp_prev_out + nz - hp_prev_in);
            hp_prev_in = nz;
            hp_prev_out = hp;
            v = 0.22 * hp * exp(-t / 0.018);
        }
        out[at + i] += (float)(0.7 * v);
    }
}

static void synth_drums(float *out, int64_t n, int rate, double beat, int bars)
{
    uint32_t seed = 0x9e3779b9u;

    for (int b = 0; b < bars; b++)
        for (int e = 0; e < 8; e++) { /* eighth notes */
            int64_t at = (int64_t)((b * 4 + e * 0.5) * beat * rate);
            if (e == 0 || e == 4 || (e == 5 && b % 2 == 1))
                drum_hit(out, n, at, rate, 0, &seed);
            if (e == 2 || e == 6)
                drum_hit(out, n, at, rate, 1, &seed);
            drum_hit(out, n, at, rate, 2, &seed);
        }
}

/* A band-limited-enough saw from its phase in [0, 1). */
static double saw(double ph)
{
    return 2.0 * ph - 1.0;
}

static void synth_bass(float *out, int64_t n, int rate, double beat, int bars)
{
    /* eighth-note pattern per bar: 1 = root, 2 = octave up, 0 = rest */
    static const int pattern[8] = {1, 0, 1, 1, 0, 1, 2, 1};

    for (int b = 0; b < bars; b++)
        for (int e = 0; e < 8; e++) {
            if (!pattern[e])
                continue;
            double f = note_hz(progression[b % 4][0] + (pattern[e] == 2 ? 12 : 0));
            int64_t at = (int64_t)((b * 4 + e * 0.5) * beat * rate);
            int64_t len = (int64_t)(0.45 * beat * rate);
            double ph = 0, lp = 0;
            for (int64_t i = 0; i < len && at + i < n; i++) {
                double t = (double)i / rate;
                double env = fmin(1.0, t / 0.004) *
                             (0.6 + 0.4 * exp(-t / 0.08)) *
                             fmin(1.0, (double)(len - i) / (0.01 * rate));
                ph += f / rate;
                ph -= floor(ph);
                /* one-pole low-pass, cutoff falling with the envelope */
                double a = 1.0 - exp(-2 * M_PI * (250 + 900 * exp(-t / 0.06)) /
                                     rate);
                lp += a * (saw(ph) + 0.5 * sin(2 * M_PI * ph) - lp);
                out[at + i] += (float)(0.55 * env * lp);
            }
        }
}

static void synth_chords(float *out, int64_t n, int rate, double beat, int bars)
{
    /* stabs: on beat 1 (long), the "and" of 2, beat 4 */
    static const double starts[3] = {0.0, 1.5, 3.0}, lens[3] = {1.4, 1.3, 0.9};
    static const double detune[2] = {-0.004, 0.005}, pan[3] = {0.3, 0.5, 0.7};

    for (int b = 0; b < bars; b++)
        for (int s = 0; s < 3; s++) {
            int64_t at = (int64_t)((b * 4 + starts[s]) * beat * rate);
            int64_t len = (int64_t)(lens[s] * beat * rate);
            for (int v = 0; v < 3; v++) {
                double f = note_hz(progression[b % 4][1 + v]);
                double lp1 = 0, lp2 = 0;
                double ph[2] = {0.13 * v, 0.57 * v};
                double gl = cos(pan[v] * M_PI / 2), gr = sin(pan[v] * M_PI / 2);
                for (int64_t i = 0; i < len && at + i < n; i++) {
                    double t = (double)i / rate;
                    double env = fmin(1.0, t / 0.02) * exp(-t / 0.9) *
                                 fmin(1.0, (double)(len - i) / (0.06 * rate));
                    double x = 0;
                    for (int d = 0; d < 2; d++) {
                        ph[d] += f * (1.0 + detune[d]) / rate;
                        ph[d] -= floor(ph[d]);
                        x += saw(ph[d]);
                    }
                    double a = 1.0 - exp(-2 * M_PI * 1600.0 / rate);
                    lp1 += a * (x - lp1);
                    lp2 += a * (lp1 - lp2);
                    float y = (float)(0.11 * env * lp2);
                    out[2 * (at + i)] += (float)gl * y;
                    out[2 * (at + i) + 1] += (float)gr * y;
                }
            }
        }
}

int eng_demo_write_stems(const char *dir, int rate, double tempo, int bars,
                         char paths[ENG_DEMO_STEMS][PATH_MAX])
{
    static const int channels[ENG_DEMO_STEMS] = {1, 1, 2};
    double beat;
    int64_t n;
    float *buf = NULL;
    int rc = -1;

    if (!dir || bars < 1 || bars > 64 || !(tempo >= 40 && tempo <= 240) ||
        rate < 8000 || rate > 192000) {
        errno = EINVAL;
        return -1;
    }
    beat = 60.0 / tempo;
    /* the loop length plus a short tail for the last release */
    n = (int64_t)ceil(bars * 4 * beat * rate);
    if (eng_mkdirs(dir) != 0)
        return -1;
    buf = malloc((size_t)n * 2 * sizeof(float));
    if (!buf)
        return -1;
    for (int s = 0; s < ENG_DEMO_STEMS; s++) {
        memset(buf, 0, (size_t)n * 2 * sizeof(float));
        if (s == 0)
            synth_drums(buf, n, rate, beat, bars);
        else if (s == 1)
            synth_bass(buf, n, rate, beat, bars);
        else
            synth_chords(buf, n, rate, beat, bars);
        if (snprintf(paths[s], PATH_MAX, "%s/%s.wav", dir,
                     eng_demo_stem_names[s]) >= PATH_MAX) {
            errno = ENAMETOOLONG;
            goto out;
        }
        if (eng_write_wav(paths[s], buf, channels[s], n, rate, 0) != 0)
            goto out;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}
