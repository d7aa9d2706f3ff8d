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

#include "engine/fsutil.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"

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

eng_asset *srv_asset_cache_get_sha(const char *data_dir, const char *sha,
                                   int rate)
{
    eng_asset *a = NULL;
    char dir[4096], path[4200];

    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < n_entries; i++)
        if (entries[i].rate == rate && strcmp(entries[i].sha, sha) == 0) {
            entries[i].used_ms = srv_now_mono_ms();
            a = eng_asset_ref(entries[i].asset);
            goto out;
        }
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

void srv_asset_cache_init(void)
{
    srv_loop_on_tick(cache_tick);
}
