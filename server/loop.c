/* loop.c -- the libwebsockets event loop: one context, one vhost with the
 * HTTP protocol and the mixroom.v1 WebSocket protocol; the cross-thread
 * post queue (the only way other threads reach the loop); the 100 ms tick;
 * start/stop hooks; SIGINT/SIGTERM for a clean stop. */
#include "server/loop.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/http.h"
#include "server/log.h"
#include "server/store.h"
#include "server/writer.h"
#include "server/ws.h"

struct srv_server *srv_server_instance;

/* Hooks: filled by module inits before the loop starts, read-only after. */
#define MAX_HOOKS 16
static void (*tick_hooks[MAX_HOOKS])(struct srv_server *);
static int n_tick_hooks;
static int (*start_hooks[MAX_HOOKS])(struct srv_server *);
static int n_start_hooks;
static void (*stop_hooks[MAX_HOOKS])(struct srv_server *);
static int n_stop_hooks;

/* The post queue: any thread appends, the loop thread drains. */
struct post {
    struct post *next;
    void (*fn)(void *);
    void *arg;
};
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct post *post_head, *post_tail;
static struct lws_context *post_ctx; /* guarded by post_lock */

/* Set from the signal handler. */
static volatile sig_atomic_t got_signal;

static lws_sorted_usec_list_t tick_sul;

long long srv_now_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_loop_on_tick(void (*fn)(struct srv_server *))
{
    if (n_tick_hooks < MAX_HOOKS)
        tick_hooks[n_tick_hooks++] = fn;
}

void srv_loop_on_start(int (*fn)(struct srv_server *))
{
    if (n_start_hooks < MAX_HOOKS)
        start_hooks[n_start_hooks++] = fn;
}

void srv_loop_on_stop(void (*fn)(struct srv_server *))
{
    if (n_stop_hooks < MAX_HOOKS)
        stop_hooks[n_stop_hooks++] = fn;
}

void srv_loop_post(void (*fn)(void *), void *arg)
{
    struct post *p = malloc(sizeof *p);

    if (!p) {
        srv_err("out of memory posting to the loop");
        abort();
    }
    p->next = NULL;
    p->fn = fn;
    p->arg = arg;
    pthread_mutex_lock(&post_lock);
    if (post_tail)
        post_tail->next = p;
    else
        post_head = p;
    post_tail = p;
    if (post_ctx)
        lws_cancel_service(post_ctx);
    pthread_mutex_unlock(&post_lock);
}

void srv_loop_drain_posts(void)
{
    struct post *p, *next;

    pthread_mutex_lock(&post_lock);
    p = post_head;
    post_head = post_tail = NULL;
    pthread_mutex_unlock(&post_lock);
    for (; p; p = next) {
        next = p->next;
        p->fn(p->arg);
        free(p);
    }
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    struct srv_server *srv = srv_server_instance;

    for (int i = 0; i < n_tick_hooks; i++)
        tick_hooks[i](srv);
    lws_sul_schedule(srv->ctx, 0, &tick_sul, on_tick, 100 * LWS_US_PER_MS);
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason,
                   void *user, void *in, size_t len)
{
    if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
        srv_loop_drain_posts();
        return 0;
    }
    return srv_http_callback(wsi, (int)reason, user, in, len);
}

static int cb_ws(struct lws *wsi, enum lws_callback_reasons reason,
                 void *user, void *in, size_t len)
{
    if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED)
        return 0;
    return srv_ws_callback(wsi, (int)reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"http", cb_http, sizeof(void *), 0, 0, NULL, 0},
    {"mixroom.v1", cb_ws, sizeof(struct srv_conn), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
    if (srv_server_instance && srv_server_instance->ctx)
        lws_cancel_service(srv_server_instance->ctx);
}

int srv_loop_run(const struct srv_config *cfg)
{
    struct lws_context_creation_info info;
    struct srv_server *srv = calloc(1, sizeof *srv);
    char err[1024];
    int status = 1;

    if (!srv)
        return 1;
    srv->cfg = *cfg;
    srv->started_ms = store_now_ms();
    srv_server_instance = srv;

    if (store_prepare_dir(cfg->data_dir, err, sizeof err) != 0 ||
        store_migrate(cfg->data_dir, err, sizeof err) < 0) {
        srv_err("%s", err);
        goto out;
    }
    srv->db = store_open(cfg->data_dir, cfg->synchronous, false, err,
                         sizeof err);
    if (!srv->db) {
        srv_err("%s", err);
        goto out;
    }
    srv->writer = store_writer_start(cfg->data_dir, cfg->synchronous, err,
                                     sizeof err);
    if (!srv->writer) {
        srv_err("%s", err);
        goto out;
    }

    memset(&info, 0, sizeof info);
    info.port = cfg->listen_port;
    info.iface = cfg->listen_host;
    info.protocols = protocols;
    info.options = 0; /* security headers: see srv_http_security_headers */
    info.timeout_secs = 30;
    /* Idle keep-alive connections: HTTP clients close theirs after a few
     * seconds (browsers ~4-60 s, Node 4 s); closing ours later avoids the
     * race where a client reuses a socket the server is closing. */
    info.keepalive_timeout = 65;
    info.ka_time = 0;
    if (cfg->tls_cert[0] || cfg->tls_key[0]) {
        if (!cfg->tls_cert[0] || !cfg->tls_key[0]) {
            srv_err("--tls-cert and --tls-key go together");
            goto out;
        }
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg->tls_cert;
        info.ssl_private_key_filepath = cfg->tls_key;
    }
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        srv_err("cannot listen on %s:%d (is the port in use?)",
                cfg->listen_host, cfg->listen_port);
        goto out;
    }
    pthread_mutex_lock(&post_lock);
    post_ctx = srv->ctx;
    pthread_mutex_unlock(&post_lock);

    for (int i = 0; i < n_start_hooks; i++)
        if (start_hooks[i](srv) != 0) {
            srv_err("start-up failed");
            goto out;
        }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    lws_sul_schedule(srv->ctx, 0, &tick_sul, on_tick, 100 * LWS_US_PER_MS);
    srv_info("mixroom listening on %s://%s:%d (data in %s)",
             cfg->tls_cert[0] ? "https" : "http", cfg->listen_host,
             cfg->listen_port, cfg->data_dir);

    while (!got_signal)
        if (lws_service(srv->ctx, 0) < 0)
            break;

    srv_info("stopping: flushing and closing");
    srv->stopping = 1;
    for (int i = 0; i < n_stop_hooks; i++)
        stop_hooks[i](srv);
    store_writer_flush(srv->writer);
    srv_loop_drain_posts();
    status = 0;
out:
    if (srv->ctx) {
        lws_sul_cancel(&tick_sul);
        pthread_mutex_lock(&post_lock);
        post_ctx = NULL;
        pthread_mutex_unlock(&post_lock);
        lws_context_destroy(srv->ctx);
        srv->ctx = NULL;
    }
    if (srv->writer)
        store_writer_stop(srv->writer);
    srv_loop_drain_posts();
    if (srv->db)
        sqlite3_close(srv->db);
    srv_server_instance = NULL;
    free(srv);
    if (status == 0)
        srv_info("stopped");
    return status;
}
