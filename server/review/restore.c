/* restore.c -- `restore {rev}` and `diff {from, to}`.
 *
 * restore makes the document equal to what it was at revision rev, as one
 * new revision of kind 'restore' (history stays linear, nothing is lost):
 * the ops are proto_diff_ops(current document, document at rev), applied
 * with srv_room_commit_rev; the delta carries "restore_of": rev and the
 * requester's copy is its answer. Comments are not touched (they are not
 * part of the document). Restoring to a state equal to the current one
 * answers `conflict`.
 *
 * diff compares the documents at two revisions (each a revision number or
 * a version id) with proto_diff: objects created, deleted and changed,
 * field by field, with sentences. Both read durable revisions through
 * srv_doc_at_rev (snapshots + replay) on the loop's reader connection. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"
#include "protocol/summary.h"
#include "server/rooms/doc_at.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/review/review_priv.h"
#include "server/rooms/room.h"
#include "server/net/ws.h"

/* restore {rev}, diff {from, to}: each a revision number or a version id
 * (the range, 0..committed, is checked by resolve_rev). diff's `to` is
 * checked after `from` was resolved, as before. */
static const struct srv_ws_param restore_params[] = {
    {.name = "rev", .type = SRV_WS_REVREF, .flags = SRV_WS_REQUIRED,
     .code = PROTO_BAD_REQUEST},
    {.name = NULL}};
static const struct srv_ws_param diff_params[] = {
    {.name = "from", .type = SRV_WS_REVREF, .flags = SRV_WS_REQUIRED,
     .code = PROTO_BAD_REQUEST},
    {.name = "to", .type = SRV_WS_REVREF,
     .flags = SRV_WS_REQUIRED | SRV_WS_LATER, .code = PROTO_BAD_REQUEST},
    {.name = NULL}};

/* The revision of field key (a number or a version id); -1 after
 * replying. */
static long long resolve_rev(struct srv_conn *c, const struct srv_ws_args *a,
                             const char *key, json_t *id)
{
    json_t *v = srv_ws_arg_json(a, key);
    long long committed = srv_room_committed(c->room);

    if (json_is_integer(v)) {
        long long r = json_integer_value(v);
        if (r < 0 || r > committed) {
            srv_ws_error(c, id, PROTO_INVALID_VALUE,
                         "%s must be a revision from 0 to %lld", key,
                         committed);
            return -1;
        }
        return r;
    }
    if (json_is_string(v)) {
        long long r = -1;
        store_query_int(c->srv->db, "SELECT rev FROM versions WHERE "
                                    "project_id=? AND id=?",
                        STORE_ARGS(c->project_id, json_string_value(v)), &r,
                        NULL, 0);
        if (r < 0)
            srv_ws_error(c, id, PROTO_NOT_FOUND, "version %s does not exist",
                         json_string_value(v));
        return r;
    }
    assert(!"resolve_rev: the table lets only integers and strings through");
    return -1;
}

static proto_doc *doc_at(struct srv_conn *c, long long rev, json_t *id)
{
    proto_err err;
    proto_doc *d = srv_doc_at_rev(c->srv->db, c->project_id, rev, &err);

    if (!d)
        srv_ws_error(c, id, err.code, "%s", err.message);
    return d;
}

static int on_restore(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct srv_room *room = c->room;
    proto_doc *target = NULL;
    json_t *ops = NULL, *extra = NULL;
    long long rev;
    char summary[256];
    proto_err err;

    if (!room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    if ((rev = resolve_rev(c, a, "rev", id)) < 0 ||
        !(target = doc_at(c, rev, id)))
        goto out;
    ops = proto_diff_ops(srv_room_doc(room), target);
    if (!ops || json_array_size(ops) == 0) {
        srv_ws_error(c, id, PROTO_CONFLICT,
                     "the document already equals revision %lld", rev);
        goto out;
    }
    snprintf(summary, sizeof summary, "%s restored revision %lld",
             review_who(c), rev);
    extra = json_pack("{s:I}", "restore_of", (json_int_t)rev);
    struct srv_room_rev_opts o = {.summary = summary, .delta_extra = extra};
    if (srv_room_commit_rev(room, c, "restore", ops, id, &o, &err) < 0)
        srv_ws_error(c, id, err.code, "revision %lld cannot be restored: %s",
                     rev, err.message);
out:
    json_decref(ops);
    json_decref(extra);
    proto_doc_free(target);
    return 0;
}

static int on_diff(struct srv_conn *c, struct srv_ws_args *args, json_t *id)
{
    proto_doc *a = NULL, *b = NULL;
    long long from, to;

    if (!c->room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    if ((from = resolve_rev(c, args, "from", id)) < 0 ||
        !srv_ws_check_later(c, args, id) ||
        (to = resolve_rev(c, args, "to", id)) < 0 ||
        !(a = doc_at(c, from, id)) || !(b = doc_at(c, to, id)))
        goto out;
    json_t *d = proto_diff(a, b);
    json_object_set_new(d, "type", json_string("diff"));
    json_object_set_new(d, "from", json_integer(from));
    json_object_set_new(d, "to", json_integer(to));
    srv_ws_send(c, d, id);
out:
    proto_doc_free(a);
    proto_doc_free(b);
    return 0;
}

static const struct srv_ws_route routes[] = {
    {"restore", SRV_MEMBER(SRV_ROLE_EDITOR), on_restore, false,
     restore_params},
    {"diff", SRV_MEMBER(SRV_ROLE_VIEWER), on_diff, false, diff_params},
};

void review_restore_init(void)
{
    srv_ws_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
}
