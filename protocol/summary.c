/* summary.c -- one-line sentences a person reads for history entries and
 * diffs: "ana set Bass gain to −3.5 dB and pan to 0.5", "ben moved Verse vox
 * 2.0 s later", "ana deleted track Drums and its 4 clips", "ana made 5
 * changes", "ana added 8 notes to Bass line". Negative numbers are written with the real minus sign U+2212
 * ("−3.5 dB"), -inf gain as "−inf dB"; frame values as seconds at the
 * project's sample rate. */
#include "protocol/summary.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/summary_fmt.h"

#define MINUS "\xe2\x88\x92" /* U+2212 */

typedef struct {
    char text[1024];
    size_t len;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->len >= sizeof b->text - 1)
        return;
    va_start(ap, fmt);
    /* no stdio: summary_fmt.c writes %s, %g and %.1f as printf would */
    n = proto_fmt_vsnprintf(b->text + b->len, sizeof b->text - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
    if (b->len >= sizeof b->text)
        b->len = sizeof b->text - 1;
}

/* A number with one decimal (or %g), negative with U+2212. */
static void put_number(sbuf *b, double v, bool fixed1)
{
    if (v < 0)
        put(b, MINUS);
    if (fixed1)
        put(b, "%.1f", fabs(v));
    else
        put(b, "%g", fabs(v));
}

static bool is_gain_field(const char *f)
{
    return !strcmp(f, "gain") || !strcmp(f, "level") || !strcmp(f, "master_gain");
}

static bool is_frame_field(const char *f)
{
    return !strcmp(f, "start") || !strcmp(f, "length") || !strcmp(f, "offset") ||
           !strcmp(f, "fade_in") || !strcmp(f, "fade_out") || !strcmp(f, "at");
}

/* The object with id: from the document after the push, else from the
 * objects the push deleted (old). */
static const json_t *lookup(const proto_doc *doc, const json_t *old,
                            const char *id)
{
    const json_t *o = proto_doc_get(doc, id);

    return o ? o : json_object_get(old, id);
}

static const char *track_name(const proto_doc *doc, const json_t *old,
                              const char *id)
{
    const json_t *t = lookup(doc, old, id);
    const char *name = proto_obj_str(t, "name");

    return *name ? name : id;
}

/* The track a note's clip is on (its name, or its id). */
static const char *note_track_name(const proto_doc *doc, const json_t *old,
                                   const json_t *note)
{
    const json_t *clip = lookup(doc, old, proto_obj_str(note, "clip"));

    return track_name(doc, old, proto_obj_str(clip, "track"));
}

/* A pitch as a note name, middle C (60) = C4: "A4", "C#3". */
static void put_pitch(sbuf *b, json_int_t pitch)
{
    static const char *const names[] = {"C", "C#", "D", "D#", "E", "F",
                                        "F#", "G", "G#", "A", "A#", "B"};

    if (pitch < 0 || pitch > 127) {
        put(b, "%lld", (long long)pitch);
        return;
    }
    put(b, "%s%d", names[pitch % 12], (int)(pitch / 12) - 1);
}

static void put_label(sbuf *b, const proto_doc *doc, const json_t *old,
                      const json_t *o)
{
    const char *kind = proto_obj_kind(o), *name = proto_obj_str(o, "name");

    if (!strcmp(kind, "project"))
        put(b, "the project");
    else if (!strcmp(kind, "track"))
        put(b, "%s", *name ? name : proto_obj_str(o, "id"));
    else if (!strcmp(kind, "clip") && *name)
        put(b, "%s", name);
    else if (!strcmp(kind, "clip"))
        put(b, "clip on %s", track_name(doc, old, proto_obj_str(o, "track")));
    else if (!strcmp(kind, "effect"))
        put(b, "%s on %s", proto_obj_str(o, "type"),
            track_name(doc, old, proto_obj_str(o, "track")));
    else if (!strcmp(kind, "send"))
        put(b, "send from %s to %s",
            track_name(doc, old, proto_obj_str(o, "track")),
            track_name(doc, old, proto_obj_str(o, "target")));
    else if (!strcmp(kind, "marker") && *name)
        put(b, "marker %s", name);
    else if (!strcmp(kind, "marker"))
        put(b, "a marker");
    else if (!strcmp(kind, "automation"))
        put(b, "%s automation on %s", proto_obj_str(o, "param"),
            track_name(doc, old, proto_obj_str(o, "track")));
    else if (!strcmp(kind, "note")) {
        put(b, "note ");
        put_pitch(b, json_integer_value(json_object_get(o, "pitch")));
        put(b, " on %s", note_track_name(doc, old, o));
    } else
        put(b, "%s", proto_obj_str(o, "id"));
}

/* A field's value (of an object of kind) as a person reads it. */
static void put_value(sbuf *b, const proto_doc *doc, const json_t *old,
                      const char *kind, const char *field, const json_t *v)
{
    double sr = proto_doc_sample_rate(doc);

    if (!strcmp(kind, "note") && (!strcmp(field, "at") || !strcmp(field, "len")) &&
        json_is_integer(v)) {
        put_number(b, (double)json_integer_value(v) / PROTO_TICKS_PER_QUARTER,
                   false);
        put(b, " beats");
    } else if (!strcmp(kind, "note") && !strcmp(field, "pitch") &&
               json_is_integer(v)) {
        put_pitch(b, json_integer_value(v));
    } else if (!strcmp(kind, "note") && !strcmp(field, "clip") &&
               json_is_string(v)) {
        put_label(b, doc, old, lookup(doc, old, json_string_value(v)));
    } else if (!strcmp(kind, "track") && !strcmp(field, "instrument") &&
               json_is_object(v)) {
        put(b, "%s", proto_obj_str(v, "type"));
        if (*proto_obj_str(v, "preset"))
            put(b, " %s", proto_obj_str(v, "preset"));
    } else if (is_gain_field(field)) {
        if (json_is_null(v))
            put(b, MINUS "inf dB");
        else {
            put_number(b, json_number_value(v), true);
            put(b, " dB");
        }
    } else if (is_frame_field(field) && json_is_integer(v)) {
        put_number(b, (double)json_integer_value(v) / sr, true);
        put(b, " s");
    } else if (!strcmp(field, "tempo")) {
        put_number(b, json_number_value(v), false);
        put(b, " bpm");
    } else if (!strcmp(field, "meter")) {
        put(b, "%lld/%lld", (long long)json_integer_value(json_array_get(v, 0)),
            (long long)json_integer_value(json_array_get(v, 1)));
    } else if (json_is_boolean(v)) {
        put(b, "%s", json_is_true(v) ? "on" : "off");
    } else if (json_is_number(v)) {
        put_number(b, json_number_value(v), false);
    } else if ((!strcmp(field, "output") || !strcmp(field, "target") ||
                !strcmp(field, "track")) && json_is_string(v)) {
        put(b, "%s", strcmp(json_string_value(v), "master")
                         ? track_name(doc, old, json_string_value(v)) : "master");
    } else if (json_is_string(v)) {
        put(b, "%s", json_string_value(v));
    } else if (json_is_array(v)) {
        put(b, "%zu points", json_array_size(v));
    } else {
        put(b, "new settings");
    }
}

/* ---- analysing a push ---- */

typedef struct {
    json_t *old;      /* id -> full old object, for objects the push deleted */
    json_t *primary;  /* the ops a person did, sets merged per id */
    json_t *cascaded; /* kind -> count of objects deleted by a cascade */
} analysis;

static void analyse(analysis *a, const json_t *applied, const json_t *inverse)
{
    json_t *op, *deleted = json_object(), *setindex = json_object();
    json_t *setcopied = json_object();
    json_t *all_deleted = json_object();
    size_t i;

    a->old = json_object();
    a->primary = json_array();
    a->cascaded = json_object();
    json_array_foreach(inverse, i, op) {
        if (strcmp(proto_obj_str(op, "op"), "create"))
            continue;
        json_t *o = json_deep_copy(json_object_get(op, "fields"));
        json_object_set_new(o, "id", json_string(proto_obj_str(op, "id")));
        json_object_set_new(o, "kind", json_string(proto_obj_str(op, "kind")));
        json_object_set_new(a->old, proto_obj_str(op, "id"), o);
    }
    /* A clip's notes are deleted before the clip: know every delete first. */
    json_array_foreach(applied, i, op)
        if (!strcmp(proto_obj_str(op, "op"), "delete"))
            json_object_set_new(all_deleted, proto_obj_str(op, "id"), json_true());
    json_array_foreach(applied, i, op) {
        const char *name = proto_obj_str(op, "op"), *id = proto_obj_str(op, "id");
        const json_t *o = json_object_get(a->old, id);
        if (!strcmp(name, "delete")) {
            const char *kind = proto_obj_kind(o);
            const char *owner = proto_obj_str(o, "track");
            const char *param = proto_obj_str(o, "param");
            const char *dot = strchr(param, '.');
            char eff[80] = "";
            if (dot && (size_t)(dot - param) < sizeof eff)
                memcpy(eff, param, (size_t)(dot - param)), eff[dot - param] = 0;
            if (strcmp(kind, "track") &&
                (json_object_get(deleted, owner) ||
                 json_object_get(deleted, proto_obj_str(o, "target")) ||
                 json_object_get(all_deleted, proto_obj_str(o, "clip")) ||
                 (*eff && json_object_get(deleted, eff)))) {
                json_t *n = json_object_get(a->cascaded, kind);
                json_object_set_new(a->cascaded, kind,
                                    json_integer(json_integer_value(n) + 1));
                /* Its own dependents (a cascaded clip's notes) cascade too. */
                json_object_set_new(deleted, id, json_true());
                continue;
            }
            json_object_set_new(deleted, id, json_true());
            json_array_append(a->primary, op);
        } else if (!strcmp(name, "set")) {
            json_t *fields = json_object_get(op, "fields"), *prev;
            const char *out = json_string_value(json_object_get(fields, "output"));
            if (json_object_size(fields) == 1 && out && !strcmp(out, "master") &&
                json_object_size(deleted))
                continue; /* re-routed because its bus was deleted */
            /* the op itself goes in; a copy is made only when a later set
             * of the same id is merged into it (most pushes have one) */
            prev = json_object_get(setindex, id);
            if (prev) {
                size_t at = (size_t)json_integer_value(prev);
                json_t *mine = json_array_get(a->primary, at);
                if (!json_object_get(setcopied, id)) {
                    mine = json_deep_copy(mine);
                    json_array_set_new(a->primary, at, mine);
                    json_object_set_new(setcopied, id, json_true());
                }
                json_object_update(json_object_get(mine, "fields"), fields);
                continue;
            }
            json_object_set_new(setindex, id,
                                json_integer((json_int_t)json_array_size(a->primary)));
            json_array_append(a->primary, op);
        } else {
            json_array_append(a->primary, op);
        }
    }
    json_decref(deleted);
    json_decref(all_deleted);
    json_decref(setindex);
    json_decref(setcopied);
}

/* The value of field before the push, from the inverse sets (the last one
 * in the inverse is the oldest) or the deleted object. */
static const json_t *old_value(const json_t *inverse, const char *id,
                               const char *field)
{
    const json_t *found = NULL;
    size_t i;
    json_t *op;

    json_array_foreach(inverse, i, op) {
        if (!strcmp(proto_obj_str(op, "op"), "set") &&
            !strcmp(proto_obj_str(op, "id"), id) &&
            json_object_get(json_object_get(op, "fields"), field))
            found = json_object_get(json_object_get(op, "fields"), field);
    }
    return found;
}

static const char *plural(const char *kind, long long n)
{
    if (n == 1)
        return kind;
    if (!strcmp(kind, "automation"))
        return "automation lanes";
    if (!strcmp(kind, "clip")) return "clips";
    if (!strcmp(kind, "track")) return "tracks";
    if (!strcmp(kind, "effect")) return "effects";
    if (!strcmp(kind, "send")) return "sends";
    if (!strcmp(kind, "marker")) return "markers";
    if (!strcmp(kind, "note")) return "notes";
    return "objects";
}

static void describe_set(sbuf *b, const proto_doc *after, const analysis *a,
                         const json_t *inverse, const json_t *op)
{
    const char *id = proto_obj_str(op, "id");
    const json_t *o = lookup(after, a->old, id), *fields = json_object_get(op, "fields");
    const char *kind = proto_obj_kind(o), *key;
    const json_t *oldv;
    json_t *v;
    size_t i = 0, n = json_object_size(fields);

    if (n == 1 && (v = json_object_get(fields, "name")) && strcmp(kind, "project")) {
        oldv = old_value(inverse, id, "name");
        put(b, "renamed %s %s to %s", kind,
            json_is_string(oldv) && *json_string_value(oldv) ? json_string_value(oldv) : id,
            json_string_value(v));
        return;
    }
    if (n == 1 && (v = json_object_get(fields, "start")) && !strcmp(kind, "clip")) {
        oldv = old_value(inverse, id, "start");
        double d = (double)(json_integer_value(v) - json_integer_value(oldv)) /
                   proto_doc_sample_rate(after);
        put(b, "moved ");
        put_label(b, after, a->old, o);
        if (d == 0)
            put(b, " (no change)");
        else
            put(b, " %.1f s %s", fabs(d), d > 0 ? "later" : "earlier");
        return;
    }
    if (n == 1 && (v = json_object_get(fields, "mute")) && json_is_boolean(v)) {
        put(b, "%s ", json_is_true(v) ? "muted" : "unmuted");
        put_label(b, after, a->old, o);
        return;
    }
    if (n == 1 && (v = json_object_get(fields, "solo")) && json_is_boolean(v)) {
        put(b, "%s ", json_is_true(v) ? "soloed" : "unsoloed");
        put_label(b, after, a->old, o);
        return;
    }
    put(b, "set ");
    put_label(b, after, a->old, o);
    json_object_foreach((json_t *)fields, key, v) {
        if (!strcmp(kind, "effect") && !strcmp(key, "params") &&
            json_object_get(fields, "type")) {
            n--;
            continue;
        }
        put(b, "%s", i == 0 ? " " : i + 1 == n ? " and " : ", ");
        if (!strcmp(key, "params") || !strcmp(key, "points")) {
            put(b, "%s", key);
        } else {
            put(b, "%s to ", key);
            put_value(b, after, a->old, kind, key, v);
        }
        i++;
    }
}

static void describe_one(sbuf *b, const proto_doc *after, const analysis *a,
                         const json_t *inverse, const json_t *op)
{
    const char *name = proto_obj_str(op, "op"), *id = proto_obj_str(op, "id");
    const json_t *o = lookup(after, a->old, id);
    const char *kind = proto_obj_kind(o);

    if (!strcmp(name, "set")) {
        describe_set(b, after, a, inverse, op);
        return;
    }
    if (!strcmp(kind, "note")) {
        put(b, "%s note ", strcmp(name, "create") ? "deleted" : "added");
        put_pitch(b, json_integer_value(json_object_get(o, "pitch")));
        put(b, " %s %s", strcmp(name, "create") ? "from" : "to",
            note_track_name(after, a->old, o));
        return;
    }
    put(b, "%s ", strcmp(name, "create") ? "deleted" : "added");
    if (!strcmp(kind, "track") || !strcmp(kind, "clip") || !strcmp(kind, "marker")) {
        if (strcmp(kind, "marker"))
            put(b, "%s ", kind);
        put_label(b, after, a->old, o);
    } else {
        put(b, "%s", strcmp(kind, "effect") && strcmp(kind, "project") ? "the " : "");
        put_label(b, after, a->old, o);
    }
    if (!strcmp(name, "delete") && json_object_size(a->cascaded)) {
        const char *order[] = {"clip", "effect", "send", "automation", "note"};
        size_t parts = 0, done = 0;
        for (size_t k = 0; k < 5; k++)
            parts += json_object_get(a->cascaded, order[k]) != NULL;
        put(b, " and its");
        for (size_t k = 0; k < 5; k++) {
            json_t *n = json_object_get(a->cascaded, order[k]);
            if (!n)
                continue;
            put(b, "%s%lld %s", done == 0 ? " " : done + 1 == parts ? " and " : ", ",
                (long long)json_integer_value(n),
                plural(order[k], json_integer_value(n)));
            done++;
        }
    }
}

char *proto_summary(const char *user, const json_t *applied,
                    const json_t *inverse, const proto_doc *after)
{
    analysis a;
    sbuf b = {.len = 0};
    size_t n, i;
    json_t *op;
    const char *first_op = NULL, *first_kind = NULL;
    bool same = true, one_track = true;
    const char *note_track = NULL;

    b.text[0] = '\0';
    analyse(&a, applied, inverse);
    n = json_array_size(a.primary);
    put(&b, "%s ", user ? user : "someone");
    json_array_foreach(a.primary, i, op) {
        const char *k = proto_obj_kind(lookup(after, a.old, proto_obj_str(op, "id")));
        if (!first_op) {
            first_op = proto_obj_str(op, "op");
            first_kind = k;
        } else if (strcmp(first_op, proto_obj_str(op, "op")) || strcmp(first_kind, k)) {
            same = false;
        }
        if (!strcmp(k, "note")) {
            const char *t = note_track_name(after, a.old,
                                            lookup(after, a.old, proto_obj_str(op, "id")));
            if (note_track && strcmp(note_track, t))
                one_track = false;
            note_track = t;
        }
    }
    if (n == 0)
        put(&b, "made no changes");
    else if (n == 1)
        describe_one(&b, after, &a, inverse, json_array_get(a.primary, 0));
    else if (same && one_track && !strcmp(first_kind, "note"))
        put(&b, "%s %zu notes %s %s",
            !strcmp(first_op, "create") ? "added"
            : !strcmp(first_op, "set") ? "changed" : "deleted", n,
            !strcmp(first_op, "create") ? "to"
            : !strcmp(first_op, "set") ? "on" : "from", note_track);
    else if (same && strcmp(first_op, "set"))
        put(&b, "%s %zu %s", strcmp(first_op, "create") ? "deleted" : "added", n,
            plural(first_kind, (long long)n));
    else if (same)
        put(&b, "changed %zu %s", n, plural(first_kind, (long long)n));
    else
        put(&b, "made %zu changes", n);
    json_decref(a.old);
    json_decref(a.primary);
    json_decref(a.cascaded);
    return strdup(b.text);
}

char *proto_object_label(const proto_doc *doc, const json_t *object)
{
    sbuf b = {.len = 0};

    b.text[0] = '\0';
    put_label(&b, doc, NULL, object);
    return strdup(b.text);
}

json_t *proto_diff(const proto_doc *from, const proto_doc *to)
{
    json_t *out = json_pack("{s:[], s:[], s:[]}", "created", "deleted", "changed");
    json_t *objs = proto_doc_objects(from), *tobjs = proto_doc_objects(to), *o;
    size_t i;

    json_array_foreach(objs, i, o) {
        const json_t *t = proto_doc_get(to, proto_obj_str(o, "id"));
        if (!t || strcmp(proto_obj_kind(t), proto_obj_kind(o)))
            json_array_append(json_object_get(out, "deleted"), o);
    }
    json_array_foreach(tobjs, i, o) {
        const json_t *f = proto_doc_get(from, proto_obj_str(o, "id"));
        json_t *fields, *v, *ch;
        const char *key;
        sbuf b = {.len = 0};
        size_t k = 0;
        if (!f || strcmp(proto_obj_kind(f), proto_obj_kind(o))) {
            json_array_append(json_object_get(out, "created"), o);
            continue;
        }
        if (json_equal((json_t *)f, o))
            continue;
        fields = json_object();
        b.text[0] = '\0';
        put_label(&b, to, NULL, o);
        ch = json_pack("{s:s, s:s, s:s}", "id", proto_obj_str(o, "id"), "kind",
                       proto_obj_kind(o), "name", b.text);
        json_object_foreach(o, key, v) {
            json_t *ov = json_object_get(f, key);
            if (ov && json_equal(ov, v))
                continue;
            json_object_set_new(fields, key,
                                json_pack("[O,O]", ov ? ov : json_null(), v));
            put(&b, "%s %s ", k++ ? "," : "", key);
            if (!strcmp(key, "params") || !strcmp(key, "points")) {
                put(&b, "changed");
                continue;
            }
            put_value(&b, from, NULL, proto_obj_kind(o), key,
                      ov ? ov : json_null());
            put(&b, " \xe2\x86\x92 "); /* → */
            put_value(&b, to, NULL, proto_obj_kind(o), key, v);
        }
        json_object_set_new(ch, "fields", fields);
        json_object_set_new(ch, "summary", json_string(b.text));
        json_array_append_new(json_object_get(out, "changed"), ch);
    }
    json_decref(objs);
    json_decref(tobjs);
    return out;
}
