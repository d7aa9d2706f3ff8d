/* asset_cache.h -- decoded assets shared by preview streams and exports:
 * (sha256, rate) -> a memory-mapped eng_asset (the importer's
 * `samples-<rate>` file, engine/fsutil.h layout), opened once and kept
 * while anything uses it. The project's asset id is mapped to its sha256
 * through the assets table (state 'ready' only).
 *
 * The cache is one process-wide table (documented global state) guarded
 * by a mutex, so any thread may use it. Entries that only the cache holds
 * are unmapped by srv_asset_cache_trim (a loop tick hook). */
#ifndef MIXROOM_SERVER_ASSET_CACHE_H
#define MIXROOM_SERVER_ASSET_CACHE_H

#include "server/core/db.h"
#include <stddef.h>

#include "engine/asset.h"

/* The decoded samples of a project's asset at `rate`: a NEW reference
 * (release it with eng_asset_release), or NULL when the asset is unknown,
 * not ready, or its samples file cannot be mapped. db is a connection the
 * calling thread may use. */
eng_asset *srv_asset_cache_get(db_conn *db, const char *data_dir,
                               const char *project_id, const char *asset_id,
                               int rate);

/* The same by content hash (64 lowercase hex digits). */
eng_asset *srv_asset_cache_get_sha(const char *data_dir, const char *sha,
                                   int rate);

/* Unmaps entries nobody but the cache has used for at least idle_ms.
 * Returns the number dropped. */
int srv_asset_cache_trim(long long idle_ms);

/* Entries currently held. */
int srv_asset_cache_size(void);

/* An eng_asset_lookup context for eng_plan_build: it keeps a reference to
 * every asset it hands out until srv_asset_lookup_done, so the borrowed
 * pointers stay valid while the plan is built. */
struct srv_asset_lookup {
    db_conn *db;
    const char *data_dir;
    const char *project_id;
    int rate;
    eng_asset **held;
    size_t n_held, cap_held;
};

/* Initialises a lookup context (fields are copied by pointer: they must
 * outlive it). */
void srv_asset_lookup_init(struct srv_asset_lookup *l, db_conn *db,
                           const char *data_dir, const char *project_id,
                           int rate);

/* The eng_asset_lookup callback (ctx: struct srv_asset_lookup *). */
eng_asset *srv_asset_lookup_fn(void *ctx, const char *asset_id);

/* Drops the references the context holds. */
void srv_asset_lookup_done(struct srv_asset_lookup *l);

/* Registers the tick hook that trims idle entries. Call once before
 * srv_loop_run. */
void srv_asset_cache_init(void);

#endif
