/* static.h -- serving the web client's files from the web directory. */
#ifndef MIXROOM_SERVER_STATIC_H
#define MIXROOM_SERVER_STATIC_H

struct lws;
struct srv_server;
struct srv_http_resp;

/* Serves the file for a GET of `path` from srv's web directory ("/" and
 * client routes such as /p/... and /invite/... get index.html). Returns 1
 * when libwebsockets is sending the file, or 0 with resp filled (404 JSON
 * for a missing file, 400 for a bad path). */
int srv_static_serve(struct lws *wsi, struct srv_server *srv, const char *path,
                     struct srv_http_resp *resp);

/* The MIME type for a file name, from its extension. */
const char *srv_static_mime(const char *name);

#endif
