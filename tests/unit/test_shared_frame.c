/* test_shared_frame.c -- a revision's delta encoded once and shared:
 *  - room_delta_encode writes the bytes json_dumps(room_delta_json(...),
 *    ROOM_JSON_FLAGS) wrote per message before (with and without the
 *    author's "id", every optional field, module kinds, null client and
 *    user), and refuses strings jansson would have to escape;
 *  - one reference-counted frame queued on twenty (socketless)
 *    connections: each queue holds a reference, every connection reads the
 *    same bytes as a private copy (srv_ws_send_text) would give, a reader
 *    that reads nothing keeps its frames intact while the others drain
 *    theirs and new frames come, and the count of live frames goes back to
 *    zero once every queue is read or closed (the sanitizer build checks
 *    that no frame leaks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/json_enc.h"
#include "server/core/server.h"
#include "server/net/ws.h"
#include "server/rooms/room_delta.h"
#include "server/rooms/room_priv.h"

static void expect_delta(const struct room_delta_fields *f, json_t *id)
{
    json_t *ops = json_loadb(f->ops_text, f->ops_len, 0, NULL);
    json_t *d;
    char *want, *id_text = NULL, *got;
    size_t id_len = 0;
    long n;

    assert_non_null(ops);
    d = room_delta_json(f->rev, f->kind, f->client, f->seq, f->user, f->ts,
                        ops, f->undo_of, f->redo_of);
    if (id) {
        json_object_set(d, "id", id);
        id_text = room_delta_id_text(id, &id_len);
        assert_non_null(id_text);
    }
    want = json_dumps(d, ROOM_JSON_FLAGS);
    got = malloc(room_delta_bound(f, id_len));
    assert_non_null(got);
    n = room_delta_encode(f, id_text, id_len, got);
    assert_true(n > 0);
    assert_true((size_t)n <= room_delta_bound(f, id_len));
    got[n] = 0; /* the bound leaves room */
    if (strcmp(want, got))
        fail_msg("jansson \"%s\", shared \"%s\"", want, got);
    free(want);
    free(got);
    free(id_text);
    json_decref(d);
    json_decref(ops);
}

static void test_delta_bytes(void **state)
{
    static const char *const ops_texts[] = {
        "[{\"fields\":{\"gain\":-14.5},\"id\":\"trk\",\"op\":\"set\"}]",
        "[]",
        "[{\"fields\":{\"name\":\"Caf\xc3\xa9 \\\"x\\\"\"},\"id\":\"t\",\"op\":\"set\"}]"};
    static const char *const kinds[] = {"push", "undo", "redo", "restore",
                                        "comment", NULL};
    static const char *const clients[] = {"c-ana", "", NULL};
    static const char *const users[] = {"u_0123", "", NULL};
    static const long long nums[] = {0, 1, 17, 9007199254740993LL};
    json_t *ids[] = {NULL, json_integer(7), json_integer(-3),
                     json_string("req-1"), json_string("\xc3\xa9\n"),
                     json_real(2.5)};

    (void)state;
    for (size_t o = 0; o < 3; o++)
        for (size_t k = 0; k < 6; k++)
            for (size_t c = 0; c < 3; c++)
                for (size_t u = 0; u < 3; u++)
                    for (size_t s = 0; s < 4; s++)
                        for (size_t i = 0; i < 6; i++) {
                            struct room_delta_fields f = {
                                .rev = 1 + (long long)s * 1000,
                                .kind = kinds[k], .client = clients[c],
                                .seq = nums[s], .user = users[u],
                                .ts = 1764600000000LL + (long long)i,
                                .ops_text = ops_texts[o],
                                .ops_len = strlen(ops_texts[o]),
                                .undo_of = k == 1 ? nums[(s + 1) % 4] : 0,
                                .redo_of = k == 2 ? nums[(s + 2) % 4] : 0};
                            expect_delta(&f, ids[i]);
                        }
    for (size_t i = 1; i < 6; i++)
        json_decref(ids[i]);
}

static void test_delta_refuses_escapes(void **state)
{
    struct room_delta_fields f = {.rev = 1, .kind = "push", .client = "c\"1",
                                  .user = "u", .ts = 1, .ops_text = "[]",
                                  .ops_len = 2};
    char out[256];

    (void)state;
    assert_int_equal(room_delta_encode(&f, NULL, 0, out), -1);
    f.client = "c";
    f.user = "\xc3\xa9";
    assert_int_equal(room_delta_encode(&f, NULL, 0, out), -1);
    f.user = "u";
    f.kind = "a\\b";
    assert_int_equal(room_delta_encode(&f, NULL, 0, out), -1);
    f.kind = "push";
    assert_true(room_delta_encode(&f, NULL, 0, out) > 0);
}

#define N_CONNS 20

static void test_frame_shared_by_queues(void **state)
{
    static struct srv_server srv;
    struct srv_conn *conns = calloc(N_CONNS + 1, sizeof *conns);
    struct srv_conn *copy = &conns[N_CONNS], *slow = &conns[7];
    const char *texts[3] = {
        "{\"client\":\"c-ana\",\"ops\":[],\"rev\":1,\"ts\":5,\"type\":\"delta\",\"user\":\"u\"}",
        "{\"type\":\"presence\"}", "{\"x\":\"second frame\"}"};
    struct srv_ws_frame *fr[3];
    size_t len;
    char *t;

    (void)state;
    assert_non_null(conns);
    srv_server_instance = &srv;
    srv_ws_test_share_frames(true);
    size_t live0 = srv_ws_frames_live();
    for (int i = 0; i <= N_CONNS; i++)
        srv_ws_test_open(&conns[i]);

    /* one frame, twenty queues, one private copy */
    fr[0] = srv_ws_frame_new(texts[0], strlen(texts[0]));
    assert_non_null(fr[0]);
    assert_int_equal(srv_ws_frames_live(), live0 + 1);
    for (int i = 0; i < N_CONNS; i++)
        assert_int_equal(srv_ws_send_frame(&conns[i], fr[0]), 0);
    assert_int_equal(srv_ws_send_text(copy, texts[0], strlen(texts[0])), 0);
    srv_ws_frame_unref(fr[0]); /* the queues keep it */
    assert_int_equal(srv_ws_frames_live(), live0 + 1);
    for (int i = 0; i < N_CONNS; i++)
        assert_int_equal(conns[i].ctl_bytes, strlen(texts[0]));

    /* every reader but the slow one reads; two more frames come */
    char *want = srv_ws_test_pop_text(copy, &len);
    assert_non_null(want);
    for (int i = 0; i < N_CONNS; i++) {
        if (&conns[i] == slow)
            continue;
        t = srv_ws_test_pop_text(&conns[i], &len);
        assert_non_null(t);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(t, want, len); /* the private copy's bytes */
        free(t);
    }
    free(want);
    assert_int_equal(srv_ws_frames_live(), live0 + 1); /* slow holds it */
    for (int k = 1; k < 3; k++) {
        fr[k] = srv_ws_frame_alloc(64);
        assert_non_null(fr[k]);
        memcpy(srv_ws_frame_data(fr[k]), texts[k], strlen(texts[k]));
        srv_ws_frame_set_len(fr[k], strlen(texts[k]));
        for (int i = 0; i < N_CONNS; i++)
            srv_ws_send_frame(&conns[i], fr[k]);
        srv_ws_frame_unref(fr[k]);
    }
    assert_int_equal(srv_ws_frames_live(), live0 + 3);
    for (int i = 0; i < N_CONNS; i++) {
        if (&conns[i] == slow)
            continue;
        for (int k = 1; k < 3; k++) {
            t = srv_ws_test_pop_text(&conns[i], &len);
            assert_string_equal(t, texts[k]);
            free(t);
        }
        assert_null(srv_ws_test_pop_text(&conns[i], &len));
    }
    /* the slow reader: all three, in order, intact */
    assert_int_equal(srv_ws_frames_live(), live0 + 3);
    assert_int_equal(slow->ctl_bytes,
                     strlen(texts[0]) + strlen(texts[1]) + strlen(texts[2]));
    t = srv_ws_test_pop_text(slow, &len);
    assert_string_equal(t, texts[0]);
    free(t);
    assert_int_equal(srv_ws_frames_live(), live0 + 2);
    /* closing with frames still queued releases them */
    srv_ws_test_close(slow);
    assert_int_equal(srv_ws_frames_live(), live0);
    for (int i = 0; i <= N_CONNS; i++)
        if (&conns[i] != slow)
            srv_ws_test_close(&conns[i]);
    srv_ws_test_share_frames(false);
    srv_server_instance = NULL;
    free(conns);
}

static void test_socketless_copy_by_default(void **state)
{
    static struct srv_server srv;
    struct srv_conn c;
    struct srv_ws_frame *f;
    const char *text = "{\"type\":\"delta\"}";

    (void)state;
    srv_server_instance = &srv;
    size_t live0 = srv_ws_frames_live();
    srv_ws_test_open(&c);
    f = srv_ws_frame_new(text, strlen(text));
    assert_int_equal(srv_ws_send_frame(&c, f), 0);
    srv_ws_frame_unref(f);
    /* a private copy: the frame is gone, the payload at data + LWS_PRE */
    assert_int_equal(srv_ws_frames_live(), live0);
    assert_non_null(c.ctl_head);
    assert_null(c.ctl_head->frame);
    char *t = srv_ws_test_pop_text(&c, NULL);
    assert_string_equal(t, text);
    free(t);
    srv_ws_test_close(&c);
    srv_server_instance = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_bytes),
        cmocka_unit_test(test_delta_refuses_escapes),
        cmocka_unit_test(test_frame_shared_by_queues),
        cmocka_unit_test(test_socketless_copy_by_default),
    };

    srv_server_enter_loop(); /* this thread drives the loop by hand */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
