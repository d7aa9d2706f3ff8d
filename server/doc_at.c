/* doc_at.c -- srv_doc_at_rev: walk the ops log's inverses back from the
 * stored head (see doc_at.h). Comment revisions carry no document ops and
 * are skipped. A later version may start from the nearest snapshot. */
#include "server/doc_at.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "protocol/ops.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* Loads the objects and assets of the project into a new document. */
static proto_doc *load_current(sqlite3 *db, const char *project_id,
                               const char *name, int rate, proto_err *err)
{
    sqlite3_stmt *st = NULL;
    proto_doc *doc = NULL;
    json_t *bodies = json_array();
    bool have_project = false;
    int rc;

    if (sqlite3_prepare_v2(db, "SELECT body FROM objects WHERE project_id=?",
                           -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_loads(col_text(st, 0), 0, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            proto_fail(err, PROTO_INTERNAL,
                       "project %s: a stored object is not JSON", project_id);
            goto fail;
        }
        const char *oid = json_string_value(json_object_get(o, "id"));
        if (oid && strcmp(oid, "project") == 0)
            have_project = true;
        json_array_append_new(bodies, o);
    }
    if (rc != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(st);
    st = NULL;

    doc = have_project ? proto_doc_new_empty()
                       : proto_doc_new(name[0] ? name : "Untitled", rate);
    if (!doc) {
        proto_fail(err, PROTO_INTERNAL, "project %s cannot be loaded",
                   project_id);
        goto fail;
    }
    size_t i;
    json_t *o;
    json_array_foreach(bodies, i, o) proto_doc_put(doc, o);

    if (sqlite3_prepare_v2(db, "SELECT id, frames, state FROM assets "
                               "WHERE project_id=?",
                           -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        proto_doc_set_asset(doc, col_text(st, 0), sqlite3_column_int64(st, 1),
                            strcmp(col_text(st, 2), "ready") == 0);
    if (rc != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(st);
    json_decref(bodies);
    return doc;
dberr:
    proto_fail(err, PROTO_INTERNAL, "database: %s", sqlite3_errmsg(db));
fail:
    sqlite3_finalize(st);
    json_decref(bodies);
    proto_doc_free(doc);
    return NULL;
}

/* Applies the inverses of revisions head..rev+1, newest first. */
static int walk_back(sqlite3 *db, proto_doc *doc, const char *project_id,
                     long long rev, proto_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc, ret = -1;

    if (sqlite3_prepare_v2(db,
                           "SELECT rev, kind, inverse FROM ops WHERE "
                           "project_id=? AND rev>? ORDER BY rev DESC",
                           -1, &st, NULL) != SQLITE_OK) {
        proto_fail(err, PROTO_INTERNAL, "database: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, rev);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long r = sqlite3_column_int64(st, 0);
        if (strcmp(col_text(st, 1), "comment") == 0)
            continue;
        json_t *inv = json_loads(col_text(st, 2), 0, NULL);
        json_t *applied = NULL, *inverse = NULL;
        proto_err e;
        proto_err_clear(&e);
        if (!json_is_array(inv)) {
            json_decref(inv);
            proto_fail(err, PROTO_INTERNAL,
                       "revision %lld: the stored inverse is not a JSON array",
                       r);
            goto out;
        }
        int ok = json_array_size(inv) == 0
                     ? 0
                     : proto_apply_push(doc, inv, &applied, &inverse, &e);
        json_decref(inv);
        json_decref(applied);
        json_decref(inverse);
        if (ok != 0) {
            proto_fail(err, PROTO_INTERNAL,
                       "revision %lld cannot be undone to rebuild revision "
                       "%lld: %s", r, rev, e.message);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        proto_fail(err, PROTO_INTERNAL, "database: %s", sqlite3_errmsg(db));
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

proto_doc *srv_doc_at_rev2(sqlite3 *db, const char *project_id, long long rev,
                           long long *head_out, int *rate_out, char *name,
                           size_t name_len, proto_err *err)
{
    sqlite3_stmt *st = NULL;
    proto_doc *doc = NULL;
    char pname[256] = "";
    long long head = 0;
    int rate = 48000;
    bool in_tx = false;

    if (sqlite3_get_autocommit(db)) {
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
            proto_fail(err, PROTO_INTERNAL, "database: %s",
                       sqlite3_errmsg(db));
            goto out;
        }
        in_tx = true;
    }
    if (sqlite3_prepare_v2(db, "SELECT name, sample_rate, head_rev FROM "
                               "projects WHERE id=?",
                           -1, &st, NULL) != SQLITE_OK) {
        proto_fail(err, PROTO_INTERNAL, "database: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        proto_fail(err, PROTO_NOT_FOUND, "project %s does not exist",
                   project_id);
        goto out;
    }
    snprintf(pname, sizeof pname, "%s", col_text(st, 0));
    rate = sqlite3_column_int(st, 1);
    head = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    st = NULL;
    if (rev < 0)
        rev = head;
    if (rev > head) {
        proto_fail(err, PROTO_NOT_FOUND,
                   "revision %lld does not exist; rev must be 0..%lld", rev,
                   head);
        goto out;
    }
    doc = load_current(db, project_id, pname, rate, err);
    if (!doc)
        goto out;
    if (rev < head && walk_back(db, doc, project_id, rev, err) != 0) {
        proto_doc_free(doc);
        doc = NULL;
        goto out;
    }
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
    sqlite3_finalize(st);
    if (in_tx)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return doc;
}

proto_doc *srv_doc_at_rev(sqlite3 *db, const char *project_id, long long rev,
                          proto_err *err)
{
    return srv_doc_at_rev2(db, project_id, rev, NULL, NULL, NULL, 0, err);
}
