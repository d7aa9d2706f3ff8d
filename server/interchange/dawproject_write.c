/* dawproject_write.c -- a mixroom document as DAWproject's project.xml and
 * metadata.xml, written with libxml2's xmlTextWriter into memory buffers
 * (documents are small next to their audio; the zip around them is
 * streamed by dawproject_zip.c). The mapping, element by element, is the
 * "mixroom -> DAWproject" column of docs/interchange.md: the arrangement
 * in seconds, note content in beats, volume linear, pan normalized, ids
 * prefixed (trk_, ch_, fx_, fxp_, snd_). Pure: no I/O, any thread. */
#include <config.h>

#include "server/interchange/interchange.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "protocol/fields.h"
#include "protocol/instruments.h"

#define VOLUME_MAX 3.9810717055349722 /* +12 dB as an amplitude factor */

/* The writer and whether any call failed (later calls then do nothing). */
typedef struct {
    xmlTextWriterPtr w;
    int bad;
} xw;

static void start(xw *x, const char *name)
{
    if (!x->bad && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
        x->bad = 1;
}

static void end(xw *x)
{
    if (!x->bad && xmlTextWriterEndElement(x->w) < 0)
        x->bad = 1;
}

static void attr(xw *x, const char *name, const char *value)
{
    if (!x->bad &&
        xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) < 0)
        x->bad = 1;
}

static void attrf(xw *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void attrf(xw *x, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    attr(x, name, buf);
}

/* A number as the shortest of %.15g / %.17g that reads back exactly. */
static void attrn(xw *x, const char *name, double v)
{
    char buf[40];

    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    attr(x, name, buf);
}

static void comment(xw *x, const char *text)
{
    char buf[2048];
    size_t j = 0;

    /* "--" may not appear in an XML comment */
    for (size_t i = 0; text[i] && j + 2 < sizeof buf; i++) {
        if (text[i] == '-' && j > 0 && buf[j - 1] == '-')
            buf[j++] = ' ';
        buf[j++] = text[i];
    }
    if (j > 0 && buf[j - 1] == '-')
        buf[j++] = ' ';
    buf[j] = '\0';
    if (!x->bad && xmlTextWriterWriteComment(x->w, BAD_CAST buf) < 0)
        x->bad = 1;
}

/* prefix + id (characters outside [A-Za-z0-9_.-] as '_') + suffix: an
 * xs:ID (prefixes start with a letter). Unique: the prefixes ("trk_",
 * "ch_", "fxp_", ...) differ before their '_', mixroom ids never hold a
 * '.', so suffixes start with one (".vol", ".b0.freq"), and the ids that
 * are not a mixroom object's have one too ("trk.master"). */
static void make_id(char *out, size_t n, const char *prefix, const char *id,
                    const char *suffix)
{
    size_t j = (size_t)snprintf(out, n, "%s", prefix);

    for (; *id && j + 1 < n; id++, j++) {
        char c = *id;
        out[j] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
                     ? c : '_';
    }
    out[j < n ? j : n - 1] = '\0';
    snprintf(out + strlen(out), n - strlen(out), "%s", suffix);
}

static void attr_id(xw *x, const char *name, const char *prefix,
                    const char *id, const char *suffix)
{
    char buf[256];

    make_id(buf, sizeof buf, prefix, id, suffix);
    attr(x, name, buf);
}

void srv_dawproject_audio_path(char *out, size_t n, const char *asset_id)
{
    make_id(out, n, "audio/", asset_id, ".wav");
}

static double num(const json_t *o, const char *f, double def)
{
    const json_t *v = json_object_get(o, f);

    return json_is_number(v) ? json_number_value(v) : def;
}

static int64_t frames(const json_t *o, const char *f)
{
    return (int64_t)json_integer_value(json_object_get(o, f));
}

/* dB (null: -inf) as an amplitude factor. */
static double db_linear(const json_t *v)
{
    return json_is_number(v) ? pow(10.0, json_number_value(v) / 20.0) : 0.0;
}

/* ---- collecting the document ---- */

typedef struct {
    json_t *tracks, *effects, *sends, *clips, *notes, *markers, *autos;
} objs;

static int collect(const json_t *o, void *arg)
{
    objs *c = arg;
    const char *k = proto_obj_kind(o);
    json_t *to = !strcmp(k, "track")        ? c->tracks
                 : !strcmp(k, "effect")     ? c->effects
                 : !strcmp(k, "send")       ? c->sends
                 : !strcmp(k, "clip")       ? c->clips
                 : !strcmp(k, "note")       ? c->notes
                 : !strcmp(k, "marker")     ? c->markers
                 : !strcmp(k, "automation") ? c->autos : NULL;

    if (to && json_array_append(to, (json_t *)o) != 0)
        return -1;
    return 0;
}

/* by "order", then id (arg unused) */
static int cmp_order(const void *a, const void *b, void *arg)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int d = strcmp(proto_obj_str(x, "order"), proto_obj_str(y, "order"));

    (void)arg;
    return d ? d : strcmp(proto_obj_str(x, "id"), proto_obj_str(y, "id"));
}

/* by the integer field named by arg ("start", "at"), then id */
static int cmp_int(const void *a, const void *b, void *arg)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t p = frames(x, arg), q = frames(y, arg);

    return p < q ? -1 : p > q ? 1
                   : strcmp(proto_obj_str(x, "id"), proto_obj_str(y, "id"));
}

/* Sorts a jansson array of objects in place with cmp(arg). 0, or -1 when
 * out of memory (the array is then unchanged). */
static int sort_array(json_t *arr,
                      int (*cmp)(const void *, const void *, void *),
                      const char *arg)
{
    size_t n = json_array_size(arr);
    json_t **v;

    if (n < 2)
        return 0; /* nothing to sort (and qsort_r wants a non-null base) */
    v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort_r(v, n, sizeof *v, cmp, (void *)arg);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
    return 0;
}

/* ---- the document's parts ---- */

struct ctx {
    xw *x;
    const proto_doc *doc;
    objs o;
    int rate;
    double tempo;
    const struct srv_dawproject_audio *audio;
    size_t n_audio;
};

static double secs(const struct ctx *c, int64_t f)
{
    return (double)f / c->rate;
}

/* <Name id=... unit=... min max value> for a real parameter. */
static void real_param(xw *x, const char *el, const char *id,
                       const char *name, const char *unit, double min,
                       double max, double value)
{
    start(x, el);
    if (id)
        attr(x, "id", id);
    if (name)
        attr(x, "name", name);
    attr(x, "unit", unit);
    attrn(x, "min", min);
    attrn(x, "max", max);
    attrn(x, "value", value);
    end(x);
}

/* A built-in effect param in the schema's unit: ms become seconds. */
typedef struct {
    const char *param;      /* mixroom name */
    const char *element;    /* DAWproject element, or NULL: in Parameters */
    const char *unit;
    double scale;
} dev_param;

static const dev_param comp_map[] = {
    {"knee", NULL, "decibel", 1},        {"attack", "Attack", "seconds", 1e-3},
    {"makeup", "OutputGain", "decibel", 1}, {"ratio", "Ratio", "linear", 1},
    {"release", "Release", "seconds", 1e-3},
    {"threshold", "Threshold", "decibel", 1}, {NULL, NULL, NULL, 0}};
static const dev_param lim_map[] = {
    {"lookahead", NULL, "seconds", 1e-3}, {"release", "Release", "seconds", 1e-3},
    {"ceiling", "Threshold", "decibel", 1}, {NULL, NULL, NULL, 0}};

static const dev_param *dev_map(const char *type)
{
    return !strcmp(type, "compressor") ? comp_map
           : !strcmp(type, "limiter")  ? lim_map : NULL;
}

static const dev_param *find_dev_param(const char *type, const char *param)
{
    const dev_param *m = dev_map(type);

    for (; m && m->param; m++)
        if (!strcmp(m->param, param))
            return m;
    return NULL;
}

static void dev_param_el(struct ctx *c, const json_t *e, const dev_param *m)
{
    const char *type = proto_obj_str(e, "type");
    const json_t *p = json_object_get(e, "params");
    double min = 0, max = 1;
    char id[256];

    proto_effect_param_range(type, m->param, &min, &max, NULL);
    make_id(id, sizeof id, "fxp_", proto_obj_str(e, "id"), "");
    snprintf(id + strlen(id), sizeof id - strlen(id), ".%s", m->param);
    real_param(c->x, m->element ? m->element : "RealParameter", id,
               m->element ? NULL : m->param, m->unit, min * m->scale,
               max * m->scale, num(p, m->param, 0) * m->scale);
}

static void device_head(struct ctx *c, const json_t *e, const char *el,
                        const char *name)
{
    const dev_param *m = dev_map(proto_obj_str(e, "type"));
    bool any = false;

    start(c->x, el);
    attr_id(c->x, "id", "fx_", proto_obj_str(e, "id"), "");
    attr(c->x, "name", name);
    attr(c->x, "deviceName", name);
    attr(c->x, "deviceRole", "audioFX");
    attr(c->x, "deviceVendor", "mixroom");
    attrf(c->x, "deviceID", "mixroom.%s", proto_obj_str(e, "type"));
    for (; m && m->param; m++)
        if (!m->element) {
            if (!any)
                start(c->x, "Parameters");
            any = true;
            dev_param_el(c, e, m);
        }
    if (any)
        end(c->x);
    start(c->x, "Enabled");
    attr_id(c->x, "id", "fx_", proto_obj_str(e, "id"), ".on");
    attr(c->x, "value",
         json_is_true(json_object_get(e, "bypass")) ? "false" : "true");
    end(c->x);
}

static void eq_device(struct ctx *c, const json_t *e)
{
    static const char *const types[][2] = {
        {"lowshelf", "lowShelf"}, {"highshelf", "highShelf"},
        {"peak", "bell"},         {"lowpass", "lowPass"},
        {"highpass", "highPass"}};
    const json_t *bands = json_object_get(json_object_get(e, "params"), "bands");
    const json_t *b;
    size_t i;
    char id[256], sfx[32];

    device_head(c, e, "Equalizer", "EQ");
    json_array_foreach(bands, i, b) {
        const char *t = "bell";
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
            if (!strcmp(proto_obj_str(b, "type"), types[k][0]))
                t = types[k][1];
        start(c->x, "Band");
        attr(c->x, "type", t);
        attrf(c->x, "order", "%zu", i);
        snprintf(sfx, sizeof sfx, ".b%zu.freq", i);
        make_id(id, sizeof id, "fxp_", proto_obj_str(e, "id"), sfx);
        real_param(c->x, "Freq", id, NULL, "hertz", 20, 20000,
                   num(b, "freq", 1000));
        snprintf(sfx, sizeof sfx, ".b%zu.gain", i);
        make_id(id, sizeof id, "fxp_", proto_obj_str(e, "id"), sfx);
        real_param(c->x, "Gain", id, NULL, "decibel", -24, 24,
                   num(b, "gain", 0));
        snprintf(sfx, sizeof sfx, ".b%zu.q", i);
        make_id(id, sizeof id, "fxp_", proto_obj_str(e, "id"), sfx);
        real_param(c->x, "Q", id, NULL, "linear", 0.1, 18, num(b, "q", 0.707));
        end(c->x);
    }
    end(c->x);
}

/* Compressor and Limiter: their schema elements in the schema's order. */
static void dyn_device(struct ctx *c, const json_t *e, const char *el,
                       const char *name, const char *const *order)
{
    const char *type = proto_obj_str(e, "type");

    device_head(c, e, el, name);
    for (; *order; order++) {
        if (!strcmp(*order, "AutoMakeup")) {
            start(c->x, "AutoMakeup");
            attr(c->x, "value", "false");
            end(c->x);
            continue;
        }
        for (const dev_param *m = dev_map(type); m->param; m++)
            if (m->element && !strcmp(m->element, *order))
                dev_param_el(c, e, m);
    }
    end(c->x);
}

static void other_effect(struct ctx *c, const json_t *e)
{
    json_t *o = json_pack("{s:b, s:O}", "bypass",
                          json_is_true(json_object_get(e, "bypass")), "params",
                          json_object_get(e, "params"));
    char *js = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) : NULL;
    char text[1800], id[160];

    make_id(id, sizeof id, "fx_", proto_obj_str(e, "id"), "");
    snprintf(text, sizeof text, " mixroom effect %s %s %s ",
             proto_obj_str(e, "type"), id, js ? js : "{}");
    comment(c->x, text);
    free(js);
    json_decref(o);
}

static const char *unit_of(const char *u)
{
    return !strcmp(u, "Hz")          ? "hertz"
           : !strcmp(u, "s")         ? "seconds"
           : !strcmp(u, "dB")        ? "decibel"
           : !strcmp(u, "semitones") ? "semitones" : "linear";
}

/* The instrument as a named built-in device with its parameters. */
static void instrument_device(struct ctx *c, const json_t *t)
{
    const json_t *inst = json_object_get(t, "instrument");
    const char *type = proto_obj_str(inst, "type");
    const proto_instrument_param *p = proto_instrument_params(type);
    char name[64], id[256];

    if (!p)
        return;
    if (!strcmp(type, "synth"))
        snprintf(name, sizeof name, "%s", proto_obj_str(inst, "preset"));
    else if (!strcmp(type, "gm"))
        snprintf(name, sizeof name, "program %lld",
                 (long long)frames(inst, "program"));
    else
        snprintf(name, sizeof name, "%s", type);
    start(c->x, "BuiltinDevice");
    attr_id(c->x, "id", "inst_", proto_obj_str(t, "id"), "");
    attr(c->x, "name", name);
    attrf(c->x, "deviceName", "mixroom %s", type);
    attr(c->x, "deviceRole", "instrument");
    attr(c->x, "deviceVendor", "mixroom");
    attrf(c->x, "deviceID", "mixroom.%s", type);
    start(c->x, "Parameters");
    for (; p->name; p++) {
        const json_t *v = json_object_get(inst, p->name);
        make_id(id, sizeof id, "inst_", proto_obj_str(t, "id"), ".");
        snprintf(id + strlen(id), sizeof id - strlen(id), "%s", p->name);
        if (p->kind == 'c') {
            int n = 0, at = 0;
            char labels[256] = "";
            for (; p->choices[n]; n++) {
                if (!strcmp(p->choices[n], json_string_value(v) ? json_string_value(v) : ""))
                    at = n;
                snprintf(labels + strlen(labels), sizeof labels - strlen(labels),
                         "%s%s", n ? " " : "", p->choices[n]);
            }
            start(c->x, "EnumParameter");
            attr(c->x, "id", id);
            attr(c->x, "name", p->name);
            attrf(c->x, "count", "%d", n);
            attr(c->x, "labels", labels);
            attrf(c->x, "value", "%d", at);
            end(c->x);
        } else if (p->kind == 'i') {
            start(c->x, "IntegerParameter");
            attr(c->x, "id", id);
            attr(c->x, "name", p->name);
            attrf(c->x, "min", "%d", (int)p->min);
            attrf(c->x, "max", "%d", (int)p->max);
            attrf(c->x, "value", "%lld", (long long)json_integer_value(v));
            end(c->x);
        } else {
            real_param(c->x, "RealParameter", id, p->name, unit_of(p->unit),
                       p->min, p->max, num(inst, p->name, 0));
        }
    }
    end(c->x); /* Parameters */
    end(c->x);
}

static bool targets_of(const struct ctx *c, const char *bus, const char *what)
{
    size_t i;
    const json_t *o;
    json_t *arr = !strcmp(what, "output") ? c->o.tracks : c->o.sends;
    const char *field = !strcmp(what, "output") ? "output" : "target";

    json_array_foreach(arr, i, o)
        if (!strcmp(proto_obj_str(o, field), bus))
            return true;
    return false;
}

static void channel(struct ctx *c, const json_t *t)
{
    const char *tid = proto_obj_str(t, "id"), *role = proto_obj_str(t, "role");
    const char *out = proto_obj_str(t, "output");
    size_t i;
    const json_t *o;
    bool any = false;

    start(c->x, "Channel");
    attr_id(c->x, "id", "ch_", tid, "");
    attr(c->x, "audioChannels", "2");
    if (strcmp(out, "master") && proto_doc_get(c->doc, out))
        attr_id(c->x, "destination", "ch_", out, "");
    else
        attr(c->x, "destination", "ch.master");
    attr(c->x, "role", strcmp(role, "bus")                   ? "regular"
                       : targets_of(c, tid, "output")        ? "submix"
                                                             : "effect");
    attr(c->x, "solo", json_is_true(json_object_get(t, "solo")) ? "true"
                                                                : "false");
    start(c->x, "Devices");
    if (!strcmp(role, "instrument"))
        instrument_device(c, t);
    json_array_foreach(c->o.effects, i, o) {
        const char *type = proto_obj_str(o, "type");
        static const char *const comp[] = {"Attack", "AutoMakeup", "OutputGain",
                                           "Ratio", "Release", "Threshold",
                                           NULL};
        static const char *const lim[] = {"Release", "Threshold", NULL};
        if (strcmp(proto_obj_str(o, "track"), tid))
            continue;
        if (!strcmp(type, "eq"))
            eq_device(c, o);
        else if (!strcmp(type, "compressor"))
            dyn_device(c, o, "Compressor", "Compressor", comp);
        else if (!strcmp(type, "limiter"))
            dyn_device(c, o, "Limiter", "Limiter", lim);
        else
            other_effect(c, o);
    }
    end(c->x); /* Devices */
    start(c->x, "Mute");
    attr_id(c->x, "id", "mute_", tid, "");
    attr(c->x, "value", json_is_true(json_object_get(t, "mute")) ? "true"
                                                                 : "false");
    end(c->x);
    start(c->x, "Pan");
    attr_id(c->x, "id", "pan_", tid, "");
    attr(c->x, "unit", "normalized");
    attr(c->x, "min", "0");
    attr(c->x, "max", "1");
    attrn(c->x, "value", (num(t, "pan", 0) + 1) / 2);
    end(c->x);
    json_array_foreach(c->o.sends, i, o) {
        if (strcmp(proto_obj_str(o, "track"), tid))
            continue;
        if (!any)
            start(c->x, "Sends");
        any = true;
        start(c->x, "Send");
        attr_id(c->x, "id", "snd_", proto_obj_str(o, "id"), "");
        attr_id(c->x, "destination", "ch_", proto_obj_str(o, "target"), "");
        attr(c->x, "type", json_is_true(json_object_get(o, "pre")) ? "pre"
                                                                   : "post");
        char id[256];
        make_id(id, sizeof id, "snd_", proto_obj_str(o, "id"), ".vol");
        real_param(c->x, "Volume", id, NULL, "linear", 0, VOLUME_MAX,
                   db_linear(json_object_get(o, "level")));
        end(c->x);
    }
    if (any)
        end(c->x);
    char vid[256];
    make_id(vid, sizeof vid, "vol_", tid, "");
    real_param(c->x, "Volume", vid, NULL, "linear", 0, VOLUME_MAX,
               db_linear(json_object_get(t, "gain")));
    end(c->x); /* Channel */
}

static void structure(struct ctx *c)
{
    const json_t *project = proto_doc_get(c->doc, "project");
    size_t i;
    const json_t *t;

    start(c->x, "Structure");
    json_array_foreach(c->o.tracks, i, t) {
        start(c->x, "Track");
        attr_id(c->x, "id", "trk_", proto_obj_str(t, "id"), "");
        attr(c->x, "name", proto_obj_str(t, "name"));
        attr(c->x, "color", proto_obj_str(t, "color"));
        attr(c->x, "contentType",
             strcmp(proto_obj_str(t, "role"), "instrument") ? "audio"
                                                            : "notes");
        attr(c->x, "loaded", "true");
        channel(c, t);
        end(c->x);
    }
    start(c->x, "Track");
    attr(c->x, "id", "trk.master");
    attr(c->x, "name", "Master");
    attr(c->x, "contentType", "audio");
    attr(c->x, "loaded", "true");
    start(c->x, "Channel");
    attr(c->x, "id", "ch.master");
    attr(c->x, "audioChannels", "2");
    attr(c->x, "role", "master");
    real_param(c->x, "Volume", "vol.master", NULL, "linear", 0, VOLUME_MAX,
               db_linear(json_object_get(project, "master_gain")));
    end(c->x);
    end(c->x);
    end(c->x);
}

static const struct srv_dawproject_audio *find_audio(const struct ctx *c,
                                                     const char *asset)
{
    for (size_t i = 0; i < c->n_audio; i++)
        if (!strcmp(c->audio[i].asset, asset))
            return &c->audio[i];
    return NULL;
}

static void notes_of(struct ctx *c, const json_t *clip)
{
    size_t i;
    const json_t *n;
    const char *cid = proto_obj_str(clip, "id");

    start(c->x, "Notes");
    attr_id(c->x, "id", "notes_", cid, "");
    json_array_foreach(c->o.notes, i, n) {
        if (strcmp(proto_obj_str(n, "clip"), cid))
            continue;
        start(c->x, "Note");
        attrn(c->x, "time", (double)frames(n, "at") / PROTO_TICKS_PER_QUARTER);
        attrn(c->x, "duration",
              (double)frames(n, "len") / PROTO_TICKS_PER_QUARTER);
        attr(c->x, "channel", "0");
        attrf(c->x, "key", "%lld", (long long)frames(n, "pitch"));
        attrn(c->x, "vel", (double)frames(n, "vel") / 127.0);
        end(c->x);
    }
    end(c->x);
}

/* What a Clip element has no attribute for, as its comment:
 * "mixroom: gain=-3 dB; fade_in_shape=exp; take_group=g1" (gain when not
 * 0 dB, "-inf" for null; the fade shapes when not the default
 * "equal_power", the take group when set). Nothing when there is nothing
 * to say; the import reads an absent key as the field's default. */
static void clip_comment(struct ctx *c, const json_t *clip)
{
    static const char *const extra[] = {"fade_in_shape", "fade_out_shape",
                                        "take_group", NULL};
    const json_t *gain = json_object_get(clip, "gain");
    char text[600] = "", v[40];

    if (json_is_null(gain)) {
        snprintf(text, sizeof text, "gain=-inf dB");
    } else if (num(clip, "gain", 0) != 0) {
        snprintf(v, sizeof v, "%.15g", num(clip, "gain", 0));
        snprintf(text, sizeof text, "gain=%s dB", v);
    }
    for (int i = 0; extra[i]; i++) {
        const char *s = json_string_value(json_object_get(clip, extra[i]));
        if (s && s[0] && !(i < 2 && strcmp(s, "equal_power") == 0))
            snprintf(text + strlen(text), sizeof text - strlen(text),
                     "%s%s=%.200s", text[0] ? "; " : "", extra[i], s);
    }
    if (text[0])
        attrf(c->x, "comment", "mixroom: %s", text);
}

static void clip_el(struct ctx *c, const json_t *clip, bool notes)
{
    const char *asset = proto_obj_str(clip, "asset");
    const struct srv_dawproject_audio *a = notes ? NULL : find_audio(c, asset);
    char path[200], text[300];

    if (!notes && !a) {
        snprintf(text, sizeof text,
                 " mixroom clip %s left out: its asset %s is not ready ",
                 proto_obj_str(clip, "id"), asset);
        comment(c->x, text);
        return;
    }
    start(c->x, "Clip");
    attrn(c->x, "time", secs(c, frames(clip, "start")));
    attrn(c->x, "duration", secs(c, frames(clip, "length")));
    attr(c->x, "contentTimeUnit", notes ? "beats" : "seconds");
    attrn(c->x, "playStart",
          notes ? secs(c, frames(clip, "offset")) * c->tempo / 60.0
                : secs(c, frames(clip, "offset")));
    attr(c->x, "fadeTimeUnit", "seconds");
    attrn(c->x, "fadeInTime", secs(c, frames(clip, "fade_in")));
    attrn(c->x, "fadeOutTime", secs(c, frames(clip, "fade_out")));
    attr(c->x, "enable",
         json_is_true(json_object_get(clip, "mute")) ? "false" : "true");
    if (proto_obj_str(clip, "name")[0])
        attr(c->x, "name", proto_obj_str(clip, "name"));
    clip_comment(c, clip);
    if (notes) {
        notes_of(c, clip);
    } else {
        start(c->x, "Audio");
        attr_id(c->x, "id", "aud_", proto_obj_str(clip, "id"), "");
        attr(c->x, "name", a->name);
        attr(c->x, "timeUnit", "seconds");
        attrf(c->x, "channels", "%d", a->channels);
        attrf(c->x, "sampleRate", "%d", c->rate);
        attrn(c->x, "duration", secs(c, a->frames));
        start(c->x, "File");
        srv_dawproject_audio_path(path, sizeof path, a->asset);
        attr(c->x, "path", path);
        end(c->x);
        end(c->x);
    }
    end(c->x);
}

/* An automation lane as Points on the parameter it drives, or a comment
 * when that parameter has no element in the file. */
static void points(struct ctx *c, const json_t *au)
{
    const char *param = proto_obj_str(au, "param");
    const char *tid = proto_obj_str(au, "track");
    const char *dot = strchr(param, '.');
    const char *unit;
    double scale = 1, shift = 0;
    bool linear = false;
    char target[256], text[400];
    const json_t *pt;
    size_t i;

    if (!strcmp(param, "gain")) {
        make_id(target, sizeof target, "vol_", tid, "");
        unit = "linear";
        linear = true;
    } else if (!strcmp(param, "pan")) {
        make_id(target, sizeof target, "pan_", tid, "");
        unit = "normalized";
        scale = 0.5;
        shift = 0.5;
    } else {
        char eid[128];
        size_t n = dot ? (size_t)(dot - param) : 0;
        const json_t *e;
        const dev_param *m = NULL;
        if (n >= sizeof eid)
            n = 0;
        memcpy(eid, param, n);
        eid[n] = '\0';
        e = proto_doc_get(c->doc, eid);
        if (e)
            m = find_dev_param(proto_obj_str(e, "type"), dot + 1);
        if (!m) {
            snprintf(text, sizeof text,
                     " mixroom automation of %s on %s left out: the %s "
                     "effect has no device in this file ", param, tid,
                     e ? proto_obj_str(e, "type") : "unknown");
            comment(c->x, text);
            return;
        }
        make_id(target, sizeof target, "fxp_", eid, "");
        snprintf(target + strlen(target), sizeof target - strlen(target),
                 ".%s", m->param);
        unit = m->unit;
        scale = m->scale;
    }
    start(c->x, "Points");
    attr_id(c->x, "id", "auto_", proto_obj_str(au, "id"), "");
    attr(c->x, "unit", unit);
    start(c->x, "Target");
    attr(c->x, "parameter", target);
    end(c->x);
    json_array_foreach(json_object_get(au, "points"), i, pt) {
        double v = json_number_value(json_array_get(pt, 1));
        start(c->x, "RealPoint");
        attrn(c->x, "time",
              secs(c, (int64_t)json_integer_value(json_array_get(pt, 0))));
        attrn(c->x, "value", linear ? pow(10.0, v / 20.0) : v * scale + shift);
        attr(c->x, "interpolation", "linear");
        end(c->x);
    }
    end(c->x);
}

static void arrangement(struct ctx *c)
{
    size_t i, k;
    const json_t *t, *o;

    start(c->x, "Arrangement");
    attr(c->x, "id", "arrangement");
    start(c->x, "Lanes");
    attr(c->x, "id", "lanes");
    attr(c->x, "timeUnit", "seconds");
    json_array_foreach(c->o.tracks, i, t) {
        const char *tid = proto_obj_str(t, "id");
        bool notes = !strcmp(proto_obj_str(t, "role"), "instrument");
        start(c->x, "Lanes");
        attr_id(c->x, "id", "lanes_", tid, "");
        attr_id(c->x, "track", "trk_", tid, "");
        start(c->x, "Clips");
        attr_id(c->x, "id", "clips_", tid, "");
        json_array_foreach(c->o.clips, k, o)
            if (!strcmp(proto_obj_str(o, "track"), tid))
                clip_el(c, o, notes);
        end(c->x);
        json_array_foreach(c->o.autos, k, o)
            if (!strcmp(proto_obj_str(o, "track"), tid))
                points(c, o);
        end(c->x);
    }
    end(c->x);
    if (json_array_size(c->o.markers)) {
        start(c->x, "Markers");
        attr(c->x, "id", "markers");
        json_array_foreach(c->o.markers, i, o) {
            start(c->x, "Marker");
            attrn(c->x, "time", secs(c, frames(o, "at")));
            attr(c->x, "name", proto_obj_str(o, "name"));
            end(c->x);
        }
        end(c->x);
    }
    end(c->x);
}

/* Takes the writer's buffer as a malloc'd string. */
static int take(xmlBufferPtr b, char **out, size_t *len)
{
    *len = (size_t)xmlBufferLength(b);
    *out = malloc(*len + 1);
    if (!*out)
        return -1;
    memcpy(*out, xmlBufferContent(b), *len);
    (*out)[*len] = '\0';
    return 0;
}

static int write_project(struct ctx *c, xmlBufferPtr b)
{
    const json_t *project = proto_doc_get(c->doc, "project");
    const json_t *meter = json_object_get(project, "meter");
    xw x = {xmlNewTextWriterMemory(b, 0), 0};

    if (!x.w)
        return -1;
    c->x = &x;
    xmlTextWriterSetIndent(x.w, 1);
    if (xmlTextWriterStartDocument(x.w, NULL, "UTF-8", "yes") < 0)
        x.bad = 1;
    start(&x, "Project");
    attr(&x, "version", "1.0");
    start(&x, "Application");
    attr(&x, "name", "mixroom");
    attr(&x, "version", PACKAGE_VERSION);
    end(&x);
    start(&x, "Transport");
    real_param(&x, "Tempo", "tempo", NULL, "bpm", 20, 999, c->tempo);
    start(&x, "TimeSignature");
    attr(&x, "id", "meter");
    attrf(&x, "numerator", "%lld",
          json_is_integer(json_array_get(meter, 0))
              ? (long long)json_integer_value(json_array_get(meter, 0)) : 4);
    attrf(&x, "denominator", "%lld",
          json_is_integer(json_array_get(meter, 1))
              ? (long long)json_integer_value(json_array_get(meter, 1)) : 4);
    end(&x);
    end(&x);
    structure(c);
    arrangement(c);
    end(&x);
    if (!x.bad && xmlTextWriterEndDocument(x.w) < 0)
        x.bad = 1;
    xmlFreeTextWriter(x.w); /* flushes into b */
    return x.bad ? -1 : 0;
}

static int write_metadata(const struct srv_dawproject_meta *m, xmlBufferPtr b)
{
    xw x = {xmlNewTextWriterMemory(b, 0), 0};
    char text[600];

    if (!x.w)
        return -1;
    xmlTextWriterSetIndent(x.w, 1);
    if (xmlTextWriterStartDocument(x.w, NULL, "UTF-8", "yes") < 0)
        x.bad = 1;
    start(&x, "MetaData");
    if (!x.bad && (xmlTextWriterWriteElement(x.w, BAD_CAST "Title",
                                             BAD_CAST m->title) < 0 ||
                   xmlTextWriterWriteElement(x.w, BAD_CAST "Artist",
                                             BAD_CAST m->artist) < 0))
        x.bad = 1;
    snprintf(text, sizeof text,
             "Exported from mixroom %s, revision %lld of project %s",
             PACKAGE_VERSION, m->rev, m->project_id);
    if (!x.bad && xmlTextWriterWriteElement(x.w, BAD_CAST "Comment",
                                            BAD_CAST text) < 0)
        x.bad = 1;
    end(&x);
    if (!x.bad && xmlTextWriterEndDocument(x.w) < 0)
        x.bad = 1;
    xmlFreeTextWriter(x.w);
    return x.bad ? -1 : 0;
}

int srv_dawproject_xml(const proto_doc *doc,
                       const struct srv_dawproject_meta *meta,
                       const struct srv_dawproject_audio *audio,
                       size_t n_audio, char **project, size_t *project_len,
                       char **metadata, size_t *metadata_len, proto_err *err)
{
    struct ctx c = {.doc = doc, .audio = audio, .n_audio = n_audio};
    xmlBufferPtr pb = xmlBufferCreate(), mb = xmlBufferCreate();
    int rc = -1;

    *project = *metadata = NULL;
    c.o = (objs){json_array(), json_array(), json_array(), json_array(),
                 json_array(), json_array(), json_array()};
    c.rate = proto_doc_sample_rate(doc);
    c.tempo = num(proto_doc_get(doc, "project"), "tempo", 120);
    if (c.rate <= 0)
        c.rate = 48000;
    if (!pb || !mb || !c.o.tracks || !c.o.effects || !c.o.sends ||
        !c.o.clips || !c.o.notes || !c.o.markers || !c.o.autos ||
        proto_doc_each(doc, collect, &c.o) != 0)
        goto out;
    if (sort_array(c.o.tracks, cmp_order, NULL) != 0 ||
        sort_array(c.o.effects, cmp_order, NULL) != 0 ||
        sort_array(c.o.clips, cmp_int, "start") != 0 ||
        sort_array(c.o.notes, cmp_int, "at") != 0 ||
        sort_array(c.o.markers, cmp_int, "at") != 0 ||
        write_project(&c, pb) != 0 || write_metadata(meta, mb) != 0 ||
        take(pb, project, project_len) != 0 ||
        take(mb, metadata, metadata_len) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0) {
        free(*project);
        free(*metadata);
        *project = *metadata = NULL;
        proto_fail(err, PROTO_INTERNAL,
                   "the DAWproject XML could not be written (out of memory "
                   "or a libxml2 error)");
    }
    json_decref(c.o.tracks);
    json_decref(c.o.effects);
    json_decref(c.o.sends);
    json_decref(c.o.clips);
    json_decref(c.o.notes);
    json_decref(c.o.markers);
    json_decref(c.o.autos);
    xmlBufferFree(pb);
    xmlBufferFree(mb);
    return rc;
}
