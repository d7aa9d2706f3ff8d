/* test_review_doc_at.c -- the property behind srv_doc_at_rev with
 * snapshots: for random histories (tests/unit/history_gen.c, stored the
 * way the rooms store them, with a snapshot every SRV_ROOM_SNAPSHOT_EVERY revisions and
 * comment revisions in between), the document rebuilt at revision N equals
 * the document held at N during the run -- rebuilt forward from the
 * snapshot below, backward from the snapshot above or from the head, and
 * also with no snapshots at all. The same cases run on PostgreSQL (its
 * migrations, a fresh database each) when MXT_PGURL is set (pg_fixture.h). */
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
#include "server/rooms/doc_at.h"
#include "server/core/migrate.h"
#include "server/rooms/room.h"
#include "tests/unit/history_gen.h"
#include "tests/unit/pg_fixture.h"

#define NREV 2200

static db_conn *open_db(void)
{
    db_conn *db = NULL;
    char err[512];

    assert_int_equal(mxt_db_open(&db), DB_OK);
    assert_true(srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err,
                            sizeof err) >= 1);
    return db;
}

static void check_rev(db_conn *db, proto_doc **at, long long r)
{
    proto_err err;
    proto_doc *d = srv_doc_at_rev(db, "p_1", r, &err);

    if (!d)
        fail_msg("revision %lld: %s", r, err.message);
    if (!proto_doc_equal(d, at[r])) {
        json_t *a = proto_doc_objects(d), *b = proto_doc_objects(at[r]);
        char *ta = json_dumps(a, JSON_COMPACT), *tb = json_dumps(b, JSON_COMPACT);
        fprintf(stderr, "rebuilt: %.600s\nheld:    %.600s\n", ta, tb);
        free(ta);
        free(tb);
        json_decref(a);
        json_decref(b);
        fail_msg("revision %lld differs", r);
    }
    proto_doc_free(d);
}

static void run(long long snap_every, unsigned seed, long long step)
{
    static proto_doc *at[NREV + 1];
    db_conn *db = open_db();

    assert_int_equal(hist_generate(db, NREV, snap_every, seed, at), 0);
    for (long long r = 0; r <= NREV; r += step)
        check_rev(db, at, r);
    /* around every snapshot and the head */
    for (long long s = 1000; s <= NREV; s += 1000)
        for (long long r = s - 2; r <= s + 2 && r <= NREV; r++)
            check_rev(db, at, r);
    for (long long r = NREV - 3; r <= NREV; r++)
        check_rev(db, at, r);
    for (long long r = 0; r <= NREV; r++)
        proto_doc_free(at[r]);
    mxt_db_close(db);
}

static void test_snapshots(void **state)
{
    (void)state;
    run(SRV_ROOM_SNAPSHOT_EVERY, 7, 13);
}

static void test_snapshots_other_seed(void **state)
{
    (void)state;
    run(SRV_ROOM_SNAPSHOT_EVERY, 12345, 29);
}

static void test_no_snapshots(void **state)
{
    (void)state;
    run(0, 99, 97);
}

/* A snapshot row that lies is used: proves the fast path really reads
 * snapshots (and that rebuilds near it start from it). */
static void test_snapshot_is_used(void **state)
{
    static proto_doc *at[NREV + 1];
    db_conn *db = open_db();
    proto_err err;
    (void)state;

    assert_int_equal(hist_generate(db, NREV, 1000, 3, at), 0);
    assert_int_equal(db_exec(db, "UPDATE snapshots SET doc='[{\"id\":"
                                      "\"project\",\"kind\":\"project\","
                                      "\"name\":\"X\"}]' WHERE rev=2000",
                                  NULL, NULL, NULL), DB_OK);
    proto_doc *d = srv_doc_at_rev(db, "p_1", 2000, &err);
    assert_non_null(d);
    assert_int_equal(proto_doc_count(d), 1);
    proto_doc_free(d);
    check_rev(db, at, 1400); /* nearer to 1000 than to 2000 */
    for (long long r = 0; r <= NREV; r++)
        proto_doc_free(at[r]);
    mxt_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshots),
        cmocka_unit_test(test_snapshots_other_seed),
        cmocka_unit_test(test_no_snapshots),
        cmocka_unit_test(test_snapshot_is_used),
    };
    int failed = cmocka_run_group_tests_name("review_doc_at, sqlite", tests, NULL,
                                             NULL);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("review_doc_at, postgresql", tests,
                                              NULL, NULL);
    }
    return failed;
}
