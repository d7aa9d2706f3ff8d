/* json_enc.h -- a compact JSON encoder for jansson values that writes the
 * same bytes as json_dumps(v, JSON_COMPACT [| JSON_SORT_KEYS]) without
 * printf: integers with a small itoa, reals that have an exact short
 * decimal form (x.5, -14.25, 100.0: what gains, pans and beats are) by
 * integer arithmetic, every other real through jansson itself. It is what
 * the push path uses for the stored rows, the object bodies and the
 * document's byte count (the co-editing profile spent a third of a push
 * in json_dumps/json_dumpb and the snprintf calls they make per number).
 * Pure; any thread (reads v only). */
#ifndef MIXROOM_PROTOCOL_JSON_ENC_H
#define MIXROOM_PROTOCOL_JSON_ENC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* v as compact JSON (keys in byte order when sort_keys, else in jansson's
 * insertion order), malloc'd and NUL-terminated, its length in *len (len
 * may be NULL); NULL when out of memory or when jansson would refuse v
 * (then call json_dumps for its error). Any value, not only containers. */
char *proto_json_dumps(const json_t *v, bool sort_keys, size_t *len);

/* The length of proto_json_dumps(v, ...) (the same with or without
 * sorting), or 0 when it cannot be encoded: what
 * json_dumpb(v, NULL, 0, JSON_COMPACT) returns, without writing. */
size_t proto_json_size(const json_t *v);

/* The compact JSON of a value parsed from text (jansson, strict JSON) is at
 * most this many times the text's length, so a text of at most 1/8 of a
 * byte limit cannot exceed it once encoded. Why: whitespace goes, strings
 * and keys never grow (an escape is written as short as or shorter than
 * any way of giving it), integers and literals come out as they went in or
 * shorter, and a real (at least 3 characters: "1e5", "0.1") is written in
 * at most 24 ("-2.2250738585072014e-308"); checked by test_json_enc. */
#define PROTO_JSON_MAX_GROWTH 8

/* proto_json_size(new_) - proto_json_size(old), measuring only what
 * differs: for two objects, the entries whose values are not the same
 * json_t (a new version made by json_copy shares the unchanged ones) and
 * the keys only one of them has; anything else is measured whole. */
long long proto_json_size_change(const json_t *old, const json_t *new_);

/* A double as jansson writes a real ("%.17g", ".0" added to integral
 * values, the exponent without '+' or leading zeros) into out (at least
 * 32 bytes), NUL-terminated; returns its length. */
size_t proto_json_real_text(double v, char *out);

#endif
