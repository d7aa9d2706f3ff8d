/* asset_cache.c -- the process-wide table of mapped asset samples (see
 * asset_cache.h). A small array searched linearly: a server holds at most
 * a few hundred assets open, and lookups happen at plan builds, not per
 * block. */
#include "server/preview/asset_cache.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/fsutil.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/objstore/objstore.h"

struct cache_entry {
    char sha[65];
    int rate;
    eng_asset *asset;       /* the cache's own reference */
    long long used_ms;      /* monotonic: last handed out */
};

/* Global state: the cache, guarded by cache_mu. */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cache_entry *entries;
static size_t n_entries, cap_entries;

/* cache_mu held: a new reference to the entry of (sha, rate), or NULL. */
static eng_asset *find_ref(const char *sha, int rate)
{
    for (size_t i = 0; i < n_entries; i++)
        if (entries[i].rate == rate && strcmp(entries[i].sha, sha) == 0) {
            entries[i].used_ms = srv_now_mono_ms();
            return eng_asset_ref(entries[i].asset);
        }
    return NULL;
}

/* Assets in S3 (objstore.h): is the samples file here, or fetched now?
 * The loop never waits on the network: there a missing file is queued
 * for a worker (the plans are rebuilt when it arrives) and false said.
 * Called without cache_mu (objstore calls in_use under its own mutex). */
static bool samples_local(const char *data_dir, const char *sha, int rate)
{
    char name[32], dir[4096], path[4200], err[512];

    snprintf(name, sizeof name, "samples-%d", rate);
    srv_objstore_touch(sha, name);
    if (!srv_on_loop_thread())
        return srv_objstore_ensure(data_dir, sha, name, err, sizeof err) == 0;
    if (eng_asset_dir(dir, sizeof dir, data_dir, sha) == 0 &&
        eng_asset_file(path, sizeof path, dir, "samples", rate) == 0 &&
        access(path, R_OK) == 0)
        return true;
    srv_objstore_prefetch(sha, name);
    return false;
}

/* The cached entry, or the samples file mapped and added. */
static eng_asset *open_cached(const char *data_dir, const char *sha, int rate)
{
    eng_asset *a = NULL;
    char dir[4096], path[4200];

    pthread_mutex_lock(&cache_mu);
    if ((a = find_ref(sha, rate)) != NULL)
        goto out;
    if (eng_asset_dir(dir, sizeof dir, data_dir, sha) != 0 ||
        eng_asset_file(path, sizeof path, dir, "samples", rate) != 0)
        goto out;
    a = eng_asset_open(path);
    if (!a)
        goto out;
    if (a->sample_rate != rate) {
        eng_asset_release(a);
        a = NULL;
        goto out;
    }
    if (n_entries == cap_entries) {
        size_t cap = cap_entries ? 2 * cap_entries : 32;
        struct cache_entry *v = realloc(entries, cap * sizeof *v);
        if (!v)
            goto out; /* still hand out the asset, uncached */
        entries = v;
        cap_entries = cap;
    }
    struct cache_entry *e = &entries[n_entries++];
    snprintf(e->sha, sizeof e->sha, "%s", sha);
    e->rate = rate;
    e->asset = eng_asset_ref(a);
    e->used_ms = srv_now_mono_ms();
out:
    pthread_mutex_unlock(&cache_mu);
    return a;
}

eng_asset *srv_asset_cache_get_sha(const char *data_dir, const char *sha,
                                   int rate)
{
    eng_asset *a;

    if (!srv_objstore_enabled())
        return open_cached(data_dir, sha, rate);
    pthread_mutex_lock(&cache_mu);
    a = find_ref(sha, rate);
    pthread_mutex_unlock(&cache_mu);
    /* twice: another worker's eviction may take the file between its
     * fetch and its mapping (least recently used first: rarely) */
    for (int tries = 0; !a && tries < 2; tries++) {
        if (!samples_local(data_dir, sha, rate))
            return NULL;
        a = open_cached(data_dir, sha, rate);
    }
    return a;
}

eng_asset *srv_asset_cache_get(db_conn *db, const char *data_dir,
                               const char *project_id, const char *asset_id,
                               int rate)
{
    char sha[65] = "";

    if (store_query_text(db,
                         "SELECT sha256 FROM assets WHERE project_id=? "
                         "AND id=? AND state='ready'",
                         STORE_ARGS(project_id, asset_id), sha, sizeof sha,
                         NULL, 0) < 0)
        return NULL;
    if (strlen(sha) != 64)
        return NULL;
    return srv_asset_cache_get_sha(data_dir, sha, rate);
}

int srv_asset_cache_trim(long long idle_ms)
{
    long long now = srv_now_mono_ms();
    int dropped = 0;

    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < n_entries;) {
        struct cache_entry *e = &entries[i];
        if (atomic_load(&e->asset->refs) == 1 && now - e->used_ms >= idle_ms) {
            eng_asset_release(e->asset);
            entries[i] = entries[--n_entries];
            dropped++;
            continue;
        }
        i++;
    }
    pthread_mutex_unlock(&cache_mu);
    return dropped;
}

int srv_asset_cache_size(void)
{
    int n;

    pthread_mutex_lock(&cache_mu);
    n = (int)n_entries;
    pthread_mutex_unlock(&cache_mu);
    return n;
}

void srv_asset_lookup_init(struct srv_asset_lookup *l, db_conn *db,
                           const char *data_dir, const char *project_id,
                           int rate)
{
    memset(l, 0, sizeof *l);
    l->db = db;
    l->data_dir = data_dir;
    l->project_id = project_id;
    l->rate = rate;
}

eng_asset *srv_asset_lookup_fn(void *ctx, const char *asset_id)
{
    struct srv_asset_lookup *l = ctx;
    eng_asset *a;

    if (l->n_held == l->cap_held) {
        size_t cap = l->cap_held ? 2 * l->cap_held : 16;
        eng_asset **v = realloc(l->held, cap * sizeof *v);
        if (!v)
            return NULL;
        l->held = v;
        l->cap_held = cap;
    }
    a = srv_asset_cache_get(l->db, l->data_dir, l->project_id, asset_id,
                            l->rate);
    if (a)
        l->held[l->n_held++] = a;
    return a;
}

void srv_asset_lookup_done(struct srv_asset_lookup *l)
{
    for (size_t i = 0; i < l->n_held; i++)
        eng_asset_release(l->held[i]);
    free(l->held);
    l->held = NULL;
    l->n_held = l->cap_held = 0;
}

static void cache_tick(struct srv_server *srv)
{
    static long long last; /* loop thread only */
    long long now = srv_now_mono_ms();

    (void)srv;
    if (now - last < 10000)
        return;
    last = now;
    srv_asset_cache_trim(60000);
}

/* Assets in S3: a samples file is in use while a render holds its asset
 * (a reference beyond the cache's own); objstore then does not evict it.
 * Runs under objstore's mutex and takes cache_mu (never the other way). */
static bool samples_in_use(const char *sha, const char *name)
{
    bool used = false;
    int rate;

    if (sscanf(name, "samples-%d", &rate) != 1)
        return false;
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < n_entries; i++)
        if (entries[i].rate == rate && strcmp(entries[i].sha, sha) == 0)
            used = atomic_load(&entries[i].asset->refs) > 1;
    pthread_mutex_unlock(&cache_mu);
    return used;
}

void srv_asset_cache_init(void)
{
    srv_objstore_set_in_use(samples_in_use);
    srv_loop_on_tick(cache_tick);
}
