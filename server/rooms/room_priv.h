/* room_priv.h -- the room's internals shared by room.c (registry, load,
 * revisions, commit, broadcast), room_hello.c, room_push.c, room_undo.c,
 * room_history.c and presence.c. Not for other modules: they use room.h.
 * Everything here runs on the loop thread. */
#ifndef MIXROOM_SERVER_ROOM_PRIV_H
#define MIXROOM_SERVER_ROOM_PRIV_H

#include <jansson.h>
#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/document.h"
#include "server/net/ws_params.h"
#include "server/rooms/room.h"

struct srv_conn;
struct srv_server;
struct rev_job;

/* A room is unloaded cfg.room_unload seconds after its last connection
 * left (room.c, on_tick). After freeing a document at least this large,
 * the allocator is asked to give the memory back (srv_alloc_release). */
#define ROOM_TRIM_BYTES (1024 * 1024)
/* Presence: at most one broadcast per client per this many ms (20/s). */
#define PRESENCE_MIN_GAP_MS 50
/* Presence: a client silent this long is announced as `left`. */
#define PRESENCE_SILENCE_MS 30000
/* Undo: entries kept per user per room (older ones are dropped). */
#define UNDO_DEPTH 1000
/* Catch-up: `since` further back than this gets a snapshot instead. */
#define CATCHUP_MAX_REVS 10000
/* JSON flags for everything a room encodes: stable bytes. */
#define ROOM_JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* One undoable (or redoable) revision: its rev and what it applied. */
struct room_entry {
    long long rev;
    json_t *applied;
    json_t *inverse;
};

/* A stack of at most UNDO_DEPTH entries kept as a ring: entry i (0 the
 * oldest) is v[(head + i) % cap], so dropping the oldest at the limit is
 * O(1) instead of moving the other 999. */
struct room_stack {
    struct room_entry *v;
    size_t n, cap, head;
};

/* A user's undo and redo stacks in one room. */
struct room_user {
    struct room_user *next;
    char id[64];
    struct room_stack undo;
    struct room_stack redo;
};

/* A client id's highest applied seq (in memory: applied, maybe not yet
 * durable). Loaded from client_seqs on the client's first hello. */
struct room_client {
    struct room_client *next;
    char id[65];
    long long last_seq;
};

/* A connection's membership in a room (conn->room_link). */
struct room_link {
    struct room_link *next, *prev;
    struct srv_conn *conn;
    struct srv_room *room;
    /* a hello waiting for its room to load (room_load.c): its request id
     * (owned) and `since`; the welcome is built once the room is loaded */
    bool load_wait;
    json_t *wait_id;
    long long wait_since;
    /* a welcome waiting for revision welcome_rev to be durable */
    bool welcome_pending;
    long long welcome_rev;
    json_t *welcome;          /* the welcome built so far (owned) */
    bool welcome_deltas;      /* fill "deltas" from the log when sending */
    long long welcome_since;
    struct room_snapshot *welcome_snap; /* the snapshot's objects (shared
                                           references), when not deltas */
    /* the welcome's log rows or objects being read and encoded on a worker
     * (room_hello.c): what the room sends the link meanwhile waits in
     * `held` (frame references, in order) and follows the welcome */
    struct room_catchup *catchup;
    struct srv_ws_frame **held;
    size_t n_held, cap_held;
    /* presence */
    json_t *presence;         /* latest presence message, or NULL */
    bool presence_dirty;      /* changed since last broadcast */
    bool presence_visible;    /* others were told of it and not of `left` */
    long long presence_sent_ms;
    long long presence_rx_ms;
};

struct srv_room {
    struct srv_room *next;
    struct srv_server *srv;
    char project_id[64];
    proto_doc *doc;
    long long head;           /* latest revision applied in memory */
    long long committed;      /* latest revision durable and broadcast */
    int sample_rate;
    long long created_at;
    char created_by[64];
    struct room_link *links;
    int n_links;
    struct room_client *clients;
    struct room_user *users;
    int pending;              /* revisions handed to the writer, not done */
    struct rev_job *out_head, *out_tail; /* revisions of this loop pass,
                                            not yet handed to the writer */
    bool flush_posted;        /* room_flush is queued on the loop */
    bool broken;              /* a commit failed: closing, not in registry */
    bool in_registry;
    long long empty_since_ms; /* monotonic; when n_links went to 0 */
    /* loading (room_load.c): the document is read on a thread of its own;
     * until it is here doc is NULL, no connection is welcomed and hellos
     * wait on their links (load_wait) */
    bool loading;
    struct room_load *load;   /* the load in flight, or NULL */
    json_t *asset_updates;    /* srv_room_asset_update calls made while
                                 loading: id -> {frames, ready} */
    json_t *left_pending;     /* client ids to announce as `left` at the
                                 next tick (presence.c), or NULL */
};

/* ---- room.c ---- */

/* The room of project_id: the loaded one, the one being loaded (loading),
 * or a new one whose load has just started on a thread (room_load.c).
 * NULL with err on out-of-memory. */
struct srv_room *room_get(struct srv_server *srv, const char *project_id,
                          char *err, size_t errlen);

/* Frees a room (no links, nothing pending), trimming the heap after a large
 * document. */
void room_free(struct srv_room *room);

/* ---- room_load.c ---- */

/* What a load reads: the head document with its assets, the head revision
 * and the project row. */
struct room_loaded {
    proto_doc *doc;
    long long head;
    int sample_rate;
    long long created_at;
    char created_by[64];
};

/* Starts loading room (new, loading) on a thread of its own; when that is
 * not possible, loads it now on the loop. When the load ends the waiting
 * hellos get their welcome (room_hello_resume) or an error. */
void room_load_start(struct srv_room *room);

/* Finishes loading room now, on the loop thread (srv_room_open: a caller
 * that needs the document at once); a load in flight is then dropped when
 * it arrives. Returns 0, or -1 with err (then the room was freed). */
int room_load_now(struct srv_room *room, char *err, size_t errlen);

/* Detaches the room's load in flight, if any: its result is dropped when
 * it arrives (srv_room_evict). */
void room_load_detach(struct srv_room *room);

/* Stop hook: interrupts the loads in flight and joins their threads. */
void room_load_stop(void);

/* Adds / removes a connection. */
struct room_link *room_link_add(struct srv_room *room, struct srv_conn *c);
void room_link_remove(struct room_link *l);

/* The record of a client id (created on first use, reading client_seqs). */
struct room_client *room_client_get(struct srv_room *room, const char *id);

/* The user's undo/redo record (created and loaded from the log on first
 * use). NULL on out-of-memory. */
struct room_user *room_user_get(struct srv_room *room, const char *user_id);

/* Stack helpers: push takes references; pop hands them to the caller. */
void room_stack_push(struct room_stack *s, long long rev, json_t *applied,
                     json_t *inverse);
bool room_stack_pop(struct room_stack *s, struct room_entry *out);
void room_stack_clear(struct room_stack *s);
void room_stack_remove_rev(struct room_stack *s, long long rev);

/* What kind of revision is being committed, for the user's stacks. */
enum room_rev_kind { ROOM_REV_PUSH, ROOM_REV_UNDO, ROOM_REV_REDO,
                     ROOM_REV_OTHER };

/* Records an already applied revision (applied/inverse: references are
 * taken) as head+1: updates the undo stacks, hands the write to the store
 * writer; the delta goes out when it is durable. kind_name is the ops.kind
 * column. seq is 0 when not a push. of_rev is undo_of/redo_of (0 if none).
 * Returns the new rev. */
long long room_commit(struct srv_room *room, struct srv_conn *c,
                      enum room_rev_kind kind, const char *kind_name,
                      long long seq, json_t *applied, json_t *inverse,
                      long long of_rev, json_t *reply_id);

/* Applies ops (any number) to the room's document as proto_apply_push
 * does, under the document limits of the settings (max_doc_objects,
 * max_doc_bytes): beyond them it fails with too_large and the document is
 * unchanged. Every change to a room's document goes through here. */
int room_apply(struct srv_room *room, const json_t *ops, json_t **applied,
               json_t **inverse, proto_err *err);

/* The delta message of a revision (a new object). */
json_t *room_delta_json(long long rev, const char *kind, const char *client,
                        long long seq, const char *user, long long ts,
                        json_t *ops, long long undo_of, long long redo_of);

/* Builds the delta of one row of the ops table (columns: rev, kind, client,
 * seq, user_id, ts, ops, undo_of, redo_of, in that order). NULL on bad
 * stored JSON. */
json_t *room_delta_from_row(db_stmt *st);

/* Sends an encoded text to every welcomed link except `except`. */
void room_send_all(struct srv_room *room, const char *text, size_t len,
                   struct room_link *except);

/* The same to the room's members only: share-link guests (c->guest) do not
 * get what names or follows other people (presence, `left`). */
void room_send_members(struct srv_room *room, const char *text, size_t len,
                       struct room_link *except);

/* Prepares a statement on the loop's reader connection (cached). */
db_stmt *room_reader_stmt(struct srv_server *srv, const char *sql);

/* ---- registry.c ---- */

/* Runs the srv_room_on_change hooks for revision rev. */
void room_changed(struct srv_room *room, long long rev);

/* Adds the registered sections of `where` (SRV_ROOM_WELCOME or
 * SRV_ROOM_SNAPSHOT) to obj. */
void room_add_sections(struct srv_room *room, int where, json_t *obj);

/* The catch-up message of a stored revision of a registered kind (new
 * reference), or NULL when the kind has no builder (then it is a delta). */
json_t *room_catchup_message(const char *kind, long long rev,
                             const char *user, long long ts, json_t *ops);

/* ---- room_hello.c ---- */
int room_on_hello(struct srv_conn *c, struct srv_ws_args *a, json_t *id);
extern const struct srv_ws_param room_hello_params[]; /* its fields */
/* The room of a waiting hello is loaded: builds its welcome (sent now, or
 * when the head is durable). */
void room_hello_resume(struct room_link *l);
/* The room of a waiting hello could not be loaded: answers the hello with
 * an error and takes the connection out of the room (it may hello again). */
void room_hello_fail(struct room_link *l);
/* Sends a pending welcome now (its revision is durable). */
void room_send_welcome(struct room_link *l);
void room_link_free_welcome(struct room_link *l);
/* Keeps f (a reference of its own) for l while its catch-up is being read
 * on a worker (l->catchup): sent after the welcome, in order. */
void room_link_hold(struct room_link *l, struct srv_ws_frame *f);
/* ---- room_catchup.c ---- */
/* The ops log's columns a delta is built from (room_delta_from_row), for
 * the revisions ?2 < rev <= ?3 of project ?1, in order. */
#define ROOM_DELTAS_SQL                                                    \
    "SELECT rev, kind, client, seq, user_id, ts, ops, undo_of, redo_of"   \
    " FROM ops WHERE project_id=? AND rev>? AND rev<=? ORDER BY rev"
/* The deltas of revisions since < rev <= upto, read with st (prepared
 * from ROOM_DELTAS_SQL on db; reset after); NULL when the log is
 * incomplete (logged). Any thread owning db. */
json_t *room_deltas_read(db_conn *db, db_stmt *st, const char *project_id,
                         long long since, long long upto);
/* Reads and encodes l's pending welcome's deltas (or objects) on a worker
 * and sends the welcome from its done callback (see room_catchup.c);
 * 0, or -1 when the welcome is to be sent the plain way (no pool, the
 * test hook, nothing heavy). */
int room_catchup_submit(struct room_link *l);
/* A link going away: its job in flight (if any) is dropped when it
 * returns, and its held frames now. */
void room_catchup_detach(struct room_link *l);
/* Adds what only the loop has to a welcome about to go out: members,
 * the modules' sections, presence (room_hello.c). */
void room_welcome_fill(struct room_link *l, json_t *w);

/* ---- room_push.c ---- */
int room_on_push(struct srv_conn *c, struct srv_ws_args *a, json_t *id);
extern const struct srv_ws_param room_push_params[]; /* its fields */

/* ---- room_undo.c ---- */
int room_on_undo(struct srv_conn *c, struct srv_ws_args *a, json_t *id);
int room_on_redo(struct srv_conn *c, struct srv_ws_args *a, json_t *id);

/* ---- room_history.c ---- */
int room_on_history(struct srv_conn *c, struct srv_ws_args *a, json_t *id);
extern const struct srv_ws_param room_history_params[]; /* its fields */

/* ---- presence.c ---- */
int room_on_presence(struct srv_conn *c, struct srv_ws_args *a, json_t *id);
extern const struct srv_ws_param room_presence_params[]; /* its fields */
/* Flushes coalesced presence and announces silent clients (tick). */
void presence_tick(struct srv_room *room, long long now_ms);
/* The link is leaving: tell the others at the next tick, with the room's
 * other leaves of that tick (unless the same client id has another
 * connection in the room). */
void presence_leave(struct room_link *l);
/* The current presence of every other client, for a welcome. */
json_t *presence_list(struct srv_room *room, struct room_link *self);

/* Shared between room.c and room_commit.c (loop thread only). */
extern unsigned long long room_n_revisions;
/* Takes a room out of the registry (it stays allocated). */
void room_registry_remove(struct srv_room *room);
/* Frees a room that is out of the registry once nothing refers to it. */
void room_maybe_free(struct srv_room *room);
/* Hands the room's pending batch of revisions to the writer (posted once
 * per loop pass; arg is the room). */
void room_flush(void *arg);
/* Writer job: finalizes the writer thread's cached statements (stop). */
int room_wcache_finalize_job(db_conn *db, void *arg);

/* The lease gate (registry.c): room_lease_take as srv_room_lease.take (0
 * when no gate is registered), room_lease_release as its release. */
int room_lease_take(struct srv_server *srv, const char *project_id,
                    char *owner, size_t owner_len);
void room_lease_release(struct srv_server *srv, const char *project_id);

#endif
