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
 * The loop's part of a restore is small whatever the project's size: it
 * takes references to the room document's immutable objects
 * (proto_doc_refs_take: a list of pointers, no hashing, no index copies),
 * and a worker of the job pool builds the view from them
 * (proto_doc_refs_build: the table and the indexes), reads the document at
 * rev on a reader connection of its own (srv_doc_at_rev), computes the diff
 * from the view and frees both; back on the loop
 * (restore_done) the ops are committed if the room's head is still the
 * one the view was taken at. If pushes moved it meanwhile, a new view is
 * taken and the diff computed again (RESTORE_TRIES times), then the loop
 * does it all itself (the plain path, also used without a job pool and
 * when the test hook MIXROOM_TEST_RESTORE_ON_LOOP is set in the
 * environment). The answer is the same delta the plain path gives; a
 * requester that leaves before it is ready gets nothing and nothing
 * changes.
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
#include "server/core/jobs.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_reader.h"
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

/* A restore whose diff is computed off the loop (see the file comment). */
struct rjob {
    char project_id[64];
    char data_dir[4096];
    char synchronous[16];
    long long rev;           /* the revision to restore */
    long long head;          /* the room's head when refs were taken */
    proto_doc_refs *refs;    /* the room's document at head (the worker
                                builds its view from them) */
    json_t *ops;             /* worker: the diff; NULL with err */
    proto_err err;
    uint64_t serial;         /* the requester's connection */
    json_t *reply_id;
    int tries;
};

/* Times the loop takes a new view when pushes moved the head meanwhile,
 * before it computes the diff itself (the plain path). */
#define RESTORE_TRIES 3

static void rjob_free(struct rjob *j)
{
    proto_doc_refs_free(j->refs);
    json_decref(j->ops);
    json_decref(j->reply_id);
    free(j);
}

/* Loop thread: commits the restore of revision rev as the ops that turn
 * the room's current document into target's (answering c). */
static void restore_commit(struct srv_conn *c, json_t *ops, long long rev,
                           json_t *id)
{
    json_t *extra;
    char summary[256];
    proto_err err;

    assert(srv_on_loop_thread());
    if (!ops || json_array_size(ops) == 0) {
        srv_ws_error(c, id, PROTO_CONFLICT,
                     "the document already equals revision %lld", rev);
        return;
    }
    snprintf(summary, sizeof summary, "%s restored revision %lld",
             review_who(c), rev);
    extra = json_pack("{s:I}", "restore_of", (json_int_t)rev);
    struct srv_room_rev_opts o = {.summary = summary, .delta_extra = extra};
    if (srv_room_commit_rev(c->room, c, "restore", ops, id, &o, &err) < 0)
        srv_ws_error(c, id, err.code, "revision %lld cannot be restored: %s",
                     rev, err.message);
    json_decref(extra);
}

/* The plain path, all on the loop thread: the document at rev read on the
 * loop's connection, the diff, the commit. */
static void restore_on_loop(struct srv_conn *c, long long rev, json_t *id)
{
    proto_doc *target = doc_at(c, rev, id);
    json_t *ops;

    if (!target)
        return;
    ops = proto_diff_ops(srv_room_doc(c->room), target);
    restore_commit(c, ops, rev, id);
    json_decref(ops);
    proto_doc_free(target);
}

/* Worker thread: the document at j->rev on the worker's kept reader,
 * and the diff from the view. Touches neither the room nor the loop's
 * connection. */
static void restore_work(void *arg)
{
    struct rjob *j = arg;
    char err[256];
    db_conn *db = store_reader_get(j->data_dir, err, sizeof err);
    proto_doc *target, *view;

    if (!db) {
        proto_fail(&j->err, PROTO_INTERNAL, "database: %s", err);
        return;
    }
    target = srv_doc_at_rev(db, j->project_id, j->rev, &j->err);
    store_reader_put(db, target != NULL);
    if (!target)
        return;
    view = proto_doc_refs_build(j->refs);
    j->refs = NULL;
    j->ops = view ? proto_diff_ops(view, target) : NULL;
    if (!j->ops)
        proto_fail(&j->err, PROTO_INTERNAL, "out of memory");
    proto_doc_free(view); /* here, not on the loop */
    proto_doc_free(target);
}

static int restore_submit(struct srv_conn *c, struct rjob *j);
static void restore_done(void *arg);

/* Loop thread, after restore_work: commits the diff if the document is
 * still the one it was computed from; else tries again from a new view
 * (RESTORE_TRIES times), then falls back to the plain path. A requester
 * that left (or left the room) gets nothing and nothing changes. */
static void restore_done(void *arg)
{
    struct rjob *j = arg;
    struct srv_conn *c = srv_room_requester(j->serial, j->project_id);

    assert(srv_on_loop_thread());
    if (!c)
        goto out;
    if (!j->ops) {
        srv_ws_error(c, j->reply_id, j->err.code, "%s", j->err.message);
    } else if (srv_room_head(c->room) == j->head) {
        restore_commit(c, j->ops, j->rev, j->reply_id);
    } else if (j->tries < RESTORE_TRIES) {
        /* pushes moved the document meanwhile: diff again from now */
        json_decref(j->ops);
        j->ops = NULL;
        proto_doc_refs_free(j->refs);
        j->refs = NULL;
        if (restore_submit(c, j) == 0)
            return;
        restore_on_loop(c, j->rev, j->reply_id);
    } else {
        restore_on_loop(c, j->rev, j->reply_id);
    }
out:
    rjob_free(j);
}

/* Takes a view of c's room at its head and queues the job; -1 (the job is
 * still the caller's) when there is no pool or it refuses. */
static int restore_submit(struct srv_conn *c, struct rjob *j)
{
    struct srv_jobs *jobs = c->srv->jobs;

    if (!jobs || getenv("MIXROOM_TEST_RESTORE_ON_LOOP"))
        return -1;
    j->refs = proto_doc_refs_take(srv_room_doc(c->room));
    if (!j->refs)
        return -1;
    j->head = srv_room_head(c->room);
    j->tries++;
    return srv_jobs_submit(jobs, restore_work, restore_done, j);
}

static int on_restore(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    struct srv_room *room = c->room;
    struct rjob *j;
    long long rev;

    if (!room || !c->room_link)
        return srv_ws_error(c, id, PROTO_UNAUTHORIZED, "say hello first"), 0;
    if ((rev = resolve_rev(c, a, "rev", id)) < 0)
        return 0;
    j = calloc(1, sizeof *j);
    if (j) {
        snprintf(j->project_id, sizeof j->project_id, "%s", c->project_id);
        snprintf(j->data_dir, sizeof j->data_dir, "%s", c->srv->cfg.data_dir);
        snprintf(j->synchronous, sizeof j->synchronous, "%s",
                 c->srv->cfg.synchronous[0] ? c->srv->cfg.synchronous
                                            : "FULL");
        j->rev = rev;
        j->serial = c->serial;
        j->reply_id = json_incref(id);
        if (restore_submit(c, j) == 0)
            return 0;
        rjob_free(j);
    }
    restore_on_loop(c, rev, id);
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
