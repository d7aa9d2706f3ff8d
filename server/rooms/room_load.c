/* room_load.c -- loading a room off the event loop. A project's document
 * can be large (reading and parsing 100,000 objects takes seconds), and
 * the loop thread serves every project, so the first hello of a room does
 * not read it there: the room is created `loading` (doc NULL), a thread of
 * its own borrows a reader (store_reader_get; closed when the thread
 * exits), reads the head document, its assets and the project row in one
 * transaction (srv_doc_at_rev2), gives it back and posts the result to
 * the loop (srv_loop_post). Hellos that arrive meanwhile wait
 * on their links (load_wait) and get their welcome when the document is
 * installed; nothing else can reach a loading room (no connection of it is
 * welcomed, srv_room_find does not return it). One thread per load: loads
 * are rare (a room's first hello after it was unloaded) and a large one
 * must not hold up the others.
 *
 * Global state (loop thread only): the list of loads in flight. A load
 * whose room was loaded synchronously meanwhile (room_load_now) is
 * detached (room NULL) and its result dropped when it arrives. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "server/core/store_stmt.h"
#include "server/rooms/doc_at.h"
#include "server/rooms/room_priv.h"

struct room_load {
    struct room_load *next;            /* loads in flight (loop thread) */
    struct srv_room *room;             /* NULL: detached */
    char project_id[64];
    char data_dir[4096];
    char synchronous[16];
    pthread_t thread;
    bool joined;
    /* written by the thread, read by the loop after the post */
    int rc;
    struct room_loaded out;
    char err[256];
    /* the thread's connection, for db_interrupt at stop */
    pthread_mutex_t lock;
    db_conn *db;
};

static struct room_load *loads; /* in flight */
static int n_loads;

int srv_rooms_loading(void)
{
    assert(srv_on_loop_thread());
    return n_loads;
}

/* Reads what a room needs from db (any thread with its own connection).
 * Returns 0, or -1 with err. */
static int room_read(db_conn *db, const char *project_id,
                     struct room_loaded *out, char *err, size_t errlen)
{
    db_stmt *st = NULL;
    proto_err perr;
    bool in_tx = db_get_autocommit(db) &&
                 db_exec(db, "BEGIN", NULL, NULL, NULL) == DB_OK;
    int rc = -1;

    memset(out, 0, sizeof *out);
    proto_err_clear(&perr);
    out->doc = srv_doc_at_rev2(db, project_id, -1, &out->head,
                               &out->sample_rate, NULL, 0, &perr);
    if (!out->doc) {
        snprintf(err, errlen, "%s", perr.message);
        goto out;
    }
    st = store_prepare(db, "SELECT created_by, created_at FROM projects "
                           "WHERE id=?",
                       STORE_ARGS(project_id), err, errlen);
    if (!st)
        goto out;
    if (db_step(st) != DB_ROW) {
        snprintf(err, errlen, "project %s does not exist", project_id);
        goto out;
    }
    store_col_copy(out->created_by, sizeof out->created_by, st, 0);
    out->created_at = db_column_int64(st, 1);
    rc = 0;
out:
    db_finalize(st);
    if (in_tx)
        db_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != 0) {
        proto_doc_free(out->doc);
        out->doc = NULL;
    }
    return rc;
}

/* Puts the loaded document into the room and answers the waiting hellos. */
static void room_install(struct srv_room *room, struct room_loaded *in)
{
    const char *key;
    json_t *a;

    assert(room->loading && !room->doc && in->doc);
    room->doc = in->doc;
    in->doc = NULL;
    room->head = room->committed = in->head;
    room->sample_rate = in->sample_rate;
    room->created_at = in->created_at;
    snprintf(room->created_by, sizeof room->created_by, "%s", in->created_by);
    /* asset news that came while the thread was reading */
    json_object_foreach(room->asset_updates, key, a)
        proto_doc_set_asset(
            room->doc, key, json_integer_value(json_object_get(a, "frames")),
            json_is_true(json_object_get(a, "ready")));
    json_decref(room->asset_updates);
    room->asset_updates = NULL;
    room->loading = false;
    room->empty_since_ms = srv_now_mono_ms();
    srv_debug("room %s loaded at rev %lld (%zu objects, %zu bytes)",
              room->project_id, room->head, proto_doc_count(room->doc),
              proto_doc_bytes(room->doc));
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        if (l->load_wait)
            room_hello_resume(l);
    }
}

/* The room could not be loaded: every waiting hello is answered, the room
 * leaves the registry and is freed. */
static void room_load_failed(struct srv_room *room, const char *why)
{
    srv_warn("room %s cannot be loaded: %s", room->project_id, why);
    room_registry_remove(room);
    for (struct room_link *l = room->links, *next; l; l = next) {
        next = l->next;
        room_hello_fail(l);
    }
    assert(room->n_links == 0);
    room_free(room);
}

static void room_load_done(void *arg);

static void *load_thread(void *arg)
{
    struct room_load *ld = arg;
    char err[256];
    db_conn *db = store_reader_get(ld->data_dir, err, sizeof err);

    if (!db) {
        snprintf(ld->err, sizeof ld->err, "%s", err);
        ld->rc = -1;
    } else {
        pthread_mutex_lock(&ld->lock);
        ld->db = db;
        pthread_mutex_unlock(&ld->lock);
        ld->rc = room_read(db, ld->project_id, &ld->out, ld->err,
                           sizeof ld->err);
        pthread_mutex_lock(&ld->lock);
        ld->db = NULL;
        pthread_mutex_unlock(&ld->lock);
        /* a load interrupted at stop fails: its connection is closed */
        store_reader_put(db, ld->rc == 0);
    }
    srv_loop_post(room_load_done, ld);
    return NULL;
}

static void load_unlist(struct room_load *ld)
{
    for (struct room_load **p = &loads; *p; p = &(*p)->next)
        if (*p == ld) {
            *p = ld->next;
            n_loads--;
            return;
        }
}

/* Loop thread: a load thread's result. */
static void room_load_done(void *arg)
{
    struct room_load *ld = arg;
    struct srv_room *room = ld->room;

    assert(srv_on_loop_thread());
    if (!ld->joined)
        pthread_join(ld->thread, NULL);
    load_unlist(ld);
    if (room) {
        assert(room->load == ld && room->loading);
        room->load = NULL;
        if (ld->rc == 0)
            room_install(room, &ld->out);
        else
            room_load_failed(room, ld->err);
    }
    proto_doc_free(ld->out.doc); /* a detached load's document */
    pthread_mutex_destroy(&ld->lock);
    free(ld);
}

int room_load_now(struct srv_room *room, char *err, size_t errlen)
{
    struct room_loaded in;

    assert(srv_on_loop_thread() && room->loading);
    if (room->load) {
        room->load->room = NULL; /* its result is dropped when it arrives */
        room->load = NULL;
    }
    if (room_read(room->srv->db, room->project_id, &in, err, errlen) != 0) {
        room_load_failed(room, err);
        return -1;
    }
    room_install(room, &in);
    return 0;
}

void room_load_start(struct srv_room *room)
{
    struct srv_server *srv = room->srv;
    struct room_load *ld = calloc(1, sizeof *ld);
    char err[256];

    assert(srv_on_loop_thread() && room->loading && !room->load);
    if (ld) {
        ld->room = room;
        snprintf(ld->project_id, sizeof ld->project_id, "%s",
                 room->project_id);
        snprintf(ld->data_dir, sizeof ld->data_dir, "%s", srv->cfg.data_dir);
        snprintf(ld->synchronous, sizeof ld->synchronous, "%s",
                 srv->cfg.synchronous[0] ? srv->cfg.synchronous : "FULL");
        pthread_mutex_init(&ld->lock, NULL);
        if (pthread_create(&ld->thread, NULL, load_thread, ld) == 0) {
            room->load = ld;
            ld->next = loads;
            loads = ld;
            n_loads++;
            return;
        }
        pthread_mutex_destroy(&ld->lock);
        free(ld);
    }
    srv_warn("room %s: no loader thread; loading on the loop",
             room->project_id);
    room_load_now(room, err, sizeof err);
}

void room_load_stop(void)
{
    for (struct room_load *ld = loads; ld; ld = ld->next) {
        pthread_mutex_lock(&ld->lock);
        if (ld->db)
            db_interrupt(ld->db);
        pthread_mutex_unlock(&ld->lock);
    }
    /* their room_load_done calls are posted; they run in the last drain */
    for (struct room_load *ld = loads; ld; ld = ld->next) {
        pthread_join(ld->thread, NULL);
        ld->joined = true;
    }
}

void room_load_detach(struct srv_room *room)
{
    assert(srv_on_loop_thread());
    if (room->load) {
        room->load->room = NULL;
        room->load = NULL;
    }
}
