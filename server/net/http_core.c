/* http_core.c -- the server's own HTTP endpoints: GET /healthz (the
 * process answers), GET /readyz (it can take edits: the store writer
 * answers, the database can grow, the data folder has min_free_disk free)
 * and GET /metrics (Prometheus text format; behind metrics_token when that
 * is set).
 *
 * Readiness: a loop tick sends the writer a probe (store_writer_probe)
 * every PROBE_EVERY_MS while none is outstanding; the probe runs as a job
 * between the others, so its answer shows the writer takes jobs, and it
 * measures the disk. /readyz reads the outcome; it never waits. */
#include <config.h>
#include "server/net/http_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/http.h"
#include "server/core/server.h"
#include "server/core/metrics.h"
#include "server/core/store.h"
#include "server/core/writer.h"

#define PROBE_EVERY_MS 1000
/* The writer is stalled when a probe has waited this long. */
#define STALL_MS 10000

/* Loop thread only. */
static struct {
    bool outstanding;
    long long sent_ms;       /* monotonic, of the outstanding probe */
    long long answered_ms;   /* monotonic, of the last answer; 0 = none */
    int status;              /* of the last answer */
} probe;

static void probe_done(void *arg, int status)
{
    (void)arg;
    probe.outstanding = false;
    probe.answered_ms = srv_now_mono_ms();
    probe.status = status;
}

static void probe_tick(struct srv_server *srv)
{
    long long now = srv_now_mono_ms();

    if (!srv->writer || probe.outstanding ||
        (probe.answered_ms && now - probe.answered_ms < PROBE_EVERY_MS))
        return;
    probe.outstanding = true;
    probe.sent_ms = now;
    store_writer_probe(srv->writer, probe_done, NULL);
}

static enum srv_http_result healthz(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    long long up = (store_now_ms() - req->srv->started_ms) / 1000;

    return srv_http_json(resp, 200,
                         json_pack("{s:s, s:s, s:I, s:s}", "status", "ok",
                                   "version", PACKAGE_VERSION, "uptime_s",
                                   (json_int_t)up, "node",
                                   req->srv->cfg.node_name));
}

/* Why the server cannot take edits now, into why; false when it can. */
static bool not_ready(struct srv_server *srv, char *why, size_t n)
{
    struct store_writer_health h;
    long long now = srv_now_mono_ms();

    if (!srv->writer) {
        snprintf(why, n, "the store is not open");
        return true;
    }
    if (probe.outstanding && now - probe.sent_ms >= STALL_MS) {
        snprintf(why, n, "writer stalled: the store writer has not answered "
                 "for %lld s", (now - probe.sent_ms) / 1000);
        return true;
    }
    if (!probe.answered_ms) {
        snprintf(why, n, "starting: the store writer has not answered yet");
        return true;
    }
    if (probe.status != 0) {
        snprintf(why, n, "the store writer failed its last check");
        return true;
    }
    store_writer_health(srv->writer, &h);
    if (h.full) {
        snprintf(why, n, "disk full: the database cannot grow; edits are "
                 "refused until space is freed");
        return true;
    }
    if (h.free_bytes >= 0 && h.free_bytes < srv->cfg.min_free_disk) {
        snprintf(why, n, "low disk space: %lld bytes free in the data "
                 "folder, below min_free_disk (%lld)", h.free_bytes,
                 (long long)srv->cfg.min_free_disk);
        return true;
    }
    return false;
}

static enum srv_http_result readyz(struct srv_http_req *req,
                                   struct srv_http_resp *resp)
{
    char why[256];

    if (not_ready(req->srv, why, sizeof why)) {
        srv_http_add_header(resp, "Cache-Control", "no-store");
        return srv_http_json(resp, 503,
                             json_pack("{s:s, s:s}", "status", "not_ready",
                                       "reason", why));
    }
    return srv_http_json(resp, 200, json_pack("{s:s}", "status", "ready"));
}

/* Constant-time comparison of the request's bearer token with want. */
static bool token_ok(const char *got, const char *want)
{
    size_t gl = strlen(got), wl = strlen(want);
    unsigned char diff = (unsigned char)(gl != wl);

    for (size_t i = 0; i < wl; i++)
        diff |= (unsigned char)(want[i] ^ (i < gl ? got[i] : 0));
    return diff == 0;
}

static enum srv_http_result metrics(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    const char *want = req->srv->cfg.metrics_token;

    if (want[0] && !token_ok(req->bearer_token, want)) {
        srv_http_add_header(resp, "WWW-Authenticate", "Bearer");
        return srv_http_error(resp, PROTO_UNAUTHORIZED, 401,
                              "/metrics needs Authorization: Bearer with the "
                              "metrics_token setting");
    }
    char *text = srv_metrics_render(req->srv);

    free(resp->body);
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type,
             "text/plain; version=0.0.4");
    resp->body = (unsigned char *)text;
    resp->body_len = strlen(text);
    return SRV_HTTP_DONE;
}

static const struct srv_route core_routes[] = {
    {.method = "GET", .pattern = "/healthz", .perm = SRV_PUBLIC,
     .handler = healthz},
    {.method = "GET", .pattern = "/readyz", .perm = SRV_PUBLIC,
     .handler = readyz},
    {.method = "GET", .pattern = "/metrics", .perm = SRV_PUBLIC,
     .handler = metrics},
};

void srv_http_core_init(void)
{
    srv_http_add_routes(core_routes,
                        (int)(sizeof core_routes / sizeof core_routes[0]));
    srv_loop_on_tick(probe_tick);
}
