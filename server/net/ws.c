/* ws.c -- WebSocket sessions: frame assembly with the 1 MiB limit, JSON
 * parsing and the rules every message goes through (a string `type`, hello
 * first, the permission table, the type's field table: ws_params.h),
 * dispatch to registered handlers, and the
 * outgoing queues (several whole frames per WRITEABLE callback, one
 * send: see on_writeable). */
#include "server/net/ws.h"

#include <assert.h>
#include <libwebsockets.h>
#include <linux/sockios.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/net/http.h"
#include "server/net/http_parse.h"
#include "server/net/ws_envelope.h"

#define MAX_WS_ROUTES 64
#define CTL_QUEUE_LIMIT (16u * 1024 * 1024)

/* Handlers and close hooks: registered by module inits before the loop
 * starts, read-only afterwards. */
static struct srv_ws_route ws_routes[MAX_WS_ROUTES];
static int n_ws_routes;
static void (*close_hooks[8])(struct srv_conn *);
static int n_close_hooks;

/* All open connections (loop thread only) and the serial counter. */
static struct srv_conn *all_conns;
static uint64_t next_serial = 1;

void srv_ws_add_routes(const struct srv_ws_route *r, int n)
{
    for (int i = 0; i < n && n_ws_routes < MAX_WS_ROUTES; i++)
        ws_routes[n_ws_routes++] = r[i];
    assert(n_ws_routes < MAX_WS_ROUTES);
}

void srv_ws_on_close(void (*fn)(struct srv_conn *c))
{
    if (n_close_hooks < 8)
        close_hooks[n_close_hooks++] = fn;
}

void srv_ws_each(void (*fn)(struct srv_conn *c, void *ctx), void *ctx)
{
    struct srv_conn *c, *next;

    assert(srv_on_loop_thread());
    for (c = all_conns; c; c = next) {
        next = c->next_all;
        fn(c, ctx);
    }
}

/* Small outgoing messages are recycled: a delta goes to every client of a
 * room, so a push costs ~20 of these, and malloc/free of them showed up
 * high in the co-editing profile (fragmentation: unlink_chunk,
 * malloc_consolidate). Payloads up to POOL_MAX_LEN bytes are rounded up to
 * a multiple of POOL_STEP and freed blocks are kept per size class (at
 * most POOL_KEEP each, so at most ~4.6 MiB is held). Loop thread only. */
#define POOL_STEP 64u
#define POOL_MAX_LEN 512u
#define POOL_CLASSES (POOL_MAX_LEN / POOL_STEP)
#define POOL_KEEP 1024u
static struct {
    struct srv_ws_msg *free;
    unsigned n;
} msg_pool[POOL_CLASSES];

/* The size class of a payload length, or -1 when it is not pooled. */
static int pool_class(size_t len)
{
    return len > 0 && len <= POOL_MAX_LEN ? (int)((len - 1) / POOL_STEP) : -1;
}

/* Shared frames (ws.h). frames_live counts frames not yet freed (atomic:
 * the store writer builds deltas' frames); share_socketless is the test
 * switch of srv_ws_test_share_frames. Nodes that point at a shared frame
 * carry no payload of their own and are recycled on node_pool (at most
 * POOL_KEEP * 4). Queueing, references and the pools: loop thread only. */
struct srv_ws_frame {
    unsigned refs;
    size_t len, cap;
    unsigned char data[];        /* LWS_PRE bytes of headroom, then cap */
};
static _Atomic size_t frames_live;
static bool share_socketless;
static struct {
    struct srv_ws_msg *free;
    unsigned n;
} node_pool;

struct srv_ws_frame *srv_ws_frame_alloc(size_t cap)
{
    struct srv_ws_frame *f = malloc(sizeof *f + LWS_PRE + cap);

    if (!f)
        return NULL;
    f->refs = 1;
    f->len = 0;
    f->cap = cap;
    frames_live++;
    return f;
}

struct srv_ws_frame *srv_ws_frame_new(const char *text, size_t len)
{
    struct srv_ws_frame *f = srv_ws_frame_alloc(len);

    if (f) {
        memcpy(f->data + LWS_PRE, text, len);
        f->len = len;
    }
    return f;
}

unsigned char *srv_ws_frame_data(struct srv_ws_frame *f)
{
    return f->data + LWS_PRE;
}

size_t srv_ws_frame_len(const struct srv_ws_frame *f)
{
    return f->len;
}

void srv_ws_frame_set_len(struct srv_ws_frame *f, size_t len)
{
    assert(len <= f->cap);
    assert(f->refs == 1); /* not yet queued anywhere */
    f->len = len;
}

void srv_ws_frame_ref(struct srv_ws_frame *f)
{
    assert(srv_on_loop_thread());
    assert(f->refs > 0);
    f->refs++;
}

void srv_ws_frame_unref(struct srv_ws_frame *f)
{
    if (!f)
        return;
    /* a frame never queued may be dropped by the thread that built it */
    assert(srv_on_loop_thread() || f->refs == 1);
    assert(f->refs > 0);
    if (--f->refs == 0) {
        assert(frames_live > 0);
        frames_live--;
        free(f);
    }
}

size_t srv_ws_frames_live(void)
{
    return frames_live;
}

void srv_ws_test_share_frames(bool on)
{
    share_socketless = on;
}

/* The payload of a queued message. */
static const unsigned char *msg_payload(const struct srv_ws_msg *m)
{
    return m->frame ? m->frame->data + LWS_PRE : m->data + LWS_PRE;
}

static void free_msg(struct srv_ws_msg *m)
{
    int k = pool_class(m->len);

    if (m->frame) {
        srv_ws_frame_unref(m->frame);
        m->frame = NULL;
        if (node_pool.n < POOL_KEEP * 4) {
            m->next = node_pool.free;
            node_pool.free = m;
            node_pool.n++;
        } else {
            free(m);
        }
        return;
    }

    if (k >= 0 && msg_pool[k].n < POOL_KEEP) {
        m->next = msg_pool[k].free;
        msg_pool[k].free = m;
        msg_pool[k].n++;
        return;
    }
    free(m);
}

static struct srv_ws_msg *new_msg(const void *data, size_t len, bool binary)
{
    int k = pool_class(len);
    struct srv_ws_msg *m = NULL;

    if (k >= 0 && msg_pool[k].free) {
        m = msg_pool[k].free;
        msg_pool[k].free = m->next;
        msg_pool[k].n--;
    } else {
        m = malloc(sizeof *m + LWS_PRE +
                   (k >= 0 ? (size_t)(k + 1) * POOL_STEP : len));
    }
    if (!m)
        return NULL;
    m->next = NULL;
    m->len = len;
    m->binary = binary;
    m->frame = NULL;
    memcpy(m->data + LWS_PRE, data, len);
    return m;
}

/* A node that points at the shared frame f (one reference taken). */
static struct srv_ws_msg *new_shared_msg(struct srv_ws_frame *f)
{
    struct srv_ws_msg *m = node_pool.free;

    if (m) {
        node_pool.free = m->next;
        node_pool.n--;
    } else if (!(m = malloc(sizeof *m))) {
        return NULL;
    }
    m->next = NULL;
    m->len = f->len;
    m->binary = false;
    m->frame = f;
    srv_ws_frame_ref(f);
    return m;
}

/* Queues a text message on c: a copy of text, or (f non-NULL) a
 * reference to the shared frame f. */
static int queue_text(struct srv_conn *c, const char *text, size_t len,
                      struct srv_ws_frame *f)
{
    struct srv_ws_msg *m;

    assert(srv_on_loop_thread());

    if (c->closing)
        return -1;
    if (c->ctl_bytes + len > CTL_QUEUE_LIMIT) {
        srv_warn("client %s is not reading; cutting it off", c->peer);
        srv_ws_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                     "too far behind");
        return -1;
    }
    m = f ? new_shared_msg(f) : new_msg(text, len, false);
    if (!m)
        return -1;
    bool idle = !c->ctl_head && !c->audio_head;
    if (c->ctl_tail)
        c->ctl_tail->next = m;
    else
        c->ctl_head = m;
    c->ctl_tail = m;
    c->ctl_bytes += len;
    /* a socketless (test) connection only queues; a connection with
     * something queued already asked for WRITEABLE, and on_writeable asks
     * again while anything is left (a revision's deltas reach each
     * connection one after another: one request per connection, not one
     * per delta) */
    if (c->wsi && idle)
        lws_callback_on_writable(c->wsi);
    return 0;
}

int srv_ws_send_text(struct srv_conn *c, const char *text, size_t len)
{
    return queue_text(c, text, len, NULL);
}

int srv_ws_send_frame(struct srv_conn *c, struct srv_ws_frame *f)
{
    const char *text = (const char *)f->data + LWS_PRE;

    if (!c->wsi && !share_socketless)
        return queue_text(c, text, f->len, NULL);
    return queue_text(c, text, f->len, f);
}

static void pop_msg(struct srv_conn *c, bool ctl);

char *srv_ws_test_pop_text(struct srv_conn *c, size_t *len)
{
    struct srv_ws_msg *m = c->ctl_head;
    char *text;

    assert(srv_on_loop_thread());
    assert(!c->wsi);
    if (!m)
        return NULL;
    text = malloc(m->len + 1);
    if (!text)
        return NULL;
    memcpy(text, msg_payload(m), m->len);
    text[m->len] = 0;
    if (len)
        *len = m->len;
    pop_msg(c, true);
    return text;
}

int srv_ws_send(struct srv_conn *c, json_t *j, json_t *id)
{
    char *text;
    int rc;

    assert(srv_on_loop_thread());

    if (id)
        json_object_set(j, "id", id);
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return -1;
    rc = srv_ws_send_text(c, text, strlen(text));
    free(text);
    return rc;
}

int srv_ws_send_audio(struct srv_conn *c, const unsigned char *data,
                      size_t len, size_t max_bytes)
{
    struct srv_ws_msg *m;

    assert(srv_on_loop_thread());

    if (c->closing)
        return -1;
    m = new_msg(data, len, true);
    if (!m)
        return -1;
    if (c->audio_tail)
        c->audio_tail->next = m;
    else
        c->audio_head = m;
    c->audio_tail = m;
    c->audio_bytes += len;
    c->audio_count++;
    while (c->audio_bytes > max_bytes && c->audio_head != c->audio_tail) {
        struct srv_ws_msg *old = c->audio_head;
        c->audio_head = old->next;
        c->audio_bytes -= old->len;
        c->audio_count--;
        free_msg(old);
    }
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
    return 0;
}

int srv_ws_error(struct srv_conn *c, json_t *id, proto_code code,
                 const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    srv_text_vformat(msg, sizeof msg, fmt, ap); /* valid UTF-8 */
    va_end(ap);
    return srv_ws_send(c,
                       json_pack("{s:s, s:s, s:s}", "type", "error", "code",
                                 proto_code_name(code), "message", msg),
                       id);
}

void srv_ws_close(struct srv_conn *c, int status, const char *reason)
{
    assert(srv_on_loop_thread());
    if (c->closing)
        return;
    c->closing = true;
    if (!c->wsi) /* a socketless (test) connection is only marked */
        return;
    lws_close_reason(c->wsi, (enum lws_close_status)status,
                     (unsigned char *)reason, strlen(reason));
    lws_callback_on_writable(c->wsi);
}

int srv_ws_unacked_bytes(const struct srv_conn *c)
{
    int fd = c->wsi ? (int)lws_get_socket_fd(c->wsi) : -1, n = 0;

    if (fd < 0 || ioctl(fd, SIOCOUTQ, &n) != 0)
        return 0;
    return n;
}

void srv_ws_cut_off(struct srv_conn *c, int status, const char *reason)
{
    srv_ws_close(c, status, reason);
    if (c->wsi)
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, 1);
}

static void free_queue(struct srv_ws_msg *m)
{
    while (m) {
        struct srv_ws_msg *next = m->next;
        free_msg(m);
        m = next;
    }
}

const struct srv_ws_route *srv_ws_routes(int *n)
{
    *n = n_ws_routes;
    return ws_routes;
}

static const struct srv_ws_route *find_route(const char *type)
{
    for (int i = 0; i < n_ws_routes; i++)
        if (!strcmp(ws_routes[i].type, type))
            return &ws_routes[i];
    return NULL;
}

static int on_ping(struct srv_conn *c, struct srv_ws_args *a, json_t *id)
{
    (void)a;
    return srv_ws_send(c, json_pack("{s:s}", "type", "pong"), id);
}

static const struct srv_ws_route builtin_routes[] = {
    {"ping", SRV_LOGIN, on_ping, true, NULL},
};

bool srv_ws_check_later(struct srv_conn *c, struct srv_ws_args *a,
                        json_t *id)
{
    proto_err err;

    if (srv_ws_args_check_later(a, &err) == 0)
        return true;
    srv_ws_error(c, id, err.code, "%s", err.message);
    return false;
}

static srv_ws_check_fn message_check; /* set before the loop starts */

void srv_ws_set_message_check(srv_ws_check_fn fn)
{
    message_check = fn;
}

/* Applies the rules to one complete text message, then dispatches it. */
static void handle_message(struct srv_conn *c, const char *text, size_t len)
{
    struct srv_ws_envelope env;
    json_t *msg, *id;
    const struct srv_ws_route *route;
    struct srv_ws_args args;
    proto_err err;
    const char *t;

    if (srv_ws_envelope_parse(text, len, &env, &err) != 0) {
        srv_ws_error(c, env.id, err.code, "%s", err.message);
        json_decref(env.msg);
        return;
    }
    msg = env.msg;
    id = env.id;
    t = env.type;
    route = find_route(t);
    if (!route) {
        srv_ws_error(c, id, PROTO_BAD_REQUEST, "unknown message type '%.64s'",
                     t);
        goto out;
    }
    if (message_check && message_check(c, t, msg) != 0)
        goto out;
    if (!c->welcomed && !route->before_welcome) {
        srv_ws_error(c, id, PROTO_UNAUTHORIZED,
                     "say hello first: send {\"type\":\"hello\",...} with a "
                     "token and a project");
        goto out;
    }
    if (c->welcomed && !route->before_welcome &&
        route->perm.scope == SRV_PERM_PROJECT && c->role < route->perm.role) {
        srv_ws_error(c, id, PROTO_FORBIDDEN,
                     "your role (%s) may not send %s; it needs %s",
                     srv_role_name(c->role), t,
                     srv_role_name(route->perm.role));
        goto out;
    }
    if (srv_ws_params_check(t, route->params, msg, &args, &err) != 0) {
        srv_ws_error(c, id, err.code, "%s", err.message);
        goto out;
    }
    args.text_len = len;
    route->handler(c, &args, id);
out:
    json_decref(msg);
}

void srv_ws_receive_text(struct srv_conn *c, const char *text, size_t len)
{
    assert(srv_on_loop_thread());
    handle_message(c, text, len);
}

static int on_receive(struct srv_conn *c, struct lws *wsi, const void *in,
                      size_t len)
{
    bool last;

    c->last_rx_ms = srv_now_mono_ms();
    if (lws_is_first_fragment(wsi)) {
        c->rx_len = 0;
        c->rx_too_big = false;
    }
    if ((int64_t)(c->rx_len + len) > c->srv->cfg.max_message_bytes) {
        char why[64];
        int n = snprintf(why, sizeof why, "message over %lld bytes",
                         (long long)c->srv->cfg.max_message_bytes);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)why, (size_t)n);
        return -1;
    }
    if (c->rx_len + len > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : 4096;
        while (cap < c->rx_len + len)
            cap *= 2;
        unsigned char *nb = realloc(c->rx, cap);
        if (!nb)
            return -1;
        c->rx = nb;
        c->rx_cap = cap;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    last = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
    if (!last)
        return 0;
    if (lws_frame_is_binary(wsi))
        srv_ws_error(c, NULL, PROTO_BAD_REQUEST,
                     "binary messages are not accepted from clients");
    else
        handle_message(c, (const char *)c->rx, c->rx_len);
    c->rx_len = 0;
    if (c->rx_cap > 65536) { /* give back a large buffer */
        free(c->rx);
        c->rx = NULL;
        c->rx_cap = 0;
    }
    return 0;
}

/* Coalesced sends: on_writeable packs several queued messages, each as its
 * own complete WebSocket frame (one JSON per frame, as before), into one
 * buffer and hands it to lws in one write, so a client that has 20 deltas
 * queued costs one send() instead of 20 (the send syscalls were the
 * largest cost of the co-editing benchmark). lws_write with LWS_WRITE_RAW
 * on a ws connection sends the bytes as they are and buffers whatever the
 * socket does not take, flushing it before the next WRITEABLE. This relies
 * on no WebSocket extension being negotiated (none is configured: the
 * frames we build are plain RFC 6455 server frames, unmasked). Loop thread
 * only, hence one static buffer. */
#define COALESCE_MAX (64u * 1024)
static unsigned char coalesce_buf[LWS_PRE + COALESCE_MAX];

/* The test hook MIXROOM_TEST_WS_NO_COALESCE=1 (read once by srv_ws_init,
 * before the loop starts): every message is written alone, framed by lws,
 * as before coalescing, so a test can compare what clients receive both
 * ways (push_coalesce.test.mjs). */
static bool no_coalesce;

/* The size of a server frame header for a payload of len bytes. */
static size_t frame_header_len(size_t len)
{
    return len < 126 ? 2 : len < 65536 ? 4 : 10;
}

/* Writes a FIN frame header (text or binary) for len bytes at p. */
static void put_frame_header(unsigned char *p, bool binary, size_t len)
{
    p[0] = (unsigned char)(0x80 | (binary ? 0x2 : 0x1));
    if (len < 126) {
        p[1] = (unsigned char)len;
    } else if (len < 65536) {
        p[1] = 126;
        p[2] = (unsigned char)(len >> 8);
        p[3] = (unsigned char)len;
    } else {
        p[1] = 127;
        for (int i = 0; i < 8; i++)
            p[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    }
}

/* Unlinks and frees the head of the control (ctl) or audio queue. */
static void pop_msg(struct srv_conn *c, bool ctl)
{
    struct srv_ws_msg *m = ctl ? c->ctl_head : c->audio_head;

    if (ctl) {
        c->ctl_head = m->next;
        if (!c->ctl_head)
            c->ctl_tail = NULL;
        c->ctl_bytes -= m->len;
    } else {
        c->audio_head = m->next;
        if (!c->audio_head)
            c->audio_tail = NULL;
        c->audio_bytes -= m->len;
        c->audio_count--;
    }
    free_msg(m);
}

static int on_writeable(struct srv_conn *c, struct lws *wsi)
{
    struct srv_ws_msg *m;
    bool ctl = c->ctl_head != NULL;
    size_t used = 0;

    m = ctl ? c->ctl_head : c->audio_head;
    if (!m)
        return c->closing ? -1 : 0;
    if (no_coalesce || frame_header_len(m->len) + m->len > COALESCE_MAX) {
        /* a big message goes alone, framed by lws */
        /* lws writes the frame header into the headroom before the
         * payload: for a shared frame that is the same header for every
         * connection (same length and opcode, server frames unmasked) */
        if (lws_write(wsi, (unsigned char *)msg_payload(m), m->len,
                      m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
            (int)m->len)
            return -1;
        pop_msg(c, ctl);
    } else {
        /* control messages first (as before), then audio, whole frames
         * while they fit */
        for (;;) {
            m = c->ctl_head ? c->ctl_head : c->audio_head;
            if (!m)
                break;
            size_t h = frame_header_len(m->len);
            if (used + h + m->len > COALESCE_MAX)
                break;
            put_frame_header(coalesce_buf + LWS_PRE + used, m->binary, m->len);
            memcpy(coalesce_buf + LWS_PRE + used + h, msg_payload(m), m->len);
            used += h + m->len;
            pop_msg(c, c->ctl_head != NULL);
        }
        if (lws_write(wsi, coalesce_buf + LWS_PRE, used, LWS_WRITE_RAW) <
            (int)used)
            return -1;
    }
    c->last_tx_progress_ms = srv_now_mono_ms();
    if (c->ctl_head || c->audio_head || c->closing)
        lws_callback_on_writable(wsi);
    return 0;
}

/* Sets up a new connection (wsi may be NULL) and lists it. */
static void conn_open(struct srv_conn *c, struct lws *wsi)
{
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    c->srv = srv_server_instance;
    c->serial = next_serial++;
    c->role = SRV_ROLE_NONE;
    c->last_rx_ms = c->last_tx_progress_ms = srv_now_mono_ms();
    srv_count(SRV_M_CONNECTIONS);
    c->next_all = all_conns;
    if (all_conns)
        all_conns->prev_all = c;
    all_conns = c;
}

static void on_established(struct srv_conn *c, struct lws *wsi)
{
    conn_open(c, wsi);
    lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
    srv_http_session_cookie(wsi, c->cookie_token, sizeof c->cookie_token);
}

void srv_ws_test_open(struct srv_conn *c)
{
    assert(srv_on_loop_thread());
    conn_open(c, NULL);
    snprintf(c->peer, sizeof c->peer, "test#%llu",
             (unsigned long long)c->serial);
}

static void on_closed(struct srv_conn *c)
{
    for (int i = 0; i < n_close_hooks; i++)
        close_hooks[i](c);
    srv_count_add(SRV_M_CONNECTIONS, -1);
    if (c->prev_all)
        c->prev_all->next_all = c->next_all;
    else if (all_conns == c)
        all_conns = c->next_all;
    if (c->next_all)
        c->next_all->prev_all = c->prev_all;
    free_queue(c->ctl_head);
    free_queue(c->audio_head);
    free(c->rx);
    c->ctl_head = c->audio_head = NULL;
    c->rx = NULL;
    c->wsi = NULL;
}

void srv_ws_test_close(struct srv_conn *c)
{
    assert(srv_on_loop_thread());
    assert(!c->wsi);
    c->closing = true;
    on_closed(c);
}

int srv_ws_callback(struct lws *wsi, int reason, void *user, void *in,
                    size_t len)
{
    struct srv_conn *c = user;

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        on_established(c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return on_receive(c, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(c, wsi);
    case LWS_CALLBACK_CLOSED:
        if (c->wsi)
            on_closed(c);
        return 0;
    default:
        return 0;
    }
}

/* Registers the built-in handlers (ping). */
void srv_ws_init(void)
{
    const char *hook = getenv("MIXROOM_TEST_WS_NO_COALESCE");

    no_coalesce = hook && !strcmp(hook, "1");
    srv_ws_add_routes(builtin_routes, 1);
}
