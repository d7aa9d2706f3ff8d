/* http_projects.c -- projects, members and invites over HTTP:
 *   GET/POST /api/projects, GET/DELETE /api/projects/{id},
 *   GET /api/projects/{id}/members, PATCH|POST|DELETE .../members/{user},
 *   POST/GET /api/projects/{id}/invites, DELETE .../invites/{invite},
 *   POST /api/invites/{token}.
 * (POST /api/projects/{id}/duplicate is in http_project_copy.c; renaming,
 * a revision of the document, is PATCH /api/projects/{id} in
 * server/review/project_rename.c.)
 * Each route carries its permission; the gate has checked it (and filled
 * req->who, req->role) before a handler runs. Reads use the loop's reader
 * connection; every write is one job on the writer thread (auth_db.c), and
 * the answer is sent after the commit (deferred response). */
#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/auth/auth_db.h"
#include "server/auth/auth_internal.h"
#include "server/net/http.h"
#include "server/core/events.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"

#define INVITE_DEFAULT_S (7 * 86400)
#define INVITE_MAX_S (365 * 86400)
#define INVITE_MAX_USES 10000

enum job_kind {
    J_PROJECT_CREATE,
    J_PROJECT_DELETE,
    J_MEMBER_SET,
    J_MEMBER_REMOVE,
    J_INVITE_CREATE,
    J_INVITE_REVOKE,
    J_INVITE_USE,
};

/* One write on behalf of one deferred request. */
struct pjob {
    enum job_kind kind;
    struct srv_http_req *req;
    struct srv_user user;              /* who asks */
    char project_id[128];
    char target_id[128];               /* member user id, invite id */
    char name[256];
    int sample_rate;
    int role;
    int max_uses;
    long long now_ms, expires_ms;
    char token[SRV_TOKEN_LEN + 1];
    unsigned char token_hash[SRV_TOKEN_HASH_LEN];
    /* results */
    proto_code rc;
    int state;
    char err[256];
};

static void complete_json(struct srv_http_req *req, int status, json_t *j)
{
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    srv_http_json(&resp, status, j);
    srv_http_complete(req, &resp);
}

static void complete_error(struct srv_http_req *req, proto_code code,
                           int status, const char *msg)
{
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    srv_http_error(&resp, code, status, "%s", msg);
    srv_http_complete(req, &resp);
}

static int pjob_write(db_conn *db, void *arg)
{
    struct pjob *j = arg;
    const size_t el = sizeof j->err;

    assert(store_on_writer_thread());

    switch (j->kind) {
    case J_PROJECT_CREATE:
        j->rc = srv_authdb_project_create(db, j->name, j->sample_rate,
                                          j->user.id, j->project_id,
                                          sizeof j->project_id, j->err, el);
        break;
    case J_PROJECT_DELETE:
        j->rc = srv_authdb_project_delete(db, j->project_id, j->err, el);
        break;
    case J_MEMBER_SET:
        j->rc = srv_authdb_member_set(db, j->project_id, j->target_id,
                                      j->role, j->err, el);
        break;
    case J_MEMBER_REMOVE:
        j->rc = srv_authdb_member_remove(db, j->project_id, j->target_id,
                                         j->err, el);
        if (j->rc == PROTO_OK && srv_auth_remote_close(db, "member_removed",
                                                       j->project_id,
                                                       j->target_id) != 0)
            j->rc = PROTO_INTERNAL; /* other nodes' sockets: the event */
        break;
    case J_INVITE_CREATE:
        j->rc = srv_authdb_invite_insert(db, j->target_id, j->token_hash,
                                         j->project_id, j->role, j->user.id,
                                         j->now_ms, j->expires_ms,
                                         j->max_uses, j->err, el);
        break;
    case J_INVITE_REVOKE:
        j->rc = srv_authdb_invite_revoke(db, j->project_id, j->target_id,
                                         j->err, el);
        break;
    case J_INVITE_USE:
        j->rc = srv_authdb_invite_use(db, j->token_hash, j->user.id,
                                      j->now_ms, j->project_id,
                                      sizeof j->project_id, &j->role,
                                      &j->state, j->err, el);
        break;
    }
    return j->rc == PROTO_OK ? 0 : -1;
}

/* Tells the event registry that a member was set, removed or joined. */
static void pjob_emit(const struct pjob *j, const char *kind,
                      const char *text)
{
    struct srv_event ev = {
        .kind = kind,
        .project = j->project_id,
        .actor = j->user.id[0] ? j->user.id : NULL,
        .actor_name = j->user.display_name[0] ? j->user.display_name
                                              : j->user.name,
        .target = j->kind == J_INVITE_USE ? j->user.id : j->target_id,
        .at_frame = -1,
        .text = text,
        .recipient = j->kind == J_INVITE_USE ? j->user.id : j->target_id,
    };
    srv_event_emit(j->req->srv, &ev);
}

static void pjob_done(void *arg, int status)
{
    struct pjob *j = arg;
    json_t *out = NULL;

    if (j->rc != PROTO_OK) {
        int http = proto_code_http_status(j->rc);
        if (j->kind == J_INVITE_USE && j->state != SRV_INVITE_UNKNOWN &&
            j->state != SRV_INVITE_OK)
            http = 410;
        complete_error(j->req, j->rc, http, j->err);
        goto out;
    }
    if (status != 0) {
        complete_error(j->req, PROTO_INTERNAL, 500,
                       "the change could not be stored");
        goto out;
    }
    switch (j->kind) {
    case J_PROJECT_CREATE:
        srv_info("projects: %s created project %s", j->user.name,
                 j->project_id);
        complete_json(j->req, 201,
                      json_pack("{s:{s:s, s:s, s:i, s:s, s:I, s:I, s:i}}",
                                "project", "id", j->project_id, "name",
                                j->name, "sample_rate", j->sample_rate,
                                "role", "owner", "created_at",
                                (json_int_t)j->now_ms, "updated_at",
                                (json_int_t)j->now_ms, "head_rev", 0));
        break;
    case J_PROJECT_DELETE:
        srv_info("projects: %s deleted project %s", j->user.name,
                 j->project_id);
        srv_auth_conns_set_role(j->project_id, NULL, SRV_ROLE_NONE);
        complete_json(j->req, 200, json_pack("{s:b}", "ok", 1));
        break;
    case J_MEMBER_SET:
        srv_auth_conns_set_role(j->project_id, j->target_id, j->role);
        pjob_emit(j, "member", srv_role_name(j->role));
        complete_json(j->req, 200,
                      json_pack("{s:s, s:s}", "user", j->target_id, "role",
                                srv_role_name(j->role)));
        break;
    case J_MEMBER_REMOVE:
        srv_auth_conns_set_role(j->project_id, j->target_id, SRV_ROLE_NONE);
        pjob_emit(j, "member", "removed");
        complete_json(j->req, 200, json_pack("{s:b}", "ok", 1));
        break;
    case J_INVITE_CREATE: {
        char url[128];
        snprintf(url, sizeof url, "/invite/%s", j->token);
        out = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i}", "id",
                        j->target_id, "token", j->token, "url", url, "role",
                        srv_role_name(j->role), "expires_at",
                        (json_int_t)j->expires_ms, "max_uses", j->max_uses,
                        "uses", 0);
        complete_json(j->req, 201, out);
        break;
    }
    case J_INVITE_REVOKE:
        complete_json(j->req, 200, json_pack("{s:b}", "ok", 1));
        break;
    case J_INVITE_USE:
        srv_info("projects: %s joined project %s by invite", j->user.name,
                 j->project_id);
        srv_auth_conns_set_role(j->project_id, j->user.id, j->role);
        pjob_emit(j, "join", srv_role_name(j->role));
        complete_json(j->req, 200,
                      json_pack("{s:s, s:s}", "project", j->project_id,
                                "role", srv_role_name(j->role)));
        break;
    }
out:
    memset(j->token, 0, sizeof j->token);
    free(j);
}

/* Allocates a job for req by user; NULL with resp filled on failure. */
static struct pjob *pjob_new(struct srv_http_req *req,
                             struct srv_http_resp *resp, enum job_kind kind,
                             const struct srv_user *u)
{
    struct pjob *j;

    if (!req->srv->writer) {
        srv_http_error(resp, PROTO_INTERNAL, 503, "the store is not ready");
        return NULL;
    }
    j = calloc(1, sizeof *j);
    if (!j) {
        srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
        return NULL;
    }
    j->kind = kind;
    j->req = req;
    j->user = *u;
    j->now_ms = store_now_ms();
    return j;
}

static enum srv_http_result pjob_submit(struct pjob *j)
{
    store_writer_submit((struct store_writer *)j->req->srv->writer,
                        pjob_write, pjob_done, j);
    return SRV_HTTP_DEFER;
}

/* ---- projects ---- */

static enum srv_http_result h_projects_list(struct srv_http_req *req,
                                            struct srv_http_resp *resp)
{
    db_stmt *st = NULL;
    json_t *list;

    list = json_array();
    st = store_prepare(req->srv->db,
                       "SELECT p.id, p.name, p.sample_rate, m.role,"
                       " p.created_at, p.updated_at, p.head_rev"
                       " FROM members m JOIN projects p ON p.id ="
                       " m.project_id WHERE m.user_id = ?1"
                       " ORDER BY p.updated_at DESC, p.id",
                       STORE_ARGS(req->who.id), NULL, 0);
    if (!st) {
        json_decref(list);
        return srv_http_error(resp, PROTO_INTERNAL, 500,
                              "could not read the projects");
    }
    while (db_step(st) == DB_ROW)
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I}", "id",
                      db_column_text(st, 0), "name",
                      db_column_text(st, 1), "sample_rate",
                      db_column_int(st, 2), "role",
                      db_column_text(st, 3), "created_at",
                      (json_int_t)db_column_int64(st, 4), "updated_at",
                      (json_int_t)db_column_int64(st, 5), "head_rev",
                      (json_int_t)db_column_int64(st, 6)));
    db_finalize(st);
    return srv_http_json(resp, 200, json_pack("{s:o}", "projects", list));
}

static enum srv_http_result h_projects_create(struct srv_http_req *req,
                                              struct srv_http_resp *resp)
{
    struct pjob *j;
    json_t *body, *sr;
    const char *name;
    enum srv_http_result r = SRV_HTTP_DONE;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    name = json_string_value(json_object_get(body, "name"));
    sr = json_object_get(body, "sample_rate");
    if (!name || !*name || strlen(name) > 200) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "name must be a string of 1 to 200 characters");
        goto out;
    }
    if (sr && !json_is_null(sr) &&
        (!json_is_integer(sr) || (json_integer_value(sr) != 44100 &&
                                  json_integer_value(sr) != 48000))) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "sample_rate must be 44100 or 48000");
        goto out;
    }
    if (!(j = pjob_new(req, resp, J_PROJECT_CREATE, &req->who)))
        goto out;
    snprintf(j->name, sizeof j->name, "%s", name);
    j->sample_rate = sr && json_is_integer(sr) ? (int)json_integer_value(sr)
                                               : 48000;
    r = pjob_submit(j);
out:
    json_decref(body);
    return r;
}

static enum srv_http_result h_project_get(struct srv_http_req *req,
                                          struct srv_http_resp *resp)
{
    db_stmt *st = NULL;
    json_t *out = NULL;

    st = store_prepare(req->srv->db,
                       "SELECT id, name, sample_rate, created_at,"
                       " updated_at, head_rev FROM projects WHERE id = ?1",
                       STORE_ARGS(req->params[0]), NULL, 0);
    if (st) {
        if (db_step(st) == DB_ROW)
            out = json_pack("{s:{s:s, s:s, s:i, s:s, s:I, s:I, s:I}}",
                            "project", "id", db_column_text(st, 0),
                            "name", db_column_text(st, 1), "sample_rate",
                            db_column_int(st, 2), "role",
                            srv_role_name(req->role), "created_at",
                            (json_int_t)db_column_int64(st, 3),
                            "updated_at",
                            (json_int_t)db_column_int64(st, 4),
                            "head_rev",
                            (json_int_t)db_column_int64(st, 5));
    }
    db_finalize(st);
    if (!out)
        return srv_http_error(resp, PROTO_NOT_FOUND, 404,
                              "project %s does not exist", req->params[0]);
    return srv_http_json(resp, 200, out);
}

static enum srv_http_result h_project_delete(struct srv_http_req *req,
                                             struct srv_http_resp *resp)
{
    struct pjob *j;

    if (!(j = pjob_new(req, resp, J_PROJECT_DELETE, &req->who)))
        return SRV_HTTP_DONE;
    snprintf(j->project_id, sizeof j->project_id, "%s", req->params[0]);
    return pjob_submit(j);
}

/* ---- members ---- */

static enum srv_http_result h_members_list(struct srv_http_req *req,
                                           struct srv_http_resp *resp)
{
    db_stmt *st = NULL;
    json_t *list;

    st = store_prepare(req->srv->db,
                       "SELECT u.id, u.name, u.display_name, m.role,"
                       " m.added_at FROM members m JOIN users u ON u.id ="
                       " m.user_id WHERE m.project_id = ?1"
                       " ORDER BY m.added_at, u.name",
                       STORE_ARGS(req->params[0]), NULL, 0);
    if (!st)
        return srv_http_error(resp, PROTO_INTERNAL, 500,
                              "could not read the members");
    list = json_array();
    while (db_step(st) == DB_ROW)
        json_array_append_new(
            list, json_pack("{s:{s:s, s:s, s:s}, s:s, s:I}", "user", "id",
                            db_column_text(st, 0), "name",
                            db_column_text(st, 1), "display_name",
                            db_column_text(st, 2), "role",
                            db_column_text(st, 3), "added_at",
                            (json_int_t)db_column_int64(st, 4)));
    db_finalize(st);
    return srv_http_json(resp, 200, json_pack("{s:o}", "members", list));
}

static enum srv_http_result member_change(struct srv_http_req *req,
                                          struct srv_http_resp *resp)
{
    struct srv_user target;
    struct pjob *j;
    json_t *body;
    int role;
    enum srv_http_result r = SRV_HTTP_DONE;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    role = srv_role_parse(json_string_value(json_object_get(body, "role")));
    if (role < 0) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "role must be owner, editor, commenter or viewer");
        goto out;
    }
    if (srv_auth_find_user(req->srv->db, req->params[1], &target) != 0) {
        srv_http_error(resp, PROTO_NOT_FOUND, 404, "user %s does not exist",
                       req->params[1]);
        goto out;
    }
    if (!(j = pjob_new(req, resp, J_MEMBER_SET, &req->who)))
        goto out;
    snprintf(j->project_id, sizeof j->project_id, "%s", req->params[0]);
    snprintf(j->target_id, sizeof j->target_id, "%s", target.id);
    j->role = role;
    r = pjob_submit(j);
out:
    json_decref(body);
    return r;
}

static enum srv_http_result h_member_delete(struct srv_http_req *req,
                                            struct srv_http_resp *resp)
{
    struct srv_user target;
    struct pjob *j;

    if (srv_auth_find_user(req->srv->db, req->params[1], &target) != 0)
        return srv_http_error(resp, PROTO_NOT_FOUND, 404,
                              "user %s does not exist", req->params[1]);
    if (!(j = pjob_new(req, resp, J_MEMBER_REMOVE, &req->who)))
        return SRV_HTTP_DONE;
    snprintf(j->project_id, sizeof j->project_id, "%s", req->params[0]);
    snprintf(j->target_id, sizeof j->target_id, "%s", target.id);
    return pjob_submit(j);
}

/* ---- invites ---- */

/* Reads an optional integer field in [lo, hi]; false with resp filled. */
static bool int_field(json_t *body, const char *name, long long lo,
                      long long hi, long long *v, struct srv_http_resp *resp)
{
    json_t *f = json_object_get(body, name);

    if (!f || json_is_null(f))
        return true;
    if (!json_is_integer(f) || json_integer_value(f) < lo ||
        json_integer_value(f) > hi) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "%s must be an integer from %lld to %lld", name, lo,
                       hi);
        return false;
    }
    *v = json_integer_value(f);
    return true;
}

static enum srv_http_result h_invite_create(struct srv_http_req *req,
                                            struct srv_http_resp *resp)
{
    struct pjob *j;
    json_t *body, *rf;
    long long expires_in = INVITE_DEFAULT_S, max_uses = 1;
    int role = SRV_ROLE_VIEWER;
    enum srv_http_result r = SRV_HTTP_DONE;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    rf = json_object_get(body, "role");
    if (rf && (role = srv_role_parse(json_string_value(rf))) < 0) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "role must be owner, editor, commenter or viewer");
        goto out;
    }
    /* "expires" is the contract's name, "expires_in" the longer one. */
    if (!int_field(body, "expires", 1, INVITE_MAX_S, &expires_in, resp) ||
        !int_field(body, "expires_in", 1, INVITE_MAX_S, &expires_in, resp) ||
        !int_field(body, "max_uses", 1, INVITE_MAX_USES, &max_uses, resp))
        goto out;
    if (!(j = pjob_new(req, resp, J_INVITE_CREATE, &req->who)))
        goto out;
    snprintf(j->project_id, sizeof j->project_id, "%s", req->params[0]);
    store_new_id(j->target_id, sizeof j->target_id, "i_");
    srv_auth_token_new(j->token);
    srv_auth_token_hash(j->token, j->token_hash);
    j->role = role;
    j->max_uses = (int)max_uses;
    j->expires_ms = j->now_ms + expires_in * 1000LL;
    r = pjob_submit(j);
out:
    json_decref(body);
    return r;
}

static enum srv_http_result h_invites_list(struct srv_http_req *req,
                                           struct srv_http_resp *resp)
{
    db_stmt *st = NULL;
    json_t *list;
    long long now = store_now_ms();

    st = store_prepare(req->srv->db,
                       "SELECT i.id, i.role, u.name, i.created_at,"
                       " i.expires_at, i.max_uses, i.uses, i.revoked"
                       " FROM invites i LEFT JOIN users u ON u.id ="
                       " i.created_by WHERE i.project_id = ?1"
                       " ORDER BY i.created_at DESC, i.id",
                       STORE_ARGS(req->params[0]), NULL, 0);
    if (!st)
        return srv_http_error(resp, PROTO_INTERNAL, 500,
                              "could not read the invites");
    list = json_array();
    while (db_step(st) == DB_ROW) {
        long long exp = db_column_int64(st, 4);
        int max = db_column_int(st, 5), uses = db_column_int(st, 6);
        const char *state = db_column_int(st, 7) ? "revoked"
                            : exp <= now                ? "expired"
                            : uses >= max               ? "used_up"
                                                        : "active";
        const unsigned char *by = db_column_text(st, 2);
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s?, s:I, s:I, s:i, s:i, s:s}", "id",
                      db_column_text(st, 0), "role",
                      db_column_text(st, 1), "created_by",
                      (const char *)by, "created_at",
                      (json_int_t)db_column_int64(st, 3), "expires_at",
                      (json_int_t)exp, "max_uses", max, "uses", uses, "state",
                      state));
    }
    db_finalize(st);
    return srv_http_json(resp, 200, json_pack("{s:o}", "invites", list));
}

static enum srv_http_result h_invite_revoke(struct srv_http_req *req,
                                            struct srv_http_resp *resp)
{
    struct pjob *j;

    if (!(j = pjob_new(req, resp, J_INVITE_REVOKE, &req->who)))
        return SRV_HTTP_DONE;
    snprintf(j->project_id, sizeof j->project_id, "%s", req->params[0]);
    snprintf(j->target_id, sizeof j->target_id, "%s", req->params[1]);
    return pjob_submit(j);
}

static enum srv_http_result h_invite_use(struct srv_http_req *req,
                                         struct srv_http_resp *resp)
{
    struct pjob *j;

    if (!srv_auth_token_wellformed(req->params[0]))
        return srv_http_error(resp, PROTO_NOT_FOUND, 404, "%s",
                              srv_invite_state_message(SRV_INVITE_UNKNOWN));
    if (!(j = pjob_new(req, resp, J_INVITE_USE, &req->who)))
        return SRV_HTTP_DONE;
    srv_auth_token_hash(req->params[0], j->token_hash);
    return pjob_submit(j);
}

static const struct srv_route project_routes[] = {
    {.method = "GET", .pattern = "/api/projects",
     .perm = SRV_LOGIN, .handler = h_projects_list},
    {.method = "POST", .pattern = "/api/projects",
     .perm = SRV_LOGIN, .handler = h_projects_create},
    {.method = "GET", .pattern = "/api/projects/{id}",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = h_project_get},
    {.method = "DELETE", .pattern = "/api/projects/{id}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_project_delete},
    {.method = "GET", .pattern = "/api/projects/{id}/members",
     .perm = SRV_MEMBER(SRV_ROLE_VIEWER), .handler = h_members_list},
    {.method = "PATCH", .pattern = "/api/projects/{id}/members/{user}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = member_change},
    {.method = "POST", .pattern = "/api/projects/{id}/members/{user}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = member_change},
    {.method = "DELETE", .pattern = "/api/projects/{id}/members/{user}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_member_delete},
    {.method = "POST", .pattern = "/api/projects/{id}/invites",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_invite_create},
    {.method = "GET", .pattern = "/api/projects/{id}/invites",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_invites_list},
    {.method = "DELETE", .pattern = "/api/projects/{id}/invites/{invite}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_invite_revoke},
    {.method = "POST", .pattern = "/api/invites/{token}",
     .perm = SRV_LOGIN, .handler = h_invite_use},
};

void srv_projects_http_register(void)
{
    srv_http_add_routes(project_routes, (int)(sizeof project_routes /
                                              sizeof project_routes[0]));
    srv_project_copy_http_register(); /* http_project_copy.c */
}
