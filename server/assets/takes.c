/* takes.c -- recorded takes in memory and in the database: the registry of
 * takes in use (loop thread), loading a take's row and chunk lengths, the
 * rows written through the store writer, the JSON the API shows, the
 * `recording` messages, and the module's hooks. See takes.h. */
#include "server/assets/takes.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server/assets/assets.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/rooms/room.h"

static const char *const state_names[] = {"recording", "stopped", "done",
                                          "discarded"};

/* Takes in use: loop thread only. */
static struct srv_take *registry;

const char *srv_take_state_name(enum srv_take_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "recording";
}

static enum srv_take_state state_from(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, state_names[i]))
            return (enum srv_take_state)i;
    return SRV_TAKE_STOPPED;
}

int srv_take_path(const struct srv_server *srv, const char *id, char *out,
                  size_t n)
{
    int r = snprintf(out, n, "%s/takes/%s.s16", srv->cfg.data_dir, id);
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

int srv_take_push_len(struct srv_take *t, uint32_t len)
{
    if ((size_t)t->next_seq >= t->lens_cap) {
        size_t cap = t->lens_cap ? t->lens_cap * 2 : 64;
        uint32_t *p = realloc(t->lens, cap * sizeof *p);
        if (!p)
            return -1;
        t->lens = p;
        t->lens_cap = cap;
    }
    t->lens[t->next_seq] = len;
    return 0;
}

struct srv_take *srv_take_new(const char *project_id, const char *user_id,
                              const char *user_name, int n)
{
    struct srv_take *t = calloc(1, sizeof *t);

    assert(srv_on_loop_thread());
    if (!t)
        return NULL;
    store_new_id(t->id, sizeof t->id, "t_");
    snprintf(t->project_id, sizeof t->project_id, "%s", project_id);
    snprintf(t->user_id, sizeof t->user_id, "%s", user_id);
    snprintf(t->user_name, sizeof t->user_name, "%s", user_name);
    t->n = n;
    t->state = SRV_TAKE_RECORDING;
    t->revision = -1;
    t->created_at = t->updated_at = store_now_ms();
    t->next = registry;
    registry = t;
    return t;
}

void srv_take_forget(struct srv_take *t)
{
    assert(srv_on_loop_thread());
    assert(!t->waiters && !t->writing);
    for (struct srv_take **p = &registry; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    free(t->lens);
    free(t);
}

static const char *const take_cols =
    "SELECT t.id, t.project_id, t.user_id, t.n, coalesce(t.track,''), t.at,"
    " t.rate, t.channels, t.device, t.next_seq, t.frames, t.state,"
    " coalesce(t.error,''), coalesce(t.asset,''), coalesce(t.clip,''),"
    " coalesce(t.out_track,''), coalesce(t.revision,-1), t.created_at,"
    " t.updated_at, coalesce(nullif(u.display_name,''), u.name, '')"
    " FROM takes t LEFT JOIN users u ON u.id=t.user_id ";

#define COL_TEXT(st, i) ((const char *)db_column_text((st), (i)))

static void take_from_row(struct srv_take *t, db_stmt *st)
{
    snprintf(t->id, sizeof t->id, "%s", COL_TEXT(st, 0));
    snprintf(t->project_id, sizeof t->project_id, "%s", COL_TEXT(st, 1));
    snprintf(t->user_id, sizeof t->user_id, "%s", COL_TEXT(st, 2));
    t->n = db_column_int(st, 3);
    snprintf(t->track, sizeof t->track, "%s", COL_TEXT(st, 4));
    t->at = db_column_int64(st, 5);
    t->rate = db_column_int(st, 6);
    t->channels = db_column_int(st, 7);
    snprintf(t->device, sizeof t->device, "%s", COL_TEXT(st, 8));
    t->next_seq = db_column_int64(st, 9);
    t->frames = db_column_int64(st, 10);
    t->state = state_from(COL_TEXT(st, 11));
    snprintf(t->error, sizeof t->error, "%s", COL_TEXT(st, 12));
    snprintf(t->asset, sizeof t->asset, "%s", COL_TEXT(st, 13));
    snprintf(t->clip, sizeof t->clip, "%s", COL_TEXT(st, 14));
    snprintf(t->out_track, sizeof t->out_track, "%s", COL_TEXT(st, 15));
    t->revision = db_column_int64(st, 16);
    t->created_at = db_column_int64(st, 17);
    t->updated_at = db_column_int64(st, 18);
    snprintf(t->user_name, sizeof t->user_name, "%s", COL_TEXT(st, 19));
    t->stored = true;
}

/* Reads the chunk lengths of t from its rows. -1 when they do not match
 * next_seq (then the take cannot be resumed safely). */
static int load_lens(db_conn *db, struct srv_take *t)
{
    db_stmt *st = store_prepare(
        db, "SELECT seq, bytes FROM take_chunks WHERE take_id=? ORDER BY seq",
        STORE_ARGS(t->id), NULL, 0);
    long long want = t->next_seq, seen = 0;
    int rc = 0;

    if (!st)
        return -1;
    t->next_seq = 0;
    while (rc == 0 && db_step(st) == DB_ROW) {
        if (db_column_int64(st, 0) != seen ||
            srv_take_push_len(t, (uint32_t)db_column_int64(st, 1)) != 0)
            rc = -1;
        else
            t->next_seq = ++seen;
    }
    db_finalize(st);
    if (seen != want)
        rc = -1;
    t->next_seq = want;
    return rc;
}

struct srv_take *srv_take_find(struct srv_server *srv, const char *project_id,
                               const char *id)
{
    struct srv_take *t;
    db_stmt *st;
    char sql[1024];

    assert(srv_on_loop_thread());
    /* finished takes are read again from their rows when asked for: drop
     * the idle ones (no caller keeps a take across a find unless it is
     * writing or finishing) */
    for (struct srv_take *o = registry, *next; o; o = next) {
        next = o->next;
        if (strcmp(o->id, id) && o->state >= SRV_TAKE_DONE && !o->writing &&
            !o->finishing && !o->waiters)
            srv_take_forget(o);
    }
    for (t = registry; t; t = t->next)
        if (!strcmp(t->id, id))
            return strcmp(t->project_id, project_id) ? NULL : t;
    snprintf(sql, sizeof sql, "%sWHERE t.id=?1 AND t.project_id=?2", take_cols);
    st = store_prepare(srv->db, sql, STORE_ARGS(id, project_id), NULL, 0);
    if (!st)
        return NULL;
    if (db_step(st) == DB_ROW && (t = calloc(1, sizeof *t))) {
        take_from_row(t, st);
        if (load_lens(srv->db, t) != 0) {
            srv_warn("take %s: its chunk rows do not match its row", t->id);
            free(t->lens);
            free(t);
            t = NULL;
        } else {
            t->next = registry;
            registry = t;
        }
    }
    db_finalize(st);
    return t;
}

int srv_take_next_number(struct srv_server *srv, const char *project_id)
{
    long long n = 0;

    store_query_int(srv->db, "SELECT coalesce(max(n),0) FROM takes WHERE "
                             "project_id=?",
                    STORE_ARGS(project_id), &n, NULL, 0);
    for (struct srv_take *t = registry; t; t = t->next)
        if (!strcmp(t->project_id, project_id) && t->n > n)
            n = t->n;
    return (int)n + 1;
}

long long srv_take_open_count(struct srv_server *srv, const char *user_id)
{
    long long n = 0;

    store_query_int(srv->db, "SELECT count(*) FROM takes WHERE user_id=? AND "
                             "state IN ('recording','stopped')",
                    STORE_ARGS(user_id), &n, NULL, 0);
    for (struct srv_take *t = registry; t; t = t->next)
        if (!t->stored && !strcmp(t->user_id, user_id))
            n++;
    return n;
}

json_t *srv_take_json(const struct srv_take *t)
{
    json_t *j = json_pack(
        "{s:s, s:i, s:o, s:I, s:i, s:i, s:s, s:s, s:s, s:I, s:I, s:s}", "id",
        t->id, "n", t->n, "track",
        t->out_track[0] ? json_string(t->out_track)
        : t->track[0]   ? json_string(t->track)
                        : json_null(),
        "at", (json_int_t)t->at, "rate", t->rate, "channels", t->channels,
        "user", t->user_id, "name", t->user_name, "state",
        srv_take_state_name(t->state), "next", (json_int_t)t->next_seq,
        "frames", (json_int_t)t->frames, "device", t->device);

    if (!j)
        return NULL;
    if (t->state == SRV_TAKE_DONE) {
        json_object_set_new(j, "asset", json_string(t->asset));
        json_object_set_new(j, "clip", json_string(t->clip));
        json_object_set_new(j, "revision", json_integer(t->revision));
    }
    if (t->error[0])
        json_object_set_new(j, "error", json_string(t->error));
    return j;
}

json_t *srv_take_list_json(struct srv_server *srv, const char *project_id,
                           const char *open_user)
{
    json_t *arr = json_array();
    db_stmt *st;
    char sql[1200];

    snprintf(sql, sizeof sql,
             "%sWHERE t.project_id=?1%s ORDER BY t.n", take_cols,
             open_user ? " AND t.user_id=?2 AND t.state IN "
                         "('recording','stopped')"
                       : "");
    st = store_prepare(srv->db, sql,
                       open_user ? STORE_ARGS(project_id, open_user)
                                 : STORE_ARGS(project_id),
                       NULL, 0);
    while (st && db_step(st) == DB_ROW) {
        struct srv_take row, *mem = NULL;
        memset(&row, 0, sizeof row);
        take_from_row(&row, st);
        /* the in-memory take is ahead of its row while a write is queued */
        for (struct srv_take *t = registry; t; t = t->next)
            if (!strcmp(t->id, row.id))
                mem = t;
        json_array_append_new(arr, srv_take_json(mem ? mem : &row));
    }
    db_finalize(st);
    return arr;
}

void srv_take_broadcast(const struct srv_take *t)
{
    const char *track = t->out_track[0] ? t->out_track : t->track;
    json_t *m = json_pack("{s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:s}", "type",
                          "recording", "take", t->id, "track",
                          track[0] ? json_string(track) : json_null(), "user",
                          t->user_id, "name", t->user_name, "at",
                          (json_int_t)t->at, "frames", (json_int_t)t->frames,
                          "state", srv_take_state_name(t->state));

    if (m) {
        json_object_set_new(m, "n", json_integer(t->n));
        srv_room_broadcast(t->project_id, m);
    }
}

/* ---- rows ---- */

/* A row write: a copy of the take (the loop may change the original) and
 * what to do after commit. */
struct take_write {
    struct srv_take row;
    long long seq;
    uint32_t bytes;
    int64_t frames;
    srv_take_done_fn done;
    void *arg;
};

static void write_done(void *arg, int status)
{
    struct take_write *w = arg;

    if (status)
        srv_warn("take %s: the row could not be stored (status %d)", w->row.id,
                 status);
    if (w->done)
        w->done(w->arg, status);
    free(w);
}

static void submit(struct srv_server *srv, const struct srv_take *t,
                   store_write_fn fn, long long seq, uint32_t bytes,
                   int64_t frames, srv_take_done_fn done, void *arg)
{
    struct take_write *w = calloc(1, sizeof *w);

    if (!w) {
        if (done)
            done(arg, -1);
        return;
    }
    w->row = *t;
    w->row.next = NULL;
    w->row.lens = NULL;
    w->row.waiters = NULL;
    w->seq = seq;
    w->bytes = bytes;
    w->frames = frames;
    w->done = done;
    w->arg = arg;
    store_writer_submit(srv->writer, fn, write_done, w);
}

static int step_one(db_conn *db, const char *sql, const struct srv_take *t,
                    long long seq, uint32_t bytes, int64_t frames)
{
    db_stmt *st = NULL;
    int rc = -1;

    assert(store_on_writer_thread());
    if (db_prepare(db, sql, &st) != DB_OK)
        goto out;
    db_bind_text(st, 1, t->id, -1, DB_STATIC);
    db_bind_text(st, 2, t->project_id, -1, DB_STATIC);
    db_bind_text(st, 3, t->user_id, -1, DB_STATIC);
    db_bind_int(st, 4, t->n);
    if (t->track[0])
        db_bind_text(st, 5, t->track, -1, DB_STATIC);
    db_bind_int64(st, 6, t->at);
    db_bind_int(st, 7, t->rate);
    db_bind_int(st, 8, t->channels);
    db_bind_text(st, 9, t->device, -1, DB_STATIC);
    db_bind_int64(st, 10, seq);
    db_bind_int64(st, 11, frames);
    db_bind_text(st, 12, srv_take_state_name(t->state), -1, DB_STATIC);
    if (t->error[0])
        db_bind_text(st, 13, t->error, -1, DB_STATIC);
    db_bind_int64(st, 14, store_now_ms());
    db_bind_int64(st, 15, (db_int64)bytes);
    db_bind_text(st, 16, t->asset, -1, DB_STATIC);
    db_bind_text(st, 17, t->clip, -1, DB_STATIC);
    db_bind_text(st, 18, t->out_track, -1, DB_STATIC);
    db_bind_int64(st, 19, t->revision);
    rc = db_step(st) == DB_DONE && db_changes(db) == 1 ? 0 : -1;
out:
    if (rc)
        srv_warn("take %s: %s", t->id, db_errmsg(db));
    db_finalize(st);
    return rc;
}

static int write_new(db_conn *db, void *arg)
{
    struct take_write *w = arg;

    return step_one(db,
                    "INSERT INTO takes(id, project_id, user_id, n, track, at,"
                    " rate, channels, device, next_seq, frames, state, error,"
                    " created_at, updated_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,"
                    "?9,?10,?11,?12,?13,?14,?14)",
                    &w->row, w->row.next_seq, 0, w->row.frames);
}

static int write_chunk(db_conn *db, void *arg)
{
    struct take_write *w = arg;

    /* step_one binds every column; the parameters a statement does not
     * use are refused by SQLite (DB_RANGE) and ignored */
    if (step_one(db, "UPDATE takes SET next_seq=?10+1, frames=?11,"
                     " updated_at=?14 WHERE id=?1 AND next_seq=?10",
                 &w->row, w->seq, w->bytes, w->frames) != 0)
        return -1;
    return step_one(db, "INSERT INTO take_chunks(take_id, seq, bytes)"
                        " VALUES(?1, ?10, ?15)",
                    &w->row, w->seq, w->bytes, w->frames);
}

static int write_state(db_conn *db, void *arg)
{
    struct take_write *w = arg;
    db_stmt *st = NULL;
    int rc = -1;

    assert(store_on_writer_thread());
    if (db_prepare(db, "UPDATE takes SET state=?2, error=?3,"
                               " updated_at=?4 WHERE id=?1", &st) != DB_OK)
        goto out;
    db_bind_text(st, 1, w->row.id, -1, DB_STATIC);
    db_bind_text(st, 2, srv_take_state_name(w->row.state), -1,
                      DB_STATIC);
    if (w->row.error[0])
        db_bind_text(st, 3, w->row.error, -1, DB_STATIC);
    db_bind_int64(st, 4, store_now_ms());
    rc = db_step(st) == DB_DONE ? 0 : -1;
out:
    db_finalize(st);
    return rc;
}

int srv_take_write_done(db_conn *db, const struct srv_take *t)
{
    db_stmt *st = NULL;
    int rc = -1;

    assert(store_on_writer_thread());
    if (db_prepare(db, "UPDATE takes SET state='done', asset=?2,"
                               " clip=?3, out_track=?4, revision=?5, at=?6,"
                               " updated_at=?7, error=NULL WHERE id=?1", &st) != DB_OK)
        goto out;
    db_bind_text(st, 1, t->id, -1, DB_STATIC);
    db_bind_text(st, 2, t->asset, -1, DB_STATIC);
    db_bind_text(st, 3, t->clip, -1, DB_STATIC);
    db_bind_text(st, 4, t->out_track, -1, DB_STATIC);
    db_bind_int64(st, 5, t->revision);
    db_bind_int64(st, 6, t->at);
    db_bind_int64(st, 7, store_now_ms());
    rc = db_step(st) == DB_DONE && db_changes(db) == 1 ? 0 : -1;
out:
    db_finalize(st);
    return rc;
}

void srv_take_store_new(struct srv_server *srv, const struct srv_take *t,
                        srv_take_done_fn done, void *arg)
{
    submit(srv, t, write_new, 0, 0, 0, done, arg);
}

void srv_take_store_chunk(struct srv_server *srv, const struct srv_take *t,
                          long long seq, uint32_t bytes, int64_t frames,
                          srv_take_done_fn done, void *arg)
{
    submit(srv, t, write_chunk, seq, bytes, frames, done, arg);
}

void srv_take_store_state(struct srv_server *srv, const struct srv_take *t,
                          srv_take_done_fn done, void *arg)
{
    submit(srv, t, write_state, 0, 0, 0, done, arg);
}

/* ---- hooks ---- */

static int takes_start(struct srv_server *srv)
{
    char dir[4200];

    snprintf(dir, sizeof dir, "%s/takes", srv->cfg.data_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        srv_err("cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (srv_take_worker_start() != 0) {
        srv_err("cannot start the take worker thread");
        return -1;
    }
    return 0;
}

static void takes_stop(struct srv_server *srv)
{
    (void)srv;
    srv_take_worker_stop();
    /* takes with work in flight stay: their posted callbacks use them */
    for (struct srv_take *t = registry, *next; t; t = next) {
        next = t->next;
        if (!t->writing && !t->waiters && !t->finishing)
            srv_take_forget(t);
    }
}

void srv_takes_init(void)
{
    srv_loop_on_start(takes_start);
    srv_loop_on_stop(takes_stop);
    srv_takes_http_init();
}
