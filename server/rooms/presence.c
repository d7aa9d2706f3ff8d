/* presence.c -- where each client is (cursor, playhead, selection, view):
 * never stored, no revision. The latest message per connection is kept;
 * it is broadcast to the room's other connections at once when the
 * previous broadcast of that client is at least 50 ms old, otherwise at the
 * next tick after that (so at most 20 a second per client, always ending
 * on the latest state). A client silent for 30 s (no message of any kind)
 * and a client whose connection closes are announced with
 * {"type":"left","client":...} at the next tick, all the room's leaves of
 * one tick in one message ("clients" lists them when there are several);
 * a silent client reappears with its next presence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"
#include "server/core/server.h"
#include "server/rooms/room_priv.h"
#include "server/net/ws.h"

#define MAX_SELECTION 1000

static void flush(struct room_link *l, long long now)
{
    char *text = json_dumps(l->presence, ROOM_JSON_FLAGS);

    l->presence_dirty = false;
    l->presence_sent_ms = now;
    l->presence_visible = true;
    if (!text)
        return;
    room_send_members(l->room, text, strlen(text), l);
    free(text);
}

/* Announces l as gone at the next flush_left (once per room per tick). */
static void queue_left(struct room_link *l)
{
    struct srv_room *room = l->room;

    l->presence_visible = false;
    l->presence_dirty = false;
    if (!room->left_pending)
        room->left_pending = json_array();
    json_array_append_new(room->left_pending,
                          json_string(l->conn->client_id));
}

/* Sends the room's queued `left` announcements as one message:
 * {"type":"left","client":first} and, when several clients went in the
 * same tick, "clients":[every one] (so that a mass disconnect costs one
 * message per remaining connection, not one per pair). */
static void flush_left(struct srv_room *room)
{
    json_t *ids = room->left_pending, *j;
    char *text;

    if (!ids)
        return;
    room->left_pending = NULL;
    j = json_pack("{s:s, s:O}", "type", "left", "client",
                  json_array_get(ids, 0));
    if (j && json_array_size(ids) > 1)
        json_object_set(j, "clients", ids);
    text = j ? json_dumps(j, ROOM_JSON_FLAGS) : NULL;
    json_decref(j);
    json_decref(ids);
    if (!text)
        return;
    room_send_members(room, text, strlen(text), NULL);
    free(text);
}

static const struct srv_ws_param frame_item = {.name = "frame",
                                               .type = SRV_WS_FRAME};
static const struct srv_ws_param id_item = {.name = "id", .type = SRV_WS_ID,
                                            .what = "an object id"};

/* presence's fields, all optional; relayed as they came. */
const struct srv_ws_param room_presence_params[] = {
    {.name = "cursor", .type = SRV_WS_FRAME, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE},
    {.name = "playhead", .type = SRV_WS_FRAME, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE},
    {.name = "selection", .type = SRV_WS_ARRAY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .max = MAX_SELECTION, .items = &id_item},
    {.name = "view", .type = SRV_WS_ARRAY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 2, .max = 2, .items = &frame_item,
     .what = "[from, to]"},
    {.name = NULL}};

int room_on_presence(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    static const char *const fields[] = {"cursor", "playhead", "selection",
                                         "view"};
    struct room_link *l = c->room_link;
    json_t *p, *v;
    long long now = srv_now_mono_ms();

    if (!l)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    /* "name": the display name people read (the studio labels cursors
     * with it even for a member who joined after its welcome) */
    p = json_pack("{s:s, s:s, s:s, s:s}", "type", "presence", "client",
                  c->client_id, "user", c->user_id, "name",
                  c->display_name[0] ? c->display_name : c->user_name);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if ((v = srv_ws_arg_json(a, fields[i])))
            json_object_set(p, fields[i], v);
    json_decref(l->presence);
    l->presence = p;
    l->presence_rx_ms = now;
    l->presence_dirty = true;
    if (now - l->presence_sent_ms >= PRESENCE_MIN_GAP_MS)
        flush(l, now);
    return 0;
}

void presence_tick(struct srv_room *room, long long now)
{
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        long long last = l->presence_rx_ms;
        if (l->conn->last_rx_ms > last)
            last = l->conn->last_rx_ms;
        if (l->presence_visible && now - last >= PRESENCE_SILENCE_MS) {
            queue_left(l);
            json_decref(l->presence);
            l->presence = NULL;
            continue;
        }
        if (l->presence_dirty && l->presence &&
            now - l->presence_sent_ms >= PRESENCE_MIN_GAP_MS)
            flush(l, now);
    }
    flush_left(room);
}

void presence_leave(struct room_link *l)
{
    if (!l->conn->welcomed)
        return;
    for (struct room_link *o = l->room->links; o; o = o->next)
        if (o != l && strcmp(o->conn->client_id, l->conn->client_id) == 0)
            return;
    queue_left(l);
}

json_t *presence_list(struct srv_room *room, struct room_link *self)
{
    json_t *a = json_array();

    for (struct room_link *l = room->links; l; l = l->next)
        if (l != self && l->presence && l->presence_visible &&
            strcmp(l->conn->client_id, self->conn->client_id) != 0)
            json_array_append(a, l->presence);
    return a;
}
