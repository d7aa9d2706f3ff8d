/* undo.c -- ops computed against the current document: the ops that undo
 * an earlier push without clobbering later edits by others (undo/redo), and
 * the ops that turn one document into another (restore). Both simulate
 * every op they emit on a scratch copy, so what they return always applies. */
#include "protocol/ops.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"

/* Applies one op to scratch; on success appends it to out and (if undo
 * is not NULL) its inverse (one array) to undo. */
static bool try_op_undo(proto_doc *scratch, json_t *out, json_t *op,
                        json_t *undo)
{
    json_t *ops = json_pack("[O]", op), *applied = NULL, *inverse = NULL;
    proto_err err;
    bool ok = proto_apply_push(scratch, ops, &applied, &inverse, &err) == 0;

    if (ok) {
        json_array_append(out, op);
        if (undo)
            json_array_append(undo, inverse);
    }
    json_decref(ops);
    json_decref(applied);
    json_decref(inverse);
    return ok;
}

static bool try_op(proto_doc *scratch, json_t *out, json_t *op)
{
    return try_op_undo(scratch, out, op, NULL);
}

/* id -> the object's fields right after the push (null if it was deleted),
 * built from the applied ops. */
static json_t *after_state(const json_t *applied)
{
    json_t *after = json_object(), *op, *v;
    size_t i;
    const char *key;

    json_array_foreach(applied, i, op) {
        const char *name = json_string_value(json_object_get(op, "op"));
        const char *id = json_string_value(json_object_get(op, "id"));
        json_t *fields = json_object_get(op, "fields");
        if (!name || !id)
            continue;
        if (strcmp(name, "create") == 0) {
            json_object_set_new(after, id, json_deep_copy(fields));
        } else if (strcmp(name, "delete") == 0) {
            json_object_set_new(after, id, json_null());
        } else {
            json_t *cur = json_object_get(after, id);
            if (!json_is_object(cur)) {
                cur = json_object();
                json_object_set_new(after, id, cur);
            }
            json_object_foreach(fields, key, v)
                json_object_set(cur, key, v);
        }
    }
    return after;
}

/* The fields of an inverse set that are still worth restoring: those whose
 * current value is what the push left there. */
static json_t *restorable(const json_t *cur, const json_t *expect,
                          const json_t *old)
{
    json_t *out = json_object(), *v;
    const char *key;

    json_object_foreach((json_t *)old, key, v) {
        json_t *ev = json_object_get(expect, key);
        if (ev && json_equal(ev, json_object_get(cur, key)))
            json_object_set(out, key, v);
    }
    if (strcmp(proto_obj_kind(cur), "effect") || !json_object_get(old, "params"))
        return out;
    if (json_object_get(old, "type")) {
        /* A type change reset params: restore all of them with the type. */
        if (json_object_get(out, "type"))
            json_object_set(out, "params", json_object_get(old, "params"));
        else
            json_object_del(out, "params");
    } else {
        /* Per param: only those this push changed and nobody changed since. */
        json_t *oldp = json_object_get(old, "params"), *ep, *cp, *keep;
        ep = json_object_get(expect, "params");
        cp = json_object_get(cur, "params");
        keep = json_object();
        json_object_foreach(oldp, key, v) {
            json_t *e = json_object_get(ep, key);
            if (e && !json_equal(e, v) && json_equal(e, json_object_get(cp, key)))
                json_object_set(keep, key, v);
        }
        if (json_object_size(keep))
            json_object_set(out, "params", keep);
        else
            json_object_del(out, "params");
        json_decref(keep);
    }
    return out;
}

/* The candidate ops are tried on the document itself and taken back at the
 * end (cheaper than copying a large document), so doc is unchanged when
 * this returns, though pointers from proto_doc_get are not kept. */
json_t *proto_undo_ops(const proto_doc *doc, const json_t *applied,
                       const json_t *inverse)
{
    proto_doc *scratch = (proto_doc *)doc;
    json_t *out = json_array(), *expect = after_state(applied), *inv;
    json_t *revert = json_array(), *a = NULL, *r = NULL;
    size_t i;

    json_array_foreach(inverse, i, inv) {
        const char *name = json_string_value(json_object_get(inv, "op"));
        const char *id = json_string_value(json_object_get(inv, "id"));
        const json_t *cur = proto_doc_get(scratch, id);
        json_t *cand = NULL, *fields;

        if (!name || !id)
            continue;
        if (strcmp(name, "delete") == 0 && cur) {
            cand = json_pack("{s:s, s:s}", "op", "delete", "id", id);
            if (try_op_undo(scratch, out, cand, revert))
                json_object_set_new(expect, id, json_null());
        } else if (strcmp(name, "create") == 0 && !cur) {
            cand = json_deep_copy(inv);
            /* a copy: a later set of id in the inverse updates expect's
             * entry in place, which must not edit the stored inverse */
            if (try_op_undo(scratch, out, cand, revert))
                json_object_set_new(expect, id,
                                    json_deep_copy(json_object_get(inv, "fields")));
        } else if (strcmp(name, "set") == 0 && cur &&
                   json_is_object(json_object_get(expect, id))) {
            fields = restorable(cur, json_object_get(expect, id),
                                json_object_get(inv, "fields"));
            if (json_object_size(fields)) {
                cand = json_pack("{s:s, s:s, s:O}", "op", "set", "id", id,
                                 "fields", fields);
                if (try_op_undo(scratch, out, cand, revert)) {
                    const json_t *now = proto_doc_get(scratch, id);
                    json_t *e = json_object_get(expect, id), *v;
                    const char *key;
                    json_object_foreach(fields, key, v)
                        json_object_set(e, key, json_object_get(now, key));
                }
            }
            json_decref(fields);
        }
        json_decref(cand);
    }
    /* Take the candidates back, newest first. */
    for (i = json_array_size(revert); i-- > 0;) {
        int rc = proto_apply_push(scratch, json_array_get(revert, i), &a, &r,
                                  NULL);
        assert(rc == 0);
        (void)rc;
        json_decref(a);
        json_decref(r);
    }
    json_decref(revert);
    json_decref(expect);
    return out;
}

/* ---- diff ---- */

/* True if an existing object must be deleted and created again rather than
 * changed in place to reach target. */
static bool must_recreate(const json_t *cur, const json_t *target)
{
    const char *kind = proto_obj_kind(cur);

    if (strcmp(kind, proto_obj_kind(target)))
        return true;
    if (strcmp(kind, "send") == 0)
        return !json_equal(json_object_get(cur, "track"), json_object_get(target, "track")) ||
               !json_equal(json_object_get(cur, "target"), json_object_get(target, "target"));
    if (strcmp(kind, "automation") == 0)
        return !json_equal(json_object_get(cur, "track"), json_object_get(target, "track")) ||
               !json_equal(json_object_get(cur, "param"), json_object_get(target, "param"));
    return false;
}

/* The fields of target that differ from cur (new object; empty if none). */
static json_t *changed_fields(const json_t *cur, const json_t *target)
{
    json_t *out = json_object(), *v;
    const char *key;

    json_object_foreach((json_t *)target, key, v) {
        if (!strcmp(key, "id") || !strcmp(key, "kind") ||
            !strcmp(key, "sample_rate"))
            continue;
        if (!json_equal(v, json_object_get(cur, key)))
            json_object_set(out, key, v);
    }
    if (json_object_get(out, "type"))
        json_object_set(out, "params", json_object_get(target, "params"));
    return out;
}

/* The ops that turn doc into target. The scratch document shares doc's
 * objects (proto_doc_clone_shared) and the checks of each op read the
 * document's indexes, so the cost follows the objects that differ, plus
 * one comparison per object. */
json_t *proto_diff_ops(const proto_doc *doc, const proto_doc *target)
{
    proto_doc *scratch = proto_doc_clone_shared(doc);
    json_t *out = json_array(), *mine = proto_doc_objects_shared(doc);
    json_t *theirs = proto_doc_objects_shared(target), *o, *op;
    size_t i, n;
    int pass;

    /* 1. Delete what target lacks (dependents first). */
    for (n = json_array_size(mine); n-- > 0;) {
        const char *id = proto_obj_str(json_array_get(mine, n), "id");
        const json_t *t = proto_doc_get(target, id), *cur = proto_doc_get(scratch, id);
        if (cur && strcmp(id, "project") && (!t || must_recreate(cur, t))) {
            op = json_pack("{s:s, s:s}", "op", "delete", "id", id);
            try_op(scratch, out, op);
            json_decref(op);
        }
    }
    /* 2. Route every track whose output changes to master first, so no
     * intermediate state can hold a cycle. */
    json_array_foreach(mine, i, o) {
        const char *id = proto_obj_str(o, "id");
        const json_t *cur = proto_doc_get(scratch, id);
        const json_t *t = proto_doc_get(target, id);
        if (cur && t && !strcmp(proto_obj_kind(cur), "track") &&
            strcmp(proto_obj_str(cur, "output"), "master") &&
            strcmp(proto_obj_str(cur, "output"), proto_obj_str(t, "output"))) {
            op = json_pack("{s:s, s:s, s:{s:s}}", "op", "set", "id", id,
                           "fields", "output", "master");
            try_op(scratch, out, op);
            json_decref(op);
        }
    }
    /* 3. Create and change, retrying what depends on later steps. */
    for (pass = 0; pass < 16; pass++) {
        int pending = 0, progress = 0;
        json_array_foreach(theirs, i, o) {
            const char *id = proto_obj_str(o, "id");
            const json_t *cur = proto_doc_get(scratch, id);
            json_t *fields;
            if (!cur) {
                if (!strcmp(id, "project"))
                    continue;
                fields = json_deep_copy(o);
                json_object_del(fields, "id");
                json_object_del(fields, "kind");
                if (!strcmp(proto_obj_kind(o), "track"))
                    json_object_set_new(fields, "output", json_string("master"));
                op = json_pack("{s:s, s:s, s:s, s:o}", "op", "create", "id", id,
                               "kind", proto_obj_kind(o), "fields", fields);
            } else {
                fields = changed_fields(cur, o);
                if (!json_object_size(fields)) {
                    json_decref(fields);
                    continue;
                }
                op = json_pack("{s:s, s:s, s:o}", "op", "set", "id", id,
                               "fields", fields);
            }
            pending++;
            if (try_op(scratch, out, op)) {
                progress++;
            } else if (pass > 0 && !strcmp(json_string_value(json_object_get(op, "op")), "set")) {
                /* Stuck on a combination: try the fields one at a time. */
                const char *key;
                json_t *v;
                json_object_foreach(json_object_get(op, "fields"), key, v) {
                    json_t *one;
                    if (!strcmp(key, "params") && json_object_get(json_object_get(op, "fields"), "type"))
                        continue;
                    one = json_pack("{s:s, s:s, s:{s:O}}", "op", "set", "id", id,
                                    "fields", key, v);
                    if (!strcmp(key, "type"))
                        json_object_set(json_object_get(one, "fields"), "params",
                                        json_object_get(o, "params"));
                    progress += try_op(scratch, out, one);
                    json_decref(one);
                }
            }
            json_decref(op);
        }
        if (!pending || !progress)
            break;
    }
    json_decref(mine);
    json_decref(theirs);
    proto_doc_free(scratch);
    return out;
}
