/* perm.c -- the permission table as one list: every WebSocket message type
 * and every HTTP endpoint with who may use it (public, any logged-in user,
 * or a project member with at least a role). The permission itself lives
 * in each route's table entry (.perm), next to its handler; this file only
 * reads the registered routes back, for the unit tests and docs/auth.md. A
 * new message type or endpoint gets its .perm, a line in docs/auth.md and
 * one in the walk of tests/integration/auth.test.mjs. */
#include "server/auth/auth.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "protocol/errors.h"
#include "server/net/http.h"
#include "server/net/ws.h"

/* The views: rebuilt from the registered routes on each call (loop thread
 * or single-threaded tests; the only mutable state here). The HTTP keys
 * ("METHOD /pattern") are written into http_keys. */
#define MAX_VIEW 128
static struct srv_perm_entry ws_view[MAX_VIEW];
static struct srv_perm_entry http_view[MAX_VIEW];
static char http_keys[MAX_VIEW][160];

const struct srv_perm_entry *srv_perm_ws_table(int *n)
{
    int nr;
    const struct srv_ws_route *r = srv_ws_routes(&nr);

    assert(nr <= MAX_VIEW);
    for (int i = 0; i < nr; i++) {
        ws_view[i].key = r[i].type;
        ws_view[i].scope = r[i].perm.scope;
        ws_view[i].role = r[i].perm.role;
    }
    *n = nr;
    return ws_view;
}

const struct srv_perm_entry *srv_perm_http_table(int *n)
{
    int nr;
    const struct srv_route *r = srv_http_routes(&nr);

    assert(nr <= MAX_VIEW);
    for (int i = 0; i < nr; i++) {
        snprintf(http_keys[i], sizeof http_keys[i], "%s %s", r[i].method,
                 r[i].pattern);
        http_view[i].key = http_keys[i];
        http_view[i].scope = r[i].perm.scope;
        http_view[i].role = r[i].perm.role;
    }
    *n = nr;
    return http_view;
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
