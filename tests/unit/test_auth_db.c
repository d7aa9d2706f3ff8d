/* test_auth_db.c -- the account/project/member/invite writes of auth_db.c
 * on an in-memory database with the real migrations: user creation and
 * name clashes, sessions and their expiry, a project's initial rows, the
 * last-owner rule, and each invite state. The same cases run on
 * PostgreSQL (its migrations, a fresh database each) when MXT_PGURL is set
 * (pg_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/auth/auth_db.h"
#include "server/core/migrate.h"
#include "server/core/store.h"
#include "tests/unit/pg_fixture.h"

static int count(db_conn *db, const char *sql)
{
    db_stmt *st;
    int n = -1;

    assert_int_equal(db_prepare(db, sql, &st), DB_OK);
    if (db_step(st) == DB_ROW)
        n = db_column_int(st, 0);
    db_finalize(st);
    return n;
}

/* How many rev-0 project rows have a body with these fields. */
static int count_project_rows(db_conn *db, long long rate, long long tempo,
                              const char *name)
{
    db_stmt *st;
    int n = 0;

    assert_int_equal(db_prepare(db, "SELECT body FROM objects WHERE id ="
                                    " 'project' AND kind = 'project' AND"
                                    " rev = 0", &st), DB_OK);
    while (db_step(st) == DB_ROW) {
        json_t *b = json_loads((const char *)db_column_text(st, 0), 0, NULL);
        const char *nm = json_string_value(json_object_get(b, "name"));
        n += json_integer_value(json_object_get(b, "sample_rate")) == rate &&
             json_integer_value(json_object_get(b, "tempo")) == tempo && nm &&
             !strcmp(nm, name);
        json_decref(b);
    }
    db_finalize(st);
    return n;
}

static int setup(void **state)
{
    db_conn *db;
    char err[512];

    assert_int_equal(mxt_db_open(&db), DB_OK);
    if (!mxt_engine_pg) /* PostgreSQL always checks them */
        db_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    assert_true(srv_migrate(db, mxt_migrations(), mxt_migrations_count(), err,
                            sizeof err) >= 1);
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    mxt_db_close(*state);
    return 0;
}

/* A user with a placeholder hash (hashing is tested in test_auth). */
static void add_user(db_conn *db, const char *name, struct srv_user *u)
{
    char err[256];

    assert_int_equal(srv_authdb_user_create(db, name, NULL, "$argon2id$x", u,
                                            err, sizeof err),
                     PROTO_OK);
}

static void test_users(void **state)
{
    db_conn *db = *state;
    struct srv_user a, b, f;
    char err[256];

    add_user(db, "Ana", &a);
    assert_string_equal(a.display_name, "Ana");
    assert_int_equal(strncmp(a.id, "u_", 2), 0);
    assert_int_equal(srv_authdb_user_create(db, "ana", "x", "h", &b, err,
                                            sizeof err),
                     PROTO_CONFLICT);
    assert_non_null(strstr(err, "taken"));
    assert_int_equal(srv_authdb_user_create(db, "a b", "x", "h", &b, err,
                                            sizeof err),
                     PROTO_INVALID_VALUE);
    assert_int_equal(srv_authdb_user_create(db, "bob", "Bob B.", "h", &b, err,
                                            sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_find_user(db, "ANA", &f), 0);
    assert_string_equal(f.id, a.id);
    assert_int_equal(srv_auth_find_user(db, b.id, &f), 0);
    assert_string_equal(f.display_name, "Bob B.");
    assert_int_equal(srv_auth_find_user(db, "carl", &f), -1);
}

static void test_sessions(void **state)
{
    db_conn *db = *state;
    struct srv_user a, got;
    char tok[SRV_TOKEN_LEN + 1], old[SRV_TOKEN_LEN + 1], err[256];
    unsigned char h[SRV_TOKEN_HASH_LEN];
    long long now = store_now_ms();

    add_user(db, "ana", &a);
    srv_auth_token_new(tok);
    srv_auth_token_hash(tok, h);
    assert_int_equal(srv_authdb_session_insert(db, h, a.id, now, now + 60000,
                                               err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_token_user(db, tok, &got), 0);
    assert_string_equal(got.name, "ana");
    /* The raw token is not stored anywhere. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM sessions WHERE"
                               " length(token_hash) = 32"),
                     1);
    /* Expired. */
    srv_auth_token_new(old);
    srv_auth_token_hash(old, h);
    assert_int_equal(srv_authdb_session_insert(db, h, a.id, now - 5000,
                                               now - 1, err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_token_user(db, old, &got), -1);
    /* Unknown and malformed. */
    old[3] = old[3] == 'A' ? 'B' : 'A';
    assert_int_equal(srv_auth_token_user(db, old, &got), -1);
    assert_int_equal(srv_auth_token_user(db, "short", &got), -1);
    /* Logout. */
    srv_auth_token_hash(tok, h);
    assert_int_equal(srv_authdb_session_delete(db, h, err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_token_user(db, tok, &got), -1);
    /* A new password ends every session. */
    srv_auth_token_new(tok);
    srv_auth_token_hash(tok, h);
    srv_authdb_session_insert(db, h, a.id, now, now + 60000, err, sizeof err);
    assert_int_equal(srv_authdb_user_set_password(db, a.id, "$argon2id$y",
                                                  err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_token_user(db, tok, &got), -1);
    assert_int_equal(srv_authdb_user_set_password(db, "u_none", "h", err,
                                                  sizeof err),
                     PROTO_NOT_FOUND);
}

static void test_project_and_owners(void **state)
{
    db_conn *db = *state;
    struct srv_user a, b;
    char pid[64], err[256];

    add_user(db, "ana", &a);
    add_user(db, "bob", &b);
    assert_int_equal(srv_authdb_project_create(db, "", 48000, a.id, pid,
                                               sizeof pid, err, sizeof err),
                     PROTO_INVALID_VALUE);
    assert_int_equal(srv_authdb_project_create(db, "Song", 22050, a.id, pid,
                                               sizeof pid, err, sizeof err),
                     PROTO_INVALID_VALUE);
    assert_int_equal(srv_authdb_project_create(db, "Song", 44100, a.id, pid,
                                               sizeof pid, err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_member_role(db, pid, a.id), SRV_ROLE_OWNER);
    assert_int_equal(srv_auth_member_role(db, pid, b.id), SRV_ROLE_NONE);
    assert_int_equal(srv_auth_member_role(db, "p_none", a.id), SRV_ROLE_NONE);
    /* the body is read here (jansson), not with json_extract, which
     * PostgreSQL does not have */
    assert_int_equal(count_project_rows(db, 44100, 120, "Song"), 1);
    /* The last owner can be neither demoted nor removed. */
    assert_int_equal(srv_authdb_member_set(db, pid, a.id, SRV_ROLE_EDITOR,
                                           err, sizeof err),
                     PROTO_CONFLICT);
    assert_non_null(strstr(err, "last owner"));
    assert_int_equal(srv_authdb_member_remove(db, pid, a.id, err, sizeof err),
                     PROTO_CONFLICT);
    assert_int_equal(srv_auth_member_role(db, pid, a.id), SRV_ROLE_OWNER);
    /* With a second owner both work. */
    assert_int_equal(srv_authdb_member_set(db, pid, b.id, SRV_ROLE_OWNER, err,
                                           sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_authdb_member_set(db, pid, a.id, SRV_ROLE_VIEWER,
                                           err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_auth_member_role(db, pid, a.id), SRV_ROLE_VIEWER);
    assert_int_equal(srv_authdb_member_remove(db, pid, b.id, err, sizeof err),
                     PROTO_CONFLICT);
    assert_int_equal(srv_authdb_member_remove(db, pid, a.id, err, sizeof err),
                     PROTO_OK);
    assert_int_equal(srv_authdb_member_remove(db, pid, a.id, err, sizeof err),
                     PROTO_NOT_FOUND);
    assert_int_equal(srv_authdb_member_set(db, pid, "u_none", SRV_ROLE_VIEWER,
                                           err, sizeof err),
                     PROTO_NOT_FOUND);
    assert_int_equal(srv_authdb_member_set(db, pid, a.id, SRV_ROLE_NONE, err,
                                           sizeof err),
                     PROTO_INVALID_VALUE);
    assert_int_equal(srv_authdb_project_delete(db, pid, err, sizeof err),
                     PROTO_OK);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM members"), 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM objects"), 0);
    assert_int_equal(srv_authdb_project_delete(db, pid, err, sizeof err),
                     PROTO_NOT_FOUND);
}

/* Creates an invite; returns its token in tok. */
static void make_invite(db_conn *db, const char *pid, const char *by,
                        const char *iid, int role, long long expires,
                        int max_uses, char tok[SRV_TOKEN_LEN + 1])
{
    unsigned char h[SRV_TOKEN_HASH_LEN];
    char err[256];

    srv_auth_token_new(tok);
    srv_auth_token_hash(tok, h);
    assert_int_equal(srv_authdb_invite_insert(db, iid, h, pid, role, by,
                                              store_now_ms(), expires,
                                              max_uses, err, sizeof err),
                     PROTO_OK);
}

static int use(db_conn *db, const char *tok, const char *uid, int *role,
               int *st)
{
    unsigned char h[SRV_TOKEN_HASH_LEN];
    char pid[64], err[256];

    srv_auth_token_hash(tok, h);
    return srv_authdb_invite_use(db, h, uid, store_now_ms(), pid, sizeof pid,
                                 role, st, err, sizeof err);
}

static void test_invites(void **state)
{
    db_conn *db = *state;
    struct srv_user a, b, c, d;
    char pid[64], err[256], t1[SRV_TOKEN_LEN + 1], t2[SRV_TOKEN_LEN + 1],
        t3[SRV_TOKEN_LEN + 1];
    long long now = store_now_ms();
    int role, st;

    add_user(db, "ana", &a);
    add_user(db, "bob", &b);
    add_user(db, "cy", &c);
    add_user(db, "di", &d);
    srv_authdb_project_create(db, "Song", 48000, a.id, pid, sizeof pid, err,
                              sizeof err);
    make_invite(db, pid, a.id, "i_1", SRV_ROLE_EDITOR, now + 60000, 2, t1);
    make_invite(db, pid, a.id, "i_2", SRV_ROLE_VIEWER, now - 1, 5, t2);
    make_invite(db, pid, a.id, "i_3", SRV_ROLE_VIEWER, now + 60000, 5, t3);

    assert_int_equal(use(db, t1, b.id, &role, &st), PROTO_OK);
    assert_int_equal(role, SRV_ROLE_EDITOR);
    assert_int_equal(srv_auth_member_role(db, pid, b.id), SRV_ROLE_EDITOR);
    /* The owner using it keeps owner and uses nothing. */
    assert_int_equal(use(db, t1, a.id, &role, &st), PROTO_OK);
    assert_int_equal(role, SRV_ROLE_OWNER);
    assert_int_equal(use(db, t1, c.id, &role, &st), PROTO_OK);
    assert_int_equal(use(db, t1, d.id, &role, &st), PROTO_NOT_FOUND);
    assert_int_equal(st, SRV_INVITE_USED_UP);
    assert_int_equal(use(db, t2, d.id, &role, &st), PROTO_NOT_FOUND);
    assert_int_equal(st, SRV_INVITE_EXPIRED);
    assert_int_equal(srv_authdb_invite_revoke(db, pid, "i_3", err, sizeof err),
                     PROTO_OK);
    assert_int_equal(use(db, t3, d.id, &role, &st), PROTO_NOT_FOUND);
    assert_int_equal(st, SRV_INVITE_REVOKED);
    assert_int_equal(srv_authdb_invite_revoke(db, pid, "i_9", err, sizeof err),
                     PROTO_NOT_FOUND);
    assert_int_equal(srv_authdb_invite_revoke(db, "p_x", "i_1", err,
                                              sizeof err),
                     PROTO_NOT_FOUND);
    t3[0] = t3[0] == 'A' ? 'B' : 'A';
    assert_int_equal(use(db, t3, d.id, &role, &st), PROTO_NOT_FOUND);
    assert_int_equal(st, SRV_INVITE_UNKNOWN);
    assert_int_equal(srv_auth_member_role(db, pid, d.id), SRV_ROLE_NONE);
    assert_int_equal(count(db, "SELECT uses FROM invites WHERE id = 'i_1'"),
                     2);
    assert_non_null(strstr(srv_invite_state_message(SRV_INVITE_EXPIRED),
                           "expired"));
    assert_non_null(strstr(srv_invite_state_message(SRV_INVITE_USED_UP),
                           "used up"));
    assert_non_null(strstr(srv_invite_state_message(SRV_INVITE_REVOKED),
                           "revoked"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_and_owners, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invites, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("auth_db, sqlite", tests, NULL,
                                             NULL);

    if (mxt_pg_init()) {
        mxt_engine_pg = true;
        failed += cmocka_run_group_tests_name("auth_db, postgresql", tests,
                                              NULL, NULL);
    }
    return failed;
}
