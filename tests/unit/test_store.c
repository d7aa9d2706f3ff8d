/* test_store.c -- the statement helpers of server/core/store_stmt.h on an
 * in-memory database: column getters with NULL, text and integers; the
 * statement cache (same statement per SQL, reset each time, finalized by
 * clear); store_step_done's error message; the one-shot queries with zero
 * and one rows. The same cases run on PostgreSQL when MXT_PGURL is set
 * (pg_fixture.h; a fresh database per case), with PostgreSQL's messages,
 * and its prepare that checks nothing until the first step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "tests/unit/pg_fixture.h"

/* The engine's message for a missing column / a taken primary key. */
#define NO_COLUMN (mxt_engine_pg ? "column \"nope\" does not exist" \
                                 : "no such column: nope")
#define KEY_TAKEN (mxt_engine_pg ? "duplicate key value violates unique" \
                                 : "UNIQUE constraint failed: t.id")

static int setup(void **state)
{
    db_conn *db;
    char err[256];

    if (mxt_db_open(&db) != DB_OK)
        return -1;
    if (store_exec(db,
                   "CREATE TABLE t(id TEXT PRIMARY KEY, name TEXT, n INTEGER);"
                   "INSERT INTO t VALUES('a', 'alpha', 7);"
                   "INSERT INTO t VALUES('b', NULL, NULL);"
                   "INSERT INTO t VALUES('c', 'a rather long name', 9);",
                   err, sizeof err) != 0)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    mxt_db_close(*state);
    return 0;
}

/* The row of t with the given id, stepped (the caller finalizes). */
static db_stmt *row(db_conn *db, const char *id)
{
    db_stmt *st = store_prepare(
        db, "SELECT name, n FROM t WHERE id=?1", STORE_ARGS(id), NULL, 0);

    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    return st;
}

static void test_columns(void **state)
{
    db_conn *db = *state;
    db_stmt *st;
    char buf[8];
    json_t *j;

    st = row(db, "a");
    assert_string_equal(store_col_text(st, 0), "alpha");
    store_col_copy(buf, sizeof buf, st, 0);
    assert_string_equal(buf, "alpha");
    j = store_col_json_text(st, 0);
    assert_string_equal(json_string_value(j), "alpha");
    json_decref(j);
    j = store_col_json_int(st, 1);
    assert_int_equal(json_integer_value(j), 7);
    json_decref(j);
    assert_string_equal(store_col_text(st, 1), "7");
    db_finalize(st);

    st = row(db, "b");
    assert_string_equal(store_col_text(st, 0), "");
    store_col_copy(buf, sizeof buf, st, 0);
    assert_string_equal(buf, "");
    j = store_col_json_text(st, 0);
    assert_true(json_is_null(j));
    json_decref(j);
    j = store_col_json_int(st, 1);
    assert_true(json_is_null(j));
    json_decref(j);
    assert_int_equal(db_column_int64(st, 1), 0);
    db_finalize(st);

    st = row(db, "c"); /* truncated, still terminated */
    store_col_copy(buf, sizeof buf, st, 0);
    assert_string_equal(buf, "a rathe");
    db_finalize(st);
}

static void test_cache(void **state)
{
    db_conn *db = *state;
    struct store_stmt_cache c = STORE_STMT_CACHE_INIT;
    static const char sql[] = "SELECT n FROM t WHERE id=?1";
    char copy[sizeof sql];
    db_stmt *a, *b, *d;

    a = store_stmt_cache_get(&c, db, sql);
    assert_non_null(a);
    db_bind_text(a, 1, "a", -1, DB_STATIC);
    assert_int_equal(db_step(a), DB_ROW);
    assert_int_equal(db_column_int(a, 0), 7);

    /* the same statement for the same SQL (also by text), reset and with
     * its bindings cleared: the unbound ?1 is NULL, so no row */
    memcpy(copy, sql, sizeof sql);
    b = store_stmt_cache_get(&c, db, copy);
    assert_ptr_equal(a, b);
    assert_int_equal(db_stmt_busy(b), 0);
    assert_int_equal(db_step(b), DB_DONE);

    d = store_stmt_cache_get(&c, db, "SELECT count(*) FROM t");
    assert_non_null(d);
    assert_ptr_not_equal(a, d);
    assert_int_equal(db_step(d), DB_ROW);
    assert_int_equal(db_column_int(d, 0), 3);

    /* a failed prepare is not cached (PostgreSQL's prepare sends nothing:
     * the error comes at the first step) */
    if (!mxt_engine_pg) {
        assert_null(store_stmt_cache_get(&c, db, "SELECT nope FROM t"));
        assert_int_equal(c.n, 2);
    } else {
        db_stmt *e = store_stmt_cache_get(&c, db, "SELECT nope FROM t");
        assert_non_null(e);
        assert_int_not_equal(db_step(e), DB_ROW);
        assert_non_null(strstr(db_errmsg(db), NO_COLUMN));
        assert_int_equal(c.n, 3);
    }

    store_stmt_cache_clear(&c);
    assert_null(db_next_stmt(db, NULL));
    assert_int_equal(c.n, 0);
    assert_null(c.db);
    store_stmt_cache_clear(&c); /* clearing an empty cache is harmless */
}

static void test_step_done(void **state)
{
    db_conn *db = *state;
    char err[256] = "";
    db_stmt *st;

    st = store_prepare(db, "INSERT INTO t VALUES(?1, ?2, 1)",
                       STORE_ARGS("d", "delta"), err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_step_done(st, err, sizeof err), 0);
    assert_int_equal(db_changes(db), 1);
    /* again: the primary key is taken */
    assert_int_equal(store_step_done(st, err, sizeof err), -1);
    assert_non_null(strstr(err, KEY_TAKEN));
    assert_int_equal(store_step_done(st, NULL, 0), -1);
    db_finalize(st);

    /* rows are skipped */
    st = store_prepare(db, "SELECT id FROM t", STORE_NO_ARGS, err, sizeof err);
    assert_int_equal(store_step_done(st, err, sizeof err), 0);
    db_finalize(st);

    /* a prepare error carries its message (PostgreSQL's at the step) */
    st = store_prepare(db, "SELECT nope FROM t", STORE_NO_ARGS, err,
                       sizeof err);
    if (mxt_engine_pg) {
        assert_non_null(st);
        assert_int_equal(store_step_done(st, err, sizeof err), -1);
        db_finalize(st);
    } else {
        assert_null(st);
    }
    assert_non_null(strstr(err, NO_COLUMN));
}

static void test_query(void **state)
{
    db_conn *db = *state;
    char err[256] = "", buf[16] = "untouched";
    long long v = -5;

    assert_int_equal(store_query_int(db, "SELECT n FROM t WHERE id=?1",
                                     STORE_ARGS("a"), &v, err, sizeof err),
                     1);
    assert_int_equal(v, 7);
    v = -5;
    assert_int_equal(store_query_int(db, "SELECT n FROM t WHERE id=?1",
                                     STORE_ARGS("zz"), &v, err, sizeof err),
                     0);
    assert_int_equal(v, -5);
    assert_int_equal(store_query_int(db,
                                     "SELECT count(*) FROM t WHERE id=?1 OR"
                                     " name=?2",
                                     STORE_ARGS("a", "alpha"), &v, NULL, 0),
                     1);
    assert_int_equal(v, 1);
    assert_int_equal(store_query_int(db, "SELECT count(*) FROM t",
                                     STORE_NO_ARGS, &v, NULL, 0),
                     1);
    assert_int_equal(v, 3);

    assert_int_equal(store_query_text(db, "SELECT name FROM t WHERE id=?1",
                                      STORE_ARGS("zz"), buf, sizeof buf, err,
                                      sizeof err),
                     0);
    assert_string_equal(buf, "untouched");
    assert_int_equal(store_query_text(db, "SELECT name FROM t WHERE id=?1",
                                      STORE_ARGS("a"), buf, sizeof buf, err,
                                      sizeof err),
                     1);
    assert_string_equal(buf, "alpha");
    assert_int_equal(store_query_text(db, "SELECT name FROM t WHERE id=?1",
                                      STORE_ARGS("b"), buf, sizeof buf, err,
                                      sizeof err),
                     1);
    assert_string_equal(buf, "");

    assert_int_equal(store_query_int(db, "SELECT nope FROM t", STORE_NO_ARGS,
                                     &v, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, NO_COLUMN));
    /* nothing is left behind */
    assert_null(db_next_stmt(db, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("store, sqlite", tests, NULL,
                                             NULL);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("store, postgresql", tests,
                                              NULL, NULL);
    }
    return failed;
}
