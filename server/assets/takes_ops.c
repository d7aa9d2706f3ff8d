/* takes_ops.c -- what finishing a take does to the document, as the ops a
 * client push would make: a new track "Take N" when the take had none (or
 * its track is gone), the clip "Take N" with its take_group, and `mute` on
 * the group's other clips so that the newest take plays. Pure: no I/O, no
 * globals; unit-tested in tests/unit/test_takes.c. */
#include "server/assets/takes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/order.h"

/* What a scan of the document finds. */
struct scan {
    const struct srv_take_place *p;
    const char *track;        /* the clip's track ("" while unknown) */
    const char *last_order;   /* largest track order key */
    char group[72];           /* the smallest overlapped take_group */
};

static const char *group_of(const json_t *o)
{
    const char *g = json_string_value(json_object_get(o, "take_group"));
    return g ? g : "";
}

static int find_tracks(const json_t *o, void *ctx)
{
    struct scan *s = ctx;

    if (!strcmp(proto_obj_kind(o), "track") &&
        (!s->last_order || strcmp(proto_obj_str(o, "order"), s->last_order) > 0))
        s->last_order = proto_obj_str(o, "order");
    return 0;
}

static int find_group(const json_t *o, void *ctx)
{
    struct scan *s = ctx;
    const char *g = group_of(o);
    json_int_t start, len;

    if (strcmp(proto_obj_kind(o), "clip") || strcmp(proto_obj_str(o, "track"), s->track) ||
        !g[0])
        return 0;
    start = json_integer_value(json_object_get(o, "start"));
    len = json_integer_value(json_object_get(o, "length"));
    if (start < s->p->at + s->p->frames && s->p->at < start + len &&
        (!s->group[0] || strcmp(g, s->group) < 0))
        snprintf(s->group, sizeof s->group, "%s", g);
    return 0;
}

/* The ops muting the group's other unmuted clips (ctx: struct mute_ctx). */
struct mute_ctx {
    struct scan *s;
    json_t *ops;
};

static int mute_others(const json_t *o, void *ctx)
{
    struct mute_ctx *m = ctx;

    if (!strcmp(proto_obj_kind(o), "clip") &&
        !strcmp(proto_obj_str(o, "track"), m->s->track) &&
        !strcmp(group_of(o), m->s->group) &&
        !json_is_true(json_object_get(o, "mute")))
        json_array_append_new(
            m->ops, json_pack("{s:s, s:s, s:{s:b}}", "op", "set", "id",
                              json_string_value(json_object_get(o, "id")),
                              "fields", "mute", 1));
    return 0;
}

/* Ops in id order, so that the same document gives the same ops. */
static int by_id(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;

    return strcmp(json_string_value(json_object_get(x, "id")),
                  json_string_value(json_object_get(y, "id")));
}

static void sort_ops(json_t *ops, size_t from)
{
    size_t n = json_array_size(ops) - from;
    json_t **v;

    if (n < 2 || !(v = malloc(n * sizeof *v)))
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(ops, from + i));
    qsort(v, n, sizeof *v, by_id);
    for (size_t i = 0; i < n; i++)
        json_array_set_new(ops, from + i, v[i]);
    free(v);
}

json_t *srv_take_ops(const proto_doc *doc, const struct srv_take_place *p,
                     char clip_out[72], char track_out[72])
{
    struct scan s;
    const json_t *tr = p->track[0] ? proto_doc_get(doc, p->track) : NULL;
    json_t *ops = json_array();
    char name[32];

    if (!ops)
        return NULL;
    memset(&s, 0, sizeof s);
    s.p = p;
    snprintf(name, sizeof name, "Take %d", p->n);
    snprintf(clip_out, 72, "%s_c", p->take_id);
    if (tr && !strcmp(proto_obj_kind(tr), "track")) {
        snprintf(track_out, 72, "%s", p->track);
    } else {
        char *order;
        proto_doc_each(doc, find_tracks, &s);
        order = proto_order_between(s.last_order, NULL);
        snprintf(track_out, 72, "%s_t", p->take_id);
        json_array_append_new(
            ops, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "op",
                           "create", "id", track_out, "kind", "track",
                           "fields", "name", name, "order",
                           order ? order : "V", "color", "#e07a5f", "role",
                           "audio"));
        free(order);
    }
    s.track = track_out;
    proto_doc_each(doc, find_group, &s);
    if (s.group[0]) {
        struct mute_ctx m = {&s, ops};
        size_t from = json_array_size(ops);
        proto_doc_each(doc, mute_others, &m);
        sort_ops(ops, from);
    } else {
        snprintf(s.group, sizeof s.group, "%s", p->take_id);
    }
    json_array_append_new(
        ops, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I, s:I, s:s, "
                       "s:s, s:b}}",
                       "op", "create", "id", clip_out, "kind", "clip",
                       "fields", "track", track_out, "asset", p->asset,
                       "start", (json_int_t)p->at, "offset", (json_int_t)0,
                       "length", (json_int_t)p->frames, "name", name,
                       "take_group", s.group, "mute", 0));
    return ops;
}
