/* dawproject_map.c -- a validated DAWproject project.xml as mixroom ops
 * for a new project (dawproject.h): tracks and their channels (volume,
 * pan, mute, solo, destination), buses, sends, the built-in Equalizer,
 * Compressor and Limiter, audio and note clips, markers, tempo and meter,
 * automation of volume, pan and device parameters. Whatever mixroom
 * cannot represent becomes a report line; times in beats or seconds and
 * volumes in linear or decibel units are converted. The table is in
 * docs/interchange.md ("DAWproject -> mixroom"). */
#include "server/interchange/dawproject.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/instruments.h"
#include "protocol/order.h"
#include "server/interchange/zip_read.h"

#include "server/interchange/dawproject_priv.h"

static const char *const colors[] = {"#e07a5f", "#3d85c6", "#81b29a",
                                     "#f2cc8f", "#9b5de5", "#00b4d8"};

static json_t *report_lines(const json_t *rep)
{
    json_t *out = json_array();
    const char *key;
    json_t *e;

    json_object_foreach((json_t *)rep, key, e) {
        json_int_t n = json_integer_value(json_object_get(e, "n"));
        char line[1200], names[800] = "";
        size_t i, o = 0;
        json_t *nm;
        json_array_foreach(json_object_get(e, "names"), i, nm) {
            int w = snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
                             json_string_value(nm));
            if (w < 0 || (size_t)w >= sizeof names - o)
                break;
            o += (size_t)w;
        }
        const char *tmpl = n == 1 ? key : json_string_value(json_object_get(e, "many"));
        const char *pc = strstr(tmpl, "%d");
        snprintf(line, sizeof line, "%.*s%lld%s", pc ? (int)(pc - tmpl) : 0,
                 tmpl, (long long)n, pc ? pc + 2 : tmpl);
        if (names[0])
            snprintf(line + strlen(line), sizeof line - strlen(line), " (%s)", names);
        json_array_append_new(out, json_string(line));
    }
    return out;
}

static void channel_mix(struct ctx *c, xmlNodePtr ch, const char *tid,
                        json_t *fields, int master)
{
    xmlNodePtr vol = child(ch, "Volume"), pan = child(ch, "Pan"),
               mute = child(ch, "Mute");
    char unit[32];
    double v, mn = 0, mx = 0;

    if (vol && num(vol, "value", &v)) {
        attr(vol, "unit", unit, sizeof unit);
        double db = to_db(v, unit);
        if (db > 12) {
            drop(c, "%d volume above +12 dB set to +12 dB",
                 "%d volumes above +12 dB set to +12 dB", NULL);
            db = 12;
        }
        json_object_set_new(fields, master ? "master_gain" : "gain",
                            db >= PROTO_GAIN_FLOOR_DB ? json_real(db)
                                                      : json_null());
    }
    if (vol)
        remember(c, vol, K_PARAM, tid, "gain");
    if (master) {
        if ((pan && num(pan, "value", &v) &&
             fabs(to_pan(v, (attr(pan, "unit", unit, sizeof unit), unit),
                         num(pan, "min", &mn) && num(pan, "max", &mx), mn, mx)) > 1e-6) ||
            (mute && flag(mute, "value", 0)))
            drop(c, "%d pan or mute of the master channel dropped",
                 "%d pan or mute settings of the master channel dropped", NULL);
        return;
    }
    if (pan && num(pan, "value", &v)) {
        attr(pan, "unit", unit, sizeof unit);
        int r = num(pan, "min", &mn) && num(pan, "max", &mx);
        json_object_set_new(fields, "pan",
                            json_real(to_pan(v, unit, r, mn, mx)));
    }
    if (pan)
        remember(c, pan, K_PARAM, tid, "pan");
    if (mute) {
        json_object_set_new(fields, "mute", json_boolean(flag(mute, "value", 0)));
        remember(c, mute, K_PARAM, tid, "mute");
    }
    json_object_set_new(fields, "solo", json_boolean(flag(ch, "solo", 0)));
}

static void channel_sends(struct ctx *c, xmlNodePtr ch, const char *tid)
{
    xmlNodePtr sends = child(ch, "Sends");
    char dest[128], type[16], unit[32];
    double v;

    for (xmlNodePtr s = sends ? sends->children : NULL; s; s = s->next) {
        if (!is(s, "Send"))
            continue;
        attr(s, "destination", dest, sizeof dest);
        attr(s, "type", type, sizeof type);
        xmlNodePtr vol = child(s, "Volume"), en = child(s, "Enable");
        double db = 0;
        if (vol && num(vol, "value", &v)) {
            attr(vol, "unit", unit, sizeof unit);
            db = to_db(v, unit);
        }
        if (en && !flag(en, "value", 1)) {
            drop(c, "%d disabled send dropped", "%d disabled sends dropped", NULL);
            continue;
        }
        json_array_append_new(c->sends, json_pack(
            "{s:s, s:s, s:o, s:b}", "track", tid, "dest", dest, "level",
            db >= PROTO_GAIN_FLOOR_DB ? json_real(db > 12 ? 12 : db) : json_null(),
            "pre", !strcmp(type, "pre")));
    }
}

/* contentType holds word w (a list attribute). */
static int content_has(xmlNodePtr t, const char *w)
{
    char ct[200];
    size_t wl = strlen(w);

    attr(t, "contentType", ct, sizeof ct);
    for (char *p = ct; (p = strstr(p, w)); p += wl)
        if ((p == ct || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
            return 1;
    return 0;
}

static void channel_track(struct ctx *c, xmlNodePtr holder, xmlNodePtr ch,
                          const char *role_hint)
{
    char role[16], name[256], nm[256], color[16], tid[40], dest[128];
    json_t *fields;
    int instrument;

    attr(ch, "role", role, sizeof role);
    if (!strcmp(role, "master")) {
        fields = json_object();
        remember(c, ch, K_MASTER, "master", NULL);
        if (holder != ch)
            remember(c, holder, K_MASTER, "master", NULL);
        channel_mix(c, ch, "project", fields, 1);
        json_object_del(fields, "solo");
        if (json_object_size(fields))
            add_op(c->later, "set", "project", NULL, fields);
        else
            json_decref(fields);
        dpm_channel_devices(c, ch, "project", 1);
        return;
    }
    if (!strcmp(role, "vca")) {
        drop(c, "%d VCA channel dropped", "%d VCA channels dropped", NULL);
        return;
    }
    snprintf(tid, sizeof tid, "dpt%d", ++c->ntracks);
    remember(c, ch, K_TRACK, tid, NULL);
    if (holder != ch)
        remember(c, holder, K_TRACK, tid, NULL);
    if (!attr(holder, "name", name, sizeof name) || !name[0])
        attr(ch, "name", name, sizeof name);
    text_field(name, nm, sizeof nm, 200);
    instrument = holder != ch &&
                 (content_has(holder, "notes") ||
                  json_object_get(c->notes_tracks,
                                  (attr(holder, "id", dest, sizeof dest), dest)));
    const char *mrole = !strcmp(role, "effect") || !strcmp(role, "submix") ||
                                !strcmp(role_hint, "bus")
                            ? "bus"
                            : instrument ? "instrument" : "audio";
    char *next = proto_order_between(c->order, NULL);
    free(c->order);
    c->order = next;
    if (!attr(holder, "color", color, sizeof color) || strlen(color) != 7 ||
        color[0] != '#' || strspn(color + 1, "0123456789abcdefABCDEF") != 6)
        snprintf(color, sizeof color, "%s", colors[(c->ntracks - 1) % 6]);
    for (char *p = color; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    fields = json_pack("{s:s, s:s, s:s, s:s}", "name", nm, "order",
                       c->order ? c->order : "V", "color", color, "role", mrole);
    if (!strcmp(mrole, "instrument"))
        json_object_set_new(fields, "instrument", dpm_instrument(c, ch));
    channel_mix(c, ch, tid, fields, 0);
    add_op(c->creates, "create", tid, "track", fields);
    if (attr(ch, "destination", dest, sizeof dest) && dest[0])
        json_array_append_new(c->pending,
                              json_pack("{s:s, s:s}", "track", tid, "dest", dest));
    dpm_channel_devices(c, ch, tid, 0);
    channel_sends(c, ch, tid);
}

static void structure_track(struct ctx *c, xmlNodePtr t, int depth)
{
    xmlNodePtr ch = child(t, "Channel");
    char name[160];

    if (ch)
        channel_track(c, t, ch, content_has(t, "tracks") ? "bus" : "");
    else if (!content_has(t, "tracks")) {
        attr(t, "name", name, sizeof name);
        drop(c, "%d track without a channel dropped",
             "%d tracks without a channel dropped", name);
    }
    if (content_has(t, "tracks") && !ch)
        drop(c, "%d folder track flattened (its tracks kept)",
             "%d folder tracks flattened (their tracks kept)", NULL);
    for (xmlNodePtr k = t->children; k; k = k->next)
        if (is(k, "Track") && depth < 64)
            structure_track(c, k, depth + 1);
}

/* The role of a track this mapping creates ("" if none). */
static const char *role_of(const struct ctx *c, const json_t *tid)
{
    size_t i;
    json_t *op;

    json_array_foreach(c->creates, i, op)
        if (json_equal(json_object_get(op, "id"), (json_t *)tid))
            return json_string_value(json_object_get(json_object_get(op, "fields"), "role"));
    return "";
}

/* Destinations and sends, once every channel has its track. */
static void routing(struct ctx *c)
{
    size_t i;
    json_t *p;

    json_array_foreach(c->pending, i, p) {
        const json_t *to = json_object_get(c->ids,
                                           json_string_value(json_object_get(p, "dest")));
        const char *k = json_string_value(json_object_get(to, "k"));
        if (k && !strcmp(k, K_MASTER))
            continue;
        if (k && !strcmp(k, K_TRACK) &&
            !strcmp(role_of(c, json_object_get(to, "m")), "bus") &&
            !json_equal(json_object_get(to, "m"), json_object_get(p, "track"))) {
            add_op(c->later, "set", json_string_value(json_object_get(p, "track")),
                   NULL, json_pack("{s:O}", "output", json_object_get(to, "m")));
            continue;
        }
        drop(c, "%d channel destination that is not a bus sent to master instead",
             "%d channel destinations that are not buses sent to master instead", NULL);
    }
    json_array_foreach(c->sends, i, p) {
        const json_t *to = json_object_get(c->ids,
                                           json_string_value(json_object_get(p, "dest")));
        const char *k = json_string_value(json_object_get(to, "k"));
        char sid[40];
        if (!k || strcmp(k, K_TRACK) ||
            strcmp(role_of(c, json_object_get(to, "m")), "bus") ||
            json_equal(json_object_get(to, "m"), json_object_get(p, "track"))) {
            drop(c, "%d send to something other than a bus dropped",
                 "%d sends to something other than a bus dropped", NULL);
            continue;
        }
        snprintf(sid, sizeof sid, "dps%d", ++c->nsends);
        add_op(c->later, "create", sid, "send", json_pack(
            "{s:O, s:O, s:O, s:O}", "track", json_object_get(p, "track"),
            "target", json_object_get(to, "m"), "level",
            json_object_get(p, "level"), "pre", json_object_get(p, "pre")));
    }
}

/* ---- the arrangement ---- */

static void find_notes_tracks(struct ctx *c, xmlNodePtr n, const char *track,
                              int depth)
{
    char t[128];

    for (; n && depth < 200; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *here = track;
        if (is(n, "Lanes") && attr(n, "track", t, sizeof t) && t[0])
            here = t;
        if (is(n, "Notes") && here && here[0])
            json_object_set_new(c->notes_tracks, here, json_true());
        /* the loop below is bounded by the document (libxml2's depth
         * limit), and `t` is per frame */
        char keep[128];
        snprintf(keep, sizeof keep, "%s", here ? here : "");
        find_notes_tracks(c, n->children, keep, depth + 1);
    }
}

/* The audio file of an Audio element: its placeholder asset id, or NULL
 * (reported) for an external file. -1 for a path outside the archive. */
static int audio_file(struct ctx *c, xmlNodePtr audio, char *asset, size_t n)
{
    xmlNodePtr f = child(audio, "File");
    char path[1100];
    size_t i;
    json_t *e;

    attr(f, "path", path, sizeof path);
    if (flag(f, "external", 0)) {
        drop(c, "%d clip of an external file dropped (not in the archive)",
             "%d clips of external files dropped (not in the archive)", path);
        return 0;
    }
    if (!ix_zip_path_ok(path) || path[strlen(path) - 1] == '/') {
        char shown[200];
        text_field(path, shown, sizeof shown, 120);
        snprintf(c->err, sizeof c->err,
                 "project.xml refers to the file \"%s\", which is not a plain "
                 "path inside the archive", shown);
        return -1;
    }
    json_array_foreach(c->files, i, e)
        if (!strcmp(json_string_value(json_object_get(e, "path")), path)) {
            snprintf(asset, n, "%s", json_string_value(json_object_get(e, "asset")));
            return 1;
        }
    snprintf(asset, n, "dpa%zu", json_array_size(c->files) + 1);
    const char *base = strrchr(path, '/');
    char nm[256], an[256];
    /* mixroom's export names the asset on the Audio element */
    if (attr(audio, "name", an, sizeof an) && an[0])
        text_field(an, nm, sizeof nm, 200);
    else
        text_field(base ? base + 1 : path, nm, sizeof nm, 200);
    json_array_append_new(c->files, json_pack("{s:s, s:s, s:s}", "path", path,
                                              "asset", asset, "name", nm));
    return 1;
}

static void clip_notes(struct ctx *c, xmlNodePtr notes, const char *cid,
                       const char *unit)
{
    char nid[48];
    double t, d, vel;
    int key;

    for (xmlNodePtr n = notes->children; n; n = n->next) {
        if (!is(n, "Note"))
            continue;
        if (!num(n, "time", &t) || !num(n, "duration", &d) ||
            !num(n, "key", &vel) || t < 0) {
            drop(c, "%d note with an unreadable time or key dropped",
                 "%d notes with unreadable times or keys dropped", NULL);
            continue;
        }
        key = (int)vel;
        if (key < 0 || key > 127) {
            drop(c, "%d note outside MIDI keys 0-127 dropped",
                 "%d notes outside MIDI keys 0-127 dropped", NULL);
            continue;
        }
        if (!num(n, "vel", &vel))
            vel = 0.8;
        int v = (int)floor(clampd(vel, 0, 1) * 127 + 0.5);
        int64_t at = ticks(c, t, unit), len = ticks(c, d, unit);
        if (n->children && child(n, "Points"))
            drop(c, "%d note expression dropped", "%d note expressions dropped", NULL);
        snprintf(nid, sizeof nid, "dpn%d", ++c->nnotes);
        add_op(c->later, "create", nid, "note", json_pack(
            "{s:s, s:I, s:I, s:i, s:i}", "clip", cid, "at", (json_int_t)at,
            "len", (json_int_t)(len < 1 ? 1 : len), "pitch", key, "vel",
            v < 1 ? 1 : v));
    }
}

/* The "key=value; key=value" note mixroom's export writes on a Clip for
 * what DAWproject has no attribute for: gain ("-3 dB", "-inf dB"), and
 * the fade shapes and take group when this build's clips have them. */
static void clip_comment(json_t *fields, char *text)
{
    static const char *const texts[] = {"fade_in_shape", "fade_out_shape",
                                        "take_group"};
    char *save = NULL;

    for (char *kv = strtok_r(text, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        while (*kv == ' ')
            kv++;
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *val = eq + 1;
        if (!strcmp(kv, "gain")) {
            char *end;
            double g = strtod(val, &end);
            if (!strncmp(val, "-inf", 4))
                json_object_set_new(fields, "gain", json_null());
            else if (end != val && isfinite(g))
                json_object_set_new(fields, "gain", json_real(clampd(g, PROTO_GAIN_FLOOR_DB, 24)));
            continue;
        }
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            if (!strcmp(kv, texts[i]) && proto_field_known("clip", kv) &&
                proto_utf8_length(val) != (size_t)-1)
                json_object_set_new(fields, kv, json_string(val));
    }
}

static int lane_clip(struct ctx *c, xmlNodePtr clip, const char *unit,
                     const json_t *track)
{
    const char *tid = json_string_value(json_object_get(track, "m"));
    char cunit[16], funit[16], name[256], nm[256], cid[40], asset[40] = "";
    xmlNodePtr content = NULL, audio = NULL, notes = NULL;
    double time, dur, v;
    json_t *fields;

    if (!attr(clip, "contentTimeUnit", cunit, sizeof cunit) || !cunit[0])
        snprintf(cunit, sizeof cunit, "%s", unit);
    if (!attr(clip, "fadeTimeUnit", funit, sizeof funit) || !funit[0])
        snprintf(funit, sizeof funit, "%s", unit);
    for (xmlNodePtr k = clip->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE) {
            content = k;
            break;
        }
    if (is(content, "Warps")) {
        audio = child(content, "Audio");
        char wu[16];
        attr(content, "contentTimeUnit", wu, sizeof wu);
        int nw = 0;
        double t0 = 0, c0 = 0, t1 = 0, c1 = 0;
        for (xmlNodePtr w = content->children; w; w = w->next)
            if (is(w, "Warp") && num(w, "time", &v)) {
                double ct = 0;
                num(w, "contentTime", &ct);
                if (nw++ == 0)
                    t0 = v, c0 = ct;
                t1 = v, c1 = ct;
            }
        if (nw >= 2 && fabs((double)frames(c, t1 - t0, cunit) -
                            (double)frames(c, c1 - c0, wu)) > 0.001 * c->rate)
            drop(c, "%d time-stretched audio clip plays unstretched",
                 "%d time-stretched audio clips play unstretched", NULL);
        snprintf(cunit, sizeof cunit, "%s", wu[0] ? wu : "seconds");
    } else if (is(content, "Audio"))
        audio = content;
    else if (is(content, "Notes"))
        notes = content;
    else if (is(content, "Lanes")) {
        notes = child(content, "Notes");
        audio = child(content, "Audio");
    }
    if (!audio && !notes) {
        drop(c, "%d clip without audio or notes dropped (nested clips, video)",
             "%d clips without audio or notes dropped (nested clips, video)", NULL);
        return 0;
    }
    if (!num(clip, "time", &time) || time < 0) {
        drop(c, "%d clip before the start of the song dropped",
             "%d clips before the start of the song dropped", NULL);
        return 0;
    }
    if (!num(clip, "duration", &dur) && !(audio && num(audio, "duration", &dur)))
        dur = 0;
    int64_t start = frames(c, time, unit), length = frames(c, dur, unit);
    if (length < 1) {
        drop(c, "%d clip of no length dropped", "%d clips of no length dropped", NULL);
        return 0;
    }
    const char *role = json_string_value(json_object_get(track, "role"));
    if ((audio && role && strcmp(role, "audio")) ||
        (notes && role && strcmp(role, "instrument"))) {
        drop(c, "%d clip on a track of another kind dropped",
             "%d clips on tracks of another kind dropped", NULL);
        return 0;
    }
    if (audio) {
        int r = audio_file(c, audio, asset, sizeof asset);
        if (r <= 0)
            return r;
    }
    snprintf(cid, sizeof cid, "dpc%d", ++c->nclips);
    attr(clip, "name", name, sizeof name);
    text_field(name, nm, sizeof nm, 200);
    fields = json_pack("{s:s, s:I, s:I, s:s}", "track", tid, "start",
                       (json_int_t)start, "length", (json_int_t)length, "name", nm);
    if (audio)
        json_object_set_new(fields, "asset", json_string(asset));
    if (num(clip, "playStart", &v) && v > 0)
        json_object_set_new(fields, "offset", json_integer(frames(c, v, cunit)));
    if (num(clip, "fadeInTime", &v) && v > 0) {
        int64_t f = frames(c, v, funit);
        json_object_set_new(fields, "fade_in", json_integer(f > length ? length : f));
    }
    if (num(clip, "fadeOutTime", &v) && v > 0) {
        int64_t f = frames(c, v, funit);
        json_object_set_new(fields, "fade_out", json_integer(f > length ? length : f));
    }
    if (!flag(clip, "enable", 1))
        json_object_set_new(fields, "mute", json_true());
    char cm[600];
    if (attr(clip, "comment", cm, sizeof cm) && !strncmp(cm, "mixroom: ", 9))
        clip_comment(fields, cm + 9);
    if (num(clip, "loopStart", &v) || num(clip, "loopEnd", &v))
        drop(c, "%d clip loop dropped (the clip plays once)",
             "%d clip loops dropped (each clip plays once)", NULL);
    add_op(c->later, "create", cid, "clip", fields);
    if (notes)
        clip_notes(c, notes, cid, cunit);
    return 0;
}

/* An automation lane onto the automation of its target. */
static void lane_points(struct ctx *c, xmlNodePtr pts, const char *unit)
{
    xmlNodePtr tg = child(pts, "Target");
    const json_t *p = lookup(c, tg, "parameter");
    const char *param = json_string_value(json_object_get(p, "p"));
    const char *tid = json_string_value(json_object_get(p, "m"));
    char u[32], key[160], interp[16];
    double t, v;

    if (!p || strcmp(json_string_value(json_object_get(p, "k")), K_PARAM) ||
        !strcmp(param, "mute") || !strcmp(tid, "project")) {
        drop(c, "%d automation lane of something mixroom cannot automate dropped",
             "%d automation lanes of things mixroom cannot automate dropped", NULL);
        return;
    }
    if (!attr(pts, "unit", u, sizeof u) || !u[0])
        snprintf(u, sizeof u, "%s", json_string_value(json_object_get(p, "u")));
    snprintf(key, sizeof key, "%s|%s", tid, param);
    json_t *a = json_object_get(c->autos, key);
    if (!a) {
        a = json_pack("{s:s, s:s, s:{}}", "track", tid, "param", param, "points");
        json_object_set_new(c->autos, key, a);
    }
    json_t *points = json_object_get(a, "points"); /* frame text -> value */
    const char *dot = strchr(param, '.');
    const char *etype = NULL;
    if (dot) {
        /* the effect's type from its create op */
        size_t i;
        json_t *op;
        json_array_foreach(c->creates, i, op)
            if (!strncmp(json_string_value(json_object_get(op, "id")), param,
                         (size_t)(dot - param)) &&
                json_string_value(json_object_get(op, "id"))[dot - param] == '\0')
                etype = json_string_value(json_object_get(json_object_get(op, "fields"), "type"));
    }
    for (xmlNodePtr pt = pts->children; pt; pt = pt->next) {
        if (!is(pt, "RealPoint") || !num(pt, "time", &t) || !num(pt, "value", &v) || t < 0)
            continue;
        if (attr(pt, "interpolation", interp, sizeof interp) && !strcmp(interp, "hold"))
            drop(c, "%d held (stepped) automation point ramps linearly",
                 "%d held (stepped) automation points ramp linearly", NULL);
        double mv;
        if (!strcmp(param, "gain")) {
            mv = to_db(v, u);
            mv = isfinite(mv) ? clampd(mv, -96, 12) : -96;
        } else if (!strcmp(param, "pan"))
            mv = to_pan(v, u, json_object_get(p, "min") != NULL,
                        json_number_value(json_object_get(p, "min")),
                        json_number_value(json_object_get(p, "max")));
        else
            mv = effect_value(etype ? etype : "", dot + 1, v, u);
        char fk[32];
        snprintf(fk, sizeof fk, "%lld", (long long)frames(c, t, unit));
        json_object_set_new(points, fk, json_real(mv));
    }
}

static void lane_markers(struct ctx *c, xmlNodePtr ms, const char *unit)
{
    char mid[40], name[256], nm[256];
    double t;

    for (xmlNodePtr m = ms->children; m; m = m->next) {
        if (!is(m, "Marker") || !num(m, "time", &t) || t < 0)
            continue;
        attr(m, "name", name, sizeof name);
        text_field(name, nm, sizeof nm, 200);
        snprintf(mid, sizeof mid, "dpm%d", ++c->nmarkers);
        add_op(c->later, "create", mid, "marker",
               json_pack("{s:I, s:s}", "at", (json_int_t)frames(c, t, unit),
                         "name", nm));
    }
}

static int walk_lanes(struct ctx *c, xmlNodePtr lanes, const char *unit,
                      const json_t *track, int depth)
{
    char u[16];

    for (xmlNodePtr k = lanes->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        const char *here = attr(k, "timeUnit", u, sizeof u) && u[0] ? u : unit;
        const json_t *t = lookup(c, k, "track");
        if (t && strcmp(json_string_value(json_object_get(t, "k")), K_TRACK))
            t = NULL;
        if (!t)
            t = track;
        if (is(k, "Lanes")) {
            if (depth < 64 && walk_lanes(c, k, here, t, depth + 1) != 0)
                return -1;
        } else if (is(k, "Clips")) {
            for (xmlNodePtr cl = k->children; cl; cl = cl->next) {
                if (!is(cl, "Clip"))
                    continue;
                if (!t) {
                    drop(c, "%d clip outside any track dropped",
                         "%d clips outside any track dropped", NULL);
                    continue;
                }
                if (lane_clip(c, cl, here, t) != 0)
                    return -1;
            }
        } else if (is(k, "Points"))
            lane_points(c, k, here);
        else if (is(k, "markers") || is(k, "Markers"))
            lane_markers(c, k, here);
        else
            drop(c, "%d arrangement lane mixroom cannot show dropped (clip "
                 "launcher slots, video, loose audio or notes)",
                 "%d arrangement lanes mixroom cannot show dropped (clip "
                 "launcher slots, video, loose audio or notes)", NULL);
    }
    return 0;
}

/* Automation objects from the collected points, sorted by frame. */
static int cmp_points(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_array_get(*(json_t *const *)a, 0));
    json_int_t y = json_integer_value(json_array_get(*(json_t *const *)b, 0));
    return x < y ? -1 : x > y;
}

static void emit_automation(struct ctx *c)
{
    const char *key;
    json_t *a;
    int n = 0;

    json_object_foreach(c->autos, key, a) {
        json_t *pts = json_object_get(a, "points"), *v;
        const char *fk;
        size_t cnt = json_object_size(pts), i = 0;
        json_t **arr = calloc(cnt ? cnt : 1, sizeof *arr);
        char aid[40];
        if (!arr)
            continue;
        json_object_foreach(pts, fk, v)
            arr[i++] = json_pack("[I, O]", (json_int_t)strtoll(fk, NULL, 10), v);
        qsort(arr, cnt, sizeof *arr, cmp_points);
        json_t *list = json_array();
        for (i = 0; i < cnt; i++) {
            if (i < PROTO_MAX_POINTS)
                json_array_append(list, arr[i]);
            json_decref(arr[i]);
        }
        if (cnt > PROTO_MAX_POINTS)
            drop(c, "%d automation point past the limit dropped",
                 "%d automation points past the limit dropped", NULL);
        free(arr);
        if (!cnt) {
            json_decref(list);
            continue;
        }
        snprintf(aid, sizeof aid, "dpu%d", ++n);
        add_op(c->later, "create", aid, "automation",
               json_pack("{s:O, s:O, s:o}", "track", json_object_get(a, "track"),
                         "param", json_object_get(a, "param"), "points", list));
    }
}

/* Tempo and meter from the transport; tempo changes are reported. */
static void transport(struct ctx *c, xmlNodePtr root, json_t *set)
{
    xmlNodePtr tr = child(root, "Transport"), arr = child(root, "Arrangement");
    double v, num_, den_;

    if (num(child(tr, "Tempo"), "value", &v))
        c->tempo = clampd(v, 20, 999);
    json_object_set_new(set, "tempo", json_real(c->tempo));
    xmlNodePtr ts = child(tr, "TimeSignature");
    if (ts && num(ts, "numerator", &num_) && num(ts, "denominator", &den_)) {
        int nu = (int)num_, de = (int)den_;
        if (nu >= 1 && nu <= 32 && (de == 1 || de == 2 || de == 4 || de == 8 || de == 16))
            json_object_set_new(set, "meter", json_pack("[i, i]", nu, de));
        else
            drop(c, "%d time signature mixroom lacks kept as 4/4",
                 "%d time signatures mixroom lacks kept as 4/4", NULL);
    }
    xmlNodePtr ta = child(arr, "TempoAutomation");
    int changes = 0;
    for (xmlNodePtr p = ta ? ta->children : NULL; p; p = p->next)
        if (is(p, "RealPoint") && num(p, "value", &v) && fabs(v - c->tempo) > 1e-6)
            changes++;
    if (changes)
        drop(c, "%d tempo change dropped (the song keeps its first tempo)",
             "%d tempo changes dropped (the song keeps its first tempo)", NULL);
    xmlNodePtr sa = child(arr, "TimeSignatureAutomation");
    if (sa && child(sa, "TimeSignaturePoint"))
        drop(c, "%d time signature change dropped",
             "%d time signature changes dropped", NULL);
}

int dp_map(xmlDocPtr project, int rate, dp_result *out, char *err,
           size_t errlen)
{
    struct ctx c;
    xmlNodePtr root = xmlDocGetRootElement(project), st, arr, lanes;
    json_t *set = json_object();
    int rc = -1;
    char u[16];

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    c.rate = rate == 44100 ? 44100 : 48000;
    c.tempo = 120;
    c.creates = json_array();
    c.later = json_array();
    c.report = json_object();
    c.files = json_array();
    c.ids = json_object();
    c.autos = json_object();
    c.notes_tracks = json_object();
    c.pending = json_array();
    c.sends = json_array();
    if (!is(root, "Project")) {
        snprintf(err, errlen, "project.xml has no Project element");
        goto out;
    }
    transport(&c, root, set);
    arr = child(root, "Arrangement");
    find_notes_tracks(&c, arr, "", 0);
    st = child(root, "Structure");
    for (xmlNodePtr k = st ? st->children : NULL; k; k = k->next) {
        if (is(k, "Track"))
            structure_track(&c, k, 0);
        else if (is(k, "Channel"))
            channel_track(&c, k, k, "bus");
    }
    routing(&c);
    lanes = child(arr, "Lanes");
    if (lanes) {
        if (!attr(lanes, "timeUnit", u, sizeof u) || !u[0])
            snprintf(u, sizeof u, "beats");
        /* the role of each track, for the clips */
        size_t i;
        json_t *op;
        json_array_foreach(c.creates, i, op)
            if (!strcmp(json_string_value(json_object_get(op, "kind")), "track")) {
                const char *k2;
                json_t *e;
                json_object_foreach(c.ids, k2, e)
                    if (!strcmp(json_string_value(json_object_get(e, "k")), K_TRACK) &&
                        json_equal(json_object_get(e, "m"), json_object_get(op, "id")))
                        json_object_set(e, "role", json_object_get(json_object_get(op, "fields"), "role"));
            }
        if (walk_lanes(&c, lanes, u, NULL, 0) != 0) {
            snprintf(err, errlen, "%s", c.err);
            goto out;
        }
    }
    if (child(arr, "Markers"))
        lane_markers(&c, child(arr, "Markers"), lanes && u[0] ? u : "beats");
    if (child(root, "Scenes") && child(child(root, "Scenes"), "Scene"))
        drop(&c, "%d clip launcher scene dropped", "%d clip launcher scenes dropped", NULL);
    emit_automation(&c);
    out->ops = json_array();
    json_array_append_new(out->ops, json_pack("{s:s, s:s, s:O}", "op", "set",
                                              "id", "project", "fields", set));
    json_array_extend(out->ops, c.creates);
    json_array_extend(out->ops, c.later);
    out->report = report_lines(c.report);
    out->files = json_incref(c.files);
    out->tracks = c.ntracks;
    out->clips = c.nclips;
    out->notes = c.nnotes;
    out->markers = c.nmarkers;
    rc = 0;
out:
    json_decref(set);
    json_decref(c.creates);
    json_decref(c.later);
    json_decref(c.report);
    json_decref(c.files);
    json_decref(c.ids);
    json_decref(c.autos);
    json_decref(c.notes_tracks);
    json_decref(c.pending);
    json_decref(c.sends);
    free(c.order);
    return rc;
}

void dp_result_free(dp_result *r)
{
    json_decref(r->ops);
    json_decref(r->report);
    json_decref(r->files);
    memset(r, 0, sizeof *r);
}

void dp_substitute_assets(json_t *ops, const json_t *map)
{
    size_t i;
    json_t *op;

    json_array_foreach(ops, i, op) {
        json_t *f = json_object_get(op, "fields");
        const char *a = json_string_value(json_object_get(f, "asset"));
        const json_t *to = a ? json_object_get(map, a) : NULL;
        if (to)
            json_object_set(f, "asset", (json_t *)to);
    }
}

void dp_fit_clips(dp_result *r, const json_t *frames)
{
    size_t i;
    json_t *op;
    int shortened = 0, moved = 0;
    char line[160];

    json_array_foreach(r->ops, i, op) {
        json_t *f = json_object_get(op, "fields");
        const char *a = json_string_value(json_object_get(f, "asset"));
        json_t *fr = a ? json_object_get(frames, a) : NULL;
        if (!fr)
            continue;
        json_int_t n = json_integer_value(fr);
        json_int_t off = json_integer_value(json_object_get(f, "offset"));
        json_int_t len = json_integer_value(json_object_get(f, "length"));
        if (n < 1)
            continue;
        if (off >= n) {
            off = 0;
            json_object_set_new(f, "offset", json_integer(0));
            moved++;
        }
        if (off + len > n) {
            len = n - off;
            json_object_set_new(f, "length", json_integer(len));
            shortened++;
            for (int k = 0; k < 2; k++) {
                const char *fk = k ? "fade_out" : "fade_in";
                if (json_integer_value(json_object_get(f, fk)) > len)
                    json_object_set_new(f, fk, json_integer(len));
            }
        }
    }
    if (moved) {
        snprintf(line, sizeof line, "%d %s past the end of %s audio started "
                 "at the audio's start instead", moved,
                 moved == 1 ? "clip offset" : "clip offsets",
                 moved == 1 ? "its" : "their");
        json_array_append_new(r->report, json_string(line));
    }
    if (shortened) {
        snprintf(line, sizeof line, "%d %s longer than %s audio shortened to "
                 "it", shortened, shortened == 1 ? "clip" : "clips",
                 shortened == 1 ? "its" : "their");
        json_array_append_new(r->report, json_string(line));
    }
}
