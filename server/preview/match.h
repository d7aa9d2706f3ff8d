/* match.h -- loudness-matched A/B (docs/preview.md "Loudness match"): the
 * integrated loudness (BS.1770, libebur128) of a whole revision -- the mix
 * from frame 0 to the end of the last clip -- measured on an engine worker
 * and kept in a bounded in-memory cache, and the gain that brings a
 * source to the head's loudness. */
#ifndef MIXROOM_SERVER_PREVIEW_MATCH_H
#define MIXROOM_SERVER_PREVIEW_MATCH_H

#include <stdatomic.h>
#include <stddef.h>

#include "engine/loudness.h"
#include "engine/plan.h"

#define PV_MATCH_MAX_DB 40.0     /* the gain is clamped to +-40 dB */

/* The integrated loudness (LUFS, -HUGE_VAL for silence) of plan, which is
 * revision rev of project: from the cache (at most `bound` revisions, the
 * least recently used go first; 0: nothing is kept), else measured and
 * kept. A revision is known by its number, its end and its clip count
 * (clips whose audio was not ready are not in a plan, so a plan rebuilt
 * once they are is measured again). Any thread; measures on the calling
 * one. 0, -1 (out of memory) or -3 when *cancel (may be NULL) went up. */
int pv_loudness_of(const char *project, long long rev, eng_plan *plan,
                   size_t bound, const atomic_int *cancel, double *lufs);

/* The same with every figure (GET .../loudness of the whole song without
 * tails shares the cache, so the studio warms it when a version is chosen
 * for A/B). */
int pv_loudness_full(const char *project, long long rev, eng_plan *plan,
                     size_t bound, const atomic_int *cancel,
                     eng_loudness *out);

/* The gain in dB that brings a source of src_lufs to head_lufs: their
 * difference, clamped to +-PV_MATCH_MAX_DB; 0 when either is silence. */
double pv_match_gain(double head_lufs, double src_lufs);

/* Forgets every cached loudness (the server stops). */
void pv_loudness_clear(void);

#endif
