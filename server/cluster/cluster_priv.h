/* cluster_priv.h -- between the files of server/cluster: the lease session
 * (lease.c) and the event listener (notify.c). */
#ifndef MIXROOM_SERVER_CLUSTER_PRIV_H
#define MIXROOM_SERVER_CLUSTER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_server;

/* The LISTEN/NOTIFY channel of cluster events. */
#define CL_CHANNEL "mixroom_events"

/* True when url names a PostgreSQL store (postgresql:// or postgres://). */
bool cl_is_pg(const char *url);

/* The advisory-lock key of a project: the first 8 bytes of the SHA-256 of
 * its id, big-endian, as a signed 64-bit integer. */
int64_t cl_lease_key(const char *project_id);

/* Opens the node's lease session (one libpq connection for the node's
 * life) and creates table project_leases if it is missing. 0, or -1 with
 * err. Loop thread (at start). */
int cl_lease_open(struct srv_server *srv, char *err, size_t errlen);

/* Releases every lease and closes the session (at exit: after the
 * writer's last commit). */
void cl_lease_close(void);

/* srv_room_lease.take/.release (see server/rooms/room.h). */
int cl_lease_take(struct srv_server *srv, const char *project_id,
                  char *owner, size_t owner_len);
void cl_lease_release(struct srv_server *srv, const char *project_id);

/* Checks the lease session: its socket without blocking (each tick, and
 * at once when the listener saw news on it), a probe every 2 s. When it
 * was lost (pg_terminate_backend, PostgreSQL restarted, the network cut)
 * every project it held stops being served at once (srv_room_evict, the
 * sockets closed with 4009) and the session is reconnected (then every
 * 2 s until it is back); no lease is taken back until a hello asks.
 * Loop thread. */
void cl_lease_tick(struct srv_server *srv);

/* For the listener thread: the lease session's socket to poll for
 * readability, or -1 (none, or a wake is already on its way); after it was
 * readable, cl_lease_watch_fired and then a post of cl_lease_tick's check
 * to the loop (which re-arms the watch). Any thread. */
int cl_lease_watch_fd(void);
void cl_lease_watch_fired(void);

/* Leases held now (for /metrics and tests). */
int cl_lease_count(void);

/* Starts the listener thread (its own libpq connection: LISTEN, then
 * poll on its socket; each payload is posted to the loop). 0 or -1. */
int cl_notify_start(struct srv_server *srv, char *err, size_t errlen);

/* Stops and joins the listener thread. */
void cl_notify_stop(void);

/* After the listener (re)connected: closes the sockets of this node whose
 * membership or share link the store no longer has (events sent while the
 * listener was away are not heard). Returns how many it closed. Loop
 * thread. */
int cl_resync(struct srv_server *srv);

/* Applies one event payload on the loop thread: closes the matching
 * sockets of this node (events this node sent itself are skipped).
 * Returns 0, or -1 when payload is not a valid event (it is logged). */
int cl_notify_apply(struct srv_server *srv, const char *payload);

#endif
