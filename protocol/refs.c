/* refs.c -- the checks that need the rest of the document: references
 * (existence, kind, bus/audio role, asset readiness and length), constraints
 * across fields, automation targets and values, bus routing cycles and role
 * changes. */
#include "protocol/fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool changed_any(const json_t *changed, const char *a, const char *b,
                        const char *c)
{
    if (!changed)
        return true;
    return (a && json_object_get(changed, a)) ||
           (b && json_object_get(changed, b)) ||
           (c && json_object_get(changed, c));
}

/* The object `field` of obj refers to, which must be of `kind`. */
static const json_t *check_ref(const proto_doc *doc, const json_t *obj,
                               const char *field, const char *kind,
                               proto_err *err)
{
    const char *id = proto_obj_str(obj, field);
    const json_t *o = proto_doc_get(doc, id);

    if (!o) {
        proto_fail(err, PROTO_NOT_FOUND, "%s %s does not exist (field '%s')",
                   kind, id, field);
        return NULL;
    }
    if (strcmp(proto_obj_kind(o), kind)) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "%s must name a %s, but %s is a %s", field, kind, id,
                   proto_obj_kind(o));
        return NULL;
    }
    return o;
}

static int check_bus(const json_t *t, const char *field, proto_err *err)
{
    if (strcmp(proto_obj_str(t, "role"), "bus"))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "%s must be a bus track (%s is an %s track)",
                          field, proto_obj_str(t, "id"),
                          proto_obj_str(t, "role"));
    return 0;
}

static int check_clip(const proto_doc *doc, const json_t *obj,
                      const json_t *changed, proto_err *err)
{
    const json_t *t;
    const json_t *asset_v = json_object_get(obj, "asset");
    const char *asset = proto_obj_str(obj, "asset");
    int64_t frames = 0;
    bool ready = false, known = false, instrument;
    json_int_t off = json_integer_value(json_object_get(obj, "offset"));
    json_int_t len = json_integer_value(json_object_get(obj, "length"));
    json_int_t fi = json_integer_value(json_object_get(obj, "fade_in"));
    json_int_t fo = json_integer_value(json_object_get(obj, "fade_out"));

    if (changed_any(changed, "track", NULL, NULL)) {
        if (!(t = check_ref(doc, obj, "track", "track", err)))
            return -1;
        if (strcmp(proto_obj_str(t, "role"), "bus") == 0)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "track must be an audio or instrument track (%s "
                              "is a bus); clips go on audio and instrument "
                              "tracks", proto_obj_str(t, "id"));
    } else {
        t = proto_doc_get(doc, proto_obj_str(obj, "track"));
    }
    instrument = strcmp(proto_obj_str(t, "role"), "instrument") == 0;
    if (instrument) {
        if (asset_v && !json_is_null(asset_v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "asset must be null on a clip of an instrument "
                              "track (%s holds notes, not audio)",
                              proto_obj_str(t, "id"));
    } else if (!json_is_string(asset_v)) {
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "asset: a clip on an audio track needs an asset "
                          "(%s is an audio track)", proto_obj_str(t, "id"));
    } else {
        known = proto_doc_get_asset(doc, asset, &frames, &ready);
        if (changed_any(changed, "asset", NULL, NULL)) {
            if (!known)
                return proto_fail(err, PROTO_NOT_FOUND,
                                  "asset %s does not exist (field 'asset')",
                                  asset);
            if (!ready)
                return proto_fail(err, PROTO_INVALID_VALUE,
                                  "asset %s is not ready yet; wait for its "
                                  "import to finish (field 'asset')", asset);
        }
    }
    if (known && changed_any(changed, "asset", "offset", "length") &&
        off + len > frames)
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "offset + length must be at most the asset's length "
                          "of %lld frames (got %lld)", (long long)frames,
                          (long long)(off + len));
    if (changed_any(changed, "fade_in", "fade_out", "length") && fi + fo > len)
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "fade_in + fade_out must be at most length (%lld "
                          "frames) (got %lld)", (long long)len,
                          (long long)(fi + fo));
    return 0;
}

static int check_note(const proto_doc *doc, const json_t *obj,
                      const json_t *changed, proto_err *err)
{
    const json_t *clip, *t;
    json_int_t at = json_integer_value(json_object_get(obj, "at"));
    json_int_t len = json_integer_value(json_object_get(obj, "len"));

    if (changed_any(changed, "clip", NULL, NULL)) {
        if (!(clip = check_ref(doc, obj, "clip", "clip", err)))
            return -1;
        t = proto_doc_get(doc, proto_obj_str(clip, "track"));
        if (strcmp(proto_obj_str(t, "role"), "instrument"))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "clip must be a clip on an instrument track "
                              "(clip %s is on %s track %s)",
                              proto_obj_str(clip, "id"),
                              proto_obj_str(t, "role"), proto_obj_str(t, "id"));
    }
    if (changed_any(changed, "at", "len", NULL) && at + len > PROTO_MAX_TICKS)
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "at + len must be at most %lld ticks (got %lld)",
                          (long long)PROTO_MAX_TICKS, (long long)(at + len));
    return 0;
}

/* The range of an automation target; false (with err) if the param is not
 * something automation can drive. */
static bool automation_range(const proto_doc *doc, const json_t *obj,
                             double *min, double *max, proto_err *err)
{
    const char *param = proto_obj_str(obj, "param");
    const char *dot = strchr(param, '.');
    char effect_id[80];
    const json_t *e;

    if (strcmp(param, "gain") == 0) {
        *min = -96;
        *max = 12;
        return true;
    }
    if (strcmp(param, "pan") == 0) {
        *min = -1;
        *max = 1;
        return true;
    }
    if (!dot || dot == param || (size_t)(dot - param) >= sizeof effect_id) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "param must be \"gain\", \"pan\" or \"<effect id>.<param>\" "
                   "(got \"%s\")", param);
        return false;
    }
    memcpy(effect_id, param, (size_t)(dot - param));
    effect_id[dot - param] = '\0';
    e = proto_doc_get_kind(doc, effect_id, "effect");
    if (!e) {
        proto_fail(err, PROTO_NOT_FOUND,
                   "effect %s does not exist (field 'param')", effect_id);
        return false;
    }
    if (strcmp(proto_obj_str(e, "track"), proto_obj_str(obj, "track"))) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "param must name an effect on the same track (%s is on %s)",
                   effect_id, proto_obj_str(e, "track"));
        return false;
    }
    if (!proto_effect_param_range(proto_obj_str(e, "type"), dot + 1, min, max,
                                  NULL)) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "param: a %s effect has no automatable param '%s'",
                   proto_obj_str(e, "type"), dot + 1);
        return false;
    }
    return true;
}

static int check_automation(const proto_doc *doc, const json_t *obj,
                            const json_t *changed, proto_err *err)
{
    double min, max;
    size_t i;
    json_t *pt;

    if (changed_any(changed, "track", NULL, NULL) &&
        !check_ref(doc, obj, "track", "track", err))
        return -1;
    if (!changed_any(changed, "track", "param", "points"))
        return 0;
    if (!automation_range(doc, obj, &min, &max, err))
        return -1;
    json_array_foreach(json_object_get(obj, "points"), i, pt) {
        double v = json_number_value(json_array_get(pt, 1));
        if (!(v >= min && v <= max))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "points[%zu] value must be from %g to %g for %s "
                              "(got %g)", i, min, max,
                              proto_obj_str(obj, "param"), v);
    }
    return 0;
}

int proto_check_object(const proto_doc *doc, const json_t *obj,
                       const json_t *changed, proto_err *err)
{
    const char *kind = proto_obj_kind(obj);
    const json_t *t;

    if (strcmp(kind, "clip") == 0)
        return check_clip(doc, obj, changed, err);
    if (strcmp(kind, "automation") == 0)
        return check_automation(doc, obj, changed, err);
    if (strcmp(kind, "note") == 0)
        return check_note(doc, obj, changed, err);
    if ((strcmp(kind, "effect") == 0 || strcmp(kind, "send") == 0) &&
        changed_any(changed, "track", NULL, NULL) &&
        !check_ref(doc, obj, "track", "track", err))
        return -1;
    if (strcmp(kind, "send") == 0 && changed_any(changed, "track", "target", NULL)) {
        if (!(t = check_ref(doc, obj, "target", "track", err)) ||
            check_bus(t, "target", err))
            return -1;
        if (strcmp(proto_obj_str(obj, "track"), proto_obj_str(obj, "target")) == 0)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "target must be another track than the send's "
                              "own track (%s)", proto_obj_str(obj, "track"));
    }
    if (strcmp(kind, "track") == 0 && changed_any(changed, "output", NULL, NULL) &&
        strcmp(proto_obj_str(obj, "output"), "master")) {
        if (strcmp(proto_obj_str(obj, "output"), proto_obj_str(obj, "id")) == 0)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "output must be \"master\" or another bus track, "
                              "not the track itself");
        if (!(t = check_ref(doc, obj, "output", "track", err)) ||
            check_bus(t, "output", err))
            return -1;
    }
    return 0;
}

/* ---- routing ---- */

/* The routing graph is read from the document's indexes as the search
 * goes (a track's edges: its output when not master, and the target of
 * each send on it), so a check costs the tracks it reaches, not the whole
 * document. */

static int collect_send_target(const json_t *o, void *ctx)
{
    if (strcmp(proto_obj_kind(o), "send") == 0)
        json_array_append_new(ctx, json_string(proto_obj_str(o, "target")));
    return 0;
}

/* The track ids node feeds (new array). */
static json_t *route_edges(const proto_doc *doc, const char *node)
{
    json_t *out = json_array();
    const json_t *t = proto_doc_get_kind(doc, node, "track");

    if (t && strcmp(proto_obj_str(t, "output"), "master"))
        json_array_append_new(out, json_string(proto_obj_str(t, "output")));
    proto_doc_each_ref(doc, "track", node, collect_send_target, out);
    return out;
}

/* Depth-first search from node for target; on success path holds the
 * nodes after the start, in order. */
static bool find_path(const proto_doc *doc, json_t *seen, const char *node,
                      const char *target, json_t *path)
{
    json_t *edges = route_edges(doc, node), *next;
    bool found = false;
    size_t i;

    json_array_foreach(edges, i, next) {
        const char *n = json_string_value(next);
        if (strcmp(n, target) == 0) {
            json_array_append(path, next);
            found = true;
            break;
        }
        if (json_object_get(seen, n))
            continue;
        json_object_set_new(seen, n, json_true());
        json_array_append(path, next);
        if (find_path(doc, seen, n, target, path)) {
            found = true;
            break;
        }
        json_array_remove(path, json_array_size(path) - 1);
    }
    json_decref(edges);
    return found;
}

static const char *track_label(const proto_doc *doc, const char *id)
{
    const json_t *t = proto_doc_get(doc, id);
    const char *name = proto_obj_str(t, "name");

    return *name ? name : id;
}

int proto_check_routing(const proto_doc *doc, const char *track_id,
                        const char *field, proto_err *err)
{
    json_t *seen = json_object(), *path = json_array();
    int rc = 0;

    if (find_path(doc, seen, track_id, track_id, path)) {
        char text[400];
        size_t used, i;
        json_t *n;
        used = (size_t)snprintf(text, sizeof text, "%s",
                                track_label(doc, track_id));
        json_array_foreach(path, i, n) {
            if (used < sizeof text)
                used += (size_t)snprintf(text + used, sizeof text - used,
                                         " -> %s",
                                         track_label(doc, json_string_value(n)));
        }
        rc = proto_fail(err, PROTO_INVALID_VALUE,
                        "%s would create a routing cycle: %s", field, text);
    }
    json_decref(seen);
    json_decref(path);
    return rc;
}

typedef struct {
    const char *track;
    const char *role;
    const char *kind;  /* the kind that counts for this walk */
    const json_t *found;
} role_ctx;

static int find_user(const json_t *o, void *ctx)
{
    role_ctx *c = ctx;

    if (strcmp(proto_obj_kind(o), c->kind) == 0)
        c->found = o;
    return c->found != NULL;
}

/* Some object that stops track from taking its new role: for a role other
 * than bus, a track whose output or a send whose target is this track; for
 * any role, a clip on it. From the indexes (as a full scan would find, but
 * which one of several is unspecified either way). */
int proto_check_role(const proto_doc *doc, const json_t *track, proto_err *err)
{
    role_ctx c = {proto_obj_str(track, "id"), proto_obj_str(track, "role"),
                  NULL, NULL};

    if (strcmp(c.role, "bus")) {
        c.kind = "track";
        proto_doc_each_ref(doc, "output", c.track, find_user, &c);
        c.kind = "send";
        if (!c.found)
            proto_doc_each_ref(doc, "target", c.track, find_user, &c);
    }
    c.kind = "clip";
    if (!c.found)
        proto_doc_each_ref(doc, "track", c.track, find_user, &c);
    if (!c.found)
        return 0;
    if (strcmp(proto_obj_kind(c.found), "clip"))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "role cannot become %s while %s %s routes to this "
                          "bus; change its %s first", c.role,
                          proto_obj_kind(c.found),
                          proto_obj_str(c.found, "id"),
                          strcmp(proto_obj_kind(c.found), "send") ? "output"
                                                                  : "target");
    return proto_fail(err, PROTO_INVALID_VALUE,
                      "role cannot become %s while the track holds clips "
                      "(clip %s); move or delete its clips first", c.role,
                      proto_obj_str(c.found, "id"));
}
