/* server.c -- the hooks, the post queue with its wake callback, the loop
 * thread's identity and the monotonic clock (see server.h). */
#include "server/core/server.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "server/core/log.h"

struct srv_server *srv_server_instance;

/* Hooks: filled by module inits before the loop starts, read-only after. */
#define MAX_HOOKS 16
static void (*tick_hooks[MAX_HOOKS])(struct srv_server *);
static int n_tick_hooks;
static int (*start_hooks[MAX_HOOKS])(struct srv_server *);
static int n_start_hooks;
static void (*stop_hooks[MAX_HOOKS])(struct srv_server *);
static int n_stop_hooks;

/* The post queue: any thread appends, the loop thread drains. */
struct post {
    struct post *next;
    void (*fn)(void *);
    void *arg;
};
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct post *post_head, *post_tail;
static void (*post_wake)(void *);  /* guarded by post_lock */
static void *post_wake_arg;        /* guarded by post_lock */

/* The loop thread, once named (written once before other threads start;
 * never named in a process without a loop: the subcommands but serve). */
static pthread_t loop_thread;
static bool loop_thread_set;

long long srv_now_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_loop_on_tick(void (*fn)(struct srv_server *))
{
    if (n_tick_hooks < MAX_HOOKS)
        tick_hooks[n_tick_hooks++] = fn;
}

void srv_loop_on_start(int (*fn)(struct srv_server *))
{
    if (n_start_hooks < MAX_HOOKS)
        start_hooks[n_start_hooks++] = fn;
}

void srv_loop_on_stop(void (*fn)(struct srv_server *))
{
    if (n_stop_hooks < MAX_HOOKS)
        stop_hooks[n_stop_hooks++] = fn;
}

int srv_hooks_start(struct srv_server *srv)
{
    assert(srv_on_loop_thread());
    for (int i = 0; i < n_start_hooks; i++)
        if (start_hooks[i](srv) != 0)
            return -1;
    return 0;
}

void srv_hooks_stop(struct srv_server *srv)
{
    assert(srv_on_loop_thread());
    for (int i = 0; i < n_stop_hooks; i++)
        stop_hooks[i](srv);
}

void srv_hooks_tick(struct srv_server *srv)
{
    assert(srv_on_loop_thread());
    for (int i = 0; i < n_tick_hooks; i++)
        tick_hooks[i](srv);
}

void srv_server_set_wake(void (*wake)(void *), void *arg)
{
    pthread_mutex_lock(&post_lock);
    post_wake = wake;
    post_wake_arg = arg;
    pthread_mutex_unlock(&post_lock);
}

void srv_loop_post(void (*fn)(void *), void *arg)
{
    struct post *p = malloc(sizeof *p);

    assert(srv_server_has_loop()); /* else nothing would ever run it */
    if (!p) {
        srv_err("out of memory posting to the loop");
        abort();
    }
    p->next = NULL;
    p->fn = fn;
    p->arg = arg;
    pthread_mutex_lock(&post_lock);
    if (post_tail)
        post_tail->next = p;
    else
        post_head = p;
    post_tail = p;
    if (post_wake)
        post_wake(post_wake_arg);
    pthread_mutex_unlock(&post_lock);
}

void srv_loop_drain_posts(void)
{
    struct post *p, *next;

    assert(srv_on_loop_thread());
    pthread_mutex_lock(&post_lock);
    p = post_head;
    post_head = post_tail = NULL;
    pthread_mutex_unlock(&post_lock);
    for (; p; p = next) {
        next = p->next;
        p->fn(p->arg);
        free(p);
    }
}

void srv_server_enter_loop(void)
{
    loop_thread = pthread_self();
    loop_thread_set = true;
}

bool srv_server_has_loop(void)
{
    return loop_thread_set;
}

bool srv_on_loop_thread(void)
{
    return loop_thread_set && pthread_equal(loop_thread, pthread_self());
}
