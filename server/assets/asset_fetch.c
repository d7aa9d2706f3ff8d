/* asset_fetch.c -- assets in S3, the assets module's hooks (see
 * asset_fetch.h): prefetch on hello, peaks fetched on an engine worker. */
#include "server/assets/asset_fetch.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/fsutil.h"
#include "engine/peaks.h"
#include "protocol/errors.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/objstore/objstore.h"

void srv_assets_prefetch_project(db_conn *db, const char *project_id)
{
    db_stmt *st;
    char name[32], dir[4096], path[4200];

    if (!srv_objstore_enabled())
        return;
    assert(srv_on_loop_thread());
    st = store_prepare(db,
                       "SELECT a.sha256, p.sample_rate FROM assets a JOIN "
                       "projects p ON p.id = a.project_id WHERE "
                       "a.project_id=? AND a.state='ready' AND "
                       "a.sha256 IS NOT NULL",
                       STORE_ARGS(project_id), NULL, 0);
    if (!st)
        return;
    while (db_step(st) == DB_ROW) {
        const char *sha = (const char *)db_column_text(st, 0);
        int rate = db_column_int(st, 1);
        if (!sha || eng_asset_dir(dir, sizeof dir,
                                  srv_server_instance->cfg.data_dir, sha) ||
            eng_asset_file(path, sizeof path, dir, "samples", rate))
            continue;
        snprintf(name, sizeof name, "samples-%d", rate);
        if (access(path, R_OK) != 0)
            srv_objstore_prefetch(sha, name);
    }
    db_finalize(st);
}

/* One deferred peaks answer. */
struct peaks_fetch {
    struct srv_http_req *req;
    char asset_id[64], sha[65], data_dir[4096];
    int rate, fpp;
    int rc;               /* 0 ok, 1 not in S3, -1 store error, -2 read */
    char err[512];
    unsigned char *buf;
    size_t len;
};

static void peaks_work(void *arg)
{
    struct peaks_fetch *f = arg;
    char name[32], dir[4096], path[4200];

    snprintf(name, sizeof name, "peaks-%d", f->rate);
    f->rc = srv_objstore_ensure(f->data_dir, f->sha, name, f->err,
                                sizeof f->err);
    srv_objstore_take_error(dir, sizeof dir); /* this request's, answered */
    if (f->rc != 0)
        return;
    if (eng_asset_dir(dir, sizeof dir, f->data_dir, f->sha) != 0 ||
        eng_asset_file(path, sizeof path, dir, "peaks", f->rate) != 0 ||
        eng_peaks_read(path, f->fpp, &f->buf, &f->len) != 0) {
        snprintf(f->err, sizeof f->err, "%s", strerror(errno));
        f->rc = -2;
    }
}

static void peaks_done(void *arg)
{
    struct peaks_fetch *f = arg;
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (f->rc == 0) {
        resp.status = 200;
        snprintf(resp.content_type, sizeof resp.content_type,
                 "application/octet-stream");
        srv_http_add_header(&resp, "Cache-Control", "private, max-age=86400");
        resp.body = f->buf;
        resp.body_len = f->len;
        f->buf = NULL;
    } else if (f->rc == -1) {
        srv_http_error(&resp, PROTO_INTERNAL, 503,
                       "the waveform of asset %s is unavailable: %s",
                       f->asset_id, f->err);
    } else {
        srv_warn("peaks of asset %s unavailable: %s", f->asset_id, f->err);
        srv_http_error(&resp, PROTO_NOT_FOUND, 0,
                       "the waveform of asset %s is missing", f->asset_id);
    }
    srv_http_complete(f->req, &resp);
    free(f->buf);
    free(f);
}

enum srv_http_result srv_assets_peaks_fetch(struct srv_http_req *req,
                                            struct srv_http_resp *resp,
                                            const char *asset_id,
                                            const char *sha, int rate,
                                            int fpp)
{
    struct peaks_fetch *f = calloc(1, sizeof *f);

    assert(srv_on_loop_thread());
    if (!f)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
    f->req = req;
    snprintf(f->asset_id, sizeof f->asset_id, "%s", asset_id);
    snprintf(f->sha, sizeof f->sha, "%s", sha);
    snprintf(f->data_dir, sizeof f->data_dir, "%s", req->srv->cfg.data_dir);
    f->rate = rate;
    f->fpp = fpp;
    if (!req->srv->jobs ||
        srv_jobs_submit(req->srv->jobs, peaks_work, peaks_done, f) != 0) {
        free(f);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the engine workers are not running");
    }
    return SRV_HTTP_DEFER;
}
