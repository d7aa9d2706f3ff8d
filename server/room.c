/* room.c -- the registry of loaded rooms and their life: loading a project
 * from the database on its first hello, connections joining and leaving,
 * unloading a while after the last one left; and the revision pipeline
 * every change goes through: applied in memory on the loop thread, written
 * by the store writer thread (objects, ops row, client seq, head_rev, all
 * in the writer's batch transaction), and broadcast as a `delta` only in
 * the writer's done callback, in revision order.
 *
 * A failed commit: the writer job of revision r checks that the stored
 * head_rev is r-1, so once one revision of a room fails, every later one
 * already queued fails too and the database stays at a consistent state
 * (some prefix of the revisions). The room, whose memory is ahead of that
 * state, is marked broken, taken out of the registry, and its connections
 * get an `internal` error and are closed (1011); their next hello loads the
 * room again from the database. Nothing unacknowledged was acknowledged.
 *
 * Global state (documented, loop thread only): the list of loaded rooms,
 * the reader statement cache and the counters for /metrics. The writer's
 * statement cache is thread-local to the writer thread. */
#include "server/room.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"
#include "protocol/summary.h"
#include "server/log.h"
#include "server/loop.h"
#include "server/room_priv.h"
#include "server/room_plans.h" /* srv_room_changed (preview) */
#include "server/store.h"
#include "server/writer.h"
#include "server/ws.h"

static struct srv_room *rooms;           /* loaded rooms (registry) */
static unsigned long long n_rooms, n_revisions;
unsigned long long room_n_rejects;       /* counted by room_push.c */

/* ------------------------------------------------------------------ */
/* reader statements (loop thread)                                      */

#define READER_CACHE 24
static struct {
    const char *sql;
    sqlite3 *db;
    sqlite3_stmt *st;
} reader_cache[READER_CACHE];

sqlite3_stmt *room_reader_stmt(struct srv_server *srv, const char *sql)
{
    int free_slot = -1;

    for (int i = 0; i < READER_CACHE; i++) {
        if (reader_cache[i].sql == sql && reader_cache[i].db == srv->db) {
            sqlite3_reset(reader_cache[i].st);
            sqlite3_clear_bindings(reader_cache[i].st);
            return reader_cache[i].st;
        }
        if (!reader_cache[i].sql && free_slot < 0)
            free_slot = i;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(srv->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        srv_err("room: cannot prepare a query: %s", sqlite3_errmsg(srv->db));
        return NULL;
    }
    if (free_slot >= 0) {
        reader_cache[free_slot].sql = sql;
        reader_cache[free_slot].db = srv->db;
        reader_cache[free_slot].st = st;
    } else {
        srv_warn("room: reader statement cache full");
    }
    return st;
}

static void reader_cache_clear(void)
{
    for (int i = 0; i < READER_CACHE; i++) {
        if (reader_cache[i].st)
            sqlite3_finalize(reader_cache[i].st);
        reader_cache[i].sql = NULL;
        reader_cache[i].db = NULL;
        reader_cache[i].st = NULL;
    }
}

/* ------------------------------------------------------------------ */
/* stacks                                                               */

void room_stack_push(struct room_stack *s, long long rev, json_t *applied,
                     json_t *inverse)
{
    if (s->n == UNDO_DEPTH) {
        json_decref(s->v[0].applied);
        json_decref(s->v[0].inverse);
        memmove(&s->v[0], &s->v[1], (s->n - 1) * sizeof s->v[0]);
        s->n--;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct room_entry *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].rev = rev;
    s->v[s->n].applied = json_incref(applied);
    s->v[s->n].inverse = json_incref(inverse);
    s->n++;
}

bool room_stack_pop(struct room_stack *s, struct room_entry *out)
{
    if (s->n == 0)
        return false;
    *out = s->v[--s->n];
    return true;
}

void room_stack_clear(struct room_stack *s)
{
    for (size_t i = 0; i < s->n; i++) {
        json_decref(s->v[i].applied);
        json_decref(s->v[i].inverse);
    }
    s->n = 0;
}

void room_stack_remove_rev(struct room_stack *s, long long rev)
{
    for (size_t i = s->n; i-- > 0;) {
        if (s->v[i].rev != rev)
            continue;
        json_decref(s->v[i].applied);
        json_decref(s->v[i].inverse);
        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof s->v[0]);
        s->n--;
        return;
    }
}

/* ------------------------------------------------------------------ */
/* loading and freeing                                                  */

static void room_free(struct srv_room *room)
{
    assert(room->n_links == 0 && room->pending == 0);
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
    free(room);
}

static void registry_remove(struct srv_room *room)
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
}

/* Frees a broken room once nothing refers to it any more. */
static void room_maybe_free(struct srv_room *room)
{
    if (room->broken && room->n_links == 0 && room->pending == 0)
        room_free(room);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* Reads the project row, its objects and its assets into a new room. */
static struct srv_room *room_load(struct srv_server *srv,
                                  const char *project_id, char *err,
                                  size_t errlen)
{
    struct srv_room *room = calloc(1, sizeof *room);
    json_t *bodies = json_array();
    bool have_project = false;
    char name[256] = "";
    sqlite3_stmt *st;
    int rc;

    if (!room || !bodies) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    room->srv = srv;
    snprintf(room->project_id, sizeof room->project_id, "%s", project_id);

    st = room_reader_stmt(srv, "SELECT name, sample_rate, created_by, "
                               "created_at, head_rev FROM projects WHERE id=?");
    if (!st)
        goto dberr;
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        snprintf(err, errlen, "project %s does not exist", project_id);
        goto fail;
    }
    snprintf(name, sizeof name, "%s", col_text(st, 0));
    room->sample_rate = sqlite3_column_int(st, 1);
    snprintf(room->created_by, sizeof room->created_by, "%s",
             col_text(st, 2));
    room->created_at = sqlite3_column_int64(st, 3);
    room->head = room->committed = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);

    st = room_reader_stmt(srv, "SELECT body FROM objects WHERE project_id=?");
    if (!st)
        goto dberr;
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_error_t jerr;
        json_t *o = json_loads(col_text(st, 0), 0, &jerr);
        if (!json_is_object(o)) {
            json_decref(o);
            sqlite3_reset(st);
            snprintf(err, errlen, "project %s: a stored object is not JSON",
                     project_id);
            goto fail;
        }
        const char *oid = json_string_value(json_object_get(o, "id"));
        if (oid && strcmp(oid, "project") == 0)
            have_project = true;
        json_array_append_new(bodies, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        goto dberr;

    room->doc = have_project ? proto_doc_new_empty()
                             : proto_doc_new(name[0] ? name : "Untitled",
                                             room->sample_rate);
    if (!room->doc) {
        snprintf(err, errlen, "project %s cannot be loaded", project_id);
        goto fail;
    }
    size_t i;
    json_t *o;
    json_array_foreach(bodies, i, o) proto_doc_put(room->doc, o);

    st = room_reader_stmt(srv, "SELECT id, frames, state FROM assets "
                               "WHERE project_id=?");
    if (!st)
        goto dberr;
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        proto_doc_set_asset(room->doc, col_text(st, 0),
                            sqlite3_column_int64(st, 1),
                            strcmp(col_text(st, 2), "ready") == 0);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        goto dberr;

    json_decref(bodies);
    room->empty_since_ms = srv_now_mono_ms();
    srv_debug("room %s loaded at rev %lld (%zu objects)", project_id,
              room->head, proto_doc_count(room->doc));
    return room;
dberr:
    snprintf(err, errlen, "database: %s", sqlite3_errmsg(srv->db));
fail:
    json_decref(bodies);
    if (room) {
        proto_doc_free(room->doc);
        free(room);
    }
    return NULL;
}

struct srv_room *room_get(struct srv_server *srv, const char *project_id,
                          char *err, size_t errlen)
{
    struct srv_room *room = srv_room_find(project_id);

    if (room)
        return room;
    room = room_load(srv, project_id, err, errlen);
    if (!room)
        return NULL;
    room->next = rooms;
    rooms = room;
    room->in_registry = true;
    n_rooms++;
    return room;
}

struct srv_room *srv_room_find(const char *project_id)
{
    for (struct srv_room *r = rooms; r; r = r->next)
        if (strcmp(r->project_id, project_id) == 0)
            return r;
    return NULL;
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
    sqlite3_stmt *st = room_reader_stmt(
        room->srv, "SELECT seq FROM client_seqs WHERE project_id=? AND client=?");
    if (st) {
        sqlite3_bind_text(st, 1, room->project_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            k->last_seq = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
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
        " AND rev<=? ORDER BY rev DESC LIMIT ?) ORDER BY rev";
    sqlite3_stmt *st = room_reader_stmt(room->srv, sql);

    if (!st)
        return;
    sqlite3_bind_text(st, 1, room->project_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, room->committed);
    sqlite3_bind_int(st, 4, 2 * UNDO_DEPTH);
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long rev = sqlite3_column_int64(st, 0);
        const char *kind = col_text(st, 1);
        json_t *applied = json_loads(col_text(st, 2), 0, NULL);
        json_t *inverse = json_loads(col_text(st, 3), 0, NULL);
        if (json_is_array(applied) && json_is_array(inverse)) {
            if (strcmp(kind, "push") == 0) {
                room_stack_clear(&u->redo);
                room_stack_push(&u->undo, rev, applied, inverse);
            } else if (strcmp(kind, "undo") == 0) {
                room_stack_remove_rev(&u->undo, sqlite3_column_int64(st, 4));
                room_stack_push(&u->redo, rev, applied, inverse);
            } else {
                room_stack_remove_rev(&u->redo, sqlite3_column_int64(st, 5));
                room_stack_push(&u->undo, rev, applied, inverse);
            }
        }
        json_decref(applied);
        json_decref(inverse);
    }
    sqlite3_reset(st);
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

/* Catch-up builders of other modules (srv_room_on_catchup_kind). */
static struct {
    const char *kind;
    json_t *(*fn)(long long rev, const char *user, long long ts, json_t *ops);
} catchup_kinds[4];
static int n_catchup_kinds;

void srv_room_on_catchup_kind(const char *kind,
                              json_t *(*fn)(long long rev, const char *user,
                                            long long ts, json_t *ops))
{
    assert(n_catchup_kinds < 4);
    catchup_kinds[n_catchup_kinds].kind = kind;
    catchup_kinds[n_catchup_kinds].fn = fn;
    n_catchup_kinds++;
}

json_t *room_delta_from_row(sqlite3_stmt *st)
{
    json_t *ops = json_loads(col_text(st, 6), 0, NULL);

    if (!ops)
        return NULL;
    for (int i = 0; i < n_catchup_kinds; i++)
        if (strcmp(col_text(st, 1), catchup_kinds[i].kind) == 0) {
            json_t *m = catchup_kinds[i].fn(sqlite3_column_int64(st, 0),
                                            col_text(st, 4),
                                            sqlite3_column_int64(st, 5), ops);
            json_decref(ops);
            return m;
        }
    json_t *d = room_delta_json(
        sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
        sqlite3_column_type(st, 3) == SQLITE_NULL ? 0
                                                  : sqlite3_column_int64(st, 3),
        col_text(st, 4), sqlite3_column_int64(st, 5), ops,
        sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8));
    json_decref(ops);
    return d;
}

void room_send_all(struct srv_room *room, const char *text, size_t len,
                   struct room_link *except)
{
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        if (l == except || l->welcome_pending || !l->conn->welcomed)
            continue;
        srv_ws_send_text(l->conn, text, len);
    }
}

int srv_room_broadcast(const char *project_id, json_t *msg)
{
    struct srv_room *room = srv_room_find(project_id);
    int n = 0;

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

    if (room)
        proto_doc_set_asset(room->doc, asset_id, frames, ready);
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
    *revisions = n_revisions;
    *rejects = room_n_rejects;
}

/* ------------------------------------------------------------------ */
/* the revision pipeline                                                */

struct rev_obj {
    char *id;
    char *kind;
    char *body;                /* NULL: delete */
};

struct rev_job {
    struct rev_job *next;      /* the room's next revision in its batch */
    struct srv_room *room;
    char project_id[64];
    long long rev, seq, ts, undo_of, redo_of;
    char kind[16];
    char client[65];
    char user[64];
    char *ops_text, *inverse_text, *summary;
    char *project_name;        /* the project object's name, if touched */
    size_t n_obj;
    struct rev_obj *obj;
    char *delta_text;
    size_t delta_len;
    char *reply_text;          /* the delta with the request's "id" */
    size_t reply_len;
    uint64_t reply_serial;
    char *snap_text;           /* the whole document, every
                                  SRV_ROOM_SNAPSHOT_EVERY revisions */
    /* a module's extra write (srv_room_commit_rev) */
    int (*xwrite)(sqlite3 *db, long long rev, void *arg);
    void (*xfree)(void *arg);
    void *xarg;
};

static void job_free(struct rev_job *j)
{
    for (size_t i = 0; i < j->n_obj; i++) {
        free(j->obj[i].id);
        free(j->obj[i].kind);
        free(j->obj[i].body);
    }
    free(j->obj);
    free(j->ops_text);
    free(j->inverse_text);
    free(j->summary);
    free(j->project_name);
    free(j->delta_text);
    free(j->reply_text);
    free(j->snap_text);
    if (j->xfree)
        j->xfree(j->xarg);
    free(j);
}

/* The writer thread's prepared statements (thread-local: only the writer
 * thread runs batch_write). Finalized by a job submitted at shutdown. */
enum { W_HEAD, W_OPS, W_UPSERT, W_DELETE, W_SEQ, W_SNAP, W_COUNT };
static __thread struct {
    sqlite3 *db;
    sqlite3_stmt *st[W_COUNT];
} wcache;

static const char *const wsql[W_COUNT] = {
    "UPDATE projects SET head_rev=?1, updated_at=?2, name=coalesce(?4, name)"
    " WHERE id=?3 AND head_rev=?5",
    "INSERT INTO ops(project_id, rev, kind, client, seq, user_id, ts, ops,"
    " inverse, summary, undo_of, redo_of) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO objects(project_id, id, kind, body, rev) VALUES(?,?,?,?,?)"
    " ON CONFLICT(project_id, id) DO UPDATE SET kind=excluded.kind,"
    " body=excluded.body, rev=excluded.rev",
    "DELETE FROM objects WHERE project_id=? AND id=?",
    "INSERT INTO client_seqs(project_id, client, seq, rev) VALUES(?,?,?,?)"
    " ON CONFLICT(project_id, client) DO UPDATE SET seq=excluded.seq,"
    " rev=excluded.rev",
    "INSERT OR REPLACE INTO snapshots(project_id, rev, doc) VALUES(?,?,?)",
};

static void wcache_clear(void)
{
    for (int i = 0; i < W_COUNT; i++) {
        sqlite3_finalize(wcache.st[i]);
        wcache.st[i] = NULL;
    }
    wcache.db = NULL;
}

static int wcache_finalize_job(sqlite3 *db, void *arg)
{
    (void)db;
    (void)arg;
    wcache_clear();
    return 0;
}

static sqlite3_stmt *wstmt(sqlite3 *db, int which)
{
    if (wcache.db != db)
        wcache_clear();
    wcache.db = db;
    if (!wcache.st[which] &&
        sqlite3_prepare_v3(db, wsql[which], -1, SQLITE_PREPARE_PERSISTENT,
                           &wcache.st[which], NULL) != SQLITE_OK) {
        srv_err("room writer: %s", sqlite3_errmsg(db));
        return NULL;
    }
    sqlite3_reset(wcache.st[which]);
    sqlite3_clear_bindings(wcache.st[which]);
    return wcache.st[which];
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && s[0])
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, long long v)
{
    if (v > 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* The revisions of one room applied during one loop pass are written by
 * one writer job (room_flush -> batch_write): one head update for the
 * whole run of revisions, every revision's ops row (and snapshot and
 * extra write) in order, but each object and each client's seq written
 * once, with its state after the batch's last revision that touched it
 * (the same rows as writing revision by revision). The job is all or
 * nothing: if it fails, none of its revisions is stored and the room is
 * closed for a resync (room_fail), as for a failed single revision. */

/* Writer thread: the rows of revision j, the idx-th of its batch. */
static int rev_write_one(sqlite3 *db, struct rev_job *j, long long idx,
                         json_t *last_obj, json_t *last_seq)
{
    sqlite3_stmt *st;

    if (!(st = wstmt(db, W_OPS)))
        return -1;
    sqlite3_bind_text(st, 1, j->project_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, j->rev);
    sqlite3_bind_text(st, 3, j->kind, -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, j->client);
    bind_int_or_null(st, 5, j->seq);
    bind_text_or_null(st, 6, j->user);
    sqlite3_bind_int64(st, 7, j->ts);
    sqlite3_bind_text(st, 8, j->ops_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, j->inverse_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, j->summary ? j->summary : "", -1, SQLITE_STATIC);
    bind_int_or_null(st, 11, j->undo_of);
    bind_int_or_null(st, 12, j->redo_of);
    if (step_done(st) != 0)
        goto dberr;

    for (size_t i = 0; i < j->n_obj; i++) {
        struct rev_obj *o = &j->obj[i];
        if (json_integer_value(json_object_get(last_obj, o->id)) != idx)
            continue; /* a later revision of the batch writes this id */
        if (o->body) {
            if (!(st = wstmt(db, W_UPSERT)))
                return -1;
            sqlite3_bind_text(st, 1, j->project_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, o->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, o->kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, o->body, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, j->rev);
        } else {
            if (!(st = wstmt(db, W_DELETE)))
                return -1;
            sqlite3_bind_text(st, 1, j->project_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, o->id, -1, SQLITE_STATIC);
        }
        if (step_done(st) != 0)
            goto dberr;
    }

    if (j->client[0] && j->seq > 0 &&
        json_integer_value(json_object_get(last_seq, j->client)) == idx) {
        if (!(st = wstmt(db, W_SEQ)))
            return -1;
        sqlite3_bind_text(st, 1, j->project_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, j->client, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, j->seq);
        sqlite3_bind_int64(st, 4, j->rev);
        if (step_done(st) != 0)
            goto dberr;
    }
    if (j->snap_text) {
        if (!(st = wstmt(db, W_SNAP)))
            return -1;
        sqlite3_bind_text(st, 1, j->project_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, j->rev);
        sqlite3_bind_text(st, 3, j->snap_text, -1, SQLITE_STATIC);
        if (step_done(st) != 0)
            goto dberr;
    }
    if (j->xwrite && j->xwrite(db, j->rev, j->xarg) != 0) {
        srv_err("room %s: revision %lld: its extra write failed",
                j->project_id, j->rev);
        return -1;
    }
    return 0;
dberr:
    srv_err("room %s: storing revision %lld: %s", j->project_id, j->rev,
            sqlite3_errmsg(db));
    return -1;
}

/* Writer thread: stores a room's batch of consecutive revisions. */
static int batch_write(sqlite3 *db, void *arg)
{
    struct rev_job *first = arg, *last = first, *j;
    json_t *last_obj = json_object(), *last_seq = json_object();
    const char *name = NULL;
    sqlite3_stmt *st;
    long long idx = 0;
    int rc = -1;

    if (!last_obj || !last_seq)
        goto out;
    /* who writes each object and each client's seq last */
    for (j = first; j; j = j->next, idx++) {
        last = j;
        for (size_t i = 0; i < j->n_obj; i++)
            json_object_set_new(last_obj, j->obj[i].id, json_integer(idx));
        if (j->client[0] && j->seq > 0)
            json_object_set_new(last_seq, j->client, json_integer(idx));
        if (j->project_name)
            name = j->project_name;
    }
    if (!(st = wstmt(db, W_HEAD)))
        goto out;
    sqlite3_bind_int64(st, 1, last->rev);
    sqlite3_bind_int64(st, 2, last->ts);
    sqlite3_bind_text(st, 3, first->project_id, -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, name);
    sqlite3_bind_int64(st, 5, first->rev - 1);
    if (step_done(st) != 0) {
        srv_err("room %s: storing revisions %lld-%lld: %s", first->project_id,
                first->rev, last->rev, sqlite3_errmsg(db));
        goto out;
    }
    if (sqlite3_changes(db) != 1) {
        srv_err("room %s: revision %lld does not follow the stored head",
                first->project_id, first->rev);
        goto out;
    }
    idx = 0;
    for (j = first; j; j = j->next, idx++)
        if (rev_write_one(db, j, idx, last_obj, last_seq) != 0)
            goto out;
    rc = 0;
out:
    json_decref(last_obj);
    json_decref(last_seq);
    return rc;
}

/* A commit failed: see the file comment. */
static void room_fail(struct srv_room *room, long long rev)
{
    if (room->broken)
        return;
    srv_err("room %s: revision %lld could not be stored; closing the room's "
            "connections so they resync", room->project_id, rev);
    room->broken = true;
    registry_remove(room);
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        srv_ws_error(l->conn, NULL, PROTO_INTERNAL,
                     "the server could not save revision %lld; reconnect to "
                     "resync (unacknowledged pushes were not applied)", rev);
        srv_ws_close(l->conn, 1011, "resync");
    }
}

/* Loop thread, after the writer's commit: broadcast or fail. */
static void rev_done(void *arg, int status)
{
    struct rev_job *j = arg;
    struct srv_room *room = j->room;

    assert(room->pending > 0);
    room->pending--;
    if (status != 0) {
        room_fail(room, j->rev);
    } else if (!room->broken) {
        assert(j->rev == room->committed + 1);
        room->committed = j->rev;
        n_revisions++;
        for (struct room_link *l = room->links, *next; l; l = next) {
            next = l->next;
            if (l->welcome_pending) {
                if (l->welcome_rev == j->rev)
                    room_send_welcome(l);
                continue;
            }
            if (!l->conn->welcomed)
                continue;
            if (j->reply_text && l->conn->serial == j->reply_serial)
                srv_ws_send_text(l->conn, j->reply_text, j->reply_len);
            else
                srv_ws_send_text(l->conn, j->delta_text, j->delta_len);
        }
    }
    job_free(j);
    room_maybe_free(room);
}

/* Loop thread, after the writer's commit of a room's batch. */
static void batch_done(void *arg, int status)
{
    for (struct rev_job *j = arg, *next; j; j = next) {
        next = j->next;
        rev_done(j, status);
    }
}

/* Loop thread, once per loop pass that committed revisions in the room:
 * hands the room's batch to the writer. A broken room stores nothing
 * more: its batch fails at once. */
static void room_flush(void *arg)
{
    struct srv_room *room = arg;
    struct rev_job *batch = room->out_head;

    room->flush_posted = false;
    room->out_head = room->out_tail = NULL;
    if (!batch)
        return;
    if (room->broken)
        batch_done(batch, -1);
    else
        store_writer_submit(room->srv->writer, batch_write, batch_done, batch);
}

/* Adds the ids touched by ops to the job: their body now, or a delete. */
static int job_add_objects(struct rev_job *j, const proto_doc *doc,
                           const json_t *applied)
{
    json_t *seen = json_object();
    size_t i, n = json_array_size(applied);
    json_t *op;

    j->obj = calloc(n ? n : 1, sizeof *j->obj);
    if (!seen || !j->obj) {
        json_decref(seen);
        return -1;
    }
    json_array_foreach(applied, i, op) {
        const char *id = json_string_value(json_object_get(op, "id"));
        if (!id || json_object_get(seen, id))
            continue;
        json_object_set_new(seen, id, json_true());
        struct rev_obj *o = &j->obj[j->n_obj++];
        o->id = strdup(id);
        const json_t *cur = proto_doc_get(doc, id);
        if (cur) {
            const char *kind = json_string_value(json_object_get(cur, "kind"));
            o->kind = strdup(kind ? kind : "");
            o->body = json_dumps(cur, ROOM_JSON_FLAGS);
            if (strcmp(id, "project") == 0) {
                const char *name =
                    json_string_value(json_object_get(cur, "name"));
                if (name)
                    j->project_name = strdup(name);
            }
        }
    }
    json_decref(seen);
    return 0;
}

/* room_commit with a module's options (srv_room_commit_rev); opts may be
 * NULL. With opts->no_apply, applied is a record (not document ops). */
static long long commit_ex(struct srv_room *room, struct srv_conn *c,
                           enum room_rev_kind kind, const char *kind_name,
                           long long seq, json_t *applied, json_t *inverse,
                           long long of_rev, json_t *reply_id,
                           const struct srv_room_rev_opts *opts)
{
    struct rev_job *j = calloc(1, sizeof *j);
    bool no_apply = opts && opts->no_apply;
    long long rev = ++room->head;

    if (!j) {
        srv_err("out of memory committing a revision");
        abort();
    }
    j->room = room;
    snprintf(j->project_id, sizeof j->project_id, "%s", room->project_id);
    j->rev = rev;
    j->seq = seq;
    j->ts = store_now_ms();
    snprintf(j->kind, sizeof j->kind, "%s", kind_name);
    if (kind == ROOM_REV_UNDO)
        j->undo_of = of_rev;
    else if (kind == ROOM_REV_REDO)
        j->redo_of = of_rev;
    if (c) {
        snprintf(j->client, sizeof j->client, "%s", c->client_id);
        snprintf(j->user, sizeof j->user, "%s", c->user_id);
        struct room_user *u = room_user_get(room, c->user_id);
        if (u && kind == ROOM_REV_PUSH) {
            room_stack_clear(&u->redo);
            room_stack_push(&u->undo, rev, applied, inverse);
        } else if (u && kind == ROOM_REV_UNDO) {
            room_stack_push(&u->redo, rev, applied, inverse);
        } else if (u && kind == ROOM_REV_REDO) {
            room_stack_push(&u->undo, rev, applied, inverse);
        }
    }
    j->ops_text = json_dumps(applied, ROOM_JSON_FLAGS);
    j->inverse_text = json_dumps(inverse, ROOM_JSON_FLAGS);
    const char *who = c ? (c->display_name[0] ? c->display_name
                           : c->user_name[0] ? c->user_name : c->user_id)
                        : "server";
    j->summary = opts && opts->summary
                     ? strdup(opts->summary)
                 : no_apply ? strdup(kind_name)
                            : proto_summary(who, applied, inverse, room->doc);
    json_t *d;
    if (opts && opts->message) {
        d = json_deep_copy(opts->message);
        json_object_set_new(d, "rev", json_integer(rev));
    } else {
        d = room_delta_json(rev, kind_name, j->client, seq, j->user, j->ts,
                            applied, j->undo_of, j->redo_of);
        if (opts && opts->delta_extra)
            json_object_update(d, opts->delta_extra);
    }
    if (opts) {
        j->xwrite = opts->write;
        j->xfree = opts->free_arg;
        j->xarg = opts->arg;
    }
    if (rev % SRV_ROOM_SNAPSHOT_EVERY == 0) {
        json_t *objs = proto_doc_objects(room->doc);
        j->snap_text = objs ? json_dumps(objs, ROOM_JSON_FLAGS) : NULL;
        json_decref(objs);
        if (!j->snap_text) {
            srv_err("out of memory committing a revision");
            abort();
        }
    }
    j->delta_text = json_dumps(d, ROOM_JSON_FLAGS);
    if (reply_id && c) {
        json_object_set(d, "id", reply_id);
        j->reply_text = json_dumps(d, ROOM_JSON_FLAGS);
        j->reply_len = j->reply_text ? strlen(j->reply_text) : 0;
        j->reply_serial = c->serial;
    }
    json_decref(d);
    if (!j->ops_text || !j->inverse_text || !j->delta_text ||
        (!no_apply && job_add_objects(j, room->doc, applied) != 0)) {
        srv_err("out of memory committing a revision");
        abort();
    }
    j->delta_len = strlen(j->delta_text);
    json_decref(applied);
    json_decref(inverse);
    if (!no_apply)
        srv_room_changed(room, rev); /* preview plans (room_plans.h) */
    room->pending++;
    /* batched per room until the end of this loop pass (room_flush) */
    if (room->out_tail)
        room->out_tail->next = j;
    else
        room->out_head = j;
    room->out_tail = j;
    if (!room->flush_posted) {
        room->flush_posted = true;
        srv_loop_post(room_flush, room);
    }
    return rev;
}

long long room_commit(struct srv_room *room, struct srv_conn *c,
                      enum room_rev_kind kind, const char *kind_name,
                      long long seq, json_t *applied, json_t *inverse,
                      long long of_rev, json_t *reply_id)
{
    return commit_ex(room, c, kind, kind_name, seq, applied, inverse, of_rev,
                     reply_id, NULL);
}

long long srv_room_commit_rev(struct srv_room *room, struct srv_conn *c,
                              const char *kind, const json_t *ops,
                              json_t *reply_id,
                              const struct srv_room_rev_opts *opts,
                              proto_err *err)
{
    json_t *applied = NULL, *inverse = NULL;

    assert(opts);
    if (room->broken) {
        if (opts->free_arg)
            opts->free_arg(opts->arg);
        return proto_fail(err, PROTO_INTERNAL, "the room is reloading");
    }
    if (opts->no_apply) {
        applied = json_deep_copy(ops);
        inverse = json_array();
    } else if (proto_apply_push(room->doc, ops, &applied, &inverse, err) !=
               0) {
        if (opts->free_arg)
            opts->free_arg(opts->arg);
        return -1;
    }
    return commit_ex(room, c, ROOM_REV_OTHER, kind, 0, applied, inverse, 0,
                     reply_id, opts);
}

long long srv_room_apply_ops(struct srv_room *room, struct srv_conn *c,
                             const char *kind, const json_t *ops,
                             json_t *reply_id, proto_err *err)
{
    json_t *applied = NULL, *inverse = NULL;

    if (room->broken)
        return proto_fail(err, PROTO_INTERNAL, "the room is reloading");
    if (proto_apply_push(room->doc, ops, &applied, &inverse, err) != 0)
        return -1;
    return room_commit(room, c, ROOM_REV_OTHER, kind, 0, applied, inverse, 0,
                       reply_id);
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

    (void)srv;
    for (struct srv_room *r = rooms, *next; r; r = next) {
        next = r->next;
        presence_tick(r, now);
        if (r->n_links == 0 && r->pending == 0 &&
            now - r->empty_since_ms >= ROOM_UNLOAD_MS) {
            srv_debug("room %s unloaded", r->project_id);
            registry_remove(r);
            room_free(r);
        }
    }
}

static void on_stop(struct srv_server *srv)
{
    /* batches still waiting for their room_flush go to the writer before
     * its statements are finalized */
    for (struct srv_room *r = rooms; r; r = r->next)
        if (r->out_head)
            room_flush(r);
    if (srv->writer)
        store_writer_submit(srv->writer, wcache_finalize_job, NULL, NULL);
    reader_cache_clear();
}

static const struct srv_ws_route routes[] = {
    {"hello", room_on_hello, true},
    {"push", room_on_push, false},
    {"undo", room_on_undo, false},
    {"redo", room_on_redo, false},
    {"presence", room_on_presence, false},
    {"history", room_on_history, false},
};

void srv_rooms_init(void)
{
    srv_ws_add_routes(routes, (int)(sizeof routes / sizeof routes[0]));
    srv_ws_on_close(on_close);
    srv_loop_on_tick(on_tick);
    srv_loop_on_stop(on_stop);
}
