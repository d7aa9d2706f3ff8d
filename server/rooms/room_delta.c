/* room_delta.c -- a revision's `delta` encoded from the stored row's ops
 * text (see room_delta.h). jansson's compact sorted output of
 * room_delta_json has the keys in byte order: client, id, kind, ops,
 * redo_of, rev, seq, ts, type, undo_of, user; this writes the same bytes
 * field by field, so the ops are dumped once per revision (for the stored
 * row) instead of once more for every encoding of the delta. */
#include "server/rooms/room_delta.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/rooms/room_priv.h"

/* Plain: every byte printable ASCII and neither '"' nor '\\', so jansson
 * writes it as it is between quotes. */
static bool plain(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
            return false;
    }
    return true;
}

static bool is_builtin_kind(const char *kind)
{
    return !kind || !strcmp(kind, "push") || !strcmp(kind, "undo") ||
           !strcmp(kind, "redo");
}

static char *put_mem(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUT_LIT(p, lit) put_mem((p), (lit), sizeof(lit) - 1)

/* A decimal integer as jansson writes it ("%lld"). */
static char *put_int(char *p, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
                                 : (unsigned long long)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* A string field: "s" or null (NULL or empty). */
static char *put_str_or_null(char *p, const char *s)
{
    if (!s || !s[0])
        return PUT_LIT(p, "null");
    *p++ = '"';
    p = put_mem(p, s, strlen(s));
    *p++ = '"';
    return p;
}

size_t room_delta_bound(const struct room_delta_fields *f, size_t id_len)
{
    return 160 + f->ops_len + id_len + (f->kind ? strlen(f->kind) : 0) +
           (f->client ? strlen(f->client) : 0) +
           (f->user ? strlen(f->user) : 0);
}

long room_delta_encode(const struct room_delta_fields *f, const char *id_text,
                       size_t id_len, char *out)
{
    char *p = out;

    if ((f->client && !plain(f->client)) || (f->user && !plain(f->user)) ||
        (f->kind && !plain(f->kind)))
        return -1;
    p = PUT_LIT(p, "{\"client\":");
    p = put_str_or_null(p, f->client);
    if (id_text) {
        p = PUT_LIT(p, ",\"id\":");
        p = put_mem(p, id_text, id_len);
    }
    if (!is_builtin_kind(f->kind)) {
        p = PUT_LIT(p, ",\"kind\":\"");
        p = put_mem(p, f->kind, strlen(f->kind));
        *p++ = '"';
    }
    p = PUT_LIT(p, ",\"ops\":");
    p = put_mem(p, f->ops_text, f->ops_len);
    if (f->redo_of > 0) {
        p = PUT_LIT(p, ",\"redo_of\":");
        p = put_int(p, f->redo_of);
    }
    p = PUT_LIT(p, ",\"rev\":");
    p = put_int(p, f->rev);
    if (f->seq > 0) {
        p = PUT_LIT(p, ",\"seq\":");
        p = put_int(p, f->seq);
    }
    p = PUT_LIT(p, ",\"ts\":");
    p = put_int(p, f->ts);
    p = PUT_LIT(p, ",\"type\":\"delta\"");
    if (f->undo_of > 0) {
        p = PUT_LIT(p, ",\"undo_of\":");
        p = put_int(p, f->undo_of);
    }
    p = PUT_LIT(p, ",\"user\":");
    p = put_str_or_null(p, f->user);
    *p++ = '}';
    return (long)(p - out);
}

char *room_delta_id_text(const json_t *id, size_t *len)
{
    char *t;

    if (json_is_integer(id)) {
        t = malloc(24);
        if (t)
            *len = (size_t)(put_int(t, (long long)json_integer_value(id)) - t);
        return t;
    }
    t = json_dumps(id, ROOM_JSON_FLAGS | JSON_ENCODE_ANY);
    if (t)
        *len = strlen(t);
    return t;
}
