/* fields.h -- internal to libprotocol: the per-kind field tables and their
 * one checker, effect parameter tables, and the document helpers that only
 * ops.c/undo.c use (put/remove without copying). Not part of the public API
 * the server calls, but stable enough for the unit tests. */
#ifndef MIXROOM_PROTOCOL_FIELDS_H
#define MIXROOM_PROTOCOL_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "protocol/document.h"
#include "protocol/errors.h"

/* Largest frame position/length accepted (2^40 frames, ~265 days at 48k). */
#define PROTO_MAX_FRAMES ((json_int_t)1 << 40)
/* Largest note position/length in ticks (at + len at most this too). */
#define PROTO_MAX_TICKS ((json_int_t)1 << 40)
/* Ticks per quarter note of note `at` and `len`. */
#define PROTO_TICKS_PER_QUARTER 960
/* The lowest gain in dB a gain field takes (below it, use null: -inf);
 * -144 dB is below the noise floor of 24-bit audio. */
#define PROTO_GAIN_FLOOR_DB (-144.0)
/* Most points in one automation lane. */
#define PROTO_MAX_POINTS 10000
/* Most eq bands. */
#define PROTO_MAX_EQ_BANDS 8

/* Rank of a kind in the stable document order (project 0 .. automation 6,
 * note 7), 8 for anything else. */
int proto_kind_rank(const char *kind);

/* True for the eight object kinds. */
bool proto_kind_known(const char *kind);

/* Number of UTF-8 code points in s, or (size_t)-1 if s is not valid UTF-8. */
size_t proto_utf8_length(const char *s);

/* True if kind has a field called name. */
bool proto_field_known(const char *kind, const char *name);

/* Builds the object that results from a create (base == NULL: defaults
 * filled, required fields checked) or a set (base = the current object) with
 * the given fields. Checks field names, types and ranges and normalizes the
 * values (dB and other numbers become reals). Effect `params` given to a set
 * are merged into the existing params; a new `type` resets params to that
 * type's defaults first. A track's `instrument` is null unless its role is
 * instrument and then a full instrument object (protocol/instruments.h).
 * Does not look at other objects. Returns a new
 * object or NULL with err. */
json_t *proto_build_object(const char *kind, const char *id,
                           const json_t *base, const json_t *fields,
                           proto_err *err);

/* Checks obj against the rest of the document: references (existence,
 * kind, bus/audio role, asset readiness and length) and constraints across
 * fields (fades within length, automation values in range). changed: the
 * fields a set changed, or NULL to check everything. Returns 0 or -1. */
int proto_check_object(const proto_doc *doc, const json_t *obj,
                       const json_t *changed, proto_err *err);

/* After a change to track_id's output or sends (already in doc): fails
 * with invalid_value naming `field` if bus routing now has a cycle through
 * that track ("output would create a routing cycle: Bus A -> Bus B -> Bus A"). */
int proto_check_routing(const proto_doc *doc, const char *track_id,
                        const char *field, proto_err *err);

/* After a track's role changed (already in doc): a bus that something
 * routes to cannot become audio; an audio track with clips cannot become a
 * bus. Returns 0 or -1 with err. */
int proto_check_role(const proto_doc *doc, const json_t *track, proto_err *err);

/* Effect params: the defaults of a type (new object), or NULL if the type is
 * unknown. */
json_t *proto_effect_defaults(const char *type);

/* True if type is one of the effect types. */
bool proto_effect_type_known(const char *type);

/* Merges given params into a copy of base (which holds a full set for the
 * type), validating each one. Returns the new object or NULL with err. */
json_t *proto_effect_merge(const char *type, const json_t *base,
                           const json_t *given, proto_err *err);

/* Range and unit of a scalar numeric effect param that automation may
 * drive; false if type/param is not such a param. */
bool proto_effect_param_range(const char *type, const char *param,
                              double *min, double *max, const char **unit);

/* Read-only views of the effect parameter tables of effects.c, for code that
 * must restate them (tests/unit/proto_vectors.c prints them so the browser's
 * copy in web/effects.js can be checked against them). Everything returned
 * is static and must not be freed or written. */

/* One numeric effect parameter: its name, accepted range [min, max],
 * default and unit ("dB", "ms", "Hz" or "" -- as used in messages). */
typedef struct {
    const char *name;
    double min, max, def;
    const char *unit;
} proto_effect_param;

/* The i-th effect type name in table order (eq, compressor, delay, reverb,
 * limiter), or NULL when i is past the last one. */
const char *proto_effect_type_at(size_t i);

/* The numeric params of an effect type, in order, ended by an entry whose
 * name is NULL (eq has none: its bands are separate; delay's `sync` is not
 * numeric), or NULL if the type is unknown. */
const proto_effect_param *proto_effect_params(const char *type);

/* The numeric fields of one eq band (freq, gain, q), ended by a NULL name.
 * A band's `type` is one of proto_eq_band_types(); at most
 * PROTO_MAX_EQ_BANDS bands. */
const proto_effect_param *proto_eq_band_params(void);

/* The eq band types, ended by NULL. */
const char *const *proto_eq_band_types(void);

/* The note values a delay's `sync` may take besides null, ended by NULL. */
const char *const *proto_delay_sync_values(void);

/* Writes a short JSON rendering of v (truncated) into buf, for messages. */
void proto_json_brief(const json_t *v, char *buf, size_t size);

/* Document helpers for ops.c: put an object (steals the reference), remove
 * by id (0 or -1), get only if the object has the given kind. */
int proto_doc_put_new(proto_doc *doc, json_t *object);
int proto_doc_remove(proto_doc *doc, const char *id);
const json_t *proto_doc_get_kind(const proto_doc *doc, const char *id,
                                 const char *kind);

/* The kind of an object ("" if missing). */
const char *proto_obj_kind(const json_t *obj);

/* A field's string value, or "" if absent or not a string. */
const char *proto_obj_str(const json_t *obj, const char *field);

#endif
