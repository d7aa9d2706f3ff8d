/* http_core.h -- the server's own endpoints (/healthz, /readyz, /metrics). */
#ifndef MIXROOM_SERVER_HTTP_CORE_H
#define MIXROOM_SERVER_HTTP_CORE_H

/* Registers /healthz, /readyz and /metrics and the readiness probe tick. */
void srv_http_core_init(void);

#endif
