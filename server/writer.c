/* writer.c -- the store writer thread. It owns the only write connection
 * of the running server. Jobs queue up while a batch commits; the next
 * batch takes all of them in one transaction (group commit), each job in
 * its own SAVEPOINT. After COMMIT, the batch's done callbacks are handed to
 * the loop thread in one srv_loop_post. */
#include "server/writer.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"
#include "server/loop.h"
#include "server/store.h"

struct job {
    struct job *next;
    store_write_fn fn;
    store_done_fn done;
    void *arg;
    int status;
};

struct store_writer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* jobs queued or stop requested */
    pthread_cond_t drained;   /* a batch finished */
    struct job *head, *tail;
    unsigned long long submitted, finished;
    bool stop;
    unsigned long long batches, jobs, max_batch;
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

static int exec_quiet(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Runs one batch: BEGIN, each job in a savepoint, COMMIT. On a failed
 * COMMIT every job of the batch is marked failed. */
static void run_batch(struct store_writer *w, struct job *batch)
{
    bool began = exec_quiet(w->db, "BEGIN IMMEDIATE") == 0;

    for (struct job *j = batch; j; j = j->next) {
        if (!began) {
            j->status = -1;
            continue;
        }
        exec_quiet(w->db, "SAVEPOINT job");
        j->status = j->fn ? j->fn(w->db, j->arg) : 0;
        if (j->status != 0)
            exec_quiet(w->db, "ROLLBACK TO job");
        exec_quiet(w->db, "RELEASE job");
    }
    if (began && exec_quiet(w->db, "COMMIT") != 0) {
        srv_err("store commit failed: %s", sqlite3_errmsg(w->db));
        exec_quiet(w->db, "ROLLBACK");
        for (struct job *j = batch; j; j = j->next)
            j->status = -1;
    } else if (!began) {
        srv_err("store begin failed: %s", sqlite3_errmsg(w->db));
    }
}

static void *writer_main(void *arg)
{
    struct store_writer *w = arg;

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

        run_batch(w, batch);
        for (struct job *j = batch; j; j = j->next)
            count++;
        srv_loop_post(run_dones, batch);

        pthread_mutex_lock(&w->lock);
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
    w->db = store_open(data_dir, synchronous, false, err, errlen);
    if (!w->db)
        goto fail;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_cond_init(&w->drained, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the store writer thread");
        sqlite3_close(w->db);
        goto fail;
    }
    return w;
fail:
    free(w);
    return NULL;
}

void store_writer_submit(struct store_writer *w, store_write_fn fn,
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
    j->done = done;
    j->arg = arg;
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
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    assert(w->head == NULL);
    sqlite3_close(w->db);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    pthread_cond_destroy(&w->drained);
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
