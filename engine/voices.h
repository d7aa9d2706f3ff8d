/* voices.h -- the instrument state a renderer keeps for one instrument
 * track: 64 preallocated voices (plus declick tails for stolen and choked
 * voices), the note cursor into the plan, pending auditions and, for gm,
 * the FluidSynth instance. Everything is allocated by eng_inst_new and
 * eng_inst_prepare (off the audio path); eng_inst_render never allocates,
 * locks or does I/O, and its output depends only on the notes and the
 * positions asked for, not on the block sizes. */
#ifndef MIXROOM_ENGINE_VOICES_H
#define MIXROOM_ENGINE_VOICES_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/plan.h"

typedef struct eng_inst eng_inst;

/* Declick ramp of a stolen or choked voice: linear to 0 over this long. */
#define ENG_DECLICK_MS 2.0
/* Auditions queued between two blocks (more are dropped). */
#define ENG_INST_AUDITIONS 16

/* A state for a track at rate fs, rendering at most max_block frames at
 * once. NULL when out of memory. */
eng_inst *eng_inst_new(int fs, int max_block);
void eng_inst_free(eng_inst *st);

/* Forgets everything: voices, auditions, the position (a state handed to
 * another track). Allocation-free. */
void eng_inst_reset(eng_inst *st);

/* Whether st can render spec without allocating (gm: its FluidSynth is
 * loaded). */
bool eng_inst_ready(const eng_inst *st, const eng_inst_spec *spec);

/* Allocates what spec needs (gm: creates the FluidSynth instance and loads
 * the SoundFont). Not for the audio path. 0, or -1 (the track then renders
 * silence). */
int eng_inst_prepare(eng_inst *st, const eng_inst_spec *spec);

/* Queues one note that starts at the beginning of the next rendered block
 * and is released `frames` frames later, outside the timeline (it survives
 * seeks). Allocation-free; dropped when ENG_INST_AUDITIONS are pending. */
void eng_inst_audition(eng_inst *st, int pitch, int vel, int64_t frames);

/* Renders track tr's instrument for timeline frames [pos, pos+n) into L and
 * R (assigned, not added; n <= max_block). `serial` identifies the plan tr
 * belongs to: when it changes, sounding voices are matched to the new
 * plan's notes (same on frame and pitch: their off is updated; none: they
 * are released) and the cursor is found again. A position other than the
 * end of the previous call is a seek: voices stop and the notes sounding at
 * pos start there. With `timeline` false only auditions sound. */
void eng_inst_render(eng_inst *st, const eng_track_spec *tr, uint64_t serial,
                     int64_t pos, int n, bool timeline, float *L, float *R);

/* Voices sounding (not counting declick tails); for tests and benchmarks. */
int eng_inst_active(const eng_inst *st);

#endif
