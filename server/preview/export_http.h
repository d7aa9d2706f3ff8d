/* export_http.h -- GET /api/projects/{id}/export (the rendered mix,
 * streamed while it renders) and GET /api/projects/{id}/loudness. */
#ifndef MIXROOM_SERVER_EXPORT_HTTP_H
#define MIXROOM_SERVER_EXPORT_HTTP_H

#include "server/net/http.h"

/* Registers the two routes (and the worker pool they use). Call once
 * before srv_loop_run. */
void srv_export_http_init(void);

/* format=mid (export_mid.c): the notes as a Standard MIDI File, answered
 * at once. Called by the export route's format switch. */
enum srv_http_result srv_export_mid(struct srv_http_req *req,
                                    struct srv_http_resp *resp);

#endif
