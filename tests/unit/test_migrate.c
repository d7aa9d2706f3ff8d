/* test_migrate.c -- schema migrations: a fresh database gets every
 * migration, a second run applies nothing, a database newer than the
 * binary is refused, and a broken migration rolls back whole; store_open's
 * settings. The same cases run on PostgreSQL (its migrations, a fresh
 * database each; the connection settings there) when MXT_PGURL is set
 * (pg_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/migrate.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "tests/unit/pg_fixture.h"

static int count_rows(db_conn *db, const char *sql)
{
    db_stmt *st;
    int n = -1;

    assert_int_equal(db_prepare(db, sql, &st), DB_OK);
    if (db_step(st) == DB_ROW)
        n = db_column_int(st, 0);
    db_finalize(st);
    return n;
}

static db_conn *mem_db(void)
{
    db_conn *db;

    assert_int_equal(mxt_db_open(&db), DB_OK);
    return db;
}

/* How many tables named name the connection's schema has. */
static int tables_named(db_conn *db, const char *name)
{
    char sql[256];

    snprintf(sql, sizeof sql,
             mxt_engine_pg
                 ? "SELECT count(*) FROM information_schema.tables WHERE"
                   " table_schema = current_schema() AND table_name = '%s'"
                 : "SELECT count(*) FROM sqlite_master WHERE type='table'"
                   " AND name='%s'",
             name);
    return count_rows(db, sql);
}

static void test_fresh_then_nothing(void **state)
{
    char err[1024];
    db_conn *db = mem_db();

    (void)state;
    int n = srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err, sizeof err);
    assert_int_equal(n, mxt_migrations_count());
    assert_true(n >= 1);
    /* The tables of the brief exist. */
    static const char *const tables[] = {
        "users", "sessions", "projects", "members", "invites", "assets",
        "objects", "ops", "client_seqs", "versions", "comments"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        assert_int_equal(tables_named(db, tables[i]), 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"),
                     mxt_migrations_count());
    assert_int_equal(srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err, sizeof err), 0);
    mxt_db_close(db);
}

static void test_newer_refused(void **state)
{
    char err[1024];
    db_conn *db = mem_db();

    (void)state;
    assert_true(srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err, sizeof err) >= 0);
    assert_int_equal(db_exec(db,
                                  "INSERT INTO schema_migrations VALUES (9999, '9999_future', 0)",
                                  NULL, NULL, NULL),
                     DB_OK);
    assert_int_equal(srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err, sizeof err), -1);
    assert_non_null(strstr(err, "newer"));
    assert_non_null(strstr(err, "9999"));
    mxt_db_close(db);
}

static void test_broken_rolls_back(void **state)
{
    char err[1024];
    db_conn *db = mem_db();
    const struct srv_migration list[] = {
        {1, "0001_ok", "CREATE TABLE a (x INTEGER);"},
        {2, "0002_broken", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1); "
                           "CREATE TABLE nonsense syntax here;"},
    };

    (void)state;
    assert_int_equal(srv_migrate(db, list, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "0002_broken.sql"));
    assert_non_null(strstr(err, "syntax"));
    /* 0001 stays applied; nothing of 0002 remains. */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"), 1);
    assert_int_equal(tables_named(db, "b"), 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM a"), 0);
    /* Fixed, it applies. */
    const struct srv_migration fixed[] = {
        list[0], {2, "0002_fixed", "CREATE TABLE b (y INTEGER);"}};
    assert_int_equal(srv_migrate(db, fixed, 2, err, sizeof err), 1);
    mxt_db_close(db);
}

static void test_store_open_pragmas(void **state)
{
    char dir[] = "/tmp/mixroom-store-XXXXXX", err[1024];
    db_conn *db;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(store_prepare_dir(dir, err, sizeof err), 0);
    assert_int_equal(mxt_store_begin(), 0);
    assert_int_equal(store_migrate(dir, err, sizeof err), mxt_migrations_count());
    assert_int_equal(store_migrate(dir, err, sizeof err), 0);
    db = store_open(dir, "FULL", false, err, sizeof err);
    assert_non_null(db);
    if (mxt_engine_pg) {
        /* the writer's: commits wait for the WAL flush; a reader's: no
         * writes, one snapshot per transaction */
        db_conn *ro = store_open(dir, "FULL", true, err, sizeof err);
        char v[32];
        assert_non_null(ro);
        assert_int_equal(store_query_text(db, "SHOW synchronous_commit",
                                          STORE_NO_ARGS, v, sizeof v, err,
                                          sizeof err), 1);
        assert_string_equal(v, "on");
        assert_int_equal(store_query_text(ro, "SHOW default_transaction_read_only",
                                          STORE_NO_ARGS, v, sizeof v, err,
                                          sizeof err), 1);
        assert_string_equal(v, "on");
        assert_int_equal(store_query_text(ro, "SHOW default_transaction_isolation",
                                          STORE_NO_ARGS, v, sizeof v, err,
                                          sizeof err), 1);
        assert_string_equal(v, "repeatable read");
        assert_int_not_equal(db_exec(ro, "DELETE FROM users", NULL, NULL, NULL),
                             DB_OK);
        assert_int_equal(db_errcode(ro), DB_READONLY);
        db_close(ro);
        db_close(db);
        mxt_store_end();
        rmdir(dir);
        return;
    }
    assert_int_equal(count_rows(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(count_rows(db, "PRAGMA synchronous"), 2); /* FULL */
    db_stmt *st;
    assert_int_equal(db_prepare(db, "PRAGMA journal_mode", &st), DB_OK);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal((const char *)db_column_text(st, 0), "wal");
    db_finalize(st);
    db_close(db);
    mxt_store_end();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_then_nothing),
        cmocka_unit_test(test_newer_refused),
        cmocka_unit_test(test_broken_rolls_back),
        cmocka_unit_test(test_store_open_pragmas),
    };
    int failed = cmocka_run_group_tests_name("migrate, sqlite", tests, NULL,
                                             NULL);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("migrate, postgresql", tests,
                                              NULL, NULL);
    }
    return failed;
}
