/* loudness.h -- EBU R 128 / ITU-R BS.1770 measurements through libebur128:
 * integrated loudness, loudness range, sample peak and true peak of a
 * buffer or of a render, and the normalisation gain for a target loudness
 * under a true-peak ceiling. */
#ifndef MIXROOM_ENGINE_LOUDNESS_H
#define MIXROOM_ENGINE_LOUDNESS_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/plan.h"

typedef struct eng_loudness {
    double integrated;     /* LUFS; -HUGE_VAL for silence */
    double range;          /* LU */
    double sample_peak_db; /* dBFS, max over channels */
    double true_peak_db;   /* dBTP, max over channels (4x oversampled) */
} eng_loudness;

typedef struct eng_lufs eng_lufs;

/* An incremental meter for interleaved stereo float at rate. NULL on error. */
eng_lufs *eng_lufs_new(int rate);
/* Adds frames; 0 or -1. */
int eng_lufs_add(eng_lufs *m, const float *interleaved, int64_t frames);
/* The measurements so far. */
void eng_lufs_result(const eng_lufs *m, eng_loudness *out);
void eng_lufs_free(eng_lufs *m);

/* Measures an interleaved stereo buffer. 0 or -1. */
int eng_loudness_buffer(const float *interleaved, int64_t frames, int rate,
                        eng_loudness *out);

/* Renders [from, to) of plan (the stem of track stem_track when not NULL)
 * and measures it. 0 or -1 (out of memory). */
int eng_loudness_measure(eng_plan *plan, int64_t from, int64_t to,
                         const char *stem_track, eng_loudness *out);

/* The same, stopping early when *cancel (may be NULL) becomes non-zero:
 * then -3 and out is not filled. */
int eng_loudness_measure_cancel(eng_plan *plan, int64_t from, int64_t to,
                                const char *stem_track,
                                const atomic_int *cancel, eng_loudness *out);

/* Gain in dB that brings l to target_lufs, reduced so that the true peak
 * after the gain is at most ceiling_dbtp. 0 for silence. */
double eng_loudness_norm_gain(const eng_loudness *l, double target_lufs,
                              double ceiling_dbtp);

#endif
