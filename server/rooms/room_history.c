/* room_history.c -- `history`: a page of the project's change log, newest
 * first, read from the ops table on the loop's reader connection (durable
 * revisions only; on a job-pool worker with a reader connection of its
 * own when there is a pool, the answer posted back to the requester if it
 * is still in the room: the loop never parses a page of up to 200 stored
 * pushes; MIXROOM_TEST_CATCHUP_ON_LOOP=1 or no pool: on the loop's reader
 * connection, the same bytes). Request {before?, limit?, user?}; answer
 * {"type":"history","id",entries:[{rev, kind, user, user_name, ts, summary,
 * ops, undo_of?, redo_of?}], "more": bool}. */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/core/store_stmt.h"
#include "server/rooms/room_priv.h"
#include "server/net/ws.h"

#define HISTORY_MAX 200
#define HISTORY_DEFAULT 50

const struct srv_ws_param room_history_params[] = {
    {.name = "before", .type = SRV_WS_INTEGER, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 1,
     .what = "a revision number from 1"},
    {.name = "limit", .type = SRV_WS_INTEGER, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 1, .max = HISTORY_MAX},
    {.name = "user", .type = SRV_WS_KEY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_BAD_REQUEST, .what = "a user id"},
    {.name = NULL}};

/* Two statements, so that the user filter can use the ops_user index
 * (project_id, user_id, rev) instead of scanning the project's log. */
#define HISTORY_COLS                                                        \
    "SELECT o.rev, o.kind, o.user_id, u.name, o.ts, o.summary, o.ops,"      \
    " o.undo_of, o.redo_of FROM ops o LEFT JOIN users u ON u.id=o.user_id"  \
    " WHERE o.project_id=?1 AND o.rev<?2"
#define HISTORY_SQL_USER HISTORY_COLS " AND o.user_id=?3 ORDER BY o.rev DESC LIMIT ?4"
#define HISTORY_SQL_ALL HISTORY_COLS " ORDER BY o.rev DESC LIMIT ?4"

/* The history answer (without id) read with st (HISTORY_SQL_USER when
 * user, else HISTORY_SQL_ALL; reset after), or NULL when the read failed.
 * Any thread owning st's connection. */
static json_t *history_read(db_stmt *st, const char *project_id,
                            long long before, long long limit,
                            const char *user)
{
    json_t *entries = json_array();
    bool more = false;
    int rc;

    db_bind_text(st, 1, project_id, -1, DB_STATIC);
    db_bind_int64(st, 2, before);
    if (user)
        db_bind_text(st, 3, user, -1, DB_STATIC);
    db_bind_int64(st, 4, limit + 1);
    while ((rc = db_step(st)) == DB_ROW) {
        if ((long long)json_array_size(entries) == limit) {
            more = true;
            break;
        }
        json_t *ops = json_loads(store_col_text(st, 6), 0, NULL);
        json_t *e = json_object();
        json_object_set_new(e, "rev", json_integer(db_column_int64(st, 0)));
        json_object_set_new(e, "kind", json_string(store_col_text(st, 1)));
        json_object_set_new(e, "user",
                            db_column_type(st, 2) == DB_NULL
                                ? json_null()
                                : json_string(store_col_text(st, 2)));
        json_object_set_new(e, "user_name",
                            db_column_type(st, 3) == DB_NULL
                                ? json_null()
                                : json_string(store_col_text(st, 3)));
        json_object_set_new(e, "ts", json_integer(db_column_int64(st, 4)));
        json_object_set_new(e, "summary", json_string(store_col_text(st, 5)));
        json_object_set_new(e, "ops", ops ? ops : json_array());
        if (db_column_type(st, 7) != DB_NULL)
            json_object_set_new(e, "undo_of",
                                json_integer(db_column_int64(st, 7)));
        if (db_column_type(st, 8) != DB_NULL)
            json_object_set_new(e, "redo_of",
                                json_integer(db_column_int64(st, 8)));
        json_array_append_new(entries, e);
    }
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE) {
        json_decref(entries);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:b}", "type", "history", "entries",
                     entries, "more", more);
}

/* A history page read on a worker (see the file comment). */
struct hjob {
    char project_id[64];
    char data_dir[4096];
    char synchronous[16];
    char user[64];           /* "" for every user */
    long long before, limit;
    json_t *id;              /* the request's id (a copy), or NULL */
    uint64_t serial;         /* the requester's connection */
    char *text;              /* the answer as srv_ws_send encodes it */
};

/* Worker thread: the page on the worker's kept reader, encoded as
 * srv_ws_send would (the id added, JSON_COMPACT). */
static void history_work(void *arg)
{
    struct hjob *j = arg;
    char err[256];
    db_conn *db = store_reader_get(j->data_dir, err, sizeof err);
    db_stmt *st = NULL;
    json_t *r = NULL;

    if (!db) {
        srv_err("history: %s", err);
        return;
    }
    if (db_prepare(db, j->user[0] ? HISTORY_SQL_USER : HISTORY_SQL_ALL,
                   &st) == DB_OK)
        r = history_read(st, j->project_id, j->before, j->limit,
                         j->user[0] ? j->user : NULL);
    else
        srv_err("history: %s", db_errmsg(db));
    db_finalize(st);
    store_reader_put(db, r != NULL);
    if (!r)
        return;
    if (j->id)
        json_object_set(r, "id", j->id);
    j->text = json_dumps(r, JSON_COMPACT);
    json_decref(r);
}

/* Loop thread: the answer to its requester if it is still in the
 * project's room. */
static void history_done(void *arg)
{
    struct hjob *j = arg;
    struct srv_conn *c;

    assert(srv_on_loop_thread());
    c = srv_room_requester(j->serial, j->project_id);
    if (c) {
        if (j->text)
            srv_ws_send_text(c, j->text, strlen(j->text));
        else
            srv_ws_error(c, j->id, PROTO_INTERNAL,
                         "the history could not be read");
    }
    json_decref(j->id);
    free(j->text);
    free(j);
}

/* Queues the page on a worker; -1 (nothing queued) without a pool, with
 * the test hook MIXROOM_TEST_CATCHUP_ON_LOOP, or when refused. */
static int history_submit(struct srv_conn *c, long long before,
                          long long limit, const char *user, json_t *id)
{
    struct srv_server *srv = c->srv;
    struct hjob *j;

    if (!srv->jobs || getenv("MIXROOM_TEST_CATCHUP_ON_LOOP") ||
        (user && strlen(user) >= sizeof j->user) ||
        !(j = calloc(1, sizeof *j)))
        return -1;
    snprintf(j->project_id, sizeof j->project_id, "%s", c->project_id);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", srv->cfg.data_dir);
    snprintf(j->synchronous, sizeof j->synchronous, "%s",
             srv->cfg.synchronous[0] ? srv->cfg.synchronous : "FULL");
    snprintf(j->user, sizeof j->user, "%s", user ? user : "");
    j->before = before;
    j->limit = limit;
    j->id = id ? json_deep_copy(id) : NULL;
    j->serial = c->serial;
    if ((id && !j->id) ||
        srv_jobs_submit(srv->jobs, history_work, history_done, j) != 0) {
        json_decref(j->id);
        free(j);
        return -1;
    }
    return 0;
}

int room_on_history(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct srv_room *room = c->room;
    long long before, limit;
    const char *user = NULL;

    if (!room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    before = srv_ws_arg_int(a, "before", room->committed + 1);
    if (before > room->committed + 1)
        before = room->committed + 1;
    limit = srv_ws_arg_int(a, "limit", HISTORY_DEFAULT);
    user = srv_ws_arg_str(a, "user");

    if (history_submit(c, before, limit, user, id) == 0)
        return 0; /* answered from the worker's done */
    db_stmt *st = room_reader_stmt(room->srv, user ? HISTORY_SQL_USER
                                                   : HISTORY_SQL_ALL);
    json_t *r = st ? history_read(st, room->project_id, before, limit, user)
                   : NULL;
    if (!r)
        return srv_ws_error(c, id, PROTO_INTERNAL,
                            "the history could not be read"), 0;
    srv_ws_send(c, r, id);
    return 0;
}
