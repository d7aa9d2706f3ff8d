/* writer.h -- the store writer thread: the only code that writes SQLite
 * while the server runs. Jobs submitted during one loop tick are run in one
 * transaction (group commit), each inside its own SAVEPOINT so one failing
 * job does not undo the others; after COMMIT returns (durable with
 * synchronous=FULL) each job's `done` runs on the loop thread. */
#ifndef MIXROOM_SERVER_WRITER_H
#define MIXROOM_SERVER_WRITER_H

#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>

struct store_writer;

/* Runs on the writer thread inside the batch transaction. Return 0 to keep
 * the job's writes, non-zero to roll back to the job's savepoint. */
typedef int (*store_write_fn)(db_conn *db, void *arg);

/* Runs on the loop thread after the batch is committed: status 0 when the
 * job's writes are durable, non-zero when the job failed or the commit did
 * (then nothing of it was stored): STORE_FAILED_FULL when it failed for
 * lack of space (DB_FULL: the disk, or the page limit), else -1. May
 * free arg. */
typedef void (*store_done_fn)(void *arg, int status);

#define STORE_FAILED_FULL 2

/* Opens a write connection on <data_dir>/mixroom.db and starts the thread.
 * Returns NULL with err on failure.
 *
 * Test hook: when the environment has MIXROOM_TEST_PAGE_LIMIT_FILE=PATH,
 * the writer reads PATH before each batch; a number N in it is applied as
 * PRAGMA max_page_count=N (SQLite raises a value below the current page
 * count to it, so 0 or 1 means "no growth from now on"; SQLite ignores 0
 * itself, so 0 is applied as 1), and a missing file
 * restores the limit the connection had. For disk-full tests. */
struct store_writer *store_writer_start(const char *data_dir,
                                        const char *synchronous, char *err,
                                        size_t errlen);

/* Queues a job (any thread). Jobs run in submission order. done may be
 * NULL. After store_writer_stop has begun, jobs still run before exit. */
void store_writer_submit(struct store_writer *w, store_write_fn fn,
                         store_done_fn done, void *arg);

/* Blocks until every job submitted so far is committed and its done has
 * been queued to the loop. (Tests and shutdown.) */
void store_writer_flush(struct store_writer *w);

/* Is the calling thread a store writer thread? For
 * assert(store_on_writer_thread()) in the write functions of jobs. */
bool store_on_writer_thread(void);

/* Inside a job (writer thread, db = the job's connection): sends payload
 * on the PostgreSQL LISTEN/NOTIFY channel in the batch's own transaction
 * (pg_notify), so the listeners hear it exactly when the job's writes are
 * committed, and never when they are rolled back (its savepoint, or the
 * batch). With SQLite a no-op that returns 0. 0, or -1 when the statement
 * failed (then the job should fail: PostgreSQL aborted its savepoint). */
int store_writer_notify(db_conn *db, const char *channel, const char *payload);

/* Flushes, stops the thread and closes the connection. */
void store_writer_stop(struct store_writer *w);

/* Figures for /metrics: batches committed, jobs committed, and the largest
 * batch so far. */
void store_writer_stats(struct store_writer *w, unsigned long long *batches,
                        unsigned long long *jobs, unsigned long long *max_batch);

/* The writer's state for /readyz and /metrics. */
struct store_writer_health {
    unsigned long long queued;        /* submitted, not yet committed */
    bool full;                        /* the last write or probe found no
                                         room to grow (DB_FULL, or the
                                         page limit reached) */
    unsigned long long full_failures; /* jobs failed with DB_FULL */
    long long free_bytes;             /* free space of the data folder's
                                         file system at the last probe, or
                                         -1 before the first */
};

/* Copies the writer's health into *h (any thread). */
void store_writer_health(struct store_writer *w, struct store_writer_health *h);

/* Queues a probe (any thread): a job that runs on the writer thread like
 * any other, measures the free disk space of the data folder and whether
 * the database can still grow (updating the health's full and free_bytes),
 * writes nothing, and then done(arg, 0) runs on the loop. */
void store_writer_probe(struct store_writer *w, store_done_fn done, void *arg);

#endif
