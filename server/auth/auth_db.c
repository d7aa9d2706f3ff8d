/* auth_db.c -- the writes of accounts, sessions, projects, members and
 * invites on a writable connection (the writer thread's, or the command
 * line's own). No transactions are opened here: the caller holds one, so a
 * check and the write it guards (the last-owner rule, an invite's uses)
 * are atomic. */
#include "server/auth/auth_db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/store.h"
#include "server/core/store_stmt.h"

/* Prepares sql or fills err; returns NULL on failure. */
static db_stmt *prep(db_conn *db, const char *sql, char *err,
                          size_t errlen)
{
    char msg[512];
    db_stmt *st = store_prepare(db, sql, STORE_NO_ARGS, msg, sizeof msg);

    if (!st)
        snprintf(err, errlen, "database error: %s", msg);
    return st;
}

/* Steps a statement that returns no rows; PROTO_OK or PROTO_INTERNAL. */
static proto_code step_done(db_stmt *st, char *err, size_t errlen)
{
    char msg[512];

    if (store_step_done(st, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "database error: %s", msg);
        return PROTO_INTERNAL;
    }
    return PROTO_OK;
}

proto_code srv_authdb_user_create(db_conn *db, const char *name,
                                  const char *display, const char *pw_hash,
                                  struct srv_user *out, char *err,
                                  size_t errlen)
{
    db_stmt *st = NULL;
    proto_code rc = PROTO_INTERNAL;
    char id[64];

    if (!srv_auth_name_ok(name, err, errlen))
        return PROTO_INVALID_VALUE;
    if (!display || !*display)
        display = name;
    if (strlen(display) > 100) {
        snprintf(err, errlen, "a display name may have at most 100 bytes");
        return PROTO_INVALID_VALUE;
    }
    st = prep(db, "SELECT 1 FROM users WHERE name = ?1", err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, name, -1, DB_STATIC);
    if (db_step(st) == DB_ROW) {
        snprintf(err, errlen, "the user name '%s' is taken", name);
        rc = PROTO_CONFLICT;
        goto out;
    }
    db_finalize(st);
    store_new_id(id, sizeof id, "u_");
    st = prep(db,
              "INSERT INTO users (id, name, display_name, pw_hash, created_at)"
              " VALUES (?1, ?2, ?3, ?4, ?5)",
              err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, id, -1, DB_STATIC);
    db_bind_text(st, 2, name, -1, DB_STATIC);
    db_bind_text(st, 3, display, -1, DB_STATIC);
    db_bind_text(st, 4, pw_hash, -1, DB_STATIC);
    db_bind_int64(st, 5, store_now_ms());
    rc = step_done(st, err, errlen);
    if (rc == PROTO_OK && out) {
        snprintf(out->id, sizeof out->id, "%s", id);
        snprintf(out->name, sizeof out->name, "%s", name);
        snprintf(out->display_name, sizeof out->display_name, "%s", display);
    }
out:
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_user_set_password(db_conn *db, const char *user_id,
                                        const char *pw_hash, char *err,
                                        size_t errlen)
{
    db_stmt *st = NULL;
    proto_code rc = PROTO_INTERNAL;

    st = prep(db, "UPDATE users SET pw_hash = ?2 WHERE id = ?1", err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, user_id, -1, DB_STATIC);
    db_bind_text(st, 2, pw_hash, -1, DB_STATIC);
    if ((rc = step_done(st, err, errlen)) != PROTO_OK)
        goto out;
    if (db_changes(db) == 0) {
        snprintf(err, errlen, "no such user");
        rc = PROTO_NOT_FOUND;
        goto out;
    }
    db_finalize(st);
    st = prep(db, "DELETE FROM sessions WHERE user_id = ?1", err, errlen);
    if (!st) {
        rc = PROTO_INTERNAL;
        goto out;
    }
    db_bind_text(st, 1, user_id, -1, DB_STATIC);
    rc = step_done(st, err, errlen);
out:
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_session_insert(db_conn *db,
                                     const unsigned char *token_hash,
                                     const char *user_id, long long now_ms,
                                     long long expires_ms, char *err,
                                     size_t errlen)
{
    db_stmt *st;
    proto_code rc;

    st = prep(db,
              "INSERT INTO sessions (token_hash, user_id, created_at,"
              " expires_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?3)",
              err, errlen);
    if (!st)
        return PROTO_INTERNAL;
    db_bind_blob(st, 1, token_hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    db_bind_text(st, 2, user_id, -1, DB_STATIC);
    db_bind_int64(st, 3, now_ms);
    db_bind_int64(st, 4, expires_ms);
    rc = step_done(st, err, errlen);
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_session_delete(db_conn *db,
                                     const unsigned char *token_hash,
                                     char *err, size_t errlen)
{
    db_stmt *st;
    proto_code rc;

    st = prep(db, "DELETE FROM sessions WHERE token_hash = ?1", err, errlen);
    if (!st)
        return PROTO_INTERNAL;
    db_bind_blob(st, 1, token_hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    rc = step_done(st, err, errlen);
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_project_create(db_conn *db, const char *name,
                                     int sample_rate, const char *owner_id,
                                     char *id_out, size_t idlen, char *err,
                                     size_t errlen)
{
    db_stmt *st = NULL;
    proto_code rc = PROTO_INTERNAL;
    long long now = store_now_ms();
    char id[64];
    json_t *body = NULL;
    char *text = NULL;
    size_t nlen = name ? strlen(name) : 0;

    if (nlen == 0 || nlen > 200) {
        snprintf(err, errlen, "a project name must have 1 to 200 characters");
        return PROTO_INVALID_VALUE;
    }
    if (sample_rate != 44100 && sample_rate != 48000) {
        snprintf(err, errlen, "sample_rate must be 44100 or 48000");
        return PROTO_INVALID_VALUE;
    }
    store_new_id(id, sizeof id, "p_");
    st = prep(db,
              "INSERT INTO projects (id, name, sample_rate, created_by,"
              " created_at, head_rev, updated_at)"
              " VALUES (?1, ?2, ?3, ?4, ?5, 0, ?5)",
              err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, id, -1, DB_STATIC);
    db_bind_text(st, 2, name, -1, DB_STATIC);
    db_bind_int(st, 3, sample_rate);
    db_bind_text(st, 4, owner_id, -1, DB_STATIC);
    db_bind_int64(st, 5, now);
    if ((rc = step_done(st, err, errlen)) != PROTO_OK)
        goto out;
    db_finalize(st);
    st = prep(db,
              "INSERT INTO members (project_id, user_id, role, added_at)"
              " VALUES (?1, ?2, 'owner', ?3)",
              err, errlen);
    rc = PROTO_INTERNAL;
    if (!st)
        goto out;
    db_bind_text(st, 1, id, -1, DB_STATIC);
    db_bind_text(st, 2, owner_id, -1, DB_STATIC);
    db_bind_int64(st, 3, now);
    if ((rc = step_done(st, err, errlen)) != PROTO_OK)
        goto out;
    db_finalize(st);
    rc = PROTO_INTERNAL;
    body = json_pack("{s:s, s:s, s:s, s:i, s:[i,i], s:i, s:i}", "id",
                     "project", "kind", "project", "name", name, "tempo", 120,
                     "meter", 4, 4, "sample_rate", sample_rate, "master_gain",
                     0);
    text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (!text) {
        snprintf(err, errlen, "could not encode the project object");
        goto out;
    }
    st = prep(db,
              "INSERT INTO objects (project_id, id, kind, body, rev)"
              " VALUES (?1, 'project', 'project', ?2, 0)",
              err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, id, -1, DB_STATIC);
    db_bind_text(st, 2, text, -1, DB_STATIC);
    if ((rc = step_done(st, err, errlen)) != PROTO_OK)
        goto out;
    snprintf(id_out, idlen, "%s", id);
out:
    db_finalize(st);
    free(text);
    json_decref(body);
    return rc;
}

proto_code srv_authdb_project_delete(db_conn *db, const char *project_id,
                                     char *err, size_t errlen)
{
    db_stmt *st;
    proto_code rc;

    st = prep(db, "DELETE FROM projects WHERE id = ?1", err, errlen);
    if (!st)
        return PROTO_INTERNAL;
    db_bind_text(st, 1, project_id, -1, DB_STATIC);
    rc = step_done(st, err, errlen);
    if (rc == PROTO_OK && db_changes(db) == 0) {
        snprintf(err, errlen, "project %s does not exist", project_id);
        rc = PROTO_NOT_FOUND;
    }
    db_finalize(st);
    return rc;
}

/* Number of owners of a project, or -1 on error. */
static int count_owners(db_conn *db, const char *project_id)
{
    long long n = -1;

    store_query_int(db,
                    "SELECT COUNT(*) FROM members WHERE project_id = ?1"
                    " AND role = 'owner'",
                    STORE_ARGS(project_id), &n, NULL, 0);
    return (int)n;
}

/* Does a row exist for `sql` with one text parameter? */
static bool exists(db_conn *db, const char *sql, const char *a)
{
    long long one;

    return store_query_int(db, sql, STORE_ARGS(a), &one, NULL, 0) == 1;
}

proto_code srv_authdb_member_set(db_conn *db, const char *project_id,
                                 const char *user_id, int role, char *err,
                                 size_t errlen)
{
    db_stmt *st = NULL;
    proto_code rc = PROTO_INTERNAL;
    int cur;

    if (role < SRV_ROLE_VIEWER || role > SRV_ROLE_OWNER) {
        snprintf(err, errlen,
                 "role must be owner, editor, commenter or viewer");
        return PROTO_INVALID_VALUE;
    }
    if (!exists(db, "SELECT 1 FROM projects WHERE id = ?1", project_id)) {
        snprintf(err, errlen, "project %s does not exist", project_id);
        return PROTO_NOT_FOUND;
    }
    if (!exists(db, "SELECT 1 FROM users WHERE id = ?1", user_id)) {
        snprintf(err, errlen, "user %s does not exist", user_id);
        return PROTO_NOT_FOUND;
    }
    cur = srv_auth_member_role(db, project_id, user_id);
    if (cur == SRV_ROLE_OWNER && role != SRV_ROLE_OWNER &&
        count_owners(db, project_id) <= 1) {
        snprintf(err, errlen,
                 "the last owner of a project cannot be demoted; make "
                 "someone else owner first");
        return PROTO_CONFLICT;
    }
    st = prep(db,
              "INSERT INTO members (project_id, user_id, role, added_at)"
              " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (project_id, user_id)"
              " DO UPDATE SET role = excluded.role",
              err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, project_id, -1, DB_STATIC);
    db_bind_text(st, 2, user_id, -1, DB_STATIC);
    db_bind_text(st, 3, srv_role_name(role), -1, DB_STATIC);
    db_bind_int64(st, 4, store_now_ms());
    rc = step_done(st, err, errlen);
out:
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_member_remove(db_conn *db, const char *project_id,
                                    const char *user_id, char *err,
                                    size_t errlen)
{
    db_stmt *st = NULL;
    proto_code rc = PROTO_INTERNAL;
    int cur = srv_auth_member_role(db, project_id, user_id);

    if (cur == SRV_ROLE_NONE) {
        snprintf(err, errlen, "user %s is not a member of project %s",
                 user_id, project_id);
        return PROTO_NOT_FOUND;
    }
    if (cur == SRV_ROLE_OWNER && count_owners(db, project_id) <= 1) {
        snprintf(err, errlen,
                 "the last owner of a project cannot be removed; make "
                 "someone else owner first, or delete the project");
        return PROTO_CONFLICT;
    }
    st = prep(db, "DELETE FROM members WHERE project_id = ?1 AND user_id = ?2",
              err, errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, project_id, -1, DB_STATIC);
    db_bind_text(st, 2, user_id, -1, DB_STATIC);
    rc = step_done(st, err, errlen);
out:
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_invite_insert(db_conn *db, const char *invite_id,
                                    const unsigned char *token_hash,
                                    const char *project_id, int role,
                                    const char *created_by, long long now_ms,
                                    long long expires_ms, int max_uses,
                                    char *err, size_t errlen)
{
    db_stmt *st;
    proto_code rc;

    st = prep(db,
              "INSERT INTO invites (id, token_hash, project_id, role,"
              " created_by, created_at, expires_at, max_uses)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
              err, errlen);
    if (!st)
        return PROTO_INTERNAL;
    db_bind_text(st, 1, invite_id, -1, DB_STATIC);
    db_bind_blob(st, 2, token_hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    db_bind_text(st, 3, project_id, -1, DB_STATIC);
    db_bind_text(st, 4, srv_role_name(role), -1, DB_STATIC);
    db_bind_text(st, 5, created_by, -1, DB_STATIC);
    db_bind_int64(st, 6, now_ms);
    db_bind_int64(st, 7, expires_ms);
    db_bind_int(st, 8, max_uses);
    rc = step_done(st, err, errlen);
    db_finalize(st);
    return rc;
}

proto_code srv_authdb_invite_revoke(db_conn *db, const char *project_id,
                                    const char *invite_id, char *err,
                                    size_t errlen)
{
    db_stmt *st;
    proto_code rc;

    st = prep(db,
              "UPDATE invites SET revoked = 1 WHERE id = ?1 AND"
              " project_id = ?2",
              err, errlen);
    if (!st)
        return PROTO_INTERNAL;
    db_bind_text(st, 1, invite_id, -1, DB_STATIC);
    db_bind_text(st, 2, project_id, -1, DB_STATIC);
    rc = step_done(st, err, errlen);
    if (rc == PROTO_OK && db_changes(db) == 0) {
        snprintf(err, errlen, "invite %s does not exist in this project",
                 invite_id);
        rc = PROTO_NOT_FOUND;
    }
    db_finalize(st);
    return rc;
}

const char *srv_invite_state_message(int state)
{
    switch (state) {
    case SRV_INVITE_OK: return "the invite is valid";
    case SRV_INVITE_UNKNOWN: return "this invite does not exist";
    case SRV_INVITE_REVOKED: return "this invite has been revoked";
    case SRV_INVITE_EXPIRED: return "this invite has expired";
    case SRV_INVITE_USED_UP: return "this invite has been used up";
    default: return "this invite cannot be used";
    }
}

proto_code srv_authdb_invite_use(db_conn *db, const unsigned char *token_hash,
                                 const char *user_id, long long now_ms,
                                 char *project_id, size_t idlen, int *role_out,
                                 int *state_out, char *err, size_t errlen)
{
    db_stmt *st = NULL;
    proto_code rc = PROTO_INTERNAL;
    char invite_id[64], pid[64];
    int role, cur, state;

    *state_out = SRV_INVITE_UNKNOWN;
    st = prep(db,
              "SELECT id, project_id, role, expires_at, max_uses, uses,"
              " revoked FROM invites WHERE token_hash = ?1",
              err, errlen);
    if (!st)
        goto out;
    db_bind_blob(st, 1, token_hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    if (db_step(st) != DB_ROW) {
        state = SRV_INVITE_UNKNOWN;
    } else if (db_column_int(st, 6)) {
        state = SRV_INVITE_REVOKED;
    } else if (db_column_int64(st, 3) <= now_ms) {
        state = SRV_INVITE_EXPIRED;
    } else if (db_column_int(st, 5) >= db_column_int(st, 4)) {
        state = SRV_INVITE_USED_UP;
    } else {
        state = SRV_INVITE_OK;
    }
    *state_out = state;
    if (state != SRV_INVITE_OK) {
        snprintf(err, errlen, "%s", srv_invite_state_message(state));
        rc = PROTO_NOT_FOUND;
        goto out;
    }
    snprintf(invite_id, sizeof invite_id, "%s", db_column_text(st, 0));
    snprintf(pid, sizeof pid, "%s", db_column_text(st, 1));
    role = srv_role_parse((const char *)db_column_text(st, 2));
    db_finalize(st);
    st = NULL;
    cur = srv_auth_member_role(db, pid, user_id);
    snprintf(project_id, idlen, "%s", pid);
    if (cur >= role) {
        /* Already in with that role or more: nothing to change. */
        *role_out = cur;
        rc = PROTO_OK;
        goto out;
    }
    if ((rc = srv_authdb_member_set(db, pid, user_id, role, err, errlen)) !=
        PROTO_OK)
        goto out;
    rc = PROTO_INTERNAL;
    st = prep(db, "UPDATE invites SET uses = uses + 1 WHERE id = ?1", err,
              errlen);
    if (!st)
        goto out;
    db_bind_text(st, 1, invite_id, -1, DB_STATIC);
    if ((rc = step_done(st, err, errlen)) != PROTO_OK)
        goto out;
    *role_out = role;
out:
    db_finalize(st);
    return rc;
}
