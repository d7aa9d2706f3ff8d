/* fuzz_cluster_event.c -- libFuzzer harness for the payloads of the
 * mixroom_events channel (server/cluster/event.c): any bytes PostgreSQL
 * may deliver. Properties: the same answer twice; a refused payload
 * leaves the output untouched; an accepted event has its kind's fields,
 * non-empty and NUL-terminated, and its own encoding parses back to the
 * same event. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/cluster/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                           \
    do {                                                                   \
        if (!(c)) {                                                        \
            fprintf(stderr, "fuzz_cluster_event: %s failed\n", #c);        \
            abort();                                                       \
        }                                                                  \
    } while (0)

static const char *kind_name(enum cl_event_kind k)
{
    return k == CL_EV_MEMBER_REMOVED  ? "member_removed"
           : k == CL_EV_SESSION_ENDED ? "session_ended"
                                      : "link_revoked";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cl_event a, b, sentinel, c;
    int ra, rb;

    if (size > 9000) /* PostgreSQL's payloads are under 8000 bytes */
        return 0;
    memset(&sentinel, 0x5a, sizeof sentinel);
    a = sentinel;
    ra = cl_event_parse((const char *)data, size, &a);
    b = sentinel;
    rb = cl_event_parse((const char *)data, size, &b);
    CHECK(ra == rb);
    if (ra != 0) {
        CHECK(ra == -1);
        CHECK(!memcmp(&a, &sentinel, sizeof a));
        return 0;
    }
    CHECK(!memcmp(&a, &b, sizeof a));
    CHECK(memchr(a.node, '\0', sizeof a.node));
    CHECK(memchr(a.project, '\0', sizeof a.project));
    CHECK(memchr(a.id, '\0', sizeof a.id) && a.id[0]);
    CHECK(a.kind == CL_EV_SESSION_ENDED || a.project[0]);
    char *text = cl_event_encode(kind_name(a.kind),
                                 a.kind == CL_EV_SESSION_ENDED ? NULL
                                                               : a.project,
                                 a.id, a.node);
    CHECK(text);
    CHECK(cl_event_parse(text, strlen(text), &c) == 0);
    CHECK(c.kind == a.kind && !strcmp(c.node, a.node) &&
          !strcmp(c.project, a.project) && !strcmp(c.id, a.id));
    CHECK(a.kind != CL_EV_SESSION_ENDED || !memcmp(c.hash, a.hash, sizeof a.hash));
    free(text);
    return 0;
}
