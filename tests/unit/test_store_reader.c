/* test_store_reader.c -- the reader kept per worker thread
 * (server/core/store_reader.h) on a data directory's store: two jobs on
 * one thread share one connection; a commit made between them by another
 * connection is seen by the second (no snapshot kept between jobs); a
 * reader left inside BEGIN, or with a statement stepped and not reset, is
 * closed by put and not handed out again; put(db, false) closes it; two
 * threads get two connections, and a thread's reader is closed when the
 * thread exits; another data directory reopens; on PostgreSQL, a reader
 * whose backend was terminated fails one job and is reopened after its
 * put(db, false). The same cases run on
 * PostgreSQL when MXT_PGURL is set (pg_fixture.h;
 * tests/unit/test_db_pg.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/store.h"
#include "server/core/store_reader.h"
#include "tests/unit/pg_fixture.h"

struct fix {
    char dir[64];
    db_conn *w; /* the "writer": another connection that commits */
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    char err[256];

    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mxreader.XXXXXX");
    if (!mkdtemp(f->dir) || mxt_store_begin() != 0)
        return -1;
    f->w = store_open(f->dir, "FULL", false, err, sizeof err);
    if (!f->w || store_exec(f->w,
                            "CREATE TABLE t(n INTEGER);"
                            "INSERT INTO t VALUES(1)",
                            err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    char cmd[128];

    store_reader_release();
    db_close(f->w);
    mxt_store_end();
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "teardown: %s failed\n", cmd);
    free(f);
    return 0;
}

/* COUNT(*) of t on db (a job's read: prepare, step, finalize). */
static int rows(db_conn *db)
{
    db_stmt *st = NULL;
    int n;

    assert_int_equal(db_prepare(db, "SELECT COUNT(*) FROM t", &st), DB_OK);
    assert_int_equal(db_step(st), DB_ROW);
    n = db_column_int(st, 0);
    db_finalize(st);
    return n;
}

static db_conn *get(const struct fix *f)
{
    char err[256] = "";
    db_conn *db = store_reader_get(f->dir, err, sizeof err);

    if (!db)
        fprintf(stderr, "store_reader_get: %s\n", err);
    assert_non_null(db);
    return db;
}

static void commit_row(const struct fix *f)
{
    char err[256];

    assert_int_equal(store_exec(f->w, "INSERT INTO t VALUES(2)", err,
                                sizeof err), 0);
}

/* Two jobs on one thread: one connection, opened once; the second job
 * sees what was committed after the first. */
static void test_kept_and_fresh(void **state)
{
    struct fix *f = *state;
    unsigned long long opens = store_reader_opens();
    db_conn *a = get(f), *b;

    assert_int_equal(rows(a), 1);
    store_reader_put(a, true);
    commit_row(f);
    b = get(f);
    assert_ptr_equal(a, b);
    assert_int_equal(store_reader_opens(), opens + 1);
    assert_int_equal(rows(b), 2); /* no stale snapshot */
    store_reader_put(b, true);
    b = get(f);
    assert_ptr_equal(a, b);
    store_reader_put(b, true);
    assert_int_equal(store_reader_opens(), opens + 1);
}

/* A job that leaves a transaction open: put closes the connection; the
 * next get opens a new one, outside any transaction, that sees the
 * latest commit. */
static void test_left_in_begin(void **state)
{
    struct fix *f = *state;
    db_conn *a = get(f);
    unsigned long long opens = store_reader_opens();

    assert_int_equal(db_begin(a), DB_OK);
    assert_int_equal(rows(a), 1); /* the snapshot is taken */
    store_reader_put(a, true);
    commit_row(f);
    a = get(f);
    assert_int_equal(store_reader_opens(), opens + 1);
    assert_true(db_get_autocommit(a));
    assert_int_equal(rows(a), 2);
    store_reader_put(a, true);
}

/* A statement stepped and not reset (SQLite keeps its read snapshot):
 * put closes the connection (finalizing it). */
static void test_left_busy(void **state)
{
    struct fix *f = *state;
    db_conn *a = get(f);
    unsigned long long opens = store_reader_opens();
    db_stmt *st = NULL;

    assert_int_equal(db_prepare(a, "SELECT n FROM t", &st), DB_OK);
    assert_int_equal(db_step(st), DB_ROW);
    store_reader_put(a, true); /* st is finalized with the connection */
    a = get(f);
    assert_int_equal(store_reader_opens(), opens + 1);
    assert_null(db_next_stmt(a, NULL));
    store_reader_put(a, true);
}

/* put(db, false): closed, the next get opens another. */
static void test_put_failed(void **state)
{
    struct fix *f = *state;
    db_conn *a = get(f);
    unsigned long long opens = store_reader_opens();

    store_reader_put(a, false);
    a = get(f);
    assert_int_equal(store_reader_opens(), opens + 1);
    assert_int_equal(rows(a), 1);
    store_reader_put(a, true);
}

/* A get inside a get: a separate connection, closed by its put; the
 * thread's own stays kept. */
static void test_nested(void **state)
{
    struct fix *f = *state;
    db_conn *a = get(f), *b = get(f);
    unsigned long long opens;

    assert_ptr_not_equal(a, b);
    store_reader_put(b, true);
    store_reader_put(a, true);
    opens = store_reader_opens();
    assert_ptr_equal(get(f), a);
    store_reader_put(a, true);
    assert_int_equal(store_reader_opens(), opens);
}

struct other {
    const struct fix *f;
    db_conn *mine;
    db_conn *again;
    int rows;
};

static void *other_thread(void *p)
{
    struct other *o = p;
    char err[256];

    o->mine = store_reader_get(o->f->dir, err, sizeof err);
    if (o->mine) {
        store_reader_put(o->mine, true);
        o->again = store_reader_get(o->f->dir, err, sizeof err);
        o->rows = o->again ? rows(o->again) : -1;
        store_reader_put(o->again, true);
    }
    return NULL; /* the key's destructor closes the reader */
}

/* Two threads: two connections, each kept by its thread. */
static void test_two_threads(void **state)
{
    struct fix *f = *state;
    struct other o = {.f = f};
    db_conn *a = get(f);
    unsigned long long opens = store_reader_opens();
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, other_thread, &o), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_non_null(o.mine);
    assert_ptr_not_equal(o.mine, a); /* both were open at once */
    assert_ptr_equal(o.again, o.mine);
    assert_int_equal(o.rows, 1);
    assert_int_equal(store_reader_opens(), opens + 1);
    store_reader_put(a, true);
    assert_ptr_equal(get(f), a);
    store_reader_put(a, true);
}

/* SQLite: another data directory is another store; the kept reader is
 * closed and one for the new store opened. */
static void test_other_dir(void **state)
{
    struct fix *f = *state;
    struct fix g = {.dir = "/tmp/mxreader.XXXXXX"};
    db_conn *a;
    char err[256], cmd[128];
    unsigned long long opens;

    if (mxt_engine_pg)
        skip();
    assert_non_null(mkdtemp(g.dir));
    g.w = store_open(g.dir, "FULL", false, err, sizeof err);
    assert_non_null(g.w);
    assert_int_equal(store_exec(g.w, "CREATE TABLE t(n INTEGER)", err,
                                sizeof err), 0);
    store_reader_put(get(f), true);
    opens = store_reader_opens();
    a = get(&g);
    assert_int_equal(rows(a), 0);
    store_reader_put(a, true);
    a = get(f);
    assert_int_equal(rows(a), 1);
    store_reader_put(a, true);
    assert_int_equal(store_reader_opens(), opens + 2);
    store_reader_release();
    db_close(g.w);
    snprintf(cmd, sizeof cmd, "rm -rf %s", g.dir);
    assert_int_equal(system(cmd), 0);
}

/* PostgreSQL: a kept reader whose backend went away (terminated, as at a
 * server restart) fails its next job's first statement; put(db, false)
 * and the job after that reconnects. */
static void test_pg_backend_gone(void **state)
{
    struct fix *f = *state;
    db_conn *a;
    db_stmt *st = NULL;
    char sql[128], err[256];
    unsigned long long opens;
    int pid;

    if (!mxt_engine_pg)
        skip();
    a = get(f);
    assert_int_equal(db_prepare(a, "SELECT pg_backend_pid()", &st), DB_OK);
    assert_int_equal(db_step(st), DB_ROW);
    pid = db_column_int(st, 0);
    db_finalize(st);
    store_reader_put(a, true);
    /* the timeout makes it wait until the backend has gone */
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d, 30000)", pid);
    assert_int_equal(store_exec(f->w, sql, err, sizeof err), 0);
    a = get(f); /* still the kept one: nothing told libpq yet */
    st = NULL;
    assert_int_not_equal(db_prepare(a, "SELECT COUNT(*) FROM t", &st) ==
                                 DB_OK &&
                             db_step(st) == DB_ROW,
                         1);
    db_finalize(st);
    store_reader_put(a, false);
    opens = store_reader_opens();
    a = get(f);
    assert_int_equal(store_reader_opens(), opens + 1);
    assert_int_equal(rows(a), 1);
    store_reader_put(a, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kept_and_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_left_in_begin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_left_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_backend_gone, setup,
                                        teardown),
    };
    int failed = cmocka_run_group_tests_name("store reader, sqlite", tests,
                                             NULL, NULL);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("store reader, postgresql",
                                              tests, NULL, NULL);
    }
    return failed;
}
