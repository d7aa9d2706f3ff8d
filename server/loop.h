/* loop.h -- the libwebsockets event loop: the context, the protocols (HTTP
 * and the mixroom.v1 WebSocket), signals, and the one way other threads
 * reach the loop: srv_loop_post(), which queues a call and wakes the loop
 * with lws_cancel_service(). */
#ifndef MIXROOM_SERVER_LOOP_H
#define MIXROOM_SERVER_LOOP_H

#include <sqlite3.h>
#include <stdbool.h>

#include "server/config.h"

struct lws_context;

/* The running server: what every handler on the loop thread may use. */
struct srv_server {
    struct srv_config cfg;
    struct lws_context *ctx;
    sqlite3 *db;            /* reader connection for the loop thread (reads only) */
    long long started_ms;   /* wall clock at start */
    volatile int stopping;  /* set by SIGINT/SIGTERM */
    void *writer;           /* struct srv_writer *, owned by rooms/writer */
    void *jobs;             /* struct srv_jobs *, the engine worker pool */
};

/* The one server of this process (set by srv_loop_run; NULL before). It
 * is touched only on the loop thread, except srv_loop_post. */
extern struct srv_server *srv_server_instance;

/* Creates the lws context for cfg, opens the store, runs start-up hooks,
 * then services the loop until SIGINT/SIGTERM; then stops accepting,
 * flushes, runs shutdown hooks and closes the database. Returns the exit
 * status (0 on a clean stop). */
int srv_loop_run(const struct srv_config *cfg);

/* Queues fn(arg) to run on the loop thread and wakes the loop. Safe from
 * any thread. If the loop is gone, fn still runs (with the server stopping). */
void srv_loop_post(void (*fn)(void *arg), void *arg);

/* Runs every queued post now, in order. Called by the loop when woken; also
 * by tests that have no loop running. Loop thread only. */
void srv_loop_drain_posts(void);

/* Registers a function the loop calls about every 100 ms on its thread
 * (presence expiry, room unloading, timers). At most 16. Call before
 * srv_loop_run (from a module's init). */
void srv_loop_on_tick(void (*fn)(struct srv_server *srv));

/* Registers start-up / shutdown hooks (at most 16 each), run on the loop
 * thread after the context exists / after it stops accepting. A start
 * hook returning non-zero aborts start-up. */
void srv_loop_on_start(int (*fn)(struct srv_server *srv));
void srv_loop_on_stop(void (*fn)(struct srv_server *srv));

/* Monotonic milliseconds. */
long long srv_now_mono_ms(void);

#endif
