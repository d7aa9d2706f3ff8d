/* fields.c -- one validation table per object kind (field name, type,
 * range, referenced kind, default) and the one checker that walks them:
 * names, types and ranges here; references and constraints that need the
 * rest of the document in proto_check_object. */
#include "protocol/fields.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "protocol/instruments.h"
#include "protocol/order.h"

typedef enum {
    F_TEXT,     /* string of min..max code points */
    F_ORDER,    /* fractional index key */
    F_COLOR,    /* "#rrggbb" */
    F_GAIN,     /* dB number from PROTO_GAIN_FLOOR_DB to max, or null for -inf */
    F_NUMBER,   /* number min..max */
    F_FRAMES,   /* JSON integer min..PROTO_MAX_FRAMES */
    F_BOOL,
    F_REF,      /* id of an object of kind ref */
    F_ASSET,    /* id of a registered asset */
    F_OUTPUT,   /* "master" or a bus track id */
    F_CHOICE,   /* one of choices */
    F_PARAMS,   /* effect params, per type */
    F_METER,    /* [1..32, 1|2|4|8|16] */
    F_RATE,     /* 44100 | 48000 */
    F_AUTOPARAM,/* "gain", "pan" or "<effect id>.<param>" */
    F_POINTS,   /* [[frame, value], ...] */
    F_INT,      /* JSON integer min..max */
    F_TICKS,    /* JSON integer min..PROTO_MAX_TICKS */
    F_INSTRUMENT/* null or an instrument object (checked by the caller) */
} field_type;

typedef struct {
    const char *name;
    field_type type;
    double min, max;
    const char *const *choices;
    const char *ref;      /* referenced kind for F_REF */
    const char *def;      /* default as JSON text; NULL = required on create */
} field_spec;

typedef struct {
    const char *kind;
    const field_spec *fields;
} kind_spec;

static const char *const roles[] = {"audio", "bus", "instrument", NULL};
/* Fade curve shapes (engine/fades.c). The default is the equal-power curve
 * every fade had before shapes existed, so old documents render the same. */
static const char *const fade_shapes[] = {"linear", "equal_power", "exp",
                                          "scurve", NULL};
static const char *const effect_types[] = {"eq", "compressor", "delay",
                                           "reverb", "limiter", NULL};

static const field_spec project_fields[] = {
    {"name", F_TEXT, 1, 200, NULL, NULL, "\"Untitled\""},
    {"tempo", F_NUMBER, 20, 999, NULL, NULL, "120.0"},
    {"meter", F_METER, 0, 0, NULL, NULL, "[4,4]"},
    {"sample_rate", F_RATE, 0, 0, NULL, NULL, "48000"},
    {"master_gain", F_GAIN, 0, 12, NULL, NULL, "0.0"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec track_fields[] = {
    {"name", F_TEXT, 0, 200, NULL, NULL, "\"Track\""},
    {"order", F_ORDER, 0, 0, NULL, NULL, "\"V\""},
    {"color", F_COLOR, 0, 0, NULL, NULL, "\"#808080\""},
    {"gain", F_GAIN, 0, 12, NULL, NULL, "0.0"},
    {"pan", F_NUMBER, -1, 1, NULL, NULL, "0.0"},
    {"mute", F_BOOL, 0, 0, NULL, NULL, "false"},
    {"solo", F_BOOL, 0, 0, NULL, NULL, "false"},
    {"output", F_OUTPUT, 0, 0, NULL, "track", "\"master\""},
    {"role", F_CHOICE, 0, 0, roles, NULL, "\"audio\""},
    {"instrument", F_INSTRUMENT, 0, 0, NULL, NULL, "null"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec clip_fields[] = {
    {"track", F_REF, 0, 0, NULL, "track", NULL},
    {"asset", F_ASSET, 0, 0, NULL, NULL, "null"},
    {"start", F_FRAMES, 0, 0, NULL, NULL, NULL},
    {"offset", F_FRAMES, 0, 0, NULL, NULL, "0"},
    {"length", F_FRAMES, 1, 0, NULL, NULL, NULL},
    {"gain", F_GAIN, 0, 24, NULL, NULL, "0.0"},
    {"fade_in", F_FRAMES, 0, 0, NULL, NULL, "0"},
    {"fade_out", F_FRAMES, 0, 0, NULL, NULL, "0"},
    {"mute", F_BOOL, 0, 0, NULL, NULL, "false"},
    {"name", F_TEXT, 0, 200, NULL, NULL, "\"\""},
    {"fade_in_shape", F_CHOICE, 0, 0, fade_shapes, NULL, "\"equal_power\""},
    {"fade_out_shape", F_CHOICE, 0, 0, fade_shapes, NULL, "\"equal_power\""},
    /* recording: take alternatives share a non-empty take_group */
    {"take_group", F_TEXT, 0, 64, NULL, NULL, "\"\""},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec effect_fields[] = {
    {"track", F_REF, 0, 0, NULL, "track", NULL},
    {"type", F_CHOICE, 0, 0, effect_types, NULL, NULL},
    {"order", F_ORDER, 0, 0, NULL, NULL, "\"V\""},
    {"bypass", F_BOOL, 0, 0, NULL, NULL, "false"},
    {"params", F_PARAMS, 0, 0, NULL, NULL, "{}"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec send_fields[] = {
    {"track", F_REF, 0, 0, NULL, "track", NULL},
    {"target", F_REF, 0, 0, NULL, "track", NULL},
    {"level", F_GAIN, 0, 12, NULL, NULL, "0.0"},
    {"pre", F_BOOL, 0, 0, NULL, NULL, "false"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec marker_fields[] = {
    {"at", F_FRAMES, 0, 0, NULL, NULL, NULL},
    {"name", F_TEXT, 0, 200, NULL, NULL, "\"\""},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec automation_fields[] = {
    {"track", F_REF, 0, 0, NULL, "track", NULL},
    {"param", F_AUTOPARAM, 0, 0, NULL, NULL, NULL},
    {"points", F_POINTS, 0, 0, NULL, NULL, "[]"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const field_spec note_fields[] = {
    {"clip", F_REF, 0, 0, NULL, "clip", NULL},
    {"at", F_TICKS, 0, 0, NULL, NULL, NULL},
    {"len", F_TICKS, 1, 0, NULL, NULL, NULL},
    {"pitch", F_INT, 0, 127, NULL, NULL, NULL},
    {"vel", F_INT, 1, 127, NULL, NULL, "100"},
    {NULL, 0, 0, 0, NULL, NULL, NULL}};

static const kind_spec kinds[] = {
    {"project", project_fields},   {"track", track_fields},
    {"clip", clip_fields},         {"effect", effect_fields},
    {"send", send_fields},         {"marker", marker_fields},
    {"automation", automation_fields}, {"note", note_fields}};
#define KIND_COUNT ((int)(sizeof kinds / sizeof kinds[0]))

int proto_kind_rank(const char *kind)
{
    for (int i = 0; kind && i < KIND_COUNT; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return i;
    return KIND_COUNT;
}

bool proto_kind_known(const char *kind)
{
    return proto_kind_rank(kind) < KIND_COUNT;
}

static const field_spec *find_field(const char *kind, const char *name)
{
    int k = proto_kind_rank(kind);

    if (k >= KIND_COUNT)
        return NULL;
    for (const field_spec *f = kinds[k].fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

bool proto_field_known(const char *kind, const char *name)
{
    return find_field(kind, name) != NULL;
}

size_t proto_utf8_length(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1
                  : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0)
            return (size_t)-1;
        p++;
        for (int i = 0; i < extra; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return (size_t)-1;
        n++;
    }
    return n;
}

void proto_json_brief(const json_t *v, char *buf, size_t size)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

    if (!s) {
        snprintf(buf, size, "?");
        return;
    }
    if (strlen(s) > 40)
        snprintf(buf, size, "%.37s...", s);
    else
        snprintf(buf, size, "%s", s);
    free(s);
}

const char *proto_obj_kind(const json_t *obj)
{
    return proto_obj_str(obj, "kind");
}

const char *proto_obj_str(const json_t *obj, const char *field)
{
    const char *s = json_string_value(json_object_get(obj, field));

    return s ? s : "";
}

static bool valid_color(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Checks one point list's shape (values are range-checked later against
 * the param). */
static int check_points(const json_t *v, proto_err *err)
{
    size_t i;
    json_t *pt;
    json_int_t prev = -1;
    char got[64];

    if (!json_is_array(v))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "points must be an array of [frame, value] pairs");
    if (json_array_size(v) > PROTO_MAX_POINTS)
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "points may hold at most %d points (got %zu)",
                          PROTO_MAX_POINTS, json_array_size(v));
    json_array_foreach(v, i, pt) {
        json_t *fr = json_array_get(pt, 0), *val = json_array_get(pt, 1);
        if (!json_is_array(pt) || json_array_size(pt) != 2 ||
            !json_is_integer(fr) || !json_is_number(val)) {
            proto_json_brief(pt, got, sizeof got);
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "points[%zu] must be [frame, value] with a whole "
                              "frame number and a number value (got %s)", i, got);
        }
        if (json_integer_value(fr) < 0 ||
            json_integer_value(fr) > PROTO_MAX_FRAMES)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "points[%zu] frame must be from 0 to %lld (got %lld)",
                              i, (long long)PROTO_MAX_FRAMES,
                              (long long)json_integer_value(fr));
        if (json_integer_value(fr) <= prev)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "points must be sorted by frame with no two at "
                              "the same frame (points[%zu] is at %lld)", i,
                              (long long)json_integer_value(fr));
        prev = json_integer_value(fr);
    }
    return 0;
}

/* proto_json_brief into buf, returning buf: the value quoted in an error,
 * formatted only when the error is made (GOT in check_value). */
static const char *brief(const json_t *v, char *buf, size_t size)
{
    proto_json_brief(v, buf, size);
    return buf;
}
#define GOT brief(v, got, sizeof got)

/* Checks one value against its spec; on success *out is the normalized
 * value (new reference). */
static int check_value(const char *kind, const field_spec *f, const json_t *v,
                       json_t **out, proto_err *err)
{
    char got[64];
    size_t len;

    *out = NULL;
    switch (f->type) {
    case F_TEXT:
        len = json_is_string(v) ? proto_utf8_length(json_string_value(v))
                                : (size_t)-1;
        if (len == (size_t)-1 || len < (size_t)f->min || len > (size_t)f->max)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a string of %d to %d characters (got %s)",
                              f->name, (int)f->min, (int)f->max, GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_ORDER:
        if (!json_is_string(v) || !proto_order_valid(json_string_value(v)))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be an order key: 1 to 64 characters of "
                              "0-9, A-Z, a-z, not ending in 0 (got %s)",
                              f->name, GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_COLOR:
        if (!json_is_string(v) || !valid_color(json_string_value(v)))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a color \"#rrggbb\" (got %s)",
                              f->name, GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_GAIN:
        if (json_is_null(v)) {
            *out = json_null();
            return 0;
        }
        if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
            json_number_value(v) > f->max ||
            json_number_value(v) < PROTO_GAIN_FLOOR_DB)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a number of dB from %g to +%g, or "
                              "null for -inf (got %s)", f->name,
                              PROTO_GAIN_FLOOR_DB, f->max, GOT);
        *out = json_real(json_number_value(v));
        return 0;
    case F_NUMBER:
        if (!json_is_number(v) || !(json_number_value(v) >= f->min) ||
            !(json_number_value(v) <= f->max))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a number from %g to %g (got %s)",
                              f->name, f->min, f->max, GOT);
        *out = json_real(json_number_value(v));
        return 0;
    case F_FRAMES:
        if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)f->min ||
            json_integer_value(v) > PROTO_MAX_FRAMES)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a whole number of frames from %d to "
                              "%lld (got %s)", f->name, (int)f->min,
                              (long long)PROTO_MAX_FRAMES, GOT);
        *out = json_integer(json_integer_value(v));
        return 0;
    case F_BOOL:
        if (!json_is_boolean(v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be true or false (got %s)", f->name, GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_INT:
        if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)f->min ||
            json_integer_value(v) > (json_int_t)f->max)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a whole number from %d to %d (got %s)",
                              f->name, (int)f->min, (int)f->max, GOT);
        *out = json_integer(json_integer_value(v));
        return 0;
    case F_TICKS:
        if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)f->min ||
            json_integer_value(v) > PROTO_MAX_TICKS)
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a whole number of ticks (960 per "
                              "quarter note) from %d to %lld (got %s)", f->name,
                              (int)f->min, (long long)PROTO_MAX_TICKS, GOT);
        *out = json_integer(json_integer_value(v));
        return 0;
    case F_INSTRUMENT:
        if (!json_is_null(v) && !json_is_object(v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "instrument must be an object with a type (synth, "
                              "drums or gm) or null (got %s)", GOT);
        *out = json_deep_copy(v); /* checked against the role by the caller */
        return 0;
    case F_ASSET:
        if (json_is_null(v)) {
            *out = json_null();
            return 0;
        }
        if (!json_is_string(v) || !*json_string_value(v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "asset must be an asset id string, or null on an "
                              "instrument track's clip (got %s)", GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_REF:
    case F_AUTOPARAM:
        if (!json_is_string(v) || !*json_string_value(v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be a %s id string (got %s)", f->name,
                              f->type == F_REF ? f->ref : "param", GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_OUTPUT:
        if (!json_is_string(v) || !*json_string_value(v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be \"master\" or the id of a bus track "
                              "(got %s)", f->name, GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_CHOICE:
        for (int i = 0; json_is_string(v) && f->choices[i]; i++)
            if (strcmp(f->choices[i], json_string_value(v)) == 0) {
                *out = json_deep_copy(v);
                return 0;
            }
        {
            char list[128] = "";
            for (int i = 0; f->choices[i]; i++) {
                strcat(list, i ? ", " : "");
                strcat(list, f->choices[i]);
            }
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "%s must be one of %s (got %s)", f->name, list, GOT);
        }
    case F_PARAMS:
        if (!json_is_object(v))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "params must be an object (got %s)", GOT);
        *out = json_deep_copy(v); /* checked per type by the caller */
        return 0;
    case F_METER: {
        json_t *n = json_array_get(v, 0), *d = json_array_get(v, 1);
        json_int_t dv = json_integer_value(d);
        if (!json_is_array(v) || json_array_size(v) != 2 ||
            !json_is_integer(n) || !json_is_integer(d) ||
            json_integer_value(n) < 1 || json_integer_value(n) > 32 ||
            !(dv == 1 || dv == 2 || dv == 4 || dv == 8 || dv == 16))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "meter must be [beats, unit] with beats 1 to 32 "
                              "and unit 1, 2, 4, 8 or 16 (got %s)", GOT);
        *out = json_pack("[I,I]", json_integer_value(n), dv);
        return 0;
    }
    case F_RATE:
        if (!json_is_integer(v) || (json_integer_value(v) != 44100 &&
                                    json_integer_value(v) != 48000))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "sample_rate must be 44100 or 48000 (got %s)", GOT);
        *out = json_deep_copy(v);
        return 0;
    case F_POINTS:
        if (check_points(v, err))
            return -1;
        *out = json_deep_copy(v);
        return 0;
    }
    (void)kind;
    return proto_fail(err, PROTO_INTERNAL, "unknown field type");
}
#undef GOT

/* A track's `instrument` after a create or set (obj has the final role and
 * the current instrument; given is the instrument field given, or NULL):
 * null unless the role is instrument; an instrument track always has an
 * object (a synth "keys" when none was given). */
static int build_instrument(json_t *obj, const json_t *given, proto_err *err)
{
    const json_t *cur = json_object_get(obj, "instrument");
    json_t *norm, *empty = NULL;

    if (given && check_value("track", find_field("track", "instrument"), given,
                             &norm, err))
        return -1;
    if (given)
        json_decref(norm);
    if (strcmp(proto_obj_str(obj, "role"), "instrument")) {
        if (given && !json_is_null(given))
            return proto_fail(err, PROTO_INVALID_VALUE,
                              "instrument must be null unless role is "
                              "\"instrument\" (this track's role is %s)",
                              proto_obj_str(obj, "role"));
        if (!cur && !given)
            return 0; /* a track stored before instruments existed */
        json_object_set_new(obj, "instrument", json_null());
        return 0;
    }
    if (given && json_is_null(given))
        return proto_fail(err, PROTO_INVALID_VALUE,
                          "instrument cannot be null on an instrument track; "
                          "give an object with a type (synth, drums or gm)");
    if (!given)
        given = empty = json_object();
    norm = proto_instrument_build(json_is_object(cur) ? cur : NULL, given, err);
    json_decref(empty);
    if (!norm)
        return -1;
    json_object_set_new(obj, "instrument", norm);
    return 0;
}

json_t *proto_build_object(const char *kind, const char *id,
                           const json_t *base, const json_t *fields,
                           proto_err *err)
{
    int k = proto_kind_rank(kind);
    json_t *obj = NULL, *value, *norm, *params;
    const char *key, *type;
    uint64_t given = 0;

    if (k >= KIND_COUNT) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "kind must be one of track, clip, effect, send, marker, "
                   "automation, note");
        return NULL;
    }
    if (!json_is_object(fields)) {
        proto_fail(err, PROTO_BAD_REQUEST, "fields must be an object");
        return NULL;
    }
    /* bit i: fields gives kinds[k].fields[i] (looked up once, here) */
    json_object_foreach((json_t *)fields, key, value) {
        const field_spec *f = find_field(kind, key);
        if (!f) {
            proto_fail(err, PROTO_INVALID_VALUE, "%s has no field '%s'", kind,
                       key);
            return NULL;
        }
        assert(f - kinds[k].fields < 64);
        given |= 1ull << (f - kinds[k].fields);
    }
    if (base) {
        /* A shallow copy: the new version shares the values it does not
         * change with the old one. Safe because no value reachable from a
         * document object is ever edited in place (document.h; checked
         * by test_proto_random's digests of every object). */
        obj = json_copy((json_t *)base);
    } else {
        obj = json_pack("{s:s, s:s}", "id", id, "kind", kind);
        for (const field_spec *f = kinds[k].fields; f->name; f++) {
            if (given >> (f - kinds[k].fields) & 1)
                continue;
            if (!f->def) {
                proto_fail(err, PROTO_INVALID_VALUE,
                           "a new %s needs the field '%s'", kind, f->name);
                goto fail;
            }
            json_object_set_new(obj, f->name,
                                json_loads(f->def, JSON_DECODE_ANY, NULL));
        }
    }
    if (!obj) {
        proto_fail(err, PROTO_INTERNAL, "out of memory");
        return NULL;
    }
    /* Every field but params first, so params see the final type. */
    for (const field_spec *f = kinds[k].fields; f->name; f++) {
        if (!(given >> (f - kinds[k].fields) & 1) || f->type == F_PARAMS)
            continue;
        value = json_object_get(fields, f->name);
        if (base && k == 0 && f->type == F_RATE) {
            proto_fail(err, PROTO_INVALID_VALUE,
                       "sample_rate is fixed at creation");
            goto fail;
        }
        if (f->type == F_INSTRUMENT)
            continue; /* after the role, below */
        if (check_value(kind, f, value, &norm, err))
            goto fail;
        if (base && f->type == F_CHOICE && strcmp(f->name, "type") == 0 &&
            !json_equal(norm, json_object_get(base, "type")))
            json_object_set_new(obj, "params", json_object());
        json_object_set_new(obj, f->name, norm);
    }
    if (strcmp(kind, "track") == 0 &&
        build_instrument(obj, json_object_get(fields, "instrument"), err))
        goto fail;
    if (strcmp(kind, "effect") == 0) {
        type = proto_obj_str(obj, "type");
        value = json_object_get(fields, "params");
        if (value && !json_is_object(value)) {
            char got[64];
            proto_json_brief(value, got, sizeof got);
            proto_fail(err, PROTO_INVALID_VALUE,
                       "params must be an object (got %s)", got);
            goto fail;
        }
        /* Start from the type's defaults, then the current params (kept
         * unless the type changed), then the given ones. */
        params = proto_effect_defaults(type);
        norm = proto_effect_merge(type, params, json_object_get(obj, "params"),
                                  err);
        json_decref(params);
        if (!norm)
            goto fail;
        params = norm;
        if (value) {
            norm = proto_effect_merge(type, params, value, err);
            json_decref(params);
            if (!norm)
                goto fail;
            params = norm;
        }
        json_object_set_new(obj, "params", params);
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}
