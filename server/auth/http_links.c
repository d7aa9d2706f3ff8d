/* http_links.c -- share links over HTTP (docs/review.md "Share links and
 * guests", docs/protocol.md):
 *   POST /api/projects/{id}/links        (owner) create; the token and URL
 *                                        are in this answer only
 *   GET  /api/projects/{id}/links        (owner) list, with uses, guests
 *                                        and downloads
 *   DELETE /api/projects/{id}/links/{link} (owner) revoke: the link's guest
 *                                        sockets close with 4403 at once,
 *                                        their sessions are deleted
 *   GET  /api/links/{token}              (public) what the guest page shows
 *                                        before a session: label, rights,
 *                                        whether a password is needed
 *   POST /api/links/{token}/session      (public) {"name","password"}: a
 *                                        guest session (one use)
 *   GET  /api/guest                      (a guest session) its link again
 * Link passwords are hashed (crypto_pwhash_str) and checked on the engine
 * worker pool, never on the loop; failed passwords count against the
 * login rate limit (per link and per client address). Every write goes
 * through the writer; answers are sent after the commit. No global state. */
#include "server/auth/links.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth_internal.h"
#include "server/core/events.h"
#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/http.h"

enum ljob_kind { LJ_CREATE, LJ_REVOKE, LJ_SESSION };

/* One request on its way through the workers and the writer. */
struct ljob {
    enum ljob_kind kind;
    struct srv_http_req *req;
    struct srv_server *srv;
    struct srv_link link;
    char user_id[64];                 /* who asks (owner), or the new guest */
    char name[SRV_GUEST_NAME_MAX * 4 + 1];
    char password[SRV_PASSWORD_MAX + 1];
    bool pw_ok;
    char token[SRV_TOKEN_LEN + 1];
    unsigned char token_hash[SRV_TOKEN_HASH_LEN];
    char limit_key[64];               /* rate-limit name of the link */
    long long now, expires, max_links;
    /* results */
    proto_code rc;
    enum srv_link_state state;
    char err[256];
};

static void ljob_free(struct ljob *j)
{
    sodium_memzero(j, sizeof *j);
    free(j);
}

static void complete_json(struct srv_http_req *req, int status, json_t *o)
{
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    srv_http_json(&resp, status, o);
    srv_http_complete(req, &resp);
}

/* {"code","message"} plus "reason" (a link state) when it is not active. */
static json_t *err_json(proto_code code, const char *msg,
                        enum srv_link_state state)
{
    json_t *o = json_pack("{s:s, s:s}", "code", proto_code_name(code),
                          "message", msg);

    if (state != SRV_LINK_ACTIVE)
        json_object_set_new(o, "reason",
                            json_string(srv_link_state_name(state)));
    return o;
}

/* The status of a link that cannot be used: 410 once it is over. */
static int state_status(enum srv_link_state s)
{
    return s == SRV_LINK_ACTIVE ? 200 : 410;
}

static void refuse_state(struct srv_http_resp *resp, enum srv_link_state s)
{
    srv_http_json(resp, state_status(s),
                  err_json(PROTO_FORBIDDEN, srv_link_state_message(s), s));
}

/* ---- the writer's part ---- */

static int ljob_write(db_conn *db, void *arg)
{
    struct ljob *j = arg;

    assert(store_on_writer_thread());
    switch (j->kind) {
    case LJ_CREATE:
        j->rc = srv_linkdb_insert(db, &j->link, j->user_id, j->token_hash,
                                  j->max_links, j->err, sizeof j->err);
        break;
    case LJ_REVOKE:
        j->rc = srv_linkdb_revoke(db, j->link.project_id, j->link.id, j->now,
                                  j->err, sizeof j->err);
        if (j->rc == PROTO_OK && srv_auth_remote_close(db, "link_revoked",
                                                       j->link.project_id,
                                                       j->link.id) != 0)
            j->rc = PROTO_INTERNAL; /* other nodes' sockets: the event */
        break;
    case LJ_SESSION:
        j->rc = srv_linkdb_guest_start(db, j->link.id, j->user_id, j->name,
                                       j->token_hash, j->now, j->expires,
                                       &j->state, j->err, sizeof j->err);
        break;
    }
    return j->rc == PROTO_OK ? 0 : -1;
}

/* The guest's view of its link: what the page needs, nothing else. */
static json_t *guest_view(const struct srv_link *l)
{
    json_t *o = srv_link_json(NULL, l, store_now_ms());

    json_object_del(o, "uses");
    json_object_del(o, "max_uses");
    json_object_del(o, "created_at");
    json_object_del(o, "revoked_at");
    json_object_set_new(o, "project_name", json_string(l->project_name));
    return o;
}

static void emit_join(struct ljob *j)
{
    char display[SRV_GUEST_NAME_MAX * 4 + 16], text[1200];
    struct srv_event ev = {0};

    snprintf(display, sizeof display, "%s (guest)", j->name);
    snprintf(text, sizeof text, "%s opened the share link%s%s%s", display,
             j->link.label[0] ? " \"" : "", j->link.label,
             j->link.label[0] ? "\"" : "");
    ev.kind = "join";
    ev.project = j->link.project_id;
    ev.actor = NULL; /* a guest has no account */
    ev.actor_name = display;
    ev.target = j->link.id;
    ev.at_frame = -1;
    ev.text = text;
    srv_event_emit(j->srv, &ev);
}

static void ljob_done(void *arg, int status)
{
    struct ljob *j = arg;
    char url[128], display[SRV_GUEST_NAME_MAX * 4 + 16];

    if (j->rc != PROTO_OK || status != 0) {
        proto_code code = j->rc != PROTO_OK ? j->rc : PROTO_INTERNAL;
        int http = j->state != SRV_LINK_ACTIVE ? state_status(j->state)
                                               : proto_code_http_status(code);
        complete_json(j->req, http,
                      err_json(code, j->err[0] ? j->err
                                               : "the change could not be "
                                                 "stored", j->state));
        goto out;
    }
    switch (j->kind) {
    case LJ_CREATE: {
        json_t *o = srv_link_json(j->srv->db, &j->link, store_now_ms());
        snprintf(url, sizeof url, "/l/%s", j->token);
        json_object_set_new(o, "token", json_string(j->token));
        json_object_set_new(o, "url", json_string(url));
        srv_info("links: %s created share link %s of project %s", j->user_id,
                 j->link.id, j->link.project_id);
        complete_json(j->req, 201, json_pack("{s:o}", "link", o));
        break;
    }
    case LJ_REVOKE: {
        int n = srv_guest_close_link(j->srv->db, j->link.id);
        srv_info("links: share link %s of project %s revoked (%d guest "
                 "sockets closed)", j->link.id, j->link.project_id, n);
        complete_json(j->req, 200, json_pack("{s:b}", "ok", 1));
        break;
    }
    case LJ_SESSION:
        snprintf(display, sizeof display, "%s (guest)", j->name);
        srv_info("links: guest %s started a session on link %s",
                 j->user_id, j->link.id);
        emit_join(j);
        complete_json(
            j->req, 200,
            json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:b}, s:o, s:I}",
                      "token", j->token, "project", j->link.project_id,
                      "user", "id", j->user_id, "name", j->name,
                      "display_name", display, "guest", 1, "link",
                      guest_view(&j->link), "expires_at",
                      (json_int_t)j->expires));
        break;
    }
out:
    ljob_free(j);
}

static enum srv_http_result ljob_submit(struct ljob *j,
                                        struct srv_http_resp *resp)
{
    if (!j->srv->writer) {
        ljob_free(j);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the store is not ready");
    }
    store_writer_submit((struct store_writer *)j->srv->writer, ljob_write,
                        ljob_done, j);
    return SRV_HTTP_DEFER;
}

static struct ljob *ljob_new(struct srv_http_req *req,
                             struct srv_http_resp *resp, enum ljob_kind kind)
{
    struct ljob *j = calloc(1, sizeof *j);

    if (!j) {
        srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
        return NULL;
    }
    j->kind = kind;
    j->req = req;
    j->srv = req->srv;
    j->now = store_now_ms();
    return j;
}

/* ---- password work on the engine pool ---- */

static void hash_work(void *arg)
{
    struct ljob *j = arg;

    if (srv_auth_hash_password(j->password, j->link.pw_hash) != 0)
        j->link.pw_hash[0] = '\0';
    sodium_memzero(j->password, sizeof j->password);
}

static void hash_done(void *arg)
{
    struct ljob *j = arg;

    if (!j->link.pw_hash[0]) {
        complete_json(j->req, 500,
                      err_json(PROTO_INTERNAL, "could not hash the password",
                               SRV_LINK_ACTIVE));
        ljob_free(j);
        return;
    }
    struct srv_http_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (ljob_submit(j, &resp) != SRV_HTTP_DEFER)
        srv_http_complete(j->req, &resp);
}

static void verify_work(void *arg)
{
    struct ljob *j = arg;

    j->pw_ok = srv_auth_verify_password(j->link.pw_hash, j->password);
    sodium_memzero(j->password, sizeof j->password);
}

static void verify_done(void *arg)
{
    struct ljob *j = arg;
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (!j->pw_ok) {
        srv_auth_limit_fail(j->req, j->limit_key);
        srv_info("links: wrong password for share link %s", j->link.id);
        complete_json(j->req, 401,
                      err_json(PROTO_UNAUTHORIZED,
                               "wrong password: this share link needs its "
                               "password", SRV_LINK_ACTIVE));
        ljob_free(j);
        return;
    }
    srv_auth_limit_clear(j->req, j->limit_key);
    if (ljob_submit(j, &resp) != SRV_HTTP_DEFER)
        srv_http_complete(j->req, &resp);
}

/* Runs work then done on the engine pool; on failure answers 503. */
static enum srv_http_result on_pool(struct ljob *j, srv_job_fn work,
                                    srv_job_fn done,
                                    struct srv_http_resp *resp)
{
    if (!j->srv->jobs ||
        srv_jobs_submit((struct srv_jobs *)j->srv->jobs, work, done, j) != 0) {
        ljob_free(j);
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "passwords cannot be checked right now");
    }
    return SRV_HTTP_DEFER;
}

/* ---- create ---- */

/* The version a create names: its name and revision from the database;
 * false with resp filled (400) when the project has no such version. */
static bool find_version(struct srv_http_req *req, struct srv_link *l,
                         struct srv_http_resp *resp)
{
    db_stmt *st;
    bool found = false;

    st = store_prepare(req->srv->db,
                       "SELECT name, rev FROM versions WHERE id = ?1"
                       " AND project_id = ?2",
                       STORE_ARGS(l->version_id, l->project_id), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        found = true;
        store_col_copy(l->version_name, sizeof l->version_name, st, 0);
        l->version_rev = db_column_int64(st, 1);
    }
    db_finalize(st);
    if (!found)
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "version: this project has no version %.64s",
                       l->version_id);
    return found;
}

static enum srv_http_result h_link_create(struct srv_http_req *req,
                                          struct srv_http_resp *resp)
{
    json_t *body;
    struct ljob *j;
    char err[256];
    enum srv_http_result r = SRV_HTTP_DONE;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    if (!(j = ljob_new(req, resp, LJ_CREATE)))
        goto out;
    snprintf(j->link.project_id, sizeof j->link.project_id, "%s",
             req->params[0]);
    if (srv_link_parse_create(body, &j->link, j->password,
                              sizeof j->password, err, sizeof err) !=
            PROTO_OK) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400, "%s", err);
        ljob_free(j);
        goto out;
    }
    if (j->link.version_id[0] && !find_version(req, &j->link, resp)) {
        ljob_free(j);
        goto out;
    }
    snprintf(j->user_id, sizeof j->user_id, "%s", req->who.id);
    store_new_id(j->link.id, sizeof j->link.id, "l_");
    j->link.created_at = j->now;
    j->max_links = req->srv->cfg.links_per_project > 0
                       ? req->srv->cfg.links_per_project : 200;
    srv_auth_token_new(j->token);
    srv_auth_token_hash(j->token, j->token_hash);
    r = j->password[0] ? on_pool(j, hash_work, hash_done, resp)
                       : ljob_submit(j, resp);
out:
    json_decref(body);
    return r;
}

/* ---- list, revoke ---- */

static enum srv_http_result h_links_list(struct srv_http_req *req,
                                         struct srv_http_resp *resp)
{
    db_stmt *st;
    json_t *list = json_array();
    long long now = store_now_ms();

    st = store_prepare(req->srv->db,
                       "SELECT id FROM links WHERE project_id = ?1"
                       " ORDER BY created_at DESC, id",
                       STORE_ARGS(req->params[0]), NULL, 0);
    if (!st) {
        json_decref(list);
        return srv_http_error(resp, PROTO_INTERNAL, 500,
                              "could not read the share links");
    }
    while (db_step(st) == DB_ROW) {
        struct srv_link l;
        if (srv_link_by_id(req->srv->db, req->params[0],
                           store_col_text(st, 0), &l) == 0)
            json_array_append_new(list, srv_link_json(req->srv->db, &l, now));
    }
    db_finalize(st);
    return srv_http_json(resp, 200, json_pack("{s:o}", "links", list));
}

static enum srv_http_result h_link_revoke(struct srv_http_req *req,
                                          struct srv_http_resp *resp)
{
    struct ljob *j;

    if (srv_link_by_id(req->srv->db, req->params[0], req->params[1],
                       &(struct srv_link){0}) != 0)
        return srv_http_error(resp, PROTO_NOT_FOUND, 404,
                              "project %s has no share link %s",
                              req->params[0], req->params[1]);
    if (!(j = ljob_new(req, resp, LJ_REVOKE)))
        return SRV_HTTP_DONE;
    snprintf(j->link.project_id, sizeof j->link.project_id, "%s",
             req->params[0]);
    snprintf(j->link.id, sizeof j->link.id, "%s", req->params[1]);
    /* Closed at once (and again after the commit, for a socket that said
     * hello meanwhile); the sessions go with the write. */
    srv_guest_close_link(req->srv->db, j->link.id);
    return ljob_submit(j, resp);
}

/* ---- the guest's side ---- */

/* The link of the token in req->params[0]; false with resp filled (404). */
static bool link_of_token(struct srv_http_req *req, struct srv_link *l,
                          struct srv_http_resp *resp)
{
    unsigned char hash[SRV_TOKEN_HASH_LEN];

    if (srv_auth_token_wellformed(req->params[0])) {
        srv_auth_token_hash(req->params[0], hash);
        if (srv_link_by_hash(req->srv->db, hash, l) == 0)
            return true;
    }
    srv_http_error(resp, PROTO_NOT_FOUND, 404,
                   "no such share link (check the address)");
    return false;
}

static enum srv_http_result h_link_info(struct srv_http_req *req,
                                        struct srv_http_resp *resp)
{
    struct srv_link l;
    enum srv_link_state s;

    if (!link_of_token(req, &l, resp))
        return SRV_HTTP_DONE;
    s = srv_link_state(&l, store_now_ms());
    if (s != SRV_LINK_ACTIVE) {
        refuse_state(resp, s);
        return SRV_HTTP_DONE;
    }
    return srv_http_json(resp, 200, json_pack("{s:o}", "link", guest_view(&l)));
}

static enum srv_http_result h_link_session(struct srv_http_req *req,
                                           struct srv_http_resp *resp)
{
    json_t *body;
    struct ljob *j = NULL;
    enum srv_link_state s;
    bool has_pw = false;
    char err[256];
    enum srv_http_result r = SRV_HTTP_DONE;
    long long hours;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    if (!(j = ljob_new(req, resp, LJ_SESSION)))
        goto out;
    if (srv_link_parse_session(body, j->name, sizeof j->name, j->password,
                               sizeof j->password, &has_pw, err,
                               sizeof err) != PROTO_OK) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400, "%s", err);
        goto out;
    }
    if (!link_of_token(req, &j->link, resp))
        goto out;
    s = srv_link_state(&j->link, j->now);
    if (s != SRV_LINK_ACTIVE) {
        refuse_state(resp, s);
        goto out;
    }
    store_new_id(j->user_id, sizeof j->user_id, SRV_GUEST_ID_PREFIX);
    srv_auth_token_new(j->token);
    srv_auth_token_hash(j->token, j->token_hash);
    hours = req->srv->cfg.guest_session_hours > 0
                ? req->srv->cfg.guest_session_hours : 168;
    j->expires = j->now + hours * 3600000LL;
    if (j->link.expires_at && j->link.expires_at < j->expires)
        j->expires = j->link.expires_at;
    if (!j->link.pw_hash[0]) {
        r = ljob_submit(j, resp);
        j = NULL;
        goto out;
    }
    snprintf(j->limit_key, sizeof j->limit_key, "link:%s", j->link.id);
    if (srv_auth_limit_check(req, j->limit_key, resp) != 0)
        goto out;
    if (!has_pw) {
        srv_http_json(resp, 401,
                      err_json(PROTO_UNAUTHORIZED,
                               "this share link needs a password: send it "
                               "as \"password\"", SRV_LINK_ACTIVE));
        goto out;
    }
    r = on_pool(j, verify_work, verify_done, resp);
    j = NULL;
out:
    if (j)
        ljob_free(j);
    json_decref(body);
    return r;
}

static enum srv_http_result h_guest_me(struct srv_http_req *req,
                                       struct srv_http_resp *resp)
{
    struct srv_guest g;
    char display[SRV_GUEST_NAME_MAX * 4 + 16];

    if (srv_guest_by_user(req->srv->db, req->who.id, &g) != 0)
        return srv_http_error(resp, PROTO_NOT_FOUND, 404,
                              "this is not a guest session of a share link");
    snprintf(display, sizeof display, "%s (guest)", g.name);
    return srv_http_json(
        resp, 200,
        json_pack("{s:s, s:{s:s, s:s, s:s, s:b}, s:o}", "project",
                  g.link.project_id, "user", "id", g.user_id, "name", g.name,
                  "display_name", display, "guest", 1, "link",
                  guest_view(&g.link)));
}

static const struct srv_route link_routes[] = {
    {.method = "POST", .pattern = "/api/projects/{id}/links",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_link_create},
    {.method = "GET", .pattern = "/api/projects/{id}/links",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_links_list},
    {.method = "DELETE", .pattern = "/api/projects/{id}/links/{link}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_link_revoke},
    {.method = "GET", .pattern = "/api/links/{token}", .perm = SRV_PUBLIC,
     .handler = h_link_info},
    {.method = "POST", .pattern = "/api/links/{token}/session",
     .perm = SRV_PUBLIC, .handler = h_link_session},
    {.method = "GET", .pattern = "/api/guest", .perm = SRV_LOGIN,
     .handler = h_guest_me},
};

void srv_links_http_register(void)
{
    srv_http_add_routes(link_routes,
                        (int)(sizeof link_routes / sizeof link_routes[0]));
}
