/* ops.h -- applying pushes to a document: validation of every op against
 * the per-kind field tables, create/set/delete, cascading deletes, routing
 * cycle checks, inverses, and the ops that undo an earlier push. */
#ifndef MIXROOM_PROTOCOL_OPS_H
#define MIXROOM_PROTOCOL_OPS_H

#include <jansson.h>
#include <stddef.h>

#include "protocol/document.h"
#include "protocol/errors.h"

/* Validates and applies the ops of one push, atomically.
 * ops: the wire array [{"op":"create","id","kind","fields"}, {"op":"set",
 * "id","fields"}, {"op":"delete","id"}].
 * On success returns 0, the document is changed, *applied is set to a new
 * array of the ops as applied (cascaded deletes appear as explicit
 * {"op":"delete","id"} ops after the delete that caused them; a create
 * carries its full fields with defaults filled in) and *inverse to a new
 * array of ops that, applied in order, restore the previous document.
 * On failure returns -1, the document is unchanged, *applied and *inverse
 * are NULL and err names the problem (code, message naming the field and
 * allowed range, op_index = index of the failing op in `ops`). */
int proto_apply_push(proto_doc *doc, const json_t *ops, json_t **applied,
                     json_t **inverse, proto_err *err);

/* Limits on one push and on the document it produces; 0 means none. The
 * setting names go into the error messages (NULL: max_doc_objects and
 * max_doc_bytes). */
typedef struct {
    size_t max_ops;            /* ops in the push */
    size_t max_objects;        /* objects in the document afterwards */
    size_t max_bytes;          /* proto_doc_bytes afterwards */
    const char *objects_setting;
    const char *bytes_setting;
} proto_limits;

/* proto_apply_push under limits: a push with more than lim->max_ops ops,
 * or one after which the document holds more than lim->max_objects objects
 * or more than lim->max_bytes bytes (proto_doc_bytes) and more than before,
 * fails with PROTO_TOO_LARGE and a message naming the limit and its
 * setting; the document is then unchanged (op_index stays -1 for the
 * document limits). proto_apply_push is this call with max_ops 1000 and no
 * document limits. */
int proto_apply_push_limited(proto_doc *doc, const json_t *ops,
                             const proto_limits *lim, json_t **applied,
                             json_t **inverse, proto_err *err);

/* The ops that undo an earlier push against the current document.
 * applied/inverse: what proto_apply_push returned for that push.
 * A field is restored only where the current value still equals what the
 * push set (someone else's later change is left alone); an object the push
 * created is deleted only if it still exists; an object the push deleted is
 * re-created only if its id is free and what it references exists.
 * Returns a new array, empty when nothing is left to undo. Redo is the same
 * call with the undo's own applied/inverse. */
json_t *proto_undo_ops(const proto_doc *doc, const json_t *applied,
                       const json_t *inverse);

/* The ops that make `doc` equal to `target` (creates, sets with the changed
 * fields, deletes), in an order proto_apply_push accepts. Used by restore. */
json_t *proto_diff_ops(const proto_doc *doc, const proto_doc *target);

/* Validates one kind's fields object as a whole (used by create and by the
 * tests): every name known for the kind, every value of the right type and
 * range. References are checked against doc. Returns 0 or -1 with err. */
int proto_validate_fields(const proto_doc *doc, const char *kind,
                          const char *id, const json_t *fields, bool creating,
                          proto_err *err);

/* True if id is 1-64 chars of [A-Za-z0-9_-]. */
bool proto_valid_id(const char *id);

#endif
