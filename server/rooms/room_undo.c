/* room_undo.c -- `undo` and `redo`, per user per room. A user's undo stack
 * holds their pushes and redos not yet undone (newest on top); the redo
 * stack holds their undos not yet redone, and is cleared by their next
 * push. The ops are computed against the current document
 * (proto_undo_ops): fields someone else changed since are left alone, and
 * an entry with nothing left to undo is skipped (dropped) in favour of the
 * next one. Each undo/redo is a new revision, broadcast as a `delta` with
 * "undo_of"/"redo_of" (the revision it undid / the undo it redid); the
 * requester's copy carries the request's "id" as its answer. */
#include <stdio.h>

#include "protocol/ops.h"
#include "server/core/log.h"
#include "server/rooms/room_priv.h"
#include "server/net/ws.h"

/* Pops entries of `from` until one yields ops that apply; commits it.
 * Returns 0 if a revision was made, -1 if the stack ran out. */
static int undo_or_redo(struct srv_conn *c, struct room_stack *from,
                        enum room_rev_kind kind, json_t *id)
{
    struct srv_room *room = c->room;
    struct room_entry e;

    while (room_stack_pop(from, &e)) {
        json_t *ops = proto_undo_ops(room->doc, e.applied, e.inverse);
        json_t *applied = NULL, *inverse = NULL;
        proto_err err;
        int rc = -1;

        proto_err_clear(&err);
        if (ops && json_array_size(ops) > 0)
            rc = room_apply(room, ops, &applied, &inverse, &err);
        if (ops && json_array_size(ops) > 0 && rc != 0)
            srv_debug("room %s: %s of rev %lld skipped: %s", room->project_id,
                      kind == ROOM_REV_UNDO ? "undo" : "redo", e.rev,
                      err.message);
        json_decref(ops);
        json_decref(e.applied);
        json_decref(e.inverse);
        if (rc == 0) {
            room_commit(room, c, kind, kind == ROOM_REV_UNDO ? "undo" : "redo",
                        0, applied, inverse, e.rev, id);
            return 0;
        }
    }
    return -1;
}

static int handle(struct srv_conn *c, json_t *id, enum room_rev_kind kind)
{
    struct srv_room *room = c->room;

    if (!room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    if (room->broken)
        return 0;
    struct room_user *u = room_user_get(room, c->user_id);
    if (!u)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;
    if (kind == ROOM_REV_UNDO) {
        if (undo_or_redo(c, &u->undo, kind, id) != 0)
            srv_ws_error(c, id, PROTO_CONFLICT,
                         "nothing to undo: none of your changes can still be "
                         "undone");
    } else {
        if (undo_or_redo(c, &u->redo, kind, id) != 0)
            srv_ws_error(c, id, PROTO_CONFLICT,
                         "nothing to redo: you have not undone anything since "
                         "your last change");
    }
    return 0;
}

int room_on_undo(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    (void)a;
    return handle(c, id, ROOM_REV_UNDO);
}

int room_on_redo(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    (void)a;
    return handle(c, id, ROOM_REV_REDO);
}
