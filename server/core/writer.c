/* writer.c -- the store writer thread. It owns the only write connection
 * of the running server. Jobs queue up while a batch commits; the next
 * batch takes all of them in one transaction (group commit), each job in
 * its own SAVEPOINT. After COMMIT, the batch's done callbacks are handed to
 * the loop thread in one srv_loop_post.
 *
 * Checkpoints are kept off the commit path: the writer connection's WAL
 * hook (which replaces SQLite's auto-checkpoint on that connection) only
 * wakes a second thread with its own connection once the WAL holds
 * CKPT_PAGES pages, and that thread runs a PASSIVE checkpoint, which
 * copies pages into the database file while commits go on. Before this,
 * every 1000th page a commit also ran the checkpoint (and its fsyncs of
 * the database file) before its deltas could go out. The transaction
 * control statements are prepared once (persistent), at start, in a
 * statement cache the writer thread takes over; they are finalized at
 * stop, after the thread has ended.
 *
 * Lack of space: a job or a COMMIT that fails with DB_FULL (the disk,
 * or the page limit) fails with STORE_FAILED_FULL and marks the writer
 * full; a probe (store_writer_probe, sent by /readyz's tick) measures the
 * free disk space and whether the database can still grow, and clears the
 * mark when it can. If SQLite rolled the whole transaction back after a
 * failed job (it may, for DB_FULL or an I/O error), every job of the
 * batch has failed: nothing of it is stored, and later jobs of the batch
 * are not run outside a transaction. Each job's time from submission to
 * its commit goes to the commit histogram (metrics.h).
 *
 * PostgreSQL (--store postgresql://): the batch is one PostgreSQL
 * transaction (BEGIN ... COMMIT, each job in a SAVEPOINT as above) on a
 * connection with synchronous_commit=on, so COMMIT returns once the WAL
 * is flushed on the server and only then are the done callbacks posted.
 * PostgreSQL aborts a transaction on any failed statement: a job whose
 * RELEASE fails (it returned 0 over a failed statement) is rolled back to
 * its savepoint and fails like one that returned an error. There is no
 * checkpointer (the server checkpoints), no page hook and no pragmas; the
 * probe reports the data folder's free space and never "full". */
#include "server/core/writer.h"

#include "server/core/db.h"
#include <sqlite3.h> /* sqlite-only: the WAL hook and checkpoints */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"

struct job {
    struct job *next;
    store_write_fn fn;
    store_done_fn done;
    void *arg;                /* done's */
    void *fn_arg;             /* fn's: arg, or the writer for a probe */
    int status;
    long long submit_ns;      /* srv_metrics_now_ns() at submission */
};

/* The batch's transaction control, prepared once on the writer connection. */
enum { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_SAVEPOINT, TX_RELEASE,
       TX_ROLLBACK_TO, TX_COUNT };
static const char *const tx_sql[TX_COUNT] = {
    "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SAVEPOINT job", "RELEASE job",
    "ROLLBACK TO job",
};
/* PostgreSQL's BEGIN (the rest are the same statements) */
static const char pg_begin_sql[] = "BEGIN";

/* Wake the checkpointer when the WAL holds this many pages (SQLite's own
 * auto-checkpoint default), and again each time it has grown by as many
 * since (see wal_hook); past CKPT_MAX_PAGES after every commit. */
#define CKPT_PAGES 1000
#define CKPT_MAX_PAGES (4 * CKPT_PAGES)

/* The database "cannot grow" when fewer pages than this are left below
 * its page limit (free pages inside the file included). */
#define FULL_MARGIN_PAGES 16

struct store_writer {
    db_conn *db;
    struct store_stmt_cache tx;   /* tx_sql on db; the writer thread's */
    /* the checkpointer */
    db_conn *ckpt_db;
    pthread_t ckpt_thread;
    bool ckpt_started;
    bool ckpt_wanted;         /* guarded by lock */
    pthread_cond_t ckpt_wake;
    unsigned long long checkpoints;
    int ckpt_mark;            /* WAL pages at the last wake (writer thread) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* jobs queued or stop requested */
    pthread_cond_t drained;   /* a batch finished */
    struct job *head, *tail;
    unsigned long long submitted, finished;
    bool stop;
    unsigned long long batches, jobs, max_batch;
    /* health (guarded by lock) */
    bool full;
    unsigned long long full_failures;
    long long free_bytes;
    bool pg;                  /* the store is PostgreSQL */
    /* the writer thread's own */
    char data_dir[4096];
    char page_hook[4096];     /* MIXROOM_TEST_PAGE_LIMIT_FILE, or "" */
    long long orig_max_pages; /* the connection's page limit at open */
    long long hook_pages;     /* the limit last applied by the hook, -1 */
};

/* Runs the done callbacks of one committed batch on the loop thread. */
static void run_dones(void *arg)
{
    struct job *j = arg, *next;

    for (; j; j = next) {
        next = j->next;
        if (j->done)
            j->done(j->arg, j->status);
        free(j);
    }
}

/* Runs one of the prepared transaction statements; 0 on success. */
static int tx_exec(struct store_writer *w, int which)
{
    const char *sql =
        which == TX_BEGIN && w->pg ? pg_begin_sql : tx_sql[which];
    db_stmt *st = store_stmt_cache_get(&w->tx, w->db, sql);

    return st ? store_step_done(st, NULL, 0) : -1;
}

/* The failure status for the connection's last error. */
static int fail_status(struct store_writer *w)
{
    return (db_errcode(w->db) & 0xff) == DB_FULL ? STORE_FAILED_FULL
                                                          : -1;
}

/* Marks every job of the batch failed with status. */
static void fail_all(struct job *batch, int status)
{
    for (struct job *j = batch; j; j = j->next)
        j->status = status;
}

/* Writer thread: the test hook (see writer.h), before each batch. */
static void apply_page_hook(struct store_writer *w)
{
    long long pages = -1;
    char sql[64];
    FILE *f;

    if (!w->page_hook[0] || w->pg)
        return;
    if ((f = fopen(w->page_hook, "r"))) {
        if (fscanf(f, "%lld", &pages) != 1 || pages < 0)
            pages = -1;
        fclose(f);
    }
    if (pages == w->hook_pages)
        return;
    w->hook_pages = pages;
    snprintf(sql, sizeof sql, "PRAGMA max_page_count=%lld",
             pages >= 0 ? (pages < 1 ? 1 : pages) : w->orig_max_pages);
    db_exec(w->db, sql, NULL, NULL, NULL);
}

/* Runs one batch: BEGIN, each job in a savepoint, COMMIT. On a failed
 * COMMIT, or a job after which SQLite rolled the transaction back, every
 * job of the batch is marked failed. Returns how many jobs failed for lack
 * of space. */
static int run_batch(struct store_writer *w, struct job *batch)
{
    bool began;
    int n_full = 0;

    apply_page_hook(w);
    began = tx_exec(w, TX_BEGIN) == 0;
    if (!began) {
        srv_err("store begin failed: %s", db_errmsg(w->db));
        fail_all(batch, fail_status(w));
        goto count;
    }
    for (struct job *j = batch; j; j = j->next) {
        tx_exec(w, TX_SAVEPOINT);
        j->status = j->fn ? j->fn(w->db, j->fn_arg) : 0;
        if (j->status == 0 && tx_exec(w, TX_RELEASE) == 0)
            continue;
        if (j->status == 0)
            srv_err("store: a job's writes failed: %s", db_errmsg(w->db));
        j->status = fail_status(w);
        if (db_get_autocommit(w->db)) {
            srv_err("store: the transaction was rolled back: %s",
                    db_errmsg(w->db));
            fail_all(batch, j->status);
            goto count;
        }
        tx_exec(w, TX_ROLLBACK_TO);
        tx_exec(w, TX_RELEASE);
    }
    if (tx_exec(w, TX_COMMIT) != 0) {
        srv_err("store commit failed: %s", db_errmsg(w->db));
        int status = fail_status(w);
        if (!db_get_autocommit(w->db))
            tx_exec(w, TX_ROLLBACK);
        fail_all(batch, status);
    }
count:
    for (struct job *j = batch; j; j = j->next)
        n_full += j->status == STORE_FAILED_FULL;
    return n_full;
}

/* Writer thread, after each commit (sqlite3_wal_hook): wakes the
 * checkpointer when the WAL is long enough. Never checkpoints itself.
 * Under steady commits a PASSIVE checkpoint rarely catches up with the
 * writer, so the WAL is not restarted and stays over CKPT_PAGES: waking
 * the checkpointer after every commit then (as SQLite's auto-checkpoint
 * does) copied a few pages and fsynced the database file per commit, 13 %
 * of the server's CPU in bench_push. It is woken once per CKPT_PAGES new
 * pages instead, and after every commit only past CKPT_MAX_PAGES, so the
 * WAL stays as bounded as before. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, /* sqlite-only */
                    int pages)
{
    struct store_writer *w = arg;

    (void)db;
    (void)name;
    if (pages < w->ckpt_mark)
        w->ckpt_mark = 0; /* the WAL was restarted */
    if (pages >= w->ckpt_mark + CKPT_PAGES || pages >= CKPT_MAX_PAGES) {
        w->ckpt_mark = pages;
        pthread_mutex_lock(&w->lock);
        if (!w->ckpt_wanted) {
            w->ckpt_wanted = true;
            pthread_cond_signal(&w->ckpt_wake);
        }
        pthread_mutex_unlock(&w->lock);
    }
    return DB_OK;
}

/* The checkpointer thread: a PASSIVE checkpoint each time it is woken. */
static void *ckpt_main(void *arg)
{
    struct store_writer *w = arg;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->ckpt_wanted && !w->stop)
            pthread_cond_wait(&w->ckpt_wake, &w->lock);
        if (w->stop)
            break;
        w->ckpt_wanted = false;
        pthread_mutex_unlock(&w->lock);
        /* sqlite-only: begin */
        int rc = sqlite3_wal_checkpoint_v2(db_sqlite_handle(w->ckpt_db), NULL,
                                           SQLITE_CHECKPOINT_PASSIVE, NULL,
                                           NULL);
        /* sqlite-only: end */
        if (rc != DB_OK && rc != DB_BUSY)
            srv_warn("store checkpoint failed: %s",
                     db_errmsg(w->ckpt_db));
        pthread_mutex_lock(&w->lock);
        w->checkpoints++;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Queues a job running fn(db, fn_arg), then done(arg) (any thread). */
static void submit(struct store_writer *w, store_write_fn fn, void *fn_arg,
                   store_done_fn done, void *arg)
{
    struct job *j = calloc(1, sizeof *j);

    if (!j) {
        srv_err("out of memory queueing a store job");
        if (done)
            done(arg, -1);
        return;
    }
    j->fn = fn;
    j->fn_arg = fn_arg;
    j->done = done;
    j->arg = arg;
    j->submit_ns = srv_metrics_now_ns();
    pthread_mutex_lock(&w->lock);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->submitted++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

/* The integer a one-value PRAGMA returns, or -1. */
static long long pragma_int(db_conn *db, const char *sql)
{
    db_stmt *st = NULL;
    long long v = -1;

    if (db_prepare(db, sql, &st) == DB_OK &&
        db_step(st) == DB_ROW)
        v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

/* Writer thread: the probe's job (see store_writer_probe). */
static int probe_fn(db_conn *db, void *arg)
{
    struct store_writer *w = arg;
    struct statvfs vfs;
    long long free_bytes = -1;
    long long pages = w->pg ? -1 : pragma_int(db, "PRAGMA page_count");
    long long max = w->pg ? -1 : pragma_int(db, "PRAGMA max_page_count");
    long long freelist = w->pg ? -1 : pragma_int(db, "PRAGMA freelist_count");
    bool full = pages >= 0 && max >= 0 && freelist >= 0 &&
                max - pages + freelist < FULL_MARGIN_PAGES;

    assert(store_on_writer_thread());
    if (statvfs(w->data_dir, &vfs) == 0)
        free_bytes = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
    else
        srv_warn("store: statvfs %s: %s", w->data_dir, strerror(errno));
    pthread_mutex_lock(&w->lock);
    w->full = full;
    w->free_bytes = free_bytes;
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void store_writer_probe(struct store_writer *w, store_done_fn done, void *arg)
{
    /* the job's fn gets the writer; done gets the caller's arg */
    submit(w, probe_fn, w, done, arg);
}

void store_writer_health(struct store_writer *w, struct store_writer_health *h)
{
    pthread_mutex_lock(&w->lock);
    h->queued = w->submitted - w->finished;
    h->full = w->full;
    h->full_failures = w->full_failures;
    h->free_bytes = w->free_bytes;
    pthread_mutex_unlock(&w->lock);
}

/* True on a writer thread (thread-local: each writer sets its own). */
static _Thread_local bool on_writer_thread;

bool store_on_writer_thread(void)
{
    return on_writer_thread;
}

/* The cluster's events in the batch's transaction (writer.h). */
int store_writer_notify(db_conn *db, const char *channel, const char *payload)
{
    db_stmt *st = NULL;
    int rc = -1;

    assert(store_on_writer_thread());
    if (db_engine(db) != DB_ENGINE_PG)
        return 0; /* one node: nobody listens */
    if (db_prepare(db, "SELECT pg_notify(?1, ?2)", &st) == DB_OK &&
        db_bind_text(st, 1, channel, -1, DB_STATIC) == DB_OK &&
        db_bind_text(st, 2, payload, -1, DB_STATIC) == DB_OK &&
        db_step(st) == DB_ROW)
        rc = 0;
    db_finalize(st);
    return rc;
}

static void *writer_main(void *arg)
{
    struct store_writer *w = arg;

    on_writer_thread = true;
    store_stmt_cache_adopt(&w->tx);

    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stop)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head && w->stop)
            break;
        struct job *batch = w->head;
        unsigned long long count = 0;
        w->head = w->tail = NULL;
        pthread_mutex_unlock(&w->lock);

        int n_full = run_batch(w, batch);
        long long now = srv_metrics_now_ns();
        for (struct job *j = batch; j; j = j->next) {
            count++;
            srv_observe_ns(SRV_H_COMMIT, now - j->submit_ns);
        }
        srv_loop_post(run_dones, batch);

        pthread_mutex_lock(&w->lock);
        if (n_full > 0) {
            w->full = true;
            w->full_failures += (unsigned long long)n_full;
        }
        w->finished += count;
        w->batches++;
        w->jobs += count;
        if (count > w->max_batch)
            w->max_batch = count;
        pthread_cond_broadcast(&w->drained);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct store_writer *store_writer_start(const char *data_dir,
                                        const char *synchronous, char *err,
                                        size_t errlen)
{
    struct store_writer *w = calloc(1, sizeof *w);

    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_cond_init(&w->drained, NULL);
    pthread_cond_init(&w->ckpt_wake, NULL);
    w->free_bytes = -1;
    w->hook_pages = -1;
    snprintf(w->data_dir, sizeof w->data_dir, "%s", data_dir);
    const char *hook = getenv("MIXROOM_TEST_PAGE_LIMIT_FILE");
    snprintf(w->page_hook, sizeof w->page_hook, "%s", hook ? hook : "");
    w->db = store_open(data_dir, synchronous, false, err, errlen);
    if (!w->db)
        goto fail;
    w->pg = db_engine(w->db) == DB_ENGINE_PG;
    if (w->pg)
        goto start;
    w->orig_max_pages = pragma_int(w->db, "PRAGMA max_page_count");
    for (int i = 0; i < TX_COUNT; i++)
        if (!store_stmt_cache_get(&w->tx, w->db, tx_sql[i])) {
            snprintf(err, errlen, "store writer: %s", db_errmsg(w->db));
            goto fail;
        }
    /* a larger page cache for the writer (8 MiB; the default is 2 MiB) */
    db_exec(w->db, "PRAGMA cache_size=-8192", NULL, NULL, NULL);
    /* each job's SAVEPOINT keeps the pages it changes in a sub-journal;
     * with temporary files on disk a batch of a few dozen revisions spilt
     * it into a new temporary file (open, pwrite of every page, unlink,
     * close) on every commit: in memory it is a few pages of the batch
     * (bench_push.mjs, BENCHMARKS.md "Push cost (h15-push2)") */
    db_exec(w->db, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
    w->ckpt_db = store_open(data_dir, synchronous, false, err, errlen);
    if (!w->ckpt_db)
        goto fail;
    if (pthread_create(&w->ckpt_thread, NULL, ckpt_main, w) != 0) {
        snprintf(err, errlen, "cannot start the store checkpoint thread");
        goto fail;
    }
    /* named for ps/schedstat (tests/bench/room_scale.mjs reads them) */
    pthread_setname_np(w->ckpt_thread, "mx-checkpoint");
    w->ckpt_started = true;
    /* replaces auto-checkpoint (sqlite-only) */
    sqlite3_wal_hook(db_sqlite_handle(w->db), wal_hook, w); /* sqlite-only */
start:
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the store writer thread");
        goto fail;
    }
    pthread_setname_np(w->thread, "mx-writer");
    return w;
fail:
    if (w->ckpt_started) {
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->ckpt_wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->ckpt_thread, NULL);
    }
    store_stmt_cache_clear(&w->tx);
    db_close(w->ckpt_db);
    db_close(w->db);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    pthread_cond_destroy(&w->drained);
    pthread_cond_destroy(&w->ckpt_wake);
    free(w);
    return NULL;
}

void store_writer_submit(struct store_writer *w, store_write_fn fn,
                         store_done_fn done, void *arg)
{
    submit(w, fn, arg, done, arg);
}

void store_writer_flush(struct store_writer *w)
{
    pthread_mutex_lock(&w->lock);
    unsigned long long target = w->submitted;
    while (w->finished < target)
        pthread_cond_wait(&w->drained, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

void store_writer_stop(struct store_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_cond_signal(&w->ckpt_wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    if (w->ckpt_started)
        pthread_join(w->ckpt_thread, NULL);
    assert(w->head == NULL);
    store_stmt_cache_clear(&w->tx);
    db_close(w->ckpt_db);
    db_close(w->db); /* the last connection checkpoints the WAL */
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    pthread_cond_destroy(&w->drained);
    pthread_cond_destroy(&w->ckpt_wake);
    free(w);
}

void store_writer_stats(struct store_writer *w, unsigned long long *batches,
                        unsigned long long *jobs, unsigned long long *max_batch)
{
    pthread_mutex_lock(&w->lock);
    *batches = w->batches;
    *jobs = w->jobs;
    *max_batch = w->max_batch;
    pthread_mutex_unlock(&w->lock);
}
