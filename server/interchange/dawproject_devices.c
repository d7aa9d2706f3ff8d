/* dawproject_devices.c -- the devices of a DAWproject channel as mixroom
 * effects (Equalizer -> eq, Compressor -> compressor, Limiter -> limiter, the
 * XML comments mixroom's export writes for delay and reverb) and the
 * instrument of a notes track; other devices become report lines. Half of
 * the mapper of dawproject.h (see dawproject_priv.h). */
#include "server/interchange/dawproject_priv.h"

#include "protocol/instruments.h"
#include "protocol/order.h"

static const char *band_type(const char *t)
{
    static const char *const map[][2] = {
        {"bell", "peak"},         {"lowShelf", "lowshelf"},
        {"highShelf", "highshelf"}, {"lowPass", "lowpass"},
        {"highPass", "highpass"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], t))
            return map[i][1];
    return NULL;
}

/* A realParameter child of a device into params[param] (mixroom units);
 * its id is remembered for automation. */
static void device_param(struct ctx *c, xmlNodePtr dev, const char *el,
                         const char *type, const char *param,
                         const char *eid, const char *tid, json_t *params)
{
    xmlNodePtr p = child(dev, el);
    char unit[32], ap[96];
    double v;

    if (!p)
        return;
    attr(p, "unit", unit, sizeof unit);
    if (num(p, "value", &v))
        json_object_set_new(params, param,
                            json_real(effect_value(type, param, v, unit)));
    snprintf(ap, sizeof ap, "%s.%s", eid, param);
    remember(c, p, K_PARAM, tid, ap);
}

static json_t *eq_bands(struct ctx *c, xmlNodePtr dev)
{
    json_t *bands = json_array();
    char t[32], unit[32];
    double v;

    for (xmlNodePtr b = dev->children; b; b = b->next) {
        if (!is(b, "Band"))
            continue;
        attr(b, "type", t, sizeof t);
        const char *mt = band_type(t);
        xmlNodePtr en = child(b, "Enabled");
        if (!mt || (en && !flag(en, "value", 1))) {
            drop(c, mt ? "%d disabled EQ band dropped" : "%d EQ band of a type mixroom lacks dropped",
                 mt ? "%d disabled EQ bands dropped" : "%d EQ bands of types mixroom lacks dropped",
                 mt ? NULL : t);
            continue;
        }
        if (json_array_size(bands) >= 8) {
            drop(c, "%d EQ band past the 8th dropped",
                 "%d EQ bands past the 8th dropped", NULL);
            continue;
        }
        json_t *band = json_pack("{s:s}", "type", mt);
        if (num(child(b, "Freq"), "value", &v))
            json_object_set_new(band, "freq", json_real(clampd(v, 20, 20000)));
        if (child(b, "Gain") && num(child(b, "Gain"), "value", &v)) {
            attr(child(b, "Gain"), "unit", unit, sizeof unit);
            if (!strcmp(unit, "linear"))
                v = v > 0 ? 20 * log10(v) : -24;
            json_object_set_new(band, "gain", json_real(clampd(v, -24, 24)));
        }
        if (child(b, "Q") && num(child(b, "Q"), "value", &v))
            json_object_set_new(band, "q", json_real(clampd(v, 0.1, 18)));
        json_array_append_new(bands, band);
    }
    return bands;
}

/* A RealParameter named `param` in the device's Parameters (mixroom's
 * export keeps knee and lookahead there) into params[param]. */
static void named_param(struct ctx *c, xmlNodePtr dev, const char *param,
                        const char *type, const char *eid, const char *tid,
                        json_t *params)
{
    xmlNodePtr ps = child(dev, "Parameters");
    char nm[64], unit[32], ap[96];
    double v;

    for (xmlNodePtr p = ps ? ps->children : NULL; p; p = p->next) {
        if (!is(p, "RealParameter") || !attr(p, "name", nm, sizeof nm) ||
            strcmp(nm, param))
            continue;
        attr(p, "unit", unit, sizeof unit);
        if (num(p, "value", &v))
            json_object_set_new(params, param,
                                json_real(effect_value(type, param, v, unit)));
        snprintf(ap, sizeof ap, "%s.%s", eid, param);
        remember(c, p, K_PARAM, tid, ap);
        return;
    }
}

/* An XML comment " mixroom effect TYPE XMLID {json} " (written by
 * mixroom's export for effects DAWproject has no device for) as that
 * effect; returns its new order key, or NULL when it is no such comment. */
static char *comment_effect(struct ctx *c, xmlNodePtr d, const char *tid,
                            const char *order)
{
    const char *t = (const char *)d->content;
    char type[32], xid[128];
    int used = 0;
    json_t *j, *params;
    json_error_t je;

    if (!t || sscanf(t, " mixroom effect %31s %127s %n", type, xid, &used) != 2 ||
        !used || !proto_effect_type_known(type) ||
        !(j = json_loads(t + used, JSON_DECODE_ANY, &je)))
        return NULL;
    params = json_object_get(j, "params");
    if (!json_is_object(params)) {
        json_decref(j);
        return NULL;
    }
    char *next = proto_order_between(order, NULL);
    char eid[48];
    snprintf(eid, sizeof eid, "dpe%d", ++c->neffects);
    add_op(c->creates, "create", eid, "effect",
           json_pack("{s:s, s:s, s:s, s:b, s:O}", "track", tid, "type", type,
                     "order", next ? next : "V", "bypass",
                     json_is_true(json_object_get(j, "bypass")), "params",
                     params));
    json_decref(j);
    return next;
}

/* True for the instrument device mixroom's export writes. */
static int mixroom_instrument(xmlNodePtr d)
{
    char vendor[32], role[32], id[64];

    return attr(d, "deviceVendor", vendor, sizeof vendor) &&
           !strcmp(vendor, "mixroom") &&
           attr(d, "deviceRole", role, sizeof role) && !strcmp(role, "instrument") &&
           attr(d, "deviceID", id, sizeof id) && !strncmp(id, "mixroom.", 8);
}

json_t *dpm_instrument(struct ctx *c, xmlNodePtr ch)
{
    xmlNodePtr devs = child(ch, "Devices");
    char id[64], name[160], labels[512], pn[64];
    proto_err err;
    double v;

    for (xmlNodePtr d = devs ? devs->children : NULL; d; d = d->next) {
        if (!is(d, "BuiltinDevice") || !mixroom_instrument(d))
            continue;
        attr(d, "deviceID", id, sizeof id);
        attr(d, "name", name, sizeof name);
        json_t *given = json_pack("{s:s}", "type", id + 8);
        if (!strcmp(id + 8, "synth") && name[0])
            json_object_set_new(given, "preset", json_string(name));
        xmlNodePtr ps = child(d, "Parameters");
        for (xmlNodePtr p = ps ? ps->children : NULL; p; p = p->next) {
            if (!attr(p, "name", pn, sizeof pn) || !pn[0] || !num(p, "value", &v))
                continue;
            if (is(p, "RealParameter"))
                json_object_set_new(given, pn, json_real(v));
            else if (is(p, "IntegerParameter"))
                json_object_set_new(given, pn, json_integer((json_int_t)v));
            else if (is(p, "EnumParameter") && attr(p, "labels", labels, sizeof labels)) {
                char *save = NULL, *tok = strtok_r(labels, " ", &save);
                for (int k = 0; tok && k < (int)v; k++)
                    tok = strtok_r(NULL, " ", &save);
                if (tok)
                    json_object_set_new(given, pn, json_string(tok));
            }
        }
        json_t *inst = proto_instrument_build(NULL, given, &err);
        json_decref(given);
        if (inst)
            return inst;
        drop(c, "%d instrument mixroom cannot play replaced by its keys synth",
             "%d instruments mixroom cannot play replaced by its keys synth",
             err.message);
        break;
    }
    return proto_instrument_for_midi(0, 0);
}

/* The report lines of devices mixroom has no effect for, by element; the
 * last row is every other device. */
static const struct dropped_kind {
    const char *element, *one, *many;
} dropped_kinds[] = {
    {"Vst3Plugin", "%d VST3 plug-in kept as its name only",
     "%d VST3 plug-ins kept as names only"},
    {"Vst2Plugin", "%d VST2 plug-in kept as its name only",
     "%d VST2 plug-ins kept as names only"},
    {"ClapPlugin", "%d CLAP plug-in kept as its name only",
     "%d CLAP plug-ins kept as names only"},
    {"AuPlugin", "%d Audio Unit plug-in kept as its name only",
     "%d Audio Unit plug-ins kept as names only"},
    {"NoiseGate", "%d noise gate dropped (mixroom has none)",
     "%d noise gates dropped (mixroom has none)"},
    {NULL, "%d device dropped", "%d devices dropped"}};

/* The devices of a channel: the three built-ins become effects; every
 * other device is reported by kind and name. */
void dpm_channel_devices(struct ctx *c, xmlNodePtr ch, const char *tid,
                            int master)
{
    xmlNodePtr devs = child(ch, "Devices");
    char *order = NULL, eid[48], name[160];

    for (xmlNodePtr d = devs ? devs->children : NULL; d; d = d->next) {
        const char *type = NULL;
        if (d->type == XML_COMMENT_NODE && !master) {
            char *next = comment_effect(c, d, tid, order);
            if (next) {
                free(order);
                order = next;
            }
            continue;
        }
        if (d->type != XML_ELEMENT_NODE)
            continue;
        if (is(d, "BuiltinDevice") && mixroom_instrument(d))
            continue; /* read by dpm_instrument */
        if (!attr(d, "deviceName", name, sizeof name) || !name[0])
            attr(d, "name", name, sizeof name);
        if (is(d, "Equalizer"))
            type = "eq";
        else if (is(d, "Compressor"))
            type = "compressor";
        else if (is(d, "Limiter"))
            type = "limiter";
        if (master && type) {
            drop(c, "%d device on the master channel dropped",
                 "%d devices on the master channel dropped", name);
            continue;
        }
        if (!type) {
            const struct dropped_kind *k = dropped_kinds;
            while (k->element && !is(d, k->element))
                k++;
            drop(c, k->one, k->many, name);
            continue;
        }
        snprintf(eid, sizeof eid, "dpe%d", ++c->neffects);
        char *next = proto_order_between(order, NULL);
        free(order);
        order = next;
        json_t *params = json_object();
        if (!strcmp(type, "eq"))
            json_object_set_new(params, "bands", eq_bands(c, d));
        else if (!strcmp(type, "compressor")) {
            device_param(c, d, "Threshold", type, "threshold", eid, tid, params);
            device_param(c, d, "Ratio", type, "ratio", eid, tid, params);
            device_param(c, d, "Attack", type, "attack", eid, tid, params);
            device_param(c, d, "Release", type, "release", eid, tid, params);
            device_param(c, d, "OutputGain", type, "makeup", eid, tid, params);
            named_param(c, d, "knee", type, eid, tid, params);
            if (child(d, "AutoMakeup") && flag(child(d, "AutoMakeup"), "value", 0))
                drop(c, "%d compressor auto make-up dropped",
                     "%d compressor auto make-ups dropped", NULL);
        } else {
            device_param(c, d, "Threshold", type, "ceiling", eid, tid, params);
            device_param(c, d, "Release", type, "release", eid, tid, params);
            device_param(c, d, "Attack", type, "lookahead", eid, tid, params);
            named_param(c, d, "lookahead", type, eid, tid, params);
        }
        xmlNodePtr en = child(d, "Enabled");
        add_op(c->creates, "create", eid, "effect",
               json_pack("{s:s, s:s, s:s, s:b, s:o}", "track", tid, "type",
                         type, "order", order ? order : "V", "bypass",
                         en ? !flag(en, "value", 1) : 0, "params", params));
    }
    free(order);
}

