/* plan_inst.c -- the instrument part of building a plan: an instrument
 * object into eng_inst_spec, the clips of instrument tracks (which have no
 * asset) and their notes into sorted timeline-frame notes cut to their
 * clips, and the tick -> frame rule. Called by eng_plan_build_objects. */
#include "engine/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp.h"

int64_t eng_tick_to_frame(int64_t tick, double tempo, int sample_rate)
{
    if (tick <= 0)
        return 0;
    if (!(tempo > 0))
        tempo = 120;
    return (int64_t)llround((double)tick * 60.0 * (double)sample_rate /
                            (tempo * (double)ENG_PPQ));
}

static double num(const json_t *o, const char *k, double def)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

static const char *str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int wave(const json_t *o, const char *k, int def)
{
    static const char *names[] = {"saw", "square", "triangle", "sine"};
    const char *s = str(o, k);
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return def;
}

int eng_inst_parse(eng_inst_spec *s, const json_t *o)
{
    const char *type = str(o, "type");
    memset(s, 0, sizeof *s);
    if (!type)
        return ENG_INST_NONE;
    if (strcmp(type, "synth") == 0) {
        eng_synth_params *p = &s->synth;
        eng_synth_preset(str(o, "preset"), p);
        p->osc1 = wave(o, "osc1", p->osc1);
        p->osc2 = wave(o, "osc2", p->osc2);
        p->octave2 = (int)num(o, "octave2", p->octave2);
        p->detune = num(o, "detune", p->detune);
        p->mix = num(o, "mix", p->mix);
        p->cutoff = num(o, "cutoff", p->cutoff);
        p->resonance = num(o, "resonance", p->resonance);
        p->env_amount = num(o, "env_amount", p->env_amount);
        p->f_attack = num(o, "f_attack", p->f_attack);
        p->f_decay = num(o, "f_decay", p->f_decay);
        p->f_sustain = num(o, "f_sustain", p->f_sustain);
        p->f_release = num(o, "f_release", p->f_release);
        p->attack = num(o, "attack", p->attack);
        p->decay = num(o, "decay", p->decay);
        p->sustain = num(o, "sustain", p->sustain);
        p->release = num(o, "release", p->release);
        p->gain = num(o, "gain", p->gain);
        s->type = ENG_INST_SYNTH;
    } else if (strcmp(type, "drums") == 0) {
        s->drums.tune = num(o, "tune", 0);
        s->drums.decay = num(o, "decay", 1);
        s->drums.gain = num(o, "gain", 0);
        s->type = ENG_INST_DRUMS;
    } else if (strcmp(type, "gm") == 0) {
        s->gm.program = (int)num(o, "program", 0);
        s->gm.bank = (int)num(o, "bank", 0);
        s->gm.gain = num(o, "gain", 0);
        s->type = ENG_INST_GM;
    }
    return s->type;
}

/* ---- clips and notes ------------------------------------------------------- */

typedef struct iclip {
    const char *id;
    int track;
    int64_t origin;        /* timeline frame of tick 0: start - offset */
    eng_note_env env;
} iclip;

static int iclip_cmp(const void *a, const void *b)
{
    return strcmp(((const iclip *)a)->id, ((const iclip *)b)->id);
}

static int note_cmp(const void *a, const void *b)
{
    const eng_note_spec *x = a, *y = b;
    if (x->on != y->on)
        return (x->on > y->on) - (x->on < y->on);
    if (x->pitch != y->pitch)
        return (x->pitch > y->pitch) - (x->pitch < y->pitch);
    return (x->off > y->off) - (x->off < y->off);
}

static const iclip *find_clip(const iclip *c, size_t n, const char *id)
{
    iclip key = {.id = id};
    return id ? bsearch(&key, c, n, sizeof *c, iclip_cmp) : NULL;
}

static int64_t frames_of(const json_t *o, const char *k)
{
    double v = num(o, k, 0);
    return v > 0 ? (int64_t)v : 0;
}

/* Fills one note from o; false when it does not sound. */
static bool note_of(const eng_plan *p, const iclip *c, const json_t *o,
                    eng_note_spec *n)
{
    const json_t *at = json_object_get(o, "at"), *len = json_object_get(o, "len");
    double pitch = num(o, "pitch", -1), vel = num(o, "vel", 100);
    if (!json_is_number(at) || !json_is_number(len) || pitch < 0 || pitch > 127)
        return false;
    int64_t on = c->origin + eng_tick_to_frame((int64_t)json_number_value(at),
                                               p->tempo, p->sample_rate);
    int64_t dur = eng_tick_to_frame((int64_t)json_number_value(len), p->tempo,
                                    p->sample_rate);
    int64_t end = c->env.start + c->env.length;
    if (on < c->env.start || on >= end)
        return false;
    n->on = on;
    n->off = on + (dur < 1 ? 1 : dur);
    if (n->off > end)
        n->off = end;
    n->env = c->env;
    n->pitch = (uint8_t)pitch;
    n->vel = (uint8_t)(vel < 1 ? 1 : vel > 127 ? 127 : vel);
    return true;
}

int eng_plan_build_notes(eng_plan *p, const json_t *objects)
{
    size_t n = json_array_size(objects), nc = 0, i;
    const json_t *o;
    iclip *clips = calloc(n + 1, sizeof *clips);
    int rc = -1;

    if (!clips)
        return -1;
    json_array_foreach(objects, i, o) {
        const char *k = str(o, "kind");
        int t = eng_plan_track_index(p, str(o, "track"));
        if (!k || strcmp(k, "clip") != 0 || t < 0 || !p->tracks[t].instrument ||
            !str(o, "id"))
            continue;
        const json_t *g = json_object_get(o, "gain");
        iclip *c = &clips[nc];
        c->id = str(o, "id");
        c->track = t;
        c->env.start = frames_of(o, "start");
        c->env.length = frames_of(o, "length");
        c->env.fade_in = frames_of(o, "fade_in");
        c->env.fade_out = frames_of(o, "fade_out");
        c->env.gain = json_is_null(g) ? 0.0f
                                      : eng_db_to_lin(num(o, "gain", 0));
        c->origin = c->env.start - frames_of(o, "offset");
        if (json_is_true(json_object_get(o, "mute")) || c->env.length <= 0 ||
            c->env.gain == 0.0f)
            continue;
        eng_track_spec *ts = &p->tracks[t];
        if (c->env.start + c->env.length > ts->end)
            ts->end = c->env.start + c->env.length;
        nc++;
    }
    qsort(clips, nc, sizeof *clips, iclip_cmp);
    json_array_foreach(objects, i, o) {
        const char *k = str(o, "kind");
        const iclip *c;
        if (k && strcmp(k, "note") == 0 &&
            (c = find_clip(clips, nc, str(o, "clip"))))
            p->tracks[c->track].nnotes++;
    }
    for (int t = 0; t < p->ntracks; t++) {
        eng_track_spec *ts = &p->tracks[t];
        if (!ts->instrument)
            continue;
        ts->notes = calloc((size_t)ts->nnotes + 1, sizeof *ts->notes);
        if (!ts->notes)
            goto out;
        ts->nnotes = 0;
    }
    json_array_foreach(objects, i, o) {
        const char *k = str(o, "kind");
        const iclip *c;
        if (!k || strcmp(k, "note") != 0 ||
            !(c = find_clip(clips, nc, str(o, "clip"))))
            continue;
        eng_track_spec *ts = &p->tracks[c->track];
        if (note_of(p, c, o, &ts->notes[ts->nnotes]))
            ts->nnotes++;
    }
    for (int t = 0; t < p->ntracks; t++)
        if (p->tracks[t].instrument)
            qsort(p->tracks[t].notes, (size_t)p->tracks[t].nnotes,
                  sizeof *p->tracks[t].notes, note_cmp);
    rc = 0;
out:
    free(clips);
    return rc;
}
