/* document.c -- the in-memory project document: objects keyed by id in one
 * jansson object, plus the registry of assets clips may point at. Objects
 * are replaced, never mutated in place, once they are in the document,
 * which is what lets the document keep a running total of its size as
 * JSON: each object's compact encoding is measured when it goes in and
 * when it goes out, and a new version of an object by the entries that
 * differ from the old one (proto_json_size_change; proto_doc_bytes).
 *
 * The document also keeps two indexes, updated in the same two places
 * (doc_set, proto_doc_remove), so that routing checks, cascades and diffs
 * read the few objects they need instead of scanning all of them:
 *   by kind: kind -> {id: true} for every object;
 *   by reference: "<field>\x1f<value>" -> {id: true} for every object
 *   whose string field `field` (track, output, target, clip: the fields
 *   that name another object) has that value.
 * Each index is a jansson object whose values are the json_true()
 * singleton (no allocation per entry beyond the key). */
#include "protocol/document.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/json_enc.h"

struct proto_doc {
    json_t *objects; /* id -> object */
    json_t *assets;  /* asset id -> {"frames":int,"ready":bool} */
    size_t bytes;    /* sum of the objects' compact JSON sizes */
    json_t *by_kind; /* kind -> {id: true} */
    json_t *by_ref;  /* "field\x1fvalue" -> {id: true} */
};

/* The fields that name another object, indexed by reference. */
static const char *const ref_fields[] = {"track", "output", "target", "clip",
                                         NULL};

/* The by_ref key of field = value in buf; false if it does not fit. */
static bool ref_key(char *buf, size_t size, const char *field,
                    const char *value)
{
    int n = snprintf(buf, size, "%s\x1f%s", field, value);

    return n > 0 && (size_t)n < size;
}

/* Adds (add) or removes id from the set under key in idx. */
static void set_mark(json_t *idx, const char *key, const char *id, bool add)
{
    json_t *set = json_object_get(idx, key);

    if (add) {
        if (!set) {
            set = json_object();
            if (!set || json_object_set_new(idx, key, set) != 0)
                return;
        }
        json_object_set_new(set, id, json_true());
    } else if (set) {
        json_object_del(set, id);
        if (json_object_size(set) == 0)
            json_object_del(idx, key);
    }
}

/* Enters (add) or takes out object o (stored under id) of the indexes. */
static void index_object(proto_doc *doc, const char *id, const json_t *o,
                         bool add)
{
    const char *kind = json_string_value(json_object_get(o, "kind"));
    char key[160];

    if (!o)
        return;
    if (kind)
        set_mark(doc->by_kind, kind, id, add);
    for (size_t i = 0; ref_fields[i]; i++) {
        const char *v = json_string_value(json_object_get(o, ref_fields[i]));
        if (v && ref_key(key, sizeof key, ref_fields[i], v))
            set_mark(doc->by_ref, key, id, add);
    }
}

/* Whether field is the same string (or no string) in old and new. */
static bool same_string(const json_t *old, const json_t *new_,
                        const char *field)
{
    const json_t *a = json_object_get(old, field), *b = json_object_get(new_, field);

    if (!json_is_string(a) || !json_is_string(b))
        return !json_is_string(a) && !json_is_string(b);
    return strcmp(json_string_value(a), json_string_value(b)) == 0;
}

/* Whether old and new (two versions of one object) have the same index
 * entries: the same kind and the same value (or none) in every reference
 * field. Most sets change neither, and their index entries then stay. */
static bool same_index_keys(const json_t *old, const json_t *new_)
{
    if (!old || !new_ || !same_string(old, new_, "kind"))
        return false;
    for (size_t i = 0; ref_fields[i]; i++)
        if (!same_string(old, new_, ref_fields[i]))
            return false;
    return true;
}

/* The size of one object as compact JSON (what it adds to the document). */
static size_t object_bytes(const json_t *o)
{
    return o ? proto_json_size(o) : 0; /* json_dumpb's count, no printf */
}

/* Puts obj (the reference is stolen) under id, keeping the byte total. */
static int doc_set(proto_doc *doc, const char *id, json_t *obj)
{
    const json_t *old = json_object_get(doc->objects, id);
    /* a new version of an object is measured by what changed in it */
    long long change = old ? proto_json_size_change(old, obj)
                           : (long long)object_bytes(obj);
    char idbuf[80];
    bool keep;

    /* id may live in old, which the set below frees */
    if (snprintf(idbuf, sizeof idbuf, "%s", id) >= (int)sizeof idbuf) {
        json_decref(obj);
        return -1;
    }
    keep = same_index_keys(old, obj);
    if (!keep)
        index_object(doc, idbuf, old, false);
    if (json_object_set_new(doc->objects, idbuf, obj) != 0)
        return -1;
    if (!keep)
        index_object(doc, idbuf, obj, true);
    assert(change >= 0 || doc->bytes >= (size_t)-change);
    doc->bytes = (size_t)((long long)doc->bytes + change);
    return 0;
}

proto_doc *proto_doc_new_empty(void)
{
    proto_doc *doc = calloc(1, sizeof *doc);

    if (!doc)
        return NULL;
    doc->objects = json_object();
    doc->assets = json_object();
    doc->by_kind = json_object();
    doc->by_ref = json_object();
    if (!doc->objects || !doc->assets || !doc->by_kind || !doc->by_ref) {
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
    copy->by_kind = json_deep_copy(doc->by_kind);
    copy->by_ref = json_deep_copy(doc->by_ref);
    if (!copy->objects || !copy->assets || !copy->by_kind || !copy->by_ref) {
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
    json_decref(doc->by_kind);
    json_decref(doc->by_ref);
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

int proto_doc_remove(proto_doc *doc, const char *id_in)
{
    const json_t *old = json_object_get(doc->objects, id_in);
    size_t sub = object_bytes(old);
    char id[80];

    if (!old)
        return -1;
    snprintf(id, sizeof id, "%s", id_in); /* id_in may live in old */
    index_object(doc, id, old, false);
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

/* An object with its sort key read once (kind rank, id): sorting on the
 * keys avoids four lookups and a kind-name search in every comparison. */
struct sort_item {
    int rank;
    const char *id;
    json_t *obj;
};

/* qsort comparator: kind rank, then id. */
static int cmp_items(const void *pa, const void *pb)
{
    const struct sort_item *a = pa, *b = pb;

    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Sorts list (n objects) by kind rank, then id; 0, or -1 on out-of-memory
 * (then list is as it was). */
static int sort_objects(json_t **list, size_t n)
{
    struct sort_item *items;

    if (n < 2)
        return 0;
    if (!(items = malloc(n * sizeof *items)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        items[i].rank =
            proto_kind_rank(json_string_value(json_object_get(list[i], "kind")));
        items[i].id = json_string_value(json_object_get(list[i], "id"));
        items[i].obj = list[i];
    }
    qsort(items, n, sizeof *items, cmp_items);
    for (size_t i = 0; i < n; i++)
        list[i] = items[i].obj;
    free(items);
    return 0;
}

json_t *proto_doc_objects(const proto_doc *doc)
{
    size_t n = json_object_size(doc->objects), i = 0;
    json_t **list = malloc((n ? n : 1) * sizeof *list);
    json_t *out = json_array();
    void *it;

    if (!list || !out) {
        free(list);
        json_decref(out);
        return NULL;
    }
    for (it = json_object_iter(doc->objects); it;
         it = json_object_iter_next(doc->objects, it))
        list[i++] = json_object_iter_value(it);
    if (sort_objects(list, n) != 0) {
        free(list);
        json_decref(out);
        return NULL;
    }
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

/* Calls fn for each object whose id is a key of set (NULL: none). */
static int each_in_set(const proto_doc *doc, json_t *set,
                       int (*fn)(const json_t *object, void *ctx), void *ctx)
{
    void *it;
    int rc;

    for (it = json_object_iter(set); it; it = json_object_iter_next(set, it)) {
        const json_t *o = json_object_get(doc->objects,
                                          json_object_iter_key(it));
        assert(o); /* the indexes hold only ids of the document */
        if ((rc = fn(o, ctx)) != 0)
            return rc;
    }
    return 0;
}

int proto_doc_each_kind(const proto_doc *doc, const char *kind,
                        int (*fn)(const json_t *object, void *ctx), void *ctx)
{
    return each_in_set(doc, json_object_get(doc->by_kind, kind), fn, ctx);
}

bool proto_doc_ref_indexed(const char *field)
{
    for (size_t i = 0; field && ref_fields[i]; i++)
        if (strcmp(field, ref_fields[i]) == 0)
            return true;
    return false;
}

int proto_doc_each_ref(const proto_doc *doc, const char *field,
                       const char *value,
                       int (*fn)(const json_t *object, void *ctx), void *ctx)
{
    char key[160];

    assert(proto_doc_ref_indexed(field));
    if (!value || !ref_key(key, sizeof key, field, value))
        return 0;
    return each_in_set(doc, json_object_get(doc->by_ref, key), fn, ctx);
}

size_t proto_doc_count_kind(const proto_doc *doc, const char *kind)
{
    return json_object_size(json_object_get(doc->by_kind, kind));
}

proto_doc *proto_doc_clone_shared(const proto_doc *doc)
{
    proto_doc *copy = calloc(1, sizeof *copy);

    if (!copy)
        return NULL;
    /* json_copy is shallow: the objects themselves are shared (they
     * are never changed in place, see the file comment); the index sets are
     * changed in place, so each is copied */
    copy->objects = json_copy(doc->objects);
    copy->assets = json_deep_copy(doc->assets);
    copy->by_kind = json_deep_copy(doc->by_kind);
    copy->by_ref = json_deep_copy(doc->by_ref);
    copy->bytes = doc->bytes;
    if (!copy->objects || !copy->assets || !copy->by_kind || !copy->by_ref) {
        proto_doc_free(copy);
        return NULL;
    }
    return copy;
}

json_t **proto_doc_share(const proto_doc *doc, size_t *n)
{
    size_t count = json_object_size(doc->objects), i = 0;
    json_t **list = malloc((count ? count : 1) * sizeof *list);
    void *it;

    if (!list)
        return NULL;
    for (it = json_object_iter(doc->objects); it;
         it = json_object_iter_next(doc->objects, it))
        list[i++] = json_incref(json_object_iter_value(it));
    assert(i == count);
    *n = count;
    return list;
}

struct proto_doc_refs {
    json_t **objs; /* one reference each */
    size_t n;
    json_t *assets; /* a copy */
    size_t bytes;
};

proto_doc_refs *proto_doc_refs_take(const proto_doc *doc)
{
    proto_doc_refs *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->objs = proto_doc_share(doc, &r->n);
    r->assets = json_deep_copy(doc->assets);
    r->bytes = doc->bytes;
    if (!r->objs || !r->assets) {
        proto_doc_refs_free(r);
        return NULL;
    }
    return r;
}

void proto_doc_refs_free(proto_doc_refs *r)
{
    if (!r)
        return;
    if (r->objs)
        for (size_t i = 0; i < r->n; i++)
            json_decref(r->objs[i]);
    free(r->objs);
    json_decref(r->assets);
    free(r);
}

proto_doc *proto_doc_refs_build(proto_doc_refs *r)
{
    proto_doc *doc = proto_doc_new_empty();
    size_t i = 0;

    if (!doc)
        goto fail;
    json_decref(doc->assets);
    doc->assets = r->assets;
    r->assets = NULL;
    for (; i < r->n; i++) {
        json_t *o = r->objs[i];
        const char *id = json_string_value(json_object_get(o, "id"));
        assert(id); /* every object of a document has its id */
        /* the table's key is a copy: the object keeps its own */
        if (!id)
            goto fail;
        if (json_object_set_new(doc->objects, id, o) != 0) {
            i++; /* set_new dropped o */
            goto fail;
        }
        index_object(doc, id, o, true);
    }
    doc->bytes = r->bytes;
    free(r->objs);
    free(r);
    return doc;
fail:
    for (; i < r->n; i++)
        json_decref(r->objs[i]);
    r->n = 0;
    proto_doc_refs_free(r);
    proto_doc_free(doc);
    return NULL;
}

int proto_objects_sort(json_t **list, size_t n)
{
    return sort_objects(list, n);
}

/* proto_doc_check_index: one index entry against the document. */
static bool set_has(const json_t *idx, const char *key, const char *id)
{
    return json_object_get(json_object_get(idx, key), id) != NULL;
}

bool proto_doc_check_index(const proto_doc *doc)
{
    size_t entries = 0, expect = 0;
    const char *key, *id;
    json_t *o, *set, *v;
    char buf[160];

    /* every object is in the sets it belongs to ... */
    json_object_foreach(doc->objects, id, o) {
        const char *kind = json_string_value(json_object_get(o, "kind"));
        if (kind && !set_has(doc->by_kind, kind, id))
            return false;
        expect += kind != NULL;
        for (size_t i = 0; ref_fields[i]; i++) {
            const char *r = json_string_value(json_object_get(o, ref_fields[i]));
            if (!r || !ref_key(buf, sizeof buf, ref_fields[i], r))
                continue;
            if (!set_has(doc->by_ref, buf, id))
                return false;
            expect++;
        }
    }
    /* ... and the sets hold nothing else (no stale or empty set) */
    json_object_foreach(doc->by_kind, key, set) {
        if (json_object_size(set) == 0)
            return false;
        json_object_foreach(set, id, v) {
            o = json_object_get(doc->objects, id);
            if (!o || strcmp(proto_obj_kind(o), key))
                return false;
            entries++;
        }
    }
    json_object_foreach(doc->by_ref, key, set) {
        if (json_object_size(set) == 0)
            return false;
        entries += json_object_size(set);
    }
    return entries == expect;
}

json_t *proto_doc_objects_shared(const proto_doc *doc)
{
    size_t n = 0;
    json_t **list = proto_doc_share(doc, &n);
    json_t *out = list ? json_array() : NULL;

    if (out && sort_objects(list, n) != 0) {
        json_decref(out);
        out = NULL;
    }
    if (out) {
        for (size_t i = 0; i < n; i++)
            json_array_append_new(out, list[i]);
    } else if (list) {
        for (size_t i = 0; i < n; i++)
            json_decref(list[i]);
    }
    free(list);
    return out;
}
