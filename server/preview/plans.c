/* room_plans.c -- plan slots of loaded rooms and the room-changed hook
 * registry (see room_plans.h). Rebuilds are coalesced: a burst of
 * revisions in one loop iteration posts one rebuild. */
#include "server/preview/plans.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/document.h"
#include "server/preview/asset_cache.h"
#include "server/core/log.h"
#include "server/core/server.h"
#include "server/rooms/room.h"
#include "server/objstore/objstore.h"

struct srv_room_plan {
    atomic_int refs;
    struct srv_room_plan *next;   /* registry (loop thread) */
    struct srv_server *srv;
    char project_id[64];
    int rate;
    eng_plan_slot *slot;
    bool in_registry;
    bool dirty, posted;           /* loop thread */
    long long built_rev;
};

/* Loop-thread state: the registry of plan holders. */
static struct srv_room_plan *plans;

eng_plan *srv_plan_from_doc(db_conn *db, const char *data_dir,
                            const char *project_id,
                            const struct proto_doc *doc)
{
    struct srv_asset_lookup l;
    eng_plan *p;

    srv_asset_lookup_init(&l, db, data_dir, project_id,
                          proto_doc_sample_rate(doc));
    p = eng_plan_build(doc, srv_asset_lookup_fn, &l);
    srv_asset_lookup_done(&l);
    return p;
}

struct srv_room_plan *srv_room_plan_ref(struct srv_room_plan *rp)
{
    atomic_fetch_add(&rp->refs, 1);
    return rp;
}

void srv_room_plan_release(struct srv_room_plan *rp)
{
    if (!rp || atomic_fetch_sub(&rp->refs, 1) != 1)
        return;
    assert(!rp->in_registry);
    eng_plan_slot_free(rp->slot);
    free(rp);
}

eng_plan_slot *srv_room_plan_slot(struct srv_room_plan *rp)
{
    return rp->slot;
}

int srv_room_plan_rate(const struct srv_room_plan *rp)
{
    return rp->rate;
}

long long srv_room_plan_built_rev(const struct srv_room_plan *rp)
{
    assert(srv_on_loop_thread());
    return rp->built_rev;
}

const char *srv_room_plan_project(const struct srv_room_plan *rp)
{
    return rp->project_id;
}

/* Builds and publishes the plan of the room's current document. */
static void rebuild(struct srv_room_plan *rp, struct srv_room *room)
{
    long long t0 = srv_now_mono_ms();
    const proto_doc *doc = srv_room_doc(room);
    eng_plan *p = srv_plan_from_doc(rp->srv->db, rp->srv->cfg.data_dir,
                                    rp->project_id, doc);

    if (!p) {
        srv_err("preview: cannot build the mix plan of %s", rp->project_id);
        return;
    }
    eng_plan_slot_publish(rp->slot, p);
    eng_plan_release(p);
    rp->built_rev = srv_room_head(room);
    long long dt = srv_now_mono_ms() - t0;
    if (dt > 20)
        srv_warn("preview: building the plan of %s took %lld ms",
                 rp->project_id, dt);
}

static void rebuild_post(void *arg)
{
    struct srv_room_plan *rp = arg;
    struct srv_room *room;

    rp->posted = false;
    if (rp->dirty && rp->in_registry &&
        (room = srv_room_find(rp->project_id)) != NULL) {
        rp->dirty = false;
        rebuild(rp, room);
    }
    srv_room_plan_release(rp);
}

static void on_change(struct srv_room *room, long long rev)
{
    (void)rev;
    for (struct srv_room_plan *rp = plans; rp; rp = rp->next) {
        if (srv_room_find(rp->project_id) != room)
            continue;
        rp->dirty = true;
        if (!rp->posted) {
            rp->posted = true;
            srv_loop_post(rebuild_post, srv_room_plan_ref(rp));
        }
    }
}

struct srv_room_plan *srv_room_plan_get(struct srv_server *srv,
                                        const char *project_id)
{
    struct srv_room *room = srv_room_find(project_id);
    struct srv_room_plan *rp;

    if (!room)
        return NULL;
    for (rp = plans; rp; rp = rp->next)
        if (strcmp(rp->project_id, project_id) == 0)
            return srv_room_plan_ref(rp);
    rp = calloc(1, sizeof *rp);
    if (!rp)
        return NULL;
    rp->slot = eng_plan_slot_new(NULL);
    if (!rp->slot) {
        free(rp);
        return NULL;
    }
    atomic_init(&rp->refs, 1); /* the registry's */
    rp->srv = srv;
    snprintf(rp->project_id, sizeof rp->project_id, "%s", project_id);
    rp->rate = proto_doc_sample_rate(srv_room_doc(room));
    rebuild(rp, room);
    rp->in_registry = true;
    rp->next = plans;
    plans = rp;
    return srv_room_plan_ref(rp);
}

/* Drops the holders of rooms that were unloaded. */
static void plans_tick(struct srv_server *srv)
{
    (void)srv;
    for (struct srv_room_plan **pp = &plans; *pp;) {
        struct srv_room_plan *rp = *pp;
        if (srv_room_find(rp->project_id)) {
            pp = &rp->next;
            continue;
        }
        *pp = rp->next;
        rp->in_registry = false;
        srv_room_plan_release(rp);
    }
}

static void plans_stop(struct srv_server *srv)
{
    (void)srv;
    while (plans) {
        struct srv_room_plan *rp = plans;
        plans = rp->next;
        rp->in_registry = false;
        srv_room_plan_release(rp);
    }
}

/* Assets in S3: a file the plans missed arrived (loop thread). */
static void on_asset_fetched(void)
{
    for (struct srv_room_plan *rp = plans; rp; rp = rp->next) {
        rp->dirty = true;
        if (!rp->posted) {
            rp->posted = true;
            srv_loop_post(rebuild_post, srv_room_plan_ref(rp));
        }
    }
}

void srv_room_plans_init(void)
{
    srv_objstore_on_fetched(on_asset_fetched);
    srv_room_on_change(on_change);
    srv_loop_on_tick(plans_tick);
    srv_loop_on_stop(plans_stop);
}
