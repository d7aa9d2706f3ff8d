/* auth.c -- the pure pieces of authentication (role names, user name and
 * password rules, Argon2id hashing, random tokens and their SHA-256), the
 * reads (session -> user, membership -> role), the HTTP gate every handler
 * goes through (with its cross-site refusal of cookie requests that change
 * state), the Origin check, the client address behind trusted proxies, and
 * the batched last_seen writes.
 *
 * Global state: `seen` below, the sessions used since the last flush,
 * guarded by its mutex (documented there). */
#include "server/auth/auth.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/auth/auth_internal.h"
#include "server/auth/links.h"
#include "server/net/http.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

bool srv_auth_name_ok(const char *name, char *err, size_t errlen)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > SRV_NAME_MAX) {
        snprintf(err, errlen, "a user name must have 1 to %d characters",
                 SRV_NAME_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                  ch == '-';
        if (!ok) {
            snprintf(err, errlen,
                     "a user name may contain only letters, digits, '.', "
                     "'_' and '-'");
            return false;
        }
    }
    return true;
}

bool srv_auth_password_ok(const char *pw, char *err, size_t errlen)
{
    size_t n = pw ? strlen(pw) : 0;

    if (n < SRV_PASSWORD_MIN) {
        snprintf(err, errlen, "passwords must have at least %d characters",
                 SRV_PASSWORD_MIN);
        return false;
    }
    if (n > SRV_PASSWORD_MAX) {
        snprintf(err, errlen, "passwords may have at most %d characters",
                 SRV_PASSWORD_MAX);
        return false;
    }
    return true;
}

/* libsodium must be initialised once; sodium_init is itself thread-safe
 * and idempotent, so every entry point that needs it just calls this. */
static void sodium_ready(void)
{
    if (sodium_init() < 0)
        abort();
}

int srv_auth_hash_password(const char *pw, char out[SRV_PW_HASH_MAX])
{
    _Static_assert(SRV_PW_HASH_MAX >= crypto_pwhash_STRBYTES,
                   "hash buffer too small");
    sodium_ready();
    if (crypto_pwhash_str(out, pw, strlen(pw),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return -1;
    return 0;
}

bool srv_auth_verify_password(const char *encoded, const char *pw)
{
    sodium_ready();
    if (!encoded || !pw)
        return false;
    return crypto_pwhash_str_verify(encoded, pw, strlen(pw)) == 0;
}

void srv_auth_token_new(char out[SRV_TOKEN_LEN + 1])
{
    unsigned char raw[32];

    sodium_ready();
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, SRV_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void srv_auth_password_new(char out[32])
{
    unsigned char raw[16];

    sodium_ready();
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 32, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

bool srv_auth_token_wellformed(const char *token)
{
    if (!token || strlen(token) != SRV_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < SRV_TOKEN_LEN; i++) {
        unsigned char ch = (unsigned char)token[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        if (!ok)
            return false;
    }
    return true;
}

void srv_auth_token_hash(const char *token,
                         unsigned char out[SRV_TOKEN_HASH_LEN])
{
    sodium_ready();
    crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

/* ---- last_seen batching ----
 * Sessions used since the last flush: token hash and time. Touched by
 * srv_auth_token_user (normally the loop thread) and flushed from the tick,
 * so a mutex keeps it safe from any thread. Bounded: when full, further
 * sightings are dropped until the next flush (last_seen is advisory). */
#define SEEN_MAX 512
static struct {
    pthread_mutex_t lock;
    int n;
    unsigned char hash[SEEN_MAX][SRV_TOKEN_HASH_LEN];
    long long at[SEEN_MAX];
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void seen_note(const unsigned char *hash, long long now)
{
    pthread_mutex_lock(&seen.lock);
    for (int i = 0; i < seen.n; i++) {
        if (memcmp(seen.hash[i], hash, SRV_TOKEN_HASH_LEN) == 0) {
            seen.at[i] = now;
            goto out;
        }
    }
    if (seen.n < SEEN_MAX) {
        memcpy(seen.hash[seen.n], hash, SRV_TOKEN_HASH_LEN);
        seen.at[seen.n++] = now;
    }
out:
    pthread_mutex_unlock(&seen.lock);
}

struct seen_batch {
    int n;
    long long now;
    unsigned char (*hash)[SRV_TOKEN_HASH_LEN];
    long long *at;
};

static int seen_write(db_conn *db, void *arg)
{
    struct seen_batch *b = arg;
    db_stmt *st = NULL;
    int rc = -1;

    assert(store_on_writer_thread());

    if (db_prepare(db,
                           "UPDATE sessions SET last_seen = CASE WHEN last_seen > ?1"
                           " THEN last_seen ELSE ?1 END"
                           " WHERE token_hash = ?2", &st) != DB_OK)
        goto out;
    for (int i = 0; i < b->n; i++) {
        db_bind_int64(st, 1, b->at[i]);
        db_bind_blob(st, 2, b->hash[i], SRV_TOKEN_HASH_LEN,
                          DB_STATIC);
        if (store_step_done(st, NULL, 0) != 0)
            goto out;
    }
    db_finalize(st);
    st = NULL;
    /* Sessions a day past their expiry are of no use to anyone. */
    if (db_prepare(db, "DELETE FROM sessions WHERE expires_at < ?1", &st) != DB_OK)
        goto out;
    db_bind_int64(st, 1, b->now - 86400000LL);
    if (store_step_done(st, NULL, 0) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        srv_warn("auth: could not record session activity: %s",
                 db_errmsg(db));
    db_finalize(st);
    return rc;
}

static void seen_done(void *arg, int status)
{
    struct seen_batch *b = arg;
    (void)status;
    free(b->hash);
    free(b->at);
    free(b);
}

void srv_auth_seen_flush(struct srv_server *srv)
{
    struct seen_batch *b;

    if (!srv || !srv->writer)
        return;
    b = calloc(1, sizeof *b);
    if (!b)
        return;
    pthread_mutex_lock(&seen.lock);
    b->n = seen.n;
    b->hash = malloc(sizeof(*b->hash) * (size_t)(seen.n ? seen.n : 1));
    b->at = malloc(sizeof(*b->at) * (size_t)(seen.n ? seen.n : 1));
    if (b->hash && b->at) {
        memcpy(b->hash, seen.hash, sizeof(*b->hash) * (size_t)seen.n);
        memcpy(b->at, seen.at, sizeof(*b->at) * (size_t)seen.n);
        seen.n = 0;
    } else {
        b->n = 0;
    }
    pthread_mutex_unlock(&seen.lock);
    b->now = store_now_ms();
    store_writer_submit((struct store_writer *)srv->writer, seen_write,
                        seen_done, b);
}

/* ---- reads ---- */

int srv_auth_token_user(db_conn *db, const char *token, struct srv_user *u)
{
    unsigned char hash[SRV_TOKEN_HASH_LEN];
    db_stmt *st = NULL;
    long long now = store_now_ms();
    int rc = -1;

    if (!srv_auth_token_wellformed(token))
        return -1;
    srv_auth_token_hash(token, hash);
    /* raw: the token hash is bound as a blob (store_prepare binds text) */
    if (db_prepare(db,
                           "SELECT s.token_hash, u.id, u.name, u.display_name"
                           " FROM sessions s JOIN users u ON u.id = s.user_id"
                           " WHERE s.token_hash = ?1 AND s.expires_at > ?2", &st) != DB_OK)
        goto out;
    db_bind_blob(st, 1, hash, sizeof hash, DB_STATIC);
    db_bind_int64(st, 2, now);
    if (db_step(st) != DB_ROW)
        goto out;
    if (db_column_bytes(st, 0) != SRV_TOKEN_HASH_LEN ||
        sodium_memcmp(db_column_blob(st, 0), hash, SRV_TOKEN_HASH_LEN) != 0)
        goto out;
    if (u) {
        store_col_copy(u->id, sizeof u->id, st, 1);
        store_col_copy(u->name, sizeof u->name, st, 2);
        store_col_copy(u->display_name, sizeof u->display_name, st, 3);
    }
    seen_note(hash, now);
    rc = 0;
out:
    db_finalize(st);
    return rc;
}

bool srv_auth_is_guest_id(const char *user_id)
{
    return user_id && strncmp(user_id, SRV_GUEST_ID_PREFIX,
                              strlen(SRV_GUEST_ID_PREFIX)) == 0;
}

int srv_auth_member_role(db_conn *db, const char *project_id,
                         const char *user_id)
{
    char name[16];
    int role;

    if (!project_id || !user_id || !*project_id || !*user_id)
        return SRV_ROLE_NONE;
    if (srv_auth_is_guest_id(user_id)) /* never a member: its link's role */
        return srv_guest_role(db, project_id, user_id);
    if (store_query_text(db,
                         "SELECT role FROM members WHERE project_id = ?1"
                         " AND user_id = ?2",
                         STORE_ARGS(project_id, user_id), name, sizeof name,
                         NULL, 0) != 1)
        return SRV_ROLE_NONE;
    role = srv_role_parse(name);
    return role < 0 ? SRV_ROLE_NONE : role;
}

int srv_auth_find_user(db_conn *db, const char *name_or_id,
                       struct srv_user *u)
{
    db_stmt *st = NULL;
    int rc = -1;

    if (!name_or_id || !*name_or_id)
        return -1;
    st = store_prepare(db, "SELECT id, name, display_name FROM users"
                           " WHERE name = ?1 OR id = ?1"
                           " ORDER BY name = ?1 DESC LIMIT 1",
                       STORE_ARGS(name_or_id), NULL, 0);
    if (!st)
        goto out;
    if (db_step(st) != DB_ROW)
        goto out;
    if (u) {
        store_col_copy(u->id, sizeof u->id, st, 0);
        store_col_copy(u->name, sizeof u->name, st, 1);
        store_col_copy(u->display_name, sizeof u->display_name, st, 2);
    }
    rc = 0;
out:
    db_finalize(st);
    return rc;
}

/* ---- the HTTP gate ---- */

/* Could a page of another site have made this request with the user's
 * cookie? Only state-changing methods matter, and only without a Bearer
 * token (a page cannot set Authorization on a cross-site request without
 * a CORS preflight, which this server never grants). Fills resp (403)
 * and returns true when the request must be refused. */
static bool cross_site(struct srv_http_req *req, struct srv_http_resp *resp)
{
    static const char *const changing[] = {"POST", "PUT", "PATCH", "DELETE"};
    bool changes = false;

    for (size_t i = 0; i < sizeof changing / sizeof changing[0]; i++)
        changes = changes || strcmp(req->method, changing[i]) == 0;
    if (!changes || req->bearer_token[0])
        return false;
    if (req->origin[0]) {
        if (srv_auth_origin_ok(req->srv, req->origin, req->host))
            return false;
        srv_warn("auth: refused %s %s from origin %.100s", req->method,
                 req->path, req->origin);
        srv_http_error(resp, PROTO_FORBIDDEN, 403,
                       "cross-site request refused: origin %.200s may not "
                       "send %s requests here (allowed: this server's own "
                       "origin and --allowed-origin)", req->origin,
                       req->method);
        return true;
    }
    if (strcasecmp(req->fetch_site, "cross-site") != 0)
        return false;
    srv_warn("auth: refused cross-site %s %s", req->method, req->path);
    srv_http_error(resp, PROTO_FORBIDDEN, 403,
                   "cross-site request refused: Sec-Fetch-Site is "
                   "cross-site and the request carries no Origin");
    return true;
}

int srv_auth_gate(struct srv_http_req *req, const struct srv_perm *perm,
                  const char *project_id, struct srv_http_resp *resp)
{
    const char *token;
    bool logged_in;
    int role;

    assert(srv_on_loop_thread());
    memset(&req->who, 0, sizeof req->who);
    req->role = SRV_ROLE_NONE;
    if (cross_site(req, resp))
        return -1;
    token = req->bearer_token[0] ? req->bearer_token : req->cookie_token;
    logged_in = token[0] &&
                srv_auth_token_user(req->srv->db, token, &req->who) == 0;
    if (!logged_in)
        memset(&req->who, 0, sizeof req->who);
    if (perm->scope == SRV_PERM_PUBLIC)
        return 0;
    if (!logged_in) {
        srv_http_error(resp, PROTO_UNAUTHORIZED, 401,
                       "log in first: this request carries no valid session "
                       "(it may have expired)");
        return -1;
    }
    if (srv_auth_is_guest_id(req->who.id)) /* only what guest.c allows */
        return srv_guest_gate(req, perm, project_id, resp);
    if (perm->scope == SRV_PERM_LOGIN)
        return 0;
    assert(perm->scope == SRV_PERM_PROJECT);
    role = project_id && project_id[0]
               ? srv_auth_member_role(req->srv->db, project_id, req->who.id)
               : SRV_ROLE_NONE;
    if (role == SRV_ROLE_NONE) {
        srv_http_error(resp, PROTO_NOT_FOUND, 404,
                       "project %s does not exist or you are not a member "
                       "of it", project_id && project_id[0] ? project_id
                                                            : "(none)");
        return -1;
    }
    if (role < perm->role) {
        srv_http_error(resp, PROTO_FORBIDDEN, 403,
                       "this needs the role %s or higher in the project; "
                       "you are %s", srv_role_name(perm->role),
                       srv_role_name(role));
        return -1;
    }
    req->role = role;
    return 0;
}

/* ---- origins ---- */

/* Compares an origin with a reference, ignoring case and one trailing '/'
 * on either side. */
static bool origin_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);

    if (na && a[na - 1] == '/')
        na--;
    if (nb && b[nb - 1] == '/')
        nb--;
    return na == nb && strncasecmp(a, b, na) == 0;
}

bool srv_auth_origin_ok(const struct srv_server *srv, const char *origin,
                        const char *host)
{
    char own[400];

    if (!origin || !*origin)
        return true;
    /* The server's own page. Both schemes: behind a TLS-terminating proxy
     * the page is https while this process serves plain HTTP; a foreign
     * page can never carry our host as its origin either way. */
    if (host && *host && strlen(host) < 300) {
        snprintf(own, sizeof own, "http://%s", host);
        if (origin_eq(origin, own))
            return true;
        snprintf(own, sizeof own, "https://%s", host);
        if (origin_eq(origin, own))
            return true;
    }
    if (srv) {
        for (int i = 0; i < srv->cfg.n_origins && i < SRV_MAX_ORIGINS; i++)
            if (srv->cfg.allowed_origins[i][0] &&
                origin_eq(origin, srv->cfg.allowed_origins[i]))
                return true;
    }
    return false;
}

/* ---- the client address behind trusted proxies ---- */

/* a without an IPv4-mapped "::ffff:" prefix. */
static const char *plain_addr(const char *a)
{
    return strncasecmp(a, "::ffff:", 7) == 0 && strchr(a + 7, '.') ? a + 7
                                                                    : a;
}

static bool is_trusted_proxy(const struct srv_server *srv, const char *addr)
{
    for (int i = 0; srv && i < srv->cfg.n_proxies && i < SRV_MAX_PROXIES;
         i++)
        if (srv->cfg.trusted_proxies[i][0] &&
            strcasecmp(plain_addr(addr),
                       plain_addr(srv->cfg.trusted_proxies[i])) == 0)
            return true;
    return false;
}

void srv_auth_client_addr(const struct srv_server *srv, const char *peer,
                          const char *xff, char *out, size_t n)
{
    char item[64];
    const char *end;

    assert(n > 0);
    snprintf(out, n, "%s", peer ? peer : "");
    if (!peer || !xff || !is_trusted_proxy(srv, peer))
        return;
    /* Walk X-Forwarded-For from the right: each proxy appends the address
     * it saw, so entries right of the first untrusted one are proxies. */
    end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end, *a, *b;
        size_t len;

        while (start > xff && start[-1] != ',')
            start--;
        for (a = start; a < end && (*a == ' ' || *a == '\t'); a++)
            ;
        for (b = end; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
            ;
        len = (size_t)(b - a);
        if (len > 0) {
            if (len >= sizeof item)
                len = sizeof item - 1;
            memcpy(item, a, len);
            item[len] = '\0';
            snprintf(out, n, "%s", item);
            if (!is_trusted_proxy(srv, item))
                return;
        }
        end = start > xff ? start - 1 : xff;
    }
}
