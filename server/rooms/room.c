/* room.c -- the registry of loaded rooms and their life: a project's room
 * is created on its first hello and loaded on a thread (room_load.c),
 * connections join and leave, and it is unloaded (everything freed)
 * room_unload seconds after the last one left; deltas and broadcasts; the
 * module's hooks. The revision pipeline (memory -> writer -> delta) is in
 * room_commit.c.
 *
 * Global state (documented, loop thread only): the list of loaded rooms,
 * the reader statement cache and the counters for /metrics. */
#include "server/rooms/room.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"
#include "protocol/summary.h"
#include "server/core/alloc.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/rooms/room_priv.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

static struct srv_room *rooms;           /* loaded rooms (registry) */
static unsigned long long n_rooms;
unsigned long long room_n_revisions;    /* counted by room_commit.c */
unsigned long long room_n_rejects;       /* counted by room_push.c */

/* ------------------------------------------------------------------ */
/* reader statements (loop thread)                                      */

static struct store_stmt_cache reader_cache; /* on srv->db */

db_stmt *room_reader_stmt(struct srv_server *srv, const char *sql)
{
    db_stmt *st = store_stmt_cache_get(&reader_cache, srv->db, sql);

    if (!st)
        srv_err("room: cannot prepare a query: %s", db_errmsg(srv->db));
    return st;
}

/* ------------------------------------------------------------------ */
/* stacks                                                               */

/* The slot of entry i (0 the oldest) of the ring. */
static struct room_entry *stack_at(const struct room_stack *s, size_t i)
{
    assert(i < s->n && s->cap > 0);
    return &s->v[(s->head + i) % s->cap];
}

/* Doubles the ring's room (up to UNDO_DEPTH), the entries moved to the
 * new array in order from slot 0. -1 on out-of-memory (s unchanged). */
static int stack_grow(struct room_stack *s)
{
    size_t cap = s->cap ? s->cap * 2 : 16;
    struct room_entry *v;

    if (cap > UNDO_DEPTH)
        cap = UNDO_DEPTH;
    v = malloc(cap * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        v[i] = *stack_at(s, i);
    free(s->v);
    s->v = v;
    s->cap = cap;
    s->head = 0;
    return 0;
}

void room_stack_push(struct room_stack *s, long long rev, json_t *applied,
                     json_t *inverse)
{
    struct room_entry *e;

    if (s->n == UNDO_DEPTH) { /* drop the oldest: O(1) */
        e = stack_at(s, 0);
        json_decref(e->applied);
        json_decref(e->inverse);
        s->head = (s->head + 1) % s->cap;
        s->n--;
    }
    if (s->n == s->cap && stack_grow(s) != 0)
        return;
    s->n++;
    e = stack_at(s, s->n - 1);
    e->rev = rev;
    e->applied = json_incref(applied);
    e->inverse = json_incref(inverse);
}

bool room_stack_pop(struct room_stack *s, struct room_entry *out)
{
    if (s->n == 0)
        return false;
    *out = *stack_at(s, s->n - 1);
    s->n--;
    return true;
}

void room_stack_clear(struct room_stack *s)
{
    for (size_t i = 0; i < s->n; i++) {
        json_decref(stack_at(s, i)->applied);
        json_decref(stack_at(s, i)->inverse);
    }
    s->n = 0;
    s->head = 0;
}

void room_stack_remove_rev(struct room_stack *s, long long rev)
{
    for (size_t i = s->n; i-- > 0;) {
        if (stack_at(s, i)->rev != rev)
            continue;
        json_decref(stack_at(s, i)->applied);
        json_decref(stack_at(s, i)->inverse);
        for (size_t k = i; k + 1 < s->n; k++)
            *stack_at(s, k) = *stack_at(s, k + 1);
        s->n--;
        return;
    }
}

/* ------------------------------------------------------------------ */
/* loading and freeing                                                  */

void room_free(struct srv_room *room)
{
    bool large = room->doc && proto_doc_bytes(room->doc) >= ROOM_TRIM_BYTES;

    assert(room->n_links == 0 && room->pending == 0);
    assert(!room->in_registry && !room->load && !room->out_head);
    for (struct room_client *k = room->clients, *kn; k; k = kn) {
        kn = k->next;
        free(k);
    }
    for (struct room_user *u = room->users, *un; u; u = un) {
        un = u->next;
        room_stack_clear(&u->undo);
        room_stack_clear(&u->redo);
        free(u->undo.v);
        free(u->redo.v);
        free(u);
    }
    proto_doc_free(room->doc);
    json_decref(room->asset_updates);
    json_decref(room->left_pending);
    free(room);
    /* the allocator keeps freed memory in its arenas (the document was
     * built on a loader thread's): give it back to the system */
    if (large) {
        srv_alloc_release();
        srv_debug("room: a large document freed, memory given back (%s)",
                  srv_alloc_name());
    }
}

void room_registry_remove(struct srv_room *room)
{
    if (!room->in_registry)
        return;
    for (struct srv_room **p = &rooms; *p; p = &(*p)->next)
        if (*p == room) {
            *p = room->next;
            break;
        }
    room->in_registry = false;
    room->next = NULL;
    n_rooms--;
    room_lease_release(room->srv, room->project_id); /* cluster */
}

/* Frees a broken room once nothing refers to it any more. */
void room_maybe_free(struct srv_room *room)
{
    if (room->broken && room->n_links == 0 && room->pending == 0)
        room_free(room);
}

static struct srv_room *room_find_any(const char *project_id);

struct srv_room *srv_room_open(struct srv_server *srv, const char *project_id,
                               char *err, size_t errlen)
{
    struct srv_room *room;

    assert(srv_on_loop_thread());
    if (!room_find_any(project_id)) { /* cluster: this node's lease first */
        char owner[128];
        int lr = room_lease_take(srv, project_id, owner, sizeof owner);
        if (lr != 0) {
            snprintf(err, errlen, "project %s %s%s", project_id,
                     lr > 0 ? "is served by node " : "cannot be leased: ",
                     owner[0] ? owner : "(unknown)");
            return NULL;
        }
    }
    room = room_get(srv, project_id, err, errlen);
    if (room && room->loading && room_load_now(room, err, errlen) != 0)
        return NULL;
    return room;
}

/* The room of project_id in the registry, loaded or loading. */
static struct srv_room *room_find_any(const char *project_id)
{
    for (struct srv_room *r = rooms; r; r = r->next)
        if (strcmp(r->project_id, project_id) == 0)
            return r;
    return NULL;
}

int srv_room_evict(const char *project_id, int code, const char *reason)
{
    struct srv_room *room = room_find_any(project_id);
    int n = 0;

    assert(srv_on_loop_thread());
    if (!room)
        return 0;
    room_load_detach(room); /* a load in flight: its result is dropped */
    room->broken = true; /* no more commits: its batches fail at once */
    room_registry_remove(room);
    for (struct room_link *l = room->links, *next; l; l = next, n++) {
        next = l->next;
        srv_ws_close(l->conn, code, reason);
    }
    room_maybe_free(room);
    return n;
}

struct srv_room *room_get(struct srv_server *srv, const char *project_id,
                          char *err, size_t errlen)
{
    struct srv_room *room = room_find_any(project_id);

    if (room)
        return room;
    room = calloc(1, sizeof *room);
    if (!room) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    room->srv = srv;
    snprintf(room->project_id, sizeof room->project_id, "%s", project_id);
    room->loading = true;
    room->empty_since_ms = srv_now_mono_ms();
    room->next = rooms;
    rooms = room;
    room->in_registry = true;
    n_rooms++;
    room_load_start(room); /* may finish (or fail and free room) at once */
    return room_find_any(project_id);
}

struct srv_room *srv_room_find(const char *project_id)
{
    struct srv_room *r;

    assert(srv_on_loop_thread());
    r = room_find_any(project_id);
    return r && !r->loading ? r : NULL;
}

const proto_doc *srv_room_doc(const struct srv_room *room)
{
    return room->doc;
}

long long srv_room_head(const struct srv_room *room)
{
    return room->head;
}

long long srv_room_committed(const struct srv_room *room)
{
    return room->committed;
}

/* ------------------------------------------------------------------ */
/* links, clients, users                                                */

struct room_link *room_link_add(struct srv_room *room, struct srv_conn *c)
{
    struct room_link *l = calloc(1, sizeof *l);

    if (!l)
        return NULL;
    l->conn = c;
    l->room = room;
    l->next = room->links;
    if (room->links)
        room->links->prev = l;
    room->links = l;
    room->n_links++;
    l->presence_rx_ms = srv_now_mono_ms();
    return l;
}

void room_link_remove(struct room_link *l)
{
    struct srv_room *room = l->room;

    if (l->prev)
        l->prev->next = l->next;
    else
        room->links = l->next;
    if (l->next)
        l->next->prev = l->prev;
    room->n_links--;
    if (room->n_links == 0)
        room->empty_since_ms = srv_now_mono_ms();
    room_link_free_welcome(l);
    json_decref(l->presence);
    json_decref(l->wait_id);
    free(l);
    room_maybe_free(room);
}

struct room_client *room_client_get(struct srv_room *room, const char *id)
{
    struct room_client *k;

    for (k = room->clients; k; k = k->next)
        if (strcmp(k->id, id) == 0)
            return k;
    k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    snprintf(k->id, sizeof k->id, "%s", id);
    db_stmt *st = room_reader_stmt(
        room->srv, "SELECT seq FROM client_seqs WHERE project_id=? AND client=?");
    if (st) {
        db_bind_text(st, 1, room->project_id, -1, DB_STATIC);
        db_bind_text(st, 2, id, -1, DB_STATIC);
        if (db_step(st) == DB_ROW)
            k->last_seq = db_column_int64(st, 0);
        db_reset(st);
    }
    k->next = room->clients;
    room->clients = k;
    return k;
}

/* Rebuilds a user's stacks from their latest revisions in the log: a push
 * goes on the undo stack and clears redo; an undo moves its target to the
 * redo stack (as the undo revision); a redo moves back to the undo stack. */
static void user_load(struct srv_room *room, struct room_user *u)
{
    static const char *sql =
        "SELECT rev, kind, ops, inverse, undo_of, redo_of FROM ("
        " SELECT rev, kind, ops, inverse, undo_of, redo_of FROM ops"
        " WHERE project_id=? AND user_id=? AND kind IN ('push','undo','redo')"
        " AND rev<=? ORDER BY rev DESC LIMIT ?) AS recent ORDER BY rev";
    db_stmt *st = room_reader_stmt(room->srv, sql);

    if (!st)
        return;
    db_bind_text(st, 1, room->project_id, -1, DB_STATIC);
    db_bind_text(st, 2, u->id, -1, DB_STATIC);
    db_bind_int64(st, 3, room->committed);
    db_bind_int(st, 4, 2 * UNDO_DEPTH);
    while (db_step(st) == DB_ROW) {
        long long rev = db_column_int64(st, 0);
        const char *kind = store_col_text(st, 1);
        json_t *applied = json_loads(store_col_text(st, 2), 0, NULL);
        json_t *inverse = json_loads(store_col_text(st, 3), 0, NULL);
        if (json_is_array(applied) && json_is_array(inverse)) {
            if (strcmp(kind, "push") == 0) {
                room_stack_clear(&u->redo);
                room_stack_push(&u->undo, rev, applied, inverse);
            } else if (strcmp(kind, "undo") == 0) {
                room_stack_remove_rev(&u->undo, db_column_int64(st, 4));
                room_stack_push(&u->redo, rev, applied, inverse);
            } else {
                room_stack_remove_rev(&u->redo, db_column_int64(st, 5));
                room_stack_push(&u->undo, rev, applied, inverse);
            }
        }
        json_decref(applied);
        json_decref(inverse);
    }
    db_reset(st);
}

struct room_user *room_user_get(struct srv_room *room, const char *user_id)
{
    struct room_user *u;

    for (u = room->users; u; u = u->next)
        if (strcmp(u->id, user_id) == 0)
            return u;
    u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    snprintf(u->id, sizeof u->id, "%s", user_id);
    /* Every revision of this user so far is durable: a user's record is
     * created at their first hello in the room, before they can push. */
    user_load(room, u);
    u->next = room->users;
    room->users = u;
    return u;
}

/* ------------------------------------------------------------------ */
/* deltas and broadcast                                                 */

json_t *room_delta_json(long long rev, const char *kind, const char *client,
                        long long seq, const char *user, long long ts,
                        json_t *ops, long long undo_of, long long redo_of)
{
    json_t *d = json_object();

    json_object_set_new(d, "type", json_string("delta"));
    json_object_set_new(d, "rev", json_integer(rev));
    json_object_set_new(d, "client",
                        client && client[0] ? json_string(client) : json_null());
    if (seq > 0)
        json_object_set_new(d, "seq", json_integer(seq));
    json_object_set_new(d, "user",
                        user && user[0] ? json_string(user) : json_null());
    json_object_set_new(d, "ts", json_integer(ts));
    json_object_set(d, "ops", ops);
    if (undo_of > 0)
        json_object_set_new(d, "undo_of", json_integer(undo_of));
    if (redo_of > 0)
        json_object_set_new(d, "redo_of", json_integer(redo_of));
    if (kind && strcmp(kind, "push") != 0 && strcmp(kind, "undo") != 0 &&
        strcmp(kind, "redo") != 0)
        json_object_set_new(d, "kind", json_string(kind));
    return d;
}

json_t *room_delta_from_row(db_stmt *st)
{
    json_t *ops = json_loads(store_col_text(st, 6), 0, NULL);

    if (!ops)
        return NULL;
    json_t *m = room_catchup_message(store_col_text(st, 1),
                                     db_column_int64(st, 0),
                                     store_col_text(st, 4),
                                     db_column_int64(st, 5), ops);
    if (m) {
        json_decref(ops);
        return m;
    }
    json_t *d = room_delta_json(
        db_column_int64(st, 0), store_col_text(st, 1),
        store_col_text(st, 2), db_column_int64(st, 3) /* 0 if NULL */,
        store_col_text(st, 4), db_column_int64(st, 5), ops,
        db_column_int64(st, 7), db_column_int64(st, 8));
    json_decref(ops);
    return d;
}

struct find_ctx {
    uint64_t serial;
    struct srv_conn *found;
};

static void find_each(struct srv_conn *c, void *arg)
{
    struct find_ctx *f = arg;

    if (c->serial == f->serial)
        f->found = c;
}

struct srv_conn *srv_room_requester(uint64_t serial, const char *project_id)
{
    struct find_ctx f = {serial, NULL};
    struct srv_conn *c;

    assert(srv_on_loop_thread());
    srv_ws_each(find_each, &f);
    c = f.found;
    if (!c || !c->room || !c->room_link ||
        strcmp(c->project_id, project_id) != 0)
        return NULL;
    return c;
}

/* A message for a link whose catch-up is on a worker: held (a frame of
 * its own) and sent after the welcome. */
static void hold_text(struct room_link *l, const char *text, size_t len)
{
    struct srv_ws_frame *f = srv_ws_frame_new(text, len);

    if (f) {
        room_link_hold(l, f);
        srv_ws_frame_unref(f);
    }
}

void room_send_all(struct srv_room *room, const char *text, size_t len,
                   struct room_link *except)
{
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        if (l != except && l->catchup)
            hold_text(l, text, len);
        if (l == except || l->welcome_pending || !l->conn->welcomed)
            continue;
        srv_ws_send_text(l->conn, text, len);
    }
}

void room_send_members(struct srv_room *room, const char *text, size_t len,
                       struct room_link *except)
{
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        if (l != except && l->catchup && !l->conn->guest)
            hold_text(l, text, len);
        if (l == except || l->welcome_pending || !l->conn->welcomed ||
            l->conn->guest)
            continue;
        srv_ws_send_text(l->conn, text, len);
    }
}

int srv_room_broadcast(const char *project_id, json_t *msg)
{
    struct srv_room *room = srv_room_find(project_id);
    int n = 0;

    assert(srv_on_loop_thread());

    if (room && msg) {
        char *text = json_dumps(msg, ROOM_JSON_FLAGS);
        if (text) {
            for (struct room_link *l = room->links; l; l = l->next)
                if (!l->welcome_pending && l->conn->welcomed)
                    n++;
            room_send_all(room, text, strlen(text), NULL);
            free(text);
        }
    }
    json_decref(msg);
    return n;
}

void srv_room_asset_update(const char *project_id, const char *asset_id,
                           int64_t frames, bool ready)
{
    struct srv_room *room = srv_room_find(project_id);

    assert(srv_on_loop_thread());

    struct srv_room *loading = room ? NULL : room_find_any(project_id);

    if (room)
        proto_doc_set_asset(room->doc, asset_id, frames, ready);
    else if (loading) {
        /* the loader thread may have read the assets table before this */
        if (!loading->asset_updates)
            loading->asset_updates = json_object();
        json_object_set_new(loading->asset_updates, asset_id,
                            json_pack("{s:I, s:b}", "frames",
                                      (json_int_t)frames, "ready", ready));
    }
}

void srv_room_stats(unsigned long long *n_rooms_out,
                    unsigned long long *conns, unsigned long long *revisions,
                    unsigned long long *rejects)
{
    unsigned long long c = 0;

    for (struct srv_room *r = rooms; r; r = r->next)
        c += (unsigned long long)r->n_links;
    *n_rooms_out = n_rooms;
    *conns = c;
    *revisions = room_n_revisions;
    *rejects = room_n_rejects;
}

/* ------------------------------------------------------------------ */
/* hooks                                                                */

static void on_close(struct srv_conn *c)
{
    struct room_link *l = c->room_link;

    if (!l)
        return;
    presence_leave(l);
    c->room_link = NULL;
    c->room = NULL;
    room_link_remove(l);
}

static void on_tick(struct srv_server *srv)
{
    long long now = srv_now_mono_ms();

    for (struct srv_room *r = rooms, *next; r; r = next) {
        next = r->next;
        if (r->loading)
            continue;
        presence_tick(r, now);
        if (r->n_links == 0 && r->pending == 0 &&
            now - r->empty_since_ms >= srv->cfg.room_unload * 1000) {
            srv_debug("room %s unloaded", r->project_id);
            room_registry_remove(r);
            room_free(r);
        }
    }
}

static void on_stop(struct srv_server *srv)
{
    room_load_stop();
    /* batches still waiting for their room_flush go to the writer before
     * its statements are finalized */
    for (struct srv_room *r = rooms; r; r = r->next)
        if (r->out_head)
            room_flush(r);
    if (srv->writer)
        store_writer_submit(srv->writer, room_wcache_finalize_job, NULL, NULL);
    store_stmt_cache_clear(&reader_cache);
}

static const struct srv_ws_route routes[] = {
    {"hello", SRV_LOGIN, room_on_hello, true, room_hello_params},
    {"push", SRV_MEMBER(SRV_ROLE_EDITOR), room_on_push, false,
     room_push_params},
    {"undo", SRV_MEMBER(SRV_ROLE_EDITOR), room_on_undo, false, NULL},
    {"redo", SRV_MEMBER(SRV_ROLE_EDITOR), room_on_redo, false, NULL},
    {"presence", SRV_MEMBER(SRV_ROLE_VIEWER), room_on_presence, false,
     room_presence_params},
    {"history", SRV_MEMBER(SRV_ROLE_VIEWER), room_on_history, false,
     room_history_params},
};

void srv_rooms_init(void)
{
    srv_ws_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
    srv_ws_on_close(on_close);
    srv_loop_on_tick(on_tick);
    srv_loop_on_stop(on_stop);
}
