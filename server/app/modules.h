/* modules.h -- one call that registers every module's routes, handlers and
 * hooks before the event loop starts. */
#ifndef MIXROOM_SERVER_MODULES_H
#define MIXROOM_SERVER_MODULES_H

/* Calls each module's init (routes, WebSocket handlers, tick/start/stop
 * hooks). Idempotent; call once before srv_loop_run. */
void srv_modules_init(void);

/* Registers the modules' figures with /metrics (module_metrics.c; called
 * by srv_modules_init). */
void srv_app_metrics_init(void);

#endif
