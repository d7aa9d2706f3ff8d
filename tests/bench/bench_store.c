/* bench_store.c -- durable pushes per second and the ack latency of the
 * store writer, SQLite against PostgreSQL on this machine in the same run.
 * CLIENTS closed-loop pushers each submit one push job (the rows a push
 * writes: an ops row, an upsert of one object, the client's seq, the
 * project's head) and wait for its done, which the writer posts after
 * COMMIT, as the server acks a push; the main thread is the loop. Prints
 * pushes/s, p50/p99 ack latency and this process's CPU time (for
 * PostgreSQL the server's own CPU is not in it). Never fails on time.
 * Usage: bench_store [PGURL|-] [SECONDS] [CLIENTS]
 * (PGURL: a database the bench may create another database from, e.g.
 * postgresql://mixroom@127.0.0.1:PORT/postgres from tests/pg/pg.sh) */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "server/core/db.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/writer.h"

#define MAX_CLIENTS 64
#define MAX_SAMPLES 2000000

struct pusher {
    int id;
    long long seq;
    long long submit_ns;
    bool waiting;
};

static struct store_writer *writer;
static struct pusher pushers[MAX_CLIENTS];
static long long *lat_ns;
static long long n_lat, n_failed;
static long long head_rev;
static bool running;

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

struct push_job {
    struct pusher *p;
    long long rev, seq;
};

/* Runs sql with the parameters described by fmt, one letter each in
 * order: 't' a const char *, 'i' a long long. 0 when it ran to the end. */
static int run_sql(db_conn *db, const char *sql, const char *fmt, ...)
{
    db_stmt *st = NULL;
    va_list ap;
    int rc;

    if (db_prepare(db, sql, &st) != DB_OK)
        return -1;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't')
            db_bind_text(st, i + 1, va_arg(ap, const char *), -1, DB_STATIC);
        else
            db_bind_int64(st, i + 1, va_arg(ap, long long));
    }
    va_end(ap);
    rc = db_step(st) == DB_DONE ? 0 : -1;
    db_finalize(st);
    return rc;
}

/* Writer thread: the rows of one push. */
static int push_write(db_conn *db, void *arg)
{
    struct push_job *j = arg;
    char client[32], obj[32];
    static const char body[] =
        "{\"id\":\"c1\",\"kind\":\"clip\",\"gain\":-3.5,\"start\":48000}";

    snprintf(client, sizeof client, "cl_%d", j->p->id);
    snprintf(obj, sizeof obj, "c_%d", j->p->id);
    if (run_sql(db,
                "INSERT INTO ops(project_id, rev, kind, client, seq, user_id, "
                "ts, ops, inverse) VALUES('p_bench', ?1, 'push', ?2, ?3, "
                "'u_bench', ?4, ?5, ?6)",
                "itiitt", j->rev, client, j->seq, store_now_ms(), body,
                body) != 0 ||
        run_sql(db,
                "INSERT INTO objects(project_id, id, kind, body, rev) "
                "VALUES('p_bench', ?1, 'clip', ?2, ?3) ON CONFLICT(project_id,"
                " id) DO UPDATE SET body=excluded.body, rev=excluded.rev",
                "tti", obj, body, j->rev) != 0 ||
        run_sql(db,
                "INSERT INTO client_seqs(project_id, client, seq, rev) "
                "VALUES('p_bench', ?1, ?2, ?3) ON CONFLICT(project_id, client)"
                " DO UPDATE SET seq=excluded.seq, rev=excluded.rev",
                "tii", client, j->seq, j->rev) != 0 ||
        run_sql(db, "UPDATE projects SET head_rev=?1 WHERE id='p_bench'", "i",
                j->rev) != 0) {
        fprintf(stderr, "bench_store: %s\n", db_errmsg(db));
        return -1;
    }
    return 0;
}

static void submit(struct pusher *p);

/* Loop thread: the ack of one push; the pusher sends its next. */
static void push_done(void *arg, int status)
{
    struct push_job *j = arg;
    struct pusher *p = j->p;

    if (status != 0)
        n_failed++;
    else if (n_lat < MAX_SAMPLES)
        lat_ns[n_lat++] = now_ns() - p->submit_ns;
    p->waiting = false;
    free(j);
    if (running)
        submit(p);
}

static void submit(struct pusher *p)
{
    struct push_job *j = calloc(1, sizeof *j);

    if (!j)
        abort();
    j->p = p;
    j->rev = ++head_rev;
    j->seq = ++p->seq;
    p->submit_ns = now_ns();
    p->waiting = true;
    store_writer_submit(writer, push_write, push_done, j);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return x < y ? -1 : x > y;
}

/* The loop's wake-up: a condition the main thread waits on. */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static int wakes;

static void wake(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wake_lock);
    wakes++;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

/* Runs the engine of the configured store for seconds; prints a line. */
static int run(const char *label, const char *dir, double seconds,
               int clients)
{
    char err[1024];
    db_conn *db;
    double cpu0, t0, t1;
    unsigned long long batches, jobs, max_batch;

    if (store_migrate(dir, err, sizeof err) < 0 ||
        !(db = store_open(dir, "FULL", false, err, sizeof err))) {
        fprintf(stderr, "bench_store %s: %s\n", label, err);
        return -1;
    }
    store_exec(db,
               "INSERT INTO users(id, name, display_name, pw_hash, created_at)"
               " VALUES('u_bench', 'bench', 'bench', 'x', 0);"
               "INSERT INTO projects(id, name, sample_rate, created_at, "
               "updated_at) VALUES('p_bench', 'bench', 48000, 0, 0)",
               err, sizeof err);
    db_close(db);
    if (!(writer = store_writer_start(dir, "FULL", err, sizeof err))) {
        fprintf(stderr, "bench_store %s: %s\n", label, err);
        return -1;
    }
    n_lat = n_failed = 0;
    head_rev = 0;
    running = true;
    memset(pushers, 0, sizeof pushers);
    cpu0 = cpu_s();
    t0 = now_ns() / 1e9;
    for (int i = 0; i < clients; i++) {
        pushers[i].id = i;
        submit(&pushers[i]);
    }
    do {
        pthread_mutex_lock(&wake_lock);
        if (!wakes) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&wake_cond, &wake_lock, &ts);
        }
        wakes = 0;
        pthread_mutex_unlock(&wake_lock);
        srv_loop_drain_posts();
        t1 = now_ns() / 1e9;
    } while (t1 - t0 < seconds);
    running = false;
    store_writer_flush(writer);
    srv_loop_drain_posts();
    t1 = now_ns() / 1e9;
    double cpu = cpu_s() - cpu0;
    store_writer_stats(writer, &batches, &jobs, &max_batch);
    store_writer_stop(writer);
    writer = NULL;
    qsort(lat_ns, (size_t)n_lat, sizeof *lat_ns, cmp_ll);
    printf("%-10s clients %2d: %8.0f durable pushes/s, ack p50 %7.2f ms, "
           "p99 %7.2f ms, %6.1f jobs/batch, CPU %.2f s (%.1f us/push), "
           "failed %lld\n",
           label, clients, n_lat / (t1 - t0),
           n_lat ? lat_ns[n_lat / 2] / 1e6 : 0.0,
           n_lat ? lat_ns[(long long)(n_lat * 0.99)] / 1e6 : 0.0,
           batches ? (double)jobs / (double)batches : 0.0, cpu,
           n_lat ? cpu * 1e6 / (double)n_lat : 0.0, n_failed);
    fflush(stdout);
    return 0;
}

/* One round trip on the loop's reader connection: the cost a blocking read
 * of the loop pays (SELECT of one row by key). */
static void reader_cost(const char *label, const char *dir)
{
    char err[1024];
    db_conn *db = store_open(dir, "FULL", true, err, sizeof err);
    db_stmt *st = NULL;
    const int n = 2000;
    double cpu0 = cpu_s();
    long long t0 = now_ns();

    if (!db || db_prepare_persistent(db, "SELECT head_rev FROM projects WHERE "
                                         "id=?1",
                                     &st) != DB_OK) {
        fprintf(stderr, "bench_store %s: reader: %s\n", label,
                db ? db_errmsg(db) : err);
        db_close(db);
        return;
    }
    for (int i = 0; i < n; i++) {
        db_reset(st);
        db_bind_text(st, 1, "p_bench", -1, DB_STATIC);
        if (db_step(st) != DB_ROW)
            break;
    }
    printf("%-10s reader: one keyed SELECT %.1f us wall, %.1f us CPU here\n",
           label, (now_ns() - t0) / 1e3 / n, (cpu_s() - cpu0) * 1e6 / n);
    db_finalize(st);
    db_close(db);
}

int main(int argc, char **argv)
{
    const char *pg = argc > 1 && strcmp(argv[1], "-") ? argv[1] : NULL;
    double seconds = argc > 2 ? atof(argv[2]) : 5.0;
    int clients = argc > 3 ? atoi(argv[3]) : 8;
    char dir[] = "/tmp/bench-store-XXXXXX", err[1024], cmd[256];
    char dbname[64], url[2300];
    int status = 0;

    if (clients < 1 || clients > MAX_CLIENTS || !(lat_ns = calloc(MAX_SAMPLES, sizeof *lat_ns)) ||
        !mkdtemp(dir))
        return 2;
    srv_server_set_wake(wake, NULL);
    srv_server_enter_loop();
    store_prepare_dir(dir, err, sizeof err);
    printf("bench_store: %g s per run, closed-loop pushers, group commit; "
           "SQLite WAL synchronous=FULL in %s\n", seconds, dir);
    for (int c = 1; c <= clients; c *= clients > 1 ? clients : 2) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/sqlite%d", dir, c);
        store_prepare_dir(sub, err, sizeof err);
        store_configure("sqlite:", err, sizeof err);
        status |= run("sqlite", sub, seconds, c);
        if (c == clients)
            reader_cost("sqlite", sub);
        if (pg) {
            db_conn *admin = NULL;
            snprintf(dbname, sizeof dbname, "bench_store_%d_%d", (int)getpid(), c);
            snprintf(cmd, sizeof cmd, "CREATE DATABASE %s", dbname);
            if (db_open_pg(pg, &admin) != DB_OK ||
                db_exec(admin, cmd, NULL, NULL, NULL) != DB_OK) {
                fprintf(stderr, "bench_store: %s\n", db_errmsg(admin));
                db_close(admin);
                return 1;
            }
            const char *slash = strrchr(pg, '/');
            snprintf(url, sizeof url, "%.*s/%s", (int)(slash - pg), pg, dbname);
            store_configure(url, err, sizeof err);
            status |= run("postgresql", sub, seconds, c);
            if (c == clients)
                reader_cost("postgresql", sub);
            snprintf(cmd, sizeof cmd, "DROP DATABASE %s", dbname);
            db_exec(admin, cmd, NULL, NULL, NULL);
            db_close(admin);
        }
        if (c == clients)
            break;
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        status = 1;
    return status ? 1 : 0;
}
