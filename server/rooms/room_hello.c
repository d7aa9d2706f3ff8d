/* room_hello.c -- `hello` and `welcome`: who is connecting (session token
 * or the upgrade's cookie), their role in the project, joining the room,
 * and the catch-up the welcome carries: a full snapshot, or the deltas
 * after `since` read back from the ops log (both read and encoded on a
 * worker when there is a job pool: room_catchup.c).
 *
 * A welcome describes revision H = the room's head at hello. When H is not
 * durable yet (revisions still with the writer), the welcome waits on the
 * link and goes out in the done callback of H, before any later delta; the
 * connection gets no delta at or below H. So after a welcome everything it
 * covers (and every seq up to its last_seq) is durable. The welcome is
 * encoded with sorted keys, so two welcomes of the same state carry the
 * same bytes in their document part. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"
#include "server/auth/auth.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store_stmt.h"
#include "server/rooms/room_priv.h"
#include "server/rooms/room_snapshot.h"
#include "server/net/ws.h"

static json_t *members_json(struct srv_room *room)
{
    json_t *a = json_array();
    db_stmt *st = room_reader_stmt(
        room->srv,
        "SELECT u.id, u.name, u.display_name, m.role FROM members m"
        " JOIN users u ON u.id=m.user_id WHERE m.project_id=? ORDER BY u.name");

    if (!st)
        return a;
    db_bind_text(st, 1, room->project_id, -1, DB_STATIC);
    while (db_step(st) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s}", "id", store_col_text(st, 0),
                         "name", store_col_text(st, 1), "display_name",
                         store_col_text(st, 2), "role",
                         store_col_text(st, 3)));
    db_reset(st);
    return a;
}

/* The project record of a snapshot: id, name (from the document), rate,
 * creator and creation time. */
static json_t *project_json(struct srv_room *room)
{
    const json_t *p = proto_doc_get(room->doc, "project");
    const char *name = p ? json_string_value(json_object_get(p, "name")) : NULL;

    return json_pack("{s:s, s:s, s:i, s:s?, s:I}", "id", room->project_id,
                     "name", name ? name : "", "sample_rate",
                     proto_doc_sample_rate(room->doc), "created_by",
                     room->created_by[0] ? room->created_by : NULL,
                     "created_at", (json_int_t)room->created_at);
}

/* The deltas after `since` up to `upto`, from the log on the loop's
 * reader connection (the plain path); NULL on error. */
static json_t *deltas_json(struct srv_room *room, long long since,
                           long long upto)
{
    db_stmt *st = room_reader_stmt(room->srv, ROOM_DELTAS_SQL);

    if (!st)
        return NULL;
    return room_deltas_read(room->srv->db, st, room->project_id, since,
                            upto);
}

void room_link_free_welcome(struct room_link *l)
{
    json_decref(l->welcome);
    l->welcome = NULL;
    l->welcome_pending = false;
    room_snapshot_free(l->welcome_snap);
    l->welcome_snap = NULL;
    room_catchup_detach(l);
}

void room_welcome_fill(struct room_link *l, json_t *w)
{
    struct srv_room *room = l->room;
    struct srv_conn *c = l->conn;

    /* a guest of a share link sees no member list (docs/review.md) */
    json_object_set_new(w, "members", c->guest ? json_array()
                                               : members_json(room));
    room_add_sections(room, SRV_ROOM_WELCOME, w); /* assets */
    /* nor the members' cursors and ids (presence.c does not relay them) */
    json_object_set_new(w, "presence",
                        c->guest ? json_array() : presence_list(room, l));
}

void room_send_welcome(struct room_link *l)
{
    struct srv_room *room = l->room;
    struct srv_conn *c = l->conn;
    json_t *w = l->welcome;

    if (w && room_catchup_submit(l) == 0)
        return; /* read and sent off the loop (room_catchup.c) */
    l->welcome = NULL;
    l->welcome_pending = false;
    if (!w)
        return;
    if (l->welcome_deltas) {
        json_t *d = deltas_json(room, l->welcome_since, l->welcome_rev);
        if (!d) {
            /* Should not happen (the whole log is kept): fall back to a
             * snapshot only if the document is still at that revision. */
            json_decref(w);
            srv_ws_error(c, NULL, PROTO_INTERNAL,
                         "the change log could not be read; reconnect "
                         "without since");
            srv_ws_close(c, 1011, "resync");
            return;
        }
        json_object_set_new(w, "deltas", d);
    } else if (l->welcome_snap) {
        /* the document's own (immutable) objects, not copies: the
         * welcome only encodes them */
        json_t *objs = room_snapshot_array(l->welcome_snap);
        room_snapshot_free(l->welcome_snap);
        l->welcome_snap = NULL;
        if (!objs) {
            json_decref(w);
            srv_ws_close(c, 1011, "out of memory");
            return;
        }
        json_object_set_new(json_object_get(w, "snapshot"), "objects", objs);
    }
    room_welcome_fill(l, w);
    char *text = json_dumps(w, ROOM_JSON_FLAGS);
    json_decref(w);
    if (!text) {
        srv_ws_close(c, 1011, "out of memory");
        return;
    }
    c->welcomed = true;
    srv_ws_send_text(c, text, strlen(text));
    free(text);
}

/* hello's fields: checked after the "already joined" check (LATER). */
const struct srv_ws_param room_hello_params[] = {
    {.name = "project", .type = SRV_WS_KEY,
     .flags = SRV_WS_REQUIRED | SRV_WS_LATER, .code = PROTO_BAD_REQUEST,
     .min = 1, .max = sizeof ((struct srv_conn *)0)->project_id - 1,
     .what = "a project id"},
    {.name = "client", .type = SRV_WS_ID,
     .flags = SRV_WS_REQUIRED | SRV_WS_LATER, .code = PROTO_BAD_REQUEST,
     .what = "the tab's client id"},
    {.name = "since", .type = SRV_WS_REV,
     .flags = SRV_WS_NULLABLE | SRV_WS_LATER, .code = PROTO_BAD_REQUEST},
    {.name = "token", .type = SRV_WS_KEY,
     .flags = SRV_WS_NULLABLE | SRV_WS_LATER, .code = PROTO_BAD_REQUEST,
     .what = "a session token"},
    {.name = NULL}};

/* Takes project's lease for this node (cluster); when another node holds
 * it, answers wrong_node with the owner's name and closes with 4009, and
 * returns -1. 0 when this node may serve the project. */
static int room_hello_lease(struct srv_conn *c, const char *project,
                            json_t *id)
{
    char owner[128];
    int lr = room_lease_take(c->srv, project, owner, sizeof owner);
    json_t *e;

    if (lr == 0)
        return 0;
    if (lr < 0) {
        srv_warn("hello: project %s: %s", project, owner);
        srv_ws_error(c, id, PROTO_INTERNAL,
                     "the project's lease could not be checked; try again");
        return -1;
    }
    e = json_pack("{s:s, s:s, s:o, s:s}", "type", "error", "code",
                  "wrong_node", "owner",
                  owner[0] ? json_string(owner) : json_null(), "message",
                  "this node does not serve the project; connect through "
                  "the proxy (or to the owner)");
    srv_ws_send(c, e, id);
    srv_ws_close(c, 4009, "wrong_node");
    return -1;
}

int room_on_hello(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct srv_server *srv = c->srv;
    struct srv_user u;
    char err[256];

    if (c->welcomed || c->room_link)
        return srv_ws_error(c, id, PROTO_CONFLICT,
                            "this connection already joined project %s",
                            c->project_id), 0;
    if (!srv_ws_check_later(c, a, id))
        return 0;
    const char *project = srv_ws_arg_str(a, "project");
    const char *client = srv_ws_arg_str(a, "client");
    const char *token = srv_ws_arg_str(a, "token");

    if (!token || !token[0])
        token = c->cookie_token;
    if (!token[0])
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED,
                            "log in first: hello needs `token` or the "
                            "session cookie"), 0;
    if (srv_auth_token_user(srv->db, token, &u) != 0)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED,
                            "the session is not valid or has expired; log "
                            "in again"), 0;
    int role = srv_auth_member_role(srv->db, project, u.id);
    if (role <= SRV_ROLE_NONE)
        return srv_ws_error(c, id, PROTO_FORBIDDEN,
                            "you are not a member of project %s", project), 0;

    if (room_hello_lease(c, project, id))
        return 0; /* cluster: another node serves it (wrong_node, 4009) */
    struct srv_room *room = room_get(srv, project, err, sizeof err);
    if (!room) {
        srv_warn("hello: %s", err);
        return srv_ws_error(c, id, PROTO_INTERNAL,
                            "the project could not be opened"), 0;
    }
    struct room_link *l = room_link_add(room, c);
    if (!l)
        return srv_ws_error(c, id, PROTO_INTERNAL, "out of memory"), 0;

    snprintf(c->user_id, sizeof c->user_id, "%s", u.id);
    snprintf(c->user_name, sizeof c->user_name, "%s", u.name);
    snprintf(c->display_name, sizeof c->display_name, "%s", u.display_name);
    snprintf(c->project_id, sizeof c->project_id, "%s", project);
    snprintf(c->client_id, sizeof c->client_id, "%s", client);
    c->role = role;
    c->guest = role == SRV_ROLE_GUEST;
    c->room = room;
    c->room_link = l;
    l->wait_id = id ? json_incref(id) : NULL;
    l->wait_since = srv_ws_arg_int(a, "since", -1);
    l->load_wait = true;
    if (!room->loading)
        room_hello_resume(l);
    /* else the welcome is built when the room is loaded (room_load.c) */
    return 0;
}

void room_hello_fail(struct room_link *l)
{
    struct srv_conn *c = l->conn;
    json_t *id = l->wait_id;

    assert(l->load_wait && !c->welcomed);
    l->wait_id = NULL;
    srv_ws_error(c, id, PROTO_INTERNAL, "the project could not be opened");
    json_decref(id);
    c->room = NULL;
    c->room_link = NULL;
    room_link_remove(l);
}

void room_hello_resume(struct room_link *l)
{
    struct srv_room *room = l->room;
    struct srv_conn *c = l->conn;
    json_t *id = l->wait_id;
    long long since = l->wait_since;

    assert(l->load_wait && !room->loading && room->doc);
    l->load_wait = false;
    l->wait_id = NULL;
    struct room_client *k = room_client_get(room, c->client_id);
    struct room_user *ru = room_user_get(room, c->user_id);
    if (!k || !ru) {
        srv_ws_error(c, id, PROTO_INTERNAL, "out of memory");
        json_decref(id);
        return;
    }

    json_t *w = json_object();
    json_object_set_new(w, "type", json_string("welcome"));
    if (id)
        json_object_set(w, "id", id);
    json_decref(id);
    json_object_set_new(w, "rev", json_integer(room->head));
    json_object_set_new(w, "user",
                        json_pack("{s:s, s:s, s:s}", "id", c->user_id, "name",
                                  c->user_name, "display_name",
                                  c->display_name));
    json_object_set_new(w, "role", json_string(srv_role_name(c->role)));
    json_object_set_new(w, "last_seq", json_integer(k->last_seq));
    l->welcome_rev = room->head;
    l->welcome_since = since;
    l->welcome_deltas = !c->guest && /* no ops for guests */
                        since >= 0 && since <= room->head &&
                        room->head - since <= CATCHUP_MAX_REVS;
    if (!l->welcome_deltas) {
        json_t *snap = json_object();
        json_object_set_new(snap, "project", project_json(room));
        /* "objects": references to the document's own (immutable)
         * objects, sorted and encoded when the welcome goes out (on a
         * worker: room_catchup.c) */
        l->welcome_snap = room_snapshot_take(room->doc);
        if (!l->welcome_snap) {
            srv_err("out of memory taking a welcome's snapshot");
            abort();
        }
        room_add_sections(room, SRV_ROOM_SNAPSHOT, snap); /* comments */
        json_object_set_new(w, "snapshot", snap);
    }
    l->welcome = w;
    l->welcome_pending = true;
    if (room->committed == room->head)
        room_send_welcome(l);
}
