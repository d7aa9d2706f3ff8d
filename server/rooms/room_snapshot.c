/* room_snapshot.c -- full snapshots of a room's document taken on the
 * loop thread and encoded off it (see room_snapshot.h). The loop's part is
 * proto_doc_share: one reference per object, no JSON. Sorting and
 * json_dumps run on the thread that encodes, over objects that nobody
 * changes in place: a document replaces an object when it changes, so the
 * loop thread and the encoding thread only ever read the same objects
 * (jansson encodes thread-safely and counts references atomically since
 * 2.11, so either thread may drop the last one). The size the document
 * reported when the snapshot was taken (proto_doc_bytes, kept per object
 * as it goes in and out) is checked against the encoding: an object
 * changed in place after the snapshot would fail that assert. */
#include "server/rooms/room_snapshot.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "server/core/server.h"
#include "server/rooms/room_priv.h"

struct room_snapshot {
    json_t **objs;      /* shared, immutable objects (one reference each) */
    size_t n;
    size_t bytes;       /* proto_doc_bytes when taken */
};

struct room_snapshot *room_snapshot_take(const proto_doc *doc)
{
    struct room_snapshot *s;

    assert(srv_on_loop_thread()); /* the room's document is the loop's */
    if (!(s = calloc(1, sizeof *s)))
        return NULL;
    s->objs = proto_doc_share(doc, &s->n);
    if (!s->objs) {
        free(s);
        return NULL;
    }
    s->bytes = proto_doc_bytes(doc);
    return s;
}

char *room_snapshot_encode(struct room_snapshot *s, size_t *len)
{
    json_t *arr = json_array();
    char *text = NULL;

    if (!arr || proto_objects_sort(s->objs, s->n) != 0)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        if (json_array_append(arr, s->objs[i]) != 0)
            goto out;
    text = json_dumps(arr, ROOM_JSON_FLAGS);
    if (text) {
        *len = strlen(text);
        /* sorted keys do not change the length of the compact form */
        assert(*len == s->bytes);
    }
out:
    json_decref(arr);
    return text;
}

size_t room_snapshot_count(const struct room_snapshot *s)
{
    return s->n;
}

void room_snapshot_free(struct room_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        json_decref(s->objs[i]);
    free(s->objs);
    free(s);
}
