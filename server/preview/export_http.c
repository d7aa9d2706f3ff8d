/* export_http.c -- the rendered mix over HTTP:
 *   GET /api/projects/{id}/export?format=wav|wav16|wav24|wav32|flac|flac16|
 *       flac24|opus&rev=N&from=F&to=T&bitrate=B
 *     streams the file while a worker renders it (Content-Disposition
 *     "<project name> r<rev>.<ext>");
 *   ...&stems=1[&buses=1]: a zip of one file per audio track (and per bus
 *     with buses=1), each rendered as the only soloed track over the mix's
 *     range, entries "NN <track name>.<ext>" (NN: display position),
 *     streamed while rendering ("<project name> r<rev> stems.zip");
 *   GET /api/projects/{id}/loudness?rev=N&from=F&to=T
 *     -> {integrated_lufs, range_lu, sample_peak_dbfs, true_peak_dbtp}.
 * The worker builds the document at the revision (doc_at.h) on its own
 * database connection, then the plan and the export (engine/export.h).
 * Bytes pass through a bounded chunk queue: the worker waits when the
 * client reads slowly, and posts a wake-up to the loop when it adds bytes
 * the producer is waiting for. */
#include "server/preview/export_http.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/export.h"
#include "engine/loudness.h"
#include "engine/zipw.h"
#include "server/auth/auth.h"
#include "server/rooms/doc_at.h"
#include "server/net/http.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/preview/plans.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"

#define QUEUE_MAX (4u << 20)   /* bytes rendered ahead of the client */

struct chunk {
    struct chunk *next;
    size_t len, off;
    unsigned char data[];
};

struct export_job {
    atomic_int refs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk *head, *tail;     /* under mu */
    size_t queued;                 /* under mu */
    bool done, failed, aborted;    /* under mu */
    bool waiting;                  /* under mu: producer returned AGAIN */
    struct srv_http_req *req;      /* loop thread; NULL after close */
    char project_id[128];
    char data_dir[4096];
    long long rev;
    eng_export_opts opts;
    char format_name[16];
    bool stems, buses;             /* a zip of stems (and bus submixes) */
    time_t mtime;                  /* of the zip entries */
};

static void job_release(struct export_job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    while (j->head) {
        struct chunk *c = j->head;
        j->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

/* loop thread: wake the producer if the client is still there */
static void wake_post(void *arg)
{
    struct export_job *j = arg;

    if (j->req)
        srv_http_wake(j->req);
    job_release(j);
}

/* Called with mu held: tell the loop there is something new. */
static void notify_locked(struct export_job *j)
{
    if (j->waiting) {
        j->waiting = false;
        atomic_fetch_add(&j->refs, 1);
        srv_loop_post(wake_post, j);
    }
}

static int export_write(void *ctx, const void *data, size_t len)
{
    struct export_job *j = ctx;
    struct chunk *c = malloc(sizeof *c + len);

    if (!c)
        return -1;
    memcpy(c->data, data, len);
    c->len = len;
    c->off = 0;
    c->next = NULL;
    pthread_mutex_lock(&j->mu);
    while (j->queued > QUEUE_MAX && !j->aborted)
        pthread_cond_wait(&j->cv, &j->mu);
    if (j->aborted) {
        pthread_mutex_unlock(&j->mu);
        free(c);
        return -1;
    }
    if (j->tail)
        j->tail->next = c;
    else
        j->head = c;
    j->tail = c;
    j->queued += len;
    notify_locked(j);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

/* Builds the plan of project_id at rev (rev < 0: head) on a connection of
 * this thread. NULL with err. When doc_out is set, the document is handed
 * over there (NULL on failure) instead of being freed. */
static eng_plan *plan_at(const char *data_dir, const char *project_id,
                         long long rev, proto_err *err, proto_doc **doc_out)
{
    char msg[256];
    sqlite3 *db = store_open(data_dir, "NORMAL", true, msg, sizeof msg);
    eng_plan *plan = NULL;

    if (!db) {
        proto_fail(err, PROTO_INTERNAL, "database: %s", msg);
        return NULL;
    }
    proto_doc *doc = srv_doc_at_rev(db, project_id, rev, err);
    if (doc) {
        plan = srv_plan_from_doc(db, data_dir, project_id, doc);
        if (!plan)
            proto_fail(err, PROTO_INTERNAL, "out of memory");
        if (plan && doc_out)
            *doc_out = doc;
        else
            proto_doc_free(doc);
    }
    sqlite3_close(db);
    return plan;
}

static int zip_data(void *ctx, const void *data, size_t len)
{
    return eng_zipw_write(ctx, data, len) == 0 ? 0 : -1;
}

/* The zip of stems: for each audio track in display order (and each bus
 * when asked), an entry "NN <name>.<ext>" holding its export as the only
 * soloed track. Every stem covers the same range as the mix (the whole
 * project: 0 to the mix's end with its effect tail), so they line up when
 * imported side by side. Returns 0, -1, or -2 when the client went away. */
static int stems_export(struct export_job *j, eng_plan *plan,
                        const proto_doc *doc)
{
    eng_zipw *z = eng_zipw_new(export_write, j);
    eng_export_opts o = j->opts;
    int rc = -1;

    if (!z)
        goto out;
    if (o.to < 0) {
        o.from = 0;
        if ((o.to = eng_export_end(plan, NULL)) < 0)
            goto out;
    }
    /* an upper bound of a stem's size: 8 bytes a frame (32-bit float
     * stereo; 24-bit WAV/FLAC take 6, Opus far less) plus room for
     * headers; stems that could pass 4 GiB become ZIP64 entries */
    uint64_t bound = (uint64_t)(o.to > o.from ? o.to - o.from : 0) * 9 +
                     (1u << 20);
    for (int t = 0; t < plan->ntracks; t++) {
        const eng_track_spec *ts = &plan->tracks[t];
        const json_t *obj = proto_doc_get(doc, ts->id);
        const char *tname = json_string_value(json_object_get(obj, "name"));
        char safe[120], entry[160];
        if (ts->bus && !j->buses)
            continue;
        eng_zipw_safe_name(safe, sizeof safe,
                           tname && tname[0] ? tname : ts->id);
        snprintf(entry, sizeof entry, "%02d %s.%s", t + 1, safe,
                 eng_format_ext(o.format));
        o.stem_track = ts->id;
        if ((rc = eng_zipw_begin(z, entry, j->mtime, bound)) != 0 ||
            (rc = eng_export(plan, &o, zip_data, z, NULL)) != 0 ||
            (rc = eng_zipw_end(z)) != 0)
            goto out;
    }
    rc = eng_zipw_finish(z);
out:
    if (z && rc == -1 && eng_zipw_error(z)[0])
        srv_warn("stems of %s: %s", j->project_id, eng_zipw_error(z));
    eng_zipw_free(z);
    return rc;
}

static void export_work(void *arg)
{
    struct export_job *j = arg;
    proto_err err;
    proto_doc *doc = NULL;
    eng_plan *plan = plan_at(j->data_dir, j->project_id, j->rev, &err,
                             j->stems ? &doc : NULL);
    int rc = -1;

    if (plan) {
        rc = j->stems ? stems_export(j, plan, doc)
                      : eng_export(plan, &j->opts, export_write, j, NULL);
        eng_plan_release(plan);
        proto_doc_free(doc);
    } else {
        srv_warn("export of %s: %s", j->project_id, err.message);
    }
    pthread_mutex_lock(&j->mu);
    j->done = true;
    j->failed = rc != 0;
    srv_count(rc != 0 ? SRV_M_EXPORTS_FAILED : SRV_M_EXPORTS_FINISHED);
    j->waiting = true; /* always wake: the producer must see the end */
    notify_locked(j);
    pthread_mutex_unlock(&j->mu);
}

static void export_done(void *arg)
{
    job_release(arg);
}

static ssize_t export_produce(void *ctx, unsigned char *buf, size_t len)
{
    struct export_job *j = ctx;
    size_t n = 0;
    ssize_t r;

    pthread_mutex_lock(&j->mu);
    while (n < len && j->head) {
        struct chunk *c = j->head;
        size_t take = c->len - c->off;
        if (take > len - n)
            take = len - n;
        memcpy(buf + n, c->data + c->off, take);
        c->off += take;
        n += take;
        if (c->off == c->len) {
            j->head = c->next;
            if (!j->head)
                j->tail = NULL;
            j->queued -= c->len;
            free(c);
        }
    }
    if (n > 0) {
        r = (ssize_t)n;
        pthread_cond_signal(&j->cv);
    } else if (j->done) {
        r = j->failed ? -1 : 0;
    } else {
        j->waiting = true;
        r = SRV_HTTP_AGAIN;
    }
    pthread_mutex_unlock(&j->mu);
    return r;
}

static void export_close(void *ctx)
{
    struct export_job *j = ctx;

    j->req = NULL;
    pthread_mutex_lock(&j->mu);
    j->aborted = true;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    job_release(j);
}

/* Parses an optional integer query parameter (>= 0). */
static int query_int(struct srv_http_req *req, const char *name,
                     long long *out)
{
    char v[64];
    char *end;

    if (!srv_http_query(req, name, v, sizeof v) || !v[0])
        return 0;
    long long x = strtoll(v, &end, 10);
    if (*end || x < 0)
        return -1;
    *out = x;
    return 1;
}

/* The project's name and head revision (loop reader). */
static int project_info(struct srv_http_req *req, const char *pid, char *name,
                        size_t nlen, long long *head)
{
    sqlite3_stmt *st;
    int rc = -1;

    st = store_prepare(req->srv->db,
                       "SELECT name, head_rev FROM projects WHERE id=?",
                       STORE_ARGS(pid), NULL, 0);
    if (!st)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(name, nlen, "%s", t ? (const char *)t : "mix");
        *head = sqlite3_column_int64(st, 1);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* A file name safe inside a quoted header value. */
static void safe_name(char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '/' || (unsigned char)*s < 32)
            *s = '_';
}

/* Common checks of both endpoints: range and revision. Fills *rev (the
 * head when absent). Returns 0, or -1 with resp filled. */
static int parse_range(struct srv_http_req *req, struct srv_http_resp *resp,
                       const char *pid, long long *rev, long long *from,
                       long long *to, char *name, size_t nlen)
{
    long long head = 0;
    int have_rev, have_from, have_to;

    if (project_info(req, pid, name, nlen, &head) != 0) {
        srv_http_error(resp, PROTO_NOT_FOUND, 0, "project %s does not exist",
                       pid);
        return -1;
    }
    *from = 0;
    *to = -1;
    if ((have_rev = query_int(req, "rev", rev)) < 0 ||
        (have_from = query_int(req, "from", from)) < 0 ||
        (have_to = query_int(req, "to", to)) < 0) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                       "rev, from and to must be whole numbers >= 0");
        return -1;
    }
    if (!have_rev)
        *rev = head;
    if (*rev > head) {
        srv_http_error(resp, PROTO_NOT_FOUND, 0,
                       "revision %lld does not exist; rev must be 0..%lld",
                       *rev, head);
        return -1;
    }
    if (have_to && *to <= *from) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                       "to must be greater than from (frames)");
        return -1;
    }
    (void)have_from;
    return 0;
}

static enum srv_http_result on_export(struct srv_http_req *req,
                                      struct srv_http_resp *resp)
{
    const char *pid = req->params[0];
    char fmt[16] = "wav", name[256], v[32];
    long long rev, from, to;
    int f;

    srv_http_query(req, "format", fmt, sizeof fmt);
    if ((f = eng_format_parse(fmt)) < 0)
        return srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                              "format must be wav, wav16, wav24, wav32, flac, "
                              "flac16, flac24 or opus (got \"%s\")", fmt);
    bool stems = srv_http_query(req, "stems", v, sizeof v) &&
                 strcmp(v, "1") == 0;
    bool buses = srv_http_query(req, "buses", v, sizeof v) &&
                 strcmp(v, "1") == 0;
    if (parse_range(req, resp, pid, &rev, &from, &to, name, sizeof name) != 0)
        return SRV_HTTP_DONE;

    struct export_job *j = calloc(1, sizeof *j);
    if (!j)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
    atomic_init(&j->refs, 2); /* the response and the worker */
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    j->req = req;
    snprintf(j->project_id, sizeof j->project_id, "%s", pid);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", req->srv->cfg.data_dir);
    j->rev = rev;
    eng_export_opts_default(&j->opts);
    j->opts.format = (eng_format)f;
    j->opts.from = from;
    j->opts.to = to;
    j->stems = stems;
    j->buses = buses;
    j->mtime = time(NULL);
    long long br;
    if (query_int(req, "bitrate", &br) > 0 && br >= 6000 && br <= 510000)
        j->opts.opus_bitrate = (int)br;

    if (!req->srv->jobs ||
        srv_jobs_submit(req->srv->jobs, export_work, export_done, j) != 0) {
        job_release(j);
        job_release(j);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the render workers are not running");
    }
    srv_count(SRV_M_EXPORTS_STARTED);
    char disp[600];
    safe_name(name);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s r%lld%s.%s\"", name,
             rev, stems ? " stems" : "",
             stems ? "zip" : eng_format_ext((eng_format)f));
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type, "%s",
             stems ? "application/zip" : eng_format_mime((eng_format)f));
    srv_http_add_header(resp, "Content-Disposition", disp);
    srv_http_add_header(resp, "Cache-Control", "no-store");
    resp->produce = export_produce;
    resp->close = export_close;
    resp->ctx = j;
    resp->stream_length = -1;
    return SRV_HTTP_DONE;
}

/* ---- loudness ---- */

struct loud_job {
    struct srv_http_req *req;
    char project_id[128];
    char data_dir[4096];
    long long rev, from, to;
    int ok;
    eng_loudness l;
    proto_err err;
};

static void loud_work(void *arg)
{
    struct loud_job *j = arg;
    eng_plan *plan = plan_at(j->data_dir, j->project_id, j->rev, &j->err,
                             NULL);

    if (!plan)
        return;
    int64_t to = j->to >= 0 ? j->to : eng_export_end(plan, NULL);
    if (to > j->from && eng_loudness_measure(plan, j->from, to, NULL, &j->l) == 0)
        j->ok = 1;
    else if (to <= j->from)
        proto_fail(&j->err, PROTO_INVALID_VALUE,
                   "nothing to measure: the range is empty");
    else
        proto_fail(&j->err, PROTO_INTERNAL, "out of memory");
    eng_plan_release(plan);
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(round(x * 100.0) / 100.0) : json_null();
}

static void loud_done(void *arg)
{
    struct loud_job *j = arg;
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (j->ok)
        srv_http_json(&resp, 200,
                      json_pack("{s:o, s:o, s:o, s:o, s:I}", "integrated_lufs",
                                num_or_null(j->l.integrated), "range_lu",
                                num_or_null(j->l.range), "sample_peak_dbfs",
                                num_or_null(j->l.sample_peak_db),
                                "true_peak_dbtp",
                                num_or_null(j->l.true_peak_db), "rev",
                                (json_int_t)j->rev));
    else
        srv_http_error(&resp, j->err.code, 0, "%s", j->err.message);
    srv_http_complete(j->req, &resp);
    free(j);
}

static enum srv_http_result on_loudness(struct srv_http_req *req,
                                        struct srv_http_resp *resp)
{
    const char *pid = req->params[0];
    char name[256];
    long long rev, from, to;

    if (parse_range(req, resp, pid, &rev, &from, &to, name, sizeof name) != 0)
        return SRV_HTTP_DONE;
    struct loud_job *j = calloc(1, sizeof *j);
    if (!j)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
    j->req = req;
    snprintf(j->project_id, sizeof j->project_id, "%s", pid);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", req->srv->cfg.data_dir);
    j->rev = rev;
    j->from = from;
    j->to = to;
    proto_err_clear(&j->err);
    if (!req->srv->jobs ||
        srv_jobs_submit(req->srv->jobs, loud_work, loud_done, j) != 0) {
        free(j);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the render workers are not running");
    }
    return SRV_HTTP_DEFER;
}

static const struct srv_route routes[] = {
    {.method = "GET", .pattern = "/api/projects/{id}/export",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = on_export},
    {.method = "GET", .pattern = "/api/projects/{id}/loudness",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = on_loudness},
};

void srv_export_http_init(void)
{
    srv_jobs_init();
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
