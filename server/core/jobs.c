/* jobs.c -- the engine worker pool: a mutex-protected FIFO of jobs, N
 * worker threads waiting on a condition variable, results posted back to
 * the loop. A worker takes the oldest job it may run: any import, or a
 * render while fewer than n_threads - import_reserve renders run. A
 * watchdog thread raises the cancel flag of a job that runs past the
 * deadline. Stopping raises every cancel flag, drains the queue (every job
 * still runs once, so ownership of its arg stays simple) and joins. */
#include "server/core/jobs.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "server/core/log.h"
#include "server/core/metrics.h"
#include "server/core/server.h"

#define JOBS_MAX_THREADS 64

struct job {
    struct job *next;
    srv_job_fn work;
    srv_job_fn done;
    void *arg;
    enum srv_job_class cls;
    atomic_int *cancel;      /* the submitter's flag, or NULL */
    long long deadline_ms;   /* monotonic; set when a worker takes it */
};

struct worker {
    struct srv_jobs *jobs;
    struct job *cur;         /* under lock: the job it runs, or NULL */
};

struct srv_jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;     /* workers: a job to take, or stopping */
    pthread_cond_t watch;    /* the watchdog: a new deadline, or quit */
    struct job *head, *tail;
    int queued, running;
    int cls_queued[SRV_JOB_CLASSES], cls_running[SRV_JOB_CLASSES];
    unsigned long long finished;
    unsigned long long cancelled[SRV_JOB_CLASSES][SRV_JOB_REASONS];
    bool stopping;             /* no more submissions; exit when empty */
    bool watch_quit;
    atomic_int cancel;
    srv_jobs_post_fn post;
    int render_max;            /* renders running at once */
    int deadline_s;
    int n_threads;
    bool has_watchdog;
    pthread_t watchdog;
    pthread_t threads[JOBS_MAX_THREADS];
    struct worker workers[JOBS_MAX_THREADS];
};

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int srv_job_cancel(atomic_int *cancel, int reason)
{
    int expected = SRV_JOB_WANTED;

    assert(cancel && reason > SRV_JOB_WANTED && reason < SRV_JOB_REASONS);
    if (atomic_compare_exchange_strong(cancel, &expected, reason))
        return reason;
    return expected;
}

/* Under lock: unlinks and returns the oldest job this worker may run. */
static struct job *take_locked(struct srv_jobs *jobs)
{
    struct job *prev = NULL;

    for (struct job *j = jobs->head; j; prev = j, j = j->next) {
        if (j->cls == SRV_JOB_RENDER &&
            jobs->cls_running[SRV_JOB_RENDER] >= jobs->render_max)
            continue;
        if (prev)
            prev->next = j->next;
        else
            jobs->head = j->next;
        if (jobs->tail == j)
            jobs->tail = prev;
        j->next = NULL;
        return j;
    }
    return NULL;
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    struct srv_jobs *jobs = w->jobs;

    for (;;) {
        struct job *j;

        pthread_mutex_lock(&jobs->lock);
        while (!(j = take_locked(jobs)) && !(jobs->stopping && !jobs->head))
            pthread_cond_wait(&jobs->wake, &jobs->lock);
        if (!j) { /* stopping and drained */
            pthread_mutex_unlock(&jobs->lock);
            break;
        }
        jobs->queued--;
        jobs->cls_queued[j->cls]--;
        jobs->running++;
        jobs->cls_running[j->cls]++;
        j->deadline_ms = mono_ms() + (long long)jobs->deadline_s * 1000;
        w->cur = j;
        if (jobs->has_watchdog && j->cancel)
            pthread_cond_signal(&jobs->watch);
        pthread_mutex_unlock(&jobs->lock);

        j->work(j->arg);

        /* before done is posted: done may free the flag's memory */
        pthread_mutex_lock(&jobs->lock);
        w->cur = NULL;
        if (j->cancel) {
            int why = atomic_load(j->cancel);
            if (why > SRV_JOB_WANTED && why < SRV_JOB_REASONS)
                jobs->cancelled[j->cls][why]++;
        }
        pthread_mutex_unlock(&jobs->lock);
        if (j->done)
            jobs->post(j->done, j->arg);

        pthread_mutex_lock(&jobs->lock);
        jobs->running--;
        jobs->cls_running[j->cls]--;
        jobs->finished++;
        if (j->cls == SRV_JOB_RENDER) /* a render slot is free again */
            pthread_cond_broadcast(&jobs->wake);
        pthread_mutex_unlock(&jobs->lock);
        free(j);
    }
    return NULL;
}

/* Raises the flag of every running job past its deadline; sleeps until
 * the next deadline (or a second, or a new job). */
static void *watchdog_main(void *p)
{
    struct srv_jobs *jobs = p;

    pthread_mutex_lock(&jobs->lock);
    while (!jobs->watch_quit) {
        long long now = mono_ms(), next = now + 1000;
        struct timespec until;

        for (int i = 0; i < jobs->n_threads; i++) {
            struct job *j = jobs->workers[i].cur;
            if (!j || !j->cancel || atomic_load(j->cancel) != SRV_JOB_WANTED)
                continue;
            if (j->deadline_ms <= now)
                srv_job_cancel(j->cancel, SRV_JOB_DEADLINE);
            else if (j->deadline_ms < next)
                next = j->deadline_ms;
        }
        until.tv_sec = (time_t)(next / 1000);
        until.tv_nsec = (long)(next % 1000) * 1000000L;
        pthread_cond_timedwait(&jobs->watch, &jobs->lock, &until);
    }
    pthread_mutex_unlock(&jobs->lock);
    return NULL;
}

struct srv_jobs *srv_jobs_new(int n_threads, srv_jobs_post_fn post)
{
    struct srv_jobs_opts o = {.threads = n_threads, .post = post};

    return srv_jobs_new_opts(&o);
}

struct srv_jobs *srv_jobs_new_opts(const struct srv_jobs_opts *opts)
{
    struct srv_jobs *jobs = calloc(1, sizeof *jobs);
    pthread_condattr_t ca;
    int n_threads = opts->threads;
    int reserve = opts->import_reserve > 0 ? opts->import_reserve : 0;

    if (!jobs)
        return NULL;
    if (n_threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = n < 2 ? 2 : (int)n;
    }
    if (n_threads < reserve + 1)
        n_threads = reserve + 1;
    if (n_threads > JOBS_MAX_THREADS)
        n_threads = JOBS_MAX_THREADS;
    pthread_mutex_init(&jobs->lock, NULL);
    pthread_cond_init(&jobs->wake, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&jobs->watch, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&jobs->cancel, 0);
    jobs->post = opts->post ? opts->post : srv_loop_post;
    jobs->deadline_s = opts->deadline_s > 0 ? opts->deadline_s : 0;
    for (int i = 0; i < n_threads; i++) {
        jobs->workers[jobs->n_threads].jobs = jobs;
        if (pthread_create(&jobs->threads[jobs->n_threads], NULL, worker_main,
                           &jobs->workers[jobs->n_threads]) != 0)
            break;
        /* named for ps/schedstat (tests/bench/room_scale.mjs reads them) */
        pthread_setname_np(jobs->threads[jobs->n_threads], "mx-job");
        jobs->n_threads++;
    }
    /* the reserve applies to the threads that really started */
    jobs->render_max = jobs->n_threads - reserve;
    if (jobs->render_max < 1)
        jobs->render_max = 1;
    if (jobs->n_threads > 0 && jobs->deadline_s > 0)
        jobs->has_watchdog = pthread_create(&jobs->watchdog, NULL,
                                            watchdog_main, jobs) == 0;
    if (jobs->n_threads == 0 || (jobs->deadline_s > 0 && !jobs->has_watchdog)) {
        srv_jobs_free(jobs);
        return NULL;
    }
    return jobs;
}

int srv_jobs_submit(struct srv_jobs *jobs, srv_job_fn work, srv_job_fn done,
                    void *arg)
{
    return srv_jobs_submit_job(jobs, SRV_JOB_IMPORT, work, done, arg, NULL);
}

int srv_jobs_submit_job(struct srv_jobs *jobs, enum srv_job_class cls,
                        srv_job_fn work, srv_job_fn done, void *arg,
                        atomic_int *cancel)
{
    struct job *j;

    assert(jobs && work && cls >= 0 && cls < SRV_JOB_CLASSES);
    j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->work = work;
    j->done = done;
    j->arg = arg;
    j->cls = cls;
    j->cancel = cancel;
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
    jobs->cls_queued[cls]++;
    /* a worker that may not take a render must not swallow the signal */
    pthread_cond_broadcast(&jobs->wake);
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
    for (struct job *j = jobs->head; j; j = j->next)
        if (j->cancel)
            srv_job_cancel(j->cancel, SRV_JOB_STOPPING);
    for (int i = 0; i < jobs->n_threads; i++)
        if (jobs->workers[i].cur && jobs->workers[i].cur->cancel)
            srv_job_cancel(jobs->workers[i].cur->cancel, SRV_JOB_STOPPING);
    pthread_cond_broadcast(&jobs->wake);
    pthread_mutex_unlock(&jobs->lock);
    for (int i = 0; i < jobs->n_threads; i++)
        pthread_join(jobs->threads[i], NULL);
    if (jobs->has_watchdog) {
        pthread_mutex_lock(&jobs->lock);
        jobs->watch_quit = true;
        pthread_cond_signal(&jobs->watch);
        pthread_mutex_unlock(&jobs->lock);
        pthread_join(jobs->watchdog, NULL);
    }
    assert(!jobs->head && jobs->running == 0);
    pthread_cond_destroy(&jobs->watch);
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

void srv_jobs_class_stats(struct srv_jobs *jobs, enum srv_job_class cls,
                          int *queued, int *running,
                          unsigned long long *cancelled)
{
    assert(cls >= 0 && cls < SRV_JOB_CLASSES);
    pthread_mutex_lock(&jobs->lock);
    if (queued)
        *queued = jobs->cls_queued[cls];
    if (running)
        *running = jobs->cls_running[cls];
    for (int r = 0; cancelled && r < SRV_JOB_REASONS; r++)
        cancelled[r] = jobs->cancelled[cls][r];
    pthread_mutex_unlock(&jobs->lock);
}

static void jobs_metrics(FILE *f, struct srv_server *srv)
{
    static const char *const cls_name[SRV_JOB_CLASSES] = {"import", "render"};
    static const char *const why_name[SRV_JOB_REASONS] = {
        "", "gone", "stopping", "deadline"};
    int threads = 0;
    unsigned long long finished = 0;

    if (!srv->jobs)
        return;
    srv_jobs_stats(srv->jobs, &threads, NULL, NULL, &finished);
    fprintf(f, "# HELP mixroom_jobs_threads Engine worker threads.\n"
               "# TYPE mixroom_jobs_threads gauge\n"
               "mixroom_jobs_threads %d\n"
               "# HELP mixroom_jobs_finished_total Engine jobs finished.\n"
               "# TYPE mixroom_jobs_finished_total counter\n"
               "mixroom_jobs_finished_total %llu\n",
            threads, finished);
    fprintf(f, "# HELP mixroom_jobs_queued Engine jobs waiting, by class.\n"
               "# TYPE mixroom_jobs_queued gauge\n");
    for (int c = 0; c < SRV_JOB_CLASSES; c++) {
        int q = 0;
        srv_jobs_class_stats(srv->jobs, (enum srv_job_class)c, &q, NULL, NULL);
        fprintf(f, "mixroom_jobs_queued{class=\"%s\"} %d\n", cls_name[c], q);
    }
    fprintf(f, "# HELP mixroom_jobs_running Engine jobs running, by class.\n"
               "# TYPE mixroom_jobs_running gauge\n");
    for (int c = 0; c < SRV_JOB_CLASSES; c++) {
        int r = 0;
        srv_jobs_class_stats(srv->jobs, (enum srv_job_class)c, NULL, &r, NULL);
        fprintf(f, "mixroom_jobs_running{class=\"%s\"} %d\n", cls_name[c], r);
    }
    fprintf(f, "# HELP mixroom_jobs_cancelled_total Engine jobs stopped early, "
               "by class and reason.\n"
               "# TYPE mixroom_jobs_cancelled_total counter\n");
    for (int c = 0; c < SRV_JOB_CLASSES; c++) {
        unsigned long long n[SRV_JOB_REASONS];
        srv_jobs_class_stats(srv->jobs, (enum srv_job_class)c, NULL, NULL, n);
        for (int r = 1; r < SRV_JOB_REASONS; r++)
            fprintf(f,
                    "mixroom_jobs_cancelled_total{class=\"%s\",reason=\"%s\"} "
                    "%llu\n",
                    cls_name[c], why_name[r], n[r]);
    }
}

static int jobs_on_start(struct srv_server *srv)
{
    struct srv_jobs_opts o = {
        .threads = srv->cfg.workers,
        .import_reserve = (int)srv->cfg.import_workers,
        .deadline_s = (int)srv->cfg.job_deadline,
    };

    srv->jobs = srv_jobs_new_opts(&o);
    if (!srv->jobs) {
        srv_err("cannot start the engine worker threads");
        return -1;
    }
    srv_info("engine worker pool: %d threads, %d kept for imports, "
             "job deadline %d s",
             ((struct srv_jobs *)srv->jobs)->n_threads, o.import_reserve,
             o.deadline_s);
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
    srv_metrics_add(jobs_metrics);
}
