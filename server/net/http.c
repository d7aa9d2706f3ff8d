/* http.c -- HTTP on the event loop: matches a request against the route
 * table, buffers a JSON body (or streams an upload body to the route),
 * calls the handler, and writes the response: a buffer, a streamed
 * producer, or a static file from the web directory. Also the WebSocket
 * upgrade gate (path, subprotocol, origin). Loop thread only. */
#include "server/net/http.h"

#include <assert.h>
#include <ctype.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/core/log.h"
#include "server/core/server.h"
#include "server/net/http_parse.h"
#include "server/net/static.h"

#define MAX_ROUTES 128
#define SESSION_COOKIE "mixroom_session"

/* The route table: filled by module inits before the loop starts. */
static struct srv_route routes[MAX_ROUTES];
static int n_routes;

/* Query variants of routes (srv_http_add_variant): filled before the loop
 * starts, read-only after. */
#define MAX_VARIANTS 16
static struct variant {
    const char *method, *pattern, *key, *value;
    srv_http_handler handler;
} variants[MAX_VARIANTS];
static int n_variants;

/* Set by server/auth/ before the loop starts; read-only after. */
static srv_http_gate_fn gate;
static srv_http_origin_fn origin_check;

const char srv_http_security_headers[] =
    "content-security-policy: default-src 'none'; script-src 'self' "
    "'wasm-unsafe-eval'; worker-src 'self' blob:; media-src 'self' blob:; "
    "connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
    "style-src 'self'; font-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'\r\n"
    "x-content-type-options: nosniff\r\n"
    "x-frame-options: deny\r\n"
    "referrer-policy: no-referrer\r\n";

/* One HTTP transaction. The request comes first so a handler's req pointer
 * leads back here. */
struct http_conn {
    struct srv_http_req req;
    struct srv_http_resp resp;
    const struct srv_route *route;
    size_t body_cap;
    bool body_too_large;
    bool streaming_body;     /* route takes the body chunk by chunk */
    bool deferred;           /* handler answered SRV_HTTP_DEFER */
    bool ready;              /* resp is filled, waiting to be written */
    bool headers_sent;
    bool close_after;        /* hang up after the response (early 413) */
    bool draining;           /* answered early: reading and dropping the
                                rest of the body (drain_bytes/seconds) */
    bool drained;            /* the dropped body is all read: the next
                                writeable completes the transaction */
    bool hard_close;         /* hang up even with the body all read (the
                                request's headers were refused) */
    bool says_close;         /* the answer said "Connection: close" */
    int64_t body_seen;       /* body bytes received so far */
    size_t sent;             /* body bytes written */
    bool stream_done;
};

void srv_http_set_gate(srv_http_gate_fn fn)
{
    gate = fn;
}

void srv_http_set_origin_check(srv_http_origin_fn fn)
{
    origin_check = fn;
}

const struct srv_route *srv_http_routes(int *n)
{
    *n = n_routes;
    return routes;
}

/* Runs the gate for hc's route. Returns 0 to go on, or -1 with hc->resp
 * filled. */
static int pass_gate(struct http_conn *hc)
{
    const struct srv_route *r = hc->route;
    struct srv_http_req *req = &hc->req;

    assert(srv_on_loop_thread());
    req->role = SRV_ROLE_NONE;
    if (r->perm.scope == SRV_PERM_PROJECT) {
        if (r->project_of)
            r->project_of(req, req->project_id, sizeof req->project_id);
        else
            snprintf(req->project_id, sizeof req->project_id, "%s",
                     req->n_params > 0 ? req->params[0] : "");
    }
    if (gate)
        return gate(req, &r->perm, req->project_id, &hc->resp);
    if (r->perm.scope == SRV_PERM_PUBLIC)
        return 0;
    srv_err("http: no gate is registered; refusing %s %s", r->method,
            r->pattern);
    srv_http_error(&hc->resp, PROTO_INTERNAL, 500,
                   "this endpoint is not configured");
    return -1;
}

void srv_http_add_variant(const char *method, const char *pattern,
                          const char *key, const char *value,
                          srv_http_handler handler)
{
    assert(n_variants < MAX_VARIANTS);
    if (n_variants < MAX_VARIANTS)
        variants[n_variants++] = (struct variant){method, pattern, key, value,
                                                  handler};
}

/* The handler of a variant of hc's route that matches its query, or the
 * route's own. */
static srv_http_handler handler_of(struct http_conn *hc)
{
    char v[64];

    for (int i = 0; i < n_variants; i++)
        if (!strcmp(variants[i].method, hc->route->method) &&
            !strcmp(variants[i].pattern, hc->route->pattern) &&
            srv_http_query(&hc->req, variants[i].key, v, sizeof v) &&
            !strcmp(v, variants[i].value))
            return variants[i].handler;
    return hc->route->handler;
}

void srv_http_add_routes(const struct srv_route *r, int n)
{
    for (int i = 0; i < n && n_routes < MAX_ROUTES; i++)
        routes[n_routes++] = r[i];
    assert(n_routes < MAX_ROUTES);
}

enum srv_http_result srv_http_json(struct srv_http_resp *resp, int status,
                                   json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);

    json_decref(j);
    free(resp->body);
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type,
             "application/json");
    resp->body = (unsigned char *)(text ? text : strdup("{}"));
    resp->body_len = strlen((char *)resp->body);
    return SRV_HTTP_DONE;
}

enum srv_http_result srv_http_error(struct srv_http_resp *resp,
                                    proto_code code, int status,
                                    const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    srv_text_vformat(msg, sizeof msg, fmt, ap); /* valid UTF-8 */
    va_end(ap);
    return srv_http_json(resp, status ? status : proto_code_http_status(code),
                         json_pack("{s:s, s:s}", "code", proto_code_name(code),
                                   "message", msg));
}

enum srv_http_result srv_http_error_asset(struct srv_http_resp *resp,
                                          proto_code code, int status,
                                          const char *message,
                                          const char *asset)
{
    json_t *e = asset && asset[0]
                    ? json_pack("{s:s, s:s, s:s}", "code", proto_code_name(code),
                                "message", message, "asset", asset)
                    : NULL;

    if (!e) /* no asset, or text that is not UTF-8 (made valid there) */
        return srv_http_error(resp, code, status, "%s", message);
    return srv_http_json(resp, status ? status : proto_code_http_status(code), e);
}

void srv_http_add_header(struct srv_http_resp *resp, const char *name,
                         const char *value)
{
    size_t used = strlen(resp->headers);

    snprintf(resp->headers + used, sizeof resp->headers - used, "%s: %s\r\n",
             name, value);
}

json_t *srv_http_body_json(struct srv_http_req *req, struct srv_http_resp *resp)
{
    char msg[1024];
    proto_code code;
    json_t *j = srv_http_parse_json_object(req->body, req->body_len, &code,
                                           msg, sizeof msg);

    if (!j)
        srv_http_error(resp, code, 400, "%s", msg);
    return j;
}

bool srv_http_query(const struct srv_http_req *req, const char *name,
                    char *out, size_t outlen)
{
    return srv_http_query_value(req->query, name, out, outlen);
}

/* Matches path against pattern; fills req's params. */
static bool match(const char *pattern, const char *path,
                  struct srv_http_req *req)
{
    return srv_http_match(pattern, path, &req->params[0][0],
                          sizeof req->params[0], SRV_HTTP_MAX_PARAMS,
                          &req->n_params);
}

static void free_conn(struct http_conn *hc)
{
    if (!hc)
        return;
    if (hc->resp.close && hc->resp.ctx)
        hc->resp.close(hc->resp.ctx);
    free(hc->resp.body);
    free(hc->req.body);
    free(hc);
}

static void copy_hdr(struct lws *wsi, enum lws_token_indexes t, char *out,
                     size_t n)
{
    out[0] = '\0';
    if (lws_hdr_total_length(wsi, t) > 0)
        if (lws_hdr_copy(wsi, out, (int)n, t) < 0)
            out[0] = '\0';
}

static void read_method(struct lws *wsi, char *m, size_t n)
{
    static const struct {
        enum lws_token_indexes t;
        const char *name;
    } methods[] = {
        {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
        {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},
        {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
        {WSI_TOKEN_HEAD_URI, "HEAD"},
    };
    snprintf(m, n, "GET");
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].t) > 0) {
            snprintf(m, n, "%s", methods[i].name);
            return;
        }
}

static void read_query(struct lws *wsi, char *q, size_t n)
{
    char frag[1024];
    size_t used = 0;

    q[0] = '\0';
    for (int i = 0; i < 32; i++) {
        int len = lws_hdr_copy_fragment(wsi, frag, sizeof frag,
                                        WSI_TOKEN_HTTP_URI_ARGS, i);
        if (len < 0)
            break;
        int w = snprintf(q + used, n - used, "%s%s", used ? "&" : "", frag);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

void srv_http_session_cookie(struct lws *wsi, char *out, size_t outlen)
{
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE);
    char *header;

    out[0] = '\0';
    if (n <= 0 || !(header = malloc((size_t)n + 1)))
        return;
    if (lws_hdr_copy(wsi, header, n + 1, WSI_TOKEN_HTTP_COOKIE) >= 0)
        srv_http_cookie_value(header, SESSION_COOKIE, out, outlen);
    free(header);
}

static void read_tokens(struct lws *wsi, struct srv_http_req *req)
{
    char auth[256];

    srv_http_session_cookie(wsi, req->cookie_token, sizeof req->cookie_token);
    copy_hdr(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof auth);
    srv_http_bearer(auth, req->bearer_token, sizeof req->bearer_token);
}

/* Fills the request from the headers of a new transaction. */
static void read_request(struct lws *wsi, const char *uri,
                         struct srv_http_req *req)
{
    char len[32];

    req->srv = srv_server_instance;
    req->wsi = wsi;
    read_method(wsi, req->method, sizeof req->method);
    snprintf(req->path, sizeof req->path, "%s", uri ? uri : "/");
    read_query(wsi, req->query, sizeof req->query);
    lws_get_peer_simple(wsi, req->peer, sizeof req->peer);
    read_tokens(wsi, req);
    copy_hdr(wsi, WSI_TOKEN_ORIGIN, req->origin, sizeof req->origin);
    copy_hdr(wsi, WSI_TOKEN_HOST, req->host, sizeof req->host);
    copy_hdr(wsi, WSI_TOKEN_X_FORWARDED_FOR, req->forwarded_for,
             sizeof req->forwarded_for);
    if (lws_hdr_custom_copy(wsi, req->fetch_site, sizeof req->fetch_site,
                            "sec-fetch-site:", 15) < 0)
        req->fetch_site[0] = '\0';
    copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, req->content_type,
             sizeof req->content_type);
    copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, len, sizeof len);
    req->content_length = len[0] ? strtoll(len, NULL, 10) : -1;
}

static void make_ready(struct http_conn *hc)
{
    hc->ready = true;
    if (hc->req.wsi)
        lws_callback_on_writable(hc->req.wsi);
}

/* Runs the route's handler once the body is complete. */
static void dispatch(struct http_conn *hc)
{
    enum srv_http_result r;

    if (hc->body_too_large) {
        srv_http_error(&hc->resp, PROTO_TOO_LARGE, 413,
                       "the request body is larger than %lld bytes",
                       (long long)hc->req.srv->cfg.json_limit);
        make_ready(hc);
        return;
    }
    /* a streamed body passed the gate before on_begin */
    if (!hc->streaming_body && pass_gate(hc) != 0) {
        make_ready(hc);
        return;
    }
    r = handler_of(hc)(&hc->req, &hc->resp);
    if (r == SRV_HTTP_DEFER) {
        hc->deferred = true;
        return;
    }
    make_ready(hc);
}

void srv_http_complete(struct srv_http_req *req, struct srv_http_resp *resp)
{
    struct http_conn *hc = (struct http_conn *)req;

    assert(srv_on_loop_thread());
    assert(hc->deferred);
    if (resp != &hc->resp) {
        free(hc->resp.body);
        hc->resp = *resp;
        memset(resp, 0, sizeof *resp);
    }
    hc->deferred = false;
    if (!req->wsi) {
        free_conn(hc); /* the client went away meanwhile */
        return;
    }
    make_ready(hc);
}

void srv_http_wake(struct srv_http_req *req)
{
    assert(srv_on_loop_thread());
    if (req->wsi)
        lws_callback_on_writable(req->wsi);
}

/* True if headers (lines "Name: value\r\n") has a line named name
 * (lower case; compared case-insensitively). */
static bool has_header(const char *headers, const char *name)
{
    size_t n = strlen(name);

    for (const char *line = headers; line && *line;) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':')
            return true;
        line = strstr(line, "\r\n");
        if (line)
            line += 2;
    }
    return false;
}

/* Will the connection be hung up after this early refusal whatever the
 * client sends next: the headers were refused, the body is chunked (whose
 * end libwebsockets 4.1 does not report), or more of it is left than
 * drain_bytes lets the server read? Then the answer says "Connection:
 * close", so that the client sends its next request on a new connection
 * instead of on one the server is about to close (a browser does not
 * retry a POST that met a closed socket). */
static bool refusal_closes(struct lws *wsi, const struct http_conn *hc)
{
    const struct srv_config *cfg = &hc->req.srv->cfg;

    if (!hc->close_after)
        return false;
    if (hc->hard_close ||
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return true;
    if (hc->req.content_length <= hc->body_seen)
        return false; /* all read: the connection goes on */
    return hc->req.content_length >= cfg->drain_bytes ||
           cfg->drain_seconds <= 0;
}

static int write_headers(struct lws *wsi, struct http_conn *hc)
{
    unsigned char buf[LWS_PRE + 4096], *start = buf + LWS_PRE, *p = start,
                                        *end = buf + sizeof buf - 1;
    struct srv_http_resp *resp = &hc->resp;
    lws_filepos_t clen = resp->produce
                             ? (resp->stream_length >= 0
                                    ? (lws_filepos_t)resp->stream_length
                                    : LWS_ILLEGAL_HTTP_CONTENT_LEN)
                             : (lws_filepos_t)resp->body_len;
    char all[sizeof srv_http_security_headers + sizeof resp->headers];
    char *line = all;

    if (lws_add_http_common_headers(wsi, (unsigned int)resp->status,
                                    resp->content_type[0] ? resp->content_type
                                                          : "application/json",
                                    clen, &p, end))
        return -1;
    /* no-store unless the route chose its own (peaks are cached a day):
     * one Cache-Control, never two that disagree */
    if (!has_header(resp->headers, "cache-control") &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p,
                                    end))
        return -1;
    if (refusal_closes(wsi, hc)) {
        hc->says_close = true;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                        (const unsigned char *)"close", 5, &p,
                                        end))
            return -1;
    }
    snprintf(all, sizeof all, "%s%s", srv_http_security_headers,
             resp->headers);
    while (*line) {
        char name[128], *colon = strchr(line, ':'), *eol = strstr(line, "\r\n");
        if (!colon || !eol || colon > eol || (size_t)(colon - line) >= 126)
            break;
        size_t nl = (size_t)(colon - line);
        for (size_t i = 0; i < nl; i++)
            name[i] = (char)tolower((unsigned char)line[i]);
        name[nl] = ':';
        name[nl + 1] = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                        (const unsigned char *)v,
                                        (int)(eol - v), &p, end))
            return -1;
        line = eol + 2;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    hc->headers_sent = true;
    return 0;
}

/* Writes the next piece of the response; returns -1 to close, 1 when the
 * transaction is complete, 0 to wait for the next WRITEABLE. */
static int write_some(struct lws *wsi, struct http_conn *hc)
{
    unsigned char buf[LWS_PRE + 16384];
    struct srv_http_resp *resp = &hc->resp;

    if (!hc->headers_sent) {
        if (write_headers(wsi, hc))
            return -1;
        if (!strcmp(hc->req.method, "HEAD"))
            return 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (resp->produce) {
        ssize_t n = resp->produce(resp->ctx, buf + LWS_PRE, sizeof buf - LWS_PRE);
        if (n == SRV_HTTP_AGAIN)
            return 0;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_HTTP_FINAL) < 0)
                return -1;
            return resp->stream_length >= 0 ? 1 : -1;
        }
        if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP) != n)
            return -1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    size_t left = resp->body_len - hc->sent;
    size_t n = left < sizeof buf - LWS_PRE ? left : sizeof buf - LWS_PRE;
    if (n)
        memcpy(buf + LWS_PRE, resp->body + hc->sent, n);
    bool last = hc->sent + n == resp->body_len;
    if (lws_write(wsi, buf + LWS_PRE, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
        return -1;
    hc->sent += n;
    if (last)
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

/* The bytes of the request headers that libwebsockets kept, without the
 * request line (the URI tokens). Headers lws does not know by name are
 * kept too but cannot be listed; they count against its buffer only. */
static int64_t header_bytes(struct lws *wsi)
{
    int64_t n = 0;

    for (int t = 0; t < (int)WSI_TOKEN_COUNT; t++) {
        if (t == WSI_TOKEN_GET_URI || t == WSI_TOKEN_POST_URI ||
            t == WSI_TOKEN_HTTP_URI_ARGS)
            continue;
        int len = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
        if (len > 0)
            n += len;
    }
    return n;
}

/* Answers 414 for a path or query over max_path_bytes and 431 for headers
 * over max_header_bytes; true when hc->resp is filled. */
static bool request_too_large(struct lws *wsi, const char *uri,
                              struct http_conn *hc)
{
    const struct srv_config *cfg = &hc->req.srv->cfg;
    size_t path = uri ? strlen(uri) : 0;
    int query = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    int64_t headers = header_bytes(wsi);

    if ((int64_t)path > cfg->max_path_bytes ||
        (int64_t)query > cfg->max_path_bytes) {
        srv_http_error(&hc->resp, PROTO_TOO_LARGE, 414,
                       "the request %s is %zu bytes long; at most %lld are "
                       "accepted (setting max_path_bytes)",
                       (int64_t)path > cfg->max_path_bytes ? "path" : "query",
                       (int64_t)path > cfg->max_path_bytes ? path
                                                           : (size_t)query,
                       (long long)cfg->max_path_bytes);
        return true;
    }
    if (headers > cfg->max_header_bytes) {
        srv_http_error(&hc->resp, PROTO_TOO_LARGE, 431,
                       "the request headers are %lld bytes; at most %lld are "
                       "accepted (setting max_header_bytes)",
                       (long long)headers, (long long)cfg->max_header_bytes);
        return true;
    }
    return false;
}

static int start_transaction(struct lws *wsi, struct http_conn **slot,
                             const char *uri)
{
    struct http_conn *hc = calloc(1, sizeof *hc);
    const struct srv_route *path_match = NULL;

    if (!hc)
        return -1;
    *slot = hc;
    read_request(wsi, uri, &hc->req);
    if (request_too_large(wsi, uri, hc)) {
        hc->close_after = true;
        hc->hard_close = true;
        make_ready(hc);
        return 0;
    }
    for (int i = 0; i < n_routes; i++) {
        if (!match(routes[i].pattern, hc->req.path, &hc->req))
            continue;
        path_match = &routes[i];
        if (!strcmp(routes[i].method, hc->req.method) ||
            (!strcmp(hc->req.method, "HEAD") &&
             !strcmp(routes[i].method, "GET"))) {
            hc->route = &routes[i];
            break;
        }
    }
    if (!hc->route) {
        if (!path_match && strncmp(hc->req.path, "/api/", 5) &&
            (!strcmp(hc->req.method, "GET") || !strcmp(hc->req.method, "HEAD"))) {
            int r = srv_static_serve(wsi, hc->req.srv, hc->req.path,
                                     &hc->resp);
            if (r == 1) /* lws is sending the file */
                return 0;
        } else if (path_match) {
            srv_http_error(&hc->resp, PROTO_BAD_REQUEST, 405,
                           "%s is not allowed on %s", hc->req.method,
                           hc->req.path);
        } else {
            srv_http_error(&hc->resp, PROTO_NOT_FOUND, 404,
                           "nothing at %s", hc->req.path);
        }
        make_ready(hc);
        return 0;
    }
    bool chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    hc->streaming_body = (hc->route->flags & SRV_ROUTE_STREAM_BODY) != 0;
    if (hc->streaming_body &&
        (pass_gate(hc) != 0 ||
         (hc->route->on_begin && hc->route->on_begin(&hc->req, &hc->resp)))) {
        /* a body is coming (a chunked one too): drain it, or hang up */
        hc->close_after = hc->req.content_length > 0 || chunked;
        make_ready(hc);
        return 0;
    }
    if (!hc->streaming_body && hc->req.content_length > hc->req.srv->cfg.json_limit) {
        hc->body_too_large = true;
        hc->close_after = true;
        dispatch(hc);
        return 0;
    }
    if (chunked && !hc->streaming_body) {
        /* libwebsockets 4.1 does not signal the end of a chunked body. */
        srv_http_error(&hc->resp, PROTO_BAD_REQUEST, 411,
                       "send the JSON body with a Content-Length header");
        hc->close_after = true;
        make_ready(hc);
        return 0;
    }
    if (hc->req.content_length <= 0 && !chunked)
        dispatch(hc);
    return 0;
}

static int on_body(struct http_conn *hc, const void *in, size_t len)
{
    hc->body_seen += (int64_t)len;
    if (hc->draining)
        return hc->body_seen >= hc->req.srv->cfg.drain_bytes ? -1 : 0;
    if (hc->ready || hc->deferred)
        return 0; /* answered early; drop the rest */
    if (hc->streaming_body) {
        if (hc->route->on_body &&
            hc->route->on_body(&hc->req, in, len, &hc->resp)) {
            hc->close_after = true;
            make_ready(hc);
        }
        return 0;
    }
    if (hc->body_too_large)
        return 0;
    if (hc->req.body_len + len > (size_t)hc->req.srv->cfg.json_limit) {
        hc->body_too_large = true;
        return 0;
    }
    if (hc->req.body_len + len + 1 > hc->body_cap) {
        size_t cap = hc->body_cap ? hc->body_cap * 2 : 4096;
        while (cap < hc->req.body_len + len + 1)
            cap *= 2;
        unsigned char *nb = realloc(hc->req.body, cap);
        if (!nb)
            return -1;
        hc->req.body = nb;
        hc->body_cap = cap;
    }
    memcpy(hc->req.body + hc->req.body_len, in, len);
    hc->req.body_len += len;
    hc->req.body[hc->req.body_len] = '\0';
    return 0;
}

/* Refuses a WebSocket upgrade unless it is to /ws with mixroom.v1 and an
 * acceptable origin. Returns 0 to allow, 1 when refused (status sent). */
static int confirm_upgrade(struct lws *wsi)
{
    char uri[256], proto[256], origin[256], host[256];
    struct srv_server *srv = srv_server_instance;

    copy_hdr(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri);
    copy_hdr(wsi, WSI_TOKEN_PROTOCOL, proto, sizeof proto);
    copy_hdr(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin);
    copy_hdr(wsi, WSI_TOKEN_HOST, host, sizeof host);
    if (strcmp(uri, "/ws") != 0) {
        lws_return_http_status(wsi, 404, "WebSocket connections go to /ws");
        return 1;
    }
    if (!strstr(proto, "mixroom.v1")) {
        lws_return_http_status(wsi, 400,
                               "the WebSocket subprotocol must be mixroom.v1");
        return 1;
    }
    if (origin[0] && (!origin_check || !origin_check(srv, origin, host))) {
        srv_warn("refused WebSocket upgrade from origin %s", origin);
        lws_return_http_status(wsi, 403, "this origin may not connect");
        return 1;
    }
    return 0;
}

/* After an early refusal has been written: is the request's body all
 * read (a Content-Length body whose last byte came; libwebsockets 4.1
 * does not report the end of a chunked one)? Then the connection is at
 * the next request and stays open (the answer said keep-alive, so the
 * client may send its next request on it). */
static bool body_all_read(struct lws *wsi, const struct http_conn *hc)
{
    return !hc->hard_close && !hc->says_close &&
           lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0 &&
           hc->body_seen >= hc->req.content_length;
}

/* After an early refusal has been written: when the client is still
 * sending a body (Content-Length not reached, or a chunked body, whose end
 * libwebsockets 4.1 does not report), keep reading and dropping it for at
 * most drain_bytes and drain_seconds, so that it reads the answer instead
 * of a reset; then the connection goes on with the next request when the
 * body was all read, else hangs up. True when draining began. */
static bool start_draining(struct lws *wsi, struct http_conn *hc)
{
    const struct srv_config *cfg = &hc->req.srv->cfg;
    bool chunked =
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;

    if ((!chunked && hc->req.content_length <= hc->body_seen) ||
        hc->body_seen >= cfg->drain_bytes || cfg->drain_seconds <= 0)
        return false;
    hc->draining = true;
    hc->ready = false;
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
                    (int)cfg->drain_seconds);
    return true;
}

int srv_http_callback(struct lws *wsi, int reason, void *user, void *in,
                      size_t len)
{
    struct http_conn **slot = user;
    struct http_conn *hc = slot ? *slot : NULL;
    int r;

    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return -1; /* no WebSocket without the mixroom.v1 subprotocol */
    case LWS_CALLBACK_HTTP:
        if (hc) {
            free_conn(hc);
            *slot = NULL;
        }
        return start_transaction(wsi, slot, in);
    case LWS_CALLBACK_HTTP_BODY:
        return hc ? on_body(hc, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (hc && hc->draining) {
            if (hc->says_close)
                return -1; /* as the answer said */
            /* the refused body is all read: the connection is at the next
             * request; the transaction completes on the next writeable, as
             * every answer's does */
            hc->draining = false;
            hc->drained = true;
            lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
            lws_callback_on_writable(wsi);
            return 0;
        }
        if (hc && !hc->ready && !hc->deferred)
            dispatch(hc);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (hc && hc->drained) {
            free_conn(hc);
            *slot = NULL;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        if (!hc || !hc->ready)
            return 0;
        r = write_some(wsi, hc);
        if (r < 0)
            return -1;
        if (r == 1) {
            bool close_after = hc->close_after && !body_all_read(wsi, hc);
            if (close_after && start_draining(wsi, hc))
                return 0;
            free_conn(hc);
            *slot = NULL;
            if (close_after || lws_http_transaction_completed(wsi))
                return -1;
        }
        return 0;
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        if (hc) {
            free_conn(hc);
            *slot = NULL;
        }
        if (lws_http_transaction_completed(wsi))
            return -1;
        return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (hc) {
            *slot = NULL;
            if (hc->streaming_body && !hc->ready && hc->route &&
                hc->route->on_abort)
                hc->route->on_abort(&hc->req);
            if (hc->deferred)
                hc->req.wsi = NULL; /* srv_http_complete frees it */
            else
                free_conn(hc);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, (enum lws_callback_reasons)reason,
                                       user, in, len);
    }
}
