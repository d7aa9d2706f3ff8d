/* room.h -- rooms: one open project on the event loop. A room holds the
 * project's document in memory, orders every push into revisions, hands
 * each revision to the store writer thread and broadcasts it (the `delta`)
 * only after it is durable. This header is what other modules use: the
 * init that registers the WebSocket handlers (hello, push, undo, redo,
 * presence, history) and the hooks, and a few calls for modules that add
 * revisions (restore) or messages (assets, comments) to a project.
 * Loop thread only. The wire format is in docs/protocol.md. */
#ifndef MIXROOM_SERVER_ROOM_H
#define MIXROOM_SERVER_ROOM_H

#include <jansson.h>
#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/document.h"
#include "protocol/errors.h"

struct srv_conn;
struct srv_room;
struct srv_server;

/* Registers the room message handlers (hello, push, undo, redo, presence,
 * history), the close callback and the tick/stop hooks. Call once before
 * srv_loop_run. */
void srv_rooms_init(void);

/* The loaded room of a project, or NULL if nobody has it open. */
struct srv_room *srv_room_find(const char *project_id);

/* The room's current document (in memory; it may be ahead of the database
 * by revisions still being committed). Borrowed. */
const proto_doc *srv_room_doc(const struct srv_room *room);

/* The connection with this serial if it is still open and in project_id's
 * room (joined), else NULL: for a job's done callback that answers its
 * requester. Loop thread. */
struct srv_conn;
struct srv_conn *srv_room_requester(uint64_t serial, const char *project_id);

/* The room's latest revision in memory, and the latest durable one. */
long long srv_room_head(const struct srv_room *room);
long long srv_room_committed(const struct srv_room *room);

/* Applies ops (wire form, as in a push) to the room as one new revision of
 * the given kind ("push", "restore", ...) by the connection c (its user and
 * client are recorded; c may be NULL for the server itself). The delta is
 * broadcast after commit; if reply_id is not NULL the copy sent to c carries
 * it as "id" (its answer). Returns the new revision, or -1 with err when the
 * ops do not apply (then nothing changed). */
long long srv_room_apply_ops(struct srv_room *room, struct srv_conn *c,
                             const char *kind, const json_t *ops,
                             json_t *reply_id, proto_err *err);

/* What a module adds to a revision it commits (restore, comments): see
 * srv_room_commit_rev. Every member may be zero/NULL. */
struct srv_room_rev_opts {
    const char *summary;   /* history sentence; NULL: made from the ops */
    bool no_apply;         /* ops are a record (e.g. a comment object), not
                              document ops: the document is not touched and
                              the stored inverse is [] */
    json_t *message;       /* broadcast instead of the delta (borrowed;
                              "rev" is set to the new revision) */
    json_t *delta_extra;   /* fields merged into the delta (borrowed) */
    /* an extra write on the writer thread inside the revision's
     * transaction, after its ops row (non-zero fails the revision, as a
     * failed commit does); free_arg runs on the loop thread afterwards */
    int (*write)(db_conn *db, long long rev, void *arg);
    void (*free_arg)(void *arg);
    void *arg;
};

/* Commits one revision of the given kind ("restore", "comment", ...) by c
 * (c may be NULL for the server): applies ops as srv_room_apply_ops does
 * unless opts->no_apply, stores it with opts' extras and broadcasts the
 * delta (or opts->message) after commit, the copy for c carrying reply_id.
 * Never enters the undo stacks. Returns the new revision, or -1 with err
 * (then nothing changed and opts->free_arg has been called). */
long long srv_room_commit_rev(struct srv_room *room, struct srv_conn *c,
                              const char *kind, const json_t *ops,
                              json_t *reply_id,
                              const struct srv_room_rev_opts *opts,
                              proto_err *err);

/* Registers a function that builds the wire message of a stored revision
 * of `kind` for catch-up (instead of a delta): given the revision and the
 * row's user, ts and stored ops JSON, returns a new message. At most 4. */
void srv_room_on_catchup_kind(const char *kind,
                              json_t *(*fn)(long long rev, const char *user,
                                            long long ts, json_t *ops));

/* Registers fn to be called (loop thread) after each revision a room
 * applies in memory (before it is durable), with the room and the new
 * revision. At most 8. */
void srv_room_on_change(void (*fn)(struct srv_room *room, long long rev));

/* Where a module's section goes: the welcome itself (sent when the
 * welcome goes out, e.g. "assets"), or its snapshot (built at hello, only
 * when the welcome carries a snapshot, e.g. "comments"). */
enum srv_room_section_place { SRV_ROOM_WELCOME = 1, SRV_ROOM_SNAPSHOT = 2 };

/* Builds a section's value (a new reference; never NULL) for room. */
typedef json_t *(*srv_room_section_fn)(struct srv_server *srv,
                                       struct srv_room *room,
                                       const char *project_id);

/* Registers a section of the welcome (where: enum srv_room_section_place)
 * under `field` (a static string). At most 8. Call from a module's init. */
void srv_room_add_section(int where, const char *field,
                          srv_room_section_fn fn);

/* The loaded room of a project, loading it from the database first if
 * nobody has it open (for server-side writers such as the demo song).
 * NULL with err on failure. */
struct srv_room *srv_room_open(struct srv_server *srv, const char *project_id,
                               char *err, size_t errlen);

/* Every how many revisions the writer stores a full snapshot of the
 * document (table snapshots), in the revision's own transaction. */
#define SRV_ROOM_SNAPSHOT_EVERY 500

/* Sends msg (a JSON object; the reference is stolen) to every welcomed
 * connection of the project's room, if it is loaded. Returns the number of
 * connections it was queued on. */
int srv_room_broadcast(const char *project_id, json_t *msg);

/* Tells a loaded room that an asset exists, how long it is (frames at the
 * project rate) and whether it is ready, so clips may reference it. A no-op
 * if the project is not loaded (the room reads the assets table on load). */
void srv_room_asset_update(const char *project_id, const char *asset_id,
                           int64_t frames, bool ready);

/* Rooms whose document is being read on a loader thread (their hellos
 * wait for it). Loop thread. */
int srv_rooms_loading(void);

/* Figures for /metrics: rooms loaded, connections in rooms, revisions
 * committed and pushes rejected since start. */
void srv_room_stats(unsigned long long *rooms, unsigned long long *conns,
                    unsigned long long *revisions,
                    unsigned long long *rejects);

/* The lease gate of a cluster (server/cluster/lease.c registers it; with no
 * gate every project may be served). take(srv, project) runs on the loop
 * thread before a room that is not in the registry is created: 0 = this
 * node may serve the project (it holds the lease now), 1 = another node
 * holds it (its name, or "" when unknown, in owner), -1 = the lease could
 * not be asked for (reason in owner). release(srv, project) runs when the
 * room leaves the registry (unloaded, or broken). */
struct srv_room_lease {
    int (*take)(struct srv_server *srv, const char *project_id, char *owner,
                size_t owner_len);
    void (*release)(struct srv_server *srv, const char *project_id);
};

/* Stops serving a project at once (the cluster, when this node lost its
 * lease): the room, loaded or loading, is taken out of the registry and
 * marked broken, so nothing more of it is committed (queued batches fail,
 * pushes are ignored), and each of its connections is closed with code
 * and reason. Its next hello takes the lease again and loads the room
 * from the store. Returns the number of connections closed. */
int srv_room_evict(const char *project_id, int code, const char *reason);

/* Registers the lease gate (static storage; it replaces an earlier one,
 * NULL removes it). Call from a module's init (tests: around a case). */
void srv_room_set_lease(const struct srv_room_lease *lease);

#endif
