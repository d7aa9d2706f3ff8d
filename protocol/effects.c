/* effects.c -- the parameters of each effect type: names, ranges, units and
 * defaults (the engine reads exactly these names and units), and the checker
 * that merges a partial params object into a full one.
 *
 *   eq:         bands: [{type, freq, gain, q}] (at most 8)
 *   compressor: threshold, ratio, attack, release, knee, makeup
 *   delay:      time, feedback, mix, sync (null or a note value)
 *   reverb:     size, damping, predelay, mix
 *   limiter:    ceiling, release, lookahead
 */
#include "protocol/fields.h"

#include <stdio.h>
#include <string.h>

typedef proto_effect_param param_spec;

typedef struct {
    const char *type;
    const param_spec *params;
} effect_spec;

static const param_spec compressor_params[] = {
    {"threshold", -60, 0, -18, "dB"}, {"ratio", 1, 20, 4, ""},
    {"attack", 0.1, 200, 10, "ms"},   {"release", 5, 2000, 100, "ms"},
    {"knee", 0, 24, 6, "dB"},         {"makeup", 0, 24, 0, "dB"},
    {NULL, 0, 0, 0, NULL}};
static const param_spec delay_params[] = {
    {"time", 1, 2000, 250, "ms"}, {"feedback", 0, 0.95, 0.3, ""},
    {"mix", 0, 1, 0.25, ""},      {NULL, 0, 0, 0, NULL}};
static const param_spec reverb_params[] = {
    {"size", 0, 1, 0.5, ""},         {"damping", 0, 1, 0.5, ""},
    {"predelay", 0, 200, 10, "ms"},  {"mix", 0, 1, 0.25, ""},
    {NULL, 0, 0, 0, NULL}};
static const param_spec limiter_params[] = {
    {"ceiling", -24, 0, -1, "dB"},  {"release", 1, 1000, 50, "ms"},
    {"lookahead", 0, 10, 5, "ms"},  {NULL, 0, 0, 0, NULL}};
static const param_spec eq_params[] = {{NULL, 0, 0, 0, NULL}};

static const effect_spec effects[] = {
    {"eq", eq_params},         {"compressor", compressor_params},
    {"delay", delay_params},   {"reverb", reverb_params},
    {"limiter", limiter_params}};

static const char *const sync_values[] = {"1/1", "1/2", "1/4", "1/8", "1/16",
                                          "1/4d", "1/8d", "1/4t", "1/8t",
                                          NULL};
static const char *const band_types[] = {"lowshelf", "highshelf", "peak",
                                         "lowpass", "highpass", NULL};

static const param_spec band_params[] = {
    {"freq", 20, 20000, 1000, "Hz"}, {"gain", -24, 24, 0, "dB"},
    {"q", 0.1, 18, 0.707, ""},       {NULL, 0, 0, 0, NULL}};

static const effect_spec *find_effect(const char *type)
{
    for (size_t i = 0; type && i < sizeof effects / sizeof effects[0]; i++)
        if (strcmp(effects[i].type, type) == 0)
            return &effects[i];
    return NULL;
}

static const param_spec *find_param(const param_spec *list, const char *name)
{
    for (; list->name; list++)
        if (strcmp(list->name, name) == 0)
            return list;
    return NULL;
}

const char *proto_effect_type_at(size_t i)
{
    return i < sizeof effects / sizeof effects[0] ? effects[i].type : NULL;
}

const proto_effect_param *proto_effect_params(const char *type)
{
    const effect_spec *e = find_effect(type);

    return e ? e->params : NULL;
}

const proto_effect_param *proto_eq_band_params(void)
{
    return band_params;
}

const char *const *proto_eq_band_types(void)
{
    return band_types;
}

const char *const *proto_delay_sync_values(void)
{
    return sync_values;
}

bool proto_effect_type_known(const char *type)
{
    return find_effect(type) != NULL;
}

json_t *proto_effect_defaults(const char *type)
{
    const effect_spec *e = find_effect(type);
    json_t *out;

    if (!e)
        return NULL;
    out = json_object();
    for (const param_spec *p = e->params; p->name; p++)
        json_object_set_new(out, p->name, json_real(p->def));
    if (strcmp(type, "eq") == 0)
        json_object_set_new(out, "bands", json_array());
    if (strcmp(type, "delay") == 0)
        json_object_set_new(out, "sync", json_null());
    return out;
}

bool proto_effect_param_range(const char *type, const char *param,
                              double *min, double *max, const char **unit)
{
    const effect_spec *e = find_effect(type);
    const param_spec *p = e ? find_param(e->params, param) : NULL;

    if (!p)
        return false;
    if (min)
        *min = p->min;
    if (max)
        *max = p->max;
    if (unit)
        *unit = p->unit;
    return true;
}

static int check_number(const char *prefix, const param_spec *p,
                        const json_t *v, proto_err *err)
{
    char got[64];

    if (json_is_number(v) && json_number_value(v) >= p->min &&
        json_number_value(v) <= p->max)
        return 0;
    proto_json_brief(v, got, sizeof got);
    return proto_fail(err, PROTO_INVALID_VALUE,
                      "%s%s must be a number from %g to %g%s%s (got %s)",
                      prefix, p->name, p->min, p->max, *p->unit ? " " : "",
                      p->unit, got);
}

static bool in_list(const char *const *list, const json_t *v)
{
    for (; json_is_string(v) && *list; list++)
        if (strcmp(*list, json_string_value(v)) == 0)
            return true;
    return false;
}

/* A full, checked copy of one eq band. */
static json_t *check_band(size_t i, const json_t *band, proto_err *err)
{
    char prefix[48], got[64];
    const char *key;
    json_t *value, *out;

    snprintf(prefix, sizeof prefix, "params.bands[%zu].", i);
    if (!json_is_object(band)) {
        proto_json_brief(band, got, sizeof got);
        proto_fail(err, PROTO_INVALID_VALUE,
                   "params.bands[%zu] must be an object {type, freq, gain, q} "
                   "(got %s)", i, got);
        return NULL;
    }
    out = json_pack("{s:s}", "type", "peak");
    for (const param_spec *p = band_params; p->name; p++)
        json_object_set_new(out, p->name, json_real(p->def));
    json_object_foreach((json_t *)band, key, value) {
        const param_spec *p = find_param(band_params, key);
        if (strcmp(key, "type") == 0) {
            if (!in_list(band_types, value)) {
                proto_json_brief(value, got, sizeof got);
                proto_fail(err, PROTO_INVALID_VALUE,
                           "%stype must be one of lowshelf, highshelf, peak, "
                           "lowpass, highpass (got %s)", prefix, got);
                goto fail;
            }
            json_object_set_new(out, key, json_deep_copy(value));
        } else if (p) {
            if (check_number(prefix, p, value, err))
                goto fail;
            json_object_set_new(out, key, json_real(json_number_value(value)));
        } else {
            proto_fail(err, PROTO_INVALID_VALUE,
                       "an eq band has no field '%s' (params.bands[%zu])", key,
                       i);
            goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

json_t *proto_effect_merge(const char *type, const json_t *base,
                           const json_t *given, proto_err *err)
{
    const effect_spec *e = find_effect(type);
    json_t *out, *value;
    const char *key;
    char got[64];

    if (!e || !base) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "type must be one of eq, compressor, delay, reverb, limiter");
        return NULL;
    }
    out = json_deep_copy(base);
    json_object_foreach((json_t *)given, key, value) {
        const param_spec *p = find_param(e->params, key);
        if (p) {
            if (check_number("params.", p, value, err))
                goto fail;
            json_object_set_new(out, key, json_real(json_number_value(value)));
        } else if (strcmp(type, "delay") == 0 && strcmp(key, "sync") == 0) {
            if (!json_is_null(value) && !in_list(sync_values, value)) {
                proto_json_brief(value, got, sizeof got);
                proto_fail(err, PROTO_INVALID_VALUE,
                           "params.sync must be null or one of 1/1, 1/2, 1/4, "
                           "1/8, 1/16, 1/4d, 1/8d, 1/4t, 1/8t (got %s)", got);
                goto fail;
            }
            json_object_set_new(out, key, json_deep_copy(value));
        } else if (strcmp(type, "eq") == 0 && strcmp(key, "bands") == 0) {
            size_t i;
            json_t *band, *bands;
            if (!json_is_array(value) ||
                json_array_size(value) > PROTO_MAX_EQ_BANDS) {
                proto_json_brief(value, got, sizeof got);
                proto_fail(err, PROTO_INVALID_VALUE,
                           "params.bands must be an array of at most %d bands "
                           "(got %s)", PROTO_MAX_EQ_BANDS, got);
                goto fail;
            }
            bands = json_array();
            json_array_foreach(value, i, band) {
                json_t *b = check_band(i, band, err);
                if (!b) {
                    json_decref(bands);
                    goto fail;
                }
                json_array_append_new(bands, b);
            }
            json_object_set_new(out, key, bands);
        } else {
            proto_fail(err, PROTO_INVALID_VALUE,
                       "a %s effect has no param '%s' (params.%s)", type, key,
                       key);
            goto fail;
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}
