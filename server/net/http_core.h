/* http_core.h -- the server's own endpoints (/healthz, /metrics). */
#ifndef MIXROOM_SERVER_HTTP_CORE_H
#define MIXROOM_SERVER_HTTP_CORE_H

/* Registers /healthz and /metrics. */
void srv_http_core_init(void);

#endif
