/* test_writer.c -- the store writer thread: jobs commit in order, a
 * failing job rolls back alone, done callbacks run after the commit with
 * the job's status, and jobs queued together share one transaction. The
 * same case runs on PostgreSQL when MXT_PGURL is set (pg_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"
#include "tests/unit/pg_fixture.h"

struct item {
    int value;
    int fail;
    int done_status;
    int done_calls;
};

static int insert(db_conn *db, void *arg)
{
    struct item *it = arg;
    char sql[128];

    snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d)", it->value);
    if (db_exec(db, sql, NULL, NULL, NULL) != DB_OK)
        return -1;
    return it->fail;
}

static void done(void *arg, int status)
{
    struct item *it = arg;

    it->done_status = status;
    it->done_calls++;
}

static int count(const char *dir, const char *where)
{
    char err[256], sql[256];
    db_conn *db = store_open(dir, "FULL", true, err, sizeof err);
    db_stmt *st;
    int n = -1;

    assert_non_null(db);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM t %s", where);
    assert_int_equal(db_prepare(db, sql, &st), DB_OK);
    if (db_step(st) == DB_ROW)
        n = db_column_int(st, 0);
    db_finalize(st);
    db_close(db);
    return n;
}

static void test_group_commit(void **state)
{
    char dir[] = "/tmp/mixroom-writer-XXXXXX", err[256];
    struct item items[200];
    db_conn *db;
    struct store_writer *w;
    unsigned long long batches, jobs, max_batch;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(mxt_store_begin(), 0);
    db = store_open(dir, "FULL", false, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(store_exec(db, "CREATE TABLE t (v INTEGER)", err, sizeof err), 0);
    db_close(db);

    w = store_writer_start(dir, "FULL", err, sizeof err);
    assert_non_null(w);
    memset(items, 0, sizeof items);
    for (int i = 0; i < 200; i++) {
        items[i].value = i;
        items[i].fail = (i % 10 == 3); /* every tenth+3 fails */
        store_writer_submit(w, insert, done, &items[i]);
    }
    store_writer_flush(w);
    /* Before the loop drains, no done has run. */
    for (int i = 0; i < 200; i++)
        assert_int_equal(items[i].done_calls, 0);
    srv_loop_drain_posts();
    for (int i = 0; i < 200; i++) {
        assert_int_equal(items[i].done_calls, 1);
        assert_int_equal(items[i].done_status != 0, items[i].fail != 0);
    }
    assert_int_equal(count(dir, ""), 180);
    assert_int_equal(count(dir, "WHERE v % 10 = 3"), 0);
    store_writer_stats(w, &batches, &jobs, &max_batch);
    assert_true(jobs == 200);
    assert_true(batches < 200); /* jobs shared transactions */
    assert_true(max_batch > 1);
    store_writer_stop(w);
    mxt_store_end();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_commit),
    };

    srv_server_enter_loop(); /* this thread drives the loop by hand */
    int failed = cmocka_run_group_tests_name("writer, sqlite", tests, NULL,
                                             NULL);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("writer, postgresql", tests,
                                              NULL, NULL);
    }
    return failed;
}
