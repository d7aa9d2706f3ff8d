/* lease.c -- a room on exactly one node: the project lease.
 *
 * The node keeps one libpq session open for its whole life (the lease
 * session). Taking a project's lease is pg_try_advisory_lock(key) on it,
 * key = cl_lease_key(project id); PostgreSQL frees every lock of a session
 * that ends, so the leases of a node that dies (kill -9, power) are free
 * as soon as its TCP connection is gone. The holder also writes
 * project_leases(project, node, since) so that a node that cannot take a
 * lease can name the owner (wrong_node's "owner"); the row is advice only,
 * the advisory lock is the truth.
 *
 * The session's calls are blocking and run on the loop thread: one short
 * query per first hello of a project on this node (a held lease answers
 * from the list below without a query), one per room unload, one probe
 * every 2 s. On loopback or a LAN that is well under a millisecond.
 *
 * Losing the session (pg_terminate_backend, PostgreSQL restarted, the
 * network cut) loses every lease with it, and another node may take them
 * at once. The event listener's thread watches the session's socket too
 * (cl_lease_watch_fd) and wakes the loop as soon as it has news
 * (PostgreSQL's FATAL, or its end); every loop tick (100 ms) also looks,
 * without blocking, and the 2 s probe catches a silent cut. Then the node stops serving each project
 * it held: the room is evicted (srv_room_evict: nothing more of it is
 * committed, and were a batch already on its way, its head_rev check
 * fails once another node has committed) and its sockets are closed with
 * 4009 wrong_node, so the clients reconnect through HAProxy to whoever
 * takes the lease (this node again, loading the room from the store,
 * once its session is back). The leases are never taken back silently.
 *
 * Global state (loop thread only): the session, the list of held leases,
 * the node name and URL copied at open; watch_fd / watch_armed are atomics
 * shared with the listener thread. */
#include "server/cluster/cluster_priv.h"

#include <assert.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/store.h"
#include "server/net/ws.h"
#include "server/rooms/room.h"

#define CHECK_MS 2000
/* the key of the transaction lock that serialises CREATE TABLE */
#define SCHEMA_KEY "7886946733016105985"

struct held {
    struct held *next;
    char project[64];
};

static PGconn *conn;           /* the lease session, NULL when not open */
static struct held *held;      /* leases this node holds */
static int n_held;
static char node[64];
static long long last_check_ms;
static bool down;              /* lost, not reconnected yet */
/* the session's socket for the listener thread to watch (-1: none), and
 * whether it should (it stops after each wake until the loop has looked) */
static atomic_int watch_fd = -1;
static atomic_bool watch_armed;

bool cl_is_pg(const char *url)
{
    return !strncmp(url, "postgresql://", 13) ||
           !strncmp(url, "postgres://", 11);
}

int64_t cl_lease_key(const char *project_id)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    uint64_t k = 0;

    crypto_hash_sha256(h, (const unsigned char *)project_id,
                       strlen(project_id));
    for (int i = 0; i < 8; i++)
        k = (k << 8) | h[i];
    return (int64_t)k;
}

/* Runs sql with up to 3 text parameters; the result (caller clears) or
 * NULL with the error logged when it did not succeed. */
static PGresult *q(const char *sql, int n, const char *a, const char *b,
                   const char *c)
{
    const char *v[3] = {a, b, c};
    PGresult *r;
    ExecStatusType st;

    if (!conn)
        return NULL;
    r = PQexecParams(conn, sql, n, NULL, v, NULL, NULL, 0);
    st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        srv_warn("cluster: lease session: %s", PQerrorMessage(conn));
        PQclear(r);
        return NULL;
    }
    return r;
}

static struct held **held_find(const char *project_id)
{
    struct held **p;

    for (p = &held; *p; p = &(*p)->next)
        if (!strcmp((*p)->project, project_id))
            break;
    return p;
}

static int make_table(char *err, size_t errlen)
{
    PGresult *r = PQexec(conn,
                         "BEGIN; SELECT pg_advisory_xact_lock(" SCHEMA_KEY ");"
                         " CREATE TABLE IF NOT EXISTS project_leases ("
                         " project TEXT PRIMARY KEY, node TEXT NOT NULL,"
                         " since BIGINT NOT NULL); COMMIT");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;

    if (rc)
        snprintf(err, errlen, "cannot create table project_leases: %s",
                 PQerrorMessage(conn));
    PQclear(r);
    if (rc)
        PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}

/* PostgreSQL's notices ("relation ... already exists, skipping") are not
 * for the log. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* application_name "mixroom-lease-<node>" (pg_stat_activity). */
static void name_session(void)
{
    char name[96];
    const char *v[1] = {name};

    snprintf(name, sizeof name, "mixroom-lease-%s", node);
    PQclear(PQexecParams(conn, "SELECT set_config('application_name', $1,"
                         " false)", 1, NULL, v, NULL, NULL, 0));
}

int cl_lease_open(struct srv_server *srv, char *err, size_t errlen)
{
    assert(!conn);
    snprintf(node, sizeof node, "%s", srv->cfg.node_name);
    conn = PQconnectdb(store_pg_url());
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the store for leases: %s",
                 PQerrorMessage(conn));
        goto fail;
    }
    PQsetNoticeProcessor(conn, quiet, NULL);
    name_session();
    if (make_table(err, errlen))
        goto fail;
    last_check_ms = srv_now_mono_ms();
    atomic_store(&watch_fd, PQsocket(conn));
    atomic_store(&watch_armed, true);
    srv_info("cluster: node %s takes project leases on the store", node);
    return 0;
fail:
    PQfinish(conn);
    conn = NULL;
    return -1;
}

void cl_lease_close(void)
{
    while (held) {
        struct held *h = held;
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)cl_lease_key(h->project));
        PQclear(q("DELETE FROM project_leases WHERE project=$1 AND node=$2",
                  2, h->project, node, NULL));
        PQclear(q("SELECT pg_advisory_unlock($1::bigint)", 1, key, NULL,
                  NULL));
        held = h->next;
        free(h);
    }
    n_held = 0;
    atomic_store(&watch_fd, -1);
    if (conn)
        PQfinish(conn);
    conn = NULL;
}

/* Asks for the lock and, when it is taken, writes the owner row.
 * 0 taken, 1 held elsewhere (owner filled), -1 error (reason in owner). */
static int try_lock(const char *project_id, char *owner, size_t owner_len)
{
    char key[32], since[32];
    PGresult *r;
    bool got;

    snprintf(key, sizeof key, "%lld", (long long)cl_lease_key(project_id));
    r = q("SELECT pg_try_advisory_lock($1::bigint)", 1, key, NULL, NULL);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        snprintf(owner, owner_len, "the lease session failed");
        return -1;
    }
    got = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!got) {
        r = q("SELECT node FROM project_leases WHERE project=$1", 1,
              project_id, NULL, NULL);
        if (r && PQntuples(r) == 1)
            snprintf(owner, owner_len, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        return 1;
    }
    snprintf(since, sizeof since, "%lld", store_now_ms());
    r = q("INSERT INTO project_leases (project, node, since)"
          " VALUES ($1, $2, $3::bigint) ON CONFLICT (project) DO UPDATE"
          " SET node = EXCLUDED.node, since = EXCLUDED.since",
          3, project_id, node, since);
    if (!r)
        srv_warn("cluster: lease of %s taken, but its owner row was not "
                 "written (other nodes cannot name this one)", project_id);
    PQclear(r);
    return 0;
}

int cl_lease_take(struct srv_server *srv, const char *project_id,
                  char *owner, size_t owner_len)
{
    struct held *h;
    int rc;

    assert(srv_on_loop_thread());
    if (!cl_is_pg(store_pg_url()) || *held_find(project_id))
        return 0;
    if (!conn) {
        snprintf(owner, owner_len, "the lease session is not open");
        return -1;
    }
    if (strlen(project_id) >= sizeof h->project) {
        snprintf(owner, owner_len, "project id too long");
        return -1;
    }
    rc = try_lock(project_id, owner, owner_len);
    if (rc != 0)
        return rc;
    h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(owner, owner_len, "out of memory");
        cl_lease_release(srv, project_id);
        return -1;
    }
    snprintf(h->project, sizeof h->project, "%s", project_id);
    h->next = held;
    held = h;
    n_held++;
    srv_debug("cluster: node %s took the lease of %s", node, project_id);
    return 0;
}

void cl_lease_release(struct srv_server *srv, const char *project_id)
{
    struct held **p = held_find(project_id), *h = *p;
    char key[32];

    assert(srv_on_loop_thread());
    if (!h)
        return;
    *p = h->next;
    free(h);
    n_held--;
    snprintf(key, sizeof key, "%lld", (long long)cl_lease_key(project_id));
    PQclear(q("DELETE FROM project_leases WHERE project=$1 AND node=$2", 2,
              project_id, node, NULL));
    PQclear(q("SELECT pg_advisory_unlock($1::bigint)", 1, key, NULL, NULL));
    srv_debug("cluster: node %s released the lease of %s", node, project_id);
}

static void close_project(struct srv_conn *c, void *arg)
{
    if ((c->welcomed || c->room_link) && !strcmp(c->project_id, arg))
        srv_ws_close(c, 4009, "wrong_node");
}

/* Has the session ended? Looks at its socket without blocking: a
 * terminated backend sends its FATAL and closes the connection. */
static bool session_gone(void)
{
    struct pollfd p = {PQsocket(conn), POLLIN, 0};

    if (PQstatus(conn) != CONNECTION_OK || p.fd < 0)
        return true;
    if (poll(&p, 1, 0) <= 0)
        return false;
    if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
        return true;
    return p.revents & (POLLHUP | POLLERR) ? true : false;
}

/* The session was lost, and every lease with it: stop serving each
 * project at once (see the file comment). */
static void lose_all(void)
{
    while (held) {
        struct held *h = held;
        int n;

        held = h->next;
        n_held--;
        n = srv_room_evict(h->project, 4009, "wrong_node");
        srv_ws_each(close_project, h->project); /* hellos not in the room */
        srv_err("cluster: node %s lost the lease of %s with its session: "
                "stopped serving it (%d sockets closed with 4009)", node,
                h->project, n);
        free(h);
    }
}

/* Reconnects the lost session (blocking: a connect on loopback or a LAN).
 * The listener stops watching the old socket first. */
static void reconnect(long long now)
{
    atomic_store(&watch_fd, -1);
    last_check_ms = now;
    PQreset(conn);
    if (PQstatus(conn) != CONNECTION_OK)
        return; /* every hello of a new project fails until it is back */
    PQsetNoticeProcessor(conn, quiet, NULL);
    name_session();
    down = false;
    atomic_store(&watch_fd, PQsocket(conn));
    atomic_store(&watch_armed, true);
    srv_info("cluster: the lease session is back; projects are leased on "
             "their next hello");
}

void cl_lease_tick(struct srv_server *srv)
{
    long long now = srv_now_mono_ms();
    bool probe, lost;
    PGresult *r;

    (void)srv;
    if (!conn)
        return;
    probe = now - last_check_ms >= CHECK_MS;
    if (down) { /* reconnect attempts every CHECK_MS */
        if (probe)
            reconnect(now);
        return;
    }
    lost = session_gone();
    if (!lost && probe) {
        last_check_ms = now;
        r = PQexec(conn, "SELECT 1");
        lost = PQresultStatus(r) != PGRES_TUPLES_OK;
        PQclear(r);
    }
    if (!lost) {
        atomic_store(&watch_armed, true);
        return;
    }
    srv_err("cluster: the lease session was lost (%s)", PQerrorMessage(conn));
    down = true;
    lose_all();
    reconnect(now); /* at once: its clients come back with their hellos */
}

int cl_lease_watch_fd(void)
{
    return atomic_load(&watch_armed) ? atomic_load(&watch_fd) : -1;
}

void cl_lease_watch_fired(void)
{
    atomic_store(&watch_armed, false);
}

int cl_lease_count(void)
{
    return n_held;
}
