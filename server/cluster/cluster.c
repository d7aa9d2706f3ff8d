/* cluster.c -- the cluster module's wiring: the welcome's "node", the lease
 * gate of rooms (lease.c), the remote-close hook of auth sent as events
 * (notify.c), and the start/stop/tick hooks. With an embedded SQLite store
 * only the "node" field is active.
 *
 * Global state: `active` and `exit_hooked` (set by the start hook on the
 * loop thread, read there afterwards); `event_node`, the node's name,
 * copied by the start hook before any request is served and read by the
 * writer thread in the jobs those requests submit (the writer's queue
 * mutex orders the copy before the reads). */
#include "server/cluster/cluster.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/auth.h"
#include "server/cluster/cluster_priv.h"
#include "server/cluster/event.h"
#include "server/core/store.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/core/writer.h"
#include "server/rooms/room.h"

static bool active; /* a PostgreSQL store: leases and events are on */
static bool exit_hooked; /* lease_close_at_exit registered */
static char event_node[64]; /* the sender named in the events */

static json_t *node_section(struct srv_server *srv, struct srv_room *room,
                            const char *project_id)
{
    (void)room;
    (void)project_id;
    return json_string(srv->cfg.node_name);
}

/* Writer thread, inside the job of the change: the event goes out in the
 * change's own transaction (store_writer_notify; nothing with SQLite), so
 * it cannot be lost between the commit and a send after it. */
static int remote_close(db_conn *db, const char *kind, const char *project,
                        const char *id)
{
    char *text;
    int rc;

    if (db_engine(db) != DB_ENGINE_PG)
        return 0;
    text = cl_event_encode(kind, project, id, event_node);
    rc = text ? store_writer_notify(db, CL_CHANNEL, text) : -1;
    if (rc != 0)
        srv_err("cluster: event %s of %s could not be sent to the other "
                "nodes: %s", kind, id, text ? db_errmsg(db) : "out of memory");
    free(text);
    return rc;
}

/* At exit, after the loop has stopped and the writer has committed its
 * last batch: only then may another node take this node's projects. */
static void lease_close_at_exit(void)
{
    cl_lease_close();
}

static int on_start(struct srv_server *srv)
{
    char err[512];

    snprintf(event_node, sizeof event_node, "%s", srv->cfg.node_name);
    if (!cl_is_pg(store_pg_url()))
        return 0;
    if (cl_lease_open(srv, err, sizeof err) != 0 ||
        cl_notify_start(srv, err, sizeof err) != 0) {
        srv_err("cluster: %s", err);
        cl_lease_close();
        return -1;
    }
    if (!exit_hooked) {
        exit_hooked = true;
        atexit(lease_close_at_exit);
    }
    active = true;
    return 0;
}

static void on_stop(struct srv_server *srv)
{
    (void)srv;
    if (!active)
        return;
    /* the leases stay held until exit (lease_close_at_exit): the writer
     * still commits the rooms' last batches after the stop hooks */
    cl_notify_stop();
    active = false;
}

static void on_tick(struct srv_server *srv)
{
    if (active && !srv->stopping)
        cl_lease_tick(srv);
}

static const struct srv_room_lease gate = {cl_lease_take, cl_lease_release};

void srv_cluster_init(void)
{
    srv_room_add_section(SRV_ROOM_WELCOME, "node", node_section);
    srv_room_set_lease(&gate);
    srv_auth_set_remote_close(remote_close);
    srv_loop_on_start(on_start);
    srv_loop_on_stop(on_stop);
    srv_loop_on_tick(on_tick);
}
