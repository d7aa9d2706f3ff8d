/* http_sessions.c -- sessions over HTTP: POST /api/login, POST /api/logout,
 * GET /api/me (a logout closes that session's open sockets); the login
 * rate limit (failures per account and per client address, that address
 * read from X-Forwarded-For behind a trusted proxy); the small pool of
 * threads that verifies passwords off the loop (Argon2id takes ~0.1 s and
 * 64 MiB, so at most LOGIN_THREADS run at once and at most LOGIN_QUEUE
 * wait); and srv_auth_init, which wires the auth files into the server.
 *
 * Global state (documented): `rl_accounts` and `rl_addresses`, the
 * rate-limit tables (loop thread only), the tick's clocks, and `pool`,
 * the verifier threads and their queue (its mutex). */
#include "server/auth/auth.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth_db.h"
#include "server/auth/auth_internal.h"
#include "server/auth/links.h"
#include "server/net/http.h"
#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

#define COOKIE_NAME "mixroom_session"
#define LOGIN_THREADS 2
#define LOGIN_QUEUE 32
#define RL_SLOTS 1024     /* keys per table (accounts, addresses) */
#define SEEN_FLUSH_MS 30000LL
#define SESSION_RECHECK_MS 1000LL /* open sockets' sessions re-read */

static const char bad_login[] = "wrong user name or password";

json_t *srv_auth_user_json(const struct srv_user *u)
{
    return json_pack("{s:s, s:s, s:s}", "id", u->id, "name", u->name,
                     "display_name", u->display_name);
}

/* ---- rate limit: loop thread only ----
 * Two tables of RL_SLOTS keys each, so that a flood of one kind cannot
 * push the other out: accounts ("a:<lower-case name>", at most
 * cfg.login_account_failures failures) and client addresses ("p:<addr>",
 * at most cfg.login_address_failures), both per cfg.login_window seconds.
 * A key counts its failures in a window that starts at its first failure;
 * at the limit it is refused until that window ends. When a table is
 * full, a stale key goes first, else the one with the fewest failures
 * (the oldest among equals): a sprayed key that failed once never pushes
 * out one that is being guessed. */
struct rl_slot {
    char key[96];
    long long start;       /* first failure of the window (monotonic ms) */
    long long count;       /* failures since start; 0: slot free */
};
static struct rl_slot rl_accounts[RL_SLOTS], rl_addresses[RL_SLOTS];

struct rl_key {
    struct rl_slot *table;
    long long max;         /* failures allowed per window */
    char key[96];
};

static long long rl_window_ms(const struct srv_server *srv)
{
    return (srv->cfg.login_window > 0 ? srv->cfg.login_window : 900) *
           1000LL;
}

static struct rl_slot *rl_find(const struct rl_key *k, bool create,
                               long long now, long long window)
{
    struct rl_slot *victim = NULL;

    for (int i = 0; i < RL_SLOTS; i++) {
        struct rl_slot *s = &k->table[i];

        if (s->count && now - s->start >= window)
            s->count = 0; /* stale: free it */
        if (s->count && strcmp(s->key, k->key) == 0)
            return s;
        if (!create)
            continue;
        if (!victim || (victim->count &&
                        (!s->count || s->count < victim->count ||
                         (s->count == victim->count &&
                          s->start < victim->start))))
            victim = s;
    }
    if (victim) {
        memset(victim, 0, sizeof *victim);
        snprintf(victim->key, sizeof victim->key, "%s", k->key);
        victim->start = now;
    }
    return victim;
}

/* Seconds until the key may try again, or 0 if not blocked. */
static int rl_blocked(const struct srv_server *srv, const struct rl_key *k,
                      long long now)
{
    long long window = rl_window_ms(srv);
    struct rl_slot *s = rl_find(k, false, now, window);
    long long wait;

    if (!s || s->count < k->max)
        return 0;
    wait = s->start + window - now;
    return wait > 0 ? (int)((wait + 999) / 1000) : 0;
}

static void rl_fail(const struct srv_server *srv, const struct rl_key *k,
                    long long now)
{
    struct rl_slot *s = rl_find(k, true, now, rl_window_ms(srv));

    assert(s);
    s->count++;
}

static void rl_clear(const struct srv_server *srv, const struct rl_key *k)
{
    struct rl_slot *s = rl_find(k, false, srv_now_mono_ms(),
                                rl_window_ms(srv));

    if (s)
        memset(s, 0, sizeof *s);
}

/* The two keys of a login attempt: the account name (lower case) and the
 * client address (behind a trusted proxy, from X-Forwarded-For). */
static void rl_keys(const struct srv_http_req *req, const char *name,
                    struct rl_key *acct, struct rl_key *addr)
{
    char client[64];

    acct->table = rl_accounts;
    acct->max = req->srv->cfg.login_account_failures > 0
                    ? req->srv->cfg.login_account_failures : 10;
    snprintf(acct->key, sizeof acct->key, "a:%s", name);
    for (size_t i = 2; acct->key[i]; i++)
        if (acct->key[i] >= 'A' && acct->key[i] <= 'Z')
            acct->key[i] = (char)(acct->key[i] - 'A' + 'a');
    addr->table = rl_addresses;
    addr->max = req->srv->cfg.login_address_failures > 0
                    ? req->srv->cfg.login_address_failures : 100;
    srv_auth_client_addr(req->srv, req->peer, req->forwarded_for, client,
                         sizeof client);
    snprintf(addr->key, sizeof addr->key, "p:%s", client);
}

/* Fills resp (429, Retry-After) and returns true when either key is at its
 * limit; `what` names the attempts ("logins") and `whose` the first key
 * ("for this account"). */
static bool rl_refuse(const struct srv_http_req *req,
                      const struct rl_key *acct, const struct rl_key *addr,
                      const char *what, const char *whose,
                      struct srv_http_resp *resp)
{
    long long now = srv_now_mono_ms();
    const struct rl_key *limit = addr;
    int wait = rl_blocked(req->srv, limit, now);
    char v[16];
    bool by_addr;

    if (!wait) {
        limit = acct;
        wait = rl_blocked(req->srv, limit, now);
    }
    if (!wait)
        return false;
    by_addr = limit == addr;
    srv_warn("auth: %s rate limit hit for %s", what,
             by_addr ? limit->key : "an account or link");
    srv_http_error(resp, PROTO_RATE_LIMITED, 429,
                   "too many failed %s %s (the limit is %lld per %lld s); "
                   "try again in %d s", what,
                   by_addr ? "from this address" : whose, limit->max,
                   rl_window_ms(req->srv) / 1000, wait);
    snprintf(v, sizeof v, "%d", wait);
    srv_http_add_header(resp, "Retry-After", v);
    return true;
}

int srv_auth_limit_check(struct srv_http_req *req, const char *key,
                         struct srv_http_resp *resp)
{
    struct rl_key acct, addr;

    rl_keys(req, key, &acct, &addr);
    return rl_refuse(req, &acct, &addr, "password attempts",
                     "for this share link", resp) ? -1 : 0;
}

void srv_auth_limit_fail(struct srv_http_req *req, const char *key)
{
    struct rl_key acct, addr;
    long long now = srv_now_mono_ms();

    rl_keys(req, key, &acct, &addr);
    rl_fail(req->srv, &acct, now);
    rl_fail(req->srv, &addr, now);
    srv_count(SRV_M_LOGIN_FAILURES);
}

void srv_auth_limit_clear(struct srv_http_req *req, const char *key)
{
    struct rl_key acct, addr;

    rl_keys(req, key, &acct, &addr);
    rl_clear(req->srv, &acct);
}

/* ---- the verifier pool ---- */

struct login_job {
    struct login_job *next;
    struct srv_http_req *req;
    struct srv_server *srv;
    struct srv_user user;
    bool user_found;
    bool ok;
    char pw_hash[SRV_PW_HASH_MAX];
    char password[SRV_PASSWORD_MAX + 1];
    struct rl_key acct_key, addr_key;
    char token[SRV_TOKEN_LEN + 1];
    unsigned char token_hash[SRV_TOKEN_HASH_LEN];
    long long expires_ms;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t threads[LOGIN_THREADS];
    int started;             /* threads running */
    bool stopping;
    struct login_job *head, *tail;
    int queued;
    char dummy_hash[SRV_PW_HASH_MAX]; /* verified when the name is unknown */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void login_finish(void *arg);

static void job_free(struct login_job *j)
{
    sodium_memzero(j, sizeof *j);
    free(j);
}

static void *verifier_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct login_job *j;

        pthread_mutex_lock(&pool.lock);
        while (!pool.head && !pool.stopping)
            pthread_cond_wait(&pool.cond, &pool.lock);
        if (!pool.head) {
            pthread_mutex_unlock(&pool.lock);
            break;
        }
        j = pool.head;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        pthread_mutex_unlock(&pool.lock);
        /* An unknown name costs the same as a wrong password. */
        j->ok = srv_auth_verify_password(
                    j->user_found ? j->pw_hash : pool.dummy_hash,
                    j->password) &&
                j->user_found;
        sodium_memzero(j->password, sizeof j->password);
        srv_loop_post(login_finish, j);
    }
    return NULL;
}

/* Starts the threads on first use (loop thread). Returns 0 or -1. */
static int pool_start(void)
{
    char pw[32];

    if (pool.started)
        return 0;
    srv_auth_password_new(pw);
    if (srv_auth_hash_password(pw, pool.dummy_hash) != 0)
        return -1;
    sodium_memzero(pw, sizeof pw);
    pool.stopping = false;
    for (int i = 0; i < LOGIN_THREADS; i++) {
        if (pthread_create(&pool.threads[i], NULL, verifier_main, NULL) != 0)
            break;
        pool.started++;
    }
    return pool.started ? 0 : -1;
}

static void respond(struct srv_http_req *req, int status, json_t *body,
                    const char *cookie, int retry_after)
{
    struct srv_http_resp resp;
    char v[32];

    memset(&resp, 0, sizeof resp);
    resp.stream_length = -1;
    srv_http_json(&resp, status, body);
    if (cookie)
        srv_http_add_header(&resp, "Set-Cookie", cookie);
    if (retry_after > 0) {
        snprintf(v, sizeof v, "%d", retry_after);
        srv_http_add_header(&resp, "Retry-After", v);
    }
    srv_http_complete(req, &resp);
}

static json_t *err_body(proto_code code, const char *msg)
{
    return json_pack("{s:s, s:s}", "code", proto_code_name(code), "message",
                     msg);
}

static int session_write(db_conn *db, void *arg)
{
    struct login_job *j = arg;
    char err[256];

    assert(store_on_writer_thread());

    return srv_authdb_session_insert(db, j->token_hash, j->user.id,
                                     store_now_ms(), j->expires_ms, err,
                                     sizeof err) == PROTO_OK ? 0 : -1;
}

static void session_done(void *arg, int status)
{
    struct login_job *j = arg;
    char cookie[256];
    long long max_age = (j->expires_ms - store_now_ms()) / 1000;

    if (status != 0) {
        srv_err("auth: could not store a session for user %s", j->user.name);
        respond(j->req, 500,
                err_body(PROTO_INTERNAL, "could not store the session"),
                NULL, 0);
        goto out;
    }
    snprintf(cookie, sizeof cookie,
             COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/; "
             "Max-Age=%lld%s",
             j->token, max_age > 0 ? max_age : 0,
             j->srv->cfg.tls_cert[0] ? "; Secure" : "");
    srv_info("auth: %s logged in from %s", j->user.name,
             j->addr_key.key + 2);
    respond(j->req, 200,
            json_pack("{s:s, s:o}", "token", j->token, "user",
                      srv_auth_user_json(&j->user)),
            cookie, 0);
    sodium_memzero(cookie, sizeof cookie);
out:
    job_free(j);
}

/* Loop thread: the verdict of a verifier thread. */
static void login_finish(void *arg)
{
    struct login_job *j = arg;
    long long now = srv_now_mono_ms();
    int days;

    if (!j->ok) {
        rl_fail(j->srv, &j->acct_key, now);
        rl_fail(j->srv, &j->addr_key, now);
        srv_info("auth: failed login from %s", j->addr_key.key + 2);
        srv_count(SRV_M_LOGIN_FAILURES);
        respond(j->req, 401, err_body(PROTO_UNAUTHORIZED, bad_login), NULL,
                0);
        job_free(j);
        return;
    }
    rl_clear(j->srv, &j->acct_key);
    if (!j->srv || !j->srv->writer || j->srv->stopping) {
        respond(j->req, 503,
                err_body(PROTO_INTERNAL, "the server is shutting down"), NULL,
                0);
        job_free(j);
        return;
    }
    days = j->srv->cfg.session_days > 0 ? j->srv->cfg.session_days : 30;
    srv_auth_token_new(j->token);
    srv_auth_token_hash(j->token, j->token_hash);
    j->expires_ms = store_now_ms() + (long long)days * 86400000LL;
    store_writer_submit((struct store_writer *)j->srv->writer, session_write,
                        session_done, j);
}

/* Reads name and pw_hash of a user by name (reader connection). */
static bool load_login_user(db_conn *db, const char *name,
                            struct login_job *j)
{
    db_stmt *st = NULL;
    bool found = false;

    st = store_prepare(db, "SELECT id, name, display_name, pw_hash FROM users"
                           " WHERE name = ?1", STORE_ARGS(name), NULL, 0);
    if (!st)
        goto out;
    if (db_step(st) != DB_ROW)
        goto out;
    store_col_copy(j->user.id, sizeof j->user.id, st, 0);
    store_col_copy(j->user.name, sizeof j->user.name, st, 1);
    store_col_copy(j->user.display_name, sizeof j->user.display_name, st, 2);
    store_col_copy(j->pw_hash, sizeof j->pw_hash, st, 3);
    found = true;
out:
    db_finalize(st);
    return found;
}

static enum srv_http_result h_login(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    json_t *body = NULL;
    const char *name, *pw;
    struct login_job *j = NULL;
    char err[128];
    long long now = srv_now_mono_ms();
    enum srv_http_result r = SRV_HTTP_DONE;

    if (!(body = srv_http_body_json(req, resp)))
        return SRV_HTTP_DONE;
    name = json_string_value(json_object_get(body, "name"));
    pw = json_string_value(json_object_get(body, "password"));
    if (!name || !pw) {
        srv_http_error(resp, PROTO_BAD_REQUEST, 400,
                       "send {\"name\": string, \"password\": string}");
        goto out;
    }
    j = calloc(1, sizeof *j);
    if (!j) {
        srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
        goto out;
    }
    rl_keys(req, name, &j->acct_key, &j->addr_key);
    if (rl_refuse(req, &j->acct_key, &j->addr_key, "logins",
                  "for this account", resp))
        goto out;
    if (!srv_auth_name_ok(name, err, sizeof err) ||
        strlen(pw) > SRV_PASSWORD_MAX) {
        rl_fail(req->srv, &j->acct_key, now);
        rl_fail(req->srv, &j->addr_key, now);
        srv_count(SRV_M_LOGIN_FAILURES);
        srv_http_error(resp, PROTO_UNAUTHORIZED, 401, "%s", bad_login);
        goto out;
    }
    if (pool_start() != 0) {
        srv_http_error(resp, PROTO_INTERNAL, 500,
                       "cannot verify passwords right now");
        goto out;
    }
    j->req = req;
    j->srv = req->srv;
    j->user_found = load_login_user(req->srv->db, name, j);
    snprintf(j->password, sizeof j->password, "%s", pw);
    pthread_mutex_lock(&pool.lock);
    if (pool.queued >= LOGIN_QUEUE) {
        pthread_mutex_unlock(&pool.lock);
        srv_http_error(resp, PROTO_RATE_LIMITED, 429,
                       "too many logins in progress; try again in 1 s");
        srv_http_add_header(resp, "Retry-After", "1");
        goto out;
    }
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pool.queued++;
    pthread_cond_signal(&pool.cond);
    pthread_mutex_unlock(&pool.lock);
    j = NULL;
    r = SRV_HTTP_DEFER;
out:
    if (j)
        job_free(j);
    json_decref(body);
    return r;
}

void srv_auth_login_stop(struct srv_server *srv)
{
    struct login_job *q;

    (void)srv;
    pthread_mutex_lock(&pool.lock);
    pool.stopping = true;
    q = pool.head;
    pool.head = pool.tail = NULL;
    pool.queued = 0;
    pthread_cond_broadcast(&pool.cond);
    pthread_mutex_unlock(&pool.lock);
    while (q) {
        struct login_job *next = q->next;
        respond(q->req, 503,
                err_body(PROTO_INTERNAL, "the server is shutting down"), NULL,
                0);
        job_free(q);
        q = next;
    }
    for (int i = 0; i < pool.started; i++)
        pthread_join(pool.threads[i], NULL);
    pool.started = 0;
}

/* ---- logout, me ---- */

struct logout_job {
    struct srv_http_req *req;
    unsigned char hash[SRV_TOKEN_HASH_LEN];
    bool tls;
};

static int logout_write(db_conn *db, void *arg)
{
    struct logout_job *j = arg;
    char err[256], hex[2 * SRV_TOKEN_HASH_LEN + 1];

    assert(store_on_writer_thread());

    if (srv_authdb_session_delete(db, j->hash, err, sizeof err) != PROTO_OK)
        return -1;
    /* other nodes' sockets: the event, in this transaction */
    sodium_bin2hex(hex, sizeof hex, j->hash, sizeof j->hash);
    return srv_auth_remote_close(db, "session_ended", NULL, hex);
}

static void logout_done(void *arg, int status)
{
    struct logout_job *j = arg;
    char cookie[160];

    snprintf(cookie, sizeof cookie,
             COOKIE_NAME "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
             j->tls ? "; Secure" : "");
    if (status != 0)
        respond(j->req, 500,
                err_body(PROTO_INTERNAL, "could not end the session"), NULL,
                0);
    else {
        srv_auth_conns_end_session(j->hash, "logged out");
        respond(j->req, 200, json_pack("{s:b}", "ok", 1), cookie, 0);
    }
    free(j);
}

static enum srv_http_result h_logout(struct srv_http_req *req,
                                     struct srv_http_resp *resp)
{
    struct logout_job *j;
    const char *token;

    if (!req->srv->writer)
        return srv_http_error(resp, PROTO_INTERNAL, 503, "not ready");
    j = calloc(1, sizeof *j);
    if (!j)
        return srv_http_error(resp, PROTO_INTERNAL, 500, "out of memory");
    token = req->bearer_token[0] ? req->bearer_token : req->cookie_token;
    srv_auth_token_hash(token, j->hash);
    j->req = req;
    j->tls = req->srv->cfg.tls_cert[0] != '\0';
    srv_info("auth: %s logged out", req->who.name);
    store_writer_submit((struct store_writer *)req->srv->writer, logout_write,
                        logout_done, j);
    return SRV_HTTP_DEFER;
}

static enum srv_http_result h_me(struct srv_http_req *req,
                                 struct srv_http_resp *resp)
{

    return srv_http_json(resp, 200,
                         json_pack("{s:o}", "user", srv_auth_user_json(&req->who)));
}

static const struct srv_route auth_routes[] = {
    {.method = "POST", .pattern = "/api/login", .perm = SRV_PUBLIC,
     .handler = h_login},
    {.method = "POST", .pattern = "/api/logout", .perm = SRV_LOGIN,
     .handler = h_logout},
    {.method = "GET", .pattern = "/api/me", .perm = SRV_LOGIN,
     .handler = h_me},
};

void srv_auth_http_register(void)
{
    srv_http_add_routes(auth_routes,
                        (int)(sizeof auth_routes / sizeof auth_routes[0]));
}

/* ---- wiring ---- */

struct role_change {
    const char *project_id, *user_id;
    int role;
};

static void conn_set_role(struct srv_conn *c, void *ctx)
{
    const struct role_change *rc = ctx;

    if (!c->welcomed || strcmp(c->project_id, rc->project_id) != 0)
        return;
    if (rc->user_id && strcmp(c->user_id, rc->user_id) != 0)
        return;
    if (rc->role == SRV_ROLE_NONE) {
        c->role = SRV_ROLE_NONE;
        srv_ws_close(c, 4403, "no longer a member of this project");
    } else {
        c->role = rc->role;
    }
}

void srv_auth_conns_set_role(const char *project_id, const char *user_id,
                             int role)
{
    struct role_change rc = {project_id, user_id, role};

    srv_ws_each(conn_set_role, &rc);
}

static long long last_flush_ms, last_recheck_ms;

static void auth_tick(struct srv_server *srv)
{
    long long now = srv_now_mono_ms();

    if (now - last_recheck_ms >= SESSION_RECHECK_MS) {
        last_recheck_ms = now;
        srv_auth_conns_recheck(srv);
    }
    if (!last_flush_ms)
        last_flush_ms = now;
    if (now - last_flush_ms >= SEEN_FLUSH_MS) {
        last_flush_ms = now;
        srv_auth_seen_flush(srv);
    }
}

static void auth_stop(struct srv_server *srv)
{
    srv_auth_login_stop(srv);
    srv_auth_seen_flush(srv);
}

void srv_auth_init(void)
{
    srv_http_set_gate(srv_auth_gate);
    srv_http_set_origin_check(srv_auth_origin_ok);
    srv_ws_set_message_check(srv_auth_message_check);
    srv_auth_http_register();
    srv_projects_http_register();
    srv_links_http_register();
    srv_loop_on_tick(auth_tick);
    srv_loop_on_stop(auth_stop);
}
