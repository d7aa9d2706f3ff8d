/* jobs.c -- the engine worker pool: a mutex-protected FIFO of jobs, N
 * worker threads waiting on a condition variable, results posted back to
 * the loop. Stopping raises a cancel flag, drains the queue (every job
 * still runs once, so ownership of its arg stays simple) and joins. */
#include "server/core/jobs.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/core/log.h"
#include "server/core/server.h"

#define JOBS_MAX_THREADS 64

struct job {
    struct job *next;
    srv_job_fn work;
    srv_job_fn done;
    void *arg;
};

struct srv_jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job *head, *tail;
    int queued, running;
    unsigned long long finished;
    bool stopping;             /* no more submissions; exit when empty */
    atomic_int cancel;
    srv_jobs_post_fn post;
    int n_threads;
    pthread_t threads[JOBS_MAX_THREADS];
};

static void *worker_main(void *p)
{
    struct srv_jobs *jobs = p;

    for (;;) {
        struct job *j;

        pthread_mutex_lock(&jobs->lock);
        while (!jobs->head && !jobs->stopping)
            pthread_cond_wait(&jobs->wake, &jobs->lock);
        j = jobs->head;
        if (!j) { /* stopping and drained */
            pthread_mutex_unlock(&jobs->lock);
            break;
        }
        jobs->head = j->next;
        if (!jobs->head)
            jobs->tail = NULL;
        jobs->queued--;
        jobs->running++;
        pthread_mutex_unlock(&jobs->lock);

        j->work(j->arg);
        if (j->done)
            jobs->post(j->done, j->arg);
        free(j);

        pthread_mutex_lock(&jobs->lock);
        jobs->running--;
        jobs->finished++;
        pthread_mutex_unlock(&jobs->lock);
    }
    return NULL;
}

struct srv_jobs *srv_jobs_new(int n_threads, srv_jobs_post_fn post)
{
    struct srv_jobs *jobs = calloc(1, sizeof *jobs);

    if (!jobs)
        return NULL;
    if (n_threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = n < 2 ? 2 : (int)n;
    }
    if (n_threads > JOBS_MAX_THREADS)
        n_threads = JOBS_MAX_THREADS;
    pthread_mutex_init(&jobs->lock, NULL);
    pthread_cond_init(&jobs->wake, NULL);
    atomic_init(&jobs->cancel, 0);
    jobs->post = post ? post : srv_loop_post;
    for (int i = 0; i < n_threads; i++) {
        if (pthread_create(&jobs->threads[jobs->n_threads], NULL, worker_main,
                           jobs) != 0)
            break;
        jobs->n_threads++;
    }
    if (jobs->n_threads == 0) {
        pthread_cond_destroy(&jobs->wake);
        pthread_mutex_destroy(&jobs->lock);
        free(jobs);
        return NULL;
    }
    return jobs;
}

int srv_jobs_submit(struct srv_jobs *jobs, srv_job_fn work, srv_job_fn done,
                    void *arg)
{
    struct job *j;

    assert(jobs && work);
    j = malloc(sizeof *j);
    if (!j)
        return -1;
    j->next = NULL;
    j->work = work;
    j->done = done;
    j->arg = arg;
    pthread_mutex_lock(&jobs->lock);
    if (jobs->stopping) {
        pthread_mutex_unlock(&jobs->lock);
        free(j);
        return -1;
    }
    if (jobs->tail)
        jobs->tail->next = j;
    else
        jobs->head = j;
    jobs->tail = j;
    jobs->queued++;
    pthread_cond_signal(&jobs->wake);
    pthread_mutex_unlock(&jobs->lock);
    return 0;
}

const atomic_int *srv_jobs_cancel_flag(const struct srv_jobs *jobs)
{
    return &jobs->cancel;
}

void srv_jobs_free(struct srv_jobs *jobs)
{
    if (!jobs)
        return;
    atomic_store(&jobs->cancel, 1);
    pthread_mutex_lock(&jobs->lock);
    jobs->stopping = true;
    pthread_cond_broadcast(&jobs->wake);
    pthread_mutex_unlock(&jobs->lock);
    for (int i = 0; i < jobs->n_threads; i++)
        pthread_join(jobs->threads[i], NULL);
    assert(!jobs->head && jobs->running == 0);
    pthread_cond_destroy(&jobs->wake);
    pthread_mutex_destroy(&jobs->lock);
    free(jobs);
}

void srv_jobs_stats(struct srv_jobs *jobs, int *threads, int *queued,
                    int *running, unsigned long long *finished)
{
    pthread_mutex_lock(&jobs->lock);
    if (threads)
        *threads = jobs->n_threads;
    if (queued)
        *queued = jobs->queued;
    if (running)
        *running = jobs->running;
    if (finished)
        *finished = jobs->finished;
    pthread_mutex_unlock(&jobs->lock);
}

static int jobs_on_start(struct srv_server *srv)
{
    srv->jobs = srv_jobs_new(srv->cfg.workers, NULL);
    if (!srv->jobs) {
        srv_err("cannot start the engine worker threads");
        return -1;
    }
    srv_info("engine worker pool: %d threads",
             ((struct srv_jobs *)srv->jobs)->n_threads);
    return 0;
}

static void jobs_on_stop(struct srv_server *srv)
{
    srv_jobs_free(srv->jobs);
    srv->jobs = NULL;
}

void srv_jobs_init(void)
{
    static bool done; /* set once on the main thread before the loop runs */

    if (done)
        return;
    done = true;
    srv_loop_on_start(jobs_on_start);
    srv_loop_on_stop(jobs_on_stop);
}
