/* render_scratch.h -- the renderer's per-block scratch, one arena per
 * thread: the buffers that hold nothing from one eng_render call to the
 * next (the tracks' L/R, the master bus, the gain ramp) are carved out of
 * the calling thread's arena at the start of each call, so that the
 * renderers one thread renders round-robin (a pacing thread's independent
 * listeners) share one copy that stays in the caches instead of each
 * bringing its own. Private to engine/render*.c (see docs/engine.md,
 * "Scratch shared per thread"). */
#ifndef MIXROOM_ENGINE_RENDER_SCRATCH_H
#define MIXROOM_ENGINE_RENDER_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Grows the calling thread's arena to at least `floats` floats (never
 * shrinks it; the contents are not kept). Allocates: only where the
 * renderer may (creation, adoption with allocation, maintain). 0, or -1
 * when out of memory (the arena keeps its old size). Not while this
 * thread holds the arena (eng_scratch_acquire). */
int eng_scratch_reserve(size_t floats);

/* The calling thread's arena, 64-byte aligned, when it holds at least
 * `floats` floats, else NULL; held until eng_scratch_release (asserts
 * that it is not held already: a render inside a render on one thread
 * would overwrite the outer one's buffers). Allocation-free. */
float *eng_scratch_acquire(size_t floats);
void eng_scratch_release(void);

/* Floats the calling thread's arena holds (0: none yet). */
size_t eng_scratch_capacity(void);

/* For tests: fills the calling thread's arena with NaN, so that a render
 * that read anything an earlier call left there would show it. */
void eng_scratch_poison(void);

#endif
