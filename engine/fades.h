/* fades.h -- clip fade shapes and automatic crossfades: the gain curve of
 * each shape a clip's fade_in_shape / fade_out_shape names, and the pass
 * over a track's sorted clips that turns every partial overlap of two clips
 * into an equal-power crossfade (precomputed in the plan, so the renderer's
 * clip read only evaluates a curve). Rules in docs/engine.md "Fades and
 * crossfades". */
#ifndef MIXROOM_ENGINE_FADES_H
#define MIXROOM_ENGINE_FADES_H

#include "engine/plan.h"

/* The shapes; 0 is the equal-power curve every fade had before shapes
 * existed (and the protocol default), so a zeroed clip spec keeps it. */
enum eng_fade_shape {
    ENG_FADE_EQUAL_POWER = 0, /* sin(t*pi/2) */
    ENG_FADE_LINEAR,          /* t */
    ENG_FADE_EXP,             /* (e^(4t) - 1) / (e^4 - 1) */
    ENG_FADE_SCURVE,          /* (1 - cos(t*pi)) / 2 */
    ENG_FADE_SHAPES
};

/* The shape a protocol name ("linear", "equal_power", "exp", "scurve")
 * stands for; NULL or an unknown name is equal power. */
int eng_fade_shape_of(const char *name);

/* Fade-in gain of shape at t in [0,1] (clamped): 0 at 0, 1 at 1,
 * non-decreasing. A fade-out of F frames evaluates it at the frames left
 * (L-1-k)/F, the mirror image. ENG_FADE_EQUAL_POWER is exactly
 * eng_fade_in_gain(t). No allocation (audio threads). */
float eng_fade_gain(int shape, double t);

/* Crossfades the clips of one track, sorted by start (muted clips are not
 * in a plan, so they never take part). For every pair where a later clip
 * b starts inside an earlier clip a (a.start < b.start < a.end < b.end),
 * the overlap a.end - b.start becomes a's fade-out and b's fade-in, both
 * equal power, unless that clip's own fade on that side is already at
 * least as long (the longer explicit fade wins, with its shape). A clip
 * inside another (or starting at the same frame) is not crossfaded, nor a
 * pair where neither clip has xfade (both made before fade shapes
 * existed: old documents render bit-identically). */
void eng_fades_crossfade(eng_clip_spec *clips, int n);

#endif
