/* http_dawproject.c -- GET /api/projects/{id}/export?format=dawproject
 * [&rev=N]: the project as a .dawproject zip (docs/interchange.md),
 * served as a variant of the export route (srv_http_add_variant: the same
 * path and permission, editor; share-link guests are refused, since the
 * file holds every source recording and not only the mix).
 *
 * A render worker reads the document and the assets on its own database
 * connection and writes the zip (dawproject_zip.c) into a bounded queue
 * of chunks (server/net/http_pipe.h; at most QUEUE_MAX bytes ahead of
 * the client: the worker
 * waits when the client reads slowly, so neither the zip nor an audio
 * file is ever held whole); the loop's producer hands the chunks to lws.
 * The answer is deferred until the worker has read and checked everything
 * (errors then get their status: 404 for an unknown revision, 409 naming
 * the asset for an audio clip whose asset is not ready, 500 naming it for
 * a missing asset file, 503 for the asset store out of reach); from the headers on, a failure cuts the archive
 * short and is logged. The job's cancel flag goes up when the client
 * leaves (the close callback), at job_deadline and at shutdown. */
#include "server/interchange/interchange.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/core/store_stmt.h"
#include "server/net/http.h"
#include "server/net/http_pipe.h"

#define QUEUE_MAX (4u << 20)   /* bytes made ahead of the client */

struct dp_job {
    atomic_int refs;              /* request/response, worker, posts */
    atomic_int cancel;            /* the job's flag (jobs.h) */
    struct srv_http_pipe pipe;    /* the zip, worker -> response */
    bool begun;                   /* worker: begin was posted */
    proto_err err;                /* worker, final once begin is posted */
    struct srv_http_req *req;     /* loop thread; NULL after close */
    char project_id[128];
    char data_dir[4096];
    char asset[64];               /* worker: the asset err is about, or "" */
    char name[256];               /* the project's, for the file name */
    long long rev;                /* -1: the head */
};

static void job_release(struct dp_job *j)
{
    if (atomic_fetch_sub(&j->refs, 1) != 1)
        return;
    srv_http_pipe_destroy(&j->pipe);
    free(j);
}

/* loop thread: the producer waits for bytes; wake it */
static void wake_post(void *arg)
{
    struct dp_job *j = arg;

    assert(srv_on_loop_thread());
    if (j->req)
        srv_http_wake(j->req);
    job_release(j);
}

/* The pipe's wake (worker, the pipe's lock held): post it to the loop. */
static void pipe_wake(void *owner)
{
    struct dp_job *j = owner;

    atomic_fetch_add(&j->refs, 1);
    srv_loop_post(wake_post, j);
}

static ssize_t produce(void *ctx, unsigned char *buf, size_t len)
{
    struct dp_job *j = ctx;

    return srv_http_pipe_read(&j->pipe, buf, len);
}

/* loop thread: the response is over (sent, or the client left) */
static void on_close(void *ctx)
{
    struct dp_job *j = ctx;

    j->req = NULL;
    srv_http_pipe_abort(&j->pipe, &j->cancel, SRV_JOB_GONE);
    job_release(j);
}

/* A file name safe inside a quoted header value. */
static void safe_name(char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '/' || (unsigned char)*s < 32)
            *s = '_';
}

/* loop thread: the worker read and checked everything (or failed) */
static void begin(void *arg)
{
    struct dp_job *j = arg;
    struct srv_http_req *req = j->req;
    struct srv_http_resp resp;
    char disp[600];

    assert(srv_on_loop_thread());
    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (j->err.code != PROTO_OK) {
        /* an asset's file gone or broken: 500; other internal errors (the
         * database, the asset store out of reach): 503 */
        int status = j->err.code != PROTO_INTERNAL ? proto_code_http_status(
                                                         j->err.code)
                     : j->asset[0]                 ? 500
                                                   : 503;
        /* {code, message, asset}: the asset whose audio is missing */
        srv_http_error_asset(&resp, j->err.code, status, j->err.message,
                             j->asset);
        j->req = NULL;
        srv_http_complete(req, &resp);
        job_release(j); /* the request's */
        job_release(j); /* begin's */
        return;
    }
    safe_name(j->name);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s r%lld.dawproject\"",
             j->name, j->rev);
    resp.status = 200;
    snprintf(resp.content_type, sizeof resp.content_type, "application/zip");
    srv_http_add_header(&resp, "Content-Disposition", disp);
    srv_http_add_header(&resp, "Cache-Control", "no-store");
    resp.produce = produce;
    resp.close = on_close; /* takes over the request's reference */
    resp.ctx = j;
    srv_http_complete(req, &resp);
    job_release(j); /* begin's */
}

/* worker: the export checked everything; the headers may go out */
static void on_ready(void *ctx, const struct srv_dawproject_meta *m)
{
    struct dp_job *j = ctx;

    j->rev = m->rev;
    j->begun = true;
    atomic_fetch_add(&j->refs, 1);
    srv_loop_post(begin, j);
}

static void work(void *arg)
{
    struct dp_job *j = arg;
    char msg[256];
    db_conn *db = store_reader_get(j->data_dir, msg, sizeof msg);
    int rc = -1;

    proto_err_clear(&j->err);
    if (!db)
        proto_fail(&j->err, PROTO_INTERNAL, "database: %s", msg);
    else
        rc = srv_dawproject_export(db, j->data_dir, j->project_id, j->rev,
                                   srv_http_pipe_write, &j->pipe, &j->cancel,
                                   on_ready, j, j->asset, &j->err);
    store_reader_put(db, rc == 0);
    if (!j->begun) {
        if (j->err.code == PROTO_OK)
            proto_fail(&j->err, PROTO_INTERNAL, "the export was stopped");
        srv_warn("dawproject export of %s: %s", j->project_id, j->err.message);
        atomic_fetch_add(&j->refs, 1);
        srv_loop_post(begin, j);
    } else if (rc == -1) {
        srv_warn("dawproject export of %s cut short: %s", j->project_id,
                 j->err.message);
    } else if (rc != 0) {
        srv_info("dawproject export of %s stopped (%s)", j->project_id,
                 atomic_load(&j->cancel) == SRV_JOB_DEADLINE
                     ? "past job_deadline" : "the client went away");
    }
    srv_http_pipe_finish(&j->pipe, rc == 0);
}

static void work_done(void *arg)
{
    job_release(arg);
}

static enum srv_http_result on_export(struct srv_http_req *req,
                                      struct srv_http_resp *resp)
{
    const char *pid = req->params[0];
    char v[32], *end;
    long long rev = -1, head = 0;
    struct dp_job *j;
    db_stmt *st;

    assert(srv_on_loop_thread());
    /* the gate lets a guest through with the route's role: ask auth */
    if (req->role == SRV_ROLE_GUEST || srv_auth_is_guest_id(req->who.id))
        return srv_http_error(resp, PROTO_FORBIDDEN, 403,
                              "a share link cannot export a DAWproject (it "
                              "holds every source file): editor or owner "
                              "only");
    if (srv_http_query(req, "rev", v, sizeof v) && v[0]) {
        errno = 0;
        rev = strtoll(v, &end, 10);
        if (*end || rev < 0 || errno || v[0] == '+' || v[0] == ' ')
            return srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                                  "rev must be a whole number >= 0 (got "
                                  "\"%s\")", v);
    }
    if (!(j = calloc(1, sizeof *j)))
        return srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
    st = store_prepare(req->srv->db,
                       "SELECT name, head_rev FROM projects WHERE id=?",
                       STORE_ARGS(pid), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        store_col_copy(j->name, sizeof j->name, st, 0);
        head = db_column_int64(st, 1);
    } else {
        head = -1;
    }
    db_finalize(st);
    if (head < 0 || rev > head) {
        free(j);
        return head < 0 ? srv_http_error(resp, PROTO_NOT_FOUND, 0,
                                         "project %s does not exist", pid)
                        : srv_http_error(resp, PROTO_NOT_FOUND, 0,
                                         "revision %lld does not exist; rev "
                                         "must be 0..%lld", rev, head);
    }
    atomic_init(&j->refs, 2);
    atomic_init(&j->cancel, SRV_JOB_WANTED);
    srv_http_pipe_init(&j->pipe, QUEUE_MAX, &j->cancel, pipe_wake, j);
    j->req = req;
    j->rev = rev;
    snprintf(j->project_id, sizeof j->project_id, "%s", pid);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", req->srv->cfg.data_dir);
    if (!req->srv->jobs ||
        srv_jobs_submit_job(req->srv->jobs, SRV_JOB_RENDER, work, work_done,
                            j, &j->cancel) != 0) {
        job_release(j);
        job_release(j);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the render workers are not running");
    }
    return SRV_HTTP_DEFER; /* begin answers */
}

void srv_interchange_init(void)
{
    srv_jobs_init();
    srv_http_add_variant("GET", "/api/projects/{id}/export", "format",
                         "dawproject", on_export);
}
