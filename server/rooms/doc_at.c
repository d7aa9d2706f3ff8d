/* doc_at.c -- srv_doc_at_rev: the document at revision N (see doc_at.h).
 *
 * The writer stores a full snapshot of the document every
 * SRV_ROOM_SNAPSHOT_EVERY revisions (table snapshots, in the revision's own
 * transaction), and the objects table always holds the head. To rebuild N
 * we start from the nearest of those bases: the snapshot at or below N
 * (then apply the stored ops of N's predecessors forward), or the snapshot
 * above N or the head (then apply the stored inverses backward, newest
 * first). So at most half the snapshot interval of revisions is replayed,
 * whatever the length of the history. Comment revisions carry no document
 * ops and are skipped in both directions. Projects stored before snapshots
 * existed simply have none and walk back from the head. */
#include "server/rooms/doc_at.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "protocol/ops.h"
#include "server/core/store_stmt.h"

static void *db_fail(db_conn *db, proto_err *err)
{
    proto_fail(err, PROTO_INTERNAL, "database: %s", db_errmsg(db));
    return NULL;
}

/* Registers the project's assets in doc. */
static int load_assets(db_conn *db, proto_doc *doc, const char *project_id,
                       proto_err *err)
{
    db_stmt *st = NULL;
    int rc;

    st = store_prepare(db, "SELECT id, frames, state FROM assets "
                           "WHERE project_id=?",
                       STORE_ARGS(project_id), NULL, 0);
    if (!st) {
        db_fail(db, err);
        return -1;
    }
    while ((rc = db_step(st)) == DB_ROW)
        proto_doc_set_asset(doc, store_col_text(st, 0),
                            db_column_int64(st, 1),
                            strcmp(store_col_text(st, 2), "ready") == 0);
    db_finalize(st);
    if (rc != DB_DONE) {
        db_fail(db, err);
        return -1;
    }
    return 0;
}

/* A document from stored object bodies (a JSON array); without a project
 * object one is made from name and rate (a project never edited). */
static proto_doc *doc_from_bodies(const json_t *bodies, const char *name,
                                  int rate)
{
    bool have_project = false;
    size_t i;
    json_t *o;

    json_array_foreach(bodies, i, o) {
        const char *oid = json_string_value(json_object_get(o, "id"));
        if (oid && strcmp(oid, "project") == 0)
            have_project = true;
    }
    proto_doc *doc = have_project ? proto_doc_new_empty()
                                  : proto_doc_new(name[0] ? name : "Untitled",
                                                  rate);
    if (!doc)
        return NULL;
    json_array_foreach(bodies, i, o) proto_doc_put(doc, o);
    return doc;
}

/* The head document: the objects table. */
static proto_doc *load_current(db_conn *db, const char *project_id,
                               const char *name, int rate, proto_err *err)
{
    db_stmt *st = NULL;
    proto_doc *doc = NULL;
    json_t *bodies = json_array();
    int rc;

    st = store_prepare(db, "SELECT body FROM objects WHERE project_id=?",
                       STORE_ARGS(project_id), NULL, 0);
    if (!st) {
        db_fail(db, err);
        goto out;
    }
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *o = json_loads(store_col_text(st, 0), 0, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            proto_fail(err, PROTO_INTERNAL,
                       "project %s: a stored object is not JSON", project_id);
            goto out;
        }
        json_array_append_new(bodies, o);
    }
    if (rc != DB_DONE) {
        db_fail(db, err);
        goto out;
    }
    doc = doc_from_bodies(bodies, name, rate);
    if (!doc)
        proto_fail(err, PROTO_INTERNAL, "project %s cannot be loaded",
                   project_id);
out:
    db_finalize(st);
    json_decref(bodies);
    return doc;
}

/* The stored snapshot at exactly rev. */
static proto_doc *load_snapshot(db_conn *db, const char *project_id,
                                long long rev, const char *name, int rate,
                                proto_err *err)
{
    db_stmt *st = NULL;
    proto_doc *doc = NULL;
    json_t *bodies = NULL;

    st = store_prepare(db, "SELECT doc FROM snapshots WHERE "
                           "project_id=? AND rev=?",
                       STORE_ARGS(project_id), NULL, 0);
    if (!st) {
        db_fail(db, err);
        goto out;
    }
    db_bind_int64(st, 2, rev);
    if (db_step(st) != DB_ROW) {
        proto_fail(err, PROTO_INTERNAL, "snapshot %lld cannot be read", rev);
        goto out;
    }
    bodies = json_loads(store_col_text(st, 0), 0, NULL);
    if (!json_is_array(bodies)) {
        proto_fail(err, PROTO_INTERNAL, "snapshot %lld is not a JSON array",
                   rev);
        goto out;
    }
    doc = doc_from_bodies(bodies, name, rate);
    if (!doc)
        proto_fail(err, PROTO_INTERNAL, "snapshot %lld cannot be loaded",
                   rev);
out:
    db_finalize(st);
    json_decref(bodies);
    return doc;
}

/* The nearest snapshot at or below rev (below=true) or at or above it and
 * at most head; 0 when there is none (rev 0 is never a stored snapshot:
 * 0 means "none"). */
static long long nearest_snapshot(db_conn *db, const char *project_id,
                                  long long rev, long long head, bool below)
{
    db_stmt *st = NULL;
    long long r = 0;
    const char *sql =
        below ? "SELECT max(rev) FROM snapshots WHERE project_id=?1 AND "
                "rev<=?2 AND rev>0"
              : "SELECT min(rev) FROM snapshots WHERE project_id=?1 AND "
                "rev>=?2 AND rev<=?3";

    st = store_prepare(db, sql, STORE_ARGS(project_id), NULL, 0);
    if (!st)
        return 0;
    db_bind_int64(st, 2, rev);
    if (!below)
        db_bind_int64(st, 3, head);
    if (db_step(st) == DB_ROW &&
        db_column_type(st, 0) != DB_NULL)
        r = db_column_int64(st, 0);
    db_finalize(st);
    return r;
}

/* Replays revisions lo+1..hi onto doc: forward (their ops, oldest first)
 * or backward (their inverses, newest first). */
static int replay(db_conn *db, proto_doc *doc, const char *project_id,
                  long long lo, long long hi, bool forward, proto_err *err)
{
    /* stored revisions were within the limits of their day: no limits */
    static const proto_limits no_limits = {.max_ops = 0};
    db_stmt *st = NULL;
    int rc, ret = -1;
    const char *sql =
        forward ? "SELECT rev, kind, ops FROM ops WHERE project_id=? AND "
                  "rev>? AND rev<=? ORDER BY rev"
                : "SELECT rev, kind, inverse FROM ops WHERE project_id=? AND "
                  "rev>? AND rev<=? ORDER BY rev DESC";

    st = store_prepare(db, sql, STORE_ARGS(project_id), NULL, 0);
    if (!st) {
        db_fail(db, err);
        goto out;
    }
    db_bind_int64(st, 2, lo);
    db_bind_int64(st, 3, hi);
    while ((rc = db_step(st)) == DB_ROW) {
        long long r = db_column_int64(st, 0);
        if (strcmp(store_col_text(st, 1), "comment") == 0)
            continue;
        json_t *ops = json_loads(store_col_text(st, 2), 0, NULL);
        json_t *applied = NULL, *inverse = NULL;
        proto_err e;
        proto_err_clear(&e);
        if (!json_is_array(ops)) {
            json_decref(ops);
            proto_fail(err, PROTO_INTERNAL,
                       "revision %lld: the stored ops are not a JSON array",
                       r);
            goto out;
        }
        int ok = json_array_size(ops) == 0
                     ? 0
                     : proto_apply_push_limited(doc, ops, &no_limits,
                                                &applied, &inverse, &e);
        json_decref(ops);
        json_decref(applied);
        json_decref(inverse);
        if (ok != 0) {
            proto_fail(err, PROTO_INTERNAL,
                       "revision %lld cannot be %s: %s", r,
                       forward ? "replayed" : "undone", e.message);
            goto out;
        }
    }
    if (rc != DB_DONE) {
        db_fail(db, err);
        goto out;
    }
    ret = 0;
out:
    db_finalize(st);
    return ret;
}

/* Builds the document at rev (0 <= rev <= head) from the nearest base. */
static proto_doc *rebuild(db_conn *db, const char *project_id, long long rev,
                          long long head, const char *name, int rate,
                          proto_err *err)
{
    proto_doc *doc = NULL;
    long long below = rev < head ? nearest_snapshot(db, project_id, rev, head,
                                                    true)
                                 : 0;
    long long above = head;

    if (rev < head) {
        long long a = nearest_snapshot(db, project_id, rev, head, false);
        if (a > 0)
            above = a;
    }
    bool forward = below > 0 && rev - below < above - rev;
    if (forward)
        doc = load_snapshot(db, project_id, below, name, rate, err);
    else if (above < head)
        doc = load_snapshot(db, project_id, above, name, rate, err);
    else
        doc = load_current(db, project_id, name, rate, err);
    if (!doc)
        return NULL;
    /* assets first: replayed creates of clips check their asset */
    if (load_assets(db, doc, project_id, err) != 0 ||
        (forward && rev > below &&
         replay(db, doc, project_id, below, rev, true, err) != 0) ||
        (!forward && rev < above &&
         replay(db, doc, project_id, rev, above, false, err) != 0)) {
        proto_doc_free(doc);
        return NULL;
    }
    return doc;
}

proto_doc *srv_doc_at_rev2(db_conn *db, const char *project_id, long long rev,
                           long long *head_out, int *rate_out, char *name,
                           size_t name_len, proto_err *err)
{
    db_stmt *st = NULL;
    proto_doc *doc = NULL;
    char pname[256] = "";
    long long head = 0;
    int rate = 48000;
    bool in_tx = false;

    if (db_get_autocommit(db)) {
        if (db_exec(db, "BEGIN", NULL, NULL, NULL) != DB_OK) {
            db_fail(db, err);
            goto out;
        }
        in_tx = true;
    }
    st = store_prepare(db, "SELECT name, sample_rate, head_rev FROM "
                           "projects WHERE id=?",
                       STORE_ARGS(project_id), NULL, 0);
    if (!st) {
        db_fail(db, err);
        goto out;
    }
    if (db_step(st) != DB_ROW) {
        proto_fail(err, PROTO_NOT_FOUND, "project %s does not exist",
                   project_id);
        goto out;
    }
    snprintf(pname, sizeof pname, "%s", store_col_text(st, 0));
    rate = db_column_int(st, 1);
    head = db_column_int64(st, 2);
    db_finalize(st);
    st = NULL;
    if (rev < 0)
        rev = head;
    if (rev > head) {
        proto_fail(err, PROTO_NOT_FOUND,
                   "revision %lld does not exist; rev must be 0..%lld", rev,
                   head);
        goto out;
    }
    doc = rebuild(db, project_id, rev, head, pname, rate, err);
    if (!doc)
        goto out;
    if (head_out)
        *head_out = head;
    if (rate_out)
        *rate_out = rate;
    if (name && name_len) {
        const json_t *p = proto_doc_get(doc, "project");
        const char *n = p ? json_string_value(json_object_get(p, "name"))
                          : NULL;
        snprintf(name, name_len, "%s", n ? n : pname);
    }
out:
    db_finalize(st);
    if (in_tx)
        db_exec(db, "COMMIT", NULL, NULL, NULL);
    return doc;
}

proto_doc *srv_doc_at_rev(db_conn *db, const char *project_id, long long rev,
                          proto_err *err)
{
    return srv_doc_at_rev2(db, project_id, rev, NULL, NULL, NULL, 0, err);
}
