/* cluster.h -- more than one node (docs/deploy.md): the node's name in
 * welcome, the project lease that keeps a room on exactly one node, and the
 * LISTEN/NOTIFY fan-out of changes that must close sockets on every node.
 * Active only with a PostgreSQL store (--store postgresql://...); with the
 * embedded SQLite store a node serves every project, as before. */
#ifndef MIXROOM_SERVER_CLUSTER_H
#define MIXROOM_SERVER_CLUSTER_H

/* Registers the welcome's "node" section, the lease gate of rooms, the
 * remote-close hook of auth and the start/stop/tick hooks that open the
 * lease session and the listener. Call once from modules.c. */
void srv_cluster_init(void);

#endif
