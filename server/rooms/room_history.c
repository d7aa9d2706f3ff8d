/* room_history.c -- `history`: a page of the project's change log, newest
 * first, read from the ops table on the loop's reader connection (durable
 * revisions only). Request {before?, limit?, user?}; answer
 * {"type":"history","id",entries:[{rev, kind, user, user_name, ts, summary,
 * ops, undo_of?, redo_of?}], "more": bool}. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

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

int room_on_history(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct srv_room *room = c->room;
    long long before, limit;
    const char *user = NULL;
    int rc;

    if (!room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    before = srv_ws_arg_int(a, "before", room->committed + 1);
    if (before > room->committed + 1)
        before = room->committed + 1;
    limit = srv_ws_arg_int(a, "limit", HISTORY_DEFAULT);
    user = srv_ws_arg_str(a, "user");

    /* Two statements, so that the user filter can use the ops_user index
     * (project_id, user_id, rev) instead of scanning the project's log. */
#define HISTORY_COLS                                                        \
    "SELECT o.rev, o.kind, o.user_id, u.name, o.ts, o.summary, o.ops,"      \
    " o.undo_of, o.redo_of FROM ops o LEFT JOIN users u ON u.id=o.user_id"  \
    " WHERE o.project_id=?1 AND o.rev<?2"
    db_stmt *st = room_reader_stmt(
        room->srv,
        user ? HISTORY_COLS " AND o.user_id=?3 ORDER BY o.rev DESC LIMIT ?4"
             : HISTORY_COLS " ORDER BY o.rev DESC LIMIT ?4");
#undef HISTORY_COLS
    if (!st)
        return srv_ws_error(c, id, PROTO_INTERNAL,
                            "the history could not be read"), 0;
    db_bind_text(st, 1, room->project_id, -1, DB_STATIC);
    db_bind_int64(st, 2, before);
    if (user)
        db_bind_text(st, 3, user, -1, DB_STATIC);
    db_bind_int64(st, 4, limit + 1);

    json_t *entries = json_array();
    bool more = false;
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
        return srv_ws_error(c, id, PROTO_INTERNAL,
                            "the history could not be read"), 0;
    }
    json_t *r = json_pack("{s:s, s:o, s:b}", "type", "history", "entries",
                          entries, "more", more);
    srv_ws_send(c, r, id);
    return 0;
}
