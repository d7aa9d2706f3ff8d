/* limiter.h -- true-peak safety for deliveries and meters:
 *   eng_tp: a 4x oversampling true-peak detector over interleaved stereo,
 *     with its history, so a stream of blocks is measured as one signal:
 *     the larger of two interpolators, a Kaiser-windowed sinc of 32 taps
 *     per phase (close to the band-limited peak, as ffmpeg's 192 kHz
 *     resampling sees it) and the 49-tap Hann-windowed sinc libebur128
 *     uses (BS.1770-4 Annex 2's 4x, what GET .../loudness reports), so
 *     neither meter finds the limiter's output over its ceiling;
 *   eng_tplim: a look-ahead true-peak limiter for exports. Its gain at
 *     each frame is at most the gain every inter-sample peak within the
 *     interpolator's reach needs (a min-hold spread over the filter's span,
 *     then a min-hold and a moving average over the attack, so the gain
 *     is smooth and never above what the peaks need), with an exponential
 *     release; two such stages in series catch what the first one's gain
 *     changes leave. The output is the input delayed by
 *     eng_tplim_latency() frames; nothing is allocated while processing.
 * A signal whose true peak stays under the threshold passes unchanged
 * (bit for bit, delayed). */
#ifndef MIXROOM_ENGINE_LIMITER_H
#define MIXROOM_ENGINE_LIMITER_H

#include <stdint.h>

#define ENG_TP_HALF 16           /* taps each side of an interpolated point */
#define ENG_TP_PHASES 4          /* oversampling factor */
#define ENG_TP_SHORT 6           /* taps each side, libebur128's interpolator */

typedef struct eng_tp {
    float coef[ENG_TP_PHASES - 1][2 * ENG_TP_HALF];
    float short_coef[ENG_TP_PHASES - 1][2 * ENG_TP_SHORT];
    float hist[2][2 * ENG_TP_HALF]; /* the last 2*HALF samples, per channel */
} eng_tp;

/* Sets up a detector (no allocation; a fresh history of silence). */
void eng_tp_init(eng_tp *tp);

/* Forgets the history (after a seek). */
void eng_tp_reset(eng_tp *tp);

/* The largest |x| over the n interleaved stereo frames and the three
 * interpolated points between each pair of consecutive samples; a point
 * is counted once the HALF samples after it have arrived (so the last
 * HALF points of a block are reported with the next block). Linear, max
 * over the two channels. */
float eng_tp_block(eng_tp *tp, const float *interleaved, int n);

/* The same over a whole buffer, without history: the true peak of a
 * finished signal (dBTP = 20 log10 of it). */
float eng_tp_buffer(const float *interleaved, int64_t n);

/* The true peak of one planar stereo block without history (points near
 * its edges see silence beyond them), and its sample peak in *sample:
 * what the renderer's meters use for their clip indicators. Linear. Only
 * the intervals with a sample over ENG_TP_PLANAR_FROM at either end are
 * interpolated (an inter-sample peak over 0 dBTP between two samples under
 * -6 dBFS takes a pathological signal), so a block costs little. */
#define ENG_TP_PLANAR_FROM 0.5f
float eng_tp_planar(const float *l, const float *r, int n, float *sample);

typedef struct eng_tplim eng_tplim;

/* A limiter for stereo at rate keeping the true peak at or below
 * ceiling_db (dBTP; the detector aims 0.15 dB lower, for the points
 * between its 4x ones and other meters), releasing with a
 * time constant of release_ms.
 * NULL when out of memory or the arguments are out of range (rate
 * 8000..384000, ceiling -60..0, release 1..5000). */
eng_tplim *eng_tplim_new(int rate, double ceiling_db, double release_ms);

void eng_tplim_free(eng_tplim *l);

/* Frames between a frame going in and coming out. */
int eng_tplim_latency(const eng_tplim *l);

/* Processes n interleaved stereo frames: out[i] is the limited input of
 * latency frames earlier (silence at first). in and out may be the same
 * buffer. To drain, feed latency frames of silence. */
void eng_tplim_process(eng_tplim *l, const float *in, float *out, int n);

/* The smallest gain (linear) applied so far: 1 when it never acted. */
double eng_tplim_min_gain(const eng_tplim *l);

#endif
