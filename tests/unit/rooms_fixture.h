/* rooms_fixture.h -- the fixture shared by test_rooms.c and
 * test_rooms_more.c: a server built by hand on a temporary data directory
 * (the loop's reader connection, the real store writer thread), users,
 * sessions and a project made with auth_db, socketless connections whose
 * messages go through the real dispatch, and helpers that drive the
 * pipeline (drain the loop's posts, flush the writer) and read what each
 * connection was sent. Included by one test file each (static helpers; a
 * file that does not use one of them is not warned about it). */
#ifndef MIXROOM_TESTS_ROOMS_FIXTURE_H
#define MIXROOM_TESTS_ROOMS_FIXTURE_H
#pragma GCC diagnostic ignored "-Wunused-function"

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
#include "tests/unit/pg_fixture.h" /* the engine: SQLite, or PostgreSQL */
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
    assert_int_equal(mxt_store_begin(), 0);
    assert_true(store_migrate(f->dir, err, sizeof err) >= 1);
    add_people(f);
    /* as srv_loop_run does: the loop's connection refuses writes */
    f->srv.db = store_open(f->dir, "FULL", false, err, sizeof err);
    assert_non_null(f->srv.db);
    assert_int_equal(store_query_only(f->srv.db, err, sizeof err), 0);
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
    mxt_store_end();
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


#endif
