/* metrics.c -- the /metrics exposition: process figures plus whatever the
 * modules registered. */
#include "server/core/metrics.h"

#include <stdlib.h>

#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"

/* Registered by module inits before the loop starts; read-only after. */
static void (*sources[32])(FILE *, struct srv_server *);
static int n_sources;

void srv_metrics_add(void (*fn)(FILE *f, struct srv_server *srv))
{
    if (n_sources < 32)
        sources[n_sources++] = fn;
}

char *srv_metrics_render(struct srv_server *srv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    unsigned long long batches = 0, jobs = 0, max_batch = 0;

    if (!f)
        return calloc(1, 1);
    fprintf(f, "# HELP mixroom_uptime_seconds Seconds since the server started.\n"
               "# TYPE mixroom_uptime_seconds gauge\n"
               "mixroom_uptime_seconds %lld\n",
            (store_now_ms() - srv->started_ms) / 1000);
    if (srv->writer)
        store_writer_stats(srv->writer, &batches, &jobs, &max_batch);
    fprintf(f,
            "# HELP mixroom_store_commits_total Transactions committed by the store writer.\n"
            "# TYPE mixroom_store_commits_total counter\n"
            "mixroom_store_commits_total %llu\n"
            "# HELP mixroom_store_jobs_total Write jobs committed by the store writer.\n"
            "# TYPE mixroom_store_jobs_total counter\n"
            "mixroom_store_jobs_total %llu\n"
            "# HELP mixroom_store_batch_max Largest group commit so far.\n"
            "# TYPE mixroom_store_batch_max gauge\n"
            "mixroom_store_batch_max %llu\n",
            batches, jobs, max_batch);
    for (int i = 0; i < n_sources; i++)
        sources[i](f, srv);
    fclose(f);
    return buf;
}
