/* metrics.c -- the /metrics exposition: process and store figures, the
 * named counters and histograms any module bumps (srv_count,
 * srv_observe_ns: atomics, so workers and pacing threads count without a
 * lock), plus whatever the modules registered. */
#include "server/core/metrics.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"

/* Registered by module inits before the loop starts; read-only after. */
static void (*sources[32])(FILE *, struct srv_server *);
static int n_sources;

static const struct {
    const char *name, *type, *help;
} figure_info[SRV_M_COUNT] = {
    [SRV_M_CONNECTIONS] = {"mixroom_connections", "gauge",
                           "WebSocket connections open."},
    [SRV_M_PUSHES] = {"mixroom_pushes_total", "counter",
                      "Push messages received."},
    [SRV_M_IMPORTS_STARTED] = {"mixroom_imports_started_total", "counter",
                               "Audio imports started."},
    [SRV_M_IMPORTS_FINISHED] = {"mixroom_imports_finished_total", "counter",
                                "Audio imports finished (ready)."},
    [SRV_M_IMPORTS_FAILED] = {"mixroom_imports_failed_total", "counter",
                              "Audio imports failed."},
    [SRV_M_EXPORTS_STARTED] = {"mixroom_exports_started_total", "counter",
                               "Exports started."},
    [SRV_M_EXPORTS_FINISHED] = {"mixroom_exports_finished_total", "counter",
                                "Exports rendered to the end."},
    [SRV_M_EXPORTS_FAILED] = {"mixroom_exports_failed_total", "counter",
                              "Exports failed or cancelled."},
    [SRV_M_LOGIN_FAILURES] = {"mixroom_login_failures_total", "counter",
                              "Failed logins (wrong name or password)."},
};
static atomic_llong figures[SRV_M_COUNT];

/* Histogram bucket bounds in nanoseconds, ascending; +Inf is implicit. */
#define MAX_BUCKETS 16
static const struct {
    const char *name, *help;
    long long bounds[MAX_BUCKETS];
    int n;
} histo_info[SRV_H_COUNT] = {
    [SRV_H_COMMIT] = {"mixroom_store_commit_seconds",
                      "Time from a write job's submission to its commit.",
                      {250000, 500000, 1000000, 2500000, 5000000, 10000000,
                       25000000, 50000000, 100000000, 250000000, 500000000,
                       1000000000, 2500000000LL, 5000000000LL},
                      14},
    [SRV_H_ENCODE] = {"mixroom_preview_encode_seconds",
                      "Time to render and Opus-encode one 20 ms preview packet.",
                      {50000, 100000, 250000, 500000, 1000000, 2500000,
                       5000000, 10000000, 20000000, 50000000},
                      10},
};
static struct {
    atomic_ullong bucket[MAX_BUCKETS + 1]; /* per bucket; the last is +Inf */
    atomic_ullong count;
    atomic_llong sum_ns;
} histos[SRV_H_COUNT];

void srv_metrics_add(void (*fn)(FILE *f, struct srv_server *srv))
{
    if (n_sources < 32)
        sources[n_sources++] = fn;
}

void srv_count(enum srv_metric m)
{
    srv_count_add(m, 1);
}

void srv_count_add(enum srv_metric m, long long n)
{
    assert(m >= 0 && m < SRV_M_COUNT);
    atomic_fetch_add_explicit(&figures[m], n, memory_order_relaxed);
}

long long srv_count_get(enum srv_metric m)
{
    assert(m >= 0 && m < SRV_M_COUNT);
    return atomic_load_explicit(&figures[m], memory_order_relaxed);
}

void srv_observe_ns(enum srv_histogram h, long long ns)
{
    int i = 0;

    assert(h >= 0 && h < SRV_H_COUNT);
    if (ns < 0)
        ns = 0;
    while (i < histo_info[h].n && ns > histo_info[h].bounds[i])
        i++;
    atomic_fetch_add_explicit(&histos[h].bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&histos[h].sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&histos[h].count, 1, memory_order_relaxed);
}

long long srv_metrics_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One histogram in the exposition format (cumulative buckets). */
static void render_histogram(FILE *f, enum srv_histogram h)
{
    unsigned long long cum = 0;

    fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", histo_info[h].name,
            histo_info[h].help, histo_info[h].name);
    for (int i = 0; i <= histo_info[h].n; i++) {
        cum += atomic_load_explicit(&histos[h].bucket[i], memory_order_relaxed);
        if (i < histo_info[h].n)
            fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", histo_info[h].name,
                    (double)histo_info[h].bounds[i] / 1e9, cum);
        else
            fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", histo_info[h].name,
                    cum);
    }
    fprintf(f, "%s_sum %.9f\n%s_count %llu\n", histo_info[h].name,
            (double)atomic_load_explicit(&histos[h].sum_ns,
                                         memory_order_relaxed) / 1e9,
            histo_info[h].name, cum);
}

/* The store writer's figures. */
static void render_store(FILE *f, struct srv_server *srv)
{
    unsigned long long batches = 0, jobs = 0, max_batch = 0;
    struct store_writer_health h = {0};

    if (srv->writer) {
        store_writer_stats(srv->writer, &batches, &jobs, &max_batch);
        store_writer_health(srv->writer, &h);
    }
    fprintf(f,
            "# HELP mixroom_store_commits_total Transactions committed by the store writer.\n"
            "# TYPE mixroom_store_commits_total counter\n"
            "mixroom_store_commits_total %llu\n"
            "# HELP mixroom_store_jobs_total Write jobs committed by the store writer.\n"
            "# TYPE mixroom_store_jobs_total counter\n"
            "mixroom_store_jobs_total %llu\n"
            "# HELP mixroom_store_batch_max Largest group commit so far.\n"
            "# TYPE mixroom_store_batch_max gauge\n"
            "mixroom_store_batch_max %llu\n"
            "# HELP mixroom_store_queue_length Write jobs submitted and not yet committed.\n"
            "# TYPE mixroom_store_queue_length gauge\n"
            "mixroom_store_queue_length %llu\n"
            "# HELP mixroom_store_disk_full 1 while the database cannot grow (disk full).\n"
            "# TYPE mixroom_store_disk_full gauge\n"
            "mixroom_store_disk_full %d\n"
            "# HELP mixroom_store_full_failures_total Write jobs failed for lack of space.\n"
            "# TYPE mixroom_store_full_failures_total counter\n"
            "mixroom_store_full_failures_total %llu\n",
            batches, jobs, max_batch, h.queued, h.full ? 1 : 0,
            h.full_failures);
}

char *srv_metrics_render(struct srv_server *srv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return calloc(1, 1);
    fprintf(f, "# HELP mixroom_uptime_seconds Seconds since the server started.\n"
               "# TYPE mixroom_uptime_seconds gauge\n"
               "mixroom_uptime_seconds %lld\n",
            (store_now_ms() - srv->started_ms) / 1000);
    render_store(f, srv);
    for (int i = 0; i < SRV_M_COUNT; i++)
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n",
                figure_info[i].name, figure_info[i].help, figure_info[i].name,
                figure_info[i].type, figure_info[i].name,
                srv_count_get((enum srv_metric)i));
    for (int i = 0; i < SRV_H_COUNT; i++)
        render_histogram(f, (enum srv_histogram)i);
    for (int i = 0; i < n_sources; i++)
        sources[i](f, srv);
    fclose(f);
    return buf;
}
