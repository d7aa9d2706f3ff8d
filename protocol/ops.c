/* ops.c -- applying one push to a document, atomically: every op is checked
 * against the field tables and the current document, applied in place, and
 * journaled so that a failure rolls everything back. Cascades (deleting a
 * track's clips, effects, sends, automation, and the clips' notes; a
 * clip's notes; re-routing tracks that fed a
 * deleted bus; dropping automation of a changed effect) run as explicit
 * elementary steps, each with its inverse, so the inverse of a push is the
 * reverse of its steps and restores the document exactly. */
#include "protocol/ops.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"

#define MAX_OPS 1000

typedef struct {
    proto_doc *doc;
    json_t *journal; /* [[id, old object or null], ...] for rollback */
    json_t *applied; /* the ops as applied */
    json_t *steps;   /* inverse of each step, in execution order */
    json_t *gone;    /* id -> kind of objects deleted by this push */
} push_ctx;

bool proto_valid_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* The fields of an object, without id and kind (new reference). */
static json_t *object_fields(const json_t *obj)
{
    json_t *f = json_deep_copy(obj);

    json_object_del(f, "id");
    json_object_del(f, "kind");
    return f;
}

/* {"op": name, "id": id[, key: value]} built directly: json_pack parses
 * its format on every call, and these are made for every op of every push.
 * value is stolen (also on failure); NULL when out of memory. */
static json_t *op_json(const char *name, const char *id, const char *key,
                       json_t *value)
{
    json_t *o = json_object();
    bool bad = !o;

    bad = bad || json_object_set_new_nocheck(o, "op", json_string_nocheck(name));
    bad = bad || json_object_set_new_nocheck(o, "id", json_string(id));
    if (key) {
        if (bad)
            json_decref(value);
        else
            bad = json_object_set_new_nocheck(o, key, value) != 0;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* op_json with a fourth entry (value2 stolen, also on failure). */
static json_t *op_json2(const char *name, const char *id, const char *key,
                        json_t *value, const char *key2, json_t *value2)
{
    json_t *o = op_json(name, id, key, value);

    if (!o || json_object_set_new_nocheck(o, key2, value2) != 0) {
        if (!o)
            json_decref(value2);
        json_decref(o);
        return NULL;
    }
    return o;
}

static void journal(push_ctx *c, const char *id, const json_t *old)
{
    json_t *e = json_array();

    if (e) {
        json_array_append_new(e, json_string(id));
        json_array_append(e, old ? (json_t *)old : json_null());
    }
    json_array_append_new(c->journal, e);
}

/* Elementary steps. Each journals, records its inverse, and changes doc. */
static void step_create(push_ctx *c, json_t *obj)
{
    const char *id = proto_obj_str(obj, "id");

    journal(c, id, NULL);
    json_array_append_new(c->steps, op_json("delete", id, NULL, NULL));
    json_object_del(c->gone, id);
    proto_doc_put_new(c->doc, obj);
}

/* Replaces the object with id by obj; `set` names the fields changed. */
static void step_set(push_ctx *c, json_t *obj, const json_t *set)
{
    const char *id = proto_obj_str(obj, "id");
    const json_t *old = proto_doc_get(c->doc, id);
    json_t *inv = json_object(), *v;
    const char *key;

    assert(old);
    json_object_foreach((json_t *)set, key, v) {
        json_t *ov = json_object_get(old, key);
        if (ov)
            json_object_set(inv, key, ov);
    }
    json_array_append_new(c->steps, op_json("set", id, "fields", inv));
    journal(c, id, old);
    proto_doc_put_new(c->doc, obj);
}

static void step_delete(push_ctx *c, const char *id_in)
{
    const json_t *old = proto_doc_get(c->doc, id_in);
    char id[80];

    assert(old);
    snprintf(id, sizeof id, "%s", id_in); /* id_in may live in old */
    json_array_append_new(c->steps,
                          op_json2("create", id, "kind",
                                   json_string(proto_obj_kind(old)), "fields",
                                   object_fields(old)));
    journal(c, id, old);
    json_object_set_new(c->gone, id, json_string(proto_obj_kind(old)));
    proto_doc_remove(c->doc, id);
}

static void add_applied_delete(push_ctx *c, const char *id)
{
    json_array_append_new(c->applied, op_json("delete", id, NULL, NULL));
}

/* ---- finding dependents ---- */

typedef struct {
    const char *kind;  /* kind wanted */
    const char *field; /* field that must equal value (or NULL) */
    const char *value;
    const char *prefix; /* automation param prefix "E." (or NULL) */
    json_t *ids;        /* array of matching ids */
} match_ctx;

static int match_one(const json_t *o, void *ctx)
{
    match_ctx *m = ctx;

    if (strcmp(proto_obj_kind(o), m->kind))
        return 0;
    if (m->field && strcmp(proto_obj_str(o, m->field), m->value))
        return 0;
    if (m->prefix && strncmp(proto_obj_str(o, "param"), m->prefix,
                             strlen(m->prefix)))
        return 0;
    json_array_append_new(m->ids, json_string(proto_obj_str(o, "id")));
    return 0;
}

static int cmp_json_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a),
                  json_string_value(*(json_t *const *)b));
}

/* Ids of objects of kind whose field equals value, sorted (new array). */
static json_t *find_ids(const proto_doc *doc, const char *kind,
                        const char *field, const char *value,
                        const char *prefix)
{
    match_ctx m = {kind, field, value, prefix, json_array()};
    size_t n, i;
    json_t **list;

    /* from the indexes: the objects naming value in field, else every
     * object of the kind; match_one filters as a full scan would */
    if (field && proto_doc_ref_indexed(field))
        proto_doc_each_ref(doc, field, value, match_one, &m);
    else
        proto_doc_each_kind(doc, kind, match_one, &m);
    n = json_array_size(m.ids);
    if (n < 2)
        return m.ids;
    list = malloc(n * sizeof *list);
    for (i = 0; i < n; i++)
        list[i] = json_incref(json_array_get(m.ids, i));
    qsort(list, n, sizeof *list, cmp_json_str);
    json_array_clear(m.ids);
    for (i = 0; i < n; i++)
        json_array_append_new(m.ids, list[i]);
    free(list);
    return m.ids;
}

static void delete_all(push_ctx *c, json_t *ids)
{
    size_t i;
    json_t *id;

    json_array_foreach(ids, i, id) {
        if (!proto_doc_get(c->doc, json_string_value(id)))
            continue;
        add_applied_delete(c, json_string_value(id));
        step_delete(c, json_string_value(id));
    }
    json_decref(ids);
}

/* Automation of effect `effect` that its new version (obj) no longer
 * supports: all of it if the effect moved track, else params the new type
 * lacks. */
static void drop_effect_automation(push_ctx *c, const json_t *old,
                                   const json_t *obj)
{
    char prefix[80];
    json_t *ids, *keep = json_array(), *id;
    size_t i;
    bool moved = strcmp(proto_obj_str(old, "track"), proto_obj_str(obj, "track"));

    snprintf(prefix, sizeof prefix, "%s.", proto_obj_str(obj, "id"));
    ids = find_ids(c->doc, "automation", NULL, NULL, prefix);
    json_array_foreach(ids, i, id) {
        const json_t *a = proto_doc_get(c->doc, json_string_value(id));
        const char *param = proto_obj_str(a, "param") + strlen(prefix);
        if (moved || !proto_effect_param_range(proto_obj_str(obj, "type"),
                                               param, NULL, NULL, NULL))
            json_array_append(keep, id);
    }
    json_decref(ids);
    delete_all(c, keep);
}

/* Deletes id and everything that depends on it (cascades go to applied
 * after the delete itself; steps run dependents first). */
static void delete_cascade(push_ctx *c, const char *id)
{
    const json_t *obj = proto_doc_get(c->doc, id);
    const char *kind = proto_obj_kind(obj);
    json_t *ids, *v;
    size_t i;

    add_applied_delete(c, id);
    if (strcmp(kind, "track") == 0) {
        ids = find_ids(c->doc, "track", "output", id, NULL);
        json_array_foreach(ids, i, v) {
            const json_t *t = proto_doc_get(c->doc, json_string_value(v));
            json_t *nt = json_deep_copy(t);
            json_t *set = json_pack("{s:s}", "output", "master");
            json_object_set_new(nt, "output", json_string("master"));
            json_array_append_new(c->applied,
                                  json_pack("{s:s, s:O, s:O}", "op", "set",
                                            "id", v, "fields", set));
            step_set(c, nt, set);
            json_decref(set);
        }
        json_decref(ids);
        delete_all(c, find_ids(c->doc, "send", "track", id, NULL));
        delete_all(c, find_ids(c->doc, "send", "target", id, NULL));
        delete_all(c, find_ids(c->doc, "automation", "track", id, NULL));
        delete_all(c, find_ids(c->doc, "effect", "track", id, NULL));
        ids = find_ids(c->doc, "clip", "track", id, NULL);
        json_array_foreach(ids, i, v)
            delete_all(c, find_ids(c->doc, "note", "clip",
                                   json_string_value(v), NULL));
        delete_all(c, ids);
    } else if (strcmp(kind, "clip") == 0) {
        delete_all(c, find_ids(c->doc, "note", "clip", id, NULL));
    } else if (strcmp(kind, "effect") == 0) {
        char prefix[80];
        snprintf(prefix, sizeof prefix, "%s.", id);
        delete_all(c, find_ids(c->doc, "automation", "track",
                               proto_obj_str(obj, "track"), prefix));
    }
    step_delete(c, id);
}

/* ---- one op ---- */

static int op_create(push_ctx *c, const char *id, const json_t *op,
                     proto_err *err)
{
    const char *kind = json_string_value(json_object_get(op, "kind"));
    const json_t *fields = json_object_get(op, "fields");
    const json_t *existing = proto_doc_get(c->doc, id);
    json_t *obj;
    json_t *empty = NULL;
    int rc = -1;

    if (!kind)
        return proto_fail(err, PROTO_BAD_REQUEST,
                          "a create op needs a string kind");
    if (strcmp(kind, "project") == 0 || strcmp(id, "project") == 0)
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "the project object cannot be created; set its "
                          "fields instead");
    if (!proto_kind_known(kind))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "kind must be one of track, clip, effect, send, "
                          "marker, automation, note (got \"%s\")", kind);
    if (existing)
        return proto_fail(err, PROTO_CONFLICT,
                          "%s %s already exists; choose another id",
                          proto_obj_kind(existing), id);
    if (!fields)
        fields = empty = json_object();
    if (!json_is_object(fields)) {
        proto_fail(err, PROTO_BAD_REQUEST, "fields must be an object");
        goto out;
    }
    obj = proto_build_object(kind, id, NULL, fields, err);
    if (!obj)
        goto out;
    if (proto_check_object(c->doc, obj, NULL, err)) {
        json_decref(obj);
        goto out;
    }
    json_array_append_new(c->applied,
                          op_json2("create", id, "kind", json_string(kind),
                                   "fields", object_fields(obj)));
    step_create(c, obj);
    obj = (json_t *)proto_doc_get(c->doc, id);
    if (strcmp(kind, "track") == 0 &&
        strcmp(proto_obj_str(obj, "output"), "master") &&
        proto_check_routing(c->doc, id, "output", err))
        goto out;
    if (strcmp(kind, "send") == 0 &&
        proto_check_routing(c->doc, proto_obj_str(obj, "track"), "target", err))
        goto out;
    rc = 0;
out:
    json_decref(empty);
    return rc;
}

static int op_set(push_ctx *c, const char *id, const json_t *op, proto_err *err)
{
    const json_t *fields = json_object_get(op, "fields");
    const json_t *old = proto_doc_get(c->doc, id);
    const char *kind = proto_obj_kind(old);
    json_t *obj, *set, *v, *oldcopy;
    const char *key;
    int rc = -1;

    if (!old) {
        const char *gk = json_string_value(json_object_get(c->gone, id));
        return proto_fail(err, PROTO_NOT_FOUND, "%s %s does not exist",
                          gk ? gk : "object", id);
    }
    if (!json_is_object(fields))
        return proto_fail(err, PROTO_BAD_REQUEST,
                          "a set op needs a fields object");
    obj = proto_build_object(kind, id, old, fields, err);
    if (!obj)
        return -1;
    if (proto_check_object(c->doc, obj, fields, err)) {
        json_decref(obj);
        return -1;
    }
    set = json_object();
    json_object_foreach((json_t *)fields, key, v)
        json_object_set(set, key, json_object_get(obj, key));
    if (strcmp(kind, "effect") == 0 &&
        !json_equal(json_object_get(old, "type"), json_object_get(obj, "type")))
        json_object_set(set, "params", json_object_get(obj, "params"));
    if (strcmp(kind, "track") == 0 && json_object_get(obj, "instrument") &&
        !json_equal(json_object_get(old, "instrument"),
                    json_object_get(obj, "instrument")))
        json_object_set(set, "instrument", json_object_get(obj, "instrument"));
    /* objects in the document are never edited in place (document.c), so
     * a reference keeps the old version intact after step_set replaces it */
    oldcopy = json_incref((json_t *)old);
    if (strcmp(kind, "effect") == 0 &&
        (json_object_get(set, "type") || json_object_get(set, "track")))
        drop_effect_automation(c, oldcopy, obj);
    json_array_append_new(c->applied,
                          op_json("set", id, "fields", json_incref(set)));
    step_set(c, obj, set);
    obj = (json_t *)proto_doc_get(c->doc, id);
    if (strcmp(kind, "track") == 0 && json_object_get(set, "output") &&
        strcmp(proto_obj_str(obj, "output"), "master") &&
        proto_check_routing(c->doc, id, "output", err))
        goto out;
    if (strcmp(kind, "track") == 0 && json_object_get(set, "role") &&
        strcmp(proto_obj_str(oldcopy, "role"), proto_obj_str(obj, "role")) &&
        proto_check_role(c->doc, obj, err))
        goto out;
    if (strcmp(kind, "send") == 0 &&
        (json_object_get(set, "track") || json_object_get(set, "target")) &&
        proto_check_routing(c->doc, proto_obj_str(obj, "track"), "target", err))
        goto out;
    rc = 0;
out:
    json_decref(set);
    json_decref(oldcopy);
    return rc;
}

static int op_delete(push_ctx *c, const char *id, proto_err *err)
{
    if (strcmp(id, "project") == 0)
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "the project object cannot be deleted");
    if (!proto_doc_get(c->doc, id)) {
        /* Already removed by a cascade earlier in this push: nothing to do,
         * so a push's own `applied` ops can be applied again. */
        if (json_object_get(c->gone, id))
            return 0;
        return proto_fail(err, PROTO_NOT_FOUND, "object %s does not exist", id);
    }
    delete_cascade(c, id);
    return 0;
}

static int apply_op(push_ctx *c, const json_t *op, proto_err *err)
{
    const char *name, *id;
    char got[64];

    if (!json_is_object(op))
        return proto_fail(err, PROTO_BAD_REQUEST, "each op must be an object");
    name = json_string_value(json_object_get(op, "op"));
    id = json_string_value(json_object_get(op, "id"));
    if (!name || (strcmp(name, "create") && strcmp(name, "set") &&
                  strcmp(name, "delete"))) {
        proto_json_brief(json_object_get(op, "op"), got, sizeof got);
        return proto_fail(err, PROTO_BAD_REQUEST,
                          "op must be \"create\", \"set\" or \"delete\" (got %s)",
                          json_object_get(op, "op") ? got : "nothing");
    }
    if (!id)
        return proto_fail(err, PROTO_BAD_REQUEST, "a %s op needs a string id",
                          name);
    if (!proto_valid_id(id))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "id must be 1 to 64 characters of A-Z, a-z, 0-9, _ "
                          "and - (got \"%.80s\")", id);
    if (strcmp(name, "create") == 0)
        return op_create(c, id, op, err);
    if (strcmp(name, "set") == 0)
        return op_set(c, id, op, err);
    return op_delete(c, id, err);
}

static void rollback(push_ctx *c)
{
    for (size_t i = json_array_size(c->journal); i-- > 0;) {
        json_t *entry = json_array_get(c->journal, i);
        const char *id = json_string_value(json_array_get(entry, 0));
        json_t *old = json_array_get(entry, 1);
        if (json_is_null(old))
            proto_doc_remove(c->doc, id);
        else
            proto_doc_put_new(c->doc, json_incref(old));
    }
}

/* After the ops applied: does the document now break a limit it did not
 * break before? (A push that shrinks a document that is over a limit,
 * e.g. after the limit was lowered, is allowed.) */
static int check_doc_limits(const proto_doc *doc, const proto_limits *lim,
                            size_t objects_before, size_t bytes_before,
                            proto_err *err)
{
    size_t objects = proto_doc_count(doc), bytes = proto_doc_bytes(doc);

    if (lim->max_objects && objects > lim->max_objects &&
        objects > objects_before)
        return proto_fail(err, PROTO_TOO_LARGE,
                          "a document may hold at most %zu objects (setting "
                          "%s); this change would make it %zu",
                          lim->max_objects,
                          lim->objects_setting ? lim->objects_setting
                                               : "max_doc_objects",
                          objects);
    if (lim->max_bytes && bytes > lim->max_bytes && bytes > bytes_before)
        return proto_fail(err, PROTO_TOO_LARGE,
                          "a document may be at most %zu bytes as JSON "
                          "(setting %s); this change would make it %zu",
                          lim->max_bytes,
                          lim->bytes_setting ? lim->bytes_setting
                                             : "max_doc_bytes",
                          bytes);
    return 0;
}

int proto_apply_push(proto_doc *doc, const json_t *ops, json_t **applied,
                     json_t **inverse, proto_err *err)
{
    static const proto_limits lim = {.max_ops = MAX_OPS};

    return proto_apply_push_limited(doc, ops, &lim, applied, inverse, err);
}

int proto_apply_push_limited(proto_doc *doc, const json_t *ops,
                             const proto_limits *lim, json_t **applied,
                             json_t **inverse, proto_err *err)
{
    push_ctx c = {doc, json_array(), json_array(), json_array(), json_object()};
    size_t objects_before = proto_doc_count(doc);
    size_t bytes_before = proto_doc_bytes(doc);
    proto_err local;
    size_t i, n;
    int rc = -1;

    assert(lim);

    if (!err)
        err = &local;
    proto_err_clear(err);
    *applied = NULL;
    *inverse = NULL;
    if (!json_is_array(ops) || json_array_size(ops) == 0) {
        proto_fail(err, PROTO_BAD_REQUEST, "ops must be a non-empty array of "
                   "operations");
        goto out;
    }
    if (lim->max_ops && json_array_size(ops) > lim->max_ops) {
        proto_fail(err, PROTO_TOO_LARGE,
                   "a push may hold at most %zu ops (got %zu); split it",
                   lim->max_ops, json_array_size(ops));
        goto out;
    }
    for (i = 0; i < json_array_size(ops); i++) {
        if (apply_op(&c, json_array_get(ops, i), err)) {
            err->op_index = (int)i;
            rollback(&c);
            goto out;
        }
    }
    if (check_doc_limits(doc, lim, objects_before, bytes_before, err) != 0) {
        rollback(&c);
        assert(proto_doc_count(doc) == objects_before);
        assert(proto_doc_bytes(doc) == bytes_before);
        goto out;
    }
    n = json_array_size(c.steps);
    *inverse = json_array();
    for (i = n; i-- > 0;)
        json_array_append(*inverse, json_array_get(c.steps, i));
    *applied = json_incref(c.applied);
    rc = 0;
out:
    json_decref(c.journal);
    json_decref(c.applied);
    json_decref(c.steps);
    json_decref(c.gone);
    return rc;
}

int proto_validate_fields(const proto_doc *doc, const char *kind,
                          const char *id, const json_t *fields, bool creating,
                          proto_err *err)
{
    const json_t *base = NULL;
    json_t *obj;
    int rc;

    if (!proto_valid_id(id))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "id must be 1 to 64 characters of A-Z, a-z, 0-9, _ "
                          "and -");
    if (!creating) {
        base = proto_doc_get(doc, id);
        if (!base)
            return proto_fail(err, PROTO_NOT_FOUND, "%s %s does not exist",
                              kind, id);
        kind = proto_obj_kind(base);
    }
    obj = proto_build_object(kind, id, base, fields, err);
    if (!obj)
        return -1;
    rc = proto_check_object(doc, obj, creating ? NULL : fields, err);
    json_decref(obj);
    return rc;
}
