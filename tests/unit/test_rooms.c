/* test_rooms.c -- the room pipeline without libwebsockets running: a
 * server built by hand on a temporary data directory (the loop's reader
 * connection, query_only; the real store writer thread), users, sessions,
 * a project and its members made with auth_db, and socketless connections
 * (wsi == NULL) whose messages go through the real dispatch
 * (srv_ws_receive_text: hello first, the route's permission, the handler).
 * Nothing runs by itself: each step is driven by draining the loop's posts
 * and flushing the writer, and what each connection was sent is read from
 * its control queue.
 *
 * Covered: hello -> welcome (snapshot at rev 0, role, last_seq); push ->
 * nothing sent until the commit, then the ack (the author's delta) and the
 * same delta to the other connection, the revision in the ops table; a push
 * that does not apply -> reject to the author alone, document and log
 * unchanged; a resent push -> acknowledged again from the log, no new
 * revision (and a seq that was never applied -> conflict); catch-up with
 * `since` (deltas after since; none at the head; a snapshot past it); undo
 * of the user's last push -> a new revision restoring the field; the
 * permission check (viewer push, message before hello). The fixture is in
 * rooms_fixture.h; test_rooms_more.c has the snapshot and lease cases. */
#include "rooms_fixture.h"
#include "server/rooms/room_priv.h"

/* ---- the cases ---- */

static void test_hello_welcome(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = conn_new(f), *b = conn_new(f);
    json_t *w = hello(a, &f->ana, f->project, "c-ana", -1), *snap, *o;
    size_t i;
    bool have_project = false;

    assert_int_equal(int_of(w, "id"), 1);
    assert_int_equal(int_of(w, "rev"), 0);
    assert_string_equal(str_of(w, "role"), "owner");
    assert_int_equal(int_of(w, "last_seq"), 0);
    assert_string_equal(str_of(json_object_get(w, "user"), "id"),
                        f->ana.user.id);
    assert_null(json_object_get(w, "deltas"));
    snap = json_object_get(w, "snapshot");
    assert_string_equal(str_of(json_object_get(snap, "project"), "id"),
                        f->project);
    json_array_foreach(json_object_get(snap, "objects"), i, o)
        if (!strcmp(str_of(o, "id"), "project"))
            have_project = true;
    assert_true(have_project);
    assert_int_equal(json_array_size(json_object_get(w, "members")), 3);
    json_decref(w);
    assert_true(a->welcomed);
    assert_int_equal(a->role, SRV_ROLE_OWNER);

    w = hello(b, &f->bob, f->project, "c-bob", -1);
    assert_string_equal(str_of(w, "role"), "editor");
    json_decref(w);

    /* a second hello on the same connection */
    say(a, "{\"type\":\"hello\",\"token\":\"%s\",\"project\":\"%s\","
           "\"client\":\"c-ana\"}",
        f->ana.token, f->project);
    w = take(a, "error");
    assert_string_equal(str_of(w, "code"), "conflict");
    json_decref(w);
    assert_int_equal(queued(a) + queued(b), 0);
}

static void test_hello_refused(void **state)
{
    struct fx *f = *state;
    struct srv_conn *c = conn_new(f);
    json_t *e;

    /* anything but hello before welcome */
    say(c, "{\"type\":\"push\",\"id\":2,\"seq\":1,\"ops\":%s}", CREATE_T1);
    e = take(c, "error");
    assert_string_equal(str_of(e, "code"), "unauthorized");
    assert_int_equal(int_of(e, "id"), 2);
    json_decref(e);
    /* a token that is not a session */
    say(c, "{\"type\":\"hello\",\"token\":\"%s\",\"project\":\"%s\","
           "\"client\":\"c-x\"}",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", f->project);
    e = take(c, "error");
    assert_string_equal(str_of(e, "code"), "unauthorized");
    json_decref(e);
    /* the session cookie stands in for the token; not a member */
    snprintf(c->cookie_token, sizeof c->cookie_token, "%s", f->ana.token);
    say(c, "{\"type\":\"hello\",\"project\":\"p_none\",\"client\":\"c-x\"}");
    e = take(c, "error");
    assert_string_equal(str_of(e, "code"), "forbidden");
    json_decref(e);
    assert_false(c->welcomed);
    e = hello(c, &f->ana, f->project, "c-x", -1);
    json_decref(e);
    assert_true(c->welcomed);
}

static void test_push_delta_after_commit(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    char *ack_text, *other_text;
    json_t *ack, *op;

    say(a, "{\"type\":\"push\",\"seq\":17,\"base\":0,\"ops\":%s}", CREATE_T1);
    /* applied in memory, but nobody hears of it before the commit */
    assert_int_equal(srv_room_head(room_of(f)), 1);
    assert_int_equal(queued(a) + queued(b), 0);
    srv_loop_drain_posts(); /* the batch goes to the writer */
    assert_int_equal(queued(a) + queued(b), 0);
    store_writer_flush(f->srv.writer); /* committed; done is posted */
    assert_int_equal(queued(a) + queued(b), 0);
    assert_int_equal(srv_room_committed(room_of(f)), 0);
    srv_loop_drain_posts(); /* the done callback: the deltas */
    assert_int_equal(srv_room_committed(room_of(f)), 1);
    assert_int_equal(queued(a), 1);
    assert_int_equal(queued(b), 1);

    ack_text = take_text(a);
    other_text = take_text(b);
    assert_string_equal(ack_text, other_text); /* the same delta */
    ack = json_loads(ack_text, 0, NULL);
    assert_non_null(ack);
    assert_string_equal(str_of(ack, "type"), "delta");
    assert_int_equal(int_of(ack, "rev"), 1);
    assert_string_equal(str_of(ack, "client"), "c-ana");
    assert_int_equal(int_of(ack, "seq"), 17);
    assert_string_equal(str_of(ack, "user"), f->ana.user.id);
    assert_null(json_object_get(ack, "id"));
    op = json_array_get(json_object_get(ack, "ops"), 0);
    assert_string_equal(str_of(op, "op"), "create");
    assert_string_equal(str_of(op, "id"), "t_1");
    /* as applied: the defaults are filled in */
    assert_non_null(json_object_get(json_object_get(op, "fields"), "gain"));
    json_decref(ack);
    free(ack_text);
    free(other_text);

    /* durable: the log row, the head, the object and the client's seq */
    assert_int_equal(ops_rows(f), 1);
    assert_int_equal(db_int(f, "SELECT seq FROM ops WHERE project_id=?"
                               " AND rev=1 AND kind='push'"
                               " AND client='c-ana'"),
                     17);
    assert_int_equal(stored_head(f), 1);
    assert_int_equal(db_int(f, "SELECT count(*) FROM objects WHERE"
                               " project_id=? AND id='t_1'"),
                     1);
    assert_int_equal(db_int(f, "SELECT seq FROM client_seqs WHERE"
                               " project_id=? AND client='c-ana'"),
                     17);
    assert_int_equal(queued(a) + queued(b), 0);
}

static void test_reject(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    char *before, *after;
    json_t *r;

    free(push_applied(f, a, b, 1, CREATE_T1));
    before = doc_text(f);
    /* atomic: the first op would apply, the second cannot */
    say(a, "{\"type\":\"push\",\"seq\":2,\"base\":1,\"ops\":["
           "{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":-6}},"
           "{\"op\":\"set\",\"id\":\"nope\",\"fields\":{\"gain\":-3}}]}");
    /* the reject is immediate */
    r = take(a, "reject");
    assert_int_equal(int_of(r, "seq"), 2);
    assert_string_equal(str_of(r, "code"), "not_found");
    assert_int_equal(int_of(r, "op"), 1);
    json_decref(r);
    settle(f);
    assert_int_equal(queued(a) + queued(b), 0);
    after = doc_text(f);
    assert_string_equal(before, after);
    assert_int_equal(srv_room_head(room_of(f)), 1);
    assert_int_equal(ops_rows(f), 1);
    assert_int_equal(stored_head(f), 1);
    free(before);
    free(after);
}

static void test_resend(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    char *first, *again;
    json_t *r;

    first = push_applied(f, a, b, 1, CREATE_T1);
    /* the same client and seq again: acknowledged from the log */
    say(a, "{\"type\":\"push\",\"seq\":1,\"base\":null,\"ops\":%s}",
        CREATE_T1);
    settle(f);
    again = take_text(a);
    assert_non_null(again);
    /* the same delta, byte for byte (docs/protocol.md) */
    assert_string_equal(first, again);
    assert_int_equal(queued(a) + queued(b), 0);
    assert_int_equal(srv_room_head(room_of(f)), 1);
    assert_int_equal(ops_rows(f), 1);
    free(first);
    free(again);

    /* seq 2 is rejected, seq 3 applied: seq 2 can never apply now */
    say(a, "{\"type\":\"push\",\"seq\":2,\"ops\":[{\"op\":\"delete\","
           "\"id\":\"nope\"}]}");
    json_decref(take(a, "reject"));
    free(push_applied(f, a, b, 3,
                      "[{\"op\":\"set\",\"id\":\"t_1\","
                      "\"fields\":{\"gain\":-1}}]"));
    say(a, "{\"type\":\"push\",\"seq\":2,\"ops\":%s}", CREATE_T1);
    settle(f);
    r = take(a, "reject");
    assert_string_equal(str_of(r, "code"), "conflict");
    json_decref(r);
    assert_int_equal(queued(a) + queued(b), 0);
    assert_int_equal(ops_rows(f), 2);
}

/* The deltas of a catch-up welcome equal the ones broadcast. */
static void test_catch_up(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    char *sent[3];
    json_t *w, *deltas;

    sent[0] = push_applied(f, a, b, 1, CREATE_T1);
    sent[1] = push_applied(f, a, b, 2,
                           "[{\"op\":\"set\",\"id\":\"t_1\","
                           "\"fields\":{\"gain\":-6}}]");
    sent[2] = push_applied(f, a, b, 3,
                           "[{\"op\":\"set\",\"id\":\"t_1\","
                           "\"fields\":{\"pan\":0.5}}]");

    /* since 1: revisions 2 and 3, as broadcast */
    w = hello(conn_new(f), &f->ana, f->project, "c-ana", 1);
    assert_int_equal(int_of(w, "rev"), 3);
    assert_int_equal(int_of(w, "last_seq"), 3);
    assert_null(json_object_get(w, "snapshot"));
    deltas = json_object_get(w, "deltas");
    assert_int_equal(json_array_size(deltas), 2);
    for (size_t i = 0; i < 2; i++) {
        char *d = json_dumps(json_array_get(deltas, i),
                             JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(d, sent[i + 1]);
        free(d);
    }
    json_decref(w);

    /* since the head: none; a new client id has applied nothing */
    w = hello(conn_new(f), &f->bob, f->project, "c-bob2", 3);
    assert_int_equal(json_array_size(json_object_get(w, "deltas")), 0);
    assert_int_equal(int_of(w, "last_seq"), 0);
    json_decref(w);

    /* past the head: a snapshot */
    w = hello(conn_new(f), &f->bob, f->project, "c-bob3", 99);
    assert_null(json_object_get(w, "deltas"));
    assert_non_null(json_object_get(w, "snapshot"));
    json_decref(w);
    for (int i = 0; i < 3; i++)
        free(sent[i]);
    assert_int_equal(queued(a) + queued(b), 0);
}

static void test_undo(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    double gain0;
    json_t *mine, *theirs, *e;

    free(push_applied(f, a, b, 1, CREATE_T1));
    gain0 = doc_number(f, "t_1", "gain");
    free(push_applied(f, a, b, 2,
                      "[{\"op\":\"set\",\"id\":\"t_1\","
                      "\"fields\":{\"gain\":-6}}]"));
    assert_true(doc_number(f, "t_1", "gain") == -6);

    /* bob has nothing of his own to undo */
    say(b, "{\"type\":\"undo\",\"id\":5}");
    e = take(b, "error");
    assert_string_equal(str_of(e, "code"), "conflict");
    json_decref(e);

    say(a, "{\"type\":\"undo\",\"id\":7}");
    assert_int_equal(queued(a) + queued(b), 0); /* not before the commit */
    assert_true(doc_number(f, "t_1", "gain") == gain0);
    settle(f);
    mine = take(a, "delta");
    theirs = take(b, "delta");
    assert_int_equal(int_of(mine, "id"), 7); /* the answer */
    assert_null(json_object_get(theirs, "id"));
    assert_int_equal(int_of(mine, "rev"), 3);
    assert_int_equal(int_of(mine, "undo_of"), 2);
    assert_null(json_object_get(mine, "seq"));
    json_object_del(mine, "id");
    assert_true(json_equal(mine, theirs));
    json_decref(mine);
    json_decref(theirs);
    assert_int_equal(db_int(f, "SELECT undo_of FROM ops WHERE project_id=?"
                               " AND rev=3 AND kind='undo'"),
                     2);
    assert_int_equal(stored_head(f), 3);
    assert_int_equal(queued(a) + queued(b), 0);
}

/* The route's role is checked before the handler runs. */
static void test_viewer_may_not_push(void **state)
{
    struct fx *f = *state;
    struct srv_conn *v = joined(f, &f->vic, "c-vic");
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    json_t *e;

    say(v, "{\"type\":\"push\",\"id\":3,\"seq\":1,\"ops\":%s}", CREATE_T1);
    e = take(v, "error");
    assert_string_equal(str_of(e, "code"), "forbidden");
    json_decref(e);
    settle(f);
    assert_int_equal(queued(v) + queued(a), 0);
    assert_int_equal(srv_room_head(room_of(f)), 0);
    assert_int_equal(ops_rows(f), 0);
    assert_null(proto_doc_get(srv_room_doc(room_of(f)), "t_1"));
}


/* A push refused by a limit: a reject too_large to the author alone whose
 * message names the setting; the document, the log and the head are as
 * they were. */
static void expect_too_large(struct fx *f, struct srv_conn *a,
                             struct srv_conn *b, long long seq,
                             const char *ops, const char *setting)
{
    char *before = doc_text(f), *after;
    long long rows = ops_rows(f), head = stored_head(f);
    json_t *r;

    say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,\"ops\":%s}", seq,
        ops);
    r = take(a, "reject");
    assert_int_equal(int_of(r, "seq"), seq);
    assert_string_equal(str_of(r, "code"), "too_large");
    if (!strstr(str_of(r, "message"), setting))
        fail_msg("the reject does not name %s: %s", setting,
                 str_of(r, "message"));
    json_decref(r);
    settle(f);
    assert_int_equal(queued(a) + queued(b), 0);
    after = doc_text(f);
    assert_string_equal(before, after);
    assert_int_equal(ops_rows(f), rows);
    assert_int_equal(stored_head(f), head);
    assert_int_equal(srv_room_head(room_of(f)), head);
    free(before);
    free(after);
}

/* n track creates (ids t_<seq>_<i>, names of name_len characters). */
static char *track_ops(long long seq, int n, int name_len)
{
    json_t *ops = json_array();
    char id[32], name[256];
    char *text;

    assert_true(name_len < (int)sizeof name);
    memset(name, 'n', (size_t)name_len);
    name[name_len] = '\0';
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "t_%lld_%d", seq, i);
        json_array_append_new(
            ops, json_pack("{s:s, s:s, s:s, s:{s:s}}", "op", "create", "id",
                           id, "kind", "track", "fields", "name", name));
    }
    text = json_dumps(ops, JSON_COMPACT);
    json_decref(ops);
    assert_non_null(text);
    return text;
}

/* n track creates of name_len-character names as seq: refused naming
 * setting (non-NULL), or applied (NULL). */
static void push_tracks(struct fx *f, struct srv_conn *a, struct srv_conn *b,
                        long long seq, int n, int name_len,
                        const char *setting)
{
    char *ops = track_ops(seq, n, name_len);

    if (setting)
        expect_too_large(f, a, b, seq, ops, setting);
    else
        free(push_applied(f, a, b, seq, ops));
    free(ops);
}

/* The push limits of the settings: ops per push, bytes per push, objects
 * and bytes per document; the running size of the document is what
 * encoding it gives. */
static void test_push_limits(void **state)
{
    struct fx *f = *state;
    struct srv_config *cfg = &f->srv.cfg;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    char *text;

    free(push_applied(f, a, b, 1, CREATE_T1));

    cfg->max_push_ops = 3;
    push_tracks(f, a, b, 2, 4, 4, "(setting max_push_ops)");
    push_tracks(f, a, b, 3, 3, 4, NULL);
    cfg->max_push_ops = 10000;

    cfg->max_push_bytes = 1024;
    push_tracks(f, a, b, 4, 5, 200, "(setting max_push_bytes)");
    cfg->max_push_bytes = 1024 * 1024;

    /* project, t_1 and three tracks: 5 objects */
    assert_int_equal(proto_doc_count(srv_room_doc(room_of(f))), 5);
    cfg->max_doc_objects = 6;
    push_tracks(f, a, b, 5, 2, 4, "(setting max_doc_objects)");
    push_tracks(f, a, b, 6, 1, 4, NULL);
    /* a document at its limit may still shrink and be edited */
    free(push_applied(f, a, b, 7,
                      "[{\"op\":\"delete\",\"id\":\"t_6_0\"},"
                      "{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":-3}}]"));
    cfg->max_doc_objects = 100000;

    text = doc_text(f);
    assert_int_equal(proto_doc_bytes(srv_room_doc(room_of(f))), strlen(text));
    /* a track of a 4-character name adds about 150 bytes, of 120 about 270 */
    cfg->max_doc_bytes = (long long)strlen(text) + 200;
    free(text);
    push_tracks(f, a, b, 8, 1, 120, "(setting max_doc_bytes)");
    push_tracks(f, a, b, 9, 1, 4, NULL);
    text = doc_text(f);
    assert_int_equal(proto_doc_bytes(srv_room_doc(room_of(f))), strlen(text));
    free(text);
}

/* The undo stack at its limit (UNDO_DEPTH, a ring since h15-push4): against
 * a plain array that drops its oldest entry by moving the others, random
 * pushes, pops, removals by rev and clears leave the same entries in the
 * same order, the oldest dropped first once 1,000 are kept; each entry's
 * references are released exactly once (the counts return to 1). */
static void test_undo_stack_ring(void **state)
{
    struct room_stack s = {0};
    static long long model[UNDO_DEPTH + 1];
    size_t n = 0, dropped = 0;
    json_t *applied = json_array(), *inverse = json_array();
    struct room_entry e;
    uint64_t r = 99;

    (void)state;
    for (long long rev = 1; rev <= 6000; rev++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned what = (unsigned)(r >> 33) % 100;
        if (rev == 3000) { /* a push after an undo clears redo like this */
            room_stack_clear(&s);
            n = 0;
        } else if (what < 85 || rev < 1200) { /* push (past the limit early on) */
            room_stack_push(&s, rev, applied, inverse);
            if (n == UNDO_DEPTH) {
                memmove(model, model + 1, (n - 1) * sizeof *model);
                n--;
                dropped++;
            }
            model[n++] = rev;
        } else if (what < 93) { /* pop */
            bool got = room_stack_pop(&s, &e);
            assert_int_equal(got, n > 0);
            if (got) {
                assert_int_equal(e.rev, model[--n]);
                json_decref(e.applied);
                json_decref(e.inverse);
            }
        } else { /* an undo of an older entry (the log's replay) */
            long long victim = n ? model[(r >> 13) % n] : rev;
            room_stack_remove_rev(&s, victim);
            for (size_t i = 0; i < n; i++)
                if (model[i] == victim) {
                    memmove(model + i, model + i + 1, (n - i - 1) * sizeof *model);
                    n--;
                    break;
                }
        }
        assert_int_equal(s.n, n);
        assert_true(s.n <= UNDO_DEPTH && s.cap <= UNDO_DEPTH);
        assert_int_equal(applied->refcount, 1 + n);
        assert_int_equal(inverse->refcount, 1 + n);
    }
    print_message("%zu entries dropped at the limit\n", dropped);
    assert_true(dropped > 500);
    for (size_t i = n; i-- > 0;) { /* newest first, down to the oldest kept */
        assert_true(room_stack_pop(&s, &e));
        assert_int_equal(e.rev, model[i]);
        json_decref(e.applied);
        json_decref(e.inverse);
    }
    assert_false(room_stack_pop(&s, &e));
    assert_int_equal(applied->refcount, 1);
    free(s.v);
    json_decref(applied);
    json_decref(inverse);
}

/* Drops whatever c was sent. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello_welcome, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hello_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_delta_after_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_viewer_may_not_push, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_push_limits, setup, teardown),
        cmocka_unit_test(test_undo_stack_ring),
    };

    srv_server_enter_loop();
    srv_ws_init();
    srv_rooms_init();
    int failed = cmocka_run_group_tests_name("rooms, sqlite", tests, NULL,
                                             NULL);

    if (mxt_pg_init()) { /* the same cases on PostgreSQL (pg_fixture.h) */
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("rooms, postgresql", tests,
                                              NULL, NULL);
    }
    return failed;
}
