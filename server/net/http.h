/* http.h -- HTTP on the event loop: the route table, requests with their
 * buffered JSON body (or a streamed body for uploads), responses (JSON,
 * files, streamed producers) and deferred responses completed later from
 * the loop thread. */
#ifndef MIXROOM_SERVER_HTTP_H
#define MIXROOM_SERVER_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol/errors.h"
#include "server/core/access.h"

struct srv_server;
struct lws;

#define SRV_HTTP_MAX_PARAMS 4
/* The longest path or query a request may have (the max_path_bytes
 * setting is at most this). */
#define SRV_HTTP_MAX_PATH 4000

/* A request as a handler sees it. Memory belongs to the HTTP layer. */
struct srv_http_req {
    struct srv_server *srv;
    struct lws *wsi;             /* NULL once the connection is gone */
    char method[8];
    char path[SRV_HTTP_MAX_PATH + 1];  /* decoded path, no query */
    char query[SRV_HTTP_MAX_PATH + 1]; /* raw query string without '?' */
    char peer[64];               /* client address */
    char cookie_token[128];      /* value of the session cookie, or "" */
    char bearer_token[128];      /* Authorization: Bearer value, or "" */
    char origin[256];
    char host[256];              /* Host header, or "" */
    char forwarded_for[512];     /* X-Forwarded-For, or "" */
    char fetch_site[32];         /* Sec-Fetch-Site, or "" */
    char content_type[128];
    int64_t content_length;      /* -1 if not given */
    int n_params;
    char params[SRV_HTTP_MAX_PARAMS][128]; /* {x} segments of the route pattern */
    unsigned char *body;         /* buffered body (NUL-terminated), or NULL */
    size_t body_len;
    void *user;                  /* handler's own state (streams, defers) */
    /* Filled by the gate before the handler (or on_begin) runs: */
    struct srv_user who;         /* who is asking; who.id is "" for a public
                                    route called without a valid session */
    int role;                    /* their role in project_id for SRV_MEMBER
                                    routes, else SRV_ROLE_NONE */
    char project_id[128];        /* the project a SRV_MEMBER route is about */
};

/* A response: status, content type, body bytes, extra header lines. */
struct srv_http_resp {
    int status;
    char content_type[64];
    char headers[1024];          /* extra "Name: value\r\n" lines */
    unsigned char *body;         /* malloc'd; freed by the HTTP layer */
    size_t body_len;
    /* Streamed body: when produce is set, it is called on the loop thread
     * each time the socket can take more; it fills buf with up to len bytes
     * and returns the count, 0 when finished, -1 on error, or
     * SRV_HTTP_AGAIN when nothing is ready yet (call srv_http_wake later).
     * close(ctx) runs when done or when the client goes away. */
    ssize_t (*produce)(void *ctx, unsigned char *buf, size_t len);
    void (*close)(void *ctx);
    void *ctx;
    int64_t stream_length;       /* Content-Length of a stream, or -1 */
};

#define SRV_HTTP_AGAIN ((ssize_t)-2)

enum srv_http_result {
    SRV_HTTP_DONE = 0,    /* resp is filled; send it */
    SRV_HTTP_DEFER = 1,   /* answer later with srv_http_complete */
};

/* Route flags. */
#define SRV_ROUTE_STREAM_BODY 1u /* body goes to on_body chunk by chunk */

typedef enum srv_http_result (*srv_http_handler)(struct srv_http_req *req,
                                                 struct srv_http_resp *resp);

struct srv_route {
    const char *method;          /* "GET", "POST", ... */
    const char *pattern;         /* "/api/projects/{id}/assets": {x} matches one segment */
    struct srv_perm perm;        /* who may call it: SRV_PUBLIC, SRV_LOGIN,
                                    SRV_MEMBER(role); the gate checks it
                                    before on_begin or the handler */
    srv_http_handler handler;    /* called when the body is complete */
    unsigned flags;
    /* For SRV_ROUTE_STREAM_BODY: on_begin runs when headers are in (return
     * non-0 with resp filled to refuse at once, e.g. 413/403); on_body gets
     * each chunk (return non-0 with resp filled to stop, e.g. 413); then
     * handler runs at the end. on_abort runs if the client goes away. */
    int (*on_begin)(struct srv_http_req *req, struct srv_http_resp *resp);
    int (*on_body)(struct srv_http_req *req, const unsigned char *chunk,
                   size_t len, struct srv_http_resp *resp);
    void (*on_abort)(struct srv_http_req *req);
    /* For SRV_MEMBER routes whose first {x} is not the project id: writes
     * the id of the project the request is about into out ("" or an id
     * that matches no project when there is none: the gate then answers
     * 404). NULL: the first path parameter is the project id. */
    void (*project_of)(struct srv_http_req *req, char *out, size_t n);
};

/* The gate: decides whether req may use a route that needs perm (for
 * SRV_MEMBER routes, in project_id). Fills req->who and req->role and
 * returns 0 to allow, or returns -1 with resp filled (401, 403, 404).
 * Registered by server/auth/ (srv_http_set_gate); without one, only
 * SRV_PUBLIC routes are served (fail closed). Loop thread. */
typedef int (*srv_http_gate_fn)(struct srv_http_req *req,
                                const struct srv_perm *perm,
                                const char *project_id,
                                struct srv_http_resp *resp);

/* Sets the gate. Call before the loop starts. */
void srv_http_set_gate(srv_http_gate_fn gate);

/* Decides whether a WebSocket upgrade from `origin` (non-empty) to a
 * server reached as `host` is allowed. Registered by server/auth/; without
 * one, every upgrade that carries an Origin is refused. */
typedef bool (*srv_http_origin_fn)(const struct srv_server *srv,
                                   const char *origin, const char *host);

/* Sets the origin check. Call before the loop starts. */
void srv_http_set_origin_check(srv_http_origin_fn fn);

/* Every registered route, in registration order (for the permission
 * table's view and its tests). */
const struct srv_route *srv_http_routes(int *n);

/* Adds routes (a static array with n entries) to the table. Call from a
 * module's init before the loop starts. */
void srv_http_add_routes(const struct srv_route *routes, int n);

/* Serves the requests of an already registered route (method, pattern)
 * whose query has key=value with handler instead of the route's own (the
 * gate still checks the route's .perm first). One module can so add a
 * variant of another's endpoint, e.g. the export route's
 * format=dawproject (server/interchange/), without a second route of the
 * same path. Call before the loop starts; the strings must be static. */
void srv_http_add_variant(const char *method, const char *pattern,
                          const char *key, const char *value,
                          srv_http_handler handler);

/* Fills resp with a JSON body (takes the reference to j) and status. */
enum srv_http_result srv_http_json(struct srv_http_resp *resp, int status,
                                   json_t *j);

/* Fills resp with {"code","message"} and the code's HTTP status (or
 * `status` if non-zero). */
enum srv_http_result srv_http_error(struct srv_http_resp *resp,
                                    proto_code code, int status,
                                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills resp with {"code","message","asset"} and status (or the code's
 * HTTP status if 0): a render that refused because the audio of `asset`
 * is missing (an export, the loudness route), or srv_http_error's body
 * when asset is empty. */
enum srv_http_result srv_http_error_asset(struct srv_http_resp *resp,
                                          proto_code code, int status,
                                          const char *message,
                                          const char *asset);

/* Appends a header line ("Name: value") to resp. */
void srv_http_add_header(struct srv_http_resp *resp, const char *name,
                         const char *value);

/* Parses req->body as a JSON object; on failure fills resp with a 400 (or
 * 413 when too large) and returns NULL. New reference. */
json_t *srv_http_body_json(struct srv_http_req *req, struct srv_http_resp *resp);

/* Copies the value of query parameter `name` (URL-decoded) into out;
 * returns false if absent. */
bool srv_http_query(const struct srv_http_req *req, const char *name,
                    char *out, size_t outlen);

/* A deferred request: after returning SRV_HTTP_DEFER, a handler keeps
 * `req` and later (on the loop thread; from another thread go through
 * srv_loop_post) calls srv_http_complete with the filled response. If the
 * client went away meanwhile, req->wsi is NULL and complete just frees.
 * A handler must call exactly one complete per defer. */
void srv_http_complete(struct srv_http_req *req, struct srv_http_resp *resp);

/* Wakes a streamed response whose producer returned SRV_HTTP_AGAIN (loop
 * thread only). */
void srv_http_wake(struct srv_http_req *req);

/* The security headers every response carries (CSP, nosniff, frame and
 * referrer policy), as "Name: value\r\n" lines. */
extern const char srv_http_security_headers[];

/* Internal (ws.c, http.c): the value of the session cookie
 * ("mixroom_session") of wsi's request headers into out, or "". */
void srv_http_session_cookie(struct lws *wsi, char *out, size_t outlen);

/* Internal: the lws HTTP callback (used by loop.c). */
int srv_http_callback(struct lws *wsi, int reason, void *user, void *in,
                      size_t len);

#endif
