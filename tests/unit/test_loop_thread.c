/* test_loop_thread.c -- who is the loop thread (server/core/server.c).
 * In a process without an event loop (every command but serve) no thread
 * is the loop thread, so a loop-only assert never passes vacuously and
 * blocking work runs inline; a post there is refused (it would never
 * run). Once a thread enters the loop it alone is the loop thread, and
 * posts made from any thread run, in order, when it drains them. The
 * cases run in this order in one process: no loop first, then the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/core/server.h"

static void *ask_loop_thread(void *arg)
{
    *(bool *)arg = srv_on_loop_thread();
    return NULL;
}

/* srv_on_loop_thread() asked on a thread of its own. */
static bool other_thread_is_loop(void)
{
    pthread_t t;
    bool is = true;

    assert_int_equal(pthread_create(&t, NULL, ask_loop_thread, &is), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return is;
}

static void note_post(void *arg)
{
    int *seen = arg;

    assert_true(srv_on_loop_thread());
    seen[0] = seen[0] * 10 + seen[1]++;
}

static void *post_from_thread(void *arg)
{
    srv_loop_post(note_post, arg);
    return NULL;
}

/* No loop: neither this thread nor another is the loop thread. */
static void no_loop_no_loop_thread(void **state)
{
    (void)state;
    assert_false(srv_server_has_loop());
    assert_false(srv_on_loop_thread());
    assert_false(other_thread_is_loop());
}

/* No loop: a post would wait forever, so it stops the process. */
static void no_loop_post_refused(void **state)
{
    int status, seen[2] = {0, 1};
    pid_t pid;

    (void)state;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL);
        close(STDERR_FILENO); /* the assertion's message is expected */
        srv_loop_post(note_post, seen);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* With a loop: only the thread that entered it; posts from this and
 * another thread run in order on it. */
static void loop_thread_is_the_one(void **state)
{
    int seen[2] = {0, 1};
    pthread_t t;

    (void)state;
    srv_server_enter_loop();
    assert_true(srv_server_has_loop());
    assert_true(srv_on_loop_thread());
    assert_false(other_thread_is_loop());
    srv_loop_post(note_post, seen);
    assert_int_equal(pthread_create(&t, NULL, post_from_thread, seen), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(seen[0], 0);
    srv_loop_drain_posts();
    assert_int_equal(seen[0], 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_loop_no_loop_thread),
        cmocka_unit_test(no_loop_post_refused),
        cmocka_unit_test(loop_thread_is_the_one),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
