/* test_doc_at.c -- srv_doc_at_rev against a small stored history: pushes
 * are applied to a document the way the rooms do, their rows written to an
 * in-memory database with the real migrations, and every revision rebuilt
 * from the log must equal the document as it was. The same cases run on
 * PostgreSQL (its migrations, a fresh database) when MXT_PGURL is set
 * (pg_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "server/core/db.h"

#include "protocol/document.h"
#include "protocol/ops.h"
#include "server/rooms/doc_at.h"
#include "server/core/migrate.h"
#include "tests/unit/pg_fixture.h"

#define NREV 6

static db_conn *db;
static proto_doc *at[NREV + 1];

static void exec(const char *sql)
{
    char *msg = NULL;
    if (db_exec(db, sql, NULL, NULL, &msg) != DB_OK)
        fail_msg("%s: %s", sql, msg);
}

/* Stores the current document's objects as the objects table. */
static void store_objects(const proto_doc *doc, long long rev)
{
    json_t *objs = proto_doc_objects(doc);
    db_stmt *st;
    size_t i;
    json_t *o;

    exec("DELETE FROM objects");
    assert_int_equal(db_prepare(db,
        "INSERT INTO objects(project_id,id,kind,body,rev) VALUES('p_1',?,?,?,?)", &st), DB_OK);
    json_array_foreach(objs, i, o) {
        char *body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        db_bind_text(st, 1, json_string_value(json_object_get(o, "id")), -1,
                          DB_TRANSIENT);
        db_bind_text(st, 2, json_string_value(json_object_get(o, "kind")),
                          -1, DB_TRANSIENT);
        db_bind_text(st, 3, body, -1, DB_TRANSIENT);
        db_bind_int64(st, 4, rev);
        assert_int_equal(db_step(st), DB_DONE);
        db_reset(st);
        free(body);
    }
    db_finalize(st);
    json_decref(objs);
}

static void push(proto_doc *doc, long long rev, const char *kind,
                 const char *ops_text)
{
    json_t *ops = json_loads(ops_text, 0, NULL);
    json_t *applied = NULL, *inverse = NULL;
    proto_err err;
    db_stmt *st;

    assert_non_null(ops);
    if (strcmp(kind, "comment") == 0) {
        applied = json_array();
        inverse = json_array();
    } else if (proto_apply_push(doc, ops, &applied, &inverse, &err) != 0) {
        fail_msg("push %lld: %s", rev, err.message);
    }
    char *a = json_dumps(applied, JSON_COMPACT), *i = json_dumps(inverse, JSON_COMPACT);
    assert_int_equal(db_prepare(db,
        "INSERT INTO ops(project_id,rev,kind,ts,ops,inverse) VALUES('p_1',?,?,0,?,?)", &st), DB_OK);
    db_bind_int64(st, 1, rev);
    db_bind_text(st, 2, kind, -1, DB_STATIC);
    db_bind_text(st, 3, a, -1, DB_TRANSIENT);
    db_bind_text(st, 4, i, -1, DB_TRANSIENT);
    assert_int_equal(db_step(st), DB_DONE);
    db_finalize(st);
    free(a);
    free(i);
    json_decref(ops);
    json_decref(applied);
    json_decref(inverse);
}

static int setup(void **state)
{
    char err[512];
    (void)state;
    assert_int_equal(mxt_db_open(&db), DB_OK);
    assert_true(srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err,
                            sizeof err) >= 1);
    exec("INSERT INTO projects(id,name,sample_rate,created_at,updated_at)"
         " VALUES('p_1','Song',48000,0,0)");
    exec("INSERT INTO assets(id,project_id,sha256,name,state,frames,channels,"
         "created_at) VALUES('a_1','p_1','00','a.wav','ready',96000,2,0)");

    proto_doc *doc = proto_doc_new("Song", 48000);
    proto_doc_set_asset(doc, "a_1", 96000, true);
    at[0] = proto_doc_clone(doc);
    static const char *const kinds[NREV] = {"push", "push", "comment", "push",
                                            "push", "push"};
    static const char *const pushes[NREV] = {
        "[{\"op\":\"create\",\"id\":\"t_1\",\"kind\":\"track\",\"fields\":{\"name\":\"Bass\",\"order\":\"a5\"}}]",
        "[{\"op\":\"create\",\"id\":\"c_1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t_1\",\"asset\":\"a_1\",\"start\":0,\"length\":48000}},"
        " {\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":-3}}]",
        "[]",
        "[{\"op\":\"set\",\"id\":\"c_1\",\"fields\":{\"start\":1000,\"gain\":2}},"
        " {\"op\":\"set\",\"id\":\"project\",\"fields\":{\"name\":\"Song v2\"}}]",
        "[{\"op\":\"delete\",\"id\":\"t_1\"}]",
        "[{\"op\":\"create\",\"id\":\"t_2\",\"kind\":\"track\",\"fields\":{\"name\":\"Keys\",\"order\":\"a7\",\"mute\":true}}]",
    };
    for (int r = 1; r <= NREV; r++) {
        push(doc, r, kinds[r - 1], pushes[r - 1]);
        at[r] = proto_doc_clone(doc);
    }
    store_objects(doc, NREV);
    exec("UPDATE projects SET head_rev=6 WHERE id='p_1'");
    proto_doc_free(doc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int r = 0; r <= NREV; r++)
        proto_doc_free(at[r]);
    mxt_db_close(db);
    return 0;
}

static void test_every_revision(void **state)
{
    (void)state;
    for (int r = 0; r <= NREV; r++) {
        proto_err err;
        proto_doc *d = srv_doc_at_rev(db, "p_1", r, &err);
        assert_non_null(d);
        if (!proto_doc_equal(d, at[r]))
            fail_msg("revision %d differs", r);
        int64_t frames = 0;
        bool ready = false;
        assert_true(proto_doc_get_asset(d, "a_1", &frames, &ready));
        assert_int_equal(frames, 96000);
        assert_true(ready);
        proto_doc_free(d);
    }
}

static void test_head_and_name(void **state)
{
    long long head = 0;
    int rate = 0;
    char name[64];
    proto_err err;
    (void)state;
    proto_doc *d = srv_doc_at_rev2(db, "p_1", -1, &head, &rate, name,
                                   sizeof name, &err);
    assert_non_null(d);
    assert_int_equal(head, NREV);
    assert_int_equal(rate, 48000);
    assert_string_equal(name, "Song v2");
    assert_true(proto_doc_equal(d, at[NREV]));
    proto_doc_free(d);
    d = srv_doc_at_rev2(db, "p_1", 2, NULL, NULL, name, sizeof name, &err);
    assert_string_equal(name, "Song");
    proto_doc_free(d);
}

static void test_errors(void **state)
{
    proto_err err;
    (void)state;
    assert_null(srv_doc_at_rev(db, "p_1", NREV + 1, &err));
    assert_int_equal(err.code, PROTO_NOT_FOUND);
    assert_null(srv_doc_at_rev(db, "p_nope", 0, &err));
    assert_int_equal(err.code, PROTO_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_revision),
        cmocka_unit_test(test_head_and_name),
        cmocka_unit_test(test_errors),
    };
    int failed = cmocka_run_group_tests_name("doc_at, sqlite", tests, setup,
                                             teardown);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("doc_at, postgresql", tests,
                                              setup, teardown);
    }
    return failed;
}
