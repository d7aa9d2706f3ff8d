/* test_jobs.c -- the engine worker pool: every job's work and done run
 * exactly once, done comes after work, one worker keeps FIFO order, N
 * workers really run N jobs at once, stopping cancels long jobs and still
 * delivers their done, and the figures add up; render jobs leave the
 * import reserve free, a job's own cancel flag stops only that job and
 * says why (requester gone, deadline, stopping). */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "server/core/jobs.h"

/* The "loop": done calls posted here run at once on the worker, under a
 * lock, and are counted. */
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static int posted;

static void test_post(void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&post_lock);
    posted++;
    fn(arg);
    pthread_mutex_unlock(&post_lock);
}

struct item {
    atomic_int worked;
    int done;           /* under post_lock */
    int worked_at_done;
    int seq;
};

static atomic_int order_counter;

static void work_count(void *arg)
{
    struct item *it = arg;
    it->seq = atomic_fetch_add(&order_counter, 1);
    atomic_fetch_add(&it->worked, 1);
}

static void done_count(void *arg)
{
    struct item *it = arg;
    it->done++;
    it->worked_at_done = atomic_load(&it->worked);
}

static void test_every_job_once(void **state)
{
    enum { N = 500 };
    struct item *items = calloc(N, sizeof *items);
    struct srv_jobs *jobs = srv_jobs_new(4, test_post);

    (void)state;
    assert_non_null(items);
    assert_non_null(jobs);
    posted = 0;
    for (int i = 0; i < N; i++)
        assert_int_equal(srv_jobs_submit(jobs, work_count, done_count,
                                         &items[i]),
                         0);
    srv_jobs_free(jobs);
    assert_int_equal(posted, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&items[i].worked), 1);
        assert_int_equal(items[i].done, 1);
        assert_int_equal(items[i].worked_at_done, 1);
    }
    free(items);
}

static void test_no_done(void **state)
{
    struct item it = {0};
    struct srv_jobs *jobs = srv_jobs_new(2, test_post);

    (void)state;
    posted = 0;
    assert_int_equal(srv_jobs_submit(jobs, work_count, NULL, &it), 0);
    srv_jobs_free(jobs);
    assert_int_equal(atomic_load(&it.worked), 1);
    assert_int_equal(posted, 0);
}

static void test_fifo_with_one_worker(void **state)
{
    enum { N = 100 };
    struct item items[N];
    struct srv_jobs *jobs = srv_jobs_new(1, test_post);

    (void)state;
    memset(items, 0, sizeof items);
    atomic_store(&order_counter, 0);
    for (int i = 0; i < N; i++)
        srv_jobs_submit(jobs, work_count, done_count, &items[i]);
    srv_jobs_free(jobs);
    for (int i = 0; i < N; i++)
        assert_int_equal(items[i].seq, i);
}

/* Jobs that wait until `want` of them run at the same time. */
static atomic_int arrived;
static atomic_int met;

static void work_rendezvous(void *arg)
{
    int want = *(int *)arg;
    struct timespec t0, now;

    atomic_fetch_add(&arrived, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&arrived) >= want) {
            atomic_fetch_add(&met, 1);
            return;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 5)
            return;
        sched_yield();
    }
}

static void test_workers_run_in_parallel(void **state)
{
    int want = 4;
    struct srv_jobs *jobs = srv_jobs_new(4, test_post);
    int threads = 0;

    (void)state;
    atomic_store(&arrived, 0);
    atomic_store(&met, 0);
    srv_jobs_stats(jobs, &threads, NULL, NULL, NULL);
    assert_int_equal(threads, 4);
    for (int i = 0; i < want; i++)
        srv_jobs_submit(jobs, work_rendezvous, NULL, &want);
    srv_jobs_free(jobs);
    assert_int_equal(atomic_load(&met), want);
}

/* A long job that polls the cancel flag. */
struct long_job {
    const atomic_int *cancel;
    atomic_int started;
    int cancelled;
    int done;
};

static void work_long(void *arg)
{
    struct long_job *j = arg;
    struct timespec t0, now;

    atomic_store(&j->started, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(j->cancel)) {
            j->cancelled = 1;
            return;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 10)
            return;
        sched_yield();
    }
}

static void done_long(void *arg)
{
    ((struct long_job *)arg)->done++;
}

static void test_stop_cancels_and_drains(void **state)
{
    struct srv_jobs *jobs = srv_jobs_new(1, test_post);
    struct long_job j1 = {0}, j2 = {0};
    unsigned long long finished = 0;
    int queued = -1;

    (void)state;
    j1.cancel = j2.cancel = srv_jobs_cancel_flag(jobs);
    assert_int_equal(atomic_load(j1.cancel), 0);
    srv_jobs_submit(jobs, work_long, done_long, &j1);
    srv_jobs_submit(jobs, work_long, done_long, &j2);
    while (!atomic_load(&j1.started))
        sched_yield();
    srv_jobs_stats(jobs, NULL, &queued, NULL, &finished);
    assert_int_equal(queued, 1);
    assert_true(finished == 0);
    srv_jobs_free(jobs);
    /* both ran (the second after the flag was up) and both were done */
    assert_int_equal(j1.cancelled, 1);
    assert_int_equal(j2.cancelled, 1);
    assert_int_equal(j1.done, 1);
    assert_int_equal(j2.done, 1);
}

static void test_default_thread_count(void **state)
{
    struct srv_jobs *jobs = srv_jobs_new(0, test_post);
    int threads = 0;

    (void)state;
    srv_jobs_stats(jobs, &threads, NULL, NULL, NULL);
    assert_true(threads >= 2);
    srv_jobs_free(jobs);
    srv_jobs_free(NULL);
}

/* ---- classes, the import reserve, cancel flags, the deadline ---- */

/* A job that runs until its gate opens or its flag goes up. */
struct gated {
    atomic_int cancel;     /* the job's own flag */
    atomic_int *gate;      /* shared: 1 lets it finish */
    atomic_int started;
    atomic_int ended_by;   /* the flag's value when it returned */
    int done;
};

static void work_gated(void *arg)
{
    struct gated *g = arg;
    struct timespec t0, now;

    atomic_store(&g->started, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&g->cancel) || atomic_load(g->gate))
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 20)
            break;
        sched_yield();
    }
    atomic_store(&g->ended_by, atomic_load(&g->cancel));
}

static void done_gated(void *arg)
{
    ((struct gated *)arg)->done++;
}

static void wait_started(atomic_int *flag)
{
    struct timespec t0, now;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!atomic_load(flag)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        assert_true(now.tv_sec - t0.tv_sec < 20);
        sched_yield();
    }
}

/* Waits until n jobs have finished (before srv_jobs_free raises flags). */
static void wait_finished(struct srv_jobs *jobs, unsigned long long n)
{
    unsigned long long finished = 0;

    for (;;) {
        srv_jobs_stats(jobs, NULL, NULL, NULL, &finished);
        if (finished >= n)
            return;
        sched_yield();
    }
}

static void test_renders_leave_the_reserve(void **state)
{
    struct srv_jobs_opts o = {.threads = 2, .import_reserve = 1,
                              .post = test_post};
    struct srv_jobs *jobs = srv_jobs_new_opts(&o);
    atomic_int gate = 0;
    struct gated r1 = {.gate = &gate}, r2 = {.gate = &gate};
    struct item imp = {0};
    int queued = -1, running = -1;

    (void)state;
    assert_non_null(jobs);
    assert_int_equal(srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated,
                                         done_gated, &r1, &r1.cancel), 0);
    assert_int_equal(srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated,
                                         done_gated, &r2, &r2.cancel), 0);
    wait_started(&r1.started);
    /* an import submitted after both renders runs at once, on the
     * reserved thread, while the second render waits */
    assert_int_equal(srv_jobs_submit(jobs, work_count, NULL, &imp), 0);
    wait_started(&imp.worked);
    assert_int_equal(atomic_load(&r2.started), 0);
    srv_jobs_class_stats(jobs, SRV_JOB_RENDER, &queued, &running, NULL);
    assert_int_equal(running, 1);
    assert_int_equal(queued, 1);
    atomic_store(&gate, 1);
    wait_finished(jobs, 3);
    srv_jobs_free(jobs);
    /* both renders ran (one after the other) and were done */
    assert_int_equal(atomic_load(&r2.started), 1);
    assert_int_equal(r1.done + r2.done, 2);
    assert_int_equal(atomic_load(&r1.ended_by), SRV_JOB_WANTED);
}

static void test_reserve_keeps_a_render_thread(void **state)
{
    struct srv_jobs_opts o = {.threads = 1, .import_reserve = 1,
                              .post = test_post};
    struct srv_jobs *jobs = srv_jobs_new_opts(&o);
    atomic_int gate = 1;
    struct gated r = {.gate = &gate};
    int threads = 0;

    (void)state;
    srv_jobs_stats(jobs, &threads, NULL, NULL, NULL);
    assert_int_equal(threads, 2); /* the reserve plus one for renders */
    srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated, done_gated, &r,
                        &r.cancel);
    srv_jobs_free(jobs);
    assert_int_equal(r.done, 1);
}

static void test_cancel_one_job(void **state)
{
    struct srv_jobs *jobs = srv_jobs_new(2, test_post);
    atomic_int gate = 0;
    struct gated a = {.gate = &gate}, b = {.gate = &gate};

    (void)state;
    srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated, done_gated, &a,
                        &a.cancel);
    srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated, done_gated, &b,
                        &b.cancel);
    wait_started(&a.started);
    wait_started(&b.started);
    /* the requester of a went away: only a stops, and says why */
    assert_int_equal(srv_job_cancel(&a.cancel, SRV_JOB_GONE), SRV_JOB_GONE);
    assert_int_equal(srv_job_cancel(&a.cancel, SRV_JOB_DEADLINE),
                     SRV_JOB_GONE); /* the first reason stays */
    wait_started(&a.ended_by);
    assert_int_equal(atomic_load(&b.started), 1);
    assert_int_equal(atomic_load(&b.ended_by), 0);
    atomic_store(&gate, 1);
    wait_finished(jobs, 2);
    srv_jobs_free(jobs);
    assert_int_equal(atomic_load(&a.ended_by), SRV_JOB_GONE);
    assert_int_equal(atomic_load(&b.ended_by), SRV_JOB_WANTED);
    assert_int_equal(a.done + b.done, 2);
}

static void test_deadline(void **state)
{
    struct srv_jobs_opts o = {.threads = 2, .deadline_s = 1,
                              .post = test_post};
    struct srv_jobs *jobs = srv_jobs_new_opts(&o);
    atomic_int gate = 0;
    struct gated g = {.gate = &gate};
    struct item quick = {0};
    unsigned long long n[SRV_JOB_REASONS];

    (void)state;
    srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated, done_gated, &g,
                        &g.cancel);
    /* a short job is not touched */
    srv_jobs_submit(jobs, work_count, done_count, &quick);
    wait_started(&g.ended_by);
    assert_int_equal(atomic_load(&g.cancel), SRV_JOB_DEADLINE);
    for (int running = 1; running != 0 || n[SRV_JOB_DEADLINE] != 1;)
        srv_jobs_class_stats(jobs, SRV_JOB_RENDER, NULL, &running, n);
    srv_jobs_free(jobs);
    assert_int_equal(g.done, 1);
    assert_int_equal(quick.done, 1);
}

static void test_stop_raises_every_flag(void **state)
{
    struct srv_jobs *jobs = srv_jobs_new(1, test_post);
    atomic_int gate = 0;
    struct gated run = {.gate = &gate}, wait = {.gate = &gate};
    unsigned long long n[SRV_JOB_REASONS];

    (void)state;
    srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated, done_gated, &run,
                        &run.cancel);
    srv_jobs_submit_job(jobs, SRV_JOB_IMPORT, work_gated, done_gated, &wait,
                        &wait.cancel);
    wait_started(&run.started);
    srv_jobs_class_stats(jobs, SRV_JOB_RENDER, NULL, NULL, n);
    assert_true(n[SRV_JOB_STOPPING] == 0);
    srv_jobs_free(jobs); /* returns: the running job saw its flag */
    assert_int_equal(atomic_load(&run.ended_by), SRV_JOB_STOPPING);
    assert_int_equal(atomic_load(&wait.ended_by), SRV_JOB_STOPPING);
    assert_int_equal(run.done + wait.done, 2);
}

static void test_cancelled_figures(void **state)
{
    struct srv_jobs *jobs = srv_jobs_new(1, test_post);
    atomic_int gate = 0;
    struct gated a = {.gate = &gate};
    unsigned long long n[SRV_JOB_REASONS];
    int running = -1;

    (void)state;
    srv_jobs_submit_job(jobs, SRV_JOB_RENDER, work_gated, done_gated, &a,
                        &a.cancel);
    wait_started(&a.started);
    srv_job_cancel(&a.cancel, SRV_JOB_GONE);
    for (;;) { /* the count moves once the job has returned */
        srv_jobs_class_stats(jobs, SRV_JOB_RENDER, NULL, &running, n);
        if (running == 0 && n[SRV_JOB_GONE] == 1)
            break;
        sched_yield();
    }
    assert_true(n[SRV_JOB_DEADLINE] == 0 && n[SRV_JOB_STOPPING] == 0);
    srv_jobs_class_stats(jobs, SRV_JOB_IMPORT, NULL, NULL, n);
    assert_true(n[SRV_JOB_GONE] == 0);
    srv_jobs_free(jobs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_once),
        cmocka_unit_test(test_no_done),
        cmocka_unit_test(test_fifo_with_one_worker),
        cmocka_unit_test(test_workers_run_in_parallel),
        cmocka_unit_test(test_stop_cancels_and_drains),
        cmocka_unit_test(test_default_thread_count),
        cmocka_unit_test(test_renders_leave_the_reserve),
        cmocka_unit_test(test_reserve_keeps_a_render_thread),
        cmocka_unit_test(test_cancel_one_job),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_stop_raises_every_flag),
        cmocka_unit_test(test_cancelled_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
