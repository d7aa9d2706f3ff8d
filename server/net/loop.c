/* loop.c -- the libwebsockets event loop: one context, one vhost with the
 * HTTP protocol and the mixroom.v1 WebSocket protocol; the wake-up of the
 * post queue (server/core/server.c) through lws_cancel_service, and its
 * drain after every service pass (see wake_loop); the 100 ms
 * tick that runs the tick hooks; SIGINT/SIGTERM for a clean stop; SIGHUP
 * to reopen the log file (on the next tick); READY=1 and STOPPING=1 to
 * systemd (sd_notify, when built with libsystemd). */
#include "server/net/loop.h"

#include <config.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/http.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"
#include "server/net/ws.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#define loop_notify(state) (void)sd_notify(0, state)
#else
#define loop_notify(state) ((void)0)
#endif

/* Set from the signal handler. */
static volatile sig_atomic_t got_signal;

/* The context of the running loop (loop thread; read by the signal
 * handler, which only calls lws_cancel_service on it). */
static struct lws_context *loop_ctx;

static lws_sorted_usec_list_t tick_sul;

/* True while the loop thread is inside lws_service (loop thread only). */
static bool in_service;

/* The wake callback of the post queue: safe from any thread. A post made
 * by the loop thread itself while it services (a room's flush after a
 * push, once per room and pass) needs no wake-up: srv_loop_run drains the
 * queue as soon as lws_service returns, before it polls again. Waking
 * cost a write to lws's pipe, one more poll of every socket and a read per
 * such pass (bench_push.mjs). Other threads, and the loop thread outside
 * lws_service, wake it as before. */
static void wake_loop(void *arg)
{
    if (srv_on_loop_thread() && in_service)
        return;
    lws_cancel_service(arg);
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    srv_log_reopen_pending();
    srv_hooks_tick(srv_server_instance);
    lws_sul_schedule(loop_ctx, 0, &tick_sul, on_tick, 100 * LWS_US_PER_MS);
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

/* The address to bind from the --listen host: "[::1]" -> "::1". */
static void listen_addr(const char *host, char *out, size_t n)
{
    size_t len = strlen(host);

    if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
        snprintf(out, n, "%.*s", (int)(len - 2), host + 1);
    else
        snprintf(out, n, "%s", host);
}

/* SIGHUP: only a flag (log.c); the next tick reopens the log file. */
static void on_sighup(int sig)
{
    (void)sig;
    srv_log_request_reopen();
}

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
    if (loop_ctx)
        lws_cancel_service(loop_ctx);
}

int srv_loop_run(const struct srv_config *cfg)
{
    struct lws_context_creation_info info;
    struct srv_server *srv = calloc(1, sizeof *srv);
    char err[1024], iface[128];
    int status = 1;

    if (!srv)
        return 1;
    srv->cfg = *cfg;
    srv->started_ms = store_now_ms();
    srv_server_instance = srv;
    srv_server_enter_loop();

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
    /* "Only the writer writes": SQLite itself refuses writes on the
     * loop's connection. */
    if (store_query_only(srv->db, err, sizeof err) != 0) {
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
    /* Exactly the given address: lws binds a dual-stack socket to every
     * address when handed an IPv4 literal, so an IPv4 address gets an
     * IPv4-only socket; "[::1]" is handed over without its brackets. */
    listen_addr(cfg->listen_host, iface, sizeof iface);
    info.iface = iface;
    if (!strchr(iface, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.protocols = protocols;
    /* security headers: see srv_http_security_headers */
    info.timeout_secs = 30;
    /* libwebsockets closes a request whose headers overflow its buffer
     * without a reply: make the buffer hold well over what we accept, so
     * that http.c can answer 414/431 itself (docs/security.md). */
    info.max_http_header_data2 =
        (unsigned)((cfg->max_header_bytes * 2 > 262144 ? cfg->max_header_bytes * 2
                                                       : 262144) +
                   2 * cfg->max_path_bytes + 4096);
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
    loop_ctx = lws_create_context(&info);
    srv->net = loop_ctx;
    if (!loop_ctx) {
        srv_err("cannot listen on %s:%d (is the port in use?)",
                cfg->listen_host, cfg->listen_port);
        goto out;
    }
    srv_server_set_wake(wake_loop, loop_ctx);

    if (srv_hooks_start(srv) != 0) {
        srv_err("start-up failed");
        goto out;
    }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_sighup);
    signal(SIGPIPE, SIG_IGN);
    lws_sul_schedule(loop_ctx, 0, &tick_sul, on_tick, 100 * LWS_US_PER_MS);
    {
        char url[200];
        const struct srv_log_field f[] = {{"url", url}, {"data", cfg->data_dir}};
        snprintf(url, sizeof url, "%s://%s:%d",
                 cfg->tls_cert[0] ? "https" : "http", cfg->listen_host,
                 cfg->listen_port);
        srv_log_fields(SRV_LOG_INFO, f, 2, "mixroom listening on %s (data in %s)",
                       url, cfg->data_dir);
    }
    /* the socket listens and every start hook has run */
    loop_notify("READY=1");

    while (!got_signal) {
        in_service = true;
        int rc = lws_service(loop_ctx, 0);
        in_service = false;
        srv_loop_drain_posts(); /* what the pass posted (wake_loop) */
        if (rc < 0)
            break;
    }

    loop_notify("STOPPING=1");
    srv_info("stopping: flushing and closing");
    srv->stopping = 1;
    srv_hooks_stop(srv);
    store_writer_flush(srv->writer);
    srv_loop_drain_posts();
    status = 0;
out:
    if (loop_ctx) {
        lws_sul_cancel(&tick_sul);
        srv_server_set_wake(NULL, NULL);
        lws_context_destroy(loop_ctx);
        loop_ctx = NULL;
        srv->net = NULL;
    }
    if (srv->writer)
        store_writer_stop(srv->writer);
    srv_loop_drain_posts();
    if (srv->db)
        db_close(srv->db);
    srv_server_instance = NULL;
    free(srv);
    if (status == 0)
        srv_info("stopped");
    return status;
}
