/* room_commit.c -- the revision pipeline every change goes through:
 * applied in memory on the loop thread, written by the store writer thread
 * (objects, ops row, client seq, head_rev, snapshots, a module's extra
 * write; one writer job per room per loop pass), and broadcast as a
 * `delta` only in the writer's done callback, in revision order.
 *
 * A failed commit: the writer job of revision r checks that the stored
 * head_rev is r-1, so once one revision of a room fails, every later one
 * already queued fails too and the database stays at a consistent state
 * (some prefix of the revisions). The room, whose memory is ahead of that
 * state, is marked broken, taken out of the registry, and its connections
 * get an `internal` error and are closed (1011); their next hello loads the
 * room again from the database. Nothing unacknowledged was acknowledged.
 * When the commit failed for lack of space (STORE_FAILED_FULL), the author
 * of each failed push first gets a `reject` ("the server's disk is full;
 * the edit was not saved"), so it drops the push instead of resending it.
 *
 * The writer's statement cache is thread-local to the writer thread. */
#include "server/rooms/room.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/json_enc.h"
#include "protocol/ops.h"
#include "protocol/summary.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/rooms/room_delta.h"
#include "server/rooms/room_priv.h"
#include "server/rooms/room_snapshot.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

struct rev_obj {
    char *id;
    char *kind;
    json_t *cur;               /* the object after the revision (a
                                  reference; the document replaces objects,
                                  never changes one in place), NULL: delete */
    char *body;                /* cur as stored, encoded by the writer */
};

struct rev_job {
    struct rev_job *next;      /* the room's next revision in its batch */
    struct srv_room *room;
    char project_id[64];
    long long rev, seq, ts, undo_of, redo_of;
    char kind[16];
    char client[65];
    char user[64];
    /* encoded on the writer thread (encode_job), from references to the
     * ops as applied and their inverse, which nobody changes once applied
     * (the undo stacks hold them too); jansson's counts are atomic */
    json_t *applied, *inverse;
    char *ops_text, *inverse_text, *summary;
    size_t ops_len;
    char delta_kind[48];       /* the kind as the delta names it */
    char *id_text;             /* the author's request id as JSON, or NULL */
    size_t id_len;
    char *project_name;        /* the project object's name, if touched */
    size_t n_obj;
    struct rev_obj *obj;
    struct srv_ws_frame *delta; /* the delta, one frame queued on every
                                   connection of the room */
    char *reply_text;          /* the delta with the request's "id" */
    size_t reply_len;
    uint64_t reply_serial;     /* the author's connection, if any */
    struct room_snapshot *snap; /* the whole document, every
                                  SRV_ROOM_SNAPSHOT_EVERY revisions: taken
                                  on the loop, encoded by the writer */
    /* a module's extra write (srv_room_commit_rev) */
    int (*xwrite)(db_conn *db, long long rev, void *arg);
    void (*xfree)(void *arg);
    void *xarg;
};

/* snprintf(dst, size, "%s", src) without stdio (five per revision). */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void job_free(struct rev_job *j)
{
    for (size_t i = 0; i < j->n_obj; i++) {
        free(j->obj[i].id);
        free(j->obj[i].kind);
        free(j->obj[i].body);
        json_decref(j->obj[i].cur);
    }
    json_decref(j->applied);
    json_decref(j->inverse);
    free(j->id_text);
    free(j->obj);
    free(j->ops_text);
    free(j->inverse_text);
    free(j->summary);
    free(j->project_name);
    srv_ws_frame_unref(j->delta);
    free(j->reply_text);
    room_snapshot_free(j->snap);
    if (j->xfree)
        j->xfree(j->xarg);
    free(j);
}

/* The writer thread's prepared statements (thread-local: only the writer
 * thread runs batch_write). Finalized by a job submitted at shutdown. */
enum { W_HEAD, W_OPS, W_UPSERT, W_DELETE, W_SEQ, W_SNAP, W_COUNT };
static __thread struct store_stmt_cache wcache;

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
    "INSERT INTO snapshots(project_id, rev, doc) VALUES(?,?,?)"
    " ON CONFLICT(project_id, rev) DO UPDATE SET doc=excluded.doc",
};

int room_wcache_finalize_job(db_conn *db, void *arg)
{
    (void)db;
    (void)arg;
    assert(store_on_writer_thread());
    store_stmt_cache_clear(&wcache);
    return 0;
}

static db_stmt *wstmt(db_conn *db, int which)
{
    db_stmt *st = store_stmt_cache_get(&wcache, db, wsql[which]);

    if (!st)
        srv_err("room writer: %s", db_errmsg(db));
    return st;
}

static void bind_text_or_null(db_stmt *st, int i, const char *s)
{
    if (s && s[0])
        db_bind_text(st, i, s, -1, DB_STATIC);
    else
        db_bind_null(st, i);
}

static void bind_int_or_null(db_stmt *st, int i, long long v)
{
    if (v > 0)
        db_bind_int64(st, i, v);
    else
        db_bind_null(st, i);
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
static int rev_write_one(db_conn *db, struct rev_job *j, long long idx,
                         json_t *last_obj, json_t *last_seq)
{
    db_stmt *st;

    if (!(st = wstmt(db, W_OPS)))
        return -1;
    db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
    db_bind_int64(st, 2, j->rev);
    db_bind_text(st, 3, j->kind, -1, DB_STATIC);
    bind_text_or_null(st, 4, j->client);
    bind_int_or_null(st, 5, j->seq);
    bind_text_or_null(st, 6, j->user);
    db_bind_int64(st, 7, j->ts);
    db_bind_text(st, 8, j->ops_text, -1, DB_STATIC);
    db_bind_text(st, 9, j->inverse_text, -1, DB_STATIC);
    db_bind_text(st, 10, j->summary ? j->summary : "", -1, DB_STATIC);
    bind_int_or_null(st, 11, j->undo_of);
    bind_int_or_null(st, 12, j->redo_of);
    if (store_step_done(st, NULL, 0) != 0)
        goto dberr;

    for (size_t i = 0; i < j->n_obj; i++) {
        struct rev_obj *o = &j->obj[i];
        if (json_integer_value(json_object_get(last_obj, o->id)) != idx)
            continue; /* a later revision of the batch writes this id */
        if (o->body) {
            if (!(st = wstmt(db, W_UPSERT)))
                return -1;
            db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
            db_bind_text(st, 2, o->id, -1, DB_STATIC);
            db_bind_text(st, 3, o->kind, -1, DB_STATIC);
            db_bind_text(st, 4, o->body, -1, DB_STATIC);
            db_bind_int64(st, 5, j->rev);
        } else {
            if (!(st = wstmt(db, W_DELETE)))
                return -1;
            db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
            db_bind_text(st, 2, o->id, -1, DB_STATIC);
        }
        if (store_step_done(st, NULL, 0) != 0)
            goto dberr;
    }

    if (j->client[0] && j->seq > 0 &&
        json_integer_value(json_object_get(last_seq, j->client)) == idx) {
        if (!(st = wstmt(db, W_SEQ)))
            return -1;
        db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
        db_bind_text(st, 2, j->client, -1, DB_STATIC);
        db_bind_int64(st, 3, j->seq);
        db_bind_int64(st, 4, j->rev);
        if (store_step_done(st, NULL, 0) != 0)
            goto dberr;
    }
    if (j->snap) {
        size_t snap_len = 0;
        char *snap_text = room_snapshot_encode(j->snap, &snap_len);
        if (!snap_text || !(st = wstmt(db, W_SNAP))) {
            free(snap_text);
            return -1;
        }
        db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
        db_bind_int64(st, 2, j->rev);
        db_bind_text(st, 3, snap_text, (int)snap_len, DB_TRANSIENT);
        free(snap_text);
        if (store_step_done(st, NULL, 0) != 0)
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
            db_errmsg(db));
    return -1;
}

/* The delta of j, once as a shared frame for every connection and, with
 * an id, once more with the request's "id" for its author: written from
 * the stored row's ops text (room_delta.c) without dumping the ops again;
 * strings jansson would have to escape go through room_delta_json and
 * json_dumps as before (the same bytes either way: test_shared_frame).
 * Any thread: the writer calls it from encode_job. */
static int encode_delta(struct rev_job *j)
{
    struct room_delta_fields f = {
        .rev = j->rev, .kind = j->delta_kind, .client = j->client,
        .seq = j->seq, .user = j->user, .ts = j->ts,
        .ops_text = j->ops_text, .ops_len = j->ops_len,
        .undo_of = j->undo_of, .redo_of = j->redo_of};
    long n;

    j->delta = srv_ws_frame_alloc(room_delta_bound(&f, 0));
    if (!j->delta)
        return -1;
    n = room_delta_encode(&f, NULL, 0, (char *)srv_ws_frame_data(j->delta));
    if (n >= 0) {
        srv_ws_frame_set_len(j->delta, (size_t)n);
        if (!j->id_text)
            return 0;
        j->reply_text = malloc(room_delta_bound(&f, j->id_len));
        if (!j->reply_text)
            return -1;
        j->reply_len = (size_t)room_delta_encode(&f, j->id_text, j->id_len,
                                                 j->reply_text);
        return 0;
    }
    /* the jansson path */
    json_t *d = room_delta_json(j->rev, j->delta_kind, j->client, j->seq,
                                j->user, j->ts, j->applied, j->undo_of,
                                j->redo_of);
    char *text = d ? json_dumps(d, ROOM_JSON_FLAGS) : NULL;
    int rc = -1;
    srv_ws_frame_unref(j->delta); /* never queued: escapes may be longer */
    j->delta = text ? srv_ws_frame_new(text, strlen(text)) : NULL;
    if (j->delta)
        rc = 0;
    free(text);
    if (rc == 0 && j->id_text) {
        json_t *id = json_loadb(j->id_text, j->id_len, JSON_DECODE_ANY, NULL);
        json_object_set_new(d, "id", id);
        j->reply_text = id ? json_dumps(d, ROOM_JSON_FLAGS) : NULL;
        j->reply_len = j->reply_text ? strlen(j->reply_text) : 0;
        if (!j->reply_text)
            rc = -1;
    }
    json_decref(d);
    return rc;
}

/* Writer thread: the revision's stored texts (ops, inverse, bodies) and
 * its delta, encoded off the loop; then the references are dropped. j is
 * the idx-th revision of its batch and last_obj maps each object id to the
 * index of the batch's last revision that touched it: only that one's
 * body is stored (rev_write_one), so only that one is encoded (a batch of
 * 20 sets of one object encoded its body 20 times). Returns 0, or -1 when
 * out of memory (the batch then fails). */
static int encode_job(struct rev_job *j, long long idx, json_t *last_obj)
{
    if (!j->ops_text &&
        !(j->ops_text = proto_json_dumps(j->applied, true, &j->ops_len)))
        return -1;
    if (!j->inverse_text &&
        !(j->inverse_text = proto_json_dumps(j->inverse, true, NULL)))
        return -1;
    for (size_t i = 0; i < j->n_obj; i++) {
        struct rev_obj *o = &j->obj[i];
        bool stored =
            json_integer_value(json_object_get(last_obj, o->id)) == idx;
        if (o->cur && !o->body && stored &&
            !(o->body = proto_json_dumps(o->cur, true, NULL)))
            return -1;
        json_decref(o->cur);
        o->cur = NULL;
    }
    if (!j->delta && encode_delta(j) != 0)
        return -1;
    json_decref(j->applied);
    json_decref(j->inverse);
    j->applied = j->inverse = NULL;
    return 0;
}

/* Writer thread: stores a room's batch of consecutive revisions. */
static int batch_write(db_conn *db, void *arg)
{
    struct rev_job *first = arg, *last = first, *j;
    json_t *last_obj = json_object(), *last_seq = json_object();
    const char *name = NULL;
    db_stmt *st;
    long long idx = 0;
    int rc = -1;

    assert(store_on_writer_thread());

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
    idx = 0;
    for (j = first; j; j = j->next, idx++)
        if (encode_job(j, idx, last_obj) != 0) {
            srv_err("room %s: out of memory encoding revision %lld",
                    first->project_id, j->rev);
            goto out;
        }
    if (!(st = wstmt(db, W_HEAD)))
        goto out;
    db_bind_int64(st, 1, last->rev);
    db_bind_int64(st, 2, last->ts);
    db_bind_text(st, 3, first->project_id, -1, DB_STATIC);
    bind_text_or_null(st, 4, name);
    db_bind_int64(st, 5, first->rev - 1);
    if (store_step_done(st, NULL, 0) != 0) {
        srv_err("room %s: storing revisions %lld-%lld: %s", first->project_id,
                first->rev, last->rev, db_errmsg(db));
        goto out;
    }
    if (db_changes(db) != 1) {
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

extern unsigned long long room_n_rejects;

/* A commit failed: see the file comment. */
static void room_fail(struct srv_room *room, long long rev, int status)
{
    bool full = status == STORE_FAILED_FULL;

    if (room->broken)
        return;
    srv_err("room %s: revision %lld could not be stored%s; closing the "
            "room's connections so they resync", room->project_id, rev,
            full ? " (disk full)" : "");
    room->broken = true;
    room_registry_remove(room);
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        srv_ws_error(l->conn, NULL, PROTO_INTERNAL,
                     "the server%s could not save revision %lld; reconnect "
                     "to resync (unacknowledged pushes were not applied)",
                     full ? "'s disk is full: it" : "", rev);
        srv_ws_close(l->conn, 1011, "resync");
    }
}

/* Loop thread: a push of batch j failed for lack of space: its author
 * (still in the room) gets a reject for its seq. */
static void reject_full(struct rev_job *j)
{
    if (!j->reply_serial || j->seq <= 0)
        return;
    for (struct room_link *l = j->room->links; l; l = l->next) {
        if (l->conn->serial != j->reply_serial)
            continue;
        srv_ws_send(l->conn,
                    json_pack("{s:s, s:I, s:s, s:s}", "type", "reject", "seq",
                              (json_int_t)j->seq, "code",
                              proto_code_name(PROTO_INTERNAL), "message",
                              "the server's disk is full; the edit was not "
                              "saved"),
                    NULL);
        room_n_rejects++;
        return;
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
        room_fail(room, j->rev, status);
    } else if (!room->broken) {
        assert(j->rev == room->committed + 1);
        room->committed = j->rev;
        room_n_revisions++;
        for (struct room_link *l = room->links, *next; l; l = next) {
            next = l->next;
            if (l->welcome_pending) {
                if (l->welcome_rev == j->rev)
                    room_send_welcome(l);
                else if (l->catchup && j->delta) /* room_catchup.c */
                    room_link_hold(l, j->delta);
                continue;
            }
            if (!l->conn->welcomed)
                continue;
            if (j->reply_text && l->conn->serial == j->reply_serial)
                srv_ws_send_text(l->conn, j->reply_text, j->reply_len);
            else
                srv_ws_send_frame(l->conn, j->delta);
        }
    }
    job_free(j);
    room_maybe_free(room);
}

/* Loop thread, after the writer's commit of a room's batch. */
static void batch_done(void *arg, int status)
{
    if (status == STORE_FAILED_FULL)
        for (struct rev_job *j = arg; j; j = j->next)
            reject_full(j);
    for (struct rev_job *j = arg, *next; j; j = next) {
        next = j->next;
        rev_done(j, status);
    }
}

/* Loop thread, once per loop pass that committed revisions in the room:
 * hands the room's batch to the writer. A broken room stores nothing
 * more: its batch fails at once. */
void room_flush(void *arg)
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
            o->cur = json_incref((json_t *)cur); /* encoded by the writer */
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

/* Loop thread: what the delta needs that only the loop has. A module's
 * message or extra fields (opts, valid only during the call) and a kind
 * too long for delta_kind are encoded now with jansson, as before; every
 * other delta is encoded by the writer (encode_delta). */
static int delta_on_loop(struct rev_job *j, const char *kind_name,
                         json_t *applied, json_t *reply_id,
                         const struct srv_room_rev_opts *opts)
{
    json_t *d;

    if (reply_id && !(j->id_text = room_delta_id_text(reply_id, &j->id_len)))
        return -1;
    if (!(opts && (opts->message || opts->delta_extra)) &&
        strlen(kind_name) < sizeof j->delta_kind) {
        copy_str(j->delta_kind, sizeof j->delta_kind, kind_name);
        return 0;
    }
    if (opts && opts->message) {
        d = json_deep_copy(opts->message);
        json_object_set_new(d, "rev", json_integer(j->rev));
    } else {
        d = room_delta_json(j->rev, kind_name, j->client, j->seq, j->user,
                            j->ts, applied, j->undo_of, j->redo_of);
        if (opts && opts->delta_extra)
            json_object_update(d, opts->delta_extra);
    }
    char *text = d ? json_dumps(d, ROOM_JSON_FLAGS) : NULL;
    j->delta = text ? srv_ws_frame_new(text, strlen(text)) : NULL;
    free(text);
    if (d && reply_id) {
        json_object_set(d, "id", reply_id);
        j->reply_text = json_dumps(d, ROOM_JSON_FLAGS);
        j->reply_len = j->reply_text ? strlen(j->reply_text) : 0;
    }
    json_decref(d);
    return j->delta && (!reply_id || j->reply_text) ? 0 : -1;
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
    copy_str(j->project_id, sizeof j->project_id, room->project_id);
    j->rev = rev;
    j->seq = seq;
    j->ts = store_now_ms();
    copy_str(j->kind, sizeof j->kind, kind_name);
    if (kind == ROOM_REV_UNDO)
        j->undo_of = of_rev;
    else if (kind == ROOM_REV_REDO)
        j->redo_of = of_rev;
    if (c) {
        copy_str(j->client, sizeof j->client, c->client_id);
        copy_str(j->user, sizeof j->user, c->user_id);
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
    /* the stored rows' JSON and the delta are encoded by the writer
     * (encode_job), the same bytes as json_dumps(..., ROOM_JSON_FLAGS)
     * without its printf per number (json_enc.h) */
    j->applied = json_incref(applied);
    j->inverse = json_incref(inverse);
    const char *who = c ? (c->display_name[0] ? c->display_name
                           : c->user_name[0] ? c->user_name : c->user_id)
                        : "server";
    j->summary = opts && opts->summary
                     ? strdup(opts->summary)
                 : no_apply ? strdup(kind_name)
                            : proto_summary(who, applied, inverse, room->doc);
    if (opts) {
        j->xwrite = opts->write;
        j->xfree = opts->free_arg;
        j->xarg = opts->arg;
    }
    if (rev % SRV_ROOM_SNAPSHOT_EVERY == 0) {
        if (!(j->snap = room_snapshot_take(room->doc))) {
            srv_err("out of memory committing a revision");
            abort();
        }
    }
    if (c)
        j->reply_serial = c->serial;
    if (delta_on_loop(j, kind_name, applied, reply_id && c ? reply_id : NULL,
                      opts) != 0 ||
        (!no_apply && job_add_objects(j, room->doc, applied) != 0)) {
        srv_err("out of memory committing a revision");
        abort();
    }
    json_decref(applied);
    json_decref(inverse);
    if (!no_apply)
        room_changed(room, rev); /* srv_room_on_change hooks (preview plans) */
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
    /* the snapshot is encoded on a worker and written after the batch
     * (room_snapshot.c); without a pool the writer encodes it here */
    if (j->snap && room_snapshot_submit(room->srv, room->project_id, rev,
                                        j->snap) == 0)
        j->snap = NULL;
    return rev;
}

int room_apply(struct srv_room *room, const json_t *ops, json_t **applied,
               json_t **inverse, proto_err *err)
{
    const struct srv_config *cfg = &room->srv->cfg;
    proto_limits lim = {.max_ops = 0,
                        .max_objects = (size_t)cfg->max_doc_objects,
                        .max_bytes = (size_t)cfg->max_doc_bytes};

    assert(room->doc);
    return proto_apply_push_limited(room->doc, ops, &lim, applied, inverse,
                                    err);
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

    assert(srv_on_loop_thread());
    assert(opts);
    if (room->broken) {
        if (opts->free_arg)
            opts->free_arg(opts->arg);
        return proto_fail(err, PROTO_INTERNAL, "the room is reloading");
    }
    if (opts->no_apply) {
        applied = json_deep_copy(ops);
        inverse = json_array();
    } else if (room_apply(room, ops, &applied, &inverse, err) != 0) {
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

    assert(srv_on_loop_thread());

    if (room->broken)
        return proto_fail(err, PROTO_INTERNAL, "the room is reloading");
    if (room_apply(room, ops, &applied, &inverse, err) != 0)
        return -1;
    return room_commit(room, c, ROOM_REV_OTHER, kind, 0, applied, inverse, 0,
                       reply_id);
}

