/* voices.c -- the voice pool of one instrument track and its block loop:
 * note-ons from the plan's sorted notes on their exact frame inside a
 * block, note-offs counted down per voice, voice stealing (a free voice,
 * else the quietest releasing one, else the oldest) whose victim fades out
 * over ENG_DECLICK_MS in a tail slot while the new note starts at once,
 * the 42 -> 46 hat choke the same way, chasing the notes that sound at a
 * seek, re-matching sounding voices to the notes of a new plan, and
 * auditions. Nothing here allocates after eng_inst_new / eng_inst_prepare.
 * gm tracks hand the same events, in time order, to FluidSynth. */
#include "engine/voices.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp.h"
#include "engine/inst_priv.h"

#define ENG_INST_TAILS 8

struct eng_inst {
    int fs, max_block;
    int type;              /* the type the voices were started for */
    bool started;
    int64_t next_pos;      /* timeline frame after the last render */
    uint64_t serial;       /* plan the cursor belongs to */
    int cursor;            /* next note (on >= next_pos) */
    uint64_t age;
    int declick;           /* frames of the declick ramp */
    eng_voice v[ENG_INST_VOICES];
    eng_voice tail[ENG_INST_TAILS];
    float *vbuf;           /* one voice's raw output (max_block) */
    struct {
        int pitch, vel;
        int64_t frames;
    } aud[ENG_INST_AUDITIONS];
    int naud;
    eng_gm *gm;
    int gm_bank, gm_program; /* selected in gm, -1 none yet */
};

eng_inst *eng_inst_new(int fs, int max_block)
{
    eng_inst *st = calloc(1, sizeof *st);
    if (!st || max_block <= 0)
        goto fail;
    st->fs = fs > 0 ? fs : 48000;
    st->max_block = max_block;
    st->declick = (int)lround(ENG_DECLICK_MS * st->fs / 1000.0);
    st->declick = st->declick < 1 ? 1 : st->declick;
    st->gm_bank = st->gm_program = -1;
    st->vbuf = calloc((size_t)max_block, sizeof *st->vbuf);
    if (!st->vbuf)
        goto fail;
    return st;
fail:
    eng_inst_free(st);
    return NULL;
}

void eng_inst_free(eng_inst *st)
{
    if (!st)
        return;
    eng_gm_free(st->gm);
    free(st->vbuf);
    free(st);
}

bool eng_inst_ready(const eng_inst *st, const eng_inst_spec *spec)
{
    return spec->type != ENG_INST_GM || !eng_gm_available() || st->gm;
}

int eng_inst_prepare(eng_inst *st, const eng_inst_spec *spec)
{
    if (eng_inst_ready(st, spec))
        return 0;
    st->gm = eng_gm_new(st->fs);
    st->gm_bank = st->gm_program = -1;
    return st->gm ? 0 : -1;
}

void eng_inst_audition(eng_inst *st, int pitch, int vel, int64_t frames)
{
    if (st->naud >= ENG_INST_AUDITIONS || pitch < 0 || pitch > 127)
        return;
    st->aud[st->naud].pitch = pitch;
    st->aud[st->naud].vel = vel < 1 ? 1 : vel > 127 ? 127 : vel;
    st->aud[st->naud].frames = frames < 1 ? 1 : frames;
    st->naud++;
}

int eng_inst_active(const eng_inst *st)
{
    int n = 0;
    for (int i = 0; i < ENG_INST_VOICES; i++)
        n += st->v[i].active;
    return n;
}

/* ---- the clip envelope ------------------------------------------------------ */

float eng_note_env_gain(const eng_note_env *e, int64_t at)
{
    int64_t k = at - e->start, len = e->length;
    float g = e->gain;
    if (k >= len)
        return e->fade_out > 0 ? 0.0f : g;
    if (k < 0)
        return 0.0f;
    if (k < e->fade_in)
        g *= eng_fade_in_gain((double)k / (double)e->fade_in);
    if (len - 1 - k < e->fade_out)
        g *= eng_fade_in_gain((double)(len - 1 - k) / (double)e->fade_out);
    return g;
}

/* ---- voices ------------------------------------------------------------------- */

static float voice_level(const eng_inst *st, const eng_voice *v)
{
    switch (st->type) {
    case ENG_INST_SYNTH: return eng_synth_level(v);
    case ENG_INST_DRUMS: return eng_drum_level(v);
    default: return v->released ? 0.5f : 1.0f;
    }
}

static double spec_gain_db(const eng_inst_spec *spec)
{
    switch (spec->type) {
    case ENG_INST_SYNTH: return spec->synth.gain;
    case ENG_INST_DRUMS: return spec->drums.gain;
    default: return spec->gm.gain;
    }
}

static void voice_release(eng_inst *st, eng_voice *v)
{
    v->released = true;
    if (st->type == ENG_INST_SYNTH)
        eng_synth_release(v);
    else if (st->type == ENG_INST_GM)
        eng_gm_note_off(st->gm, v->pitch);
}

/* Adds the voice's raw samples (st->vbuf) times its gain, its clip's
 * envelope and, for a tail, the declick ramp into out[0..m). */
static void mix_voice(eng_inst *st, eng_voice *v, float *out, int m)
{
    const float g = v->gain;
    const eng_note_env *e = &v->env;
    const bool flat = v->audition ||
                      (v->at >= e->start + e->fade_in &&
                       v->at + m <= e->start + e->length - e->fade_out);
    const float eg = v->audition ? 1.0f : e->gain;
    const float *x = st->vbuf;

    if (!v->ramp && flat) {
        const float k = g * eg;
        for (int i = 0; i < m; i++)
            out[i] += k * x[i];
    } else {
        const float inv = 1.0f / (float)st->declick;
        for (int i = 0; i < m; i++) {
            float k = g * (flat ? eg : eng_note_env_gain(e, v->at + i));
            if (v->ramp) {
                int left = v->ramp - i;
                k *= left > 0 ? (float)left * inv : 0.0f;
            }
            out[i] += k * x[i];
        }
        if (v->ramp) {
            v->ramp -= m;
            if (v->ramp <= 0)
                v->active = false;
        }
    }
    v->at += m;
}

/* Renders voice v from its `done` offset up to offset b of the block into
 * out (block-relative), releasing it where its note ends. */
static void voice_run(eng_inst *st, const eng_inst_spec *spec, eng_voice *v,
                      float *out, int b)
{
    int a = v->done;
    while (a < b && v->active) {
        int e = b;
        if (!v->released && v->remain < (int64_t)(b - a))
            e = a + (int)v->remain;
        if (e > a) {
            int m = e - a;
            bool alive = st->type == ENG_INST_SYNTH
                             ? eng_synth_run(v, &spec->synth, st->fs, st->vbuf, m)
                             : eng_drum_run(v, st->vbuf, m);
            mix_voice(st, v, out + a, m);
            if (!v->released)
                v->remain -= m;
            if (!alive)
                v->active = false;
            a = e;
        }
        if (v->active && !v->released && v->remain <= 0)
            voice_release(st, v);
    }
    v->done = b;
}

/* Moves voice v (rendered up to its `done`) into a tail slot that fades it
 * out over the declick ramp; v is free afterwards. */
static void to_tail(eng_inst *st, eng_voice *v)
{
    eng_voice *t = NULL;
    for (int i = 0; i < ENG_INST_TAILS && !t; i++)
        if (!st->tail[i].active)
            t = &st->tail[i];
    if (!t) { /* all fading: cut the one closest to silence */
        t = &st->tail[0];
        for (int i = 1; i < ENG_INST_TAILS; i++)
            if (st->tail[i].ramp < t->ramp)
                t = &st->tail[i];
    }
    *t = *v;
    t->ramp = st->declick;
    v->active = false;
}

static eng_voice *pick_voice(eng_inst *st)
{
    eng_voice *best = NULL;
    float best_level = 2.0f;
    for (int i = 0; i < ENG_INST_VOICES; i++)
        if (!st->v[i].active)
            return &st->v[i];
    /* the quietest releasing voice, else the oldest */
    for (int i = 0; i < ENG_INST_VOICES; i++) {
        eng_voice *v = &st->v[i];
        float l = voice_level(st, v);
        if (v->released && l < best_level) {
            best = v;
            best_level = l;
        }
    }
    if (best)
        return best;
    best = &st->v[0];
    for (int i = 1; i < ENG_INST_VOICES; i++)
        if (st->v[i].age < best->age)
            best = &st->v[i];
    return best;
}

typedef struct note_start {
    int pitch, vel;
    int offset;            /* in the block */
    int64_t at, on, remain;
    const eng_note_env *env; /* NULL: an audition */
} note_start;

/* Renders every voice, then every tail, up to offset o in slot order, so
 * that a choice made at o sees their state at o (which tails are free
 * too) and every sample sums the voices in the same order whatever the
 * block size. */
static void catch_up(eng_inst *st, const eng_inst_spec *spec, float *out, int o)
{
    for (int i = 0; i < ENG_INST_VOICES; i++)
        if (st->v[i].active)
            voice_run(st, spec, &st->v[i], out, o);
    for (int i = 0; i < ENG_INST_TAILS; i++)
        if (st->tail[i].active)
            voice_run(st, spec, &st->tail[i], out, o);
}

static void start_note(eng_inst *st, const eng_inst_spec *spec, float *out,
                       const note_start *ns)
{
    if (st->type != ENG_INST_GM)
        catch_up(st, spec, out, ns->offset);
    if (st->type == ENG_INST_DRUMS)
        for (int i = 0; i < ENG_INST_VOICES; i++)
            if (st->v[i].active && eng_drum_chokes(ns->pitch, st->v[i].pitch))
                to_tail(st, &st->v[i]);
    eng_voice *v = pick_voice(st);
    if (v->active && st->type == ENG_INST_GM) {
        eng_gm_note_off(st->gm, v->pitch); /* FluidSynth releases it */
        v->active = false;
    } else if (v->active) {
        to_tail(st, v);
    }
    memset(v, 0, sizeof *v);
    v->active = true;
    v->audition = ns->env == NULL;
    v->pitch = ns->pitch;
    v->gain = (float)ns->vel / 127.0f * eng_db_to_lin(spec_gain_db(spec));
    v->on = ns->on;
    v->at = ns->at;
    v->remain = ns->remain;
    v->age = ++st->age;
    v->done = ns->offset;
    if (ns->env)
        v->env = *ns->env;
    switch (st->type) {
    case ENG_INST_SYNTH:
        eng_synth_start(v, &spec->synth, st->fs);
        break;
    case ENG_INST_DRUMS:
        if (!eng_drum_start(v, &spec->drums, st->fs))
            v->active = false;
        break;
    case ENG_INST_GM:
        eng_gm_note_on(st->gm, ns->pitch, ns->vel);
        break;
    default:
        v->active = false;
        break;
    }
}

/* Stops every voice at once (a seek or an instrument change); auditions
 * survive unless `all`. */
static void hard_stop(eng_inst *st, bool all)
{
    for (int i = 0; i < ENG_INST_VOICES; i++)
        if (all || !st->v[i].audition)
            st->v[i].active = false;
    for (int i = 0; i < ENG_INST_TAILS; i++)
        if (all || !st->tail[i].audition)
            st->tail[i].active = false;
    if (st->gm)
        eng_gm_all_off(st->gm);
}

void eng_inst_reset(eng_inst *st)
{
    hard_stop(st, true);
    st->started = false;
    st->naud = 0;
}

/* First note with on >= pos. */
static int lower_bound(const eng_track_spec *tr, int64_t pos)
{
    int lo = 0, hi = tr->nnotes;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (tr->notes[mid].on < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A new plan: sounding timeline voices follow their note's new end, or
 * are released when their note is gone. */
static void rematch(eng_inst *st, const eng_track_spec *tr, int64_t pos)
{
    for (int i = 0; i < ENG_INST_VOICES; i++) {
        eng_voice *v = &st->v[i];
        if (!v->active || v->audition || v->released)
            continue;
        const eng_note_spec *hit = NULL;
        for (int k = lower_bound(tr, v->on);
             k < tr->nnotes && tr->notes[k].on == v->on && !hit; k++)
            if (tr->notes[k].pitch == v->pitch)
                hit = &tr->notes[k];
        if (hit) {
            v->remain = hit->off > pos ? hit->off - pos : 0;
            v->env = hit->env;
        } else {
            v->remain = 0;
        }
    }
}

/* The notes that start on the block's first frame: the chased ones, then
 * the auditions waiting. */
static void start_first(eng_inst *st, const eng_inst_spec *spec, float *L,
                        int64_t pos, const note_start *chase, int nchase)
{
    for (int i = 0; i < nchase; i++)
        start_note(st, spec, L, &chase[i]);
    for (int i = 0; i < st->naud; i++) {
        note_start ns = {st->aud[i].pitch, st->aud[i].vel, 0, pos, -1,
                         st->aud[i].frames, NULL};
        start_note(st, spec, L, &ns);
    }
    st->naud = 0;
}

/* ---- the block --------------------------------------------------------------- */

static void gm_block(eng_inst *st, const eng_track_spec *tr, int64_t pos,
                     int n, bool timeline, const note_start *chase, int nchase,
                     float *L, float *R)
{
    const eng_inst_spec *spec = &tr->inst;
    int t = 0;

    if (!st->gm) {
        memset(L, 0, (size_t)n * sizeof *L);
        memset(R, 0, (size_t)n * sizeof *R);
        st->cursor = lower_bound(tr, pos + n);
        return;
    }
    if (st->gm_bank != spec->gm.bank || st->gm_program != spec->gm.program) {
        eng_gm_program(st->gm, spec->gm.bank, spec->gm.program);
        st->gm_bank = spec->gm.bank;
        st->gm_program = spec->gm.program;
    }
    start_first(st, spec, L, pos, chase, nchase);
    for (;;) {
        int e = n;
        if (timeline && st->cursor < tr->nnotes &&
            tr->notes[st->cursor].on < pos + n)
            e = (int)(tr->notes[st->cursor].on - pos);
        e = e < t ? t : e;
        for (int i = 0; i < ENG_INST_VOICES; i++)
            if (st->v[i].active && st->v[i].remain < (int64_t)(e - t))
                e = t + (int)st->v[i].remain;
        if (e > t) {
            eng_gm_run(st->gm, L + t, R + t, e - t);
            for (int i = 0; i < ENG_INST_VOICES; i++)
                if (st->v[i].active)
                    st->v[i].remain -= e - t;
            t = e;
        }
        for (int i = 0; i < ENG_INST_VOICES; i++)
            if (st->v[i].active && st->v[i].remain <= 0) {
                eng_gm_note_off(st->gm, st->v[i].pitch);
                st->v[i].active = false;
            }
        while (timeline && st->cursor < tr->nnotes &&
               tr->notes[st->cursor].on <= pos + t) {
            const eng_note_spec *nt = &tr->notes[st->cursor++];
            int vel = (int)lround(nt->vel * (nt->env.gain < 1 ? nt->env.gain : 1));
            note_start ns = {nt->pitch, vel < 1 ? 1 : vel, t, nt->on, nt->on,
                             nt->off - nt->on, &nt->env};
            start_note(st, spec, L, &ns);
        }
        if (t >= n)
            break;
    }
    if (!timeline)
        st->cursor = lower_bound(tr, pos + n);
    float g = eng_db_to_lin(spec->gm.gain);
    for (int i = 0; i < n; i++) {
        L[i] *= g;
        R[i] *= g;
    }
}

void eng_inst_render(eng_inst *st, const eng_track_spec *tr, uint64_t serial,
                     int64_t pos, int n, bool timeline, float *L, float *R)
{
    const eng_inst_spec *spec = &tr->inst;
    note_start chase[ENG_INST_VOICES];
    int nchase = 0;

    assert(n > 0 && n <= st->max_block);
    if (spec->type != st->type) {
        hard_stop(st, true);
        st->type = spec->type;
        st->started = false;
    }
    if (!st->started || pos != st->next_pos) {
        hard_stop(st, false);
        st->cursor = lower_bound(tr, pos);
        st->serial = serial;
        st->started = true;
        /* chase: the notes sounding at pos start there (the latest ones
         * when more than the voices are sounding) */
        for (int k = 0; timeline && k < st->cursor; k++) {
            const eng_note_spec *nt = &tr->notes[k];
            if (nt->off <= pos)
                continue;
            note_start ns = {nt->pitch, nt->vel, 0, pos, nt->on, nt->off - pos,
                             &nt->env};
            if (nchase == ENG_INST_VOICES)
                memmove(chase, chase + 1, sizeof chase[0] * (ENG_INST_VOICES - 1)),
                    nchase--;
            chase[nchase++] = ns;
        }
    } else if (serial != st->serial) {
        rematch(st, tr, pos);
        st->cursor = lower_bound(tr, pos);
        st->serial = serial;
    }
    if (st->type == ENG_INST_GM) {
        gm_block(st, tr, pos, n, timeline, chase, nchase, L, R);
        st->next_pos = pos + n;
        return;
    }
    for (int i = 0; i < ENG_INST_VOICES; i++)
        st->v[i].done = 0;
    for (int i = 0; i < ENG_INST_TAILS; i++)
        st->tail[i].done = 0;
    memset(L, 0, (size_t)n * sizeof *L);
    start_first(st, spec, L, pos, chase, nchase);
    for (; st->cursor < tr->nnotes && tr->notes[st->cursor].on < pos + n;
         st->cursor++) {
        const eng_note_spec *nt = &tr->notes[st->cursor];
        if (!timeline)
            continue;
        note_start ns = {nt->pitch, nt->vel, (int)(nt->on - pos), nt->on,
                         nt->on, nt->off - nt->on, &nt->env};
        start_note(st, spec, L, &ns);
    }
    for (int i = 0; i < ENG_INST_VOICES; i++)
        if (st->v[i].active)
            voice_run(st, spec, &st->v[i], L, n);
    for (int i = 0; i < ENG_INST_TAILS; i++)
        if (st->tail[i].active)
            voice_run(st, spec, &st->tail[i], L, n);
    memcpy(R, L, (size_t)n * sizeof *R);
    st->next_pos = pos + n;
}
