/* instruments.c -- the parameter tables of the instrument types and the
 * checker that turns a partial instrument object into a full normalised one
 * (like effects.c does for effect params).
 *
 *   synth: preset (bass|lead|pad|keys), osc1/osc2 (saw|square|triangle|
 *          sine), detune (cents), octave2, mix, cutoff (Hz), resonance,
 *          env_amount (octaves), f_attack/f_decay/f_sustain/f_release,
 *          attack/decay/sustain/release (s), gain (dB)
 *   drums: tune (semitones), decay (multiplier), gain (dB)
 *   gm:    program, bank (128 = GM percussion), gain (dB); only in builds
 *          with FluidSynth (HAVE_FLUIDSYNTH)
 */
/* HAVE_FLUIDSYNTH comes from the build's config.h; the standalone fuzzer
 * builds (tests/fuzz/run.sh) have none and so no gm. */
#if defined(__has_include)
#if __has_include(<config.h>)
#include <config.h>
#endif
#endif

#include "protocol/instruments.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "protocol/fields.h"

typedef proto_instrument_param param_spec;

static const char *const types[] = {"synth", "drums", "gm", NULL};
static const char *const presets[] = {"bass", "lead", "pad", "keys", NULL};
static const char *const waves[] = {"saw", "square", "triangle", "sine", NULL};

/* Defaults per preset: bass, lead, pad, keys. */
static const param_spec synth_params[] = {
    {"osc1", 'c', 0, 0, waves, "", {0}, {"saw", "saw", "saw", "saw"}},
    {"osc2", 'c', 0, 0, waves, "", {0}, {"square", "square", "saw", "saw"}},
    {"detune", 'r', -100, 100, NULL, "cents", {0, 10, 12, 7}, {NULL}},
    {"octave2", 'i', -2, 2, NULL, "", {-1, 0, 1, 0}, {NULL}},
    {"mix", 'r', 0, 1, NULL, "", {0.4, 0.5, 0.5, 0.5}, {NULL}},
    {"cutoff", 'r', 20, 20000, NULL, "Hz", {400, 3000, 1200, 2000}, {NULL}},
    {"resonance", 'r', 0, 0.95, NULL, "", {0.4, 0.3, 0.1, 0.2}, {NULL}},
    {"env_amount", 'r', 0, 8, NULL, "octaves", {3, 2, 1.5, 2}, {NULL}},
    {"f_attack", 'r', 0.001, 10, NULL, "s", {0.001, 0.005, 0.8, 0.005}, {NULL}},
    {"f_decay", 'r', 0.001, 10, NULL, "s", {0.2, 0.2, 1.5, 0.3}, {NULL}},
    {"f_sustain", 'r', 0, 1, NULL, "", {0.1, 0.5, 0.6, 0.3}, {NULL}},
    {"f_release", 'r', 0.001, 10, NULL, "s", {0.1, 0.2, 1.5, 0.3}, {NULL}},
    {"attack", 'r', 0.001, 10, NULL, "s", {0.002, 0.01, 0.6, 0.005}, {NULL}},
    {"decay", 'r', 0.001, 10, NULL, "s", {0.3, 0.1, 1.0, 0.2}, {NULL}},
    {"sustain", 'r', 0, 1, NULL, "", {0.8, 0.9, 0.8, 0.7}, {NULL}},
    {"release", 'r', 0.001, 10, NULL, "s", {0.1, 0.2, 1.5, 0.3}, {NULL}},
    {"gain", 'r', -60, 12, NULL, "dB", {-6, -8, -10, -6}, {NULL}},
    {NULL, 0, 0, 0, NULL, NULL, {0}, {NULL}}};

static const param_spec drums_params[] = {
    {"tune", 'r', -12, 12, NULL, "semitones", {0}, {NULL}},
    {"decay", 'r', 0.25, 4, NULL, "", {1}, {NULL}},
    {"gain", 'r', -60, 12, NULL, "dB", {0}, {NULL}},
    {NULL, 0, 0, 0, NULL, NULL, {0}, {NULL}}};

static const param_spec gm_params[] = {
    {"program", 'i', 0, 127, NULL, "", {0}, {NULL}},
    {"bank", 'i', 0, 128, NULL, "", {0}, {NULL}},
    {"gain", 'r', -60, 12, NULL, "dB", {0}, {NULL}},
    {NULL, 0, 0, 0, NULL, NULL, {0}, {NULL}}};

const char *const *proto_instrument_types(void)
{
    return types;
}

const char *const *proto_synth_presets(void)
{
    return presets;
}

const proto_instrument_param *proto_instrument_params(const char *type)
{
    if (!type)
        return NULL;
    if (strcmp(type, "synth") == 0)
        return synth_params;
    if (strcmp(type, "drums") == 0)
        return drums_params;
    if (strcmp(type, "gm") == 0)
        return gm_params;
    return NULL;
}

bool proto_instrument_gm_available(void)
{
#ifdef HAVE_FLUIDSYNTH
    return true;
#else
    return false;
#endif
}

static int choice_index(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

static void choice_list(const char *const *list, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; list[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i ? ", " : "", list[i]);
}

json_t *proto_instrument_defaults(const char *type, const char *preset)
{
    const param_spec *p = proto_instrument_params(type);
    int pi = choice_index(presets, preset ? preset : "keys");
    json_t *obj;

    if (!p || pi < 0)
        return NULL;
    obj = json_pack("{s:s}", "type", type);
    if (strcmp(type, "synth") == 0)
        json_object_set_new(obj, "preset", json_string(presets[pi]));
    else
        pi = 0;
    for (; p->name; p++) {
        if (p->kind == 'c')
            json_object_set_new(obj, p->name, json_string(p->cdef[pi]));
        else if (p->kind == 'i')
            json_object_set_new(obj, p->name,
                                json_integer((json_int_t)p->def[pi]));
        else
            json_object_set_new(obj, p->name, json_real(p->def[pi]));
    }
    return obj;
}

/* Checks one given value of param p; on success returns the normalised
 * value (new reference). */
static json_t *check_param(const char *type, const param_spec *p,
                           const json_t *v, proto_err *err)
{
    char got[64], list[128];

    if (p->kind == 'c') {
        if (json_is_string(v) && choice_index(p->choices, json_string_value(v)) >= 0)
            return json_deep_copy(v);
        choice_list(p->choices, list, sizeof list);
        proto_json_brief(v, got, sizeof got); /* only for the error */
        proto_fail(err, PROTO_INVALID_VALUE,
                   "instrument.%s must be one of %s (got %s)", p->name, list,
                   got);
        return NULL;
    }
    if (p->kind == 'i') {
        if (json_is_integer(v) && json_integer_value(v) >= (json_int_t)p->min &&
            json_integer_value(v) <= (json_int_t)p->max)
            return json_integer(json_integer_value(v));
        proto_json_brief(v, got, sizeof got);
        proto_fail(err, PROTO_INVALID_VALUE,
                   "instrument.%s of a %s must be a whole number from %g to %g "
                   "(got %s)", p->name, type, p->min, p->max, got);
        return NULL;
    }
    if (json_is_number(v) && isfinite(json_number_value(v)) &&
        json_number_value(v) >= p->min && json_number_value(v) <= p->max)
        return json_real(json_number_value(v));
    proto_json_brief(v, got, sizeof got);
    proto_fail(err, PROTO_INVALID_VALUE,
               "instrument.%s of a %s must be a number from %g to %g%s%s "
               "(got %s)", p->name, type, p->min, p->max, *p->unit ? " " : "",
               p->unit, got);
    return NULL;
}

static const param_spec *find_param(const param_spec *p, const char *name)
{
    for (; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

json_t *proto_instrument_build(const json_t *base, const json_t *given,
                               proto_err *err)
{
    const json_t *tv, *pv, *v;
    const char *type, *preset = NULL, *key;
    const param_spec *params;
    json_t *obj = NULL, *norm;
    char got[64], list[128];

    proto_json_brief(given, got, sizeof got);
    if (!json_is_object(given)) {
        proto_fail(err, PROTO_INVALID_VALUE,
                   "instrument must be an object with a type (synth, drums or "
                   "gm) (got %s)", got);
        return NULL;
    }
    if (!json_is_object(base))
        base = NULL;
    tv = json_object_get(given, "type");
    if (tv && !(json_is_string(tv) &&
                choice_index(types, json_string_value(tv)) >= 0)) {
        proto_json_brief(tv, got, sizeof got);
        choice_list(types, list, sizeof list);
        proto_fail(err, PROTO_INVALID_VALUE,
                   "instrument.type must be one of %s (got %s)", list, got);
        return NULL;
    }
    type = tv ? json_string_value(tv)
              : base ? proto_obj_str(base, "type") : "synth";
    if (strcmp(type, "gm") == 0 && !proto_instrument_gm_available()) {
        proto_fail(err, PROTO_UNSUPPORTED,
                   "instrument.type gm is not available: this server was "
                   "built without FluidSynth; use synth or drums");
        return NULL;
    }
    params = proto_instrument_params(type);
    json_object_foreach((json_t *)given, key, v) {
        if (strcmp(key, "type") == 0 ||
            (strcmp(key, "preset") == 0 && strcmp(type, "synth") == 0) ||
            find_param(params, key))
            continue;
        proto_fail(err, PROTO_INVALID_VALUE,
                   "instrument of type %s has no parameter '%s'", type, key);
        return NULL;
    }
    pv = json_object_get(given, "preset");
    if (pv) {
        if (!json_is_string(pv) ||
            choice_index(presets, json_string_value(pv)) < 0) {
            proto_json_brief(pv, got, sizeof got);
            choice_list(presets, list, sizeof list);
            proto_fail(err, PROTO_INVALID_VALUE,
                       "instrument.preset must be one of %s (got %s)", list,
                       got);
            return NULL;
        }
        preset = json_string_value(pv);
    }
    if (base && strcmp(proto_obj_str(base, "type"), type) == 0 &&
        !(preset && strcmp(preset, proto_obj_str(base, "preset")))) {
        /* Same type, same preset: merge into the current object, refilling
         * anything missing from the defaults. */
        obj = proto_instrument_defaults(type, strcmp(type, "synth") ? NULL
                                        : choice_index(presets, proto_obj_str(base, "preset")) >= 0
                                            ? proto_obj_str(base, "preset") : NULL);
        for (const param_spec *p = params; p->name; p++) {
            const json_t *cur = json_object_get(base, p->name);
            json_t *n;
            if (!cur)
                continue;
            proto_err ignore;
            proto_err_clear(&ignore);
            n = check_param(type, p, cur, &ignore);
            if (n)
                json_object_set_new(obj, p->name, n);
        }
    } else {
        obj = proto_instrument_defaults(type, preset);
    }
    if (!obj) {
        proto_fail(err, PROTO_INTERNAL, "out of memory");
        return NULL;
    }
    json_object_foreach((json_t *)given, key, v) {
        const param_spec *p = find_param(params, key);
        if (!p)
            continue;
        norm = check_param(type, p, v, err);
        if (!norm) {
            json_decref(obj);
            return NULL;
        }
        json_object_set_new(obj, key, norm);
    }
    return obj;
}

int64_t proto_tick_to_frame(int64_t tick, double tempo, int sample_rate)
{
    long double f = (long double)tick * 60.0L * sample_rate /
                    ((long double)tempo * PROTO_TICKS_PER_QUARTER);

    return (int64_t)llroundl(f);
}

int64_t proto_frame_to_tick(int64_t frame, double tempo, int sample_rate)
{
    long double t = (long double)frame * (long double)tempo *
                    PROTO_TICKS_PER_QUARTER / (60.0L * sample_rate);

    return (int64_t)llroundl(t);
}

const char *proto_synth_preset_for_program(int program)
{
    return program >= 32 && program <= 39 ? "bass"
           : program >= 80 && program <= 87 ? "lead"
           : program >= 88 && program <= 95 ? "pad"
                                            : "keys";
}

json_t *proto_instrument_for_midi(int channel, int program)
{
    json_t *inst;

    if (channel == 9)
        return proto_instrument_defaults("drums", NULL);
    if (program >= 0 && program <= 127 && proto_instrument_gm_available()) {
        inst = proto_instrument_defaults("gm", NULL);
        json_object_set_new(inst, "program", json_integer(program));
        return inst;
    }
    return proto_instrument_defaults("synth",
                                     proto_synth_preset_for_program(program));
}
