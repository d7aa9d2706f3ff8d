/* export_http.h -- GET /api/projects/{id}/export (the rendered mix,
 * streamed while it renders) and GET /api/projects/{id}/loudness. */
#ifndef MIXROOM_SERVER_EXPORT_HTTP_H
#define MIXROOM_SERVER_EXPORT_HTTP_H

/* Registers the two routes (and the worker pool they use). Call once
 * before srv_loop_run. */
void srv_export_http_init(void);

#endif
