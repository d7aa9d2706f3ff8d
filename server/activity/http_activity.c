/* http_activity.c -- the activity feed over HTTP:
 *   GET  /api/activity[?project=ID][&unread=1][&before=ID][&limit=N]
 *        -> {"items":[{id,kind,project,project_name,actor,ts,text,url,
 *            read}], "unread":N, "next_before":ID|null}, newest first, at
 *        most limit (default ACTIVITY_PAGE_DEFAULT, at most
 *        ACTIVITY_PAGE_MAX) items older than `before`;
 *   POST /api/activity/read {"upto": ID} -> {"ok":true,"marked":N,
 *        "unread":N}: marks the caller's items up to ID read (after
 *        commit), and tells the caller's sockets (activity.read).
 * Both for the signed-in user only: a user never sees another's items. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/activity/activity_priv.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/http.h"

/* Reads query parameter name as a whole number in [lo, hi] into *out
 * (untouched when absent). Returns -1 with resp filled when it is not. */
static int query_int(struct srv_http_req *req, struct srv_http_resp *resp,
                     const char *name, long long lo, long long hi,
                     long long *out)
{
    char buf[32], *end;
    long long v;

    if (!srv_http_query(req, name, buf, sizeof buf))
        return 0;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (!buf[0] || *end || errno || v < lo || v > hi) {
        srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                       "%s must be a whole number from %lld to %lld", name,
                       lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static enum srv_http_result h_list(struct srv_http_req *req,
                                   struct srv_http_resp *resp)
{
    char project[65] = "", unread[8] = "";
    long long before = -1, limit = ACTIVITY_PAGE_DEFAULT;
    bool has_project = srv_http_query(req, "project", project, sizeof project);

    if (has_project && !project[0])
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "project must be the id of a project");
    if (srv_http_query(req, "unread", unread, sizeof unread) &&
        strcmp(unread, "1") != 0 && strcmp(unread, "0") != 0)
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "unread must be 1 or 0");
    if (query_int(req, resp, "before", 1, INT64_MAX, &before) != 0 ||
        query_int(req, resp, "limit", 1, ACTIVITY_PAGE_MAX, &limit) != 0)
        return SRV_HTTP_DONE;

    db_stmt *st = NULL;
    /* raw: integer parameters between the text ones */
    if (db_prepare(req->srv->db,
                           "SELECT " ACTIVITY_COLS " FROM activity a LEFT"
                           " JOIN projects p ON p.id=a.project_id"
                           " WHERE a.user_id=?1 AND (CAST(?2 AS TEXT) IS NULL OR"
                           " a.project_id=?2) AND (?3=0 OR a.read=0) AND"
                           " (?4<0 OR a.id<?4) ORDER BY a.id DESC LIMIT ?5", &st) != DB_OK)
        return srv_http_error(resp, PROTO_INTERNAL, 500,
                              "the activity could not be read");
    db_bind_text(st, 1, req->who.id, -1, DB_STATIC);
    if (has_project)
        db_bind_text(st, 2, project, -1, DB_STATIC);
    else
        db_bind_null(st, 2);
    db_bind_int(st, 3, strcmp(unread, "1") == 0);
    db_bind_int64(st, 4, before);
    db_bind_int64(st, 5, limit);
    json_t *items = json_array();
    long long last = -1;
    while (db_step(st) == DB_ROW) {
        last = db_column_int64(st, 0);
        json_array_append_new(items, act_item_row(st));
    }
    db_finalize(st);
    json_t *next = (long long)json_array_size(items) == limit
                       ? json_integer(last)
                       : json_null();
    return srv_http_json(
        resp, 200,
        json_pack("{s:o, s:I, s:o}", "items", items, "unread",
                  (json_int_t)act_unread(req->srv->db, req->who.id,
                                         has_project ? project : NULL),
                  "next_before", next));
}

/* POST /api/activity/read: one write on behalf of one deferred request. */
struct read_job {
    struct srv_http_req *req;
    char user[64];
    long long upto;
    int marked;
};

static int read_write(db_conn *db, void *arg)
{
    struct read_job *j = arg;
    db_stmt *st = NULL;
    int rc;

    assert(store_on_writer_thread());
    if (db_prepare(db, "UPDATE activity SET read=1 WHERE user_id=?1"
                               " AND id<=?2 AND read=0", &st) != DB_OK)
        return -1;
    db_bind_text(st, 1, j->user, -1, DB_STATIC);
    db_bind_int64(st, 2, j->upto);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return -1;
    j->marked = db_changes(db);
    return 0;
}

static void read_done(void *arg, int status)
{
    struct read_job *j = arg;
    struct srv_server *srv = j->req->srv;
    struct srv_http_resp resp;

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    if (status != 0) {
        srv_http_error(&resp, PROTO_INTERNAL, 500,
                       "the read marks could not be stored");
    } else {
        srv_http_json(&resp, 200,
                      json_pack("{s:b, s:i, s:I}", "ok", 1, "marked",
                                j->marked, "unread",
                                (json_int_t)act_unread(srv->db, j->user,
                                                       NULL)));
        if (j->marked > 0)
            act_send_read(srv, j->user, j->upto);
    }
    srv_http_complete(j->req, &resp);
    free(j);
}

static enum srv_http_result h_read(struct srv_http_req *req,
                                   struct srv_http_resp *resp)
{
    json_t *body = srv_http_body_json(req, resp);
    struct read_job *j;

    if (!body)
        return SRV_HTTP_DONE;
    json_t *upto = json_object_get(body, "upto");
    if (!upto) {
        json_decref(body);
        return srv_http_error(resp, PROTO_BAD_REQUEST, 400,
                              "upto is missing: the id of the newest item "
                              "to mark read");
    }
    if (!json_is_integer(upto) || json_integer_value(upto) < 1) {
        json_decref(body);
        return srv_http_error(resp, PROTO_INVALID_VALUE, 400,
                              "upto must be the id of an activity item (a "
                              "whole number from 1)");
    }
    long long v = json_integer_value(upto);
    json_decref(body);
    if (!req->srv->writer)
        return srv_http_error(resp, PROTO_INTERNAL, 503,
                              "the store is not ready");
    j = calloc(1, sizeof *j);
    if (!j)
        return srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
    j->req = req;
    j->upto = v;
    snprintf(j->user, sizeof j->user, "%s", req->who.id);
    store_writer_submit(req->srv->writer, read_write, read_done, j);
    return SRV_HTTP_DEFER;
}

static const struct srv_route routes[] = {
    {.method = "GET", .pattern = "/api/activity", .perm = SRV_LOGIN,
     .handler = h_list},
    {.method = "POST", .pattern = "/api/activity/read", .perm = SRV_LOGIN,
     .handler = h_read},
};

void act_http_init(void)
{
    srv_http_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
