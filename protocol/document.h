/* document.h -- the in-memory project document: a set of objects
 * {"id","kind",...fields} keyed by id, plus the assets clips may point at.
 * Pure data; no I/O. Objects are jansson objects owned by the document. */
#ifndef MIXROOM_PROTOCOL_DOCUMENT_H
#define MIXROOM_PROTOCOL_DOCUMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "protocol/errors.h"

typedef struct proto_doc proto_doc;

/* A new document holding only the `project` object (id "project") with the
 * given name and sample rate (44100 or 48000) and default fields
 * (tempo 120, meter [4,4], master_gain 0). NULL on bad arguments. */
proto_doc *proto_doc_new(const char *name, int sample_rate);

/* An empty document (no project object yet), for loading stored objects. */
proto_doc *proto_doc_new_empty(void);

/* A deep copy (objects and assets). */
proto_doc *proto_doc_clone(const proto_doc *doc);

void proto_doc_free(proto_doc *doc);

/* Puts a stored object into the document as it is (used when loading from
 * the database; no validation). Takes a reference of its own to a deep copy. */
int proto_doc_put(proto_doc *doc, const json_t *object);

/* The object with this id, or NULL. Borrowed: valid until the next change. */
const json_t *proto_doc_get(const proto_doc *doc, const char *id);

/* Number of objects, the project object included. */
size_t proto_doc_count(const proto_doc *doc);

/* The size in bytes of the document's objects as one compact JSON array
 * (proto_doc_objects encoded without spaces): a running total kept as
 * objects go in and out, so it costs nothing to read. */
size_t proto_doc_bytes(const proto_doc *doc);

/* All objects as a new JSON array in a stable order (kind order project,
 * track, clip, effect, send, marker, automation; then by id), so two equal
 * documents encode to the same bytes. */
json_t *proto_doc_objects(const proto_doc *doc);

/* True when both documents hold the same objects with equal fields. */
bool proto_doc_equal(const proto_doc *a, const proto_doc *b);

/* The project's sample rate (from the project object; 48000 if absent). */
int proto_doc_sample_rate(const proto_doc *doc);

/* Registers (or updates) an asset a clip may reference: its length in
 * frames at the project rate and whether it is ready. */
void proto_doc_set_asset(proto_doc *doc, const char *asset_id, int64_t frames,
                         bool ready);

/* Looks up an asset: returns true and sets *frames and *ready (each if not NULL) when known. */
bool proto_doc_get_asset(const proto_doc *doc, const char *asset_id,
                         int64_t *frames, bool *ready);

/* Calls fn for every object (unspecified order); stops if fn returns non-0. */
int proto_doc_each(const proto_doc *doc,
                   int (*fn)(const json_t *object, void *ctx), void *ctx);

/* Defined when the document has the indexes and shared views below
 * (benchmarks built against older trees test it). */
#define PROTO_DOC_SHARED 1

/* Calls fn for every object of `kind` (unspecified order), from the kind
 * index: as many calls as such objects, whatever the document's size; stops
 * if fn returns non-0 and returns that. fn must not change the document. */
int proto_doc_each_kind(const proto_doc *doc, const char *kind,
                        int (*fn)(const json_t *object, void *ctx), void *ctx);

/* True for the fields the reference index covers: "track", "output",
 * "target" and "clip" (the string fields that name another object). */
bool proto_doc_ref_indexed(const char *field);

/* Calls fn for every object whose string field `field` (one that
 * proto_doc_ref_indexed accepts) equals value, e.g. every object on a
 * track ("track", id) or every track feeding a bus ("output", id); from
 * the index, in unspecified order; stops as proto_doc_each_kind does. */
int proto_doc_each_ref(const proto_doc *doc, const char *field,
                       const char *value,
                       int (*fn)(const json_t *object, void *ctx), void *ctx);

/* Number of objects of `kind` (from the index). */
size_t proto_doc_count_kind(const proto_doc *doc, const char *kind);

/* A copy that shares the objects with doc (each gains a reference; objects
 * in a document are never changed in place, a change replaces them), with
 * its own table and indexes: changing either document leaves the other as
 * it was. O(objects) pointer copies instead of a deep copy. */
proto_doc *proto_doc_clone_shared(const proto_doc *doc);

/* Every object of the document in a new array (malloc; *n entries), each a
 * new reference to the document's own object, unsorted. The objects are
 * immutable (see proto_doc_clone_shared): another thread may read and
 * encode them while this one changes the document, and json_decref them
 * (jansson 2.14's reference counts are atomic). NULL on out-of-memory. */
json_t **proto_doc_share(const proto_doc *doc, size_t *n);

/* Defined when proto_doc_refs_take / proto_doc_refs_build exist. */
#define PROTO_DOC_REFS 1

/* What a thread other than the document's owner needs to build a copy of
 * it: a reference to each (immutable) object, the assets' registry copied,
 * the size. Taken by the owner in O(objects) pointer copies, without the
 * object table's hashing or the indexes (proto_doc_clone_shared copies
 * both); the copy is built elsewhere (proto_doc_refs_build). */
typedef struct proto_doc_refs proto_doc_refs;

/* Takes doc's references (owner's thread). NULL on out-of-memory. */
proto_doc_refs *proto_doc_refs_take(const proto_doc *doc);

/* Builds, on any one thread, the document the references were taken of:
 * equal to proto_doc_clone_shared(doc) at that moment (the same objects,
 * its own table and indexes), whatever doc became meanwhile. Consumes
 * refs (also on failure); NULL on out-of-memory. */
proto_doc *proto_doc_refs_build(proto_doc_refs *refs);

/* Drops refs without building (any thread). NULL is a no-op. */
void proto_doc_refs_free(proto_doc_refs *refs);

/* Sorts objects into proto_doc_objects' order (kind, then id); reads them
 * only, so any thread may sort its own list of shared objects. 0, or -1 on
 * out-of-memory (the list is then as it was). */
int proto_objects_sort(json_t **list, size_t n);

/* proto_doc_objects without the copies: the same array of the same
 * objects in the same order, each a new reference to the document's own
 * (immutable, see proto_doc_share) object. For reading and encoding only:
 * never change an object of it. NULL on out-of-memory. */
json_t *proto_doc_objects_shared(const proto_doc *doc);

/* True when the kind and reference indexes hold exactly what a full scan
 * of the objects gives (tests). */
bool proto_doc_check_index(const proto_doc *doc);

#endif
