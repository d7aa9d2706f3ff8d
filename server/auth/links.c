/* links.c -- share links as stored (migrations/0003_links.sql): reading a
 * link by its token hash or id, a guest by its user id, a link's state and
 * JSON, and the writer's side: inserting and revoking links, starting a
 * guest session (one use, its users, guests and sessions rows, in one
 * transaction) and logging a guest's download. No global state. */
#include "server/auth/links.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "server/auth/auth_db.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"

/* The columns every link read selects, in this order (see link_row). */
#define LINK_COLS                                                            \
    "l.id, l.project_id, p.name, l.can_comment, l.can_download,"            \
    " l.version_id, v.name, v.rev, l.pinned, l.expires_at, l.max_uses,"     \
    " l.uses, l.pw_hash, l.label, l.created_at, l.revoked_at"
#define LINK_FROM                                                            \
    " FROM links l JOIN projects p ON p.id = l.project_id"                  \
    " LEFT JOIN versions v ON v.id = l.version_id"

static void link_row(db_stmt *st, int c0, struct srv_link *l)
{
    memset(l, 0, sizeof *l);
    store_col_copy(l->id, sizeof l->id, st, c0 + 0);
    store_col_copy(l->project_id, sizeof l->project_id, st, c0 + 1);
    store_col_copy(l->project_name, sizeof l->project_name, st, c0 + 2);
    l->can_comment = db_column_int(st, c0 + 3) != 0;
    l->can_download = db_column_int(st, c0 + 4) != 0;
    store_col_copy(l->version_id, sizeof l->version_id, st, c0 + 5);
    store_col_copy(l->version_name, sizeof l->version_name, st, c0 + 6);
    l->version_rev = db_column_type(st, c0 + 7) == DB_NULL
                         ? -1
                         : db_column_int64(st, c0 + 7);
    l->pinned = db_column_int(st, c0 + 8) != 0;
    l->expires_at = db_column_int64(st, c0 + 9);
    l->max_uses = db_column_int64(st, c0 + 10);
    l->uses = db_column_int64(st, c0 + 11);
    store_col_copy(l->pw_hash, sizeof l->pw_hash, st, c0 + 12);
    store_col_copy(l->label, sizeof l->label, st, c0 + 13);
    l->created_at = db_column_int64(st, c0 + 14);
    l->revoked_at = db_column_int64(st, c0 + 15);
}

int srv_link_by_hash(db_conn *db, const unsigned char *hash,
                     struct srv_link *out)
{
    db_stmt *st = NULL;
    int rc = -1;

    /* raw: the token hash is bound as a blob (store_prepare binds text) */
    if (db_prepare(db, "SELECT " LINK_COLS LINK_FROM
                               " WHERE l.token_hash = ?1", &st) != DB_OK)
        goto out;
    db_bind_blob(st, 1, hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    if (db_step(st) != DB_ROW)
        goto out;
    link_row(st, 0, out);
    rc = 0;
out:
    db_finalize(st);
    return rc;
}

int srv_link_by_id(db_conn *db, const char *project_id, const char *link_id,
                   struct srv_link *out)
{
    db_stmt *st;
    int rc = -1;

    st = store_prepare(db, "SELECT " LINK_COLS LINK_FROM
                           " WHERE l.id = ?1 AND l.project_id = ?2",
                       STORE_ARGS(link_id, project_id), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        link_row(st, 0, out);
        rc = 0;
    }
    db_finalize(st);
    return rc;
}

int srv_guest_by_user(db_conn *db, const char *user_id, struct srv_guest *out)
{
    db_stmt *st;
    int rc = -1;

    if (!user_id || strncmp(user_id, SRV_GUEST_ID_PREFIX,
                            strlen(SRV_GUEST_ID_PREFIX)) != 0)
        return -1;
    st = store_prepare(db, "SELECT g.user_id, g.name, " LINK_COLS LINK_FROM
                           " JOIN guests g ON g.link_id = l.id"
                           " WHERE g.user_id = ?1",
                       STORE_ARGS(user_id), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        store_col_copy(out->user_id, sizeof out->user_id, st, 0);
        store_col_copy(out->name, sizeof out->name, st, 1);
        link_row(st, 2, &out->link);
        rc = 0;
    }
    db_finalize(st);
    return rc;
}

enum srv_link_state srv_link_state(const struct srv_link *l, long long now)
{
    if (l->revoked_at)
        return SRV_LINK_REVOKED;
    if (l->expires_at && l->expires_at <= now)
        return SRV_LINK_EXPIRED;
    if (l->max_uses && l->uses >= l->max_uses)
        return SRV_LINK_USED_UP;
    return SRV_LINK_ACTIVE;
}

const char *srv_link_state_name(enum srv_link_state s)
{
    switch (s) {
    case SRV_LINK_ACTIVE: return "active";
    case SRV_LINK_REVOKED: return "revoked";
    case SRV_LINK_EXPIRED: return "expired";
    case SRV_LINK_USED_UP: return "used_up";
    }
    return "unknown";
}

const char *srv_link_state_message(enum srv_link_state s)
{
    switch (s) {
    case SRV_LINK_ACTIVE: return "this share link can be used";
    case SRV_LINK_REVOKED: return "this share link was revoked by its owner";
    case SRV_LINK_EXPIRED: return "this share link has expired";
    case SRV_LINK_USED_UP:
        return "this share link has been used as many times as its owner "
               "allowed (max_uses)";
    }
    return "this share link cannot be used";
}

static json_t *opt_int(long long v)
{
    return v ? json_integer(v) : json_null();
}

/* COUNT(*) of a per-link table. */
static long long count_of(db_conn *db, const char *sql, const char *link_id)
{
    long long n = 0;

    store_query_int(db, sql, STORE_ARGS(link_id), &n, NULL, 0);
    return n;
}

json_t *srv_link_json(db_conn *db, const struct srv_link *l, long long now)
{
    json_t *rights = json_array(), *o;

    json_array_append_new(rights, json_string("listen"));
    if (l->can_comment)
        json_array_append_new(rights, json_string("comment"));
    if (l->can_download)
        json_array_append_new(rights, json_string("download"));
    o = json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:I, s:b, s:s, s:I,"
                  " s:o}",
                  "id", l->id, "label", l->label, "rights", rights,
                  "version",
                  l->version_id[0]
                      ? json_pack("{s:s, s:s, s:I}", "id", l->version_id,
                                  "name", l->version_name, "rev",
                                  (json_int_t)l->version_rev)
                      : json_null(),
                  "pinned", l->pinned, "expires_at", opt_int(l->expires_at),
                  "max_uses", opt_int(l->max_uses), "uses",
                  (json_int_t)l->uses, "password", l->pw_hash[0] != '\0',
                  "state", srv_link_state_name(srv_link_state(l, now)),
                  "created_at", (json_int_t)l->created_at, "revoked_at",
                  opt_int(l->revoked_at));
    if (db) {
        json_object_set_new(
            o, "guests",
            json_integer(count_of(
                db, "SELECT COUNT(*) FROM guests WHERE link_id = ?1", l->id)));
        json_object_set_new(
            o, "downloads",
            json_integer(count_of(
                db, "SELECT COUNT(*) FROM link_downloads WHERE link_id = ?1",
                l->id)));
    }
    return o;
}

/* ---- writes ---- */

static proto_code db_fail(db_conn *db, char *err, size_t errlen)
{
    snprintf(err, errlen, "database error: %s", db_errmsg(db));
    return PROTO_INTERNAL;
}

/* Binds text or NULL for "". */
static void bind_opt_text(db_stmt *st, int i, const char *s)
{
    if (s && s[0])
        db_bind_text(st, i, s, -1, DB_STATIC);
    else
        db_bind_null(st, i);
}

static void bind_opt_int(db_stmt *st, int i, long long v)
{
    if (v)
        db_bind_int64(st, i, v);
    else
        db_bind_null(st, i);
}

proto_code srv_linkdb_insert(db_conn *db, const struct srv_link *l,
                             const char *created_by,
                             const unsigned char *token_hash,
                             long long max_links, char *err, size_t errlen)
{
    db_stmt *st = NULL;
    long long n = 0;
    proto_code rc = PROTO_INTERNAL;

    assert(store_on_writer_thread());
    if (store_query_int(db, "SELECT COUNT(*) FROM links WHERE project_id = ?1",
                        STORE_ARGS(l->project_id), &n, NULL, 0) < 0)
        return db_fail(db, err, errlen);
    if (n >= max_links) {
        snprintf(err, errlen,
                 "this project has %lld share links, the most it may have "
                 "(links_per_project = %lld)", n, max_links);
        return PROTO_CONFLICT;
    }
    if (db_prepare(
            db,
            "INSERT INTO links (id, project_id, token_hash, can_comment,"
            " can_download, version_id, pinned, expires_at, max_uses, uses,"
            " pw_hash, label, created_by, created_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12,"
            " ?13)", &st) != DB_OK)
        return db_fail(db, err, errlen);
    db_bind_text(st, 1, l->id, -1, DB_STATIC);
    db_bind_text(st, 2, l->project_id, -1, DB_STATIC);
    db_bind_blob(st, 3, token_hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    db_bind_int(st, 4, l->can_comment);
    db_bind_int(st, 5, l->can_download);
    bind_opt_text(st, 6, l->version_id);
    db_bind_int(st, 7, l->pinned);
    bind_opt_int(st, 8, l->expires_at);
    bind_opt_int(st, 9, l->max_uses);
    bind_opt_text(st, 10, l->pw_hash);
    db_bind_text(st, 11, l->label, -1, DB_STATIC);
    bind_opt_text(st, 12, created_by);
    db_bind_int64(st, 13, l->created_at);
    rc = db_step(st) == DB_DONE ? PROTO_OK
                                         : db_fail(db, err, errlen);
    db_finalize(st);
    return rc;
}

/* Runs one statement with text args to completion; false with err filled
 * (the database's message) when it fails. */
static bool run(db_conn *db, const char *sql, const char *const *args,
                char *err, size_t errlen)
{
    db_stmt *st = store_prepare(db, sql, args, NULL, 0);
    bool ok = st && store_step_done(st, NULL, 0) == 0;

    if (!ok)
        db_fail(db, err, errlen);
    db_finalize(st);
    return ok;
}

proto_code srv_linkdb_revoke(db_conn *db, const char *project_id,
                             const char *link_id, long long now, char *err,
                             size_t errlen)
{
    char at[32];

    assert(store_on_writer_thread());
    snprintf(at, sizeof at, "%lld", now);
    if (!run(db,
             "UPDATE links SET revoked_at = COALESCE(revoked_at,"
             " CAST(?3 AS BIGINT)) WHERE id = ?1 AND project_id = ?2",
             STORE_ARGS(link_id, project_id, at), err, errlen))
        return PROTO_INTERNAL;
    if (db_changes(db) == 0) {
        snprintf(err, errlen, "project %s has no share link %s", project_id,
                 link_id);
        return PROTO_NOT_FOUND;
    }
    if (!run(db,
             "DELETE FROM sessions WHERE user_id IN"
             " (SELECT user_id FROM guests WHERE link_id = ?1)",
             STORE_ARGS(link_id), err, errlen))
        return PROTO_INTERNAL;
    return PROTO_OK;
}

/* Why link_id took no use at now: its state (revoked if it is gone). */
static enum srv_link_state refusal(db_conn *db, const char *link_id,
                                   long long now)
{
    db_stmt *st = store_prepare(db, "SELECT " LINK_COLS LINK_FROM
                                         " WHERE l.id = ?1",
                                     STORE_ARGS(link_id), NULL, 0);
    enum srv_link_state s = SRV_LINK_REVOKED; /* gone meanwhile */
    struct srv_link l;

    if (st && db_step(st) == DB_ROW) {
        link_row(st, 0, &l);
        s = srv_link_state(&l, now);
    }
    db_finalize(st);
    return s == SRV_LINK_ACTIVE ? SRV_LINK_REVOKED : s;
}

proto_code srv_linkdb_guest_start(db_conn *db, const char *link_id,
                                  const char *guest_id, const char *name,
                                  const unsigned char *token_hash,
                                  long long now, long long expires,
                                  enum srv_link_state *state, char *err,
                                  size_t errlen)
{
    char at[32], uname[64], display[SRV_GUEST_NAME_MAX * 4 + 16];

    assert(store_on_writer_thread());
    *state = SRV_LINK_ACTIVE;
    snprintf(at, sizeof at, "%lld", now);
    /* One use, only while the link is active: checked and counted in one
     * statement, so two guests cannot both take the last use. */
    if (!run(db,
             "UPDATE links SET uses = uses + 1 WHERE id = ?1 AND"
             " revoked_at IS NULL AND (expires_at IS NULL OR"
             " expires_at > CAST(?2 AS BIGINT)) AND"
             " (max_uses IS NULL OR uses < max_uses)",
             STORE_ARGS(link_id, at), err, errlen))
        return PROTO_INTERNAL;
    if (db_changes(db) == 0) {
        *state = refusal(db, link_id, now);
        snprintf(err, errlen, "%s", srv_link_state_message(*state));
        return PROTO_FORBIDDEN;
    }
    snprintf(uname, sizeof uname, SRV_GUEST_NAME_PREFIX "%s", guest_id);
    snprintf(display, sizeof display, "%s (guest)", name);
    /* '!' is no encoded hash: crypto_pwhash_str_verify always refuses it,
     * so a guest's user can never log in with a password. */
    if (!run(db,
             "INSERT INTO users (id, name, display_name, pw_hash,"
             " created_at) VALUES (?1, ?2, ?3, '!', CAST(?4 AS BIGINT))",
             STORE_ARGS(guest_id, uname, display, at), err, errlen) ||
        !run(db,
             "INSERT INTO guests (user_id, link_id, name, created_at)"
             " VALUES (?1, ?2, ?3, CAST(?4 AS BIGINT))",
             STORE_ARGS(guest_id, link_id, name, at), err, errlen))
        return PROTO_INTERNAL;
    return srv_authdb_session_insert(db, token_hash, guest_id, now, expires,
                                     err, errlen);
}

proto_code srv_linkdb_download(db_conn *db, const char *link_id,
                               const char *user_id, const char *name,
                               const char *format, long long now, char *err,
                               size_t errlen)
{
    char at[32];

    assert(store_on_writer_thread());
    snprintf(at, sizeof at, "%lld", now);
    return run(db,
               "INSERT INTO link_downloads (link_id, user_id, name, format,"
               " at) VALUES (?1, ?2, ?3, ?4, CAST(?5 AS BIGINT))",
               STORE_ARGS(link_id, user_id, name, format, at), err, errlen)
               ? PROTO_OK
               : PROTO_INTERNAL;
}
