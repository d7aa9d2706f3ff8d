/* render.h -- the block renderer: turns a mix plan into interleaved stereo
 * float blocks at any timeline position. All per-track and per-effect state
 * is preallocated; eng_render never allocates, locks or does I/O.
 *
 * Plan changes: a renderer made for a slot picks up the newest plan at the
 * start of each eng_render call. Effect state is keyed by effect id (and
 * track state by track id), so it survives plan swaps and a fader move
 * does not click. When a new plan needs state the renderer does not have
 * yet (a new effect, more tracks), eng_render keeps rendering the previous
 * plan and eng_renderer_maintain() -- called by the owner between blocks,
 * on the same thread -- allocates the state and switches. */
#ifndef MIXROOM_ENGINE_RENDER_H
#define MIXROOM_ENGINE_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/plan.h"

typedef struct eng_renderer eng_renderer;

/* Peak (max |x|) and RMS of one block, linear, per channel; tpeak: the
 * block's true peak (4x oversampled, max of both channels), measured only
 * when the sample peak passes ENG_TPEAK_FROM (else the sample peak). */
typedef struct eng_meter {
    float peak[2];
    float rms[2];
    float tpeak;
} eng_meter;

#define ENG_TPEAK_FROM 0.5f      /* -6 dBFS */

/* Sub-block (frames) at which automation and ramps are evaluated. */
#define ENG_SUBBLOCK 32

/* A renderer for a fixed plan (a reference is taken) or, when slot is not
 * NULL, for whatever the slot holds (plan is then ignored). max_block is
 * the largest block eng_render is asked for at once (larger requests are
 * split). NULL when out of memory or there is no plan. */
eng_renderer *eng_renderer_new(eng_plan_slot *slot, eng_plan *plan,
                               int max_block);

void eng_renderer_free(eng_renderer *r);

/* Renders `frames` frames of the mix starting at timeline frame position
 * into out (interleaved stereo float, 2*frames values). A position other
 * than the end of the previous block is a seek: effect tails and ramps are
 * reset. Returns 0. Allocation-free, lock-free (but the first call on a
 * thread that neither created nor maintained this renderer grows that
 * thread's per-block scratch once: docs/engine.md). */
int eng_render(eng_renderer *r, int64_t position, float *out, int frames);

/* Non-real-time housekeeping, on the render thread between blocks:
 * allocates state for a pending plan and switches to it, and drops plans
 * retired by earlier swaps. Returns 0, -1 when out of memory (the
 * renderer keeps working on its current plan). Cheap when idle. */
int eng_renderer_maintain(eng_renderer *r);

/* Renders as if only the track with this id were soloed (stems); NULL
 * restores the document's own solo flags. Takes effect at the next block. */
void eng_renderer_set_solo(eng_renderer *r, const char *track_id);

/* The plan being rendered (borrowed, valid until the next render or
 * maintain call on this renderer). */
const eng_plan *eng_renderer_plan(const eng_renderer *r);

/* Meters of the last block: track i of eng_renderer_plan() (post-fader,
 * zero for silent tracks) and the master (after master gain). */
eng_meter eng_renderer_track_meter(const eng_renderer *r, int track);
eng_meter eng_renderer_master_meter(const eng_renderer *r);

/* Instruments: plays one note (pitch 0..127, vel 1..127) of the instrument
 * track with this id from the start of the next block, released `frames`
 * later, through the track's effects and mix; outside the timeline (seeks
 * and loops do not stop it). Same thread as eng_render; allocation-free.
 * 0, or -1 when ENG_RENDER_AUDITIONS are already waiting. A track that is
 * not an instrument track of the plan at the next block ignores it. */
int eng_renderer_audition(eng_renderer *r, const char *track_id, int pitch,
                          int vel, int64_t frames);

/* With on false, clips and notes are silent and only auditions sound (a
 * stream started just to audition); true again by default. */
void eng_renderer_set_timeline(eng_renderer *r, bool on);

/* Skipping silence (on by default): a track whose input is silent in a
 * block and whose effects' tails have decayed (below ENG_TAIL_EPS, see
 * dsp.h) is not processed. Off renders every track every block (for tests
 * comparing the two; docs/engine.md "Skipping silence"). */
void eng_renderer_set_skip_silence(eng_renderer *r, bool on);
/* How many track-blocks were skipped as silent since creation. */
int64_t eng_renderer_skipped(const eng_renderer *r);
/* When a silent track's chain cannot be skipped because a later effect
 * still rings (a bus's delay repeating its reverb's last output), the
 * decayed effects before it are advanced in silence and not run (on by
 * default with skipping; their output would be exact zeros either way).
 * Off is a test hook: the same samples, every such effect run. */
void eng_renderer_set_hold_heads(eng_renderer *r, bool on);
/* How many track-blocks ran with a held head since creation. */
int64_t eng_renderer_held(const eng_renderer *r);

/* True when the renderer is waiting for eng_renderer_maintain(). */
bool eng_renderer_pending(const eng_renderer *r);

#endif
