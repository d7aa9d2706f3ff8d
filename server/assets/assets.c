/* assets.c -- the life of an asset on the server: the in-flight registry
 * (a list owned by the loop thread: uploads and imports under way), the
 * import job run on the engine worker pool, the rows written through the
 * store writer, `asset` messages to the project's room, and start-up
 * clean-up. See assets.h and docs/uploads.md. */
#include "server/assets/assets.h"
#include "server/assets/takes.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/asset.h"
#include "engine/fsutil.h"
#include "engine/hashfile.h"
#include "engine/import.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/rooms/room.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/objstore/objstore.h"
#include "server/assets/asset_fetch.h"

/* Progress messages go out this often while an asset is in flight (the
 * contract asks for at least every 250 ms). */
#define PROGRESS_EVERY_MS 200

enum asset_state { ST_UPLOADING, ST_IMPORTING, ST_READY, ST_FAILED };

static const char *const state_names[] = {"uploading", "importing", "ready",
                                          "failed"};

struct srv_asset_job {
    struct srv_asset_job *next;       /* in-flight list (loop thread) */
    struct srv_server *srv;
    char id[SRV_ASSET_ID_MAX];
    char project_id[64];
    char user_id[64];
    char name[SRV_ASSET_NAME_MAX + 1];
    char sha[65];
    char src_path[4096];
    char data_dir[4096];
    int rate;
    int64_t size, expected, received;
    /* the limits (from srv->cfg) and what the project's other assets take
     * decoded, set on the loop before the job is queued */
    double max_seconds;
    int64_t max_decoded, max_project, other_decoded;
    enum asset_state state;
    atomic_int permille;              /* import progress, worker writes */
    const atomic_int *cancel;
    long long last_sent_ms;
    int last_sent_permille;
    /* a ready copy of the same content at this rate may exist (another
     * project): its original rate and format, to skip decoding */
    bool reuse;
    int reuse_orig_rate;
    char reuse_format[48];
    /* what messages and rows show (loop thread only) */
    int64_t frames;
    int channels, orig_rate;
    char format[48];
    char error[256];
    /* the worker's result: written only by import_work, read by the loop
     * in import_done (the post is the hand-over) */
    struct {
        bool ok;
        int64_t frames;
        int channels, orig_rate;
        char format[48];
        char error[256];
    } out;
    /* server-side imports */
    srv_asset_done_fn done;
    void *done_ctx;
};

/* Uploads and imports under way: touched on the loop thread only. */
static struct srv_asset_job *inflight;

/* ------------------------------------------------------------------ */
/* registry and messages                                               */

static void registry_add(struct srv_asset_job *job)
{
    job->next = inflight;
    inflight = job;
}

static void registry_remove(struct srv_asset_job *job)
{
    for (struct srv_asset_job **p = &inflight; *p; p = &(*p)->next)
        if (*p == job) {
            *p = job->next;
            return;
        }
}

static double job_progress(const struct srv_asset_job *job)
{
    switch (job->state) {
    case ST_UPLOADING:
        if (job->expected > 0)
            return job->received >= job->expected
                       ? 1.0
                       : (double)job->received / (double)job->expected;
        return 0.0;
    case ST_IMPORTING:
        return atomic_load(&job->permille) / 1000.0;
    case ST_READY:
        return 1.0;
    case ST_FAILED:
        return 0.0;
    }
    return 0.0;
}

static json_t *job_json(const struct srv_asset_job *job)
{
    json_t *a = json_pack("{s:s, s:s, s:s, s:f, s:I, s:i, s:i, s:s, s:I}",
                          "id", job->id, "name", job->name, "state",
                          state_names[job->state], "progress",
                          job_progress(job), "frames", (json_int_t)job->frames,
                          "channels", job->channels, "orig_rate",
                          job->orig_rate, "format", job->format, "size",
                          (json_int_t)(job->state == ST_UPLOADING
                                           ? job->received
                                           : job->size));
    if (a && job->state == ST_FAILED)
        json_object_set_new(a, "error", json_string(job->error));
    return a;
}

/* Sends {"type":"asset","asset":a} (reference stolen) to the project. */
static void broadcast_asset(const char *project_id, json_t *a)
{
    if (!a)
        return;
    srv_room_broadcast(project_id, json_pack("{s:s, s:o}", "type", "asset",
                                             "asset", a));
}

static void job_announce(struct srv_asset_job *job)
{
    job->last_sent_ms = srv_now_mono_ms();
    job->last_sent_permille = atomic_load(&job->permille);
    broadcast_asset(job->project_id, job_json(job));
}

static void job_free(struct srv_asset_job *job)
{
    free(job);
}

static void assets_tick(struct srv_server *srv)
{
    long long now = srv_now_mono_ms();

    (void)srv;
    for (struct srv_asset_job *j = inflight; j; j = j->next)
        if ((j->state == ST_UPLOADING || j->state == ST_IMPORTING) &&
            now - j->last_sent_ms >= PROGRESS_EVERY_MS)
            job_announce(j);
}

/* ------------------------------------------------------------------ */
/* rows, through the writer                                             */

/* What one write needs: a copy, so the writer thread shares nothing. */
struct row_write {
    bool insert;
    char id[SRV_ASSET_ID_MAX], project_id[64], user_id[64];
    char name[SRV_ASSET_NAME_MAX + 1], sha[65], state[16];
    char format[48], error[256];
    int64_t frames, size;
    int channels, orig_rate;
    struct srv_asset_job *job;        /* finished on done (update only) */
};

static int row_write_fn(db_conn *db, void *arg)
{
    struct row_write *w = arg;
    db_stmt *st = NULL;
    int rc;

    assert(store_on_writer_thread());
    const char *sql =
        w->insert
            ? "INSERT INTO assets(id, project_id, sha256, name, state, "
              "size_bytes, created_by, created_at) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, ''), ?8)"
            : "UPDATE assets SET state=?5, frames=?9, channels=?10, "
              "orig_rate=?11, format=?12, error=NULLIF(?13, '') "
              "WHERE project_id=?2 AND id=?1";

    st = store_prepare(db, sql, STORE_ARGS(w->id, w->project_id), NULL, 0);
    if (!st)
        goto out;
    db_bind_text(st, 5, w->state, -1, DB_STATIC);
    if (w->insert) {
        db_bind_text(st, 3, w->sha, -1, DB_STATIC);
        db_bind_text(st, 4, w->name, -1, DB_STATIC);
        db_bind_int64(st, 6, w->size);
        db_bind_text(st, 7, w->user_id, -1, DB_STATIC);
        db_bind_int64(st, 8, store_now_ms());
    } else {
        db_bind_int64(st, 9, w->frames);
        db_bind_int(st, 10, w->channels);
        db_bind_int(st, 11, w->orig_rate);
        db_bind_text(st, 12, w->format, -1, DB_STATIC);
        db_bind_text(st, 13, w->error, -1, DB_STATIC);
    }
    rc = db_step(st);
    db_finalize(st);
    if (rc == DB_DONE)
        return 0;
out:
    srv_err("asset %s: cannot write its row: %s", w->id, db_errmsg(db));
    return -1;
}

static struct row_write *row_from_job(const struct srv_asset_job *job,
                                      bool insert)
{
    struct row_write *w = calloc(1, sizeof *w);

    if (!w)
        return NULL;
    w->insert = insert;
    snprintf(w->id, sizeof w->id, "%s", job->id);
    snprintf(w->project_id, sizeof w->project_id, "%s", job->project_id);
    snprintf(w->user_id, sizeof w->user_id, "%s", job->user_id);
    snprintf(w->name, sizeof w->name, "%s", job->name);
    snprintf(w->sha, sizeof w->sha, "%s", job->sha);
    snprintf(w->state, sizeof w->state, "%s", state_names[job->state]);
    snprintf(w->format, sizeof w->format, "%s", job->format);
    snprintf(w->error, sizeof w->error, "%s",
             job->state == ST_FAILED ? job->error : "");
    w->frames = job->frames;
    w->size = job->size;
    w->channels = job->channels;
    w->orig_rate = job->orig_rate;
    return w;
}

static void insert_done(void *arg, int status)
{
    if (status != 0)
        srv_warn("asset row insert failed");
    free(arg);
}

/* The final row is durable: tell the room, then the sockets. */
static void final_done(void *arg, int status)
{
    struct row_write *w = arg;
    struct srv_asset_job *job = w->job;

    if (status != 0 && job->state == ST_READY) {
        job->state = ST_FAILED;
        snprintf(job->error, sizeof job->error,
                 "the server could not record the asset");
    }
    if (job->state == ST_READY)
        srv_room_asset_update(job->project_id, job->id, job->frames, true);
    registry_remove(job);
    job_announce(job);
    srv_info("asset %s (%s) in project %s: %s%s%s", job->id, job->name,
             job->project_id, state_names[job->state],
             job->state == ST_FAILED ? ": " : "",
             job->state == ST_FAILED ? job->error : "");
    if (job->done)
        job->done(job->done_ctx, job->id, job->state == ST_READY, job->frames);
    job_free(job);
    free(w);
}

/* ------------------------------------------------------------------ */
/* the import, on a worker                                              */

static void on_import_progress(void *ctx, double f)
{
    struct srv_asset_job *job = ctx;
    int pm = (int)(f * 1000.0 + 0.5);

    atomic_store(&job->permille, pm < 0 ? 0 : pm > 1000 ? 1000 : pm);
}

/* Removes dir and its parent if they are empty (after a failed import). */
static void remove_empty_dirs(const char *dir)
{
    char parent[4096];
    char *slash;

    if (rmdir(dir) != 0)
        return;
    snprintf(parent, sizeof parent, "%s", dir);
    slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        rmdir(parent);
    }
}

/* The import options of a job: its files, rate, progress and limits. */
static void job_opts(struct srv_asset_job *job, const char *dir,
                     eng_import_opts *o)
{
    memset(o, 0, sizeof *o);
    o->src_path = job->src_path;
    o->out_dir = dir;
    o->rate = job->rate;
    o->progress = on_import_progress;
    o->progress_ctx = job;
    o->cancel = job->cancel;
    o->max_seconds = job->max_seconds;
    o->max_decoded = job->max_decoded;
    o->max_total_decoded = job->max_project;
    o->other_decoded = job->other_decoded;
}

/* Uses the samples and peaks already in the store for this rate (the same
 * content was imported before, maybe by another project), if they are
 * within the job's limits (else job->out.error says why). */
static bool try_reuse(struct srv_asset_job *job, const char *dir)
{
    char samples[4200], peaks[4200];
    eng_asset *a;
    eng_import_opts o;
    eng_import_result r;

    if (!job->reuse ||
        eng_asset_file(samples, sizeof samples, dir, "samples", job->rate) ||
        eng_asset_file(peaks, sizeof peaks, dir, "peaks", job->rate) ||
        access(peaks, R_OK) != 0)
        return false;
    a = eng_asset_open(samples);
    if (!a)
        return false;
    job->out.frames = a->frames;
    job->out.channels = a->channels;
    eng_asset_release(a);
    job_opts(job, dir, &o);
    memset(&r, 0, sizeof r);
    if (eng_import_check_limits(&o, (double)job->out.frames / job->rate,
                                eng_decoded_bytes(job->out.frames,
                                                  job->out.channels),
                                1, &r) != 0) {
        srv_assets_limit_text(&r, &o, job->out.error, sizeof job->out.error);
        return false;
    }
    job->out.orig_rate = job->reuse_orig_rate;
    snprintf(job->out.format, sizeof job->out.format, "%s",
             job->reuse_format);
    return true;
}

/* Assets in S3: the finished files go up before the row says ready, so
 * every node can fetch what a revision refers to. True (job->out.error
 * set) when the asset store refused them. */
static bool upload_to_store(struct srv_asset_job *job)
{
    return srv_objstore_upload_asset(job->data_dir, job->sha, job->out.error,
                                     sizeof job->out.error) != 0;
}

static void import_work(void *arg)
{
    struct srv_asset_job *job = arg;
    char dir[4096];
    eng_import_opts o;
    eng_import_result r;

    if (eng_asset_dir(dir, sizeof dir, job->data_dir, job->sha) != 0) {
        snprintf(job->out.error, sizeof job->out.error,
                 "internal: bad asset hash");
        goto fail;
    }
    if (try_reuse(job, dir)) {
        if (eng_store_original(job->src_path, dir) != 0) {
            snprintf(job->out.error, sizeof job->out.error,
                     "the server could not store the file: %s",
                     strerror(errno));
            goto fail;
        }
        if (upload_to_store(job))
            goto fail;
        atomic_store(&job->permille, 1000);
        job->out.ok = true;
        return;
    }
    if (job->out.error[0]) /* reusable, but over a limit */
        goto fail;
    job_opts(job, dir, &o);
    memset(&r, 0, sizeof r);
    if (eng_import(&o, &r) != 0) {
        if (r.status == ENG_IMPORT_CANCELLED)
            snprintf(job->out.error, sizeof job->out.error,
                     "the server stopped during the import");
        else if (r.limit != ENG_LIMIT_NONE)
            srv_assets_limit_text(&r, &o, job->out.error,
                                  sizeof job->out.error);
        else
            snprintf(job->out.error, sizeof job->out.error, "%s",
                     r.error[0] ? r.error : eng_import_status_text(r.status));
        remove_empty_dirs(dir);
        goto fail;
    }
    if (eng_store_original(job->src_path, dir) != 0) {
        snprintf(job->out.error, sizeof job->out.error,
                 "the server could not store the file: %s", strerror(errno));
        goto fail;
    }
    job->out.frames = r.frames;
    job->out.channels = r.channels;
    job->out.orig_rate = r.orig_rate;
    snprintf(job->out.format, sizeof job->out.format, "%s", r.format);
    if (upload_to_store(job))
        goto fail;
    atomic_store(&job->permille, 1000);
    job->out.ok = true;
    return;
fail:
    unlink(job->src_path);
    job->out.ok = false;
}

/* Back on the loop: write the final row; the rest happens when durable. */
static void import_done(void *arg)
{
    struct srv_asset_job *job = arg;
    struct row_write *w;
    struct srv_server *srv = srv_server_instance;

    srv_count(job->out.ok ? SRV_M_IMPORTS_FINISHED : SRV_M_IMPORTS_FAILED);
    if (job->out.ok) {
        job->state = ST_READY;
        job->frames = job->out.frames;
        job->channels = job->out.channels;
        job->orig_rate = job->out.orig_rate;
        snprintf(job->format, sizeof job->format, "%s", job->out.format);
    } else if (job->state != ST_FAILED) {
        job->state = ST_FAILED;
        snprintf(job->error, sizeof job->error, "%s", job->out.error);
    }
    w = row_from_job(job, false);

    if (!w || !srv || !srv->writer) {
        free(w);
        registry_remove(job);
        job_free(job);
        return;
    }
    w->job = job;
    store_writer_submit(srv->writer, row_write_fn, final_done, w);
}

/* ------------------------------------------------------------------ */
/* starting imports                                                     */

static struct srv_asset_job *job_new(struct srv_server *srv,
                                     const char *project_id,
                                     const char *user_id, const char *name,
                                     int rate)
{
    struct srv_asset_job *job = calloc(1, sizeof *job);

    if (!job)
        return NULL;
    job->srv = srv;
    store_new_id(job->id, sizeof job->id, "a_");
    snprintf(job->project_id, sizeof job->project_id, "%s", project_id);
    snprintf(job->user_id, sizeof job->user_id, "%s", user_id ? user_id : "");
    srv_asset_job_set_name(job, name);
    snprintf(job->data_dir, sizeof job->data_dir, "%s", srv->cfg.data_dir);
    job->rate = rate;
    job->expected = -1;
    job->max_seconds = (double)srv->cfg.max_upload_seconds;
    job->max_decoded = srv->cfg.max_upload_decoded;
    job->max_project = srv->cfg.max_project_decoded;
    atomic_init(&job->permille, 0);
    return job;
}

void srv_asset_job_set_name(struct srv_asset_job *job, const char *name)
{
    size_t n = 0;
    const char *base = name ? name : "";

    for (const char *q = base; *q; q++)
        if (*q == '/' || *q == '\\')
            base = q + 1;
    for (const char *q = base; *q && n < SRV_ASSET_NAME_MAX; q++)
        job->name[n++] = ((unsigned char)*q < 0x20 || *q == 0x7f) ? ' ' : *q;
    /* do not end inside a UTF-8 sequence */
    while (n > 0 && n == SRV_ASSET_NAME_MAX &&
           ((unsigned char)job->name[n - 1] & 0xC0) == 0x80)
        n--;
    if (n > 0 && n == SRV_ASSET_NAME_MAX &&
        ((unsigned char)job->name[n - 1] & 0xC0) == 0xC0)
        n--;
    job->name[n] = '\0';
    if (!job->name[0])
        snprintf(job->name, sizeof job->name, "untitled");
}

const char *srv_asset_job_id(const struct srv_asset_job *job)
{
    return job->id;
}

struct srv_asset_job *srv_asset_upload_begin(struct srv_server *srv,
                                             const char *project_id,
                                             const char *user_id,
                                             const char *name, int rate,
                                             int64_t expected)
{
    struct srv_asset_job *job = job_new(srv, project_id, user_id, name, rate);

    if (!job)
        return NULL;
    job->expected = expected;
    job->state = ST_UPLOADING;
    registry_add(job);
    job_announce(job);
    return job;
}

void srv_asset_job_on_done(struct srv_asset_job *job, srv_asset_done_fn done,
                           void *ctx)
{
    job->done = done;
    job->done_ctx = ctx;
}

void srv_asset_upload_progress(struct srv_asset_job *job, int64_t bytes)
{
    job->received = bytes;
}

void srv_asset_upload_abandon(struct srv_asset_job *job, const char *why)
{
    registry_remove(job);
    job->state = ST_FAILED;
    snprintf(job->error, sizeof job->error, "%s", why);
    job_announce(job);
    job_free(job);
}

/* An asset of this project with this content that is ready or on its way:
 * its id in out. In flight first, then the table. */
static bool find_same(struct srv_server *srv, const char *project_id,
                      const char *sha, char out[SRV_ASSET_ID_MAX])
{
    for (struct srv_asset_job *j = inflight; j; j = j->next)
        if (j->state == ST_IMPORTING && !strcmp(j->project_id, project_id) &&
            !strcmp(j->sha, sha)) {
            snprintf(out, SRV_ASSET_ID_MAX, "%s", j->id);
            return true;
        }
    return store_query_text(srv->db,
                            "SELECT id FROM assets WHERE project_id=?1 AND "
                            "sha256=?2 AND state IN ('ready','importing') "
                            "ORDER BY created_at LIMIT 1",
                            STORE_ARGS(project_id, sha), out,
                            SRV_ASSET_ID_MAX, NULL, 0) == 1;
}

/* A ready asset of any project with this content: decoding may be skipped
 * if its samples exist at our rate (the worker checks the files). */
static void find_reusable(struct srv_server *srv, struct srv_asset_job *job)
{
    db_stmt *st = NULL;

    st = store_prepare(srv->db,
                       "SELECT orig_rate, format FROM assets WHERE "
                       "sha256=?1 AND state='ready' LIMIT 1",
                       STORE_ARGS(job->sha), NULL, 0);
    if (!st)
        return;
    if (db_step(st) == DB_ROW) {
        job->reuse = true;
        job->reuse_orig_rate = db_column_int(st, 0);
        snprintf(job->reuse_format, sizeof job->reuse_format, "%s",
                 (const char *)db_column_text(st, 1));
    }
    db_finalize(st);
}

/* The current row of an asset, as a message object (NULL if absent). */
static json_t *row_json(db_conn *db, const char *project_id, const char *id);

/* What the project's assets other than job take decoded: the ready rows,
 * and imports that finished but whose row is not durable yet (still in
 * flight, their row says importing). Imports still decoding are not
 * counted: their size is known only when they end. */
static int64_t project_decoded(struct srv_server *srv,
                               const struct srv_asset_job *job)
{
    int64_t sum = srv_assets_ready_decoded(srv->db, job->project_id);

    for (const struct srv_asset_job *j = inflight; j; j = j->next)
        if (j != job && j->state == ST_READY &&
            !strcmp(j->project_id, job->project_id))
            sum += eng_decoded_bytes(j->frames, j->channels);
    return sum;
}

/* Starts the import of a complete file: dedupe, row, worker. */
static int start_import(struct srv_server *srv, struct srv_asset_job *job,
                        char id_out[SRV_ASSET_ID_MAX], bool *duplicate)
{
    char same[SRV_ASSET_ID_MAX];
    struct row_write *w;

    *duplicate = false;
    if (find_same(srv, job->project_id, job->sha, same)) {
        /* the same file twice is one asset: drop this one */
        unlink(job->src_path);
        registry_remove(job);
        job->state = ST_FAILED;
        snprintf(job->error, sizeof job->error,
                 "this file is already in the project");
        json_t *a = job_json(job);
        json_object_set_new(a, "duplicate_of", json_string(same));
        broadcast_asset(job->project_id, a);
        json_t *cur = row_json(srv->db, job->project_id, same);
        if (cur)
            broadcast_asset(job->project_id, cur);
        snprintf(id_out, SRV_ASSET_ID_MAX, "%s", same);
        *duplicate = true;
        job_free(job);
        return 0;
    }
    find_reusable(srv, job);
    job->other_decoded = project_decoded(srv, job);
    w = row_from_job(job, true);
    if (!w || !srv->jobs || !srv->writer) {
        free(w);
        goto fail;
    }
    snprintf(w->state, sizeof w->state, "importing");
    store_writer_submit(srv->writer, row_write_fn, insert_done, w);
    job->state = ST_IMPORTING;
    srv_count(SRV_M_IMPORTS_STARTED);
    job->cancel = srv_jobs_cancel_flag(srv->jobs);
    if (srv_jobs_submit(srv->jobs, import_work, import_done, job) != 0) {
        job->state = ST_FAILED;
        snprintf(job->error, sizeof job->error,
                 "the server is stopping; try again");
        unlink(job->src_path);
        snprintf(id_out, SRV_ASSET_ID_MAX, "%s", job->id);
        import_done(job); /* records the failure; may free job */
        return 0;
    }
    job_announce(job);
    snprintf(id_out, SRV_ASSET_ID_MAX, "%s", job->id);
    return 0;
fail:
    unlink(job->src_path);
    srv_asset_upload_abandon(job, "the server could not start the import");
    return -1;
}

int srv_asset_upload_finish(struct srv_server *srv, struct srv_asset_job *job,
                            const char *src_path, const char *sha_hex,
                            int64_t size, char id_out[SRV_ASSET_ID_MAX],
                            bool *duplicate)
{
    snprintf(job->src_path, sizeof job->src_path, "%s", src_path);
    snprintf(job->sha, sizeof job->sha, "%s", sha_hex);
    job->size = size;
    job->received = size;
    return start_import(srv, job, id_out, duplicate);
}

int srv_assets_tmp_dir(const struct srv_server *srv, char *out, size_t n)
{
    int len = snprintf(out, n, "%s/tmp", srv->cfg.data_dir);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* Copies src into a new file under <data>/tmp; path in out. */
static int copy_to_tmp(struct srv_server *srv, const char *src, char *out,
                       size_t n)
{
    char dir[4096], buf[65536];
    int in = -1, fd = -1, rc = -1;
    ssize_t r;

    if (srv_assets_tmp_dir(srv, dir, sizeof dir) != 0 || eng_mkdirs(dir) != 0)
        return -1;
    if (snprintf(out, n, "%s/import-XXXXXX", dir) >= (int)n)
        return -1;
    fd = mkostemp(out, O_CLOEXEC);
    if (fd < 0)
        return -1;
    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        goto out;
    while ((r = read(in, buf, sizeof buf)) > 0)
        if (eng_write_all(fd, buf, (size_t)r) != 0)
            goto out;
    rc = r == 0 ? 0 : -1;
out:
    if (in >= 0)
        close(in);
    if (close(fd) != 0)
        rc = -1;
    if (rc != 0)
        unlink(out);
    return rc;
}

int srv_assets_project_rate(db_conn *db, const char *project_id)
{
    long long rate = 0;

    store_query_int(db, "SELECT sample_rate FROM projects WHERE id=?",
                    STORE_ARGS(project_id), &rate, NULL, 0);
    return (int)rate;
}

int srv_assets_import_file(struct srv_server *srv, const char *project_id,
                           const char *user_id, const char *name,
                           const char *src_path, srv_asset_done_fn done,
                           void *ctx, char id_out[SRV_ASSET_ID_MAX])
{
    char tmp[4096], sha[65];
    char *id = id_out;
    struct srv_asset_job *job;
    struct stat sb;
    bool dup;
    int rate = srv_assets_project_rate(srv->db, project_id);

    if (rate <= 0 || copy_to_tmp(srv, src_path, tmp, sizeof tmp) != 0)
        return -1;
    if (eng_sha256_file(tmp, sha) != 0 || stat(tmp, &sb) != 0 ||
        !(job = job_new(srv, project_id, user_id, name, rate))) {
        unlink(tmp);
        return -1;
    }
    job->done = done;
    job->done_ctx = ctx;
    job->state = ST_UPLOADING;
    registry_add(job);
    snprintf(job->src_path, sizeof job->src_path, "%s", tmp);
    snprintf(job->sha, sizeof job->sha, "%s", sha);
    job->size = job->received = job->expected = sb.st_size;
    if (start_import(srv, job, id, &dup) != 0)
        return -1;
    if (dup && done) {
        int64_t frames = 0;
        bool ready = false;
        json_t *cur = row_json(srv->db, project_id, id);
        if (cur) {
            frames = json_integer_value(json_object_get(cur, "frames"));
            ready = !strcmp(json_string_value(json_object_get(cur, "state")),
                            "ready");
            json_decref(cur);
        }
        done(ctx, id, ready, frames);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* lists                                                                */

static const char *const row_cols =
    "SELECT id, name, state, frames, channels, orig_rate, format, "
    "size_bytes, error FROM assets ";

static json_t *row_to_json(db_stmt *st)
{
    const char *state = (const char *)db_column_text(st, 2);
    json_t *a = json_pack(
        "{s:s, s:s, s:s, s:f, s:I, s:i, s:i, s:s, s:I}", "id",
        (const char *)db_column_text(st, 0), "name",
        (const char *)db_column_text(st, 1), "state", state, "progress",
        !strcmp(state, "ready") ? 1.0 : 0.0, "frames",
        (json_int_t)db_column_int64(st, 3), "channels",
        db_column_int(st, 4), "orig_rate", db_column_int(st, 5),
        "format", (const char *)db_column_text(st, 6), "size",
        (json_int_t)db_column_int64(st, 7));

    if (a && db_column_type(st, 8) != DB_NULL)
        json_object_set_new(
            a, "error", json_string((const char *)db_column_text(st, 8)));
    return a;
}

static json_t *row_json(db_conn *db, const char *project_id, const char *id)
{
    char sql[256];
    db_stmt *st = NULL;
    json_t *a = NULL;

    snprintf(sql, sizeof sql, "%sWHERE project_id=?1 AND id=?2", row_cols);
    st = store_prepare(db, sql, STORE_ARGS(project_id, id), NULL, 0);
    if (!st)
        return NULL;
    if (db_step(st) == DB_ROW)
        a = row_to_json(st);
    db_finalize(st);
    return a;
}

json_t *srv_assets_list_json(db_conn *db, const char *project_id)
{
    char sql[256];
    db_stmt *st = NULL;
    json_t *list = json_array();

    snprintf(sql, sizeof sql, "%sWHERE project_id=?1 ORDER BY created_at, id",
             row_cols);
    if (!list ||
        !(st = store_prepare(db, sql, STORE_ARGS(project_id), NULL, 0)))
        return list;
    while (db_step(st) == DB_ROW) {
        json_t *a = row_to_json(st);
        if (a)
            json_array_append_new(list, a);
    }
    db_finalize(st);
    return list;
}

/* ------------------------------------------------------------------ */
/* start-up and shutdown                                                */

static int fail_stuck_fn(db_conn *db, void *arg)
{
    (void)arg;

    assert(store_on_writer_thread());
    return db_exec(db,
                        "UPDATE assets SET state='failed', error='the server "
                        "stopped during the import' WHERE state IN "
                        "('uploading','importing')",
                        NULL, NULL, NULL) == DB_OK
               ? 0
               : -1;
}

/* Removes every regular file directly under dir. */
static int empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4400];
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' &&
            (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static int assets_on_start(struct srv_server *srv)
{
    char tmp[4096];
    int n;

    n = eng_import_cleanup_temps(srv->cfg.data_dir);
    if (n > 0)
        srv_info("removed %d unfinished asset file%s", n, n == 1 ? "" : "s");
    if (srv_assets_tmp_dir(srv, tmp, sizeof tmp) != 0 || eng_mkdirs(tmp) != 0) {
        srv_err("cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    n = empty_dir(tmp);
    if (n > 0)
        srv_info("removed %d unfinished upload%s", n, n == 1 ? "" : "s");
    store_writer_submit(srv->writer, fail_stuck_fn, NULL, NULL);
    store_writer_flush(srv->writer);
    return 0;
}

static void assets_on_stop(struct srv_server *srv)
{
    (void)srv;
    /* Imports still running are cancelled by the pool's stop hook (their
     * rows end as failed "the server stopped during the import"). */
}

/* The welcome's "assets": the project's assets in the shape of the `asset`
 * message, from the loop's reader connection. */
static json_t *assets_section(struct srv_server *srv, struct srv_room *room,
                              const char *project_id)
{
    (void)room;
    srv_assets_prefetch_project(srv->db, project_id); /* assets in S3 */
    return srv_assets_list_json(srv->db, project_id);
}

void srv_assets_init(void)
{
    static bool done; /* set once on the main thread before the loop runs */

    if (done)
        return;
    done = true;
    srv_loop_on_start(assets_on_start);
    srv_jobs_init();
    srv_loop_on_start(srv_demo_start);
    srv_loop_on_stop(assets_on_stop);
    srv_loop_on_tick(assets_tick);
    srv_room_add_section(SRV_ROOM_WELCOME, "assets", assets_section);
    srv_assets_http_init();
    srv_midi_http_init();
    srv_takes_init();
}
