/* room_delta.h -- a revision's `delta` message encoded straight from the
 * already-dumped ops text (the stored row's), without building a jansson
 * object and dumping it again: the same bytes as
 * json_dumps(room_delta_json(...), ROOM_JSON_FLAGS) (sorted keys, compact),
 * with or without the request's "id" spliced in (the author's copy).
 * Pure string work; any thread. */
#ifndef MIXROOM_SERVER_ROOM_DELTA_H
#define MIXROOM_SERVER_ROOM_DELTA_H

#include <jansson.h>
#include <stddef.h>

struct room_delta_fields {
    long long rev;
    const char *kind;          /* "push", "undo", "redo" (not written) or a
                                  module's kind (written as "kind") */
    const char *client;        /* NULL or "": null */
    long long seq;             /* <= 0: absent */
    const char *user;          /* NULL or "": null */
    long long ts;
    const char *ops_text;      /* json_dumps(ops, ROOM_JSON_FLAGS) */
    size_t ops_len;
    long long undo_of, redo_of; /* <= 0: absent */
};

/* An upper bound of the bytes room_delta_encode writes for f and an id
 * text of id_len bytes (0: no id). */
size_t room_delta_bound(const struct room_delta_fields *f, size_t id_len);

/* Writes the delta of f into out (at least room_delta_bound bytes), with
 * "id":<id_text> when id_text is non-NULL (id_text: the id as compact
 * JSON, see room_delta_id_text). Returns the length written, or -1 when
 * a string field holds a byte outside printable ASCII or a quote or a
 * backslash (then nothing is promised about out: the caller encodes
 * that delta with jansson instead, which escapes and checks UTF-8). */
long room_delta_encode(const struct room_delta_fields *f, const char *id_text,
                       size_t id_len, char *out);

/* The request id (a string or a number) as compact JSON text, malloc'd,
 * with its length in *len; NULL when out of memory. */
char *room_delta_id_text(const json_t *id, size_t *len);

#endif
