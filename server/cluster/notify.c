/* notify.c -- across nodes: the changes that must close sockets wherever
 * they are (a member removed, a session ended, a share link revoked)
 * travel on PostgreSQL's LISTEN/NOTIFY channel mixroom_events.
 *
 * The listener thread owns its own libpq connection: LISTEN at start (done
 * before the node answers its first request, so a node that is up hears
 * every event sent after), then poll() on the connection's socket and a
 * stop pipe; each notification's payload is copied and posted to the loop
 * (srv_loop_post), where cl_notify_apply closes the matching sockets. The
 * events are sent in the transaction of their change (cluster.c,
 * store_writer_notify), so they go out exactly when it is committed. A
 * lost connection is re-opened after a second; events sent while it was
 * down are not heard, so once it is back (LISTEN said) the loop re-checks
 * every room socket of this node against the store (cl_resync, resync.c).
 * The connection's application_name is "mixroom-listen-<node>", the lease
 * session's "mixroom-lease-<node>" (pg_stat_activity tells them apart).
 *
 * Payloads (JSON objects, at most 8000 bytes, PostgreSQL's limit):
 *   {"kind":"member_removed","project":P,"user":U,"node":N}
 *   {"kind":"session_ended","session":"<token SHA-256 hex>","node":N}
 *   {"kind":"link_revoked","project":P,"link":L,"node":N}
 * N is the sender; a node skips its own events (it closed its sockets
 * already).
 *
 * Global state: the thread, its connection, URL and application name and
 * the stop pipe (set at start on the loop thread, then owned by the thread
 * until it is joined). */
#include "server/cluster/cluster_priv.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/auth/auth.h"
#include "server/auth/links.h"
#include "server/cluster/event.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"

_Static_assert(CL_EVENT_HASH_LEN == SRV_TOKEN_HASH_LEN,
               "a session event carries a token hash");

static pthread_t thread;
static bool running;
static int stop_pipe[2] = {-1, -1};
static PGconn *lconn;             /* the listener's connection (thread) */
static char url[4096];

/* how often the listener looks again at which lease socket to watch */
#define LEASE_WATCH_MS 200

static char app_name[96];         /* "mixroom-listen-<node>" */

static PGconn *listen_connect(void)
{
    PGconn *c = PQconnectdb(url);
    const char *v[1] = {app_name};
    PGresult *r;

    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return NULL;
    }
    PQclear(PQexecParams(c, "SELECT set_config('application_name', $1, false)",
                         1, NULL, v, NULL, NULL, 0));
    r = PQexec(c, "LISTEN " CL_CHANNEL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        PQclear(r);
        PQfinish(c);
        return NULL;
    }
    PQclear(r);
    return c;
}

static void resync_post(void *arg)
{
    (void)arg;
    if (srv_server_instance)
        cl_resync(srv_server_instance);
}

static void apply_post(void *arg)
{
    char *payload = arg;

    if (srv_server_instance)
        cl_notify_apply(srv_server_instance, payload);
    free(payload);
}

static void lease_post(void *arg)
{
    (void)arg;
    if (srv_server_instance)
        cl_lease_tick(srv_server_instance);
}

/* Waits for notifications until the connection fails (returns 0) or stop
 * is asked (returns 1). Watches the lease session's socket too (see
 * lease.c): news on it wakes the loop's lease check at once. */
static int listen_loop(void)
{
    for (;;) {
        struct pollfd p[3] = {{PQsocket(lconn), POLLIN, 0},
                              {stop_pipe[0], POLLIN, 0},
                              {cl_lease_watch_fd(), POLLIN, 0}};
        PGnotify *n;

        /* a timeout: the lease socket to watch may change meanwhile */
        if (poll(p, p[2].fd >= 0 ? 3 : 2, LEASE_WATCH_MS) < 0 &&
            errno != EINTR)
            return 0;
        if (p[1].revents)
            return 1;
        if (p[2].fd >= 0 && p[2].revents) {
            cl_lease_watch_fired();
            srv_loop_post(lease_post, NULL);
        }
        if (!p[0].revents)
            continue;
        if (!PQconsumeInput(lconn))
            return 0;
        while ((n = PQnotifies(lconn))) {
            char *copy = strdup(n->extra);
            if (copy)
                srv_loop_post(apply_post, copy);
            PQfreemem(n);
        }
    }
}

static void *listen_main(void *arg)
{
    (void)arg;
    for (;;) {
        if (lconn && listen_loop())
            break;
        if (lconn) {
            srv_err("cluster: the event listener lost its connection: %s",
                    PQerrorMessage(lconn));
            PQfinish(lconn);
            lconn = NULL;
        }
        struct pollfd s = {stop_pipe[0], POLLIN, 0};
        if (poll(&s, 1, 1000) > 0)
            break;
        lconn = listen_connect();
        if (lconn) {
            srv_info("cluster: the event listener is back");
            srv_loop_post(resync_post, NULL); /* what it did not hear */
        }
    }
    if (lconn)
        PQfinish(lconn);
    lconn = NULL;
    return NULL;
}

int cl_notify_start(struct srv_server *srv, char *err, size_t errlen)
{
    assert(!running);
    snprintf(url, sizeof url, "%s", store_pg_url());
    snprintf(app_name, sizeof app_name, "mixroom-listen-%s",
             srv->cfg.node_name);
    lconn = listen_connect();
    if (!lconn) {
        snprintf(err, errlen, "cannot LISTEN %s on the store",
                 CL_CHANNEL);
        return -1;
    }
    if (pipe2(stop_pipe, O_CLOEXEC) != 0 ||
        pthread_create(&thread, NULL, listen_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the event listener");
        PQfinish(lconn);
        lconn = NULL;
        return -1;
    }
    running = true;
    return 0;
}

void cl_notify_stop(void)
{
    if (!running)
        return;
    if (write(stop_pipe[1], "x", 1) != 1)
        srv_warn("cluster: cannot wake the event listener");
    pthread_join(thread, NULL);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    stop_pipe[0] = stop_pipe[1] = -1;
    running = false;
}

int cl_notify_apply(struct srv_server *srv, const char *payload)
{
    struct cl_event ev;

    assert(srv_on_loop_thread());
    if (cl_event_parse(payload, strlen(payload), &ev) != 0) {
        srv_warn("cluster: ignored a malformed event on %s: %.200s",
                 CL_CHANNEL, payload);
        return -1;
    }
    if (!strcmp(ev.node, srv->cfg.node_name))
        return 0; /* our own: the sockets here are closed already */
    switch (ev.kind) {
    case CL_EV_MEMBER_REMOVED:
        srv_auth_conns_member_removed(ev.project, ev.id);
        break;
    case CL_EV_SESSION_ENDED:
        srv_auth_conns_end_session(ev.hash, "session ended; log in again");
        break;
    case CL_EV_LINK_REVOKED:
        srv_guest_close_link(srv->db, ev.id);
        break;
    }
    return 0;
}
