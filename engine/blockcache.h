/* blockcache.h -- the block cache (issue 15): rendered blocks of source
 * tracks, kept so that another renderer (or the same one again) that
 * reaches the same block of an unchanged track in the same state copies
 * it instead of reading the clips and running the effects.
 *
 * What a block is keyed by (docs/engine.md "The block cache"): a keyed
 * 128-bit hash (SipHash-2-4-128 under a random per-cache key) of
 *   - the track's content: its clips (asset uid, start, offset, length,
 *     fades and shapes, gain), its effect chain (types, bypass, every
 *     parameter and EQ band type) and its effect automation;
 *   - the block: timeline position, length, sample rate, vector lanes;
 *   - the exact state of the track's effects at the block's start (EQ
 *     filter memories and coefficients, compressor envelope, the applied
 *     parameters, the configured and bypassed flags).
 * The value is the track's signal after its effect chain (before fader,
 * pan and sends) and the effects' state after the block, so a hit leaves
 * the renderer exactly where computing the block would have: cached and
 * uncached renders are bit-identical whatever happened before (seeks,
 * edits, other listeners). Only tracks whose output is a function of
 * those alone are cached: source tracks (nothing sent or routed into
 * them), not instruments, with at most ENG_BC_FX_MAX effects, all EQs or
 * compressors (delay, reverb and limiter state is too large to key).
 *
 * Memory: one slab allocated and touched at creation (no allocation
 * afterwards, no page fault on first use),
 * slots of a fixed size, least recently used evicted first. Admission:
 * every missed block is kept while slots are free; once full, a block is
 * kept only when its key was missed once before (a "ghost" table of
 * keys), so blocks no other renderer reaches in the same state (effects
 * after a seek, before they converge) do not evict useful ones.
 * Threads: any number of renderers on any threads may share one cache;
 * a renderer never waits for it (pthread_mutex_trylock: when another
 * thread holds it, a lookup counts as a miss and a store is dropped). */
#ifndef MIXROOM_ENGINE_BLOCKCACHE_H
#define MIXROOM_ENGINE_BLOCKCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/render.h"

/* Most effects on a track the cache keeps blocks of. */
#define ENG_BC_FX_MAX 4

typedef struct eng_blockcache eng_blockcache;

typedef struct eng_blockcache_stats {
    uint64_t hits, misses, stores, evictions;
    uint64_t busy;        /* lookups and stores skipped: lock held */
    size_t slots, used;   /* capacity and occupied slots */
    size_t slot_bytes;    /* bytes per slot (audio + effect state) */
} eng_blockcache_stats;

/* A cache of at most `bytes` (slab and index) for blocks of at most
 * max_frames frames. NULL when bytes holds fewer than 4 slots, max_frames
 * is not positive, or out of memory. */
eng_blockcache *eng_blockcache_new(size_t bytes, int max_frames);

/* Frees the cache. No renderer may still use it. NULL is ignored. */
void eng_blockcache_free(eng_blockcache *bc);

/* Counters since creation (any thread; a consistent snapshot only when
 * nothing renders). */
void eng_blockcache_stats_get(eng_blockcache *bc, eng_blockcache_stats *out);

/* Empties the cache (counters kept). Any thread. */
void eng_blockcache_clear(eng_blockcache *bc);

/* Makes renderer r use bc (NULL: none, the default) from its next block.
 * bc must outlive r's use of it. Same thread as eng_render. */
void eng_renderer_set_block_cache(eng_renderer *r, eng_blockcache *bc);

/* ---- the renderer's hooks (engine/render.c only) ----------------------- */

/* Before source track t (plan index) reads its clips for [pos, pos+n):
 * true when the block came from the cache (the track's buffers hold its
 * post-effect signal and its effects' state has advanced over the block:
 * skip its clips and effects). False: render it, then call
 * eng_bc_store. Allocation-free, never blocks. */
bool eng_bc_fetch(eng_renderer *r, int t, int64_t pos, int n);

/* After source track t's clips and effects ran for the block that
 * eng_bc_fetch just missed: keeps it. No-op when that fetch did not
 * record a key. Allocation-free, never blocks. */
void eng_bc_store(eng_renderer *r, int t, int n);

#endif
