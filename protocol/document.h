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

#endif
