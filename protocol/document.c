/* document.c -- the in-memory project document: objects keyed by id in one
 * jansson object, plus the registry of assets clips may point at. Objects
 * are replaced, never mutated in place, once they are in the document,
 * which is what lets the document keep a running total of its size as
 * JSON: each object's compact encoding is measured when it goes in and
 * when it goes out (proto_doc_bytes). */
#include "protocol/document.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/json_enc.h"

struct proto_doc {
    json_t *objects; /* id -> object */
    json_t *assets;  /* asset id -> {"frames":int,"ready":bool} */
    size_t bytes;    /* sum of the objects' compact JSON sizes */
};

/* The size of one object as compact JSON (what it adds to the document). */
static size_t object_bytes(const json_t *o)
{
    return o ? proto_json_size(o) : 0; /* json_dumpb's count, no printf */
}

/* Puts obj (the reference is stolen) under id, keeping the byte total. */
static int doc_set(proto_doc *doc, const char *id, json_t *obj)
{
    size_t add = object_bytes(obj);
    const json_t *old = json_object_get(doc->objects, id);
    size_t sub = object_bytes(old);

    if (json_object_set_new(doc->objects, id, obj) != 0)
        return -1;
    assert(doc->bytes >= sub);
    doc->bytes = doc->bytes - sub + add;
    return 0;
}

proto_doc *proto_doc_new_empty(void)
{
    proto_doc *doc = calloc(1, sizeof *doc);

    if (!doc)
        return NULL;
    doc->objects = json_object();
    doc->assets = json_object();
    if (!doc->objects || !doc->assets) {
        proto_doc_free(doc);
        return NULL;
    }
    return doc;
}

proto_doc *proto_doc_new(const char *name, int sample_rate)
{
    proto_doc *doc;
    json_t *project;
    size_t len;

    if (!name || (sample_rate != 44100 && sample_rate != 48000))
        return NULL;
    len = proto_utf8_length(name);
    if (len < 1 || len > 200)
        return NULL;
    doc = proto_doc_new_empty();
    if (!doc)
        return NULL;
    project = json_pack("{s:s, s:s, s:s, s:f, s:[i,i], s:i, s:f}",
                        "id", "project", "kind", "project", "name", name,
                        "tempo", 120.0, "meter", 4, 4,
                        "sample_rate", sample_rate, "master_gain", 0.0);
    if (!project || doc_set(doc, "project", project)) {
        proto_doc_free(doc);
        return NULL;
    }
    return doc;
}

proto_doc *proto_doc_clone(const proto_doc *doc)
{
    proto_doc *copy = calloc(1, sizeof *copy);

    if (!copy)
        return NULL;
    copy->objects = json_deep_copy(doc->objects);
    copy->assets = json_deep_copy(doc->assets);
    copy->bytes = doc->bytes;
    if (!copy->objects || !copy->assets) {
        proto_doc_free(copy);
        return NULL;
    }
    return copy;
}

void proto_doc_free(proto_doc *doc)
{
    if (!doc)
        return;
    json_decref(doc->objects);
    json_decref(doc->assets);
    free(doc);
}

int proto_doc_put(proto_doc *doc, const json_t *object)
{
    const char *id = json_string_value(json_object_get(object, "id"));
    json_t *copy;

    if (!id || !json_is_string(json_object_get(object, "kind")))
        return -1;
    copy = json_deep_copy(object);
    if (!copy)
        return -1;
    return doc_set(doc, id, copy);
}

int proto_doc_put_new(proto_doc *doc, json_t *object)
{
    const char *id = json_string_value(json_object_get(object, "id"));

    assert(id);
    return doc_set(doc, id, object);
}

int proto_doc_remove(proto_doc *doc, const char *id)
{
    size_t sub = object_bytes(json_object_get(doc->objects, id));

    if (json_object_del(doc->objects, id) != 0)
        return -1;
    assert(doc->bytes >= sub);
    doc->bytes -= sub;
    return 0;
}

const json_t *proto_doc_get(const proto_doc *doc, const char *id)
{
    if (!doc || !id)
        return NULL;
    return json_object_get(doc->objects, id);
}

const json_t *proto_doc_get_kind(const proto_doc *doc, const char *id,
                                 const char *kind)
{
    const json_t *o = proto_doc_get(doc, id);

    if (!o || strcmp(json_string_value(json_object_get(o, "kind")), kind))
        return NULL;
    return o;
}

size_t proto_doc_count(const proto_doc *doc)
{
    return json_object_size(doc->objects);
}

size_t proto_doc_bytes(const proto_doc *doc)
{
    size_t n = json_object_size(doc->objects);

    /* "[" + the objects + a comma between each two + "]" */
    return doc->bytes + (n ? n - 1 : 0) + 2;
}

/* qsort comparator: kind rank, then id. */
static int cmp_objects(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa;
    const json_t *b = *(const json_t *const *)pb;
    int ka = proto_kind_rank(json_string_value(json_object_get(a, "kind")));
    int kb = proto_kind_rank(json_string_value(json_object_get(b, "kind")));

    if (ka != kb)
        return ka < kb ? -1 : 1;
    return strcmp(json_string_value(json_object_get(a, "id")),
                  json_string_value(json_object_get(b, "id")));
}

json_t *proto_doc_objects(const proto_doc *doc)
{
    size_t n = json_object_size(doc->objects), i = 0;
    const json_t **list = malloc((n ? n : 1) * sizeof *list);
    json_t *out = json_array();
    const char *key;
    json_t *value;

    if (!list || !out) {
        free(list);
        json_decref(out);
        return NULL;
    }
    json_object_foreach(doc->objects, key, value)
        list[i++] = value;
    qsort(list, n, sizeof *list, cmp_objects);
    for (i = 0; i < n; i++)
        json_array_append_new(out, json_deep_copy(list[i]));
    free(list);
    return out;
}

bool proto_doc_equal(const proto_doc *a, const proto_doc *b)
{
    return json_equal(a->objects, b->objects) != 0;
}

int proto_doc_sample_rate(const proto_doc *doc)
{
    const json_t *p = proto_doc_get(doc, "project");
    json_t *sr = json_object_get(p, "sample_rate");

    return json_is_integer(sr) ? (int)json_integer_value(sr) : 48000;
}

void proto_doc_set_asset(proto_doc *doc, const char *asset_id, int64_t frames,
                         bool ready)
{
    json_object_set_new(doc->assets, asset_id,
                        json_pack("{s:I, s:b}", "frames", (json_int_t)frames,
                                  "ready", ready));
}

bool proto_doc_get_asset(const proto_doc *doc, const char *asset_id,
                         int64_t *frames, bool *ready)
{
    json_t *a = json_object_get(doc->assets, asset_id);

    if (!a)
        return false;
    if (frames)
        *frames = json_integer_value(json_object_get(a, "frames"));
    if (ready)
        *ready = json_is_true(json_object_get(a, "ready"));
    return true;
}

int proto_doc_each(const proto_doc *doc,
                   int (*fn)(const json_t *object, void *ctx), void *ctx)
{
    void *it;
    int rc;

    /* Plain iterator walk: json_object_foreach looks every key up again. */
    for (it = json_object_iter(doc->objects); it;
         it = json_object_iter_next(doc->objects, it)) {
        rc = fn(json_object_iter_value(it), ctx);
        if (rc)
            return rc;
    }
    return 0;
}
