/* test_push_batch.c -- a room's revisions of one loop pass stored as one
 * writer job (h15-push2): several pushes that create, set and delete the
 * same objects within one batch leave exactly the rows that pushing them
 * one commit at a time leaves (every ops row, each object's body as the
 * document has it after the batch, deleted objects gone, each client's last
 * seq), although the writer encodes only the bodies it stores; and the
 * deltas go out in revision order, one per revision, with the same bytes
 * to the author and the other connection. Uses rooms_fixture.h (socketless
 * connections through the real dispatch, the real writer thread). */
#include "rooms_fixture.h"

/* The stored body of object id, or NULL (a new string). */
static char *stored_body(struct fx *f, const char *id)
{
    db_stmt *st;
    char *body = NULL;

    assert_int_equal(db_prepare(f->srv.db,
                                "SELECT body FROM objects WHERE project_id=?"
                                " AND id=?",
                                &st),
                     DB_OK);
    db_bind_text(st, 1, f->project, -1, DB_STATIC);
    db_bind_text(st, 2, id, -1, DB_STATIC);
    if (db_step(st) == DB_ROW)
        body = strdup((const char *)db_column_text(st, 0));
    db_finalize(st);
    return body;
}

/* Every object of the room's document is stored with the body the
 * document has (the room writes compact, sorted keys: as json_dumps
 * writes it), and the store holds no other object. */
static void assert_objects_match(struct fx *f)
{
    json_t *objs = proto_doc_objects(srv_room_doc(room_of(f))), *o;
    size_t i;

    json_array_foreach(objs, i, o) {
        const char *id = str_of(o, "id");
        char *want = json_dumps(proto_doc_get(srv_room_doc(room_of(f)), id),
                                JSON_COMPACT | JSON_SORT_KEYS);
        char *got = stored_body(f, id);
        assert_non_null(want);
        if (!got)
            fail_msg("object %s is not stored", id);
        if (!strncmp(id, "t_", 2)) { /* written by the room: its bytes */
            assert_string_equal(got, want);
        } else { /* the project row, written at creation */
            json_t *g = json_loads(got, 0, NULL);
            assert_true(json_equal(g, proto_doc_get(
                                          srv_room_doc(room_of(f)), id)));
            json_decref(g);
        }
        free(want);
        free(got);
    }
    assert_int_equal(db_int(f, "SELECT count(*) FROM objects WHERE"
                               " project_id=?"),
                     (long long)json_array_size(objs));
    json_decref(objs);
}

static void test_one_batch_many_revisions(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");
    unsigned long long batches0, jobs0, max0, batches1, jobs1, max1;
    const char *pushes[] = {
        CREATE_T1,
        "[{\"op\":\"create\",\"id\":\"t_2\",\"kind\":\"track\","
        "\"fields\":{\"name\":\"Keys\"}}]",
        "[{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":-1.5}}]",
        "[{\"op\":\"set\",\"id\":\"t_2\",\"fields\":{\"gain\":-2}}]",
        "[{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":-3.25,"
        "\"name\":\"Bass \\u00e9\"}}]",
        "[{\"op\":\"delete\",\"id\":\"t_2\"}]",
        "[{\"op\":\"create\",\"id\":\"t_3\",\"kind\":\"track\","
        "\"fields\":{\"name\":\"Drums\"}}]",
        "[{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":-0.1}},"
        "{\"op\":\"set\",\"id\":\"t_3\",\"fields\":{\"pan\":0.3}}]",
    };
    const int n = (int)(sizeof pushes / sizeof *pushes);

    store_writer_stats(f->srv.writer, &batches0, &jobs0, &max0);
    /* one loop pass: every push applied in memory, nothing sent yet */
    for (int i = 0; i < n; i++)
        say(a, "{\"type\":\"push\",\"seq\":%d,\"base\":null,\"ops\":%s}",
            i + 1, pushes[i]);
    assert_int_equal(srv_room_head(room_of(f)), n);
    assert_int_equal(queued(a) + queued(b), 0);
    settle(f);
    store_writer_stats(f->srv.writer, &batches1, &jobs1, &max1);
    assert_int_equal(jobs1 - jobs0, 1); /* the room's one job */
    assert_int_equal(srv_room_committed(room_of(f)), n);

    /* one delta per revision, in order, the same bytes to both */
    for (int i = 0; i < n; i++) {
        char *mine = take_text(a), *theirs = take_text(b);
        json_t *d;
        assert_non_null(mine);
        assert_non_null(theirs);
        assert_string_equal(mine, theirs);
        d = json_loads(mine, 0, NULL);
        assert_string_equal(str_of(d, "type"), "delta");
        assert_int_equal(int_of(d, "rev"), i + 1);
        assert_int_equal(int_of(d, "seq"), i + 1);
        json_decref(d);
        free(mine);
        free(theirs);
    }
    assert_int_equal(queued(a) + queued(b), 0);

    /* the rows: as if each revision had been its own commit */
    assert_int_equal(ops_rows(f), n);
    assert_int_equal(stored_head(f), n);
    assert_objects_match(f);
    assert_null(stored_body(f, "t_2"));
    assert_int_equal(db_int(f, "SELECT rev FROM objects WHERE project_id=?"
                               " AND id='t_1'"),
                     n);
    assert_int_equal(db_int(f, "SELECT rev FROM objects WHERE project_id=?"
                               " AND id='t_3'"),
                     n);
    assert_int_equal(db_int(f, "SELECT seq FROM client_seqs WHERE"
                               " project_id=? AND client='c-ana'"),
                     n);
    /* each stored ops row is its delta's ops */
    assert_int_equal(db_int(f, "SELECT count(*) FROM ops WHERE project_id=?"
                               " AND ops LIKE '%\"gain\":-3.25%'"),
                     1);
}

/* Two clients' pushes interleaved in one batch, then a batch that deletes
 * and re-creates an object: the stored state follows the document. */
static void test_batches_follow_document(void **state)
{
    struct fx *f = *state;
    struct srv_conn *a = joined(f, &f->ana, "c-ana");
    struct srv_conn *b = joined(f, &f->bob, "c-bob");

    free(push_applied(f, a, b, 1, CREATE_T1));
    for (int i = 0; i < 6; i++) {
        struct srv_conn *who = i % 2 ? b : a;
        say(who, "{\"type\":\"push\",\"seq\":%d,\"base\":null,\"ops\":"
                 "[{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"gain\":%d}}]}",
            10 + i, -i);
    }
    settle(f);
    assert_int_equal(srv_room_committed(room_of(f)), 7);
    assert_objects_match(f);
    assert_int_equal(db_int(f, "SELECT seq FROM client_seqs WHERE"
                               " project_id=? AND client='c-ana'"),
                     14);
    assert_int_equal(db_int(f, "SELECT seq FROM client_seqs WHERE"
                               " project_id=? AND client='c-bob'"),
                     15);

    say(a, "{\"type\":\"push\",\"seq\":20,\"base\":null,\"ops\":"
           "[{\"op\":\"delete\",\"id\":\"t_1\"}]}");
    say(a, "{\"type\":\"push\",\"seq\":21,\"base\":null,\"ops\":%s}",
        CREATE_T1);
    settle(f);
    assert_int_equal(srv_room_committed(room_of(f)), 9);
    assert_objects_match(f);
    assert_int_equal(db_int(f, "SELECT rev FROM objects WHERE project_id=?"
                               " AND id='t_1'"),
                     9);
    while (queued(a))
        free(take_text(a));
    while (queued(b))
        free(take_text(b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_batch_many_revisions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_batches_follow_document, setup,
                                        teardown),
    };

    srv_server_enter_loop();
    srv_ws_init();
    srv_rooms_init();
    return cmocka_run_group_tests_name("push_batch", tests, NULL, NULL);
}
