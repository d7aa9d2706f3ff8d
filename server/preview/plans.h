/* plans.h -- mix plans for loaded rooms. Each room that someone
 * streams gets an eng_plan_slot; after every revision applied in memory
 * (see srv_room_on_change) a new plan is built from srv_room_doc on the loop
 * thread (cheap: no audio is copied, assets come from asset_cache) and
 * published, so renderers pick it up at their next block.
 * The "room changed" hook it listens to is the rooms' registry
 * (srv_room_on_change in server/rooms/room.h). */
#ifndef MIXROOM_SERVER_PREVIEW_PLANS_H
#define MIXROOM_SERVER_PREVIEW_PLANS_H

#include "server/core/db.h"

#include "engine/plan.h"

struct proto_doc;

struct srv_room;
struct srv_server;
struct srv_room_plan;

/* The plan holder of a project's loaded room, with a new reference
 * (srv_room_plan_release), creating it and building the first plan if
 * needed. NULL when the room is not loaded or out of memory. Loop thread. */
struct srv_room_plan *srv_room_plan_get(struct srv_server *srv,
                                        const char *project_id);

/* Its slot (valid while the reference is held), sample rate, project id. */
eng_plan_slot *srv_room_plan_slot(struct srv_room_plan *rp);
int srv_room_plan_rate(const struct srv_room_plan *rp);
const char *srv_room_plan_project(const struct srv_room_plan *rp);

/* The revision its slot's current plan was built from. Loop thread. */
long long srv_room_plan_built_rev(const struct srv_room_plan *rp);

/* Reference counting; any thread. */
struct srv_room_plan *srv_room_plan_ref(struct srv_room_plan *rp);
void srv_room_plan_release(struct srv_room_plan *rp);

/* Builds a plan from a document of project_id with assets from the cache
 * at the document's sample rate (db: a connection the calling thread may
 * use). NULL when out of memory. Any thread. */
eng_plan *srv_plan_from_doc(db_conn *db, const char *data_dir,
                            const char *project_id,
                            const struct proto_doc *doc);

/* Registers the change hook and the tick that drops the plans of unloaded
 * rooms. Call once before srv_loop_run. */
void srv_room_plans_init(void);

#endif
