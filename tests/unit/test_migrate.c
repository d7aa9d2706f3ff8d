/* test_migrate.c -- schema migrations: a fresh database gets every
 * migration, a second run applies nothing, a database newer than the
 * binary is refused, and a broken migration rolls back whole. */
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

    assert_int_equal(db_open(":memory:", &db), DB_OK);
    return db;
}

static void test_fresh_then_nothing(void **state)
{
    char err[1024];
    db_conn *db = mem_db();

    (void)state;
    int n = srv_migrate(db, srv_migrations, srv_migrations_count, err, sizeof err);
    assert_int_equal(n, srv_migrations_count);
    assert_true(n >= 1);
    /* The tables of the brief exist. */
    static const char *const tables[] = {
        "users", "sessions", "projects", "members", "invites", "assets",
        "objects", "ops", "client_seqs", "versions", "comments"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'",
                 tables[i]);
        assert_int_equal(count_rows(db, sql), 1);
    }
    assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"),
                     srv_migrations_count);
    assert_int_equal(srv_migrate(db, srv_migrations, srv_migrations_count, err, sizeof err), 0);
    db_close(db);
}

static void test_newer_refused(void **state)
{
    char err[1024];
    db_conn *db = mem_db();

    (void)state;
    assert_true(srv_migrate(db, srv_migrations, srv_migrations_count, err, sizeof err) >= 0);
    assert_int_equal(db_exec(db,
                                  "INSERT INTO schema_migrations VALUES (9999, '9999_future', 0)",
                                  NULL, NULL, NULL),
                     DB_OK);
    assert_int_equal(srv_migrate(db, srv_migrations, srv_migrations_count, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer"));
    assert_non_null(strstr(err, "9999"));
    db_close(db);
}

static void test_broken_rolls_back(void **state)
{
    char err[1024];
    db_conn *db = mem_db();
    const struct srv_migration list[] = {
        {1, "0001_ok", "CREATE TABLE a (x);"},
        {2, "0002_broken", "CREATE TABLE b (y); INSERT INTO a VALUES (1); "
                           "CREATE TABLE nonsense syntax here;"},
    };

    (void)state;
    assert_int_equal(srv_migrate(db, list, 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "0002_broken.sql"));
    assert_non_null(strstr(err, "syntax"));
    /* 0001 stays applied; nothing of 0002 remains. */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"), 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name='b'"), 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM a"), 0);
    /* Fixed, it applies. */
    const struct srv_migration fixed[] = {
        list[0], {2, "0002_fixed", "CREATE TABLE b (y);"}};
    assert_int_equal(srv_migrate(db, fixed, 2, err, sizeof err), 1);
    db_close(db);
}

static void test_store_open_pragmas(void **state)
{
    char dir[] = "/tmp/mixroom-store-XXXXXX", err[1024];
    db_conn *db;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(store_prepare_dir(dir, err, sizeof err), 0);
    assert_int_equal(store_migrate(dir, err, sizeof err), srv_migrations_count);
    assert_int_equal(store_migrate(dir, err, sizeof err), 0);
    db = store_open(dir, "FULL", false, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(count_rows(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(count_rows(db, "PRAGMA synchronous"), 2); /* FULL */
    db_stmt *st;
    assert_int_equal(db_prepare(db, "PRAGMA journal_mode", &st), DB_OK);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal((const char *)db_column_text(st, 0), "wal");
    db_finalize(st);
    db_close(db);
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
    return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
