/* test_rooms_more.c -- more of the room pipeline on test_rooms.c's fixture
 * (rooms_fixture.h): the full snapshot encoded by the writer while later
 * pushes change the document (by the writer without a job pool, on a
 * worker with one, while the writer goes on committing), and the lease gate of a cluster (wrong_node,
 * the owner, no room; released on unload). */
#include "rooms_fixture.h"

#include "server/core/jobs.h"
#include "server/rooms/room_snapshot.h"

static void drop_all(struct srv_conn *c)
{
    char *t;

    while ((t = take_text(c)))
        free(t);
}

/* The fixture of the cases that use an engine job pool (snapshots and
 * catch-ups then run on a worker): the pool is made by the case, where it
 * wants it, with jobs_on; torn down (and what it posted run) here. */
static void jobs_on(struct fx *f)
{
    f->srv.jobs = srv_jobs_new(2, NULL);
    assert_non_null(f->srv.jobs);
}

static int teardown_jobs(void **state)
{
    struct fx *f = *state;

    srv_jobs_free(f->srv.jobs);
    f->srv.jobs = NULL;
    settle(f);
    return teardown(state);
}

/* The push of seq from a that makes revision SRV_ROOM_SNAPSHOT_EVERY (the
 * snapshot's): t_1's pan. */
static void push_snapshot_rev(struct srv_conn *a, long long seq)
{
    say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,\"ops\":"
           "[{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"pan\":0.25}}]}",
        seq);
}

/* Push i (0..19) after the snapshot's revision, as seq: t_i's gain and
 * name set (even i) or t_i deleted (odd i). */
static void push_after_snapshot(struct srv_conn *a, long long seq, int i)
{
    say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,"
           "\"ops\":[{\"op\":\"%s\",\"id\":\"t_%d\"%s}]}", seq,
        i % 2 ? "delete" : "set", i,
        i % 2 ? "" : ",\"fields\":{\"gain\":-3,\"name\":\"x\"}");
}

/* The stored snapshot of revision rev (a new string), or NULL. */
static char *stored_snapshot(struct fx *f, long long rev)
{
    char *stored = NULL;
    db_stmt *st;

    assert_int_equal(db_prepare(f->srv.db, "SELECT doc FROM snapshots"
                                        " WHERE project_id=? AND rev=?",
                                        &st),
                     DB_OK);
    db_bind_text(st, 1, f->project, -1, DB_STATIC);
    db_bind_int64(st, 2, rev);
    if (db_step(st) == DB_ROW)
        stored = strdup((const char *)db_column_text(st, 0));
    db_finalize(st);
    return stored;
}

/* doc_at reads revision at back as expect (the document's text). */
static void assert_doc_at(struct fx *f, long long at, const char *expect)
{
    proto_err err;
    proto_doc *d = srv_doc_at_rev(f->srv.db, f->project, at, &err);
    assert_non_null(d);
    json_t *objs = proto_doc_objects(d);
    char *back = json_dumps(objs, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(back, expect);
    free(back);
    json_decref(objs);
    proto_doc_free(d);
}

/* The snapshot stored for revision at (stored; freed here) is the
 * document's text expect (freed here), and doc_at reads it back. */
static void assert_snapshot(struct fx *f, long long at, char *stored,
                            char *expect)
{
    assert_non_null(stored);
    assert_string_equal(stored, expect);
    assert_doc_at(f, at, expect);
    free(stored);
    free(expect);
}

/* The pushes of revisions 1 .. SRV_ROOM_SNAPSHOT_EVERY - 1 from a: 50
 * tracks, then gain changes; settled, what a and b (may be NULL) got
 * dropped. Returns the next seq. */
static long long push_to_snapshot(struct fx *f, struct srv_conn *a,
                                  struct srv_conn *b)
{
    const long long at = SRV_ROOM_SNAPSHOT_EVERY;
    long long seq;

    for (seq = 1; seq < at; seq++) {
        if (seq <= 50)
            say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,"
                   "\"ops\":[{\"op\":\"create\",\"id\":\"t_%lld\","
                   "\"kind\":\"track\",\"fields\":{}}]}", seq, seq - 1);
        else
            say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,"
                   "\"ops\":[{\"op\":\"set\",\"id\":\"t_%lld\","
                   "\"fields\":{\"gain\":%lld}}]}", seq, seq % 50,
                -(seq % 40));
        if (seq % 25 == 0 || seq + 1 == at) {
            settle(f);
            drop_all(a);
            if (b)
                drop_all(b);
        }
    }
    return seq;
}

/* The full snapshot of revision SRV_ROOM_SNAPSHOT_EVERY is taken when the
 * revision is applied and encoded by the writer later, while pushes go on
 * changing (and deleting) the objects it shares: the stored snapshot is
 * the document at its revision, byte for byte, and doc_at reads the same
 * document back from it. */
static void test_snapshot_while_pushing(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    const long long at = SRV_ROOM_SNAPSHOT_EVERY;
    char *expect;
    long long seq = 0;

    seq = push_to_snapshot(f, a, b);
    assert_int_equal(srv_room_committed(room_of(f)), at - 1);
    /* revision `at`: its snapshot is taken now, encoded at the commit */
    push_snapshot_rev(a, seq);
    assert_int_equal(srv_room_head(room_of(f)), at);
    expect = doc_text(f);
    /* more revisions of the same pass replace and delete what it shares */
    for (int i = 0; i < 20; i++)
        push_after_snapshot(a, ++seq, i);
    {
        char *now = doc_text(f); /* the document moved on */

        assert_string_not_equal(now, expect);
        free(now);
    }
    settle(f);
    drop_all(a);
    drop_all(b);
    assert_int_equal(srv_room_committed(room_of(f)), at + 20);

    assert_snapshot(f, at, stored_snapshot(f, at), expect);
}

/* With a job pool the snapshot is encoded on a worker, and the writer does
 * not wait for it: while the encoder is held back (the test hook), the
 * revision of the snapshot and 20 more are committed and every push is
 * acknowledged, with no snapshot stored; once released, the stored
 * snapshot is the document at its revision, byte for byte, and doc_at
 * reads the same document back. */
static void test_snapshot_on_worker(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    const long long at = SRV_ROOM_SNAPSHOT_EVERY;
    char *expect, *stored = NULL;
    long long seq;
    json_t *m;

    jobs_on(f);
    room_snapshot_test_hold(1);
    seq = push_to_snapshot(f, a, NULL);
    push_snapshot_rev(a, seq);
    expect = doc_text(f);
    settle(f);
    m = take(a, "delta"); /* the ack of revision `at` */
    assert_int_equal(int_of(m, "rev"), at);
    json_decref(m);
    for (int i = 0; i < 20; i++) {
        push_after_snapshot(a, ++seq, i);
        settle(f); /* each push is committed and acknowledged */
        m = take(a, "delta");
        assert_int_equal(int_of(m, "rev"), at + 1 + i);
        assert_int_equal(int_of(m, "seq"), seq);
        json_decref(m);
    }
    assert_int_equal(srv_room_committed(room_of(f)), at + 20);
    assert_int_equal(stored_head(f), at + 20);
    assert_null(stored_snapshot(f, at)); /* still held back */

    room_snapshot_test_hold(0);
    for (int tries = 0; !stored && tries < 60000; tries++) {
        usleep(1000);
        settle(f);
        stored = stored_snapshot(f, at);
    }
    assert_snapshot(f, at, stored, expect);
}

/* Says hello on c as bob, client c-bob, since (< 0: null, a snapshot). */
static void hello_bob(struct fx *f, struct srv_conn *c, long long since)
{
    char since_text[32] = "null";

    if (since >= 0)
        snprintf(since_text, sizeof since_text, "%lld", since);
    say(c, "{\"type\":\"hello\",\"id\":7,\"token\":\"%s\",\"project\":"
           "\"%s\",\"client\":\"c-bob\",\"since\":%s}",
        f->bob.token, f->project, since_text);
}

/* Says hello on a new connection of bob as client c-bob (since < 0: a
 * snapshot) and returns the welcome's text as sent, waiting for it as long
 * as it takes (a worker may be reading it). */
static char *welcome_text(struct fx *f, struct srv_conn **out, long long since)
{
    struct srv_conn *c = conn_new(f);
    char *text;

    hello_bob(f, c, since);
    wait_loads();
    for (int tries = 0; queued(c) == 0 && tries < 60000; tries++) {
        usleep(1000);
        settle(f);
    }
    text = take_text(c);
    assert_non_null(text);
    *out = c;
    return text;
}

/* One marker create per push, n of them from seq on a; settled. */
static long long push_markers(struct fx *f, struct srv_conn *a, long long seq,
                              int n)
{
    for (int i = 0; i < n; i++, seq++) {
        say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,\"ops\":"
               "[{\"op\":\"create\",\"id\":\"m_%lld\",\"kind\":\"marker\","
               "\"fields\":{\"at\":%lld,\"name\":\"n\\u00e9 %lld\"}}]}",
            seq, seq, seq * 10, seq);
        if (i % 50 == 49)
            settle(f);
    }
    settle(f);
    drop_all(a);
    return seq;
}

/* The welcome read and encoded on a worker (a catch-up of 300 revisions,
 * and a snapshot) is byte for byte the welcome of the plain path on the
 * loop (MIXROOM_TEST_CATCHUP_ON_LOOP=1); while the worker is held back
 * the connection gets nothing, other clients' pushes go on being
 * acknowledged, and their deltas follow the welcome, in order. */
static void test_catchup_on_worker(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana"), *b;
    long long seq = push_markers(f, a, 1, 300);

    jobs_on(f);
    for (int snapshot = 0; snapshot < 2; snapshot++) {
        long long since = snapshot ? -1 : 0;
        long long head = srv_room_committed(room_of(f));
        char *plain, *off;

        setenv("MIXROOM_TEST_CATCHUP_ON_LOOP", "1", 1);
        plain = welcome_text(f, &b, since);
        unsetenv("MIXROOM_TEST_CATCHUP_ON_LOOP");
        assert_int_equal(queued(b), 0);
        conn_close(f, b);
        srv_hooks_tick(&f->srv); /* presence of the closed one */
        drop_all(a);            /* its `left` */

        room_catchup_test_hold(1);
        b = conn_new(f);
        hello_bob(f, b, since);
        settle(f);
        assert_int_equal(queued(b), 0);
        assert_false(b->welcomed);
        for (int i = 0; i < 5; i++) { /* acknowledged meanwhile */
            json_t *m;
            say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,"
                   "\"ops\":[{\"op\":\"set\",\"id\":\"m_%d\","
                   "\"fields\":{\"at\":%d}}]}", seq++, i + 1, 5 + i);
            settle(f);
            m = take(a, "delta");
            assert_int_equal(int_of(m, "rev"), head + 1 + i);
            json_decref(m);
        }
        assert_int_equal(queued(b), 0);
        room_catchup_test_hold(0);
        for (int tries = 0; queued(b) == 0 && tries < 60000; tries++) {
            usleep(1000);
            settle(f);
        }
        off = take_text(b);
        assert_non_null(off);
        assert_string_equal(off, plain);
        json_t *w = json_loads(off, 0, NULL);
        assert_int_equal(int_of(w, "rev"), head);
        if (!snapshot)
            assert_int_equal(json_array_size(json_object_get(w, "deltas")),
                             head);
        json_decref(w);
        for (int i = 0; i < 5; i++) { /* then the held deltas, in order */
            json_t *m = take(b, "delta");
            assert_int_equal(int_of(m, "rev"), head + 1 + i);
            json_decref(m);
        }
        assert_int_equal(queued(b), 0);
        assert_true(b->welcomed);
        free(plain);
        free(off);
        conn_close(f, b);
        srv_hooks_tick(&f->srv);
        drop_all(a);
    }
    /* a connection that leaves while its catch-up is read: nothing sent,
     * nothing leaks */
    room_catchup_test_hold(1);
    b = conn_new(f);
    hello_bob(f, b, 0);
    settle(f);
    seq = push_markers(f, a, seq, 3);
    assert_int_equal(queued(b), 0);
    conn_close(f, b);
    room_catchup_test_hold(0);
}

/* ---- the lease gate (server/cluster registers the real one) ---- */

static int gate_answer;     /* what take says: 0, 1 (elsewhere), -1 */
static const char *gate_owner;
static int gate_takes, gate_releases;
static const char *gate_project; /* releases of this project are counted */

static int fake_take(struct srv_server *srv, const char *project_id,
                     char *owner, size_t owner_len)
{
    (void)srv;
    (void)project_id;
    gate_takes++;
    snprintf(owner, owner_len, "%s", gate_owner);
    return gate_answer;
}

static void fake_release(struct srv_server *srv, const char *project_id)
{
    (void)srv;
    /* (rooms of earlier cases are still in the registry: not counted) */
    if (!strcmp(project_id, gate_project))
        gate_releases++;
}

static const struct srv_room_lease fake_gate = {fake_take, fake_release};

/* A hello of ana (client c-l; with "id": id unless 0) on a new connection
 * *c while the gate answers `answer` with `owner`: the error it gets. */
static json_t *gate_refused(struct fx *f, struct srv_conn **c, int id,
                            int answer, const char *owner)
{
    char id_text[32] = "";

    gate_answer = answer;
    gate_owner = owner;
    if (id)
        snprintf(id_text, sizeof id_text, "\"id\":%d,", id);
    *c = conn_new(f);
    say(*c, "{\"type\":\"hello\",%s\"token\":\"%s\",\"project\":\"%s\","
            "\"client\":\"c-l\"}", id_text, f->ana.token, f->project);
    return take(*c, "error");
}

/* A hello while another node holds the lease: wrong_node with the owner,
 * the socket closing, no room created, nothing stored; one that cannot be
 * checked: internal; one that gets the lease: welcomed, and the lease is
 * released when the room is unloaded. */
static void test_lease_gate(void **state)
{
    struct fx *f = *state;
    struct srv_conn *c;
    json_t *e;
    long long head = stored_head(f), rows = ops_rows(f);

    srv_room_set_lease(&fake_gate);
    gate_takes = gate_releases = 0;
    gate_project = f->project;
    e = gate_refused(f, &c, 1, 1, "node-b");
    assert_string_equal(str_of(e, "code"), "wrong_node");
    assert_string_equal(str_of(e, "owner"), "node-b");
    assert_int_equal(int_of(e, "id"), 1);
    json_decref(e);
    assert_true(c->closing);
    assert_false(c->welcomed);
    assert_null(srv_room_find(f->project));
    assert_int_equal(srv_rooms_loading(), 0);
    assert_int_equal(gate_takes, 1);
    conn_close(f, c);
    /* the owner not known yet: "owner": null */
    e = gate_refused(f, &c, 0, 1, "");
    assert_string_equal(str_of(e, "code"), "wrong_node");
    assert_true(json_is_null(json_object_get(e, "owner")));
    json_decref(e);
    conn_close(f, c);
    /* the lease cannot be asked for */
    e = gate_refused(f, &c, 0, -1, "the lease session failed");
    assert_string_equal(str_of(e, "code"), "internal");
    json_decref(e);
    assert_null(srv_room_find(f->project));
    conn_close(f, c);
    assert_int_equal(gate_releases, 0);
    assert_int_equal(stored_head(f), head);
    assert_int_equal(ops_rows(f), rows);
    /* taken: welcomed; released once the room leaves the registry */
    gate_answer = 0;
    c = joined(f, &f->ana, "c-l");
    assert_non_null(srv_room_find(f->project));
    conn_close(f, c);
    f->srv.cfg.room_unload = 0;
    srv_hooks_tick(&f->srv);
    assert_null(srv_room_find(f->project));
    assert_int_equal(gate_releases, 1);
    srv_room_set_lease(NULL);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snapshot_while_pushing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_on_worker, setup,
                                        teardown_jobs),
        cmocka_unit_test_setup_teardown(test_catchup_on_worker, setup,
                                        teardown_jobs),
        cmocka_unit_test_setup_teardown(test_lease_gate, setup, teardown),
    };

    srv_server_enter_loop();
    srv_ws_init();
    srv_rooms_init();
    return cmocka_run_group_tests_name("rooms_more", tests, NULL, NULL);
}
