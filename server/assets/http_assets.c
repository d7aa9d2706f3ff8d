/* http_assets.c -- the asset HTTP endpoints: the streamed upload
 * (POST /api/projects/{id}/assets, raw body or multipart/form-data, written
 * to <data>/tmp and hashed as it arrives, 413 as soon as the limit is
 * passed), the asset list and the peaks file. The asset's life after the
 * upload is in assets.c; the format of everything in docs/uploads.md. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/fsutil.h"
#include "engine/peaks.h"
#include "server/assets/assets.h"
#include "server/auth/auth.h"
#include "server/net/http.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/net/multipart.h"
#include "server/assets/asset_fetch.h"
#include "server/objstore/objstore.h"


/* One upload in progress (req->user). */
struct upload {
    struct srv_asset_job *job;
    int fd;
    char path[4200];
    crypto_hash_sha256_state sha;
    int64_t body_bytes;     /* raw request body so far */
    int64_t file_bytes;     /* bytes of the file written */
    bool multipart, name_given, write_failed;
    int write_errno;
    struct srv_multipart mp;
};

static void limit_text(char *out, size_t n, int64_t limit)
{
    if (limit >= 1024 * 1024 && limit % (1024 * 1024) == 0)
        snprintf(out, n, "%lld MiB", (long long)(limit / (1024 * 1024)));
    else
        snprintf(out, n, "%lld bytes", (long long)limit);
}

static int too_large(struct srv_http_resp *resp, int64_t limit)
{
    char lim[64];

    limit_text(lim, sizeof lim, limit);
    srv_http_error(resp, PROTO_TOO_LARGE, 413,
                   "the file is larger than the upload limit of %s", lim);
    return 1;
}

/* Ends an upload that will not become an asset: temp file removed, the
 * sockets told, memory freed. */
static void upload_drop(struct srv_http_req *req, const char *why)
{
    struct upload *up = req->user;

    if (!up)
        return;
    req->user = NULL;
    if (up->fd >= 0)
        close(up->fd);
    unlink(up->path);
    if (up->job)
        srv_asset_upload_abandon(up->job, why);
    free(up);
}

static int file_write(void *ctx, const unsigned char *data, size_t len)
{
    struct upload *up = ctx;

    if (up->write_failed)
        return -1;
    if (eng_write_all(up->fd, data, len) != 0) {
        up->write_failed = true;
        up->write_errno = errno;
        return -1;
    }
    crypto_hash_sha256_update(&up->sha, data, len);
    up->file_bytes += (int64_t)len;
    return 0;
}

static int upload_begin(struct srv_http_req *req, struct srv_http_resp *resp)
{
    struct srv_server *srv = req->srv;
    const char *pid = req->params[0];
    struct upload *up = NULL;
    char name[512] = "", dir[4096], boundary[SRV_MP_BOUNDARY_MAX + 2];
    int rate;

    if (req->content_length > srv->cfg.upload_limit)
        return too_large(resp, srv->cfg.upload_limit);
    rate = srv_assets_project_rate(srv->db, pid);
    if (rate <= 0) {
        srv_http_error(resp, PROTO_NOT_FOUND, 0, "project %s does not exist",
                       pid);
        return 1;
    }
    up = calloc(1, sizeof *up);
    if (!up) {
        srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        return 1;
    }
    up->fd = -1;
    if (srv_mp_is_multipart(req->content_type)) {
        if (!srv_mp_boundary(req->content_type, boundary, sizeof boundary) ||
            srv_mp_init(&up->mp, boundary, file_write, up) != 0) {
            free(up);
            srv_http_error(resp, PROTO_BAD_REQUEST, 0,
                           "a multipart/form-data upload needs a boundary of "
                           "1 to 70 characters");
            return 1;
        }
        up->multipart = true;
    }
    up->name_given = srv_http_query(req, "name", name, sizeof name) && name[0];
    if (srv_assets_tmp_dir(srv, dir, sizeof dir) != 0 || eng_mkdirs(dir) != 0 ||
        snprintf(up->path, sizeof up->path, "%s/upload-XXXXXX", dir) >=
            (int)sizeof up->path ||
        (up->fd = mkostemp(up->path, O_CLOEXEC)) < 0) {
        srv_err("cannot create an upload file in %s: %s", dir, strerror(errno));
        free(up);
        srv_http_error(resp, PROTO_INTERNAL, 0,
                       "the server cannot store uploads right now");
        return 1;
    }
    crypto_hash_sha256_init(&up->sha);
    up->job = srv_asset_upload_begin(srv, pid, req->who.id,
                                     up->name_given ? name : "untitled", rate,
                                     req->content_length);
    req->user = up;
    if (!up->job) {
        upload_drop(req, "out of memory");
        srv_http_error(resp, PROTO_INTERNAL, 0, "out of memory");
        return 1;
    }
    return 0;
}

static int upload_body(struct srv_http_req *req, const unsigned char *chunk,
                       size_t len, struct srv_http_resp *resp)
{
    struct upload *up = req->user;
    int64_t limit = req->srv->cfg.upload_limit;

    if (!up)
        return 0;
    up->body_bytes += (int64_t)len;
    if (up->body_bytes > limit) {
        char lim[64], why[128];
        limit_text(lim, sizeof lim, limit);
        snprintf(why, sizeof why,
                 "the file is larger than the upload limit of %s", lim);
        upload_drop(req, why);
        return too_large(resp, limit);
    }
    if (up->multipart) {
        if (srv_mp_feed(&up->mp, chunk, len) == SRV_MP_ERROR) {
            char why[200];
            snprintf(why, sizeof why, "%s", srv_mp_error(&up->mp));
            if (up->write_failed)
                goto write_failed;
            upload_drop(req, why);
            srv_http_error(resp, PROTO_BAD_REQUEST, 0, "%s", why);
            return 1;
        }
    } else if (file_write(up, chunk, len) != 0) {
        goto write_failed;
    }
    srv_asset_upload_progress(up->job, up->body_bytes);
    return 0;
write_failed:
    srv_err("upload %s: cannot write %s: %s", srv_asset_job_id(up->job),
            up->path, strerror(up->write_errno));
    upload_drop(req, "the server could not store the upload");
    srv_http_error(resp, PROTO_INTERNAL, 507,
                   "the server could not store the upload (disk full?)");
    return 1;
}

static void upload_abort(struct srv_http_req *req)
{
    upload_drop(req, "the upload was interrupted");
}

static enum srv_http_result upload_end(struct srv_http_req *req,
                                       struct srv_http_resp *resp)
{
    struct upload *up = req->user;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[65], id[SRV_ASSET_ID_MAX];
    bool dup = false;

    if (!up)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "the upload was lost");
    if (up->multipart) {
        if (srv_mp_finish(&up->mp) != SRV_MP_DONE) {
            char why[200];
            snprintf(why, sizeof why, "%s", srv_mp_error(&up->mp));
            upload_drop(req, why);
            return srv_http_error(resp, PROTO_BAD_REQUEST, 0, "%s", why);
        }
        if (!up->name_given)
            srv_asset_job_set_name(up->job, srv_mp_filename(&up->mp));
    }
    if (close(up->fd) != 0) {
        up->fd = -1;
        upload_drop(req, "the server could not store the upload");
        return srv_http_error(resp, PROTO_INTERNAL, 507,
                              "the server could not store the upload");
    }
    up->fd = -1;
    crypto_hash_sha256_final(&up->sha, digest);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    req->user = NULL;
    struct srv_asset_job *job = up->job;
    int rc = srv_asset_upload_finish(req->srv, job, up->path, hex,
                                     up->file_bytes, id, &dup);
    free(up);
    if (rc != 0)
        return srv_http_error(resp, PROTO_INTERNAL, 0,
                              "the server could not start the import");
    json_t *j = json_pack("{s:s}", "asset", id);
    if (dup)
        json_object_set_new(j, "duplicate", json_true());
    return srv_http_json(resp, 202, j);
}

static enum srv_http_result list_assets(struct srv_http_req *req,
                                        struct srv_http_resp *resp)
{
    return srv_http_json(resp, 200,
                         json_pack("{s:o}", "assets",
                                   srv_assets_list_json(req->srv->db,
                                                        req->params[0])));
}

/* Serves the peaks of asset_id after checking the caller may see
 * project_id (NULL: the asset's own project). */
static enum srv_http_result serve_peaks(struct srv_http_req *req,
                                        struct srv_http_resp *resp,
                                        const char *project_id,
                                        const char *asset_id)
{
    db_stmt *st = NULL;
    char pid[64] = "", sha[65] = "", state[16] = "", dir[4096], path[4200];
    char level[32];
    int rate = 0, fpp = 0;
    unsigned char *buf = NULL;
    size_t len = 0;

    st = store_prepare(req->srv->db,
                       "SELECT a.project_id, a.sha256, a.state, "
                       "p.sample_rate FROM assets a JOIN projects p ON "
                       "p.id = a.project_id WHERE a.id=?1 AND "
                       "(CAST(?2 AS TEXT) IS NULL OR a.project_id=?2) LIMIT 1",
                       STORE_ARGS(asset_id), NULL, 0);
    if (!st)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "database error");
    if (project_id)
        db_bind_text(st, 2, project_id, -1, DB_STATIC);
    else
        db_bind_null(st, 2);
    if (db_step(st) == DB_ROW) {
        snprintf(pid, sizeof pid, "%s", db_column_text(st, 0));
        if (db_column_type(st, 1) != DB_NULL)
            snprintf(sha, sizeof sha, "%s", db_column_text(st, 1));
        snprintf(state, sizeof state, "%s", db_column_text(st, 2));
        rate = db_column_int(st, 3);
    }
    db_finalize(st);
    if (!pid[0])
        return srv_http_error(resp, PROTO_NOT_FOUND, 0,
                              "asset %s does not exist", asset_id);
    if (strcmp(state, "ready") != 0)
        return srv_http_error(resp, PROTO_CONFLICT, 0,
                              "asset %s is not ready (it is %s)", asset_id,
                              state);
    if (srv_http_query(req, "level", level, sizeof level)) {
        char *end;
        long v = strtol(level, &end, 10);
        bool ok = *end == '\0' && level[0];
        for (int i = 0; ok && i < ENG_PEAKS_LEVELS; i++)
            if (eng_peaks_fpp[i] == v)
                fpp = (int)v;
        if (!fpp)
            return srv_http_error(resp, PROTO_INVALID_VALUE, 0,
                                  "level must be 256, 1024, 4096 or 16384 "
                                  "(frames per min/max pair)");
    }
    if (srv_objstore_enabled() &&
        (eng_asset_dir(dir, sizeof dir, req->srv->cfg.data_dir, sha) != 0 ||
         eng_asset_file(path, sizeof path, dir, "peaks", rate) != 0 ||
         access(path, R_OK) != 0))
        return srv_assets_peaks_fetch(req, resp, asset_id, sha, rate, fpp);
    if (eng_asset_dir(dir, sizeof dir, req->srv->cfg.data_dir, sha) != 0 ||
        eng_asset_file(path, sizeof path, dir, "peaks", rate) != 0 ||
        eng_peaks_read(path, fpp, &buf, &len) != 0) {
        srv_warn("peaks of asset %s unavailable: %s", asset_id,
                 strerror(errno));
        return srv_http_error(resp, PROTO_NOT_FOUND, 0,
                              "the waveform of asset %s is missing", asset_id);
    }
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type,
             "application/octet-stream");
    srv_http_add_header(resp, "Cache-Control", "private, max-age=86400");
    resp->body = buf;
    resp->body_len = len;
    return SRV_HTTP_DONE;
}

static enum srv_http_result peaks(struct srv_http_req *req,
                                  struct srv_http_resp *resp)
{
    return serve_peaks(req, resp, NULL, req->params[0]);
}

static enum srv_http_result peaks_in_project(struct srv_http_req *req,
                                             struct srv_http_resp *resp)
{
    return serve_peaks(req, resp, req->params[0], req->params[1]);
}

/* The project of /api/assets/{id}/peaks: the asset's own. An unknown
 * asset gets "-", which looks like a project the caller cannot see. */
static void asset_project(struct srv_http_req *req, char *out, size_t n)
{
    snprintf(out, n, "-");
    store_query_text(req->srv->db, "SELECT project_id FROM assets WHERE id=?",
                     STORE_ARGS(req->params[0]), out, n, NULL, 0);
}

static const struct srv_route routes[] = {
    {.method = "POST", .pattern = "/api/projects/{id}/assets",
     .perm = SRV_MEMBER(SRV_ROLE_EDITOR), .handler = upload_end,
     .flags = SRV_ROUTE_STREAM_BODY, .on_begin = upload_begin,
     .on_body = upload_body, .on_abort = upload_abort},
    {.method = "GET", .pattern = "/api/projects/{id}/assets",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = list_assets},
    {.method = "GET", .pattern = "/api/assets/{id}/peaks",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = peaks,
     .project_of = asset_project},
    {.method = "GET", .pattern = "/api/projects/{id}/assets/{asset}/peaks",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = peaks_in_project},
};

void srv_assets_http_init(void)
{
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
