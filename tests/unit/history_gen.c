/* history_gen.c -- see history_gen.h. Revisions are a mix of track, clip
 * and marker creates, field sets, deletes (a track delete cascades to its
 * clips) and comment revisions; each push is applied with
 * proto_apply_push and stored with what it applied and its inverse. */
#include "tests/unit/history_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/ops.h"

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static int exec(db_conn *db, const char *sql)
{
    char *msg = NULL;
    if (db_exec(db, sql, NULL, NULL, &msg) != DB_OK) {
        fprintf(stderr, "%s: %s\n", sql, msg);
        db_free(msg);
        return -1;
    }
    return 0;
}

/* An id of an existing object of `kind`, or NULL. */
static const char *pick(const proto_doc *doc, const char *kind, unsigned *s,
                        char *buf, size_t len)
{
    json_t *objs = proto_doc_objects(doc);
    size_t i, n = 0;
    json_t *o;
    const char *r = NULL;

    json_array_foreach(objs, i, o) if (strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0) n++;
    if (n > 0) {
        size_t k = rnd(s) % n;
        json_array_foreach(objs, i, o) {
            if (strcmp(json_string_value(json_object_get(o, "kind")), kind) != 0)
                continue;
            if (k-- == 0) {
                snprintf(buf, len, "%s", json_string_value(json_object_get(o, "id")));
                r = buf;
                break;
            }
        }
    }
    json_decref(objs);
    return r;
}

/* One random push that applies to doc (may be a no-op set). */
static json_t *random_ops(const proto_doc *doc, unsigned *s, long long rev)
{
    char a[80], b[80], id[32], name[32];
    const char *t = pick(doc, "track", s, a, sizeof a);
    unsigned k = rnd(s) % 10;

    if (!t || k == 0 || (k == 1 && proto_doc_count(doc) < 40))
    {
        snprintf(id, sizeof id, "t%lld", rev);
        snprintf(name, sizeof name, "Track %lld", rev);
        return json_pack("[{s:s, s:s, s:s, s:{s:s, s:s}}]", "op", "create",
                         "id", id, "kind", "track", "fields", "name", name,
                         "order", "a5");
    }
    const char *c = pick(doc, "clip", s, b, sizeof b);
    if (k <= 4 && proto_doc_count(doc) > 60) { /* keep it a song's size */
        const char *m = c ? c : pick(doc, "marker", s, id, sizeof id);
        return json_pack("[{s:s, s:s}]", "op", "delete", "id", m ? m : t);
    }
    snprintf(id, sizeof id, "%c%lld", k <= 3 ? 'c' : 'm', rev);
    if (k <= 3)
        return json_pack("[{s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I}}]", "op",
                         "create", "id", id, "kind", "clip",
                         "fields", "track", t, "asset", "a_1", "start",
                         (json_int_t)(rnd(s) * 10), "length",
                         (json_int_t)(1000 + rnd(s) % 40000));
    if (k == 4)
        return json_pack("[{s:s, s:s, s:s, s:{s:I, s:s}}]", "op", "create",
                         "id", id, "kind", "marker", "fields",
                         "at", (json_int_t)rnd(s), "name", "M");
    if (k <= 6 && c)
        return json_pack("[{s:s, s:s, s:{s:I, s:f}}]", "op", "set", "id", c,
                         "fields", "start", (json_int_t)(rnd(s) * 7), "gain",
                         (double)(rnd(s) % 24) - 12.0);
    if (k == 7 && c)
        return json_pack("[{s:s, s:s}]", "op", "delete", "id", c);
    if (k == 8 && proto_doc_count(doc) > 30)
        return json_pack("[{s:s, s:s}]", "op", "delete", "id", t);
    return json_pack("[{s:s, s:s, s:{s:f, s:b}}]", "op", "set", "id", t,
                     "fields", "gain", (double)(rnd(s) % 24) - 18.0, "mute",
                     (int)(rnd(s) & 1));
}

static int store_objects(db_conn *db, const proto_doc *doc, long long rev)
{
    json_t *objs = proto_doc_objects(doc);
    db_stmt *st = NULL;
    size_t i;
    json_t *o;
    int ret = -1;

    if (exec(db, "DELETE FROM objects WHERE project_id='p_1'") != 0 ||
        db_prepare(db, "INSERT INTO objects(project_id,id,kind,body,"
                               "rev) VALUES('p_1',?,?,?,?)", &st) != DB_OK)
        goto out;
    json_array_foreach(objs, i, o) {
        char *body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        db_bind_text(st, 1, json_string_value(json_object_get(o, "id")),
                          -1, DB_TRANSIENT);
        db_bind_text(st, 2, json_string_value(json_object_get(o, "kind")),
                          -1, DB_TRANSIENT);
        db_bind_text(st, 3, body, -1, DB_TRANSIENT);
        db_bind_int64(st, 4, rev);
        int rc = db_step(st);
        db_reset(st);
        free(body);
        if (rc != DB_DONE)
            goto out;
    }
    ret = 0;
out:
    db_finalize(st);
    json_decref(objs);
    return ret;
}

int hist_generate(db_conn *db, long long n, long long snap_every,
                  unsigned seed, proto_doc **at)
{
    db_stmt *ins = NULL, *snap = NULL;
    proto_doc *doc = proto_doc_new("Song", 48000);
    unsigned s = seed ? seed : 1;
    char sql[128];
    int ret = -1;

    if (!doc ||
        exec(db, "INSERT INTO projects(id,name,sample_rate,created_at,"
                 "updated_at) VALUES('p_1','Song',48000,0,0)") != 0 ||
        exec(db, "INSERT INTO assets(id,project_id,sha256,name,state,frames,"
                 "channels,created_at) VALUES('a_1','p_1','00','a.wav',"
                 "'ready',480000,2,0)") != 0 ||
        db_prepare(db, "INSERT INTO ops(project_id,rev,kind,ts,ops,"
                               "inverse) VALUES('p_1',?,?,0,?,?)", &ins) != DB_OK ||
        db_prepare(db, "INSERT INTO snapshots(project_id,rev,doc) "
                               "VALUES('p_1',?,?)", &snap) != DB_OK)
        goto out;
    proto_doc_set_asset(doc, "a_1", 480000, true);
    if (at)
        at[0] = proto_doc_clone(doc);
    exec(db, "BEGIN");
    for (long long r = 1; r <= n; r++) {
        json_t *applied = NULL, *inverse = NULL;
        const char *kind = "push";
        if (rnd(&s) % 13 == 0) {
            kind = "comment";
            applied = json_pack("{s:I, s:s}", "rev", (json_int_t)r, "body",
                                "a note");
            inverse = json_array();
        } else {
            json_t *ops = random_ops(doc, &s, r);
            proto_err err;
            if (proto_apply_push(doc, ops, &applied, &inverse, &err) != 0) {
                fprintf(stderr, "rev %lld: %s\n", r, err.message);
                json_decref(ops);
                goto out;
            }
            json_decref(ops);
        }
        char *a = json_dumps(applied, JSON_COMPACT | JSON_SORT_KEYS);
        char *i = json_dumps(inverse, JSON_COMPACT | JSON_SORT_KEYS);
        db_bind_int64(ins, 1, r);
        db_bind_text(ins, 2, kind, -1, DB_STATIC);
        db_bind_text(ins, 3, a, -1, DB_TRANSIENT);
        db_bind_text(ins, 4, i, -1, DB_TRANSIENT);
        int rc = db_step(ins);
        db_reset(ins);
        free(a);
        free(i);
        json_decref(applied);
        json_decref(inverse);
        if (rc != DB_DONE)
            goto out;
        if (snap_every > 0 && r % snap_every == 0) {
            json_t *objs = proto_doc_objects(doc);
            char *text = json_dumps(objs, JSON_COMPACT | JSON_SORT_KEYS);
            db_bind_int64(snap, 1, r);
            db_bind_text(snap, 2, text, -1, DB_TRANSIENT);
            rc = db_step(snap);
            db_reset(snap);
            free(text);
            json_decref(objs);
            if (rc != DB_DONE)
                goto out;
        }
        if (at)
            at[r] = proto_doc_clone(doc);
        if (r % 1000 == 0)
            exec(db, "COMMIT; BEGIN");
    }
    if (store_objects(db, doc, n) != 0)
        goto out;
    snprintf(sql, sizeof sql,
             "UPDATE projects SET head_rev=%lld WHERE id='p_1'", n);
    if (exec(db, sql) != 0)
        goto out;
    ret = 0;
out:
    if (!db_get_autocommit(db))
        exec(db, ret == 0 ? "COMMIT" : "ROLLBACK");
    db_finalize(ins);
    db_finalize(snap);
    proto_doc_free(doc);
    return ret;
}
