/* http_project_copy.c -- POST /api/projects/{id}/duplicate: a copy of a
 * project, owned by the caller.
 *
 * Any member who may read the project (viewer and up) may duplicate it.
 * The copy is made by one job on the writer thread, in the writer's
 * transaction, so it is all or nothing and it sees every revision the room
 * handed to the writer before it (the writer runs jobs in order): the
 * document at head (the objects table) with the project object renamed
 * "<name> copy", the asset rows that are ready (files are content-addressed
 * by sha256, so the copy shares them by reference: nothing is copied on
 * disk), and one member, the caller as owner. Not copied: the history (ops,
 * snapshots: the copy starts at revision 0), comments, versions, members,
 * invites, share links, webhooks. docs/auth.md says so. */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/auth/auth_internal.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/http.h"

#define COPY_SUFFIX " copy"
#define PROJECT_NAME_MAX 200

struct copy_job {
    struct srv_http_req *req;
    char user_id[128], user_name[128];
    char src[128];
    char id[64];                       /* the new project's */
    char name[PROJECT_NAME_MAX + 1];   /* the new project's */
    long long now_ms;
    proto_code rc;
    char err[256];
};

/* "<name> copy", cut (at a UTF-8 boundary) so it has at most 200 bytes. */
static void copy_name(const char *name, char *out, size_t n)
{
    size_t keep = strlen(name), room = PROJECT_NAME_MAX - strlen(COPY_SUFFIX);

    assert(n > PROJECT_NAME_MAX);
    if (keep > room) {
        keep = room;
        while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
            keep--;
    }
    snprintf(out, n, "%.*s%s", (int)keep, name, COPY_SUFFIX);
}

/* Runs sql with args; 0, or -1 with err filled. */
static int run(db_conn *db, const char *sql, const char *const *args,
               struct copy_job *j)
{
    char msg[200];
    db_stmt *st = store_prepare(db, sql, args, msg, sizeof msg);
    int r = -1;

    if (!st)
        goto out;
    r = store_step_done(st, msg, sizeof msg);
out:
    if (r != 0) {
        snprintf(j->err, sizeof j->err, "the copy could not be stored: %s",
                 msg);
        j->rc = PROTO_INTERNAL;
    }
    db_finalize(st);
    return r;
}

/* Writer thread: the copy's project object at revision 0, its name set to
 * the copy's. The body is read and written with jansson here (PostgreSQL
 * has no json_set); 0 (also when the source has no project object), or -1
 * with err filled. */
static int copy_project_object(db_conn *db, struct copy_job *j)
{
    db_stmt *st = NULL;
    json_t *o = NULL;
    char *text = NULL;
    int r = -1, rc;

    if (db_prepare(db, "SELECT body, kind FROM objects WHERE project_id=?1 AND"
                       " id='project'", &st) != DB_OK)
        goto fail;
    db_bind_text(st, 1, j->src, -1, DB_STATIC);
    rc = db_step(st);
    if (rc == DB_DONE) {
        r = 0;
        goto out;
    }
    if (rc != DB_ROW)
        goto fail;
    o = json_loads(store_col_text(st, 0), 0, NULL);
    if (!json_is_object(o) ||
        json_object_set_new(o, "name", json_string(j->name)) != 0 ||
        !(text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
        snprintf(j->err, sizeof j->err, "the copy could not be stored: the "
                 "project object of %s is not a JSON object", j->src);
        j->rc = PROTO_INTERNAL;
        goto out;
    }
    r = run(db,
            "INSERT INTO objects (project_id, id, kind, body, rev)"
            " VALUES (?1, 'project', ?3, ?2, 0)",
            STORE_ARGS(j->id, text, store_col_text(st, 1)), j);
    goto out;
fail:
    snprintf(j->err, sizeof j->err, "the copy could not be stored: %s",
             db_errmsg(db));
    j->rc = PROTO_INTERNAL;
out:
    free(text);
    json_decref(o);
    db_finalize(st);
    return r;
}

/* Writer thread: the whole copy (inside the writer's transaction). */
static int copy_write(db_conn *db, void *arg)
{
    struct copy_job *j = arg;
    char name[512] = "", now[32];
    int found;

    assert(store_on_writer_thread());
    found = store_query_text(db, "SELECT name FROM projects WHERE id=?1",
                             STORE_ARGS(j->src), name, sizeof name, NULL, 0);
    if (found != 1) {
        j->rc = found == 0 ? PROTO_NOT_FOUND : PROTO_INTERNAL;
        snprintf(j->err, sizeof j->err, "project %s %s", j->src,
                 found == 0 ? "does not exist" : "could not be read");
        return -1;
    }
    copy_name(name, j->name, sizeof j->name);
    store_new_id(j->id, sizeof j->id, "p_");
    snprintf(now, sizeof now, "%lld", j->now_ms);
    if (run(db,
            "INSERT INTO projects (id, name, sample_rate, created_by,"
            " created_at, head_rev, updated_at)"
            " SELECT ?1, ?2, sample_rate, ?3, ?4, 0, ?4 FROM projects"
            " WHERE id=?5",
            STORE_ARGS(j->id, j->name, j->user_id, now, j->src), j) ||
        run(db,
            "INSERT INTO members (project_id, user_id, role, added_at)"
            " VALUES (?1, ?2, 'owner', ?3)",
            STORE_ARGS(j->id, j->user_id, now), j) ||
        run(db,
            "INSERT INTO assets (id, project_id, sha256, name, state, frames,"
            " channels, orig_rate, format, size_bytes, error, created_by,"
            " created_at) SELECT id, ?1, sha256, name, state, frames,"
            " channels, orig_rate, format, size_bytes, error, created_by,"
            " created_at FROM assets WHERE project_id=?2 AND state='ready'",
            STORE_ARGS(j->id, j->src), j) ||
        run(db,
            "INSERT INTO objects (project_id, id, kind, body, rev)"
            " SELECT ?1, id, kind, body, 0 FROM objects WHERE project_id=?2"
            " AND id <> 'project'",
            STORE_ARGS(j->id, j->src), j) ||
        copy_project_object(db, j))
        return -1;
    j->rc = PROTO_OK;
    return 0;
}

/* Loop thread, after the commit: 201 {"project": id, "name"} or the error. */
static void copy_done(void *arg, int status)
{
    struct copy_job *j = arg;
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (j->rc != PROTO_OK)
        srv_http_error(&resp, j->rc, proto_code_http_status(j->rc), "%s",
                       j->err);
    else if (status != 0)
        srv_http_error(&resp, PROTO_INTERNAL,
                       status == STORE_FAILED_FULL ? 507 : 500,
                       "the copy could not be stored%s; nothing changed",
                       status == STORE_FAILED_FULL ? " (the disk is full)"
                                                   : "");
    else {
        srv_info("projects: %s duplicated project %s as %s", j->user_name,
                 j->src, j->id);
        srv_http_json(&resp, 201, json_pack("{s:s, s:s}", "project", j->id,
                                            "name", j->name));
    }
    srv_http_complete(j->req, &resp);
    free(j);
}

static enum srv_http_result h_project_duplicate(struct srv_http_req *req,
                                                struct srv_http_resp *resp)
{
    struct copy_job *j;

    if (!req->srv->writer)
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the store is not ready");
    if (!(j = calloc(1, sizeof *j)))
        return srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
    j->req = req;
    j->now_ms = store_now_ms();
    j->rc = PROTO_INTERNAL;
    snprintf(j->user_id, sizeof j->user_id, "%s", req->who.id);
    snprintf(j->user_name, sizeof j->user_name, "%s", req->who.name);
    snprintf(j->src, sizeof j->src, "%s", req->params[0]);
    store_writer_submit((struct store_writer *)req->srv->writer, copy_write,
                        copy_done, j);
    return SRV_HTTP_DEFER;
}

static const struct srv_route copy_routes[] = {
    {.method = "POST", .pattern = "/api/projects/{id}/duplicate",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = h_project_duplicate},
};

void srv_project_copy_http_register(void)
{
    srv_http_add_routes(copy_routes, (int)(sizeof copy_routes /
                                           sizeof copy_routes[0]));
}
