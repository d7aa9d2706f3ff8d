/* registry.c -- where other modules plug into rooms: hooks run after each
 * revision applied in memory (preview plans), sections added to the
 * welcome and its snapshot (assets, comments), and the catch-up form of
 * revision kinds other than document edits (comments). Filled by module
 * inits before the loop starts (app/modules.c calls them), read-only
 * after; used on the loop thread. */
#include "server/rooms/room.h"

#include <assert.h>
#include <string.h>

#include "server/core/server.h"
#include "server/rooms/room_priv.h"

#define MAX_CHANGE_FNS 8
#define MAX_SECTIONS 8
#define MAX_CATCHUP_KINDS 4

static void (*change_fns[MAX_CHANGE_FNS])(struct srv_room *, long long);
static int n_change_fns;

static struct {
    int where; /* enum srv_room_section_place */
    const char *field;
    srv_room_section_fn fn;
} sections[MAX_SECTIONS];
static int n_sections;

static struct {
    const char *kind;
    json_t *(*fn)(long long rev, const char *user, long long ts, json_t *ops);
} catchup_kinds[MAX_CATCHUP_KINDS];
static int n_catchup_kinds;

void srv_room_on_change(void (*fn)(struct srv_room *room, long long rev))
{
    assert(n_change_fns < MAX_CHANGE_FNS);
    change_fns[n_change_fns++] = fn;
}

void room_changed(struct srv_room *room, long long rev)
{
    assert(srv_on_loop_thread());
    for (int i = 0; i < n_change_fns; i++)
        change_fns[i](room, rev);
}

void srv_room_add_section(int where, const char *field,
                          srv_room_section_fn fn)
{
    assert(n_sections < MAX_SECTIONS);
    assert(where == SRV_ROOM_WELCOME || where == SRV_ROOM_SNAPSHOT);
    sections[n_sections].where = where;
    sections[n_sections].field = field;
    sections[n_sections].fn = fn;
    n_sections++;
}

void room_add_sections(struct srv_room *room, int where, json_t *obj)
{
    assert(srv_on_loop_thread());
    for (int i = 0; i < n_sections; i++)
        if (sections[i].where == where)
            json_object_set_new(obj, sections[i].field,
                                sections[i].fn(room->srv, room,
                                               room->project_id));
}

void srv_room_on_catchup_kind(const char *kind,
                              json_t *(*fn)(long long rev, const char *user,
                                            long long ts, json_t *ops))
{
    assert(n_catchup_kinds < MAX_CATCHUP_KINDS);
    catchup_kinds[n_catchup_kinds].kind = kind;
    catchup_kinds[n_catchup_kinds].fn = fn;
    n_catchup_kinds++;
}

json_t *room_catchup_message(const char *kind, long long rev,
                             const char *user, long long ts, json_t *ops)
{
    for (int i = 0; i < n_catchup_kinds; i++)
        if (strcmp(kind, catchup_kinds[i].kind) == 0)
            return catchup_kinds[i].fn(rev, user, ts, ops);
    return NULL;
}

/* ---- the lease gate (server/cluster) ---- */

static const struct srv_room_lease *lease_gate;

void srv_room_set_lease(const struct srv_room_lease *lease)
{
    lease_gate = lease;
}

int room_lease_take(struct srv_server *srv, const char *project_id,
                    char *owner, size_t owner_len)
{
    assert(srv_on_loop_thread());
    if (owner_len)
        owner[0] = '\0';
    return lease_gate ? lease_gate->take(srv, project_id, owner, owner_len)
                      : 0;
}

void room_lease_release(struct srv_server *srv, const char *project_id)
{
    assert(srv_on_loop_thread());
    if (lease_gate)
        lease_gate->release(srv, project_id);
}
