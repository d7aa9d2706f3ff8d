/* static.c -- the web client's files: path checks, MIME types, and
 * handing the file to libwebsockets to send. */
#include "server/net/static.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "server/net/http.h"
#include "server/core/server.h"

const char *srv_static_mime(const char *name)
{
    static const struct {
        const char *ext, *mime;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
        {".wav", "audio/wav"},
    };
    const char *dot = strrchr(name, '.');

    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcmp(dot, types[i].ext))
                return types[i].mime;
    return "application/octet-stream";
}

/* Share links' guest page: /l/<token> is answered with guest.html. */
static int is_guest_route(const char *path)
{
    return !strncmp(path, "/l/", 3) && path[3] && !strchr(path + 3, '/');
}

/* Client-side routes answered with index.html. */
static int is_client_route(const char *path)
{
    return !strcmp(path, "/") || !strncmp(path, "/p/", 3) ||
           !strncmp(path, "/invite/", 8) || !strcmp(path, "/login") ||
           !strcmp(path, "/projects");
}

int srv_static_serve(struct lws *wsi, struct srv_server *srv, const char *path,
                     struct srv_http_resp *resp)
{
    char file[4608];
    struct stat st;

    if (strstr(path, "..") || strchr(path, '\\') || path[0] != '/') {
        srv_http_error(resp, PROTO_BAD_REQUEST, 400, "bad path");
        return 0;
    }
    if (is_client_route(path))
        path = "/index.html";
    else if (is_guest_route(path))
        path = "/guest.html";
    snprintf(file, sizeof file, "%s%s", srv->cfg.web_dir, path);
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        srv_http_error(resp, PROTO_NOT_FOUND, 404, "nothing at %s", path);
        return 0;
    }
    /* lws_serve_http_file: < 0 means it failed and closed; 0 sending; > 0
     * transaction done (HEAD). */
    char extra[1024];
    int n = snprintf(extra, sizeof extra, "%scache-control: no-cache\r\n",
                     srv_http_security_headers);
    int r = lws_serve_http_file(wsi, file, srv_static_mime(file), extra, n);
    if (r < 0) {
        srv_http_error(resp, PROTO_INTERNAL, 500, "cannot read %s", path);
        return 0;
    }
    return 1;
}
