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
 * permission check (viewer push, message before hello); the full snapshot
 * encoded by the writer while later pushes change the document; the lease
 * gate of a cluster (wrong_node, the owner, no room; released on unload). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libwebsockets.h> /* LWS_PRE: the headroom before each payload */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/ops.h"
#include "server/auth/auth.h"
#include "server/auth/auth_db.h"
#include "server/core/config.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"
#include "server/net/ws.h"
#include "server/rooms/doc_at.h"
#include "server/rooms/room.h"

#define MAX_CONNS 8

/* One user with a live session. */
struct who {
    struct srv_user user;
    char token[SRV_TOKEN_LEN + 1];
};

/* A server on its own data directory, with one project: ana owns it, bob
 * is an editor, vic a viewer. Connections opened by the test are listed so
 * that teardown closes whatever a failing test left open. */
struct fx {
    char dir[64];
    struct srv_server srv;
    struct who ana, bob, vic;
    char project[64];
    struct srv_conn *conns[MAX_CONNS];
};

/* ---- building the server ---- */

static void add_user(db_conn *db, const char *name, struct who *w)
{
    char err[256];
    unsigned char hash[SRV_TOKEN_HASH_LEN];
    long long now = store_now_ms();

    assert_int_equal(srv_authdb_user_create(db, name, NULL, "$argon2id$x",
                                            &w->user, err, sizeof err),
                     PROTO_OK);
    srv_auth_token_new(w->token);
    srv_auth_token_hash(w->token, hash);
    assert_int_equal(srv_authdb_session_insert(db, hash, w->user.id, now,
                                               now + 3600 * 1000, err,
                                               sizeof err),
                     PROTO_OK);
}

/* Users, sessions, the project and its members, on a connection of their
 * own (as the command line writes them). */
static void add_people(struct fx *f)
{
    char err[256];
    db_conn *db = store_open(f->dir, "FULL", false, err, sizeof err);

    assert_non_null(db);
    add_user(db, "ana", &f->ana);
    add_user(db, "bob", &f->bob);
    add_user(db, "vic", &f->vic);
    assert_int_equal(srv_authdb_project_create(db, "Song", 48000,
                                               f->ana.user.id, f->project,
                                               sizeof f->project, err,
                                               sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_authdb_member_set(db, f->project, f->bob.user.id,
                                           SRV_ROLE_EDITOR, err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_authdb_member_set(db, f->project, f->vic.user.id,
                                           SRV_ROLE_VIEWER, err, sizeof err),
                     PROTO_OK);
    db_close(db);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char err[512];

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mixroom-rooms-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(store_prepare_dir(f->dir, err, sizeof err), 0);
    assert_true(store_migrate(f->dir, err, sizeof err) >= 1);
    add_people(f);
    /* as srv_loop_run does: the loop's connection refuses writes */
    f->srv.db = store_open(f->dir, "FULL", false, err, sizeof err);
    assert_non_null(f->srv.db);
    assert_int_equal(store_exec(f->srv.db, "PRAGMA query_only=ON;", err,
                                sizeof err),
                     0);
    f->srv.writer = store_writer_start(f->dir, "FULL", err, sizeof err);
    assert_non_null(f->srv.writer);
    f->srv.started_ms = store_now_ms();
    /* the settings' defaults; rooms load on a thread from data_dir */
    srv_config_defaults(&f->srv.cfg);
    snprintf(f->srv.cfg.data_dir, sizeof f->srv.cfg.data_dir, "%s", f->dir);
    srv_server_instance = &f->srv;
    *state = f;
    return 0;
}

static void conn_close(struct fx *f, struct srv_conn *c);

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    for (int i = 0; i < MAX_CONNS; i++)
        if (f->conns[i])
            conn_close(f, f->conns[i]);
    srv_hooks_stop(&f->srv);
    store_writer_stop(f->srv.writer);
    srv_loop_drain_posts();
    db_close(f->srv.db);
    srv_server_instance = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* ---- driving the pipeline ---- */

/* Runs what the loop would: the posted room flushes (the batch goes to the
 * writer), the commit, then the posted done callbacks (the deltas). */
static void settle(struct fx *f)
{
    srv_loop_drain_posts();
    store_writer_flush(f->srv.writer);
    srv_loop_drain_posts();
}

/* Waits for the rooms being loaded on their threads: runs their posted
 * results (the waiting hellos get their welcome). */
static void wait_loads(void)
{
    while (srv_rooms_loading() > 0) {
        usleep(1000);
        srv_loop_drain_posts();
    }
}

static struct srv_conn *conn_new(struct fx *f)
{
    struct srv_conn *c = malloc(sizeof *c);

    assert_non_null(c);
    srv_ws_test_open(c);
    assert_null(c->wsi);
    for (int i = 0; i < MAX_CONNS; i++)
        if (!f->conns[i]) {
            f->conns[i] = c;
            return c;
        }
    fail_msg("too many connections");
    return NULL;
}

static void conn_close(struct fx *f, struct srv_conn *c)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (f->conns[i] == c)
            f->conns[i] = NULL;
    srv_ws_test_close(c);
    free(c);
}

/* Sends one text message on c through the real dispatch. */
static void say(struct srv_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct srv_conn *c, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof text);
    srv_ws_receive_text(c, text, (size_t)n);
}

/* How many control messages c has waiting. */
static int queued(const struct srv_conn *c)
{
    int n = 0;

    for (const struct srv_ws_msg *m = c->ctl_head; m; m = m->next)
        n++;
    return n;
}

/* Takes the oldest control message of c off its queue: its text (a new
 * string), or NULL when the queue is empty. */
static char *take_text(struct srv_conn *c)
{
    struct srv_ws_msg *m = c->ctl_head;
    char *text;

    if (!m)
        return NULL;
    assert_false(m->binary);
    text = strndup((const char *)m->data + LWS_PRE, m->len);
    assert_non_null(text);
    c->ctl_head = m->next;
    if (!c->ctl_head)
        c->ctl_tail = NULL;
    c->ctl_bytes -= m->len;
    free(m);
    return text;
}

/* Takes the oldest message of c, which must be of `type`; returns it
 * parsed (a new reference). */
static json_t *take(struct srv_conn *c, const char *type)
{
    char *text = take_text(c);
    json_t *j;

    assert_non_null(text);
    j = json_loads(text, 0, NULL);
    if (!json_is_string(json_object_get(j, "type")) ||
        strcmp(json_string_value(json_object_get(j, "type")), type) != 0)
        fail_msg("expected a %s, got %s", type, text);
    free(text);
    return j;
}

static long long int_of(const json_t *j, const char *key)
{
    const json_t *v = json_object_get(j, key);

    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static const char *str_of(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));

    assert_non_null(s);
    return s;
}

/* Says hello on c with since (< 0: null) and returns the welcome. */
static json_t *hello(struct srv_conn *c, const struct who *w,
                     const char *project, const char *client, long long since)
{
    char since_text[32] = "null";

    if (since >= 0)
        snprintf(since_text, sizeof since_text, "%lld", since);
    say(c,
        "{\"type\":\"hello\",\"id\":1,\"token\":\"%s\",\"project\":\"%s\","
        "\"client\":\"%s\",\"since\":%s}",
        w->token, project, client, since_text);
    wait_loads();
    return take(c, "welcome");
}

/* A new connection of w, welcomed (its welcome checked and dropped). */
static struct srv_conn *joined(struct fx *f, const struct who *w,
                               const char *client)
{
    struct srv_conn *c = conn_new(f);
    json_t *welcome = hello(c, w, f->project, client, -1);

    assert_true(c->welcomed);
    json_decref(welcome);
    assert_int_equal(queued(c), 0);
    return c;
}

/* ---- reading the state ---- */

/* One integer from the loop's reader connection (sql has one ? for the
 * project id). */
static long long db_int(struct fx *f, const char *sql)
{
    db_stmt *st;
    long long v = -1;

    assert_int_equal(db_prepare(f->srv.db, sql, &st),
                     DB_OK);
    db_bind_text(st, 1, f->project, -1, DB_STATIC);
    if (db_step(st) == DB_ROW)
        v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

static long long ops_rows(struct fx *f)
{
    return db_int(f, "SELECT count(*) FROM ops WHERE project_id=?");
}

static long long stored_head(struct fx *f)
{
    return db_int(f, "SELECT head_rev FROM projects WHERE id=?");
}

static struct srv_room *room_of(struct fx *f)
{
    struct srv_room *room = srv_room_find(f->project);

    assert_non_null(room);
    return room;
}

/* The room's whole document, encoded (a new string). */
static char *doc_text(struct fx *f)
{
    json_t *objs = proto_doc_objects(srv_room_doc(room_of(f)));
    char *text = json_dumps(objs, JSON_COMPACT | JSON_SORT_KEYS);

    json_decref(objs);
    assert_non_null(text);
    return text;
}

/* A number field of an object of the room's document. */
static double doc_number(struct fx *f, const char *id, const char *field)
{
    const json_t *o = proto_doc_get(srv_room_doc(room_of(f)), id);

    assert_non_null(o);
    assert_true(json_is_number(json_object_get(o, field)));
    return json_number_value(json_object_get(o, field));
}

#define CREATE_T1                                                             \
    "[{\"op\":\"create\",\"id\":\"t_1\",\"kind\":\"track\","                  \
    "\"fields\":{\"name\":\"Bass\"}}]"

/* ana pushes `ops` as seq; after settling, the delta must reach ana and
 * bob. Returns the delta's text as sent (a new string). */
static char *push_applied(struct fx *f, struct srv_conn *ana,
                          struct srv_conn *bob, long long seq,
                          const char *ops)
{
    char *mine, *theirs;

    say(ana, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,\"ops\":%s}", seq,
        ops);
    settle(f);
    mine = take_text(ana);
    theirs = take_text(bob);
    assert_non_null(mine);
    assert_non_null(theirs);
    assert_string_equal(mine, theirs);
    free(theirs);
    return mine;
}

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

/* Drops whatever c was sent. */
static void drop_all(struct srv_conn *c)
{
    char *t;

    while ((t = take_text(c)))
        free(t);
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
    char *expect, *stored = NULL;
    long long seq = 0;
    db_stmt *st;

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
            drop_all(b);
        }
    }
    assert_int_equal(srv_room_committed(room_of(f)), at - 1);
    /* revision `at`: its snapshot is taken now, encoded at the commit */
    say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,\"ops\":"
           "[{\"op\":\"set\",\"id\":\"t_1\",\"fields\":{\"pan\":0.25}}]}",
        seq);
    assert_int_equal(srv_room_head(room_of(f)), at);
    expect = doc_text(f);
    /* more revisions of the same pass replace and delete what it shares */
    for (int i = 0; i < 20; i++) {
        seq++;
        if (i % 2)
            say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,"
                   "\"ops\":[{\"op\":\"delete\",\"id\":\"t_%d\"}]}", seq, i);
        else
            say(a, "{\"type\":\"push\",\"seq\":%lld,\"base\":null,"
                   "\"ops\":[{\"op\":\"set\",\"id\":\"t_%d\","
                   "\"fields\":{\"gain\":-3,\"name\":\"x\"}}]}", seq, i);
    }
    assert_string_not_equal(doc_text(f), expect);
    settle(f);
    drop_all(a);
    drop_all(b);
    assert_int_equal(srv_room_committed(room_of(f)), at + 20);

    assert_int_equal(db_prepare(f->srv.db, "SELECT doc FROM snapshots"
                                        " WHERE project_id=? AND rev=?",
                                        &st),
                     DB_OK);
    db_bind_text(st, 1, f->project, -1, DB_STATIC);
    db_bind_int64(st, 2, at);
    if (db_step(st) == DB_ROW)
        stored = strdup((const char *)db_column_text(st, 0));
    db_finalize(st);
    assert_non_null(stored);
    assert_string_equal(stored, expect);

    proto_err err;
    proto_doc *d = srv_doc_at_rev(f->srv.db, f->project, at, &err);
    assert_non_null(d);
    json_t *objs = proto_doc_objects(d);
    char *back = json_dumps(objs, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(back, expect);
    free(back);
    json_decref(objs);
    proto_doc_free(d);
    free(stored);
    free(expect);
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
    gate_answer = 1;
    gate_owner = "node-b";
    c = conn_new(f);
    say(c, "{\"type\":\"hello\",\"id\":1,\"token\":\"%s\",\"project\":"
           "\"%s\",\"client\":\"c-l\"}", f->ana.token, f->project);
    e = take(c, "error");
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
    gate_owner = "";
    c = conn_new(f);
    say(c, "{\"type\":\"hello\",\"token\":\"%s\",\"project\":\"%s\","
           "\"client\":\"c-l\"}", f->ana.token, f->project);
    e = take(c, "error");
    assert_string_equal(str_of(e, "code"), "wrong_node");
    assert_true(json_is_null(json_object_get(e, "owner")));
    json_decref(e);
    conn_close(f, c);
    /* the lease cannot be asked for */
    gate_answer = -1;
    gate_owner = "the lease session failed";
    c = conn_new(f);
    say(c, "{\"type\":\"hello\",\"token\":\"%s\",\"project\":\"%s\","
           "\"client\":\"c-l\"}", f->ana.token, f->project);
    e = take(c, "error");
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
        cmocka_unit_test_setup_teardown(test_snapshot_while_pushing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lease_gate, setup, teardown),
    };

    srv_server_enter_loop();
    srv_ws_init();
    srv_rooms_init();
    return cmocka_run_group_tests_name("rooms", tests, NULL, NULL);
}
