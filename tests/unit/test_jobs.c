/* test_jobs.c -- the engine worker pool: every job's work and done run
 * exactly once, done comes after work, one worker keeps FIFO order, N
 * workers really run N jobs at once, stopping cancels long jobs and still
 * delivers their done, and the figures add up. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_once),
        cmocka_unit_test(test_no_done),
        cmocka_unit_test(test_fifo_with_one_worker),
        cmocka_unit_test(test_workers_run_in_parallel),
        cmocka_unit_test(test_stop_cancels_and_drains),
        cmocka_unit_test(test_default_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
