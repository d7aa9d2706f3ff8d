/* plan.c -- builds the immutable mix plan from a document's objects, the
 * routing rules (mute, solo-in-place, processing order) and the plan slot
 * through which renderers pick up new plans without locks. */
#include "engine/plan.h"

#include <assert.h>
#include <sched.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fades.h"

#define NEG_INF_DB (-200.0)

static atomic_ulong plan_serial; /* diagnostics only */

/* ---- small JSON helpers ------------------------------------------------ */

static double num(const json_t *o, const char *k, double def)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

/* dB field: a number, null for -inf, or the default when absent. */
static double db_field(const json_t *o, const char *k, double def)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_null(v))
        return NEG_INF_DB;
    return json_is_number(v) ? json_number_value(v) : def;
}

static int64_t frames_field(const json_t *o, const char *k)
{
    double v = num(o, k, 0);
    return v > 0 ? (int64_t)v : 0;
}

static bool flag(const json_t *o, const char *k)
{
    return json_is_true(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *kind_of(const json_t *o)
{
    const char *k = str(o, "kind");
    return k ? k : "";
}

/* (order, id) comparison for tracks and effects */
static int order_cmp(const json_t *a, const json_t *b)
{
    const char *oa = str(a, "order"), *ob = str(b, "order");
    int c = strcmp(oa ? oa : "", ob ? ob : "");
    if (c)
        return c;
    const char *ia = str(a, "id"), *ib = str(b, "id");
    return strcmp(ia ? ia : "", ib ? ib : "");
}

static int order_qsort(const void *a, const void *b)
{
    return order_cmp(*(const json_t *const *)a, *(const json_t *const *)b);
}

static int clip_qsort(const void *a, const void *b)
{
    const eng_clip_spec *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* ---- effects ----------------------------------------------------------- */

static int fx_type_of(const char *t)
{
    static const char *names[ENG_FX_COUNT] = {"eq", "compressor", "delay",
                                              "reverb", "limiter"};
    for (int i = 0; t && i < ENG_FX_COUNT; i++)
        if (strcmp(t, names[i]) == 0)
            return i;
    return -1;
}

static int eq_type_of(const char *t)
{
    static const char *names[] = {"peak", "lowshelf", "highshelf", "lowpass",
                                  "highpass"};
    for (int i = 0; t && i < 5; i++)
        if (strcmp(t, names[i]) == 0)
            return i;
    return ENG_EQ_PEAK;
}

/* Name -> param index for the scalar params of each type; -1 if unknown. */
static int fx_param_index(int type, const char *name)
{
    static const char *comp[] = {"threshold", "ratio", "attack", "release",
                                 "knee", "makeup", NULL};
    static const char *delay[] = {"time", "feedback", "mix", NULL};
    static const char *rev[] = {"size", "damping", "predelay", "mix", NULL};
    static const char *lim[] = {"ceiling", "release", "lookahead", NULL};
    const char **names = NULL;

    switch (type) {
    case ENG_FX_COMPRESSOR: names = comp; break;
    case ENG_FX_DELAY: names = delay; break;
    case ENG_FX_REVERB: names = rev; break;
    case ENG_FX_LIMITER: names = lim; break;
    case ENG_FX_EQ: {
        int b = -1, n = 0;
        char what[8];
        if (sscanf(name, "band%d.%7s%n", &b, what, &n) != 2 ||
            name[n] != '\0' || b < 0 || b >= ENG_EQ_MAX_BANDS)
            return -1;
        if (strcmp(what, "freq") == 0)
            return 3 * b;
        if (strcmp(what, "gain") == 0)
            return 3 * b + 1;
        if (strcmp(what, "q") == 0)
            return 3 * b + 2;
        return -1;
    }
    default: return -1;
    }
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static void fx_parse(eng_fx_spec *fx, const json_t *o, double tempo)
{
    const json_t *p = json_object_get(o, "params");
    snprintf(fx->id, sizeof fx->id, "%s", str(o, "id") ? str(o, "id") : "");
    fx->bypass = flag(o, "bypass");
    switch (fx->type) {
    case ENG_FX_EQ: {
        const json_t *bands = json_object_get(p, "bands");
        size_t n = json_array_size(bands);
        fx->nbands = n > ENG_EQ_MAX_BANDS ? ENG_EQ_MAX_BANDS : (int)n;
        for (int b = 0; b < fx->nbands; b++) {
            const json_t *bd = json_array_get(bands, (size_t)b);
            fx->band_type[b] = eq_type_of(str(bd, "type"));
            fx->p[3 * b] = num(bd, "freq", 1000);
            fx->p[3 * b + 1] = num(bd, "gain", 0);
            fx->p[3 * b + 2] = num(bd, "q", 0.707);
        }
        break;
    }
    case ENG_FX_COMPRESSOR:
        fx->p[ENG_P_THRESHOLD] = num(p, "threshold", -18);
        fx->p[ENG_P_RATIO] = num(p, "ratio", 4);
        fx->p[ENG_P_ATTACK] = num(p, "attack", 10);
        fx->p[ENG_P_RELEASE] = num(p, "release", 100);
        fx->p[ENG_P_KNEE] = num(p, "knee", 6);
        fx->p[ENG_P_MAKEUP] = num(p, "makeup", 0);
        break;
    case ENG_FX_DELAY: {
        fx->p[ENG_P_TIME] = num(p, "time", 250);
        fx->p[ENG_P_FEEDBACK] = num(p, "feedback", 0.3);
        fx->p[ENG_P_MIX] = num(p, "mix", 0.25);
        double ms = eng_delay_sync_ms(str(p, "sync"), tempo);
        if (ms > 0)
            fx->p[ENG_P_TIME] = ms > ENG_DELAY_MAX_MS ? ENG_DELAY_MAX_MS : ms;
        break;
    }
    case ENG_FX_REVERB:
        fx->p[ENG_P_SIZE] = num(p, "size", 0.5);
        fx->p[ENG_P_DAMPING] = num(p, "damping", 0.5);
        fx->p[ENG_P_PREDELAY] = num(p, "predelay", 10);
        fx->p[ENG_P_RV_MIX] = num(p, "mix", 0.25);
        break;
    case ENG_FX_LIMITER:
        fx->p[ENG_P_CEILING] = num(p, "ceiling", -1);
        fx->p[ENG_P_LIM_RELEASE] = num(p, "release", 50);
        fx->p[ENG_P_LOOKAHEAD] = num(p, "lookahead", 5);
        break;
    default:
        break;
    }
}

/* ---- building ------------------------------------------------------------ */

typedef struct build_ctx {
    const json_t **tracks, **effects;
    size_t ntracks, neffects;
} build_ctx;

int eng_plan_track_index(const eng_plan *p, const char *id)
{
    for (int i = 0; id && i < p->ntracks; i++)
        if (strcmp(p->tracks[i].id, id) == 0)
            return i;
    return -1;
}

static int bus_index(const eng_plan *p, const char *id, int self)
{
    int i = eng_plan_track_index(p, id);
    return i >= 0 && i != self && p->tracks[i].bus ? i : -1;
}

static int fx_index(const eng_track_spec *t, const char *id, size_t idlen)
{
    for (int i = 0; i < t->nfx; i++)
        if (strlen(t->fx[i].id) == idlen && memcmp(t->fx[i].id, id, idlen) == 0)
            return i;
    return -1;
}

static int parse_auto(eng_auto_spec *a, const json_t *o, const eng_track_spec *t)
{
    const char *param = str(o, "param");
    const json_t *pts = json_object_get(o, "points");
    if (!param)
        return -1;
    if (strcmp(param, "gain") == 0) {
        a->target = ENG_AUTO_GAIN;
    } else if (strcmp(param, "pan") == 0) {
        a->target = ENG_AUTO_PAN;
    } else {
        const char *dot = strchr(param, '.');
        if (!dot)
            return -1;
        a->target = ENG_AUTO_FX;
        a->fx = fx_index(t, param, (size_t)(dot - param));
        if (a->fx < 0)
            return -1;
        a->param = fx_param_index(t->fx[a->fx].type, dot + 1);
        if (a->param < 0)
            return -1;
    }
    size_t n = json_array_size(pts);
    a->frames = calloc(n ? n : 1, sizeof *a->frames);
    a->values = calloc(n ? n : 1, sizeof *a->values);
    if (!a->frames || !a->values)
        return -2;
    for (size_t i = 0; i < n; i++) {
        const json_t *pt = json_array_get(pts, i);
        const json_t *f = json_array_get(pt, 0), *v = json_array_get(pt, 1);
        if (!json_is_number(f) || !(json_is_number(v) || json_is_null(v)))
            continue;
        int64_t fr = (int64_t)json_number_value(f);
        if (a->npoints > 0 && fr < a->frames[a->npoints - 1])
            continue; /* unsorted points are dropped */
        a->frames[a->npoints] = fr;
        a->values[a->npoints] = json_is_null(v) ? NEG_INF_DB : json_number_value(v);
        a->npoints++;
    }
    return a->npoints > 0 ? 0 : -1;
}

/* Kahn's algorithm over output/send edges; ties in display order. */
static void topo_order(eng_plan *p)
{
    int n = p->ntracks;
    int *indeg = calloc((size_t)n + 1, sizeof(int));
    bool *done = calloc((size_t)n + 1, sizeof(bool));
    if (!indeg || !done)
        goto out;
    for (int t = 0; t < n; t++) {
        const eng_track_spec *tr = &p->tracks[t];
        if (tr->output >= 0)
            indeg[tr->output]++;
        for (int s = 0; s < tr->nsends; s++)
            indeg[tr->sends[s].target]++;
    }
    p->nproc = 0;
    for (;;) {
        int pick = -1;
        for (int t = 0; t < n && pick < 0; t++)
            if (!done[t] && indeg[t] == 0)
                pick = t;
        if (pick < 0)
            break;
        done[pick] = true;
        p->proc[p->nproc++] = pick;
        const eng_track_spec *tr = &p->tracks[pick];
        if (tr->output >= 0)
            indeg[tr->output]--;
        for (int s = 0; s < tr->nsends; s++)
            indeg[tr->sends[s].target]--;
    }
out:
    free(indeg);
    free(done);
}

eng_plan *eng_plan_build_objects(const json_t *objects, eng_asset_lookup lookup,
                                 void *ctx)
{
    eng_plan *p = NULL;
    const json_t **tr = NULL, **fx = NULL;
    size_t ntr = 0, nfx = 0, n, i;
    const json_t *o;
    bool ok = false;

    if (!json_is_array(objects))
        return NULL;
    n = json_array_size(objects);
    p = calloc(1, sizeof *p);
    tr = calloc(n + 1, sizeof *tr);
    fx = calloc(n + 1, sizeof *fx);
    if (!p || !tr || !fx)
        goto out;
    atomic_init(&p->refs, 1);
    p->sample_rate = 48000;
    p->tempo = 120;
    p->serial = atomic_fetch_add(&plan_serial, 1) + 1;

    json_array_foreach(objects, i, o) {
        const char *k = kind_of(o);
        if (strcmp(k, "project") == 0) {
            p->sample_rate = (int)num(o, "sample_rate", 48000);
            p->tempo = num(o, "tempo", 120);
            p->master_gain_db = db_field(o, "master_gain", 0);
        } else if (strcmp(k, "track") == 0 && str(o, "id")) {
            tr[ntr++] = o;
        } else if (strcmp(k, "effect") == 0 && str(o, "id")) {
            fx[nfx++] = o;
        }
    }
    qsort(tr, ntr, sizeof *tr, order_qsort);
    qsort(fx, nfx, sizeof *fx, order_qsort);

    p->ntracks = (int)ntr;
    p->tracks = calloc(ntr + 1, sizeof *p->tracks);
    p->proc = calloc(ntr + 1, sizeof *p->proc);
    if (!p->tracks || !p->proc)
        goto out;
    for (size_t t = 0; t < ntr; t++) {
        eng_track_spec *ts = &p->tracks[t];
        const char *role = str(tr[t], "role");
        const char *tid = str(tr[t], "id");
        snprintf(ts->id, sizeof ts->id, "%s", tid ? tid : "");
        ts->bus = role && strcmp(role, "bus") == 0;
        ts->instrument = role && strcmp(role, "instrument") == 0;
        if (ts->instrument &&
            eng_inst_parse(&ts->inst, json_object_get(tr[t], "instrument")) ==
                ENG_INST_NONE) {
            ts->inst.type = ENG_INST_SYNTH; /* not validated: the default */
            eng_synth_preset("keys", &ts->inst.synth);
        }
        ts->gain_db = db_field(tr[t], "gain", 0);
        ts->pan = num(tr[t], "pan", 0);
        ts->mute = flag(tr[t], "mute");
        ts->solo = flag(tr[t], "solo");
        ts->auto_gain = ts->auto_pan = -1;
        /* worst-case arrays: every object could belong to this track */
    }
    /* count per-track objects, then fill */
    json_array_foreach(objects, i, o) {
        const char *k = kind_of(o);
        int t = eng_plan_track_index(p, str(o, "track"));
        if (t < 0)
            continue;
        if (strcmp(k, "clip") == 0)
            p->tracks[t].nclips++;
        else if (strcmp(k, "send") == 0)
            p->tracks[t].nsends++;
        else if (strcmp(k, "automation") == 0)
            p->tracks[t].nauto++;
    }
    for (size_t f = 0; f < nfx; f++) {
        int t = eng_plan_track_index(p, str(fx[f], "track"));
        if (t >= 0 && fx_type_of(str(fx[f], "type")) >= 0)
            p->tracks[t].nfx++;
    }
    for (int t = 0; t < p->ntracks; t++) {
        eng_track_spec *ts = &p->tracks[t];
        ts->clips = calloc((size_t)ts->nclips + 1, sizeof *ts->clips);
        ts->sends = calloc((size_t)ts->nsends + 1, sizeof *ts->sends);
        ts->autos = calloc((size_t)ts->nauto + 1, sizeof *ts->autos);
        ts->fx = calloc((size_t)ts->nfx + 1, sizeof *ts->fx);
        if (!ts->clips || !ts->sends || !ts->autos || !ts->fx)
            goto out;
        ts->nclips = ts->nsends = ts->nauto = ts->nfx = 0;
        const char *outp = str(tr[t], "output");
        ts->output = outp ? bus_index(p, outp, t) : ENG_MASTER;
        if (ts->output < 0)
            ts->output = ENG_MASTER;
    }
    for (size_t f = 0; f < nfx; f++) {
        int t = eng_plan_track_index(p, str(fx[f], "track"));
        int type = fx_type_of(str(fx[f], "type"));
        if (t < 0 || type < 0)
            continue;
        eng_fx_spec *s = &p->tracks[t].fx[p->tracks[t].nfx++];
        s->type = type;
        fx_parse(s, fx[f], p->tempo);
        p->nfx_total++;
    }
    json_array_foreach(objects, i, o) {
        const char *k = kind_of(o);
        int t = eng_plan_track_index(p, str(o, "track"));
        if (t < 0)
            continue;
        eng_track_spec *ts = &p->tracks[t];
        if (strcmp(k, "clip") == 0 && ts->instrument) {
            continue; /* plan_inst.c */
        } else if (strcmp(k, "clip") == 0) {
            eng_asset *a = lookup ? lookup(ctx, str(o, "asset") ? str(o, "asset") : "") : NULL;
            eng_clip_spec c = {
                .start = frames_field(o, "start"),
                .offset = frames_field(o, "offset"),
                .length = frames_field(o, "length"),
                .fade_in = frames_field(o, "fade_in"),
                .fade_out = frames_field(o, "fade_out"),
                .gain = eng_db_to_lin(db_field(o, "gain", 0)),
                .shape_in = (uint8_t)eng_fade_shape_of(str(o, "fade_in_shape")),
                .shape_out = (uint8_t)eng_fade_shape_of(str(o, "fade_out_shape")),
                .xfade = str(o, "fade_in_shape") || str(o, "fade_out_shape"),
            };
            if (!a || flag(o, "mute") || c.length <= 0 || c.gain == 0.0f)
                continue;
            if (c.offset >= a->frames)
                continue;
            if (c.offset + c.length > a->frames)
                c.length = a->frames - c.offset;
            c.asset = eng_asset_ref(a);
            ts->clips[ts->nclips++] = c;
            if (c.start + c.length > ts->end)
                ts->end = c.start + c.length;
        } else if (strcmp(k, "send") == 0) {
            int target = bus_index(p, str(o, "target"), t);
            if (target < 0)
                continue;
            ts->sends[ts->nsends++] = (eng_send_spec){
                .target = target,
                .level = eng_db_to_lin(db_field(o, "level", 0)),
                .pre = flag(o, "pre"),
            };
        } else if (strcmp(k, "automation") == 0) {
            eng_auto_spec *a = &ts->autos[ts->nauto];
            int rc = parse_auto(a, o, ts);
            if (rc == -2) {
                ts->nauto++; /* freed with the plan */
                goto out;
            }
            if (rc < 0) {
                free(a->frames);
                free(a->values);
                memset(a, 0, sizeof *a);
                continue;
            }
            if (a->target == ENG_AUTO_GAIN)
                ts->auto_gain = ts->nauto;
            else if (a->target == ENG_AUTO_PAN)
                ts->auto_pan = ts->nauto;
            ts->nauto++;
        }
    }
    if (eng_plan_build_notes(p, objects) != 0)
        goto out;
    for (int t = 0; t < p->ntracks; t++) {
        eng_track_spec *ts = &p->tracks[t];
        qsort(ts->clips, (size_t)ts->nclips, sizeof *ts->clips, clip_qsort);
        eng_fades_crossfade(ts->clips, ts->nclips);
        if (ts->end > p->end)
            p->end = ts->end;
    }
    topo_order(p);
    ok = true;
out:
    free(tr);
    free(fx);
    if (!ok) {
        eng_plan_release(p);
        p = NULL;
    }
    return p;
}

eng_plan *eng_plan_ref(eng_plan *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

void eng_plan_release(eng_plan *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    for (int t = 0; p->tracks && t < p->ntracks; t++) {
        eng_track_spec *ts = &p->tracks[t];
        for (int c = 0; c < ts->nclips; c++)
            eng_asset_release(ts->clips[c].asset);
        for (int a = 0; a < ts->nauto; a++) {
            free(ts->autos[a].frames);
            free(ts->autos[a].values);
        }
        free(ts->clips);
        free(ts->sends);
        free(ts->autos);
        free(ts->fx);
        free(ts->notes);
    }
    free(p->tracks);
    free(p->proc);
    free(p);
}

int eng_plan_max_sends(const eng_plan *p)
{
    int m = 0;
    for (int t = 0; t < p->ntracks; t++)
        if (p->tracks[t].nsends > m)
            m = p->tracks[t].nsends;
    return m;
}

double eng_auto_eval(const eng_auto_spec *a, int64_t frame)
{
    int n = a->npoints, lo = 0, hi;
    if (frame <= a->frames[0])
        return a->values[0];
    if (frame >= a->frames[n - 1])
        return a->values[n - 1];
    hi = n - 1; /* frames[lo] < frame < frames[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (a->frames[mid] <= frame)
            lo = mid;
        else
            hi = mid;
    }
    double f0 = (double)a->frames[lo], f1 = (double)a->frames[hi];
    double v0 = a->values[lo], v1 = a->values[hi];
    if (f1 <= f0)
        return v1;
    return v0 + (v1 - v0) * ((double)frame - f0) / (f1 - f0);
}

/* ---- routing ------------------------------------------------------------- */

void eng_plan_route(const eng_plan *p, int solo_override, uint8_t *flags,
                    bool *send_on, int max_sends)
{
    enum { SOLO = 16 };
    int n = p->ntracks;
    bool any = false;

    for (int t = 0; t < n; t++) {
        bool s = solo_override >= 0 ? t == solo_override : p->tracks[t].solo;
        flags[t] = s ? (uint8_t)(SOLO | ENG_ROUTE_DOWN) : 0;
        any |= s;
    }
    /* down: the soloed tracks and everything they feed (sources first) */
    for (int k = 0; k < p->nproc; k++) {
        int t = p->proc[k];
        const eng_track_spec *tr = &p->tracks[t];
        if (!(flags[t] & ENG_ROUTE_DOWN))
            continue;
        if (tr->output >= 0)
            flags[tr->output] |= ENG_ROUTE_DOWN;
        for (int s = 0; s < tr->nsends; s++)
            flags[tr->sends[s].target] |= ENG_ROUTE_DOWN;
    }
    /* up: everything that feeds a soloed track (buses first) */
    for (int k = p->nproc - 1; k >= 0; k--) {
        int t = p->proc[k];
        const eng_track_spec *tr = &p->tracks[t];
        int d = tr->output;
        if (d >= 0 && (flags[d] & (ENG_ROUTE_UP | SOLO)))
            flags[t] |= ENG_ROUTE_UP;
        for (int s = 0; s < tr->nsends; s++) {
            d = tr->sends[s].target;
            if (flags[d] & (ENG_ROUTE_UP | SOLO))
                flags[t] |= ENG_ROUTE_UP;
        }
    }
    /* active: processed at all (tracks in a routing cycle never are) */
    for (int k = 0; k < p->nproc; k++) {
        int t = p->proc[k];
        if (!p->tracks[t].mute &&
            (!any || (flags[t] & (ENG_ROUTE_DOWN | ENG_ROUTE_UP))))
            flags[t] |= ENG_ROUTE_ACTIVE;
    }
    for (int t = 0; t < n; t++) {
        const eng_track_spec *tr = &p->tracks[t];
        uint8_t f = flags[t];
        bool act = f & ENG_ROUTE_ACTIVE;
        for (int s = 0; s < max_sends; s++) {
            bool on = false;
            if (s < tr->nsends && act) {
                uint8_t g = flags[tr->sends[s].target];
                on = (g & ENG_ROUTE_ACTIVE) &&
                     (!any || ((f & ENG_ROUTE_DOWN) && (g & ENG_ROUTE_DOWN)) ||
                      ((f & ENG_ROUTE_UP) && (g & (ENG_ROUTE_UP | SOLO))));
            }
            send_on[t * max_sends + s] = on;
        }
        bool out;
        if (tr->output < 0) {
            out = act && (!any || (f & ENG_ROUTE_DOWN));
        } else {
            uint8_t g = flags[tr->output];
            out = act && (g & ENG_ROUTE_ACTIVE) &&
                  (!any || ((f & ENG_ROUTE_DOWN) && (g & ENG_ROUTE_DOWN)) ||
                   ((f & ENG_ROUTE_UP) && (g & (ENG_ROUTE_UP | SOLO))));
        }
        if (out)
            flags[t] |= ENG_ROUTE_OUT;
    }
}

/* ---- the slot ------------------------------------------------------------ */

struct eng_plan_slot {
    _Atomic(eng_plan *) cur;
    atomic_int readers;      /* acquires between announce and ref */
    pthread_mutex_t publish; /* serialises publishers only */
};

eng_plan_slot *eng_plan_slot_new(eng_plan *plan)
{
    eng_plan_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->cur, plan ? eng_plan_ref(plan) : NULL);
    atomic_init(&s->readers, 0);
    pthread_mutex_init(&s->publish, NULL);
    return s;
}

void eng_plan_slot_free(eng_plan_slot *s)
{
    if (!s)
        return;
    eng_plan_release(atomic_load(&s->cur));
    pthread_mutex_destroy(&s->publish);
    free(s);
}

void eng_plan_slot_publish(eng_plan_slot *s, eng_plan *plan)
{
    eng_plan *old;
    if (plan)
        eng_plan_ref(plan);
    pthread_mutex_lock(&s->publish);
    old = atomic_exchange(&s->cur, plan);
    /* a reader that loaded `old` is counted in `readers` until it holds
     * its own reference; wait for a moment with none in flight */
    while (atomic_load(&s->readers) != 0)
        sched_yield();
    pthread_mutex_unlock(&s->publish);
    eng_plan_release(old);
}

eng_plan *eng_plan_slot_acquire(eng_plan_slot *s)
{
    eng_plan *p;
    atomic_fetch_add(&s->readers, 1);
    p = atomic_load(&s->cur);
    if (p)
        eng_plan_ref(p);
    atomic_fetch_sub(&s->readers, 1);
    return p;
}
