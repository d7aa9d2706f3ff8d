/* http_dawproject_import.c -- POST /api/projects/import?format=dawproject
 * &name=NAME (login; raw body, a .dawproject zip of at most
 * max_dawproject_bytes): a new project owned by the caller.
 *
 *   loop:    the body goes to a file under <data>/tmp that we name
 *   worker:  the zip is opened and checked (zip_read.c), project.xml and
 *            metadata.xml parsed and validated (dawproject_read.c), mapped
 *            (dawproject_map.c), every referenced audio file inflated into
 *            a temporary file we name and decoded once as a check (the
 *            upload limits), and the ops applied to a scratch document
 *   writer:  the project row (srv_authdb_project_create)
 *   loop:    each audio file imported like an upload
 *            (srv_assets_import_file); when all are ready, the ops go in as
 *            revision 1 (kind "import"); 201 once it is durable.
 * Any refusal before the writer step leaves nothing behind; a failure
 * after it (an import or the commit failing) deletes the project, its rows
 * and the asset files no other project uses, then answers the error. */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/fsutil.h"
#include "engine/import.h"
#include "protocol/document.h"
#include "protocol/fields.h"
#include "protocol/ops.h"
#include "server/assets/assets.h"
#include "server/auth/auth_db.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/interchange/dawproject.h"
#include "server/interchange/interchange.h"
#include "server/interchange/zip_read.h"
#include "server/net/http.h"
#include "server/net/ws.h"
#include "server/rooms/room.h"

/* One import, from the first body byte to the answer. */
struct imp {
    struct srv_server *srv;
    struct srv_http_req *req;
    char tmp[4096];          /* the body */
    int fd;
    int64_t got;
    char name[256];          /* ?name= ("" = metadata Title) */
    struct srv_user who;
    int role;
    /* the worker's answer */
    proto_code code;
    int status;              /* HTTP status of a refusal */
    char err[600];
    dp_result res;
    int rate;
    json_t *files;           /* res.files + "tmp": inflated copy */
    json_t *lens;            /* placeholder -> frames at the project rate */
    /* after the project exists */
    char project_id[64];
    size_t waiting;          /* imports not done yet */
    bool import_failed;
    char fail[600];
    json_t *map;             /* placeholder -> asset id */
    struct srv_room *room;
    long long rev;
    bool commit_failed_early;
};

static void imp_free(struct imp *im)
{
    size_t i;
    json_t *f;

    if (!im)
        return;
    if (im->fd >= 0)
        close(im->fd);
    if (im->tmp[0])
        unlink(im->tmp);
    json_array_foreach(im->files, i, f) {
        const char *t = json_string_value(json_object_get(f, "tmp"));
        if (t && t[0])
            unlink(t);
    }
    json_decref(im->files);
    json_decref(im->lens);
    json_decref(im->map);
    dp_result_free(&im->res);
    free(im);
}

static int too_large(struct srv_http_resp *resp, int64_t limit)
{
    srv_http_error(resp, PROTO_TOO_LARGE, 413,
                   "the DAWproject file is larger than the limit of %lld "
                   "bytes (setting max_dawproject_bytes)", (long long)limit);
    return 1;
}

static int imp_begin(struct srv_http_req *req, struct srv_http_resp *resp)
{
    struct imp *im;
    char fmt[32] = "", dir[4096];

    if (!srv_http_query(req, "format", fmt, sizeof fmt) ||
        strcmp(fmt, "dawproject")) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "format must be \"dawproject\" (got \"%s\")", fmt);
        return 1;
    }
    if (req->content_length > req->srv->cfg.max_dawproject_bytes)
        return too_large(resp, req->srv->cfg.max_dawproject_bytes);
    im = calloc(1, sizeof *im);
    if (!im || srv_assets_tmp_dir(req->srv, dir, sizeof dir) != 0 ||
        eng_mkdirs(dir) != 0 ||
        snprintf(im->tmp, sizeof im->tmp, "%s/dawproject-XXXXXX", dir) >=
            (int)sizeof im->tmp ||
        (im->fd = mkostemp(im->tmp, O_CLOEXEC)) < 0) {
        if (im)
            im->tmp[0] = '\0';
        free(im);
        srv_http_error(resp, PROTO_INTERNAL, 0,
                       "the server cannot store the upload");
        return 1;
    }
    im->srv = req->srv;
    req->user = im;
    return 0;
}

static int imp_body(struct srv_http_req *req, const unsigned char *chunk,
                    size_t len, struct srv_http_resp *resp)
{
    struct imp *im = req->user;
    int64_t limit = req->srv->cfg.max_dawproject_bytes;

    if (!im)
        return 0;
    if (im->got + (int64_t)len > limit) {
        req->user = NULL;
        imp_free(im);
        return too_large(resp, limit);
    }
    if (eng_write_all(im->fd, chunk, len) != 0) {
        req->user = NULL;
        imp_free(im);
        srv_http_error(resp, PROTO_INTERNAL, 507, "the server cannot store the upload: %s",
                       strerror(errno));
        return 1;
    }
    im->got += (int64_t)len;
    return 0;
}

static void imp_abort(struct srv_http_req *req)
{
    imp_free(req->user);
    req->user = NULL;
}

static void answer_error(struct imp *im, proto_code code, int status,
                         const char *msg)
{
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    srv_http_error(&resp, code, status, "%s", msg);
    srv_http_complete(im->req, &resp);
    imp_free(im);
}

/* ------------------------------------------------------------------ */
/* the worker: archive, XML, mapping, audio check                       */

static int refuse(struct imp *im, proto_code code, int status,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct imp *im, proto_code code, int status,
                  const char *fmt, ...)
{
    va_list ap;

    im->code = code;
    im->status = status;
    va_start(ap, fmt);
    vsnprintf(im->err, sizeof im->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int zip_refuse(struct imp *im, ix_zip_status st, const char *err)
{
    bool big = st == IX_ZIP_TOO_BIG || st == IX_ZIP_TOO_MANY ||
               st == IX_ZIP_RATIO;
    return refuse(im, big ? PROTO_TOO_LARGE : st == IX_ZIP_IO || st == IX_ZIP_NOMEM
                                                  ? PROTO_INTERNAL
                                                  : PROTO_INVALID_VALUE,
                  big ? 413 : st == IX_ZIP_IO || st == IX_ZIP_NOMEM ? 0 : 400,
                  "%s", err);
}

/* Decodes one inflated audio file into a scratch folder under the upload
 * limits (the real import does the same again); frames at rate. */
static int check_audio(struct imp *im, const char *src, const char *shown,
                       int64_t *total, int64_t *frames)
{
    const struct srv_config *cfg = &im->srv->cfg;
    char dir[4096], scratch[4200];
    eng_import_opts o;
    eng_import_result r;
    int rc;

    if (srv_assets_tmp_dir(im->srv, dir, sizeof dir) != 0 ||
        snprintf(scratch, sizeof scratch, "%s/dpcheck-XXXXXX", dir) >=
            (int)sizeof scratch || !mkdtemp(scratch))
        return refuse(im, PROTO_INTERNAL, 0, "the server cannot check the audio");
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.src_path = src;
    o.out_dir = scratch;
    o.rate = im->rate;
    o.cancel = srv_jobs_cancel_flag(im->srv->jobs);
    o.max_seconds = (double)cfg->max_upload_seconds;
    o.max_decoded = cfg->max_upload_decoded;
    o.max_total_decoded = cfg->max_project_decoded;
    o.other_decoded = *total;
    rc = eng_import(&o, &r);
    eng_remove_dir(scratch, false);
    if (rc != 0) {
        char why[400];
        if (r.limit != ENG_LIMIT_NONE) {
            srv_assets_limit_text(&r, &o, why, sizeof why);
            return refuse(im, PROTO_TOO_LARGE, 413, "the audio file \"%s\" "
                          "cannot be imported: %s", shown, why);
        }
        return refuse(im, PROTO_INVALID_VALUE, 400,
                      "the audio file \"%s\" cannot be imported: %s", shown,
                      r.error[0] ? r.error : eng_import_status_text(r.status));
    }
    *total += eng_decoded_bytes(r.frames, r.channels);
    *frames = r.frames;
    return 0;
}

/* Inflates and checks every referenced audio file; registers the
 * placeholders in doc. */
static int take_audio(struct imp *im, ix_zip *z, proto_doc *doc)
{
    char dir[4096], err[400];
    int64_t total = 0;
    size_t i;
    json_t *f;

    im->files = json_deep_copy(im->res.files);
    if (srv_assets_tmp_dir(im->srv, dir, sizeof dir) != 0)
        return refuse(im, PROTO_INTERNAL, 0, "no temporary folder");
    im->lens = json_object();
    json_array_foreach(im->files, i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        char tmp[4200];
        ix_zip_status st;
        int64_t written, frames = 0;
        int fd;

        if (!ix_zip_has(z, path))
            return refuse(im, PROTO_INVALID_VALUE, 400,
                          "project.xml refers to the audio file \"%s\", "
                          "which is not in the archive", path);
        snprintf(tmp, sizeof tmp, "%s/dpaudio-XXXXXX", dir);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
            return refuse(im, PROTO_INTERNAL, 0, "cannot write a temporary file");
        json_object_set_new(f, "tmp", json_string(tmp));
        int r = ix_zip_read_fd(z, path, fd, &written, &st, err, sizeof err);
        if (close(fd) != 0 && r == 0)
            return refuse(im, PROTO_INTERNAL, 0, "cannot write a temporary file");
        if (r != 0)
            return zip_refuse(im, st, err);
        if (check_audio(im, tmp, path, &total, &frames) != 0)
            return -1;
        proto_doc_set_asset(doc, json_string_value(json_object_get(f, "asset")),
                            frames, true);
        json_object_set_new(im->lens, json_string_value(json_object_get(f, "asset")),
                            json_integer(frames));
    }
    dp_fit_clips(&im->res, im->lens);
    return 0;
}

static int read_xml(struct imp *im, ix_zip *z, const char *name,
                    dp_schema which, bool required, xmlDocPtr *out)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ix_zip_status st;
    char err[600];

    *out = NULL;
    if (!ix_zip_has(z, name)) {
        if (!required)
            return 0;
        return refuse(im, PROTO_INVALID_VALUE, 400,
                      "the archive has no %s: not a DAWproject file", name);
    }
    if (ix_zip_read_mem(z, name, im->srv->cfg.max_dawproject_xml_bytes,
                        "max_dawproject_xml_bytes", &buf, &len, &st, err,
                        sizeof err) != 0)
        return zip_refuse(im, st, err);
    *out = dp_parse(buf, len, which, err, sizeof err);
    free(buf);
    if (!*out)
        return refuse(im, PROTO_INVALID_VALUE, 400, "%s", err);
    return 0;
}

static void import_work(void *arg)
{
    struct imp *im = arg;
    const struct srv_config *cfg = &im->srv->cfg;
    ix_zip_limits lim = {cfg->max_dawproject_unpacked_bytes,
                         cfg->max_dawproject_entries, cfg->max_dawproject_ratio};
    xmlDocPtr project = NULL, meta = NULL;
    proto_doc *doc = NULL;
    json_t *applied = NULL, *inverse = NULL;
    ix_zip_status st;
    proto_err perr;
    char err[600], title[256];
    ix_zip *z = ix_zip_open_file(im->tmp, &lim, &st, err, sizeof err);

    if (!z) {
        zip_refuse(im, st, err);
        return;
    }
    if (read_xml(im, z, "project.xml", DP_PROJECT, true, &project) != 0 ||
        read_xml(im, z, "metadata.xml", DP_METADATA, false, &meta) != 0)
        goto out;
    if (!im->name[0]) {
        dp_metadata_title(meta, title, sizeof title);
        snprintf(im->name, sizeof im->name, "%s", title[0] ? title : "Imported project");
    }
    im->rate = dp_suggest_rate(project);
    if (dp_map(project, im->rate, &im->res, err, sizeof err) != 0) {
        refuse(im, PROTO_INVALID_VALUE, 400, "%s", err);
        goto out;
    }
    if ((int64_t)json_array_size(im->res.ops) > cfg->max_push_ops) {
        refuse(im, PROTO_TOO_LARGE, 413,
               "the DAWproject file makes %zu ops; one revision may have at "
               "most %lld (setting max_push_ops)", json_array_size(im->res.ops),
               (long long)cfg->max_push_ops);
        goto out;
    }
    doc = proto_doc_new(im->name, im->rate);
    if (!doc) {
        refuse(im, PROTO_INVALID_VALUE, 400,
               "name must have 1 to 200 characters");
        goto out;
    }
    if (take_audio(im, z, doc) != 0)
        goto out;
    proto_limits pl = {(size_t)cfg->max_push_ops, (size_t)cfg->max_doc_objects,
                       (size_t)cfg->max_doc_bytes, NULL, NULL};
    if (proto_apply_push_limited(doc, im->res.ops, &pl, &applied, &inverse,
                                 &perr) != 0) {
        refuse(im, perr.code, perr.code == PROTO_TOO_LARGE ? 413 : 400,
               "the DAWproject file cannot become a mixroom project: %s",
               perr.message);
        goto out;
    }
    im->code = PROTO_OK;
out:
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(doc);
    if (project)
        xmlFreeDoc(project);
    if (meta)
        xmlFreeDoc(meta);
    ix_zip_close(z);
}

/* ------------------------------------------------------------------ */
/* the loop and the writer: project, imports, the revision              */

static void cleanup_project(struct imp *im, const char *why);

/* After the revision is durable (or failed). */
static void commit_done(void *arg)
{
    struct imp *im = arg;
    struct srv_http_resp resp;

    if (im->rev < 0) {
        im->commit_failed_early = true;
        return;
    }
    if (srv_room_committed(im->room) < im->rev) {
        cleanup_project(im, "the import could not be stored; nothing was created");
        return;
    }
    memset(&resp, 0, sizeof resp);
    srv_http_json(&resp, 201, json_pack(
        "{s:s, s:{s:O, s:i, s:i, s:i, s:i}}", "project", im->project_id,
        "report", "dropped", im->res.report, "tracks", im->res.tracks,
        "clips", im->res.clips, "notes", im->res.notes, "markers",
        im->res.markers));
    srv_info("project %s imported from a DAWproject file by %s (%d tracks, "
             "%d clips, %d notes)", im->project_id, im->who.name,
             im->res.tracks, im->res.clips, im->res.notes);
    srv_http_complete(im->req, &resp);
    imp_free(im);
}

static void commit_all(struct imp *im)
{
    struct srv_conn as_user;
    proto_err perr;
    char err[300], summary[400];

    assert(srv_on_loop_thread());

    im->room = srv_room_open(im->srv, im->project_id, err, sizeof err);
    if (!im->room) {
        cleanup_project(im, err);
        return;
    }
    dp_substitute_assets(im->res.ops, im->map);
    memset(&as_user, 0, sizeof as_user);
    as_user.srv = im->srv;
    snprintf(as_user.user_id, sizeof as_user.user_id, "%s", im->who.id);
    snprintf(as_user.user_name, sizeof as_user.user_name, "%s", im->who.name);
    snprintf(as_user.display_name, sizeof as_user.display_name, "%s",
             im->who.display_name);
    snprintf(as_user.client_id, sizeof as_user.client_id, "http-dawproject");
    as_user.role = SRV_ROLE_OWNER;
    snprintf(summary, sizeof summary, "%s imported a DAWproject file: %d %s, "
             "%d %s, %d %s",
             im->who.display_name[0] ? im->who.display_name : im->who.name,
             im->res.tracks, im->res.tracks == 1 ? "track" : "tracks",
             im->res.clips, im->res.clips == 1 ? "clip" : "clips",
             im->res.notes, im->res.notes == 1 ? "note" : "notes");
    im->rev = -1;
    struct srv_room_rev_opts o = {.summary = summary, .free_arg = commit_done,
                                  .arg = im};
    long long rev = srv_room_commit_rev(im->room, &as_user, "import",
                                        im->res.ops, NULL, &o, &perr);
    if (rev < 0) {
        assert(im->commit_failed_early);
        char why[700];
        snprintf(why, sizeof why, "the DAWproject file cannot become a "
                 "mixroom project: %s", perr.message);
        cleanup_project(im, why);
        return;
    }
    im->rev = rev;
}

/* One import (or the start of them all) is done: the last one goes on. */
static void imports_step(struct imp *im)
{
    assert(im->waiting > 0);
    if (--im->waiting > 0)
        return;
    if (im->import_failed)
        cleanup_project(im, im->fail);
    else
        commit_all(im);
}

/* One audio file's import ended (loop thread). */
static void audio_done(void *ctx, const char *asset_id, bool ready,
                       int64_t frames)
{
    json_t *f = ctx;
    struct imp *im = (struct imp *)(uintptr_t)json_integer_value(json_object_get(f, "imp"));

    assert(srv_on_loop_thread());
    json_object_set_new(im->map, json_string_value(json_object_get(f, "asset")),
                        json_string(asset_id));
    if (!ready && !im->import_failed) {
        json_t *list = srv_assets_list_json(im->srv->db, im->project_id), *a;
        const char *why = "it cannot be read";
        size_t i;
        json_array_foreach(list, i, a)
            if (!strcmp(json_string_value(json_object_get(a, "id")), asset_id) &&
                json_string_value(json_object_get(a, "error")))
                why = json_string_value(json_object_get(a, "error"));
        im->import_failed = true;
        snprintf(im->fail, sizeof im->fail, "the audio file \"%s\" cannot be "
                 "imported: %s", json_string_value(json_object_get(f, "path")), why);
        json_decref(list);
    }
    (void)frames;
    imports_step(im);
}

static void start_imports(struct imp *im)
{
    size_t i, n = json_array_size(im->files);
    json_t *f;
    char id[SRV_ASSET_ID_MAX];

    im->map = json_object();
    if (n == 0) {
        commit_all(im);
        return;
    }
    im->waiting = n + 1; /* +1 until every import is started */
    json_array_foreach(im->files, i, f) {
        json_object_set_new(f, "imp", json_integer((json_int_t)(uintptr_t)im));
        if (srv_assets_import_file(im->srv, im->project_id, im->who.id,
                                   json_string_value(json_object_get(f, "name")),
                                   json_string_value(json_object_get(f, "tmp")),
                                   audio_done, f, id) != 0) {
            im->import_failed = true;
            snprintf(im->fail, sizeof im->fail,
                     "the server could not import \"%s\"",
                     json_string_value(json_object_get(f, "path")));
            im->waiting--;
        }
    }
    imports_step(im);
}

/* The project row (writer thread). */
struct create_job {
    struct imp *im;
    proto_code rc;
    char err[300];
};

static int create_write(db_conn *db, void *arg)
{
    struct create_job *cj = arg;
    struct imp *im = cj->im;

    assert(store_on_writer_thread());
    cj->rc = srv_authdb_project_create(db, im->name, im->rate, im->who.id,
                                       im->project_id, sizeof im->project_id,
                                       cj->err, sizeof cj->err);
    return cj->rc == PROTO_OK ? 0 : -1;
}

static void create_done(void *arg, int status)
{
    struct create_job *cj = arg;
    struct imp *im = cj->im;

    assert(srv_on_loop_thread());

    if (cj->rc != PROTO_OK || status != 0) {
        answer_error(im, cj->rc != PROTO_OK ? cj->rc : PROTO_INTERNAL, 0,
                     cj->rc != PROTO_OK ? cj->err
                                        : "the project could not be stored");
        free(cj);
        return;
    }
    free(cj);
    srv_info("project %s created for a DAWproject import by %s",
             im->project_id, im->who.name);
    start_imports(im);
}

/* Deleting a half-made project (writer thread): its rows, then the asset
 * files no other project's row points at. */
struct cleanup_job {
    struct imp *im;
    char why[600];
    char data_dir[4096];
};

static int cleanup_write(db_conn *db, void *arg)
{
    struct cleanup_job *cj = arg;
    db_stmt *st;
    json_t *shas = json_array(), *s;
    char err[300], dir[4200];
    size_t i;
    long long n;

    assert(store_on_writer_thread());
    st = store_prepare(db, "SELECT DISTINCT sha256 FROM assets WHERE project_id=?1",
                       STORE_ARGS(cj->im->project_id), NULL, 0);
    while (st && db_step(st) == DB_ROW)
        json_array_append_new(shas, json_string((const char *)db_column_text(st, 0)));
    db_finalize(st);
    if (srv_authdb_project_delete(db, cj->im->project_id, err, sizeof err) != PROTO_OK)
        srv_warn("import clean-up of %s: %s", cj->im->project_id, err);
    json_array_foreach(shas, i, s) {
        const char *sha = json_string_value(s);
        n = 1;
        if (!sha || store_query_int(db, "SELECT COUNT(*) FROM assets WHERE sha256=?1",
                                    STORE_ARGS(sha), &n, NULL, 0) != 1 || n > 0)
            continue;
        if (eng_asset_dir(dir, sizeof dir, cj->data_dir, sha) == 0) {
            eng_remove_dir(dir, true);
        }
    }
    json_decref(shas);
    return 0;
}

static void cleanup_done(void *arg, int status)
{
    struct cleanup_job *cj = arg;
    struct imp *im = cj->im;

    srv_info("DAWproject import into %s refused, project removed: %s",
             im->project_id, cj->why);
    answer_error(im, im->code != PROTO_OK ? im->code : PROTO_INVALID_VALUE,
                 im->status ? im->status : 400, cj->why);
    free(cj);
    (void)status;
}

static void cleanup_project(struct imp *im, const char *why)
{
    struct cleanup_job *cj = calloc(1, sizeof *cj);

    assert(srv_on_loop_thread());

    if (im->code == PROTO_OK) {
        im->code = PROTO_INVALID_VALUE;
        im->status = 400;
    }
    if (!cj || !im->srv->writer) {
        free(cj);
        answer_error(im, im->code, im->status, why);
        return;
    }
    cj->im = im;
    snprintf(cj->why, sizeof cj->why, "%s", why);
    snprintf(cj->data_dir, sizeof cj->data_dir, "%s", im->srv->cfg.data_dir);
    store_writer_submit(im->srv->writer, cleanup_write, cleanup_done, cj);
}

/* The worker is done (loop thread). */
static void work_done(void *arg)
{
    struct imp *im = arg;
    struct create_job *cj;

    assert(srv_on_loop_thread());

    if (im->code != PROTO_OK) {
        srv_info("DAWproject import by %s refused: %s", im->who.name, im->err);
        answer_error(im, im->code, im->status, im->err);
        return;
    }
    cj = calloc(1, sizeof *cj);
    if (!cj || !im->srv->writer) {
        free(cj);
        answer_error(im, PROTO_INTERNAL, 0, "the server is stopping; try again");
        return;
    }
    cj->im = im;
    store_writer_submit(im->srv->writer, create_write, create_done, cj);
}

static enum srv_http_result imp_end(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    struct imp *im = req->user;
    char name[256] = "";

    if (!im)
        return srv_http_error(resp, PROTO_INTERNAL, 0, "the upload was lost");
    req->user = NULL;
    if (close(im->fd) != 0) {
        im->fd = -1;
        imp_free(im);
        return srv_http_error(resp, PROTO_INTERNAL, 507,
                              "the server cannot store the upload");
    }
    im->fd = -1;
    if (im->got == 0) {
        imp_free(im);
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "the body is empty: send the .dawproject file "
                              "as the request body");
    }
    if (srv_http_query(req, "name", name, sizeof name) && name[0]) {
        size_t n = proto_utf8_length(name);
        if (n == (size_t)-1 || n > 200) {
            imp_free(im);
            return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                                  "name must be 1 to 200 characters of UTF-8");
        }
        snprintf(im->name, sizeof im->name, "%s", name);
    }
    im->req = req;
    im->who = req->who;
    im->role = req->role;
    im->code = PROTO_INTERNAL;
    snprintf(im->err, sizeof im->err, "the import did not run");
    if (!im->srv->jobs ||
        srv_jobs_submit(im->srv->jobs, import_work, work_done, im) != 0) {
        imp_free(im);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the server is stopping; try again");
    }
    return SRV_HTTP_DEFER;
}

static const struct srv_route routes[] = {
    {.method = "POST", .pattern = "/api/projects/import", .perm = SRV_LOGIN,
     .handler = imp_end, .flags = SRV_ROUTE_STREAM_BODY,
     .on_begin = imp_begin, .on_body = imp_body, .on_abort = imp_abort},
};

void srv_interchange_import_init(void)
{
    xmlInitParser();
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
