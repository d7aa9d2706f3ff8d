/* perm.c -- THE permission table: every WebSocket message type and every
 * HTTP endpoint, mapped to who may use it (public, any logged-in user, or
 * a project member with at least a role). Every HTTP handler goes through
 * srv_auth_http() with its key; the WebSocket layer checks srv_perm_ws()
 * before every handler. A new message type or endpoint is added here, in
 * docs/auth.md, and in the walk of tests/integration/auth.test.mjs. */
#include "server/auth/auth.h"

#include <string.h>

#include "protocol/errors.h"
#include "server/net/ws.h"

#define LOGIN(k) {k, SRV_PERM_LOGIN, SRV_ROLE_NONE}
#define PUBLIC(k) {k, SRV_PERM_PUBLIC, SRV_ROLE_NONE}
#define MEMBER(k, r) {k, SRV_PERM_PROJECT, r}

static const struct srv_perm_entry ws_table[] = {
    LOGIN("hello"),
    LOGIN("ping"),
    MEMBER("push", SRV_ROLE_EDITOR),
    MEMBER("undo", SRV_ROLE_EDITOR),
    MEMBER("redo", SRV_ROLE_EDITOR),
    MEMBER("presence", SRV_ROLE_VIEWER),
    MEMBER("history", SRV_ROLE_VIEWER),
    MEMBER("diff", SRV_ROLE_VIEWER),
    MEMBER("restore", SRV_ROLE_EDITOR),
    MEMBER("version.create", SRV_ROLE_EDITOR),
    MEMBER("version.list", SRV_ROLE_VIEWER),
    MEMBER("version.set_status", SRV_ROLE_EDITOR),
    MEMBER("version.rename", SRV_ROLE_EDITOR),
    MEMBER("version.delete", SRV_ROLE_EDITOR),
    MEMBER("comment.add", SRV_ROLE_COMMENTER),
    MEMBER("comment.edit", SRV_ROLE_COMMENTER),
    MEMBER("comment.resolve", SRV_ROLE_COMMENTER),
    MEMBER("comment.reopen", SRV_ROLE_COMMENTER),
    MEMBER("comment.delete", SRV_ROLE_COMMENTER),
    MEMBER("comment.list", SRV_ROLE_VIEWER),
    MEMBER("play", SRV_ROLE_VIEWER),
    MEMBER("pause", SRV_ROLE_VIEWER),
    MEMBER("seek", SRV_ROLE_VIEWER),
    MEMBER("follow", SRV_ROLE_VIEWER),
};

static const struct srv_perm_entry http_table[] = {
    /* sessions */
    PUBLIC("POST /api/login"),
    LOGIN("POST /api/logout"),
    LOGIN("GET /api/me"),
    /* projects */
    LOGIN("GET /api/projects"),
    LOGIN("POST /api/projects"),
    MEMBER("GET /api/projects/{id}", SRV_ROLE_VIEWER),
    MEMBER("DELETE /api/projects/{id}", SRV_ROLE_OWNER),
    /* members */
    MEMBER("GET /api/projects/{id}/members", SRV_ROLE_VIEWER),
    MEMBER("PATCH /api/projects/{id}/members/{user}", SRV_ROLE_OWNER),
    MEMBER("POST /api/projects/{id}/members/{user}", SRV_ROLE_OWNER),
    MEMBER("DELETE /api/projects/{id}/members/{user}", SRV_ROLE_OWNER),
    /* invites */
    MEMBER("POST /api/projects/{id}/invites", SRV_ROLE_OWNER),
    MEMBER("GET /api/projects/{id}/invites", SRV_ROLE_OWNER),
    MEMBER("DELETE /api/projects/{id}/invites/{invite}", SRV_ROLE_OWNER),
    LOGIN("POST /api/invites/{token}"),
    /* audio: uploads, peaks, the rendered mix */
    MEMBER("POST /api/projects/{id}/assets", SRV_ROLE_EDITOR),
    MEMBER("GET /api/projects/{id}/assets", SRV_ROLE_VIEWER),
    MEMBER("GET /api/assets/{id}/peaks", SRV_ROLE_VIEWER),
    MEMBER("GET /api/projects/{id}/assets/{asset}/peaks", SRV_ROLE_VIEWER),
    MEMBER("GET /api/projects/{id}/export", SRV_ROLE_EDITOR),
    MEMBER("GET /api/projects/{id}/loudness", SRV_ROLE_VIEWER),
    /* operations */
    PUBLIC("GET /healthz"),
    PUBLIC("GET /metrics"),
};

const struct srv_perm_entry *srv_perm_ws_table(int *n)
{
    *n = (int)(sizeof ws_table / sizeof ws_table[0]);
    return ws_table;
}

const struct srv_perm_entry *srv_perm_http_table(int *n)
{
    *n = (int)(sizeof http_table / sizeof http_table[0]);
    return http_table;
}

static const struct srv_perm_entry *
find(const struct srv_perm_entry *t, int n, const char *key)
{
    if (!key)
        return NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].key, key) == 0)
            return &t[i];
    return NULL;
}

int srv_perm_ws(const char *type)
{
    int n;
    const struct srv_perm_entry *t = srv_perm_ws_table(&n);
    const struct srv_perm_entry *e = find(t, n, type);

    return e ? e->role : -1;
}

int srv_perm_ws_check(const struct srv_conn *c, const char *type)
{
    int n;
    const struct srv_perm_entry *t = srv_perm_ws_table(&n);
    const struct srv_perm_entry *e = find(t, n, type);

    if (!e)
        return PROTO_UNSUPPORTED;
    if (strcmp(type, "hello") == 0)
        return PROTO_OK;
    if (!c->welcomed)
        return PROTO_UNAUTHORIZED;
    if (e->scope == SRV_PERM_PROJECT && c->role < e->role)
        return PROTO_FORBIDDEN;
    return PROTO_OK;
}

const struct srv_perm_entry *srv_perm_http(const char *key)
{
    int n;
    const struct srv_perm_entry *t = srv_perm_http_table(&n);

    return find(t, n, key);
}
