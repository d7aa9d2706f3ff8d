/* http_core.c -- the server's own HTTP endpoints: GET /healthz and
 * GET /metrics (Prometheus text format). */
#include <config.h>
#include "server/net/http_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/http.h"
#include "server/core/server.h"
#include "server/core/metrics.h"
#include "server/core/store.h"

static enum srv_http_result healthz(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
    long long up = (store_now_ms() - req->srv->started_ms) / 1000;

    return srv_http_json(resp, 200,
                         json_pack("{s:s, s:s, s:I}", "status", "ok",
                                   "version", PACKAGE_VERSION, "uptime_s",
                                   (json_int_t)up));
}

static enum srv_http_result metrics(struct srv_http_req *req,
                                    struct srv_http_resp *resp)
{
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
    {.method = "GET", .pattern = "/metrics", .perm = SRV_PUBLIC,
     .handler = metrics},
};

void srv_http_core_init(void)
{
    srv_http_add_routes(core_routes,
                        (int)(sizeof core_routes / sizeof core_routes[0]));
}
