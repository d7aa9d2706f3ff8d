/* auth.h -- users, sessions, roles: who is asking and what they may do.
 * Password hashing (Argon2id via libsodium), session tokens (32 random
 * bytes, base64url, stored only as their SHA-256), project membership and
 * the one permission table for WebSocket message types and HTTP endpoints.
 *
 * How another module uses it:
 *   - an HTTP route says in its table entry what it needs (.perm =
 *     SRV_PUBLIC, SRV_LOGIN or SRV_MEMBER(role)); the gate registered here
 *     (srv_auth_gate) checks it before the handler runs and hands the
 *     handler req->who and req->role;
 *   - a WebSocket message type says it the same way in its srv_ws_route;
 *     the WebSocket layer compares c->role with it before every handler;
 *   - `hello` resolves its token (message field, else the upgrade cookie)
 *     with srv_auth_token_user() and the role with srv_auth_member_role().
 * Nothing here logs a password, a token or a hash. */
#ifndef MIXROOM_SERVER_AUTH_H
#define MIXROOM_SERVER_AUTH_H

#include <jansson.h>
#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>

#include "server/core/access.h"

struct srv_http_req;
struct srv_http_resp;
struct srv_server;
struct srv_conn;

/* Roles (enum srv_role, srv_role_name, srv_role_parse), struct srv_user
 * and struct srv_perm are the shared vocabulary of server/core/access.h. */

/* ---- names, passwords, tokens (pure; any thread) ---- */

#define SRV_NAME_MAX 40
#define SRV_PASSWORD_MIN 8
#define SRV_PASSWORD_MAX 1024
#define SRV_TOKEN_LEN 43          /* base64url of 32 bytes, no padding */
#define SRV_TOKEN_HASH_LEN 32     /* SHA-256 */
#define SRV_PW_HASH_MAX 128       /* >= crypto_pwhash_STRBYTES */

/* Is `name` a valid user name: 1-40 characters of ASCII letters, digits,
 * '.', '_' and '-'? On false, err gets a sentence saying why. */
bool srv_auth_name_ok(const char *name, char *err, size_t errlen);

/* Is `pw` acceptable as a password (8..1024 bytes)? On false, err says
 * why ("passwords must have at least 8 characters"). */
bool srv_auth_password_ok(const char *pw, char *err, size_t errlen);

/* Hashes pw with Argon2id (crypto_pwhash_str, interactive limits or
 * stronger) into out (an encoded string of < SRV_PW_HASH_MAX bytes).
 * Slow (~0.1 s, 64 MiB): never on the loop thread. Returns 0 or -1. */
int srv_auth_hash_password(const char *pw, char out[SRV_PW_HASH_MAX]);

/* Checks pw against an encoded hash. Slow like hashing. True on a match. */
bool srv_auth_verify_password(const char *encoded, const char *pw);

/* A fresh random secret: 32 bytes from the system CSPRNG, base64url
 * without padding (SRV_TOKEN_LEN chars + NUL). Used for session and invite
 * tokens. */
void srv_auth_token_new(char out[SRV_TOKEN_LEN + 1]);

/* A random password for generated accounts (22 url-safe chars + NUL). */
void srv_auth_password_new(char out[32]);

/* Does `token` look like one of ours (43 base64url chars)? Cheap check done
 * before any lookup. */
bool srv_auth_token_wellformed(const char *token);

/* SHA-256 of the token text: what the database stores. */
void srv_auth_token_hash(const char *token,
                         unsigned char out[SRV_TOKEN_HASH_LEN]);

/* ---- lookups (reader connection; loop thread or own connection) ---- */

/* Looks up the user of a session token (raw token as the client holds it),
 * using the reader connection db. Returns 0 and fills *u if the session
 * exists and has not expired; -1 otherwise. The token is looked up by its
 * hash and the stored hash compared in constant time. Also notes the
 * session as seen (last_seen is written in batches; see srv_auth_init). */
int srv_auth_token_user(db_conn *db, const char *token, struct srv_user *u);

/* The role of user_id in project_id, or SRV_ROLE_NONE if not a member (or
 * no such project). */
int srv_auth_member_role(db_conn *db, const char *project_id,
                         const char *user_id);

/* Is user_id the user of a guest session of a share link (an id starting
 * with "g_"; server/auth/links.h)? Pure, no lookup. */
bool srv_auth_is_guest_id(const char *user_id);

/* Finds a user by name (case-insensitive) or, failing that, by id. Returns
 * 0 and fills *u, or -1. */
int srv_auth_find_user(db_conn *db, const char *name_or_id,
                       struct srv_user *u);

/* ---- open connections and their sessions (auth_conns.c; loop thread) ---- */

/* The WebSocket close status of a connection whose session ended (logout,
 * password change, revocation, expiry). */
#define SRV_CLOSE_SESSION_ENDED 4401

/* The check auth registers with srv_ws_set_message_check: on a `hello` of
 * a connection not yet welcomed it notes the session the hello carries
 * (c->session); on any message of a welcomed connection whose session's
 * expiry has passed it closes c with 4401 and returns -1 (no query: the
 * expiry noted at hello, refreshed by srv_auth_conns_recheck). Else 0. */
int srv_auth_message_check(struct srv_conn *c, const char *type, json_t *msg);

/* Closes (4401, `reason`) every open connection of the session with this
 * token hash; returns how many. */
int srv_auth_conns_end_session(const unsigned char *hash, const char *reason);

/* ---- changes that close sockets on other nodes too (server/cluster) ---- */

/* kind: "member_removed" (project, id = the user id), "session_ended"
 * (project NULL, id = the token's SHA-256 in hex), "link_revoked"
 * (project, id = the link id). Called on the writer thread inside the
 * job that makes the change (db = its connection), after the change's
 * own writes, so that the event is committed with the change or not at
 * all (store_writer_notify); this node's sockets are closed by the job's
 * done callback. Returns 0, or -1 to fail the job. */
typedef int (*srv_auth_remote_fn)(db_conn *db, const char *kind,
                                  const char *project, const char *id);

/* Sets the function told of those changes (one; NULL clears it). */
void srv_auth_set_remote_close(srv_auth_remote_fn fn);

/* Tells the function set above, if any (auth's own write jobs, on the
 * writer thread). 0 when none is set. */
int srv_auth_remote_close(db_conn *db, const char *kind, const char *project,
                          const char *id);

/* Closes (4403) every socket of user_id in project_id, as removing the
 * member does here: for a removal another node committed. */
void srv_auth_conns_member_removed(const char *project_id,
                                   const char *user_id);

/* Looks up the sessions of all open connections in the database (one
 * query per 200 connections) and closes (4401) those whose session is
 * gone (password changed, revoked, logged out elsewhere) or expired.
 * auth's tick runs it about once a second. */
void srv_auth_conns_recheck(struct srv_server *srv);

/* ---- the permission table (perm.c): a view of the route tables ---- */

struct srv_perm_entry {
    const char *key;   /* WS: the message type; HTTP: "METHOD /pattern" */
    int scope;         /* enum srv_perm_scope */
    int role;          /* least enum srv_role (SRV_ROLE_NONE unless PROJECT) */
};

/* The whole tables, read from the registered routes (WebSocket types and
 * HTTP routes, in registration order), for tests and docs. The entries are
 * rebuilt on each call (loop thread or single-threaded tests). */
const struct srv_perm_entry *srv_perm_ws_table(int *n);
const struct srv_perm_entry *srv_perm_http_table(int *n);

/* The least role a WebSocket message type needs (from the permission
 * table): SRV_ROLE_NONE for types that need only a valid login (hello,
 * ping), or -1 if the type is unknown. */
int srv_perm_ws(const char *type);

/* The WebSocket check in one call, for ws.c: PROTO_OK (0) when a welcomed
 * connection with role c->role may send `type`; else the proto_code to
 * answer (PROTO_UNAUTHORIZED before welcome, PROTO_FORBIDDEN below the
 * role, PROTO_UNSUPPORTED for an unknown type). */
int srv_perm_ws_check(const struct srv_conn *c, const char *type);

/* The HTTP table entry for "METHOD /pattern", or NULL if absent. */
const struct srv_perm_entry *srv_perm_http(const char *key);

/* ---- the gate (every HTTP route passes it before its handler) ---- */

/* The HTTP gate that server/net/ runs before each route's handler (or its
 * on_begin), registered by srv_auth_init. The token comes from
 * `Authorization: Bearer` or else the session cookie.
 *   - SRV_PUBLIC: always allowed; req->who is filled if a valid session
 *     came along, else req->who.id is "".
 *   - SRV_LOGIN: a valid session is needed, else 401 unauthorized.
 *   - SRV_MEMBER(role): a user who is not a member of project_id (or a
 *     project that does not exist) gets 404 not_found, a member below the
 *     role 403 forbidden; req->role is the member's role.
 * Before all that, a state-changing request (POST, PUT, PATCH, DELETE)
 * that does not carry `Authorization: Bearer` (so one a browser could
 * send from another site with the cookie, and the login itself) is
 * refused with 403 forbidden when its Origin is not one srv_auth_origin_ok
 * accepts, or, without an Origin, when Sec-Fetch-Site is `cross-site`.
 * Returns 0 when allowed, or -1 with resp filled. Loop thread (reads
 * srv->db). */
int srv_auth_gate(struct srv_http_req *req, const struct srv_perm *perm,
                  const char *project_id, struct srv_http_resp *resp);

/* ---- origins ---- */

/* Is `origin` (the Origin header of a WebSocket upgrade or of a
 * state-changing HTTP request) acceptable: absent/empty,
 * the server's own origin given the request's Host (http://HOST, or
 * https://HOST when TLS is configured), or one of --allowed-origin?
 * Case-insensitive; a trailing '/' is ignored. */
bool srv_auth_origin_ok(const struct srv_server *srv, const char *origin,
                        const char *host);

/* The client address of an HTTP request from `peer` (the socket's
 * address) carrying X-Forwarded-For `xff` ("" if absent): the peer itself,
 * unless the peer is one of srv->cfg.trusted_proxies; then the right-most
 * address of xff that is not itself a trusted proxy (the left-most when
 * all are; the peer when xff is empty). Addresses compare with an
 * IPv4-mapped "::ffff:" prefix ignored. Writes at most n-1 bytes. */
void srv_auth_client_addr(const struct srv_server *srv, const char *peer,
                          const char *xff, char *out, size_t n);

/* ---- server wiring ---- */

/* Registers the HTTP routes of auth and projects (login, logout, me,
 * projects, members, invites), the tick that writes last_seen in batches
 * and expires old sessions, and the stop hook that flushes it and stops the
 * login verifier threads. Call once before srv_loop_run. */
void srv_auth_init(void);

/* Creates, if missing, the user `demo` (generated password, saved in
 * <data_dir>/demo-password.txt, mode 0600) and a project "Demo song"
 * owned by it, on its own database connection (migrations must have run).
 * Fills project_id with the demo project's id and msg with a line for the
 * console saying how to log in (it contains the password when the file is
 * readable: print it on stdout, never through srv_log). Returns 1 when
 * something was created, 0 when all existed, -1 on error (msg says why). */
int srv_auth_ensure_demo(const char *data_dir, char *project_id,
                         size_t idlen, char *msg, size_t msglen);

#endif
