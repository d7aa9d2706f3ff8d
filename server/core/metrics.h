/* metrics.h -- counters for GET /metrics (Prometheus text format). Other
 * modules register gauges/counters as callbacks that print their lines;
 * the simplest figures (events counted anywhere, on any thread) are the
 * named counters and histograms below, which any module bumps with one
 * call and which metrics.c prints itself. */
#ifndef MIXROOM_SERVER_METRICS_H
#define MIXROOM_SERVER_METRICS_H

#include <stdio.h>

struct srv_server;

/* Registers a function that appends metric lines to f (with # HELP and
 * # TYPE lines). At most 32. Call from a module's init. */
void srv_metrics_add(void (*fn)(FILE *f, struct srv_server *srv));

/* The whole exposition text (malloc'd). Loop thread. */
char *srv_metrics_render(struct srv_server *srv);

/* Figures any module counts with one call (names and help in metrics.c;
 * documented in docs/operations.md). SRV_M_CONNECTIONS is a gauge (added
 * to and taken from), the others are counters. */
enum srv_metric {
    SRV_M_CONNECTIONS,       /* WebSocket connections open */
    SRV_M_PUSHES,            /* push messages received */
    SRV_M_IMPORTS_STARTED,
    SRV_M_IMPORTS_FINISHED,
    SRV_M_IMPORTS_FAILED,
    SRV_M_EXPORTS_STARTED,
    SRV_M_EXPORTS_FINISHED,
    SRV_M_EXPORTS_FAILED,
    SRV_M_LOGIN_FAILURES,
    SRV_M_COUNT
};

/* Adds 1 to a figure (any thread, lock-free). */
void srv_count(enum srv_metric m);

/* Adds n (may be negative, for the gauge) to a figure (any thread). */
void srv_count_add(enum srv_metric m, long long n);

/* The current value of a figure (tests, /metrics). */
long long srv_count_get(enum srv_metric m);

/* Histograms of durations, in seconds on the wire. */
enum srv_histogram {
    SRV_H_COMMIT,            /* store writer: submit to commit done */
    SRV_H_ENCODE,            /* preview: render and encode one packet */
    SRV_H_COUNT
};

/* Records one duration of ns nanoseconds (any thread, lock-free). */
void srv_observe_ns(enum srv_histogram h, long long ns);

/* Monotonic nanoseconds, for measuring what srv_observe_ns records. */
long long srv_metrics_now_ns(void);

#endif
