/* room_push.c -- `push`: one atomic edit from a client. Validated and
 * applied against the room's document in arrival order (proto_apply_push,
 * all or nothing), given the next revision and handed to the writer; the
 * `delta` (which is the author's acknowledgement) goes out after commit.
 * A push that cannot apply, or that is over a limit of the settings (ops
 * per push, bytes per push, objects and bytes per document), gets `reject`
 * to its author alone and changes nothing.
 *
 * Sequence numbers, per client id:
 *  - seq > last applied: applied (gaps are allowed: a rejected push uses
 *    up its seq without being applied);
 *  - seq <= last applied and that seq was applied: the push is not applied
 *    again; its delta is read back from the log and sent to this connection
 *    alone as the acknowledgement (if it is still being committed, the
 *    delta that goes out after commit is the acknowledgement);
 *  - seq <= last applied but never applied (it was rejected, or a later
 *    seq overtook it): `reject` with code `conflict`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/json_enc.h"
#include "protocol/ops.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/rooms/room_priv.h"
#include "server/net/ws.h"

extern unsigned long long room_n_rejects;

static void send_reject(struct srv_conn *c, long long seq, proto_code code,
                        int op_index, const char *message)
{
    json_t *r = json_pack("{s:s, s:I, s:s, s:s}", "type", "reject", "seq",
                          (json_int_t)seq, "code", proto_code_name(code),
                          "message", message);

    if (op_index >= 0)
        json_object_set_new(r, "op", json_integer(op_index));
    room_n_rejects++;
    srv_ws_send(c, r, NULL);
}

/* A push at or below the client's last applied seq. */
static void resend(struct srv_conn *c, struct srv_room *room, long long seq)
{
    db_stmt *st = room_reader_stmt(
        room->srv,
        "SELECT rev, kind, client, seq, user_id, ts, ops, undo_of, redo_of"
        " FROM ops WHERE project_id=? AND client=? AND seq=? AND rev<=?");
    json_t *d = NULL;
    bool found = false;

    if (!st) {
        srv_ws_error(c, NULL, PROTO_INTERNAL, "the change log could not be read");
        return;
    }
    db_bind_text(st, 1, room->project_id, -1, DB_STATIC);
    db_bind_text(st, 2, c->client_id, -1, DB_STATIC);
    db_bind_int64(st, 3, seq);
    db_bind_int64(st, 4, room->committed);
    if (db_step(st) == DB_ROW) {
        found = true;
        d = room_delta_from_row(st);
    }
    db_reset(st);
    if (d) {
        /* the same bytes as the original delta: encoded like every room
         * message (sorted keys) */
        char *text = json_dumps(d, ROOM_JSON_FLAGS);
        json_decref(d);
        if (!text) {
            srv_ws_close(c, 1011, "out of memory");
            return;
        }
        srv_ws_send_text(c, text, strlen(text));
        free(text);
        return;
    }
    if (found) {
        srv_ws_error(c, NULL, PROTO_INTERNAL, "the change log could not be read");
        return;
    }
    if (room->committed < room->head) {
        /* It may be one of the revisions being committed: its delta is on
         * its way to every connection of this client. Look in memory. */
        /* The room does not index in-flight revisions by seq; a push still
         * in flight was applied iff it is above the last durable seq. */
        st = room_reader_stmt(room->srv, "SELECT seq FROM client_seqs WHERE "
                                         "project_id=? AND client=?");
        long long durable = 0;
        if (st) {
            db_bind_text(st, 1, room->project_id, -1, DB_STATIC);
            db_bind_text(st, 2, c->client_id, -1, DB_STATIC);
            if (db_step(st) == DB_ROW)
                durable = db_column_int64(st, 0);
            db_reset(st);
        }
        if (seq > durable)
            return; /* in flight: the delta after commit acknowledges it */
    }
    char m[160];
    snprintf(m, sizeof m,
             "push %lld was not applied and will not be (a later push of this "
             "client was applied first)", seq);
    send_reject(c, seq, PROTO_CONFLICT, -1, m);
}

/* The push limits of the settings: ops in the push (max_push_ops) and
 * the size of the message as compact JSON (max_push_bytes, measured only
 * when the received text is longer than 1/8 of it); 0 (a server
 * struct built by hand, as in the unit tests) is no limit. The document
 * limits are checked as the ops apply (room_apply). */
static int check_size(struct srv_server *srv, struct srv_ws_args *a,
                      proto_err *err)
{
    size_t n = json_array_size(srv_ws_arg_json(a, "ops"));
    size_t bytes;

    if (srv->cfg.max_push_ops > 0 && (long long)n > srv->cfg.max_push_ops)
        return proto_fail(err, PROTO_TOO_LARGE,
                          "a push may have at most %lld ops (setting "
                          "max_push_ops); this one has %zu: split it",
                          (long long)srv->cfg.max_push_ops, n);
    if (srv->cfg.max_push_bytes <= 0)
        return 0;
    /* a received text this short cannot be over the limit once encoded
     * (PROTO_JSON_MAX_GROWTH): most pushes are not measured at all */
    if (a->text_len > 0 &&
        a->text_len <= (size_t)(srv->cfg.max_push_bytes / PROTO_JSON_MAX_GROWTH))
        return 0;
    bytes = proto_json_size(a->msg); /* json_dumpb's count, no printf */
    if ((long long)bytes > srv->cfg.max_push_bytes)
        return proto_fail(err, PROTO_TOO_LARGE,
                          "a push may be at most %lld bytes (setting "
                          "max_push_bytes); this one is %zu: split it",
                          (long long)srv->cfg.max_push_bytes, bytes);
    return 0;
}

/* push's fields: `seq` before the handler (an error: there is no seq to
 * reject); `ops` and `base` after the resend check, answered by a reject. */
const struct srv_ws_param room_push_params[] = {
    {.name = "seq", .type = SRV_WS_INTEGER, .flags = SRV_WS_REQUIRED,
     .code = PROTO_BAD_REQUEST, .min = 1},
    {.name = "ops", .type = SRV_WS_ARRAY,
     .flags = SRV_WS_REQUIRED | SRV_WS_LATER, .code = PROTO_BAD_REQUEST,
     .min = 1, .what = "an array of operations"},
    {.name = "base", .type = SRV_WS_INTEGER,
     .flags = SRV_WS_NULLABLE | SRV_WS_LATER, .code = PROTO_BAD_REQUEST,
     .min = LLONG_MIN, .what = "a revision number"},
    {.name = NULL}};

int room_on_push(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct srv_room *room = c->room;
    json_t *applied = NULL, *inverse = NULL;
    proto_err err;

    srv_count(SRV_M_PUSHES);
    if (!room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    long long seq = srv_ws_arg_int(a, "seq", 0);
    if (room->broken)
        return 0; /* the connection is being closed for a resync */
    struct room_client *k = room_client_get(room, c->client_id);
    if (!k)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    if (seq <= k->last_seq) {
        resend(c, room, seq);
        return 0;
    }
    if (srv_ws_args_check_later(a, &err) != 0) {
        send_reject(c, seq, err.code, -1, err.message);
        return 0;
    }
    proto_err_clear(&err);
    if (check_size(c->srv, a, &err) != 0) {
        send_reject(c, seq, err.code, -1, err.message);
        return 0;
    }
    if (room_apply(room, srv_ws_arg_json(a, "ops"), &applied, &inverse,
                   &err) != 0) {
        send_reject(c, seq, err.code == PROTO_OK ? PROTO_INVALID_VALUE : err.code,
                    err.op_index, err.message[0] ? err.message
                                                 : "the push does not apply");
        return 0;
    }
    k->last_seq = seq;
    room_commit(room, c, ROOM_REV_PUSH, "push", seq, applied, inverse, 0, NULL);
    return 0;
}
