/* test_auth.c -- the pure pieces of auth: user name and password rules,
 * Argon2id round trip, tokens and their SHA-256, role names, the Origin
 * check, and every entry of the permission table (WebSocket and HTTP); the
 * client address behind trusted proxies; a socket whose session expired
 * closing (4401) on its next message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/errors.h"
#include "server/auth/auth.h"
#include "server/app/modules.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/net/ws.h"

static void test_names(void **state)
{
    char err[256];
    char long41[42];

    (void)state;
    assert_true(srv_auth_name_ok("ana", err, sizeof err));
    assert_true(srv_auth_name_ok("A.b_c-9", err, sizeof err));
    assert_true(srv_auth_name_ok("x", err, sizeof err));
    memset(long41, 'a', 40);
    long41[40] = '\0';
    assert_true(srv_auth_name_ok(long41, err, sizeof err));
    long41[40] = 'a';
    long41[41] = '\0';
    assert_false(srv_auth_name_ok(long41, err, sizeof err));
    assert_non_null(strstr(err, "1 to 40"));
    assert_false(srv_auth_name_ok("", err, sizeof err));
    assert_false(srv_auth_name_ok(NULL, err, sizeof err));
    static const char *const bad[] = {"a b", "a/b", "é", "a@b", "a\n",
                                      "a;b", "../x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(srv_auth_name_ok(bad[i], err, sizeof err));
        assert_non_null(strstr(err, "letters, digits"));
    }
}

static void test_password_rule(void **state)
{
    char err[256];
    char big[SRV_PASSWORD_MAX + 2];

    (void)state;
    assert_false(srv_auth_password_ok("", err, sizeof err));
    assert_false(srv_auth_password_ok("1234567", err, sizeof err));
    assert_string_equal(err, "passwords must have at least 8 characters");
    assert_true(srv_auth_password_ok("12345678", err, sizeof err));
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(srv_auth_password_ok(big, err, sizeof err));
    big[SRV_PASSWORD_MAX] = '\0';
    assert_true(srv_auth_password_ok(big, err, sizeof err));
}

static void test_hash_round_trip(void **state)
{
    char h1[SRV_PW_HASH_MAX], h2[SRV_PW_HASH_MAX];

    (void)state;
    assert_int_equal(srv_auth_hash_password("correct horse", h1), 0);
    assert_int_equal(srv_auth_hash_password("correct horse", h2), 0);
    assert_non_null(strstr(h1, "$argon2id$"));
    assert_string_not_equal(h1, h2); /* salted */
    assert_null(strstr(h1, "correct"));
    assert_true(srv_auth_verify_password(h1, "correct horse"));
    assert_true(srv_auth_verify_password(h2, "correct horse"));
    assert_false(srv_auth_verify_password(h1, "correct horsE"));
    assert_false(srv_auth_verify_password(h1, ""));
    assert_false(srv_auth_verify_password("not a hash", "x"));
    assert_false(srv_auth_verify_password(NULL, "x"));
}

static void test_tokens(void **state)
{
    char a[SRV_TOKEN_LEN + 1], b[SRV_TOKEN_LEN + 1], pw[32];
    unsigned char h[SRV_TOKEN_HASH_LEN];
    /* SHA-256("abc") */
    static const unsigned char abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

    (void)state;
    srv_auth_token_new(a);
    srv_auth_token_new(b);
    assert_int_equal(strlen(a), SRV_TOKEN_LEN);
    assert_string_not_equal(a, b);
    assert_true(srv_auth_token_wellformed(a));
    assert_true(srv_auth_token_wellformed(b));
    assert_false(srv_auth_token_wellformed(""));
    assert_false(srv_auth_token_wellformed(NULL));
    a[5] = '=';
    assert_false(srv_auth_token_wellformed(a));
    a[5] = 'x';
    a[SRV_TOKEN_LEN - 1] = '\0';
    assert_false(srv_auth_token_wellformed(a));
    srv_auth_token_hash("abc", h);
    assert_memory_equal(h, abc, 32);
    srv_auth_password_new(pw);
    assert_int_equal(strlen(pw), 22);
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(srv_role_parse("owner"), SRV_ROLE_OWNER);
    assert_int_equal(srv_role_parse("editor"), SRV_ROLE_EDITOR);
    assert_int_equal(srv_role_parse("commenter"), SRV_ROLE_COMMENTER);
    assert_int_equal(srv_role_parse("viewer"), SRV_ROLE_VIEWER);
    assert_int_equal(srv_role_parse("none"), -1);
    assert_int_equal(srv_role_parse("Owner"), -1);
    assert_int_equal(srv_role_parse(""), -1);
    assert_int_equal(srv_role_parse(NULL), -1);
    for (int r = SRV_ROLE_VIEWER; r <= SRV_ROLE_OWNER; r++)
        assert_int_equal(srv_role_parse(srv_role_name(r)), r);
    assert_string_equal(srv_role_name(SRV_ROLE_NONE), "none");
    /* a share link's guest: named, below viewer, never parsed */
    assert_string_equal(srv_role_name(SRV_ROLE_GUEST), "guest");
    assert_int_equal(srv_role_parse("guest"), -1);
    assert_true(SRV_ROLE_NONE < SRV_ROLE_GUEST &&
                SRV_ROLE_GUEST < SRV_ROLE_VIEWER);
    assert_true(srv_auth_is_guest_id("g_0123abcd"));
    assert_false(srv_auth_is_guest_id("u_0123abcd"));
    assert_false(srv_auth_is_guest_id(NULL));
    assert_string_equal(srv_role_name(99), "none");
    assert_true(SRV_ROLE_VIEWER < SRV_ROLE_COMMENTER &&
                SRV_ROLE_COMMENTER < SRV_ROLE_EDITOR &&
                SRV_ROLE_EDITOR < SRV_ROLE_OWNER);
}

/* The table as the issue and docs/auth.md state it. */
static const struct {
    const char *type;
    int role;
} ws_expect[] = {
    {"hello", SRV_ROLE_NONE},           {"ping", SRV_ROLE_NONE},
    {"push", SRV_ROLE_EDITOR},          {"undo", SRV_ROLE_EDITOR},
    {"redo", SRV_ROLE_EDITOR},          {"presence", SRV_ROLE_VIEWER},
    {"history", SRV_ROLE_VIEWER},       {"diff", SRV_ROLE_VIEWER},
    {"restore", SRV_ROLE_EDITOR},       {"version.create", SRV_ROLE_EDITOR},
    {"version.list", SRV_ROLE_VIEWER},  {"version.set_status", SRV_ROLE_EDITOR},
    {"version.rename", SRV_ROLE_EDITOR}, {"version.delete", SRV_ROLE_EDITOR},
    {"comment.add", SRV_ROLE_COMMENTER}, {"comment.edit", SRV_ROLE_COMMENTER},
    {"comment.resolve", SRV_ROLE_COMMENTER},
    {"comment.reopen", SRV_ROLE_COMMENTER},
    {"comment.delete", SRV_ROLE_COMMENTER},
    {"comment.list", SRV_ROLE_VIEWER},  {"play", SRV_ROLE_VIEWER},
    {"pause", SRV_ROLE_VIEWER},         {"seek", SRV_ROLE_VIEWER},
    {"follow", SRV_ROLE_VIEWER},        {"audition", SRV_ROLE_EDITOR},
};

static void test_perm_ws(void **state)
{
    int n;
    const struct srv_perm_entry *t = srv_perm_ws_table(&n);
    const size_t ne = sizeof ws_expect / sizeof ws_expect[0];
    struct srv_conn c;

    (void)state;
    assert_int_equal(n, (int)ne);
    for (size_t i = 0; i < ne; i++) {
        int found = 0;
        assert_int_equal(srv_perm_ws(ws_expect[i].type), ws_expect[i].role);
        /* the view lists the routes in registration order */
        for (int k = 0; k < n; k++)
            found += strcmp(t[k].key, ws_expect[i].type) == 0;
        assert_int_equal(found, 1);
    }
    assert_int_equal(srv_perm_ws("nope"), -1);
    assert_int_equal(srv_perm_ws(""), -1);
    assert_int_equal(srv_perm_ws(NULL), -1);

    /* srv_perm_ws_check: each type and each role. */
    memset(&c, 0, sizeof c);
    assert_int_equal(srv_perm_ws_check(&c, "hello"), PROTO_OK);
    assert_int_equal(srv_perm_ws_check(&c, "push"), PROTO_UNAUTHORIZED);
    assert_int_equal(srv_perm_ws_check(&c, "ping"), PROTO_UNAUTHORIZED);
    assert_int_equal(srv_perm_ws_check(&c, "zzz"), PROTO_UNSUPPORTED);
    c.welcomed = true;
    for (int role = SRV_ROLE_VIEWER; role <= SRV_ROLE_OWNER; role++) {
        c.role = role;
        for (size_t i = 0; i < ne; i++)
            assert_int_equal(srv_perm_ws_check(&c, ws_expect[i].type),
                             role >= ws_expect[i].role ? PROTO_OK
                                                       : PROTO_FORBIDDEN);
    }
}

static const struct {
    const char *key;
    int scope, role;
} http_expect[] = {
    {"POST /api/login", SRV_PERM_PUBLIC, 0},
    {"POST /api/logout", SRV_PERM_LOGIN, 0},
    {"GET /api/me", SRV_PERM_LOGIN, 0},
    {"GET /api/projects", SRV_PERM_LOGIN, 0},
    {"POST /api/projects", SRV_PERM_LOGIN, 0},
    {"GET /api/projects/{id}", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"DELETE /api/projects/{id}", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"GET /api/projects/{id}/members", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"PATCH /api/projects/{id}/members/{user}", SRV_PERM_PROJECT,
     SRV_ROLE_OWNER},
    {"POST /api/projects/{id}/members/{user}", SRV_PERM_PROJECT,
     SRV_ROLE_OWNER},
    {"DELETE /api/projects/{id}/members/{user}", SRV_PERM_PROJECT,
     SRV_ROLE_OWNER},
    {"POST /api/projects/{id}/invites", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"GET /api/projects/{id}/invites", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"DELETE /api/projects/{id}/invites/{invite}", SRV_PERM_PROJECT,
     SRV_ROLE_OWNER},
    {"POST /api/invites/{token}", SRV_PERM_LOGIN, 0},
    {"POST /api/projects/{id}/links", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"GET /api/projects/{id}/links", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"DELETE /api/projects/{id}/links/{link}", SRV_PERM_PROJECT,
     SRV_ROLE_OWNER},
    {"GET /api/links/{token}", SRV_PERM_PUBLIC, 0},
    {"POST /api/links/{token}/session", SRV_PERM_PUBLIC, 0},
    {"GET /api/guest", SRV_PERM_LOGIN, 0},
    {"POST /api/projects/{id}/assets", SRV_PERM_PROJECT, SRV_ROLE_EDITOR},
    {"POST /api/projects/{id}/midi", SRV_PERM_PROJECT, SRV_ROLE_EDITOR},
    {"GET /api/projects/{id}/assets", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"GET /api/assets/{id}/peaks", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"GET /api/projects/{id}/assets/{asset}/peaks", SRV_PERM_PROJECT,
     SRV_ROLE_VIEWER},
    {"GET /api/projects/{id}/export", SRV_PERM_PROJECT, SRV_ROLE_EDITOR},
    {"GET /api/projects/{id}/loudness", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"GET /healthz", SRV_PERM_PUBLIC, 0},
    {"GET /readyz", SRV_PERM_PUBLIC, 0},
    {"GET /metrics", SRV_PERM_PUBLIC, 0},
    {"GET /api/activity", SRV_PERM_LOGIN, 0},
    {"POST /api/activity/read", SRV_PERM_LOGIN, 0},
    {"POST /api/projects/{id}/webhooks", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"GET /api/projects/{id}/webhooks", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"DELETE /api/projects/{id}/webhooks/{hook}", SRV_PERM_PROJECT,
     SRV_ROLE_OWNER},
    /* issue 19: the project list's rename and duplicate */
    {"PATCH /api/projects/{id}", SRV_PERM_PROJECT, SRV_ROLE_OWNER},
    {"POST /api/projects/{id}/duplicate", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    /* recording: chunks, finish and delete check the take's user too */
    {"POST /api/projects/{id}/takes", SRV_PERM_PROJECT, SRV_ROLE_EDITOR},
    {"GET /api/projects/{id}/takes", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"GET /api/projects/{id}/takes/{take}", SRV_PERM_PROJECT, SRV_ROLE_VIEWER},
    {"DELETE /api/projects/{id}/takes/{take}", SRV_PERM_PROJECT,
     SRV_ROLE_EDITOR},
    {"PUT /api/projects/{id}/takes/{take}/chunks/{seq}", SRV_PERM_PROJECT,
     SRV_ROLE_EDITOR},
    {"POST /api/projects/{id}/takes/{take}/finish", SRV_PERM_PROJECT,
     SRV_ROLE_EDITOR},
    {"POST /api/projects/import", SRV_PERM_LOGIN, 0},
};

static void test_perm_http(void **state)
{
    int n;
    const struct srv_perm_entry *t = srv_perm_http_table(&n);
    const size_t ne = sizeof http_expect / sizeof http_expect[0];

    (void)state;
    assert_int_equal(n, (int)ne);
    for (size_t i = 0; i < ne; i++) {
        const struct srv_perm_entry *e = srv_perm_http(http_expect[i].key);
        assert_non_null(e);
        assert_int_equal(e->scope, http_expect[i].scope);
        assert_int_equal(e->role, http_expect[i].role);
        /* Project entries need a real role; the others none. */
        if (e->scope == SRV_PERM_PROJECT)
            assert_true(e->role >= SRV_ROLE_VIEWER);
        else
            assert_int_equal(e->role, SRV_ROLE_NONE);
    }
    /* Every table entry is unique. */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_string_not_equal(t[i].key, t[j].key);
    assert_null(srv_perm_http("GET /api/secret"));
    assert_null(srv_perm_http("get /api/me"));
    assert_null(srv_perm_http(NULL));
}

static void test_origin(void **state)
{
    static struct srv_server srv; /* large; zeroed */

    (void)state;
    memset(&srv, 0, sizeof srv);
    assert_true(srv_auth_origin_ok(&srv, NULL, "example.org:8080"));
    assert_true(srv_auth_origin_ok(&srv, "", "example.org:8080"));
    assert_true(srv_auth_origin_ok(&srv, "http://example.org:8080",
                                   "example.org:8080"));
    assert_true(srv_auth_origin_ok(&srv, "https://Example.org:8080/",
                                   "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "http://example.org:8081",
                                    "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "http://evil.example",
                                    "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "http://example.org:8080.evil",
                                    "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "null", "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "http://example.org:8080", NULL));
    srv.cfg.n_origins = 2;
    snprintf(srv.cfg.allowed_origins[0], 256, "https://studio.example");
    snprintf(srv.cfg.allowed_origins[1], 256, "http://localhost:5173/");
    assert_true(srv_auth_origin_ok(&srv, "https://studio.example",
                                   "example.org:8080"));
    assert_true(srv_auth_origin_ok(&srv, "http://localhost:5173",
                                   "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "http://studio.example",
                                    "example.org:8080"));
    assert_false(srv_auth_origin_ok(&srv, "https://studio.example.evil",
                                    "example.org:8080"));
}

static void test_client_addr(void **state)
{
    static struct srv_server srv; /* large; zeroed */
    char out[64];

    (void)state;
    memset(&srv, 0, sizeof srv);
    /* no trusted proxy: the peer, whatever X-Forwarded-For says */
    srv_auth_client_addr(&srv, "10.0.0.5", "203.0.113.1", out, sizeof out);
    assert_string_equal(out, "10.0.0.5");
    srv.cfg.n_proxies = 2;
    snprintf(srv.cfg.trusted_proxies[0], 64, "10.0.0.5");
    snprintf(srv.cfg.trusted_proxies[1], 64, "10.0.0.6");
    /* an untrusted peer is still itself */
    srv_auth_client_addr(&srv, "192.0.2.9", "203.0.113.1", out, sizeof out);
    assert_string_equal(out, "192.0.2.9");
    /* behind the proxy: the right-most entry that is not a proxy */
    srv_auth_client_addr(&srv, "10.0.0.5", "203.0.113.1", out, sizeof out);
    assert_string_equal(out, "203.0.113.1");
    srv_auth_client_addr(&srv, "::ffff:10.0.0.5",
                         "198.51.100.7, 203.0.113.1 ,10.0.0.6", out,
                         sizeof out);
    assert_string_equal(out, "203.0.113.1");
    /* no header, an empty one, or only proxies */
    srv_auth_client_addr(&srv, "10.0.0.5", "", out, sizeof out);
    assert_string_equal(out, "10.0.0.5");
    srv_auth_client_addr(&srv, "10.0.0.5", " , ", out, sizeof out);
    assert_string_equal(out, "10.0.0.5");
    srv_auth_client_addr(&srv, "10.0.0.5", "10.0.0.6, 10.0.0.5", out,
                         sizeof out);
    assert_string_equal(out, "10.0.0.6");
    /* an over-long entry is cut, never overflows */
    char big[300];
    memset(big, '7', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    srv_auth_client_addr(&srv, "10.0.0.5", big, out, sizeof out);
    assert_int_equal(strlen(out), 63);
}

/* A welcomed socketless connection whose session expires at `exp`. */
static void open_welcomed(struct srv_conn *c, long long exp)
{
    srv_ws_test_open(c);
    c->welcomed = true;
    c->role = SRV_ROLE_EDITOR;
    snprintf(c->user_name, sizeof c->user_name, "ana");
    memset(c->session.hash, 7, sizeof c->session.hash);
    c->session.expires_ms = exp;
}

static void test_expired_session_message(void **state)
{
    static const char ping[] = "{\"type\":\"ping\",\"id\":1}";
    struct srv_conn live, gone;

    (void)state;
    open_welcomed(&live, store_now_ms() + 60000);
    open_welcomed(&gone, store_now_ms() - 1);
    srv_ws_receive_text(&live, ping, strlen(ping));
    srv_ws_receive_text(&gone, ping, strlen(ping));
    /* the live one is answered, the expired one closed without an answer */
    assert_false(live.closing);
    assert_non_null(live.ctl_head);
    assert_true(gone.closing);
    assert_null(gone.ctl_head);
    /* ending the session by its hash closes its sockets */
    assert_int_equal(srv_auth_conns_end_session(live.session.hash, "bye"), 1);
    assert_true(live.closing);
    srv_ws_test_close(&live);
    srv_ws_test_close(&gone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_password_rule),
        cmocka_unit_test(test_hash_round_trip),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_perm_ws),
        cmocka_unit_test(test_perm_http),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_client_addr),
        cmocka_unit_test(test_expired_session_message),
    };

    srv_server_enter_loop(); /* this thread drives the loop by hand */
    /* the permission table is read from the registered routes */
    srv_modules_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
