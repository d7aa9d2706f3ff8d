/* loop.h -- the libwebsockets event loop: the context, the protocols (HTTP
 * and the mixroom.v1 WebSocket), signals and the 100 ms tick. The server
 * struct, the hooks and the post queue it drives are in server/core/server.h
 * (included here for the callers of srv_loop_run). */
#ifndef MIXROOM_SERVER_NET_LOOP_H
#define MIXROOM_SERVER_NET_LOOP_H

#include "server/core/config.h"
#include "server/core/server.h"

/* Creates the lws context for cfg, opens the store, runs start-up hooks,
 * then services the loop until SIGINT/SIGTERM; then stops accepting,
 * flushes, runs shutdown hooks and closes the database. Returns the exit
 * status (0 on a clean stop). The calling thread becomes the loop thread. */
int srv_loop_run(const struct srv_config *cfg);

#endif
