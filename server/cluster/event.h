/* event.h -- the cluster events of the mixroom_events channel: what they
 * say and their JSON payloads (docs/deploy.md, "Across nodes: events"). */
#ifndef MIXROOM_SERVER_CLUSTER_EVENT_H
#define MIXROOM_SERVER_CLUSTER_EVENT_H

#include <stddef.h>

#define CL_EVENT_HASH_LEN 32 /* a session token's SHA-256 */

enum cl_event_kind {
    CL_EV_MEMBER_REMOVED = 1, /* project, id = the user id */
    CL_EV_SESSION_ENDED,      /* hash (id = its hex) */
    CL_EV_LINK_REVOKED,       /* project, id = the link id */
};

struct cl_event {
    enum cl_event_kind kind;
    char node[64];            /* the sender, "" when absent */
    char project[128];
    char id[128];
    unsigned char hash[CL_EVENT_HASH_LEN];
};

/* Parses one payload (len bytes, not NUL-terminated). 0 with *ev filled,
 * or -1 (and *ev untouched) when it is not a known, complete event: not a
 * JSON object, duplicate keys, an unknown kind, a missing or empty field,
 * a field longer than its buffer, a session that is not 64 hex digits. */
int cl_event_parse(const char *payload, size_t len, struct cl_event *ev);

/* The payload of an event (kind as in docs/deploy.md; project NULL for
 * session_ended; node NULL or "" leaves "node" out), compact JSON with
 * sorted keys; malloc'd, NULL on an
 * unknown kind or out of memory. */
char *cl_event_encode(const char *kind, const char *project, const char *id,
                      const char *node);

#endif
