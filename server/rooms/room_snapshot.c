/* room_snapshot.c -- full snapshots of a room's document taken on the
 * loop thread and encoded off it (see room_snapshot.h). The loop's part is
 * proto_doc_share: one reference per object, no JSON. Sorting and
 * json_dumps run on the thread that encodes, over objects that nobody
 * changes in place: a document replaces an object when it changes, so the
 * loop thread and the encoding thread only ever read the same objects
 * (jansson encodes thread-safely and counts references atomically since
 * 2.11, so either thread may drop the last one). The size the document
 * reported when the snapshot was taken (proto_doc_bytes, kept per object
 * as it goes in and out) is checked against the encoding: an object
 * changed in place after the snapshot would fail that assert.
 *
 * Where the encoding runs (room_snapshot_submit): on a worker of the job
 * pool, so that neither the loop nor the store writer spends the ~90 ms a
 * 10,000-object document takes (while the writer encoded, no batch
 * committed: acks and deltas waited, which was the room's p99). The
 * worker's result goes back through the loop (srv_loop_post) to the writer
 * as one ordinary write of its own, after the revision's batch (which the
 * loop handed to the writer before the job was even queued: posts and
 * writer jobs run in order). The row is written only if the project's
 * stored head has reached the snapshot's revision (a failed batch leaves no
 * snapshot ahead of the log); a crash before it is written leaves a store
 * without that snapshot, which doc_at rebuilds from the one before and the
 * log. Without a pool the writer encodes it in the revision's transaction
 * as before (room_commit.c). */
#include "server/rooms/room_snapshot.h"
#include "server/core/store_stmt.h"

#include <assert.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/core/jobs.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"
#include "server/rooms/room_priv.h"

struct room_snapshot {
    json_t **objs;      /* shared, immutable objects (one reference each) */
    size_t n;
    size_t bytes;       /* proto_doc_bytes when taken */
};

struct room_snapshot *room_snapshot_take(const proto_doc *doc)
{
    struct room_snapshot *s;

    assert(srv_on_loop_thread()); /* the room's document is the loop's */
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->objs = proto_doc_share(doc, &s->n);
    if (!s->objs) {
        free(s);
        return NULL;
    }
    s->bytes = proto_doc_bytes(doc);
    return s;
}

/* The test hook (room_snapshot_test_hold): while non-zero, encoders on
 * workers wait before they start. Written by tests only. */
static atomic_int snap_hold;

void room_snapshot_test_hold(int on)
{
    atomic_store(&snap_hold, on);
}

char *room_snapshot_encode(struct room_snapshot *s, size_t *len)
{
    json_t *arr = json_array();
    char *text = NULL;

    if (!arr || proto_objects_sort(s->objs, s->n) != 0)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        if (json_array_append(arr, s->objs[i]) != 0)
            goto out;
    text = json_dumps(arr, ROOM_JSON_FLAGS);
    if (text) {
        *len = strlen(text);
        /* sorted keys do not change the length of the compact form */
        assert(*len == s->bytes);
    }
out:
    json_decref(arr);
    return text;
}

json_t *room_snapshot_array(struct room_snapshot *s)
{
    json_t *arr = json_array();

    if (!arr || proto_objects_sort(s->objs, s->n) != 0)
        goto fail;
    for (size_t i = 0; i < s->n; i++)
        if (json_array_append(arr, s->objs[i]) != 0)
            goto fail;
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

size_t room_snapshot_count(const struct room_snapshot *s)
{
    return s->n;
}

void room_snapshot_free(struct room_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        json_decref(s->objs[i]);
    free(s->objs);
    free(s);
}

/* A snapshot on its way from the loop to a worker, back through the loop,
 * to the writer. */
struct snap_job {
    struct srv_server *srv;
    char project_id[64];
    long long rev;
    struct room_snapshot *snap; /* worker: dropped once encoded */
    char *text;                 /* the encoding; NULL: out of memory */
    size_t len;
};

static void snap_job_free(struct snap_job *j)
{
    room_snapshot_free(j->snap);
    free(j->text);
    free(j);
}

/* Worker thread: the encoding (the test hook may hold it back). */
static void snap_work(void *arg)
{
    struct snap_job *j = arg;

    while (atomic_load(&snap_hold))
        usleep(1000);
    j->text = room_snapshot_encode(j->snap, &j->len);
    room_snapshot_free(j->snap);
    j->snap = NULL;
}

/* Writer thread: the snapshot row, if the revision is stored. */
static int snap_write(db_conn *db, void *arg)
{
    struct snap_job *j = arg;
    db_stmt *st = NULL;
    int rc = -1;

    assert(store_on_writer_thread());
    if (db_prepare(db,
                   "INSERT INTO snapshots(project_id, rev, doc)"
                   " SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT),"
                   " CAST(?3 AS TEXT)"
                   " WHERE EXISTS (SELECT 1 FROM projects"
                   " WHERE id=?1 AND head_rev>=CAST(?2 AS BIGINT))"
                   " ON CONFLICT(project_id, rev) DO UPDATE SET"
                   " doc=excluded.doc",
                   &st) != DB_OK)
        goto out;
    db_bind_text(st, 1, j->project_id, -1, DB_STATIC);
    db_bind_int64(st, 2, j->rev);
    db_bind_text(st, 3, j->text, (int)j->len, DB_STATIC);
    if (store_step_done(st, NULL, 0) != 0)
        goto out;
    if (db_changes(db) != 1)
        srv_warn("room %s: the snapshot of revision %lld was not stored (the "
                 "revision is not)", j->project_id, j->rev);
    rc = 0;
out:
    if (rc != 0)
        srv_err("room %s: storing the snapshot of revision %lld: %s",
                j->project_id, j->rev, db_errmsg(db));
    db_finalize(st);
    return rc;
}

/* Loop thread, after the writer's commit of the snapshot row. A failed
 * snapshot write loses nothing: the log rebuilds the document. */
static void snap_written(void *arg, int status)
{
    struct snap_job *j = arg;

    (void)status;
    snap_job_free(j);
}

/* Loop thread, after snap_work: the encoding goes to the writer. */
static void snap_encoded(void *arg)
{
    struct snap_job *j = arg;

    assert(srv_on_loop_thread());
    if (!j->text) {
        srv_err("room %s: out of memory encoding the snapshot of revision "
                "%lld", j->project_id, j->rev);
        snap_job_free(j);
        return;
    }
    store_writer_submit(j->srv->writer, snap_write, snap_written, j);
}

int room_snapshot_submit(struct srv_server *srv, const char *project_id,
                         long long rev, struct room_snapshot *s)
{
    struct srv_jobs *jobs = srv->jobs;
    struct snap_job *j;

    assert(srv_on_loop_thread());
    if (!jobs || strlen(project_id) >= sizeof j->project_id ||
        !(j = calloc(1, sizeof *j)))
        return -1;
    j->srv = srv;
    memcpy(j->project_id, project_id, strlen(project_id) + 1);
    j->rev = rev;
    j->snap = s;
    if (srv_jobs_submit(jobs, snap_work, snap_encoded, j) != 0) {
        j->snap = NULL; /* still the caller's */
        snap_job_free(j);
        return -1;
    }
    return 0;
}
