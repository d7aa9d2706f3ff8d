/* jobs.h -- the engine worker pool: N threads taking jobs from one FIFO
 * queue. A job is a `work` function run on a worker and an optional `done`
 * function posted back to the event loop (srv_loop_post, or the pool's own
 * post function in tests) once work has returned. Used by imports, and
 * meant for previews and exports too. The server's pool is created by a
 * start hook (srv_jobs_init registers it) and kept in srv->jobs. */
#ifndef MIXROOM_SERVER_JOBS_H
#define MIXROOM_SERVER_JOBS_H

#include <stdatomic.h>
#include <stddef.h>

struct srv_jobs;

/* Runs on a worker thread. */
typedef void (*srv_job_fn)(void *arg);

/* How `done` reaches the loop: srv_loop_post in the server. */
typedef void (*srv_jobs_post_fn)(void (*fn)(void *arg), void *arg);

/* Starts a pool of n_threads workers (n_threads <= 0: one per online
 * core, at least 2). post delivers `done` calls (NULL: srv_loop_post).
 * Returns NULL if no thread could be started. */
struct srv_jobs *srv_jobs_new(int n_threads, srv_jobs_post_fn post);

/* Queues a job (any thread). work(arg) runs on a worker; then, if done is
 * not NULL, done(arg) is posted. Every submitted job's work and done run
 * exactly once, also when the pool is stopping (work should then check
 * srv_jobs_cancel_flag and return early). Returns 0, or -1 after
 * srv_jobs_free has begun (then nothing runs and arg stays the caller's). */
int srv_jobs_submit(struct srv_jobs *jobs, srv_job_fn work, srv_job_fn done,
                    void *arg);

/* A flag that becomes non-zero when the pool is stopping: long jobs poll it
 * (eng_import's `cancel`). Valid until srv_jobs_free returns. */
const atomic_int *srv_jobs_cancel_flag(const struct srv_jobs *jobs);

/* Raises the cancel flag, lets the workers finish every queued job (their
 * done calls are posted), joins them and frees the pool. NULL is ignored. */
void srv_jobs_free(struct srv_jobs *jobs);

/* Figures: worker threads, jobs waiting, jobs running, jobs finished. */
void srv_jobs_stats(struct srv_jobs *jobs, int *threads, int *queued,
                    int *running, unsigned long long *finished);

/* Registers the start hook that creates srv->jobs (cfg.workers threads)
 * and the stop hook that frees it. Idempotent; call from a module init
 * before srv_loop_run (modules needing srv->jobs in their own start hooks
 * call it before registering those hooks). */
void srv_jobs_init(void);

#endif
