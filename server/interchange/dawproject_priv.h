/* dawproject_priv.h -- what the two halves of the DAWproject mapper share
 * (dawproject_map.c: structure, arrangement, the result; dawproject_devices.c:
 * devices and instruments): the mapping state and small helpers for
 * attributes, units, ids and report lines. Private to server/interchange/. */
#ifndef MIXROOM_INTERCHANGE_DAWPROJECT_PRIV_H
#define MIXROOM_INTERCHANGE_DAWPROJECT_PRIV_H

#include <jansson.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"

/* What an XML id stands for (ctx.ids values: {"k": kind, "m": mixroom id,
 * "p": param, "u": unit, "min", "max"}). */
#define K_TRACK "track"   /* a Track or its Channel: m = track id */
#define K_MASTER "master" /* the master Channel */
#define K_PARAM "param"   /* a parameter: m = track, p = automation param */

struct ctx {
    int rate;
    double tempo;
    json_t *creates;   /* tracks, effects, sends */
    json_t *later;     /* outputs, clips, notes, markers, automation */
    json_t *report;    /* {sentence key -> {"n", "names"}} in order */
    json_t *files;
    json_t *ids;       /* XML id -> what it is */
    json_t *autos;     /* "track|param" -> automation object fields */
    json_t *notes_tracks; /* XML track ids whose lanes hold notes */
    json_t *pending;   /* [{"track", "dest"}] channel destinations */
    json_t *sends;     /* [{"track", "dest", "level", "pre"}] */
    char *order;       /* last track order key */
    int ntracks, nclips, nnotes, nmarkers, neffects, nsends;
    char err[300];
};


/* ---- small XML helpers ---- */

static inline int is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE &&
           !xmlStrcmp(n->name, (const xmlChar *)name);
}

static inline xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* The attribute into out (cut at n, UTF-8 kept whole); 1 if present. */
static inline int attr(xmlNodePtr n, const char *name, char *out, size_t sz)
{
    xmlChar *v = n ? xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;
    size_t len;

    out[0] = '\0';
    if (!v)
        return 0;
    snprintf(out, sz, "%s", (const char *)v);
    xmlFree(v);
    len = strlen(out);
    while (len > 0 && proto_utf8_length(out) == (size_t)-1)
        out[--len] = '\0';
    return 1;
}

/* A number attribute; 1 when present and finite. */
static inline int num(xmlNodePtr n, const char *name, double *v)
{
    char buf[64], *end;

    if (!attr(n, name, buf, sizeof buf) || !buf[0])
        return 0;
    *v = strtod(buf, &end);
    while (*end == ' ')
        end++;
    return *end == '\0' && isfinite(*v);
}

static inline int flag(xmlNodePtr n, const char *name, int def)
{
    char buf[16];

    if (!attr(n, name, buf, sizeof buf))
        return def;
    return !strcmp(buf, "true") || !strcmp(buf, "1");
}

/* A mixroom text field: at most max code points. */
static inline void text_field(const char *in, char *out, size_t sz, size_t max)
{
    size_t o = 0, cp = 0;

    for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < sz;) {
        size_t l = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2
                 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        if (cp == max)
            break;
        for (size_t i = 0; i < l && p[i]; i++)
            out[o++] = (char)((p[i] < 0x20) ? ' ' : p[i]);
        p += l;
        cp++;
    }
    out[o] = '\0';
    while (o > 0 && proto_utf8_length(out) == (size_t)-1)
        out[--o] = '\0';
}


/* ---- the report ---- */

/* Counts one dropped thing under a sentence "%d <plural>..." (one/many)
 * with an optional name listed after it. */
static inline void drop(struct ctx *c, const char *one, const char *many,
                 const char *name)
{
    json_t *e = json_object_get(c->report, one);

    if (!e) {
        e = json_pack("{s:i, s:s, s:[]}", "n", 0, "many", many, "names");
        json_object_set_new(c->report, one, e);
    }
    json_object_set_new(e, "n",
                        json_integer(json_integer_value(json_object_get(e, "n")) + 1));
    if (name && name[0] && json_array_size(json_object_get(e, "names")) < 8)
        json_array_append_new(json_object_get(e, "names"), json_string(name));
}


/* ---- units ---- */

/* Seconds or beats at the project tempo into frames (rounded). */
static inline int64_t frames(const struct ctx *c, double v, const char *unit)
{
    double s = !strcmp(unit, "seconds") ? v : v * 60.0 / c->tempo;
    double f = floor(s * c->rate + 0.5);

    if (!(f >= 0))
        return 0;
    return f > (double)PROTO_MAX_FRAMES ? PROTO_MAX_FRAMES : (int64_t)f;
}

/* Seconds or beats into note ticks (960 a quarter note). */
static inline int64_t ticks(const struct ctx *c, double v, const char *unit)
{
    double b = !strcmp(unit, "seconds") ? v * c->tempo / 60.0 : v;
    double t = floor(b * PROTO_TICKS_PER_QUARTER + 0.5);

    if (!(t >= 0))
        return 0;
    return t > (double)PROTO_MAX_TICKS / 2 ? PROTO_MAX_TICKS / 2 : (int64_t)t;
}

/* A volume in unit (linear, decibel, percent; normalized read as linear)
 * into dB; -INFINITY for silence. */
static inline double to_db(double v, const char *unit)
{
    if (!strcmp(unit, "decibel"))
        return v;
    if (!strcmp(unit, "percent"))
        v /= 100.0;
    return v > 0 ? 20.0 * log10(v) : -INFINITY;
}

/* A pan value into -1..1: by min/max when given, else by unit
 * (normalized 0..1, percent -100..100, linear -1..1). */
static inline double to_pan(double v, const char *unit, int has_range, double min,
                     double max)
{
    double p;

    if (has_range && max > min)
        p = -1.0 + 2.0 * (v - min) / (max - min);
    else if (!strcmp(unit, "normalized"))
        p = 2.0 * v - 1.0;
    else if (!strcmp(unit, "percent"))
        p = v / 100.0;
    else
        p = v;
    return p < -1 ? -1 : p > 1 ? 1 : p;
}

static inline double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* A device parameter's value in mixroom's unit for (type, param): seconds
 * become milliseconds; the rest is taken as it is; clamped to the range. */
static inline double effect_value(const char *type, const char *param, double v,
                           const char *unit)
{
    double lo = 0, hi = 0;

    if (!strcmp(unit, "seconds"))
        v *= 1000.0;
    else if (!strcmp(param, "ratio") && !strcmp(unit, "percent"))
        v = v >= 100 ? 20 : 100.0 / (100.0 - v);
    else if (!strcmp(unit, "linear") && (!strcmp(param, "threshold") ||
                                         !strcmp(param, "ceiling") ||
                                         !strcmp(param, "makeup")))
        v = v > 0 ? 20.0 * log10(v) : -144;
    if (proto_effect_param_range(type, param, &lo, &hi, NULL))
        v = clampd(v, lo, hi);
    return v;
}


/* ---- ids ---- */

static inline void remember(struct ctx *c, xmlNodePtr n, const char *kind,
                     const char *mid, const char *param)
{
    char id[128], unit[32];
    double mn = 0, mx = 0;
    json_t *e;

    if (!attr(n, "id", id, sizeof id) || !id[0])
        return;
    attr(n, "unit", unit, sizeof unit);
    e = json_pack("{s:s, s:s, s:s, s:s}", "k", kind, "m", mid, "p",
                  param ? param : "", "u", unit);
    if (num(n, "min", &mn) && num(n, "max", &mx)) {
        json_object_set_new(e, "min", json_real(mn));
        json_object_set_new(e, "max", json_real(mx));
    }
    json_object_set_new(c->ids, id, e);
}

static inline const json_t *lookup(const struct ctx *c, xmlNodePtr n,
                            const char *attr_name)
{
    char id[128];

    if (!attr(n, attr_name, id, sizeof id))
        return NULL;
    return json_object_get(c->ids, id);
}


/* ---- structure: tracks, channels, devices, sends ---- */

static inline void add_op(json_t *list, const char *op, const char *id,
                   const char *kind, json_t *fields)
{
    json_t *o = json_pack("{s:s, s:s, s:o}", "op", op, "id", id, "fields",
                          fields);
    if (kind)
        json_object_set_new(o, "kind", json_string(kind));
    json_array_append_new(list, o);
}

/* Volume, pan, mute of a channel into track fields (or the project). */

/* The devices of a channel (dawproject_devices.c): the built-in Equalizer,
 * Compressor and Limiter and mixroom's own effect comments become effects
 * of track tid; everything else is reported. master: the master channel
 * (whose devices are all dropped). */
void dpm_channel_devices(struct ctx *c, xmlNodePtr ch, const char *tid,
                         int master);

/* The instrument of a notes track from its devices: mixroom's own
 * BuiltinDevice when there is one, else the default (a report line names
 * the instrument that was not kept). New reference. */
json_t *dpm_instrument(struct ctx *c, xmlNodePtr ch);

#endif
