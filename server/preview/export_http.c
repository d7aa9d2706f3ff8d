/* export_http.c -- the rendered mix over HTTP:
 *   GET /api/projects/{id}/export?format=wav|wav16|wav24|wav32|flac|flac16|
 *       flac24|opus&rev=N&from=F&to=T&bitrate=B
 *     streams the file while a worker renders it (Content-Disposition
 *     "<project name> r<rev>.<ext>");
 *   ...&stems=1[&buses=1]: a zip of one file per audio track (and per bus
 *     with buses=1), each rendered as the only soloed track over the mix's
 *     range, entries "NN <track name>.<ext>" (NN: display position),
 *     streamed while rendering ("<project name> r<rev> stems.zip");
 *   ...&normalize=LUFS: the integrated loudness brought to LUFS (-50..-5)
 *     with the true peak limited to -1 dBTP (engine/limiter.h);
 *   ...&tail=0|1: a whole-song export (no `to`) ends at the last clip's
 *     end (0, the default when absent: the file is exactly the song) or
 *     rings on until the effects fall silent (1); a range is always
 *     exactly from..to;
 *   GET /api/projects/{id}/loudness?rev=N&from=F&to=T[&tail=][&normalize=]
 *     -> {integrated_lufs, range_lu, sample_peak_dbfs, true_peak_dbtp}
 *     of exactly what the export with the same parameters contains.
 * The worker builds the document at the revision (doc_at.h) on its own
 * database connection, then the plan and the export (engine/export.h).
 * Bytes pass through a bounded chunk queue (server/net/http_pipe.h): the
 * worker waits when the client reads slowly, and posts a wake-up to the
 * loop when it adds bytes the producer is waiting for.
 *
 * Both are render-class jobs (server/core/jobs.h) with a cancel flag of
 * their own. Both answer late (SRV_HTTP_DEFER): the worker first builds the
 * plan and checks the range against it (from and to at most the song's
 * end plus render_tail seconds), and only then does the export send its
 * headers. The flag goes up when the client goes away (a tick polls the
 * deferred requests; a streamed export learns it from its close callback),
 * at the job deadline (job_deadline) and when the server stops. */
#include "server/preview/export_http.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
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
#include "server/net/http_pipe.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/preview/asset_missing.h"
#include "server/preview/delivery_parse.h"
#include "server/preview/match.h"
#include "server/preview/plans.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/core/store_stmt.h"
#include "server/objstore/objstore.h"

#define QUEUE_MAX (4u << 20)   /* bytes rendered ahead of the client */

/* A deferred request whose job must stop if its client goes away: the
 * list is the loop thread's; pending_tick polls req->wsi (which the HTTP
 * layer sets to NULL when the client of a deferred request leaves). */
struct pending {
    struct pending *prev, *next;
    struct srv_http_req *req;
    atomic_int *cancel;
};

static struct pending pending_list = {&pending_list, &pending_list, NULL,
                                      NULL};
/* Loudness answers whose headers went out: they get a space now and then
 * (JSON allows leading white space), so that a client that left shows up
 * as a failed write and the close callback cancels the job. lws 4.1 does
 * not report a client's close while a deferred request waits. */
static struct pending keepalive_list = {&keepalive_list, &keepalive_list,
                                        NULL, NULL};

#define KEEPALIVE_MS 500

static void pending_add(struct pending *list, struct pending *p,
                        struct srv_http_req *req, atomic_int *cancel)
{
    assert(srv_on_loop_thread());
    p->req = req;
    p->cancel = cancel;
    p->next = list;
    p->prev = list->prev;
    list->prev->next = p;
    list->prev = p;
}

static void pending_remove(struct pending *p)
{
    assert(srv_on_loop_thread());
    if (!p->next)
        return;
    p->prev->next = p->next;
    p->next->prev = p->prev;
    p->next = p->prev = NULL;
}

static void keepalive_tick(void);

static void pending_tick(struct srv_server *srv)
{
    (void)srv;
    for (struct pending *p = pending_list.next; p != &pending_list;
         p = p->next)
        if (!p->req->wsi)
            srv_job_cancel(p->cancel, SRV_JOB_GONE);
    keepalive_tick();
}

/* The limits a job checks its range against, copied from the settings. */
struct range_limits {
    long long render_tail;         /* seconds past the song's end */
    long long job_deadline;        /* seconds, for the messages */
    long long loudness_cache;      /* match.h's bound */
};

/* Checks from (and to, when given) against the song's end at this
 * revision plus render_tail. Returns 0, or -1 with err filled. */
static int check_range(const eng_plan *plan, const struct range_limits *lim,
                       long long from, long long to, bool have_to,
                       proto_err *err)
{
    long long end = plan->end > 0 ? plan->end : 0;
    long long tail = lim->render_tail * (long long)plan->sample_rate;
    long long limit = end > INT64_MAX - tail ? INT64_MAX : end + tail;

    if (from <= limit && (!have_to || to <= limit))
        return 0;
    proto_fail(err, PROTO_INVALID_VALUE,
               "%s is past the limit: a range may reach at most frame %lld "
               "(the song's end, frame %lld, plus render_tail = %lld s at "
               "%d Hz)",
               from > limit ? "from" : "to", limit, end, lim->render_tail,
               plan->sample_rate);
    return -1;
}

/* The error of a job whose flag went up (why: its value). */
static void stopped_error(proto_err *err, int why, const char *what,
                          const struct range_limits *lim)
{
    if (why == SRV_JOB_DEADLINE)
        proto_fail(err, PROTO_INTERNAL,
                   "the %s was stopped: it ran past the job deadline of "
                   "%lld s (job_deadline)", what, lim->job_deadline);
    else if (why == SRV_JOB_STOPPING)
        proto_fail(err, PROTO_INTERNAL,
                   "the %s was stopped: the server is stopping", what);
    else
        proto_fail(err, PROTO_INTERNAL,
                   "the %s was stopped: the client went away", what);
}

struct export_job {
    atomic_int refs;
    atomic_int cancel;             /* the job's flag (jobs.h) */
    struct pending pend;           /* loop: until the headers go out */
    struct pending ka;             /* loop: a loudness answer's keep-alive */
    long long ka_ms;               /* loop: when the last space went out */
    bool loud;                     /* a loudness answer, not a file */
    eng_loudness l;                /* worker: the measurement */
    proto_err err;                 /* worker, before begin is posted */
    struct range_limits lim;
    bool have_to;
    struct srv_http_pipe pipe;     /* the bytes, worker -> response */
    struct srv_http_req *req;      /* loop thread; NULL after close */
    char project_id[128];
    char data_dir[4096];
    char asset[64];                /* worker: the asset err is about */
    int status;                    /* worker: err's HTTP status, 0: its own */
    long long rev;
    eng_export_opts opts;          /* opts.cancel is &cancel */
    bool normalize;                /* loudness: of the normalised file */
    char format_name[16];
    char name[256];                /* the project's, for the file name */
    bool stems, buses;             /* a zip of stems (and bus submixes) */
    time_t mtime;                  /* of the zip entries */
};

static void job_release(struct export_job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    srv_http_pipe_destroy(&j->pipe);
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

/* The pipe's wake (any thread, the pipe's lock held): the producer
 * waits for bytes; post the wake-up to the loop. */
static void pipe_wake(void *owner)
{
    struct export_job *j = owner;

    atomic_fetch_add(&j->refs, 1);
    srv_loop_post(wake_post, j);
}

static int export_write(void *ctx, const void *data, size_t len)
{
    struct export_job *j = ctx;

    return srv_http_pipe_write(&j->pipe, data, len);
}

/* Worker: the job's bytes are all queued (rc 0) or it failed; the
 * producer must see the end, so the loop is always woken. */
static void job_finish(struct export_job *j, int rc)
{
    srv_http_pipe_finish(&j->pipe, rc == 0);
}

/* Builds the plan of project_id at rev (rev < 0: head) on a connection of
 * this thread. NULL with err. When doc_out is set, the document is handed
 * over there (NULL on failure) instead of being freed. A clip whose audio
 * cannot be had fails it (asset_missing.h), naming the clip and the asset
 * (copied into asset, 64 bytes): PROTO_CONFLICT (409) for an asset not
 * ready or unknown, PROTO_INTERNAL with *status 500 for a samples file
 * gone; the asset store out of reach stays PROTO_INTERNAL (503). */
static eng_plan *plan_at(const char *data_dir, const char *project_id,
                         long long rev, proto_err *err, proto_doc **doc_out,
                         char *asset, int *status)
{
    char msg[256];
    db_conn *db = store_reader_get(data_dir, msg, sizeof msg);
    eng_plan *plan = NULL;
    struct pv_missing miss;

    if (!db) {
        proto_fail(err, PROTO_INTERNAL, "database: %s", msg);
        return NULL;
    }
    proto_doc *doc = srv_doc_at_rev(db, project_id, rev, err);
    if (doc) {
        srv_objstore_take_error(msg, sizeof msg); /* assets in S3 */
        plan = pv_plan_checked(db, data_dir, project_id, doc, false, &miss);
        if (srv_objstore_take_error(msg, sizeof msg)) {
            eng_plan_release(plan);
            plan = NULL;
            proto_fail(err, PROTO_INTERNAL, "%s", msg);
        } else if (!plan && miss.kind) {
            snprintf(asset, 64, "%s", miss.asset);
            if (miss.kind == PV_ASSET_GONE)
                *status = 500;
            proto_fail(err,
                       miss.kind == PV_ASSET_GONE ? PROTO_INTERNAL
                                                  : PROTO_CONFLICT,
                       "cannot render: %s", miss.message);
        } else if (!plan)
            proto_fail(err, PROTO_INTERNAL, "out of memory");
        if (plan && doc_out)
            *doc_out = doc;
        else
            proto_doc_free(doc);
    }
    store_reader_put(db, plan != NULL);
    return plan;
}

static int zip_data(void *ctx, const void *data, size_t len)
{
    return eng_zipw_write(ctx, data, len) == 0 ? 0 : -1;
}

/* The zip of stems: for each audio track in display order (and each bus
 * when asked), an entry "NN <name>.<ext>" holding its export as the only
 * soloed track. Every stem covers the same range as the mix (without
 * `to`: from `from` to the mix's end, with its effect tail only with tail=1),
 * so they line up when imported side by side. Returns 0, -1, or -2 when the client went away. */
static int stems_export(struct export_job *j, eng_plan *plan,
                        const proto_doc *doc)
{
    eng_zipw *z = eng_zipw_new(export_write, j);
    eng_export_opts o = j->opts;
    int rc = -1;

    if (!z)
        goto out;
    if (o.to < 0) {
        o.to = o.tail ? eng_export_end_cancel(plan, NULL, o.cancel)
                      : (plan->end > 0 ? plan->end : 0);
        if (o.to < 0) {
            rc = (int)o.to;
            goto out;
        }
        if (o.to < o.from)
            o.to = o.from;
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

static ssize_t export_produce(void *ctx, unsigned char *buf, size_t len);
static void export_close(void *ctx);

/* A file name safe inside a quoted header value. */
static void safe_name(char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '/' || (unsigned char)*s < 32)
            *s = '_';
}

/* loop thread: the worker has the plan and checked the range; send the
 * error, or the headers of the stream */
static void export_begin(void *arg)
{
    struct export_job *j = arg;
    struct srv_http_req *req = j->req;
    struct srv_http_resp resp;

    pending_remove(&j->pend);
    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (j->err.code != PROTO_OK) {
        int status = j->status                        ? j->status
                     : j->err.code == PROTO_INTERNAL ? 503
                                                      : proto_code_http_status(
                                                            j->err.code);
        /* {code, message, asset}: the asset whose audio is missing */
        srv_http_error_asset(&resp, j->err.code, status, j->err.message,
                             j->asset);
        j->req = NULL;
        srv_http_complete(req, &resp);
        job_release(j); /* the request's reference */
        job_release(j); /* begin's */
        return;
    }
    char disp[600];
    safe_name(j->name);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s r%lld%s.%s\"",
             j->name, j->rev, j->stems ? " stems" : "",
             j->stems ? "zip" : eng_format_ext(j->opts.format));
    resp.status = 200;
    snprintf(resp.content_type, sizeof resp.content_type, "%s",
             j->loud    ? "application/json"
             : j->stems ? "application/zip"
                        : eng_format_mime(j->opts.format));
    if (j->loud) {
        j->ka_ms = srv_now_mono_ms();
        pending_add(&keepalive_list, &j->ka, req, &j->cancel);
    } else {
        srv_http_add_header(&resp, "Content-Disposition", disp);
    }
    srv_http_add_header(&resp, "Cache-Control", "no-store");
    resp.produce = export_produce;
    resp.close = export_close; /* takes over the request's reference */
    resp.ctx = j;
    srv_http_complete(req, &resp);
    job_release(j); /* begin's */
}

static void export_work(void *arg)
{
    struct export_job *j = arg;
    proto_doc *doc = NULL;
    eng_plan *plan = plan_at(j->data_dir, j->project_id, j->rev, &j->err,
                             j->stems ? &doc : NULL, j->asset, &j->status);
    int rc = -1, why;

    if (plan)
        check_range(plan, &j->lim, j->opts.from, j->opts.to, j->have_to,
                    &j->err);
    if (plan && j->err.code == PROTO_OK &&
        (why = atomic_load(&j->cancel)) != SRV_JOB_WANTED)
        stopped_error(&j->err, why, "export", &j->lim);
    if (!plan)
        srv_warn("export of %s: %s", j->project_id, j->err.message);
    atomic_fetch_add(&j->refs, 1);
    srv_loop_post(export_begin, j); /* j->err is final from here on */
    if (plan && j->err.code == PROTO_OK) {
        rc = j->stems ? stems_export(j, plan, doc)
                      : eng_export(plan, &j->opts, export_write, j, NULL);
        why = atomic_load(&j->cancel);
        if (rc != 0 && why == SRV_JOB_DEADLINE)
            srv_warn("export of %s stopped (the file is cut short): it ran "
                     "past the job deadline of %lld s (job_deadline)",
                     j->project_id, j->lim.job_deadline);
        else if (rc != 0 && why == SRV_JOB_STOPPING)
            srv_info("export of %s stopped: the server is stopping",
                     j->project_id);
        else if (rc != 0 && why == SRV_JOB_GONE)
            srv_info("export of %s cancelled: the client went away",
                     j->project_id);
    }
    eng_plan_release(plan);
    proto_doc_free(doc);
    srv_count(rc != 0 ? SRV_M_EXPORTS_FAILED : SRV_M_EXPORTS_FINISHED);
    job_finish(j, rc);
}

static void export_done(void *arg)
{
    job_release(arg);
}

static ssize_t export_produce(void *ctx, unsigned char *buf, size_t len)
{
    struct export_job *j = ctx;

    return srv_http_pipe_read(&j->pipe, buf, len);
}

static void export_close(void *ctx)
{
    struct export_job *j = ctx;

    j->req = NULL;
    pending_remove(&j->ka);
    srv_http_pipe_abort(&j->pipe, &j->cancel, SRV_JOB_GONE);
    job_release(j);
}

/* Parses an optional whole-number query parameter (>= 0): digits, or a
 * whole number in floating notation ("1e23"); a value too large for 64
 * bits becomes INT64_MAX, which every range limit refuses by name.
 * Returns 1, 0 when absent, -1 when not a whole number >= 0. */
static int query_int(struct srv_http_req *req, const char *name,
                     long long *out)
{
    char v[64];
    char *end;

    if (!srv_http_query(req, name, v, sizeof v) || !v[0])
        return 0;
    if (v[0] == '-' || v[0] == '+' || v[0] == ' ')
        return -1;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*end) {
        *out = errno == ERANGE ? INT64_MAX : x;
        return 1;
    }
    double d = strtod(v, &end);
    if (*end || !isfinite(d) || d < 0 || d != floor(d))
        return -1;
    *out = d >= 9.2e18 ? INT64_MAX : (long long)d;
    return 1;
}

/* The project's name and head revision (loop reader). */
static int project_info(struct srv_http_req *req, const char *pid, char *name,
                        size_t nlen, long long *head)
{
    db_stmt *st;
    int rc = -1;

    st = store_prepare(req->srv->db,
                       "SELECT name, head_rev FROM projects WHERE id=?",
                       STORE_ARGS(pid), NULL, 0);
    if (!st)
        return -1;
    if (db_step(st) == DB_ROW) {
        const unsigned char *t = db_column_text(st, 0);
        snprintf(name, nlen, "%s", t ? (const char *)t : "mix");
        *head = db_column_int64(st, 1);
        rc = 0;
    }
    db_finalize(st);
    return rc;
}

/* Common checks of both endpoints: range and revision. Fills *rev (the
 * head when absent). Returns 0, or -1 with resp filled. */
static int parse_range(struct srv_http_req *req, struct srv_http_resp *resp,
                       const char *pid, long long *rev, long long *from,
                       long long *to, bool *have_to_out, char *name,
                       size_t nlen)
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
                       "rev, from and to must be whole numbers >= 0 (from "
                       "and to in frames, at most the song's end plus "
                       "render_tail = %lld s)",
                       (long long)req->srv->cfg.render_tail);
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
    *have_to_out = have_to > 0;
    return 0;
}

/* The limits of req's server, for a job. */
static struct range_limits limits_of(const struct srv_http_req *req)
{
    struct range_limits l = {(long long)req->srv->cfg.render_tail,
                             (long long)req->srv->cfg.job_deadline,
                             (long long)req->srv->cfg.loudness_cache};
    return l;
}

/* A job for req (two references: the request, then its response, and
 * the worker), its range and limits set; NULL when out of memory. */
static struct export_job *job_new(struct srv_http_req *req, const char *pid,
                                  long long rev, long long from, long long to,
                                  bool have_to, const char *name)
{
    struct export_job *j = calloc(1, sizeof *j);

    if (!j)
        return NULL;
    atomic_init(&j->refs, 2);
    atomic_init(&j->cancel, SRV_JOB_WANTED);
    srv_http_pipe_init(&j->pipe, QUEUE_MAX, &j->cancel, pipe_wake, j);
    proto_err_clear(&j->err);
    j->lim = limits_of(req);
    j->have_to = have_to;
    j->req = req;
    snprintf(j->project_id, sizeof j->project_id, "%s", pid);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", req->srv->cfg.data_dir);
    snprintf(j->name, sizeof j->name, "%s", name);
    j->rev = rev;
    eng_export_opts_default(&j->opts);
    j->opts.tail = false; /* over HTTP a file is exactly its range (tail=1) */
    j->opts.from = from;
    j->opts.to = to;
    j->opts.cancel = &j->cancel;
    return j;
}

/* normalize=LUFS and tail=0|1 of both endpoints into j
 * (delivery_parse.h). 0, or -1 with resp filled (the request then changes
 * nothing). */
static int parse_delivery(struct srv_http_req *req, struct srv_http_resp *resp,
                          struct export_job *j)
{
    char nv[256], tv[16], msg[256];
    struct pv_delivery d;
    bool hn = srv_http_query(req, "normalize", nv, sizeof nv);
    bool ht = srv_http_query(req, "tail", tv, sizeof tv);

    /* a value that filled the buffer may have been cut: refuse it whole */
    if (hn && strlen(nv) >= sizeof nv - 1)
        nv[0] = 'x';
    if (ht && strlen(tv) >= sizeof tv - 1)
        tv[0] = 'x';
    if (pv_delivery_parse(hn ? nv : NULL, ht ? tv : NULL, j->have_to, &d, msg,
                          sizeof msg) != 0) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 0, "%s", msg);
        return -1;
    }
    if (d.normalize) {
        j->opts.normalize = j->normalize = true;
        j->opts.target_lufs = d.target_lufs;
        j->opts.ceiling_dbtp = -1.0;
    }
    if (d.tail >= 0)
        j->opts.tail = d.tail == 1;
    return 0;
}

/* The job of an export or loudness request: its range and revision
 * checked (parse_range), and its delivery options (parse_delivery). NULL
 * with resp filled when refused. */
static struct export_job *range_job(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    const char *pid = req->params[0];
    char name[256];
    long long rev, from, to;
    bool have_to;
    struct export_job *j;

    if (parse_range(req, resp, pid, &rev, &from, &to, &have_to, name,
                    sizeof name) != 0)
        return NULL;
    j = job_new(req, pid, rev, from, to, have_to, name);
    if (!j) {
        srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
    } else if (parse_delivery(req, resp, j) != 0) {
        job_release(j);
        job_release(j);
        j = NULL;
    }
    return j;
}

/* Hands j to a render worker (work, then export_done) and defers the
 * answer; or answers 503 and drops j when the workers are not running. */
static enum srv_http_result submit_job(struct srv_http_req *req,
                                       struct srv_http_resp *resp,
                                       struct export_job *j,
                                       srv_job_fn work)
{
    if (!req->srv->jobs ||
        srv_jobs_submit_job(req->srv->jobs, SRV_JOB_RENDER, work, export_done,
                            j, &j->cancel) != 0) {
        job_release(j);
        job_release(j);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the render workers are not running");
    }
    pending_add(&pending_list, &j->pend, req, &j->cancel);
    return SRV_HTTP_DEFER; /* export_begin answers */
}

static enum srv_http_result on_export(struct srv_http_req *req,
                                      struct srv_http_resp *resp)
{
    char fmt[16] = "wav", v[32];
    int f;

    srv_http_query(req, "format", fmt, sizeof fmt);
    if (strcmp(fmt, "mid") == 0)
        return srv_export_mid(req, resp);
    if ((f = eng_format_parse(fmt)) < 0)
        return srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                              "format must be wav, wav16, wav24, wav32, flac, "
                              "flac16, flac24 or opus (got \"%s\")", fmt);
    bool stems = srv_http_query(req, "stems", v, sizeof v) &&
                 strcmp(v, "1") == 0;
    bool buses = srv_http_query(req, "buses", v, sizeof v) &&
                 strcmp(v, "1") == 0;
    struct export_job *j = range_job(req, resp);
    if (!j)
        return SRV_HTTP_DONE;
    j->opts.format = (eng_format)f;
    j->stems = stems;
    j->buses = buses;
    j->mtime = time(NULL);
    long long br;
    if (query_int(req, "bitrate", &br) > 0 && br >= 6000 && br <= 510000)
        j->opts.opus_bitrate = (int)br;
    srv_count(SRV_M_EXPORTS_STARTED);
    return submit_job(req, resp, j, export_work);
}

/* ---- loudness ---- */

/* loop thread: a space for each loudness answer that has been quiet for
 * KEEPALIVE_MS while its worker measures */
static void keepalive_tick(void)
{
    long long now = srv_now_mono_ms();

    for (struct pending *p = keepalive_list.next; p != &keepalive_list;
         p = p->next) {
        struct export_job *j =
            (struct export_job *)((char *)p - offsetof(struct export_job, ka));

        if (now - j->ka_ms < KEEPALIVE_MS)
            continue;
        j->ka_ms = now;
        if (srv_http_pipe_idle_write(&j->pipe, " ", 1) == 1 && j->req)
            srv_http_wake(j->req);
    }
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(round(x * 100.0) / 100.0) : json_null();
}

static int discard_write(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

/* The measurement: the plan, the range check and the default end before
 * the headers (errors there get their status), then the figures as the
 * body; a measurement stopped after the headers is cut short and logged. */
static void loud_work(void *arg)
{
    struct export_job *j = arg;
    eng_plan *plan = plan_at(j->data_dir, j->project_id, j->rev, &j->err,
                             NULL, j->asset, &j->status);
    int64_t from = j->opts.from, to = j->opts.to;
    int rc = -1, why;

    if (plan &&
        check_range(plan, &j->lim, from, to, j->have_to, &j->err) == 0 &&
        !j->have_to &&
        (to = j->opts.tail ? eng_export_end_cancel(plan, NULL, &j->cancel)
                           : plan->end) >= 0 &&
        to <= from)
        proto_fail(&j->err, PROTO_INVALID_VALUE,
                   "nothing to measure: the range is empty");
    if (plan && j->err.code == PROTO_OK &&
        (why = atomic_load(&j->cancel)) != SRV_JOB_WANTED)
        stopped_error(&j->err, why, "measurement", &j->lim);
    if (plan && j->err.code == PROTO_OK && to < 0)
        proto_fail(&j->err, PROTO_INTERNAL, "out of memory");
    atomic_fetch_add(&j->refs, 1);
    srv_loop_post(export_begin, j); /* j->err is final from here on */
    if (plan && j->err.code == PROTO_OK && j->normalize) {
        /* what the normalised export holds: the same render, discarded */
        eng_export_opts o = j->opts;
        eng_export_info info;
        o.from = from;
        o.to = to;
        o.format = ENG_FMT_WAVF32;
        o.measure = true;
        rc = eng_export(plan, &o, discard_write, NULL, &info);
        j->l = info.loudness;
    } else if (plan && j->err.code == PROTO_OK && !j->have_to && from == 0 &&
               !j->opts.tail) {
        /* the whole song: shared with loudness-matched A/B (match.h) */
        rc = pv_loudness_full(j->project_id, j->rev, plan,
                              (size_t)j->lim.loudness_cache, &j->cancel,
                              &j->l);
    } else if (plan && j->err.code == PROTO_OK) {
        rc = eng_loudness_measure_cancel(plan, from, to, NULL, &j->cancel,
                                         &j->l);
    }
    eng_plan_release(plan);
    if (rc == 0) {
        json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:I}", "integrated_lufs",
                              num_or_null(j->l.integrated), "range_lu",
                              num_or_null(j->l.range), "sample_peak_dbfs",
                              num_or_null(j->l.sample_peak_db),
                              "true_peak_dbtp", num_or_null(j->l.true_peak_db),
                              "rev", (json_int_t)j->rev);
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        rc = text ? export_write(j, text, strlen(text)) : -1;
        free(text);
        json_decref(o);
    }
    why = atomic_load(&j->cancel);
    if (j->err.code == PROTO_OK && rc != 0 && why == SRV_JOB_DEADLINE)
        srv_warn("loudness of %s stopped (the answer is cut short): it ran "
                 "past the job deadline of %lld s (job_deadline)",
                 j->project_id, j->lim.job_deadline);
    else if (j->err.code == PROTO_OK && rc != 0 && why == SRV_JOB_GONE)
        srv_info("loudness of %s cancelled: the client went away",
                 j->project_id);
    job_finish(j, rc);
}

static enum srv_http_result on_loudness(struct srv_http_req *req,
                                        struct srv_http_resp *resp)
{
    struct export_job *j = range_job(req, resp);

    if (!j)
        return SRV_HTTP_DONE;
    j->loud = true;
    return submit_job(req, resp, j, loud_work);
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
    srv_loop_on_tick(pending_tick);
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
