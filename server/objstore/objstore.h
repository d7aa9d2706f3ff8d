/* objstore.h -- assets in S3-compatible object storage (`--assets
 * s3://BUCKET`). The objects are content-addressed: an asset file's key is
 * its path under the data folder's assets/ ("<h0h1>/<sha256>/original",
 * ".../samples-<rate>", ".../peaks-<rate>", engine/fsutil.h), so every
 * node reads and writes the same keys. The data folder's assets/ then is
 * a bounded cache (asset_cache_bytes) of those objects: filled from S3
 * before a render, stream, export or peaks request reads a file, least
 * recently used files evicted when it is over its bound, never a file
 * that a render maps (the in-use callback asks the decoded-asset cache).
 *
 * Without --assets nothing here is active: every function is then a
 * cheap no-op that reports success, and the data folder is the store.
 *
 * Threads: srv_objstore_upload_asset and srv_objstore_ensure block on the
 * network and run on engine workers only (asserted: never the loop).
 * srv_objstore_prefetch, touch and the queries may run on any thread and
 * never block on the network. The module's state is one documented
 * process-wide struct, set once by srv_objstore_configure before any
 * thread starts, its table guarded by a mutex. */
#ifndef MIXROOM_SERVER_OBJSTORE_H
#define MIXROOM_SERVER_OBJSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_config;

/* Reads the assets, s3_* and asset_cache_bytes settings of cfg. With
 * cfg->assets empty it only records that the data folder is the store.
 * Otherwise it checks the settings (endpoint, region, keys present), and
 * counts the files already in the cache. 0, or -1 with err naming the
 * setting that is missing or wrong. Call once, before threads start. */
int srv_objstore_configure(const struct srv_config *cfg, char *err,
                           size_t errlen);

/* Drops the state (at exit and between tests). */
void srv_objstore_shutdown(void);

/* Are assets kept in S3? */
bool srv_objstore_enabled(void);

/* Uploads every finished file of the asset `sha` (original, samples-*,
 * peaks-*; not temporaries) that S3 does not already hold with the same
 * size, the samples last. Engine workers only. 0 (also when S3 is off),
 * or -1 with err naming the asset store and S3's answer. */
int srv_objstore_upload_asset(const char *data_dir, const char *sha,
                              char *err, size_t errlen);

/* Makes data_dir/assets/<h0h1>/<sha>/<name> present: nothing to do when
 * the file is there (it is marked used), else it is fetched from S3
 * (atomically) and the cache is trimmed to its bound. Engine workers
 * only. 0 (also when S3 is off), 1 when S3 has no such object, -1 with
 * err naming the asset store and what failed. The error of the last
 * failed call on this thread is kept for srv_objstore_take_error. */
int srv_objstore_ensure(const char *data_dir, const char *sha,
                        const char *name, char *err, size_t errlen);

/* Queues srv_objstore_ensure on an engine worker (any thread; at most one
 * fetch of a file in flight). When it succeeded, every srv_objstore_on_fetched
 * hook runs on the loop thread. No-op when S3 is off, and in a process
 * without a loop (srv_server_has_loop: it fetches inline instead). */
void srv_objstore_prefetch(const char *sha, const char *name);

/* Marks a cached file used now (the least recently used go first). */
void srv_objstore_touch(const char *sha, const char *name);

/* The first error of this thread's srv_objstore_ensure calls since the
 * last take (true, copied into err), then cleared; false when none. */
bool srv_objstore_take_error(char *err, size_t errlen);

/* Registers the function that says whether a file is in use (mapped by a
 * live render) and so must not be evicted. It runs under the module's
 * mutex: it must not call back into this module. */
void srv_objstore_set_in_use(bool (*fn)(const char *sha, const char *name));

/* Registers a hook run on the loop thread after a prefetch brought a file
 * (preview rebuilds its plans). At most 4. */
void srv_objstore_on_fetched(void (*fn)(void));

/* Figures for /metrics and the tests. */
struct srv_objstore_stats {
    int64_t cache_bytes, cache_files, cache_limit;
    int64_t uploads, upload_failures, fetches, fetch_failures, evictions;
    int64_t pending;   /* prefetches queued or running */
};
void srv_objstore_stats(struct srv_objstore_stats *out);

/* Registers the /metrics section (mixroom_objstore_*). */
void srv_objstore_init(void);

#endif
