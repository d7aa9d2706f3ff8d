/* bench_coedit.c -- the co-editing load generator: real WebSocket clients
 * (libwebsockets client API) spread over several threads, each thread with
 * its own lws context and whole rooms (so the pusher and the 20 receivers
 * of a room share one thread and no locks). It prints one line of figures;
 * it never fails on time. tests/bench/coedit.mjs sets up the server, the
 * users and the projects and runs this program per configuration.
 *
 * Usage: bench_coedit PORT SETUPFILE ROOMS SECONDS PUSHERS WINDOW RATE THREADS
 *   SETUPFILE: one line per room, "project_id token0 token1 ..." (one token
 *   per client of the room); ROOMS: how many of its lines to use;
 *   PUSHERS: pushing clients per room; WINDOW: outstanding pushes per
 *   pusher (closed loop) when RATE is 0; RATE: total pushes per second
 *   (open loop, paced every millisecond, WINDOW still caps outstanding).
 *
 * A push counts as durable when its delta (sent only after commit) reaches
 * its author. Latency is push sent -> delta received, measured at every
 * client of the room. Output: "running" when the pushes start, "stopped"
 * when the measured interval ends, then one line of figures:
 *   pushes_per_s=N p50_ms=X p99_ms=Y samples=N connected=N/M p999_ms=Z
 *   max_ms=W (p99.9 and the slowest sample, for the shape of the tail) */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CLIENTS 32
#define RING 4096           /* per-pusher send-time ring, indexed by seq */
#define HIST_US 10          /* histogram resolution (us) */
#define HIST_N 400000       /* 4 s range; beyond goes to the last bucket */

struct room;

struct client {
    struct room *room;
    int index;
    struct lws *wsi;
    char id[48];
    char token[128];
    bool welcomed, failed;
    /* pusher state */
    bool pusher;
    long long seq;           /* last seq sent */
    int out;                 /* outstanding pushes */
    int to_send;             /* pushes queued for the next WRITEABLE */
    bool hello_sent;
    double sent_at[RING];    /* by seq % RING */
    char rx[1 << 16];
    size_t rx_len;
    bool rx_drop;
};

struct room {
    struct worker *w;
    char project[64];
    int n;
    struct client c[MAX_CLIENTS];
};

struct worker {
    pthread_t thread;
    struct lws_context *ctx;
    struct room *rooms;
    int n_rooms;
    int welcomed;
    long long acked;
    uint32_t *hist;
    long long samples;
    double credit;
    double last_pace;
    int next_pusher;
    lws_sorted_usec_list_t sul;
};

static int port;
static int g_window, g_pushers;
static double g_rate_per_worker_ms;
static atomic_int g_phase;       /* 0 connect, 1 run, 2 drain, 3 stop */
static int run_id;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void connect_client(struct worker *w, struct client *c)
{
    struct lws_client_connect_info ci;

    memset(&ci, 0, sizeof ci);
    ci.context = w->ctx;
    ci.address = "127.0.0.1";
    ci.port = port;
    ci.path = "/ws";
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.protocol = "mixroom.v1";
    ci.userdata = c;
    ci.pwsi = &c->wsi;
    if (!lws_client_connect_via_info(&ci))
        c->failed = true;
}

/* Sends what the client has queued: the hello, then pushes while the
 * socket takes them. */
static int on_writeable(struct client *c, struct lws *wsi)
{
    unsigned char buf[LWS_PRE + 512];
    char *p = (char *)buf + LWS_PRE;
    int n;

    if (!c->hello_sent) {
        n = snprintf(p, 500,
                     "{\"type\":\"hello\",\"token\":\"%s\",\"project\":\"%s\","
                     "\"client\":\"%s\",\"since\":null}",
                     c->token, c->room->project, c->id);
        c->hello_sent = true;
        return lws_write(wsi, (unsigned char *)p, (size_t)n, LWS_WRITE_TEXT) < n
                   ? -1 : 0;
    }
    while (c->to_send > 0 && !lws_send_pipe_choked(wsi)) {
        long long seq = ++c->seq;
        if (seq == 1)
            n = snprintf(p, 500,
                         "{\"type\":\"push\",\"seq\":1,\"ops\":[{\"op\":"
                         "\"create\",\"id\":\"trk\",\"kind\":\"track\","
                         "\"fields\":{\"name\":\"Bench\"}}]}");
        else
            n = snprintf(p, 500,
                         "{\"type\":\"push\",\"seq\":%lld,\"ops\":[{\"op\":"
                         "\"set\",\"id\":\"trk\",\"fields\":{\"gain\":%.1f}}]}",
                         seq, -(double)(seq % 60) / 2);
        c->sent_at[seq % RING] = now_ms();
        c->to_send--;
        c->out++;
        if (lws_write(wsi, (unsigned char *)p, (size_t)n, LWS_WRITE_TEXT) < n)
            return -1;
    }
    if (c->to_send > 0)
        lws_callback_on_writable(wsi);
    return 0;
}

static void record(struct worker *w, double ms)
{
    long b = (long)(ms * 1000.0 / HIST_US);

    if (b < 0)
        b = 0;
    if (b >= HIST_N)
        b = HIST_N - 1;
    w->hist[b]++;
    w->samples++;
}

/* Closed loop: a pusher keeps WINDOW pushes outstanding. */
static void refill(struct client *c)
{
    if (atomic_load(&g_phase) == 1 && g_rate_per_worker_ms <= 0 &&
        c->out + c->to_send < g_window) {
        c->to_send++;
        lws_callback_on_writable(c->wsi);
    }
}

/* One complete text message at client c. */
static void on_message(struct client *c, const char *m, size_t len)
{
    struct worker *w = c->room->w;

    (void)len;
    if (!c->welcomed) {
        if (strstr(m, "\"type\":\"welcome\"")) {
            c->welcomed = true;
            w->welcomed++;
        } else if (strstr(m, "\"type\":\"error\"")) {
            fprintf(stderr, "bench_coedit: %s: %.200s\n", c->id, m);
            c->failed = true;
        }
        return;
    }
    if (strncmp(m, "{\"client\":\"", 11) != 0) {
        /* rejects are expected at the start: the create of an existing
         * "trk", or a set that overtook the create */
        if (strstr(m, "\"type\":\"reject\"") && c->pusher && c->out > 0) {
            c->out--;
            refill(c);
        }
        return;
    }
    const char *id = m + 11, *q = strchr(id, '"');
    const char *s = strstr(m, "\"seq\":");
    if (!q || !s)
        return;
    /* client ids are "b<run>-<room>-<index>" */
    const char *dash = memrchr(id, '-', (size_t)(q - id));
    if (!dash)
        return;
    int from = atoi(dash + 1);
    long long seq = atoll(s + 6);
    struct room *r = c->room;
    if (from < 0 || from >= r->n || strncmp(id, r->c[from].id, (size_t)(q - id)))
        return; /* not ours (an earlier run's client) */
    struct client *author = &r->c[from];
    if (seq > 1 && seq > author->seq - RING)
        record(w, now_ms() - author->sent_at[seq % RING]);
    if (author == c) {
        c->out--;
        if (seq > 1)
            w->acked++;
        refill(c);
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    struct client *c = user;

    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "bench_coedit: %s: connection error: %s\n",
                c ? c->id : "?", in ? (const char *)in : "");
        if (c)
            c->failed = true;
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(c, wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (lws_is_first_fragment(wsi)) {
            c->rx_len = 0;
            c->rx_drop = false;
        }
        if (c->rx_len + len + 1 > sizeof c->rx)
            c->rx_drop = true; /* a big welcome: only its start matters */
        else {
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += len;
        }
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            c->rx[c->rx_len] = '\0';
            on_message(c, c->rx, c->rx_len);
            c->rx_len = 0;
        }
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c && atomic_load(&g_phase) < 3) {
            fprintf(stderr, "bench_coedit: %s closed\n", c->id);
            c->failed = true;
        }
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"mixroom.v1", callback, 0, 1 << 16, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Open loop: every millisecond, hand out rate credits round-robin. */
static void pace(lws_sorted_usec_list_t *sul)
{
    struct worker *w = lws_container_of(sul, struct worker, sul);
    int total = w->n_rooms * g_pushers;

    double t = now_ms();

    if (atomic_load(&g_phase) == 1 && total > 0) {
        /* credits by the time actually elapsed (the timer may run late) */
        w->credit += g_rate_per_worker_ms * (w->last_pace > 0 ? t - w->last_pace : 1);
        for (int guard = 0; w->credit >= 1 && guard < 4 * total; guard++) {
            int k = w->next_pusher++ % total;
            struct client *c = &w->rooms[k / g_pushers].c[k % g_pushers];
            if (c->out + c->to_send >= g_window)
                continue; /* backlog: this push is skipped, not queued */
            c->to_send++;
            lws_callback_on_writable(c->wsi);
            w->credit -= 1;
        }
        if (w->credit > 1)
            w->credit = 1; /* skipped pushes are not caught up later */
    }
    w->last_pace = t;
    lws_sul_schedule(w->ctx, 0, &w->sul, pace, LWS_US_PER_MS);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct lws_context_creation_info info;
    bool started = false;

    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    info.fd_limit_per_thread = 4096;
    w->ctx = lws_create_context(&info);
    if (!w->ctx)
        return NULL;
    for (int r = 0; r < w->n_rooms; r++)
        for (int i = 0; i < w->rooms[r].n; i++)
            connect_client(w, &w->rooms[r].c[i]);
    if (g_rate_per_worker_ms > 0)
        lws_sul_schedule(w->ctx, 0, &w->sul, pace, LWS_US_PER_MS);
    while (atomic_load(&g_phase) < 3) {
        if (!started && atomic_load(&g_phase) == 1) {
            started = true;
            if (g_rate_per_worker_ms <= 0)
                for (int r = 0; r < w->n_rooms; r++)
                    for (int i = 0; i < g_pushers; i++) {
                        struct client *c = &w->rooms[r].c[i];
                        c->to_send = g_window - c->out;
                        lws_callback_on_writable(c->wsi);
                    }
        }
        lws_service(w->ctx, 0);
    }
    lws_context_destroy(w->ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: bench_coedit PORT SETUPFILE ROOMS SECONDS "
                        "PUSHERS WINDOW RATE THREADS\n");
        return 2;
    }
    port = atoi(argv[1]);
    int n_rooms = atoi(argv[3]);
    double seconds = atof(argv[4]);
    g_pushers = atoi(argv[5]);
    g_window = atoi(argv[6]);
    double rate = atof(argv[7]);
    int n_workers = atoi(argv[8]);
    FILE *f = fopen(argv[2], "r");
    struct room *rooms = calloc((size_t)n_rooms, sizeof *rooms);
    char line[8192];
    int status = 1;

    if (!f || !rooms || n_workers < 1)
        goto out;
    lws_set_log_level(LLL_ERR, NULL);
    srand((unsigned)time(NULL));
    run_id = rand() % 1000000;
    for (int r = 0; r < n_rooms; r++) {
        if (!fgets(line, sizeof line, f)) {
            fprintf(stderr, "bench_coedit: the setup file has < %d rooms\n",
                    n_rooms);
            goto out;
        }
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        snprintf(rooms[r].project, sizeof rooms[r].project, "%s", tok ? tok : "");
        while ((tok = strtok_r(NULL, " \n", &save)) && rooms[r].n < MAX_CLIENTS) {
            struct client *c = &rooms[r].c[rooms[r].n];
            c->room = &rooms[r];
            c->index = rooms[r].n;
            c->pusher = c->index < g_pushers;
            snprintf(c->token, sizeof c->token, "%s", tok);
            snprintf(c->id, sizeof c->id, "b%d-%d-%d", run_id, r, c->index);
            rooms[r].n++;
        }
    }
    if (n_workers > n_rooms)
        n_workers = n_rooms;
    if (n_workers < 1)
        goto out;
    struct worker *ws = calloc((size_t)n_workers, sizeof *ws);
    g_rate_per_worker_ms = rate / 1000.0 / n_workers;
    for (int i = 0; i < n_workers; i++) {
        int a = n_rooms * i / n_workers, b = n_rooms * (i + 1) / n_workers;
        ws[i].rooms = rooms + a;
        ws[i].n_rooms = b - a;
        ws[i].hist = calloc(HIST_N, sizeof *ws[i].hist);
        for (int r = a; r < b; r++)
            rooms[r].w = &ws[i];
        pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);
    }
    /* wait for every welcome (at most 60 s) */
    int total = 0;
    for (int r = 0; r < n_rooms; r++)
        total += rooms[r].n;
    double t0 = now_ms();
    int welcomed = 0;
    while (now_ms() - t0 < 60000) {
        welcomed = 0;
        for (int i = 0; i < n_workers; i++)
            welcomed += __atomic_load_n(&ws[i].welcomed, __ATOMIC_RELAXED);
        if (welcomed >= total)
            break;
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    /* the create of "trk" (seq 1) goes out with the first burst */
    printf("running\n"); /* the driver samples server CPU from here... */
    fflush(stdout);
    atomic_store(&g_phase, 1);
    for (int i = 0; i < n_workers; i++)
        lws_cancel_service(ws[i].ctx); /* wake the workers to start */
    double start = now_ms();
    struct timespec ts = {(time_t)seconds,
                          (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    long long acked = 0;
    for (int i = 0; i < n_workers; i++)
        acked += __atomic_load_n(&ws[i].acked, __ATOMIC_RELAXED);
    double elapsed = (now_ms() - start) / 1000.0;
    printf("stopped\n"); /* ...to here */
    fflush(stdout);
    atomic_store(&g_phase, 2);
    ts.tv_sec = 1;
    ts.tv_nsec = 0;
    nanosleep(&ts, NULL); /* let the outstanding deltas arrive */
    atomic_store(&g_phase, 3);
    for (int i = 0; i < n_workers; i++)
        lws_cancel_service(ws[i].ctx);
    for (int i = 0; i < n_workers; i++)
        pthread_join(ws[i].thread, NULL);
    /* merge histograms */
    long long samples = 0;
    for (int i = 0; i < n_workers; i++)
        samples += ws[i].samples;
    double p50 = -1, p99 = -1, p999 = -1, max = -1;
    long long seen = 0;
    for (long b = 0; b < HIST_N && samples > 0; b++) {
        for (int i = 0; i < n_workers; i++)
            seen += ws[i].hist[b];
        double ms = (double)(b + 1) * HIST_US / 1000.0;
        if (p50 < 0 && seen * 2 >= samples)
            p50 = ms;
        if (p99 < 0 && seen * 100 >= samples * 99)
            p99 = ms;
        if (p999 < 0 && seen * 1000 >= samples * 999)
            p999 = ms;
        if (seen > 0 && seen <= samples)
            max = ms;
        if (seen == samples)
            break;
    }
    printf("pushes_per_s=%.0f p50_ms=%.2f p99_ms=%.2f samples=%lld "
           "connected=%d/%d p999_ms=%.2f max_ms=%.2f\n",
           (double)acked / elapsed, p50, p99, samples, welcomed, total, p999,
           max);
    for (int i = 0; i < n_workers; i++)
        free(ws[i].hist);
    free(ws);
    status = 0;
out:
    if (f)
        fclose(f);
    free(rooms);
    return status;
}
