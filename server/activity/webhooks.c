/* webhooks.c -- a project's webhooks over HTTP, and their deliveries:
 *   POST   /api/projects/{id}/webhooks {"url","events":[...],"secret"?}
 *          -> 201 {"webhook":{id,url,events,secret,created_at}} (owner);
 *          the secret is shown here only (made when none is given);
 *   GET    /api/projects/{id}/webhooks -> {"webhooks":[{id,url,events,
 *          created_at,deliveries:[{id,event,status,attempts,http_status,
 *          last_error,created_at,updated_at}]}]} (owner; the newest
 *          WH_LIST_DELIVERIES deliveries of each, newest first; the
 *          newest WH_KEEP_DELIVERIES are kept);
 *   DELETE /api/projects/{id}/webhooks/{hook} (owner).
 * Events: "comment" (comments and replies), "version" (new versions and
 * status changes), "take", "member" (added, changed, removed, joined).
 * For each event of the registry that a webhook wants, a delivery row
 * (pending) is written and the delivery queued on the worker
 * (webhook_worker.c); each attempt's result updates the row. A target is
 * checked (http/https, resolved, no private address unless
 * webhook_allow_private) off the loop at creation, and again at every
 * delivery. */
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/activity/activity_priv.h"
#include "server/activity/webhooks.h"
#include "server/core/events.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/http.h"

#define WH_MAX_PER_PROJECT 20
#define WH_SECRET_MIN 16
#define WH_SECRET_MAX 256
#define WH_URL_MAX 2000
#define WH_LIST_DELIVERIES 20
#define WH_KEEP_DELIVERIES 100   /* rows kept per webhook, newest */

static const char *const wh_events[] = {"comment", "version", "take",
                                        "member", NULL};

/* The webhook event of a registry event, or NULL (mentions travel as their
 * comment). */
static const char *event_of(const char *kind)
{
    if (!strcmp(kind, "comment") || !strcmp(kind, "reply"))
        return "comment";
    if (!strcmp(kind, "version") || !strcmp(kind, "status"))
        return "version";
    if (!strcmp(kind, "take"))
        return "take";
    if (!strcmp(kind, "member") || !strcmp(kind, "join"))
        return "member";
    return NULL;
}

static void complete(struct srv_http_req *req, int status, json_t *j,
                     proto_code code, const char *msg)
{
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (j)
        srv_http_json(&resp, status, j);
    else
        srv_http_error(&resp, code, status, "%s", msg);
    srv_http_complete(req, &resp);
}

/* ---- writes ---- */

enum wjob_kind { W_CREATE, W_DELETE, W_DELIVERY, W_RESULT };

struct wjob {
    enum wjob_kind kind;
    struct srv_http_req *req;   /* W_CREATE, W_DELETE */
    char id[128], project[128], user[64], event[16];
    char url[WH_URL_MAX + 1];
    char secret[WH_SECRET_MAX + 1];
    char *events;               /* JSON text (W_CREATE) */
    long long now;
    struct wh_result r;         /* W_RESULT */
    int changes;
};

static void wjob_free(struct wjob *j)
{
    sodium_memzero(j->secret, sizeof j->secret);
    free(j->events);
    free(j);
}

/* Writer thread. */
static int wjob_write(db_conn *db, void *arg)
{
    struct wjob *j = arg;
    db_stmt *st = NULL;
    const char *sql = NULL;
    int rc;

    assert(store_on_writer_thread());
    switch (j->kind) {
    case W_CREATE:
        sql = "INSERT INTO webhooks(id, project_id, url, events, secret,"
              " created_by, created_at) SELECT ?1,?2,?3,?4,?5,?6,?7 WHERE"
              " (SELECT count(*) FROM webhooks WHERE project_id=?2) < ?8";
        break;
    case W_DELETE:
        sql = "DELETE FROM webhooks WHERE id=?1 AND project_id=?2";
        break;
    case W_DELIVERY:
        sql = "INSERT INTO webhook_deliveries(id, webhook_id, event, status,"
              " created_at, updated_at) VALUES(?1,?2,?3,'pending',?4,?4)";
        break;
    case W_RESULT:
        sql = "UPDATE webhook_deliveries SET status=?2, attempts=?3,"
              " http_status=?4, last_error=?5, updated_at=?6 WHERE id=?1";
        break;
    }
    /* raw: integer and nullable parameters */
    if (db_prepare(db, sql, &st) != DB_OK) {
        srv_err("webhooks: %s", db_errmsg(db));
        return -1;
    }
    switch (j->kind) {
    case W_CREATE:
        db_bind_text(st, 1, j->id, -1, DB_STATIC);
        db_bind_text(st, 2, j->project, -1, DB_STATIC);
        db_bind_text(st, 3, j->url, -1, DB_STATIC);
        db_bind_text(st, 4, j->events, -1, DB_STATIC);
        db_bind_text(st, 5, j->secret, -1, DB_STATIC);
        db_bind_text(st, 6, j->user, -1, DB_STATIC);
        db_bind_int64(st, 7, j->now);
        db_bind_int(st, 8, WH_MAX_PER_PROJECT);
        break;
    case W_DELETE:
        db_bind_text(st, 1, j->id, -1, DB_STATIC);
        db_bind_text(st, 2, j->project, -1, DB_STATIC);
        break;
    case W_DELIVERY:
        db_bind_text(st, 1, j->id, -1, DB_STATIC);
        db_bind_text(st, 2, j->url, -1, DB_STATIC); /* webhook id */
        db_bind_text(st, 3, j->event, -1, DB_STATIC);
        db_bind_int64(st, 4, j->now);
        break;
    case W_RESULT:
        db_bind_text(st, 1, j->r.delivery, -1, DB_STATIC);
        db_bind_text(st, 2, j->r.status, -1, DB_STATIC);
        db_bind_int(st, 3, j->r.attempts);
        if (j->r.http_status)
            db_bind_int64(st, 4, j->r.http_status);
        if (j->r.error[0])
            db_bind_text(st, 5, j->r.error, -1, DB_STATIC);
        db_bind_int64(st, 6, j->now);
        break;
    }
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) {
        srv_err("webhooks: %s", db_errmsg(db));
        return -1;
    }
    j->changes = db_changes(db);
    if (j->kind == W_DELIVERY) {
        /* keep the newest WH_KEEP_DELIVERIES rows of the webhook */
        st = NULL;
        rc = db_prepare(
            db, "DELETE FROM webhook_deliveries WHERE webhook_id=?1 AND"
                " rowid <= (SELECT rowid FROM webhook_deliveries WHERE"
                " webhook_id=?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2)", &st);
        if (rc == DB_OK) {
            db_bind_text(st, 1, j->url, -1, DB_STATIC);
            db_bind_int(st, 2, WH_KEEP_DELIVERIES);
            rc = db_step(st);
        }
        db_finalize(st);
        if (rc != DB_DONE) {
            srv_err("webhooks: trimming deliveries: %s", db_errmsg(db));
            return -1;
        }
    }
    return 0;
}

/* Loop thread, after commit. */
static void wjob_done(void *arg, int status)
{
    struct wjob *j = arg;

    if (j->kind == W_CREATE) {
        if (status != 0)
            complete(j->req, 500, NULL, PROTO_INTERNAL,
                     "the webhook could not be stored");
        else if (j->changes != 1)
            complete(j->req, 409, NULL, PROTO_CONFLICT,
                     "a project has at most 20 webhooks; delete one first");
        else
            complete(j->req, 201,
                     json_pack("{s:{s:s, s:s, s:o, s:s, s:I}}", "webhook",
                               "id", j->id, "url", j->url, "events",
                               json_loads(j->events, 0, NULL), "secret",
                               j->secret, "created_at", (json_int_t)j->now),
                     PROTO_OK, NULL);
    } else if (j->kind == W_DELETE) {
        if (status != 0)
            complete(j->req, 500, NULL, PROTO_INTERNAL,
                     "the webhook could not be deleted");
        else if (j->changes != 1)
            complete(j->req, 404, NULL, PROTO_NOT_FOUND,
                     "the project has no such webhook");
        else
            complete(j->req, 200, json_pack("{s:b}", "ok", 1), PROTO_OK,
                     NULL);
    }
    wjob_free(j);
}

static void wjob_submit(struct srv_server *srv, struct wjob *j)
{
    store_writer_submit(srv->writer, wjob_write, wjob_done, j);
}

void wh_record_result(struct srv_server *srv, const struct wh_result *r)
{
    struct wjob *j;

    assert(srv_on_loop_thread());
    if (strcmp(r->status, "delivered") != 0)
        srv_warn("webhooks: delivery %s attempt %d: %s", r->delivery,
                 r->attempts, r->error);
    if (!srv->writer || !(j = calloc(1, sizeof *j)))
        return;
    j->kind = W_RESULT;
    j->r = *r;
    j->now = store_now_ms();
    wjob_submit(srv, j);
}

/* ---- the routes ---- */

/* The checked request body of a create; NULL with resp filled. */
static struct wjob *parse_create(struct srv_http_req *req,
                                 struct srv_http_resp *resp)
{
    json_t *body = srv_http_body_json(req, resp);
    struct wjob *j = NULL;
    struct srv_wh_target t;
    char err[256];

    if (!body)
        return NULL;
    json_t *url = json_object_get(body, "url");
    json_t *events = json_object_get(body, "events");
    json_t *secret = json_object_get(body, "secret");
    if (!url) {
        srv_http_error(resp, PROTO_BAD_REQUEST, 400,
                       "url is missing: the http or https address to POST "
                       "the events to");
        goto out;
    }
    if (!json_is_string(url) || srv_wh_parse_url(json_string_value(url), &t,
                                                 err, sizeof err) != 0) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400, "%s",
                       json_is_string(url) ? err : "url must be a string");
        goto out;
    }
    if (!json_is_array(events) || json_array_size(events) == 0) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "events must be a non-empty list of comment, "
                       "version, take, member");
        goto out;
    }
    size_t i, k;
    json_t *v;
    json_array_foreach(events, i, v) {
        const char *e = json_string_value(v);
        bool known = false;
        for (k = 0; e && wh_events[k]; k++)
            known = known || !strcmp(e, wh_events[k]);
        for (k = 0; known && k < i; k++)
            if (json_equal(json_array_get(events, k), v))
                known = false;
        if (!known) {
            srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                           "events[%zu] must be one of comment, version, "
                           "take, member (each once)", i);
            goto out;
        }
    }
    if (secret && !json_is_null(secret) &&
        (!json_is_string(secret) ||
         json_string_length(secret) < WH_SECRET_MIN ||
         json_string_length(secret) > WH_SECRET_MAX)) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "secret must be a string of %d to %d bytes",
                       WH_SECRET_MIN, WH_SECRET_MAX);
        goto out;
    }
    if (!req->srv->writer) {
        srv_http_error(resp, PROTO_INTERNAL, 503, "the store is not ready");
        goto out;
    }
    if (!(j = calloc(1, sizeof *j))) {
        srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
        goto out;
    }
    j->kind = W_CREATE;
    j->req = req;
    store_new_id(j->id, sizeof j->id, "wh_");
    snprintf(j->project, sizeof j->project, "%s", req->project_id);
    snprintf(j->user, sizeof j->user, "%s", req->who.id);
    snprintf(j->url, sizeof j->url, "%s", json_string_value(url));
    if (json_is_string(secret)) {
        snprintf(j->secret, sizeof j->secret, "%s", json_string_value(secret));
    } else {
        unsigned char raw[24];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(j->secret, sizeof j->secret, raw, sizeof raw);
    }
    j->events = json_dumps(events, JSON_COMPACT);
    j->now = store_now_ms();
out:
    json_decref(body);
    return j;
}

/* Loop thread: the worker checked the target. */
static void create_checked(void *arg, const char *err)
{
    struct wjob *j = arg;

    if (err) {
        complete(j->req, 400, NULL, PROTO_INVALID_VALUE, err);
        wjob_free(j);
        return;
    }
    wjob_submit(j->req->srv, j);
}

static enum srv_http_result h_create(struct srv_http_req *req,
                                     struct srv_http_resp *resp)
{
    struct wjob *j = parse_create(req, resp);

    if (!j)
        return SRV_HTTP_DONE;
    wh_worker_check(j->url, create_checked, j);
    return SRV_HTTP_DEFER;
}

static json_t *deliveries_of(db_conn *db, const char *hook)
{
    json_t *out = json_array();
    db_stmt *st;

    /* raw: an integer limit */
    if (db_prepare(db, "SELECT id, event, status, attempts,"
                               " http_status, last_error, created_at,"
                               " updated_at FROM webhook_deliveries WHERE"
                               " webhook_id=?1 ORDER BY created_at DESC,"
                               " rowid DESC LIMIT ?2", &st) != DB_OK)
        return out;
    db_bind_text(st, 1, hook, -1, DB_STATIC);
    db_bind_int(st, 2, WH_LIST_DELIVERIES);
    while (db_step(st) == DB_ROW)
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:I, s:I}", "id",
                           store_col_text(st, 0), "event",
                           store_col_text(st, 1), "status",
                           store_col_text(st, 2), "attempts",
                           db_column_int(st, 3), "http_status",
                           store_col_json_int(st, 4), "last_error",
                           store_col_json_text(st, 5), "created_at",
                           (json_int_t)db_column_int64(st, 6),
                           "updated_at",
                           (json_int_t)db_column_int64(st, 7)));
    db_finalize(st);
    return out;
}

static enum srv_http_result h_list(struct srv_http_req *req,
                                   struct srv_http_resp *resp)
{
    db_stmt *st = store_prepare(
        req->srv->db, "SELECT id, url, events, created_at FROM webhooks"
                      " WHERE project_id=? ORDER BY created_at, id",
        STORE_ARGS(req->project_id), NULL, 0);
    json_t *list = json_array();

    if (!st) {
        json_decref(list);
        return srv_http_error(resp, PROTO_INTERNAL, 500,
                              "the webhooks could not be read");
    }
    while (db_step(st) == DB_ROW) {
        json_t *ev = json_loads(store_col_text(st, 2), 0, NULL);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:I, s:o}", "id",
                            store_col_text(st, 0), "url",
                            store_col_text(st, 1), "events",
                            ev ? ev : json_array(), "created_at",
                            (json_int_t)db_column_int64(st, 3),
                            "deliveries",
                            deliveries_of(req->srv->db,
                                          store_col_text(st, 0))));
    }
    db_finalize(st);
    return srv_http_json(resp, 200, json_pack("{s:o}", "webhooks", list));
}

static enum srv_http_result h_delete(struct srv_http_req *req,
                                     struct srv_http_resp *resp)
{
    struct wjob *j;

    if (!req->srv->writer)
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the store is not ready");
    if (!(j = calloc(1, sizeof *j)))
        return srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
    j->kind = W_DELETE;
    j->req = req;
    snprintf(j->id, sizeof j->id, "%s", req->params[1]);
    snprintf(j->project, sizeof j->project, "%s", req->project_id);
    wh_worker_cancel(j->id);
    wjob_submit(req->srv, j);
    return SRV_HTTP_DEFER;
}

/* ---- events ---- */

static void on_event(struct srv_server *srv, const struct srv_event *ev,
                     void *arg)
{
    const char *event = event_of(ev->kind);
    char pname[256] = "";

    (void)arg;
    assert(srv_on_loop_thread());
    if (!event || !srv->writer || !srv->db)
        return;
    db_stmt *st = store_prepare(
        srv->db, "SELECT id, url, events, secret FROM webhooks WHERE"
                 " project_id=? ORDER BY created_at, id",
        STORE_ARGS(ev->project), NULL, 0);
    if (!st)
        return;
    store_query_text(srv->db, "SELECT name FROM projects WHERE id=?",
                     STORE_ARGS(ev->project), pname, sizeof pname, NULL, 0);
    while (db_step(st) == DB_ROW) {
        json_t *want = json_loads(store_col_text(st, 2), 0, NULL);
        bool wanted = false;
        size_t i;
        json_t *v;
        json_array_foreach(want, i, v) wanted =
            wanted || (json_is_string(v) && !strcmp(json_string_value(v),
                                                     event));
        json_decref(want);
        if (!wanted)
            continue;
        struct wjob *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->kind = W_DELIVERY;
        store_new_id(j->id, sizeof j->id, "wd_");
        snprintf(j->url, sizeof j->url, "%s", store_col_text(st, 0));
        snprintf(j->event, sizeof j->event, "%s", event);
        j->now = store_now_ms();
        json_t *body = json_pack(
            "{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:o, s:o}, s:o, s:o, s:o,"
            " s:I}",
            "delivery", j->id, "event", event, "kind", ev->kind, "project",
            "id", ev->project, "name", pname, "actor", "id",
            ev->actor ? json_string(ev->actor) : json_null(), "name",
            ev->actor_name ? json_string(ev->actor_name) : json_null(),
            "target", ev->target ? json_string(ev->target) : json_null(),
            "at_frame", ev->at_frame >= 0 ? json_integer(ev->at_frame)
                                          : json_null(),
            "text", ev->text ? json_string(ev->text) : json_null(), "ts",
            (json_int_t)j->now);
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        if (!text) {
            wjob_free(j);
            continue;
        }
        char hook[32], url[WH_URL_MAX + 1], secret[WH_SECRET_MAX + 1];
        snprintf(hook, sizeof hook, "%s", store_col_text(st, 0));
        snprintf(url, sizeof url, "%s", store_col_text(st, 1));
        snprintf(secret, sizeof secret, "%s", store_col_text(st, 3));
        char delivery[128];
        snprintf(delivery, sizeof delivery, "%s", j->id);
        wjob_submit(srv, j); /* the pending row, before any result */
        wh_worker_deliver(delivery, hook, event, url, secret, text);
        sodium_memzero(secret, sizeof secret);
        free(text);
    }
    db_finalize(st);
}

static int on_start(struct srv_server *srv)
{
    return wh_worker_start(srv);
}

static void on_stop(struct srv_server *srv)
{
    wh_worker_stop(srv);
}

static const struct srv_route routes[] = {
    {.method = "POST", .pattern = "/api/projects/{id}/webhooks",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_create},
    {.method = "GET", .pattern = "/api/projects/{id}/webhooks",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_list},
    {.method = "DELETE", .pattern = "/api/projects/{id}/webhooks/{hook}",
     .perm = SRV_MEMBER(SRV_ROLE_OWNER), .handler = h_delete},
};

void act_webhooks_init(void)
{
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
    srv_event_subscribe(on_event, NULL);
    srv_loop_on_start(on_start);
    srv_loop_on_stop(on_stop);
}
