/* objstore.c -- assets in S3 (objstore.h): the settings, the uploads after
 * an import, the fetch of a missing file, and the bounded local cache of
 * asset files with its least-recently-used eviction. */
#include "server/objstore/objstore.h"

#include <assert.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/core/config.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/objstore/s3.h"

#define KEY_MAX 160   /* "<h0h1>/<64 hex>/<name>" */
#define MAX_FETCHED_HOOKS 4

/* One file of the cache. `known` = S3 is known to hold it (we uploaded
 * or fetched it); files found at start-up are checked with a HEAD before
 * they may be evicted. */
struct cfile {
    char key[KEY_MAX];
    int64_t size;
    uint64_t used;          /* the module's clock at the last use */
    bool known, keep, busy; /* keep: S3 lacks it, never evict */
};

/* A prefetch in flight. */
struct pending {
    struct pending *next;
    char sha[65], name[48];
    char data_dir[4096];
    int rc;
};

/* The module's state (documented global): configured once before any
 * thread starts; the table, the pending list and the clock under mu. */
static struct {
    bool enabled;
    struct s3_conf conf;
    int64_t limit;
    char data_dir[4096];
    pthread_mutex_t mu;
    struct cfile *files;
    size_t n, cap;
    int64_t total;
    uint64_t clock;
    struct pending *pending;
    bool (*in_use)(const char *sha, const char *name);
    void (*fetched[MAX_FETCHED_HOOKS])(void);
    int n_fetched;
    atomic_llong uploads, upload_failures, fetches, fetch_failures,
        evictions, n_pending;
} os = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* The first ensure error of this thread since the last take. */
static _Thread_local char thread_err[512];

static bool name_ok(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) >= 48)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return false;
    return true;
}

static bool sha_ok(const char *sha)
{
    if (strlen(sha) != 64)
        return false;
    for (const char *p = sha; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* key = "<h0h1>/<sha>/<name>", path = data_dir/assets/key. */
static int key_of(const char *sha, const char *name, char *key, size_t n)
{
    if (!sha_ok(sha) || !name_ok(name))
        return -1;
    return snprintf(key, n, "%.2s/%s/%s", sha, sha, name) >= (int)n ? -1 : 0;
}

static void path_of(const char *data_dir, const char *key, char *path,
                    size_t n)
{
    snprintf(path, n, "%s/assets/%s", data_dir, key);
}

/* mu held */
static struct cfile *find_file(const char *key)
{
    for (size_t i = 0; i < os.n; i++)
        if (strcmp(os.files[i].key, key) == 0)
            return &os.files[i];
    return NULL;
}

/* mu held: adds or refreshes a file of the cache. */
static void note_file(const char *key, int64_t size, bool known)
{
    struct cfile *f = find_file(key);

    if (!f) {
        if (os.n == os.cap) {
            size_t cap = os.cap ? 2 * os.cap : 64;
            struct cfile *v = realloc(os.files, cap * sizeof *v);
            if (!v)
                return; /* not counted: it is then never evicted */
            os.files = v;
            os.cap = cap;
        }
        f = &os.files[os.n++];
        memset(f, 0, sizeof *f);
        snprintf(f->key, sizeof f->key, "%s", key);
        f->size = size;
        os.total += size;
    }
    f->used = ++os.clock;
    if (known) {
        f->known = true;
        f->keep = false;
    }
}

/* mu held */
static void drop_file(struct cfile *f)
{
    os.total -= f->size;
    *f = os.files[--os.n];
}

/* Counts the files already under data_dir/assets (start-up). */
static void scan_cache(const char *data_dir)
{
    char top[4200], sub[4400], key[KEY_MAX], path[4600];
    DIR *d1, *d2, *d3;
    struct dirent *e1, *e2, *e3;
    struct stat st;

    snprintf(top, sizeof top, "%s/assets", data_dir);
    if (!(d1 = opendir(top)))
        return;
    while ((e1 = readdir(d1))) {
        if (strlen(e1->d_name) != 2 || e1->d_name[0] == '.')
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", top, e1->d_name) >=
                (int)sizeof sub ||
            !(d2 = opendir(sub)))
            continue;
        while ((e2 = readdir(d2))) {
            if (!sha_ok(e2->d_name))
                continue;
            if (snprintf(path, sizeof path, "%s/%s", sub, e2->d_name) >=
                    (int)sizeof path ||
                !(d3 = opendir(path)))
                continue;
            while ((e3 = readdir(d3))) {
                if (key_of(e2->d_name, e3->d_name, key, sizeof key) != 0)
                    continue;
                char fp[4700];
                if (snprintf(fp, sizeof fp, "%s/%s", path, e3->d_name) <
                        (int)sizeof fp &&
                    stat(fp, &st) == 0 && S_ISREG(st.st_mode))
                    note_file(key, (int64_t)st.st_size, false);
            }
            closedir(d3);
        }
        closedir(d2);
    }
    closedir(d1);
}

int srv_objstore_configure(const struct srv_config *cfg, char *err,
                           size_t errlen)
{
    char bucket[256];

    srv_objstore_shutdown();
    if (!cfg->assets[0])
        return 0;
    if (s3_parse_url(cfg->assets, bucket, sizeof bucket) != 0) {
        snprintf(err, errlen, "assets: '%s' is not valid; expected "
                 "s3://BUCKET (3 to 63 of a-z 0-9 . -)", cfg->assets);
        return -1;
    }
    const char *missing = !cfg->s3_endpoint[0]   ? "s3_endpoint"
                          : !cfg->s3_region[0]     ? "s3_region"
                          : !cfg->s3_access_key[0] ? "s3_access_key"
                          : !cfg->s3_secret_key[0] ? "s3_secret_key"
                                                   : NULL;
    if (missing) {
        snprintf(err, errlen, "assets = %s needs the setting %s (or "
                 "MIXROOM_%s)", cfg->assets, missing,
                 !strcmp(missing, "s3_endpoint")     ? "S3_ENDPOINT"
                 : !strcmp(missing, "s3_region")     ? "S3_REGION"
                 : !strcmp(missing, "s3_access_key") ? "S3_ACCESS_KEY"
                                                     : "S3_SECRET_KEY");
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(err, errlen, "assets: libcurl cannot start");
        return -1;
    }
    pthread_mutex_lock(&os.mu);
    memset(&os.conf, 0, sizeof os.conf);
    snprintf(os.conf.endpoint, sizeof os.conf.endpoint, "%s",
             cfg->s3_endpoint);
    size_t el = strlen(os.conf.endpoint);
    if (el && os.conf.endpoint[el - 1] == '/')
        os.conf.endpoint[el - 1] = '\0';
    snprintf(os.conf.region, sizeof os.conf.region, "%s", cfg->s3_region);
    snprintf(os.conf.bucket, sizeof os.conf.bucket, "%s", bucket);
    snprintf(os.conf.access_key, sizeof os.conf.access_key, "%s",
             cfg->s3_access_key);
    snprintf(os.conf.secret_key, sizeof os.conf.secret_key, "%s",
             cfg->s3_secret_key);
    os.conf.virtual_host = cfg->s3_virtual_host;
    os.conf.timeout_s = 300;
    os.limit = cfg->asset_cache_bytes;
    snprintf(os.data_dir, sizeof os.data_dir, "%s", cfg->data_dir);
    scan_cache(cfg->data_dir);
    os.enabled = true;
    pthread_mutex_unlock(&os.mu);
    srv_info("assets: in S3 bucket %s at %s (%s), local cache of %lld "
             "bytes under %s/assets", bucket, os.conf.endpoint,
             os.conf.region, (long long)os.limit, cfg->data_dir);
    return 0;
}

void srv_objstore_shutdown(void)
{
    pthread_mutex_lock(&os.mu);
    free(os.files);
    os.files = NULL;
    os.n = os.cap = 0;
    os.total = 0;
    os.enabled = false;
    memset(&os.conf, 0, sizeof os.conf);
    pthread_mutex_unlock(&os.mu);
}

bool srv_objstore_enabled(void)
{
    return os.enabled;
}

/* A copy of the connection settings, so no request runs under mu. */
static void conf_copy(struct s3_conf *c)
{
    pthread_mutex_lock(&os.mu);
    *c = os.conf;
    pthread_mutex_unlock(&os.mu);
}

/* Evicts least recently used files until the cache fits its bound, never
 * `spare` (the file just fetched for a caller that has not opened it
 * yet; NULL for none). A file found at start-up is evicted only after a
 * HEAD shows S3 holds it with its size. Engine workers only (a HEAD may
 * run, without mu). */
static void trim(const char *data_dir, const char *spare)
{
    struct s3_conf conf;
    char path[4400], key[KEY_MAX], err[512], sha[65], name[48];

    conf_copy(&conf);
    pthread_mutex_lock(&os.mu);
    while (os.total > os.limit) {
        struct cfile *victim = NULL;
        for (size_t i = 0; i < os.n; i++) {
            struct cfile *f = &os.files[i];
            if (f->keep || f->busy || (spare && !strcmp(f->key, spare)))
                continue;
            snprintf(sha, sizeof sha, "%.64s", f->key + 3);
            snprintf(name, sizeof name, "%s", f->key + 3 + 64 + 1);
            if (os.in_use && os.in_use(sha, name))
                continue;
            if (!victim || f->used < victim->used)
                victim = f;
        }
        if (!victim)
            break; /* everything left is in use: over the bound for now */
        if (!victim->known) {
            int64_t size = -1, want = victim->size;
            victim->busy = true;
            snprintf(key, sizeof key, "%s", victim->key);
            pthread_mutex_unlock(&os.mu);
            int rc = s3_head(&conf, key, &size, err, sizeof err);
            pthread_mutex_lock(&os.mu);
            victim = find_file(key);
            if (!victim)
                continue;
            victim->busy = false;
            if (rc == S3_OK && size == want)
                victim->known = true;
            else
                victim->keep = true;
            continue;
        }
        path_of(data_dir, victim->key, path, sizeof path);
        if (unlink(path) == 0 || errno == ENOENT) {
            atomic_fetch_add(&os.evictions, 1);
            srv_debug("assets: evicted %s from the local cache", victim->key);
        }
        drop_file(victim);
    }
    pthread_mutex_unlock(&os.mu);
}

int srv_objstore_upload_asset(const char *data_dir, const char *sha,
                              char *err, size_t errlen)
{
    static const char *const order[] = {"original", "peaks-", "samples-"};
    struct s3_conf conf;
    char dir[4200], path[4400], key[KEY_MAX], why[512];
    DIR *d;
    struct dirent *e;
    int rc = 0;

    if (!os.enabled)
        return 0;
    assert(!srv_on_loop_thread());
    conf_copy(&conf);
    snprintf(dir, sizeof dir, "%s/assets/%.2s/%s", data_dir, sha, sha);
    /* three passes: the original, the peaks, the samples last, so that
     * "samples in S3" implies the rest is there too */
    for (size_t pass = 0; pass < 3 && rc == 0; pass++) {
        if (!(d = opendir(dir))) {
            snprintf(err, errlen, "cannot read the asset folder %s: %s", dir,
                     strerror(errno));
            return -1;
        }
        while (rc == 0 && (e = readdir(d))) {
            struct stat st;
            int64_t have = -1;
            if (strncmp(e->d_name, order[pass], strlen(order[pass])) != 0 ||
                key_of(sha, e->d_name, key, sizeof key) != 0)
                continue;
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >=
                    (int)sizeof path ||
                stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            struct s3_call hc = {.method = "HEAD", .key = key,
                                 .download_fd = -1};
            int h = s3_perform(&conf, &hc, why, sizeof why);
            have = hc.content_length;
            free(hc.body);
            /* a HEAD answer has no body to say why it was refused: the
             * PUT below then says it (S3's code and message) */
            if (h == S3_ERR && hc.http_status != 0)
                h = S3_NOT_FOUND;
            if (h == S3_ERR) {
                snprintf(err, errlen, "the asset store cannot take %s: %s",
                         key, why);
                rc = -1;
                break;
            }
            if (h == S3_NOT_FOUND || have != (int64_t)st.st_size) {
                if (s3_put_file(&conf, key, path, why, sizeof why) != 0) {
                    snprintf(err, errlen, "the asset store cannot take %s: "
                             "%s", key, why);
                    rc = -1;
                    break;
                }
                atomic_fetch_add(&os.uploads, 1);
            }
            pthread_mutex_lock(&os.mu);
            note_file(key, (int64_t)st.st_size, true);
            pthread_mutex_unlock(&os.mu);
        }
        closedir(d);
    }
    if (rc != 0) {
        atomic_fetch_add(&os.upload_failures, 1);
        srv_warn("assets: upload of %s failed: %s", sha, err);
        return -1;
    }
    trim(data_dir, NULL);
    return 0;
}

int srv_objstore_ensure(const char *data_dir, const char *sha,
                        const char *name, char *err, size_t errlen)
{
    struct s3_conf conf;
    char key[KEY_MAX], path[4400], dir[4200], why[512];
    struct stat st;
    int rc;

    if (!os.enabled)
        return 0;
    assert(!srv_on_loop_thread());
    if (key_of(sha, name, key, sizeof key) != 0) {
        snprintf(err, errlen, "internal: bad asset file %s/%s", sha, name);
        return -1;
    }
    path_of(data_dir, key, path, sizeof path);
    if (stat(path, &st) == 0) {
        pthread_mutex_lock(&os.mu);
        note_file(key, (int64_t)st.st_size, false);
        pthread_mutex_unlock(&os.mu);
        return 0;
    }
    /* assets/ too: a command's empty data folder has none (render) */
    snprintf(dir, sizeof dir, "%s/assets", data_dir);
    if ((mkdir(dir, 0750) != 0 && errno != EEXIST) ||
        (snprintf(dir, sizeof dir, "%s/assets/%.2s", data_dir, sha),
         mkdir(dir, 0750) != 0 && errno != EEXIST) ||
        (snprintf(dir, sizeof dir, "%s/assets/%.2s/%s", data_dir, sha, sha),
         mkdir(dir, 0750) != 0 && errno != EEXIST)) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        rc = -1;
        goto out;
    }
    conf_copy(&conf);
    rc = s3_get_file(&conf, key, path, why, sizeof why);
    if (rc == S3_OK) {
        if (stat(path, &st) == 0) {
            pthread_mutex_lock(&os.mu);
            note_file(key, (int64_t)st.st_size, true);
            pthread_mutex_unlock(&os.mu);
        }
        atomic_fetch_add(&os.fetches, 1);
        trim(data_dir, key);
        return 0;
    }
    snprintf(err, errlen, "the asset store cannot give %s: %s", key, why);
out:
    atomic_fetch_add(&os.fetch_failures, 1);
    srv_warn("assets: %s", err);
    if (!thread_err[0])
        snprintf(thread_err, sizeof thread_err, "%s", err);
    return rc == S3_NOT_FOUND ? 1 : -1;
}

bool srv_objstore_take_error(char *err, size_t errlen)
{
    if (!thread_err[0])
        return false;
    snprintf(err, errlen, "%s", thread_err);
    thread_err[0] = '\0';
    return true;
}

static void prefetch_work(void *arg)
{
    struct pending *p = arg;
    char err[512];

    p->rc = srv_objstore_ensure(p->data_dir, p->sha, p->name, err,
                                sizeof err);
    thread_err[0] = '\0';
}

/* loop thread */
static void prefetch_done(void *arg)
{
    struct pending *p = arg;

    pthread_mutex_lock(&os.mu);
    for (struct pending **pp = &os.pending; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    int n = os.n_fetched;
    pthread_mutex_unlock(&os.mu);
    atomic_fetch_sub(&os.n_pending, 1);
    if (p->rc == 0)
        for (int i = 0; i < n; i++)
            os.fetched[i]();
    free(p);
}

void srv_objstore_prefetch(const char *sha, const char *name)
{
    struct srv_server *srv = srv_server_instance;
    struct pending *p;
    char key[KEY_MAX];

    /* without a loop there is no worker and nobody to tell: such a
     * process fetches inline (srv_objstore_ensure) */
    if (!os.enabled || !srv_server_has_loop() || !srv || !srv->jobs ||
        key_of(sha, name, key, sizeof key) != 0)
        return;
    pthread_mutex_lock(&os.mu);
    for (p = os.pending; p; p = p->next)
        if (!strcmp(p->sha, sha) && !strcmp(p->name, name))
            break;
    if (p || !(p = calloc(1, sizeof *p))) {
        pthread_mutex_unlock(&os.mu);
        return;
    }
    snprintf(p->sha, sizeof p->sha, "%s", sha);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->data_dir, sizeof p->data_dir, "%s", os.data_dir);
    p->next = os.pending;
    os.pending = p;
    atomic_fetch_add(&os.n_pending, 1);
    pthread_mutex_unlock(&os.mu);
    if (srv_jobs_submit(srv->jobs, prefetch_work, prefetch_done, p) != 0) {
        p->rc = -1;
        srv_loop_post(prefetch_done, p);
    }
}

void srv_objstore_touch(const char *sha, const char *name)
{
    char key[KEY_MAX];

    if (!os.enabled || key_of(sha, name, key, sizeof key) != 0)
        return;
    pthread_mutex_lock(&os.mu);
    struct cfile *f = find_file(key);
    if (f)
        f->used = ++os.clock;
    pthread_mutex_unlock(&os.mu);
}

void srv_objstore_set_in_use(bool (*fn)(const char *sha, const char *name))
{
    pthread_mutex_lock(&os.mu);
    os.in_use = fn;
    pthread_mutex_unlock(&os.mu);
}

void srv_objstore_on_fetched(void (*fn)(void))
{
    pthread_mutex_lock(&os.mu);
    assert(os.n_fetched < MAX_FETCHED_HOOKS);
    for (int i = 0; i < os.n_fetched; i++)
        if (os.fetched[i] == fn)
            goto out;
    if (os.n_fetched < MAX_FETCHED_HOOKS)
        os.fetched[os.n_fetched++] = fn;
out:
    pthread_mutex_unlock(&os.mu);
}

void srv_objstore_stats(struct srv_objstore_stats *s)
{
    pthread_mutex_lock(&os.mu);
    s->cache_bytes = os.total;
    s->cache_files = (int64_t)os.n;
    s->cache_limit = os.limit;
    pthread_mutex_unlock(&os.mu);
    s->uploads = atomic_load(&os.uploads);
    s->upload_failures = atomic_load(&os.upload_failures);
    s->fetches = atomic_load(&os.fetches);
    s->fetch_failures = atomic_load(&os.fetch_failures);
    s->evictions = atomic_load(&os.evictions);
    s->pending = atomic_load(&os.n_pending);
}

static void metrics(FILE *f, struct srv_server *srv)
{
    struct srv_objstore_stats s;

    (void)srv;
    if (!os.enabled)
        return;
    srv_objstore_stats(&s);
    fprintf(f,
            "# HELP mixroom_objstore_cache_bytes Bytes of asset files in "
            "the local cache of S3.\n"
            "# TYPE mixroom_objstore_cache_bytes gauge\n"
            "mixroom_objstore_cache_bytes %lld\n"
            "# HELP mixroom_objstore_cache_files Asset files in the local "
            "cache of S3.\n"
            "# TYPE mixroom_objstore_cache_files gauge\n"
            "mixroom_objstore_cache_files %lld\n"
            "# HELP mixroom_objstore_cache_limit_bytes asset_cache_bytes.\n"
            "# TYPE mixroom_objstore_cache_limit_bytes gauge\n"
            "mixroom_objstore_cache_limit_bytes %lld\n"
            "# HELP mixroom_objstore_pending Asset fetches queued or "
            "running.\n"
            "# TYPE mixroom_objstore_pending gauge\n"
            "mixroom_objstore_pending %lld\n"
            "# HELP mixroom_objstore_uploads_total Asset files put to S3.\n"
            "# TYPE mixroom_objstore_uploads_total counter\n"
            "mixroom_objstore_uploads_total %lld\n"
            "# HELP mixroom_objstore_upload_failures_total Asset uploads "
            "that failed.\n"
            "# TYPE mixroom_objstore_upload_failures_total counter\n"
            "mixroom_objstore_upload_failures_total %lld\n"
            "# HELP mixroom_objstore_fetches_total Asset files fetched from "
            "S3.\n"
            "# TYPE mixroom_objstore_fetches_total counter\n"
            "mixroom_objstore_fetches_total %lld\n"
            "# HELP mixroom_objstore_fetch_failures_total Asset fetches "
            "that failed.\n"
            "# TYPE mixroom_objstore_fetch_failures_total counter\n"
            "mixroom_objstore_fetch_failures_total %lld\n"
            "# HELP mixroom_objstore_evictions_total Asset files evicted "
            "from the local cache.\n"
            "# TYPE mixroom_objstore_evictions_total counter\n"
            "mixroom_objstore_evictions_total %lld\n",
            (long long)s.cache_bytes, (long long)s.cache_files,
            (long long)s.cache_limit, (long long)s.pending,
            (long long)s.uploads, (long long)s.upload_failures,
            (long long)s.fetches, (long long)s.fetch_failures,
            (long long)s.evictions);
}

void srv_objstore_init(void)
{
    srv_metrics_add(metrics);
}
