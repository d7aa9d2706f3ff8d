/* auth_conns.c -- open WebSocket connections end with their session.
 * Each connection remembers the session it said hello with (c->session:
 * the token's SHA-256 and its expiry), noted by the message check that
 * runs before each message (srv_ws_set_message_check). A session can end
 * in four ways, and each closes every socket of it with status 4401:
 *   - logout in this process: srv_auth_conns_end_session, at once;
 *   - expiry: the message check compares the remembered expiry with the
 *     clock before every message (no query), and the tick catches sockets
 *     that send nothing;
 *   - a change made by another process (`mixroom user passwd` deletes the
 *     user's sessions; a row deleted or shortened by hand):
 *     srv_auth_conns_recheck, from auth's tick about once a second, looks
 *     up the sessions of all open sockets in one query per CHECK_CHUNK
 *     sockets and closes those whose row is gone or expired.
 * Loop thread only. Global state: the scratch table of
 * srv_auth_conns_recheck (static there for its size). */
#include "server/auth/auth.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "server/auth/auth_internal.h"
#include "server/auth/links.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

#define CHECK_CHUNK 200 /* sockets looked up by one query */

_Static_assert(sizeof(((struct srv_conn *)0)->session.hash) ==
                   SRV_TOKEN_HASH_LEN,
               "srv_conn.session.hash must hold a token hash");

static const char reason_expired[] = "session expired; log in again";
static const char reason_ended[] =
    "session ended (password changed or session revoked); log in again";

/* The expiry (ms) of the live session with this token hash, or 0 when
 * there is none. */
static long long session_expiry(db_conn *db, const unsigned char *hash)
{
    db_stmt *st = NULL;
    long long exp = 0;

    /* raw: the token hash is bound as a blob (store_prepare binds text) */
    if (db_prepare(db,
                           "SELECT expires_at FROM sessions"
                           " WHERE token_hash = ?1 AND expires_at > ?2", &st) != DB_OK)
        goto out;
    db_bind_blob(st, 1, hash, SRV_TOKEN_HASH_LEN, DB_STATIC);
    db_bind_int64(st, 2, store_now_ms());
    if (db_step(st) == DB_ROW)
        exp = db_column_int64(st, 0);
out:
    db_finalize(st);
    return exp;
}

/* Notes the session a hello carries (its `token`, else the upgrade
 * cookie) on c, so that it can be closed when the session ends. The hello
 * handler resolves the same token and answers; a token that is not a live
 * session leaves c without one. */
static void note_hello(struct srv_conn *c, json_t *msg)
{
    const char *token = json_string_value(json_object_get(msg, "token"));

    memset(&c->session, 0, sizeof c->session);
    if (!token || !token[0])
        token = c->cookie_token;
    if (!srv_auth_token_wellformed(token) || !c->srv || !c->srv->db)
        return;
    srv_auth_token_hash(token, c->session.hash);
    c->session.expires_ms = session_expiry(c->srv->db, c->session.hash);
}

int srv_auth_message_check(struct srv_conn *c, const char *type, json_t *msg)
{
    assert(srv_on_loop_thread());
    if (!c->welcomed) {
        if (strcmp(type, "hello") == 0)
            note_hello(c, msg);
        return 0;
    }
    if (c->session.expires_ms && store_now_ms() >= c->session.expires_ms) {
        srv_info("auth: closing a connection of %s: session expired",
                 c->user_name);
        srv_ws_close(c, SRV_CLOSE_SESSION_ENDED, reason_expired);
        return -1;
    }
    if (srv_auth_is_guest_id(c->user_id))
        return srv_guest_message_check(c, type, msg);
    return 0;
}

struct end_ctx {
    const unsigned char *hash;
    const char *reason;
    int n;
};

static void end_one(struct srv_conn *c, void *arg)
{
    struct end_ctx *e = arg;

    if (!c->session.expires_ms || c->closing ||
        sodium_memcmp(c->session.hash, e->hash, SRV_TOKEN_HASH_LEN) != 0)
        return;
    srv_ws_close(c, SRV_CLOSE_SESSION_ENDED, e->reason);
    e->n++;
}

int srv_auth_conns_end_session(const unsigned char *hash, const char *reason)
{
    struct end_ctx e = {hash, reason, 0};

    assert(srv_on_loop_thread());
    srv_ws_each(end_one, &e);
    return e.n;
}

/* ---- the re-check of every open socket's session ---- */

struct recheck {
    db_conn *db;
    long long now;
    int n;
    struct srv_conn *conns[CHECK_CHUNK];
    long long found[CHECK_CHUNK]; /* expiry from the database, 0: no row */
};

/* Looks up the sessions of the collected sockets in one query and closes
 * the ended ones. */
static void recheck_flush(struct recheck *r)
{
    char sql[64 + 2 * CHECK_CHUNK];
    size_t used;
    db_stmt *st = NULL;
    int rc;

    if (!r->n)
        return;
    used = (size_t)snprintf(sql, sizeof sql,
                            "SELECT token_hash, expires_at FROM sessions"
                            " WHERE token_hash IN (");
    for (int i = 0; i < r->n; i++)
        used += (size_t)snprintf(sql + used, sizeof sql - used, "%s?",
                                 i ? "," : "");
    snprintf(sql + used, sizeof sql - used, ")");
    /* raw: the token hashes are bound as blobs (store_prepare binds text) */
    if (db_prepare(r->db, sql, &st) != DB_OK) {
        srv_warn("auth: could not re-check sessions: %s",
                 db_errmsg(r->db));
        goto out;
    }
    for (int i = 0; i < r->n; i++) {
        r->found[i] = 0;
        db_bind_blob(st, i + 1, r->conns[i]->session.hash,
                          SRV_TOKEN_HASH_LEN, DB_STATIC);
    }
    while ((rc = db_step(st)) == DB_ROW) {
        const void *h = db_column_blob(st, 0);

        if (db_column_bytes(st, 0) != SRV_TOKEN_HASH_LEN)
            continue;
        for (int i = 0; i < r->n; i++)
            if (memcmp(r->conns[i]->session.hash, h, SRV_TOKEN_HASH_LEN) == 0)
                r->found[i] = db_column_int64(st, 1);
    }
    if (rc != DB_DONE) { /* a busy or broken read proves nothing */
        srv_warn("auth: could not re-check sessions: %s",
                 db_errmsg(r->db));
        goto out;
    }
    for (int i = 0; i < r->n; i++) {
        struct srv_conn *c = r->conns[i];

        if (r->found[i] > r->now) {
            c->session.expires_ms = r->found[i];
            continue;
        }
        srv_info("auth: closing a connection of %s: %s",
                 c->user_name[0] ? c->user_name : "(no hello yet)",
                 r->found[i] ? "session expired" : "session ended");
        srv_ws_close(c, SRV_CLOSE_SESSION_ENDED,
                     r->found[i] ? reason_expired : reason_ended);
    }
out:
    db_finalize(st);
    r->n = 0;
}

static void recheck_one(struct srv_conn *c, void *arg)
{
    struct recheck *r = arg;

    if (!c->session.expires_ms || c->closing)
        return;
    r->conns[r->n++] = c;
    if (r->n == CHECK_CHUNK)
        recheck_flush(r);
}

void srv_auth_conns_recheck(struct srv_server *srv)
{
    static struct recheck r; /* loop thread only; large for the stack */

    assert(srv_on_loop_thread());
    if (!srv || !srv->db)
        return;
    r.db = srv->db;
    r.now = store_now_ms();
    r.n = 0;
    srv_ws_each(recheck_one, &r);
    recheck_flush(&r);
}

/* ---- changes that close sockets on other nodes too ---- */

static srv_auth_remote_fn remote_fn; /* set once by server/cluster's init */

void srv_auth_set_remote_close(srv_auth_remote_fn fn)
{
    remote_fn = fn;
}

int srv_auth_remote_close(db_conn *db, const char *kind, const char *project,
                          const char *id)
{
    assert(store_on_writer_thread());
    return remote_fn ? remote_fn(db, kind, project, id) : 0;
}

void srv_auth_conns_member_removed(const char *project_id,
                                   const char *user_id)
{
    srv_auth_conns_set_role(project_id, user_id, SRV_ROLE_NONE);
}
