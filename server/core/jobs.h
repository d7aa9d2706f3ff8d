/* jobs.h -- the engine worker pool: N threads taking jobs from one FIFO
 * queue. A job is a `work` function run on a worker and an optional `done`
 * function posted back to the event loop (srv_loop_post, or the pool's own
 * post function in tests) once work has returned. Used by imports, exports,
 * loudness and preview revisions. The server's pool is created by a start
 * hook (srv_jobs_init registers it) and kept in srv->jobs.
 *
 * Jobs have a class: imports, and renders (exports, loudness). Render jobs
 * never occupy the last `import_reserve` threads, so a render cannot keep
 * an upload from being imported. A job may carry a cancel flag of its own
 * (an atomic_int the submitter owns): the submitter raises it when its
 * requester has gone, the pool raises it when the job runs past its
 * deadline and when the pool stops. The flag's value says why. */
#ifndef MIXROOM_SERVER_JOBS_H
#define MIXROOM_SERVER_JOBS_H

#include <stdatomic.h>
#include <stddef.h>

struct srv_jobs;

/* Runs on a worker thread. */
typedef void (*srv_job_fn)(void *arg);

/* How `done` reaches the loop: srv_loop_post in the server. */
typedef void (*srv_jobs_post_fn)(void (*fn)(void *arg), void *arg);

/* The class of a job: render jobs leave the reserved threads to imports. */
enum srv_job_class {
    SRV_JOB_IMPORT = 0,
    SRV_JOB_RENDER = 1,
    SRV_JOB_CLASSES
};

/* The values of a job's cancel flag: 0 while the job is wanted, else the
 * first reason it was stopped for. */
enum srv_job_cancel {
    SRV_JOB_WANTED = 0,
    SRV_JOB_GONE = 1,      /* the requester went away */
    SRV_JOB_STOPPING = 2,  /* the pool (the server) is stopping */
    SRV_JOB_DEADLINE = 3,  /* it ran past the pool's deadline */
    SRV_JOB_REASONS
};

struct srv_jobs_opts {
    int threads;           /* <= 0: one per online core, at least 2 */
    int import_reserve;    /* threads render jobs may not use (>= 0); the
                              pool starts at least import_reserve + 1 */
    int deadline_s;        /* seconds a job with a cancel flag may run
                              before the pool raises it; <= 0: no limit */
    srv_jobs_post_fn post; /* NULL: srv_loop_post */
};

/* Starts a pool of n_threads workers (n_threads <= 0: one per online
 * core, at least 2), no reserve and no deadline. post delivers `done`
 * calls (NULL: srv_loop_post). Returns NULL if no thread could be
 * started. */
struct srv_jobs *srv_jobs_new(int n_threads, srv_jobs_post_fn post);

/* The same with every option (see struct srv_jobs_opts). */
struct srv_jobs *srv_jobs_new_opts(const struct srv_jobs_opts *opts);

/* Queues an import-class job without a cancel flag of its own (any
 * thread). work(arg) runs on a worker; then, if done is not NULL, done(arg)
 * is posted. Every submitted job's work and done run exactly once, also
 * when the pool is stopping (work should then check srv_jobs_cancel_flag
 * and return early). Returns 0, or -1 after srv_jobs_free has begun (then
 * nothing runs and arg stays the caller's). */
int srv_jobs_submit(struct srv_jobs *jobs, srv_job_fn work, srv_job_fn done,
                    void *arg);

/* Queues a job of class cls as srv_jobs_submit does. cancel (may be NULL)
 * is the job's own flag, initialised to SRV_JOB_WANTED by the caller and
 * alive until done has run (or work has returned, without done): the pool
 * raises it (srv_job_cancel) on stop and at the deadline, counted from the
 * moment a worker takes the job; work polls it and returns early. */
int srv_jobs_submit_job(struct srv_jobs *jobs, enum srv_job_class cls,
                        srv_job_fn work, srv_job_fn done, void *arg,
                        atomic_int *cancel);

/* Raises a cancel flag with reason (an enum srv_job_cancel other than
 * SRV_JOB_WANTED) unless it is up already; any thread. Returns the reason
 * in effect afterwards (the first one given). */
int srv_job_cancel(atomic_int *cancel, int reason);

/* A flag that becomes non-zero when the pool is stopping: long jobs poll it
 * (eng_import's `cancel`). Valid until srv_jobs_free returns. */
const atomic_int *srv_jobs_cancel_flag(const struct srv_jobs *jobs);

/* Raises the cancel flags (the pool's and every queued or running job's),
 * lets the workers finish every queued job (their done calls are posted),
 * joins them and frees the pool. NULL is ignored. */
void srv_jobs_free(struct srv_jobs *jobs);

/* Figures: worker threads, jobs waiting, jobs running, jobs finished. */
void srv_jobs_stats(struct srv_jobs *jobs, int *threads, int *queued,
                    int *running, unsigned long long *finished);

/* Figures of one class: jobs waiting and running, and jobs that ended
 * with their flag raised for each reason (cancelled[SRV_JOB_REASONS],
 * index 0 unused; may be NULL). */
void srv_jobs_class_stats(struct srv_jobs *jobs, enum srv_job_class cls,
                          int *queued, int *running,
                          unsigned long long *cancelled);

/* Registers the start hook that creates srv->jobs (cfg.workers threads,
 * cfg.import_workers reserved, cfg.job_deadline), the stop hook that frees
 * it and the mixroom_jobs_* metrics. Idempotent; call from a module init
 * before srv_loop_run (modules needing srv->jobs in their own start hooks
 * call it before registering those hooks). */
void srv_jobs_init(void);

#endif
