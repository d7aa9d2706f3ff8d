/* metrics.h -- counters for GET /metrics (Prometheus text format). Other
 * modules register gauges/counters as callbacks that print their lines. */
#ifndef MIXROOM_SERVER_METRICS_H
#define MIXROOM_SERVER_METRICS_H

#include <stdio.h>

struct srv_server;

/* Registers a function that appends metric lines to f (with # HELP and
 * # TYPE lines). At most 32. Call from a module's init. */
void srv_metrics_add(void (*fn)(FILE *f, struct srv_server *srv));

/* The whole exposition text (malloc'd). Loop thread. */
char *srv_metrics_render(struct srv_server *srv);

#endif
