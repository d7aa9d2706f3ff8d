/* room_snapshot.h -- a room document's full snapshot, taken on the loop
 * thread in O(objects) pointer copies and encoded elsewhere (the store
 * writer thread, in the revision's own transaction), so the loop never
 * encodes the whole document. The snapshot shares the document's objects,
 * which are immutable (protocol/document.h, proto_doc_share); its encoding
 * is byte for byte json_dumps(proto_doc_objects(doc), ROOM_JSON_FLAGS) of
 * the document at the moment it was taken. */
#ifndef MIXROOM_SERVER_ROOM_SNAPSHOT_H
#define MIXROOM_SERVER_ROOM_SNAPSHOT_H

#include <stddef.h>

#include <jansson.h>

#include "protocol/document.h"

struct room_snapshot;

/* Takes a snapshot of doc (each object gains a reference; nothing is
 * encoded or copied). NULL on out-of-memory. Thread that owns doc. */
struct room_snapshot *room_snapshot_take(const proto_doc *doc);

/* Encodes the snapshot (sorted as proto_doc_objects; compact, sorted keys):
 * a new string (free), *len its length; NULL on out-of-memory. Any one
 * thread at a time (the snapshot belongs to whoever holds it), while
 * the document goes on changing. Asserts that the objects still encode to
 * the size the document had when the snapshot was taken (no object was
 * changed in place meanwhile). */
char *room_snapshot_encode(struct room_snapshot *s, size_t *len);

/* Encodes s on a worker of srv's job pool and hands the encoding to the
 * store writer as a write of its own, after revision rev's batch (which
 * the caller has handed to the writer, or posted room_flush for, before
 * calling): stored only once the project's head has reached rev. Takes s
 * and returns 0; -1 when there is no pool or it refuses (s stays the
 * caller's, who encodes it in the revision's transaction). Loop thread. */
struct srv_server;
int room_snapshot_submit(struct srv_server *srv, const char *project_id,
                         long long rev, struct room_snapshot *s);

/* Test hook: while on is non-zero, encodings on workers wait before they
 * start (a test proves pushes are acknowledged meanwhile). */
void room_snapshot_test_hold(int on);

/* Test hook: while on is non-zero, the welcome's catch-up reads on workers
 * wait before they start (room_catchup.c). */
void room_catchup_test_hold(int on);

/* The snapshot's objects as an array (sorted as proto_doc_objects), each
 * a new reference to the shared object: for encoding only. NULL on
 * out-of-memory. The thread holding s. */
json_t *room_snapshot_array(struct room_snapshot *s);

/* The number of objects in the snapshot. */
size_t room_snapshot_count(const struct room_snapshot *s);

/* Drops the snapshot's references (any thread). NULL is a no-op. */
void room_snapshot_free(struct room_snapshot *s);

#endif
