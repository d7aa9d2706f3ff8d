/* event.c -- the payloads of the mixroom_events channel (docs/deploy.md),
 * parsed and encoded without I/O (fuzzed: tests/fuzz/fuzz_cluster_event.c).
 * No global state. */
#include "server/cluster/event.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int copy(char *dst, size_t n, json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    size_t len = v ? strlen(v) : 0;

    if (!v || len == 0 || len >= n || memchr(v, '\0', len))
        return -1;
    memcpy(dst, v, len + 1);
    return 0;
}

int cl_event_parse(const char *payload, size_t len, struct cl_event *ev)
{
    json_error_t je;
    json_t *o;
    char kind[32], hex[2 * CL_EVENT_HASH_LEN + 1];
    struct cl_event e;
    int rc = -1;

    memset(&e, 0, sizeof e);
    o = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o) || copy(kind, sizeof kind, o, "kind"))
        goto out;
    if (json_object_get(o, "node") && copy(e.node, sizeof e.node, o, "node"))
        goto out;
    if (!strcmp(kind, "member_removed")) {
        e.kind = CL_EV_MEMBER_REMOVED;
        if (copy(e.project, sizeof e.project, o, "project") ||
            copy(e.id, sizeof e.id, o, "user"))
            goto out;
    } else if (!strcmp(kind, "session_ended")) {
        size_t n = 0;
        e.kind = CL_EV_SESSION_ENDED;
        if (copy(hex, sizeof hex, o, "session") ||
            strlen(hex) != 2 * CL_EVENT_HASH_LEN ||
            sodium_hex2bin(e.hash, sizeof e.hash, hex, strlen(hex), NULL, &n,
                           NULL) != 0 ||
            n != CL_EVENT_HASH_LEN)
            goto out;
        memcpy(e.id, hex, sizeof hex);
    } else if (!strcmp(kind, "link_revoked")) {
        e.kind = CL_EV_LINK_REVOKED;
        if (copy(e.project, sizeof e.project, o, "project") ||
            copy(e.id, sizeof e.id, o, "link"))
            goto out;
    } else {
        goto out;
    }
    *ev = e;
    rc = 0;
out:
    json_decref(o);
    return rc;
}

char *cl_event_encode(const char *kind, const char *project, const char *id,
                      const char *node)
{
    json_t *o;
    char *text;

    if (node && !node[0])
        node = NULL; /* "node" is left out */
    if (!strcmp(kind, "member_removed"))
        o = json_pack("{s:s, s:s, s:s, s:s*}", "kind", kind, "project",
                      project, "user", id, "node", node);
    else if (!strcmp(kind, "session_ended"))
        o = json_pack("{s:s, s:s, s:s*}", "kind", kind, "session", id,
                      "node", node);
    else if (!strcmp(kind, "link_revoked"))
        o = json_pack("{s:s, s:s, s:s, s:s*}", "kind", kind, "project",
                      project, "link", id, "node", node);
    else
        o = NULL;
    text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return text;
}
