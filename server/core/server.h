/* server.h -- the spine of the running server, below the event loop: the
 * server struct every module receives, the start/stop/tick hooks, the post
 * queue (the one way another thread reaches the loop thread; the transport
 * supplies the wake-up), the monotonic clock, and the thread-ownership
 * checks. Nothing here knows libwebsockets: server/net/ drives the loop and
 * calls srv_server_set_wake() and srv_server_enter_loop(). */
#ifndef MIXROOM_SERVER_CORE_SERVER_H
#define MIXROOM_SERVER_CORE_SERVER_H

#include "server/core/db.h"
#include <stdbool.h>

#include "server/core/config.h"

/* The running server: what every handler on the loop thread may use. */
struct srv_server {
    struct srv_config cfg;
    void *net;              /* the transport's own state (server/net/) */
    db_conn *db;            /* reader connection for the loop thread
                               (opened query_only: SQLite refuses writes) */
    long long started_ms;   /* wall clock at start */
    volatile int stopping;  /* set by SIGINT/SIGTERM */
    void *writer;           /* struct srv_writer *, the store writer */
    void *jobs;             /* struct srv_jobs *, the engine worker pool */
};

/* The one server of this process (set by srv_loop_run while it runs; NULL
 * before and after). Global by design: there is one server per process.
 * Touched only on the loop thread. */
extern struct srv_server *srv_server_instance;

/* ---- hooks (registered by module inits before the loop starts) ---- */

/* Registers a function the loop calls about every 100 ms on its thread
 * (presence expiry, room unloading, timers). At most 16. */
void srv_loop_on_tick(void (*fn)(struct srv_server *srv));

/* Registers start-up / shutdown hooks (at most 16 each), run on the loop
 * thread once the transport exists / after it stops accepting. A start
 * hook returning non-zero aborts start-up. */
void srv_loop_on_start(int (*fn)(struct srv_server *srv));
void srv_loop_on_stop(void (*fn)(struct srv_server *srv));

/* Runs the registered hooks in registration order (the transport calls
 * these). srv_hooks_start returns non-zero when a start hook failed. */
int srv_hooks_start(struct srv_server *srv);
void srv_hooks_stop(struct srv_server *srv);
void srv_hooks_tick(struct srv_server *srv);

/* ---- the post queue ---- */

/* Queues fn(arg) to run on the loop thread and wakes the loop (through the
 * wake callback, if one is set). Safe from any thread of a process with a
 * loop (srv_server_has_loop; asserted: without one nothing would run it).
 * Posts queued while the loop is not servicing are run by the next
 * srv_loop_drain_posts. */
void srv_loop_post(void (*fn)(void *arg), void *arg);

/* Runs every queued post now, in order. Called by the loop when woken;
 * also by tests that have no loop running. Loop thread only. */
void srv_loop_drain_posts(void);

/* Sets (or clears with NULL) the function srv_loop_post calls to wake the
 * loop, with its argument; it must be safe from any thread
 * (lws_cancel_service). Set by the transport while its context exists. */
void srv_server_set_wake(void (*wake)(void *arg), void *arg);

/* ---- threads ---- */

/* Marks the calling thread as the loop thread (the transport calls it
 * before servicing; tests that drive handlers by hand call it too). Once,
 * before other threads start. A process that never calls it has no loop
 * (every subcommand but serve): no thread is the loop thread there. */
void srv_server_enter_loop(void);

/* Does this process have a loop thread (srv_server_enter_loop called)?
 * Code that would hand work to the loop asks this once: without a loop,
 * blocking work (fetching a file from the asset store) runs inline on the
 * calling thread instead of waiting for a loop that never comes. */
bool srv_server_has_loop(void);

/* Is the calling thread the loop thread? False on every thread of a
 * process without a loop, so assert(srv_on_loop_thread()) at loop-only
 * entry points never passes vacuously. */
bool srv_on_loop_thread(void);

/* ---- time ---- */

/* Monotonic milliseconds. */
long long srv_now_mono_ms(void);

#endif
