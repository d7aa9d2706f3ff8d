/* room_catchup.c -- the welcome's heavy part read and encoded off the loop
 * thread. A welcome carries either the deltas after `since` (up to 10,000
 * revisions of the ops log) or the whole document; reading the log's rows,
 * building their deltas and encoding them, or sorting and encoding 10,000
 * objects, took the loop tens of milliseconds, during which no other room
 * was served. Here a worker of the job pool does it on a reader connection
 * of its own (the revisions it reads are durable: the welcome is only sent
 * once its revision was committed) and hands back the encoded array; the
 * loop adds what only it has (members, presence, the modules' sections) and
 * writes the welcome around the worker's text (splice_key), which gives the
 * bytes json_dumps(welcome, ROOM_JSON_FLAGS) of the whole gives (the test
 * hook MIXROOM_TEST_CATCHUP_ON_LOOP=1 takes that plain path; so does a
 * server without a job pool).
 *
 * While the worker reads, the link's welcome is pending: the deltas of
 * later revisions and the room's other messages for the link are held on
 * it (room_link_hold) and sent right after the welcome, in order, so the
 * connection sees exactly what the plain path gives, only later. A link
 * that goes away meanwhile detaches its job (room_link_free_welcome); the
 * job's result is then dropped on the loop. */
#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/core/store_stmt.h"
#include "server/net/ws.h"
#include "server/rooms/room_priv.h"
#include "server/rooms/room_snapshot.h"

/* One welcome's read, from the loop to a worker and back. */
struct room_catchup {
    struct room_link *link;     /* NULL once the link is gone */
    char project_id[64];
    char data_dir[4096];
    char synchronous[16];
    long long since, upto;      /* deltas: revisions since < rev <= upto */
    struct room_snapshot *snap; /* or the objects (taken from the link) */
    char *text;                 /* the worker's encoded array */
    size_t len;
    char err[256];              /* the worker's failure, if text is NULL */
};

/* The test hook (room_catchup_test_hold): while non-zero, workers wait
 * before reading. Written by tests only. */
static atomic_int catchup_hold;

void room_catchup_test_hold(int on)
{
    atomic_store(&catchup_hold, on);
}

void room_link_hold(struct room_link *l, struct srv_ws_frame *f)
{
    assert(srv_on_loop_thread());
    if (l->n_held == l->cap_held) {
        size_t cap = l->cap_held ? l->cap_held * 2 : 64;
        void *p = realloc(l->held, cap * sizeof *l->held);
        if (!p) {
            srv_err("out of memory holding a message for a catch-up");
            abort();
        }
        l->held = p;
        l->cap_held = cap;
    }
    srv_ws_frame_ref(f);
    l->held[l->n_held++] = f;
}

/* Drops the link's held frames (sending them first when send). */
static void held_flush(struct room_link *l, bool send)
{
    for (size_t i = 0; i < l->n_held; i++) {
        if (send)
            srv_ws_send_frame(l->conn, l->held[i]);
        srv_ws_frame_unref(l->held[i]);
    }
    free(l->held);
    l->held = NULL;
    l->n_held = l->cap_held = 0;
}

static void catchup_free(struct room_catchup *j)
{
    room_snapshot_free(j->snap);
    free(j->text);
    free(j);
}

void room_catchup_detach(struct room_link *l)
{
    if (l->catchup) {
        l->catchup->link = NULL;
        l->catchup = NULL;
    }
    held_flush(l, false);
}

json_t *room_deltas_read(db_conn *db, db_stmt *st, const char *project_id,
                         long long since, long long upto)
{
    json_t *a = json_array();
    int rc;

    if (!a)
        return NULL;
    db_bind_text(st, 1, project_id, -1, DB_STATIC);
    db_bind_int64(st, 2, since);
    db_bind_int64(st, 3, upto);
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *d = room_delta_from_row(st);
        if (d)
            json_array_append_new(a, d);
    }
    db_reset(st);
    if (rc != DB_DONE || json_array_size(a) != (size_t)(upto - since)) {
        srv_err("room %s: the log from %lld to %lld is incomplete%s%s",
                project_id, since, upto, rc != DB_DONE ? ": " : "",
                rc != DB_DONE ? db_errmsg(db) : "");
        json_decref(a);
        return NULL;
    }
    return a;
}

/* Worker thread: the deltas (from the log, on the worker's kept reader) or
 * the objects, encoded. Touches neither the room nor the loop's
 * connection. */
static void catchup_work(void *arg)
{
    struct room_catchup *j = arg;
    db_conn *db = NULL;
    db_stmt *st = NULL;
    json_t *a = NULL;

    while (atomic_load(&catchup_hold))
        usleep(1000);
    if (j->snap) {
        j->text = room_snapshot_encode(j->snap, &j->len);
        if (!j->text)
            snprintf(j->err, sizeof j->err, "out of memory");
        return;
    }
    if (!(db = store_reader_get(j->data_dir, j->err, sizeof j->err)))
        return;
    if (db_prepare(db, ROOM_DELTAS_SQL, &st) != DB_OK) {
        snprintf(j->err, sizeof j->err, "%s", db_errmsg(db));
        goto out;
    }
    a = room_deltas_read(db, st, j->project_id, j->since, j->upto);
    if (!a) {
        snprintf(j->err, sizeof j->err, "the log is incomplete");
        goto out;
    }
    j->text = json_dumps(a, ROOM_JSON_FLAGS);
    if (j->text)
        j->len = strlen(j->text);
    else
        snprintf(j->err, sizeof j->err, "out of memory");
out:
    json_decref(a);
    db_finalize(st);
    store_reader_put(db, j->err[0] == '\0');
}

/* obj's encoding (ROOM_JSON_FLAGS) with key: the already encoded value
 * text added, at the place its sorted keys put it: the bytes json_dumps
 * gives when obj holds the parsed value under key. A new string (*len its
 * length), or NULL on out-of-memory. */
static char *splice_key(const json_t *obj, const char *key, const char *text,
                        size_t text_len, size_t *len)
{
    json_t *lo = json_object(), *hi = json_object();
    char *a = NULL, *b = NULL, *out = NULL;
    const char *k;
    json_t *v;

    if (!lo || !hi)
        goto done;
    json_object_foreach((json_t *)obj, k, v) {
        assert(strcmp(k, key) != 0);
        json_object_set(strcmp(k, key) < 0 ? lo : hi, k, v);
    }
    a = json_dumps(lo, ROOM_JSON_FLAGS); /* "{...}" */
    b = json_dumps(hi, ROOM_JSON_FLAGS);
    if (!a || !b)
        goto done;
    size_t la = strlen(a), lb = strlen(b), lk = strlen(key);
    /* "{" lo "," "\"key\":" text "," hi "}" */
    out = malloc(la + lb + lk + text_len + 8);
    if (!out)
        goto done;
    size_t n = 0;
    memcpy(out, a, la - 1); /* without its "}" */
    n = la - 1;
    if (la > 2)
        out[n++] = ',';
    out[n++] = '"';
    memcpy(out + n, key, lk);
    n += lk;
    out[n++] = '"';
    out[n++] = ':';
    memcpy(out + n, text, text_len);
    n += text_len;
    if (lb > 2)
        out[n++] = ',';
    memcpy(out + n, b + 1, lb - 1); /* without its "{" */
    n += lb - 1;
    out[n] = '\0';
    *len = n;
done:
    json_decref(lo);
    json_decref(hi);
    free(a);
    free(b);
    return out;
}

/* Loop thread, after catchup_work: the welcome goes out with the worker's
 * text, then what was held meanwhile; a failed read closes the connection
 * as the plain path does. */
static void catchup_done(void *arg)
{
    struct room_catchup *j = arg;
    struct room_link *l = j->link;
    char *text = NULL, *inner = NULL;
    size_t len = 0, inner_len = 0;
    struct srv_conn *c;
    json_t *w;

    assert(srv_on_loop_thread());
    if (!l)
        goto out; /* the link went away meanwhile */
    assert(l->catchup == j);
    l->catchup = NULL;
    c = l->conn;
    w = l->welcome;
    l->welcome = NULL;
    l->welcome_pending = false;
    if (!j->text) {
        srv_err("room %s: the catch-up could not be read: %s", j->project_id,
                j->err);
        json_decref(w);
        held_flush(l, false);
        srv_ws_error(c, NULL, PROTO_INTERNAL,
                     "the change log could not be read; reconnect without "
                     "since");
        srv_ws_close(c, 1011, "resync");
        goto out;
    }
    room_welcome_fill(l, w);
    if (j->snap) {
        json_t *snap = json_object_get(w, "snapshot");
        inner = splice_key(snap, "objects", j->text, j->len, &inner_len);
        json_object_del(w, "snapshot");
        if (inner)
            text = splice_key(w, "snapshot", inner, inner_len, &len);
    } else {
        text = splice_key(w, "deltas", j->text, j->len, &len);
    }
    json_decref(w);
    if (!text) {
        held_flush(l, false);
        srv_ws_close(c, 1011, "out of memory");
        goto out;
    }
    c->welcomed = true;
    srv_ws_send_text(c, text, len);
    held_flush(l, true);
out:
    free(inner);
    free(text);
    catchup_free(j);
}

int room_catchup_submit(struct room_link *l)
{
    struct srv_room *room = l->room;
    struct srv_server *srv = room->srv;
    struct room_catchup *j;

    assert(srv_on_loop_thread());
    assert(!l->catchup && l->welcome);
    if (!srv->jobs || getenv("MIXROOM_TEST_CATCHUP_ON_LOOP") ||
        (!l->welcome_deltas && !l->welcome_snap) ||
        !(j = calloc(1, sizeof *j)))
        return -1;
    j->link = l;
    snprintf(j->project_id, sizeof j->project_id, "%s", room->project_id);
    snprintf(j->data_dir, sizeof j->data_dir, "%s", srv->cfg.data_dir);
    snprintf(j->synchronous, sizeof j->synchronous, "%s",
             srv->cfg.synchronous[0] ? srv->cfg.synchronous : "FULL");
    j->since = l->welcome_since;
    j->upto = l->welcome_rev;
    if (!l->welcome_deltas) {
        j->snap = l->welcome_snap;
        l->welcome_snap = NULL;
    }
    l->catchup = j;
    if (srv_jobs_submit(srv->jobs, catchup_work, catchup_done, j) != 0) {
        l->catchup = NULL;
        l->welcome_snap = j->snap;
        j->snap = NULL;
        catchup_free(j);
        return -1;
    }
    return 0;
}
