/* render_adopt.c -- adopting a plan: the renderer keeps track and effect
 * state by id, so that a new plan (a fader move, a new effect) reuses the
 * state of what it shares with the old one and a change does not click.
 * Allocation happens only here, from eng_renderer_maintain or creation,
 * never in eng_render. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "engine/render_priv.h"
#include "engine/render_scratch.h"

/* ---- adoption: map plan tracks/effects to state, by id ----------------- */

static int find_ts(const eng_renderer *r, const char *id)
{
    for (int i = 0; i < r->nts; i++)
        if (r->ts[i].id[0] && strcmp(r->ts[i].id, id) == 0)
            return i;
    return -1;
}

static int find_fx(const eng_renderer *r, const char *id, int type)
{
    for (int i = 0; i < r->nfx; i++)
        if (r->fx[i]->type == type && r->fx[i]->id[0] &&
            strcmp(r->fx[i]->id, id) == 0)
            return i;
    return -1;
}

static bool plan_has_fx(const eng_plan *p, const char *id, int type)
{
    for (int t = 0; t < p->ntracks; t++)
        for (int e = 0; e < p->tracks[t].nfx; e++)
            if (p->tracks[t].fx[e].type == type &&
                strcmp(p->tracks[t].fx[e].id, id) == 0)
                return true;
    return false;
}

/* How many more track states / effect states of each type the plan needs
 * beyond the free ones. */
static void shortfall(const eng_renderer *r, const eng_plan *p, int *tracks,
                      int fx[ENG_FX_COUNT])
{
    int unmatched = 0, freecount = 0;
    for (int t = 0; t < p->ntracks; t++)
        if (find_ts(r, p->tracks[t].id) < 0)
            unmatched++;
    for (int i = 0; i < r->nts; i++)
        if (!r->ts[i].id[0] || eng_plan_track_index(p, r->ts[i].id) < 0)
            freecount++;
    *tracks = unmatched > freecount ? unmatched - freecount : 0;
    for (int ty = 0; ty < ENG_FX_COUNT; ty++) {
        unmatched = freecount = 0;
        for (int t = 0; t < p->ntracks; t++)
            for (int e = 0; e < p->tracks[t].nfx; e++)
                if (p->tracks[t].fx[e].type == ty &&
                    find_fx(r, p->tracks[t].fx[e].id, ty) < 0)
                    unmatched++;
        for (int i = 0; i < r->nfx; i++)
            if (r->fx[i]->type == ty &&
                (!r->fx[i]->id[0] || !plan_has_fx(p, r->fx[i]->id, ty)))
                freecount++;
        fx[ty] = unmatched > freecount ? unmatched - freecount : 0;
    }
}

static int grow(eng_renderer *r, const eng_plan *p)
{
    int need_t, need_fx[ENG_FX_COUNT];
    int ms = eng_plan_max_sends(p);

    if (p->ntracks > r->tcap || ms > r->scap) {
        int tc = p->ntracks > r->tcap ? p->ntracks + 8 : r->tcap;
        int sc = ms > r->scap ? ms + 2 : r->scap;
        int *tm = realloc(r->tmap, (size_t)tc * sizeof *tm);
        if (tm)
            r->tmap = tm;
        int *fb = realloc(r->fxbase, (size_t)tc * sizeof *fb);
        if (fb)
            r->fxbase = fb;
        uint8_t *fl = realloc(r->flags, (size_t)tc);
        if (fl)
            r->flags = fl;
        uint8_t *fe = realloc(r->fed, (size_t)tc);
        if (fe)
            r->fed = fe;
        uint8_t *dn = realloc(r->done, (size_t)tc);
        if (dn)
            r->done = dn;
        int *lf = realloc(r->lastfeed, (size_t)tc * sizeof *lf);
        if (lf)
            r->lastfeed = lf;
        bool *so = realloc(r->send_on, (size_t)tc * (size_t)sc * sizeof *so);
        if (so)
            r->send_on = so;
        if (!tm || !fb || !fl || !fe || !dn || !lf || !so)
            return -1;
        r->tcap = tc;
        r->scap = sc;
    }
    if (p->nfx_total > r->fxcap) {
        int fc = p->nfx_total + 8;
        int *fm = realloc(r->fxmap, (size_t)fc * sizeof *fm);
        if (!fm)
            return -1;
        r->fxmap = fm;
        r->fxcap = fc;
    }
    shortfall(r, p, &need_t, need_fx);
    if (need_t > 0) {
        track_state *ts = realloc(r->ts, (size_t)(r->nts + need_t) * sizeof *ts);
        if (!ts)
            return -1;
        r->ts = ts;
        for (int i = 0; i < need_t; i++) {
            track_state *s = &r->ts[r->nts];
            memset(s, 0, sizeof *s); /* l/r: eng_render_scratch_map */
            r->nts++;
        }
    }
    for (int ty = 0; ty < ENG_FX_COUNT; ty++) {
        if (need_fx[ty] == 0)
            continue;
        fx_state **fx = realloc(r->fx, (size_t)(r->nfx + need_fx[ty]) * sizeof *fx);
        if (!fx)
            return -1;
        r->fx = fx;
        for (int i = 0; i < need_fx[ty]; i++) {
            fx_state *f = eng_render_fx_new(ty, r->fs);
            if (!f)
                return -1;
            r->fx[r->nfx++] = f;
        }
    }
    /* the per-block buffers come from this thread's scratch */
    return eng_scratch_reserve(eng_render_scratch_need(r));
}

size_t eng_render_scratch_need(const eng_renderer *r)
{
    return (2 * (size_t)r->nts + 4) * ENG_SCRATCH_STRIDE(r->max_block);
}

void eng_render_scratch_map(eng_renderer *r, float *scratch, int frames)
{
    size_t st = ENG_SCRATCH_STRIDE(frames < r->max_block ? frames : r->max_block);
    float *p = scratch;
    /* packed by the block's length, not max_block: a renderer that asks
     * for short blocks touches a short span */
    for (int i = 0; i < r->nts; i++) {
        r->ts[i].l = p;
        r->ts[i].r = p + st;
        p += 2 * st;
    }
    r->ml = p;
    r->mr = p + st;
    r->gl = p + 2 * st;
    r->gr = p + 3 * st;
}

float *eng_render_scratch_take(eng_renderer *r, int frames)
{
    size_t need = eng_render_scratch_need(r);
    float *scratch = eng_scratch_acquire(need);
    if (!scratch && eng_scratch_reserve(need) == 0) {
        /* a thread that neither made nor maintained this renderer: its
         * first block grows the thread's scratch (the one allocation
         * eng_render may make) */
        scratch = eng_scratch_acquire(need);
    }
    if (scratch)
        eng_render_scratch_map(r, scratch, frames);
    return scratch;
}

/* Switches to plan p (taking over the caller's reference) when every track
 * and effect finds state; allocates first when may_alloc. */
bool eng_render_adopt(eng_renderer *r, eng_plan *p, bool may_alloc)
{
    int need_t, need_fx[ENG_FX_COUNT];

    if (may_alloc) {
        if (grow(r, p) != 0)
            return false;
    } else {
        if (p->ntracks > r->tcap || eng_plan_max_sends(p) > r->scap ||
            p->nfx_total > r->fxcap)
            return false;
        shortfall(r, p, &need_t, need_fx);
        if (need_t || !eng_render_inst_ready(r, p, false))
            return false;
        for (int ty = 0; ty < ENG_FX_COUNT; ty++)
            if (need_fx[ty])
                return false;
    }
    /* tracks: keep matches, hand free states to new ids */
    for (int i = 0; i < r->nts; i++)
        r->ts[i].used = false;
    for (int t = 0; t < p->ntracks; t++) {
        int i = find_ts(r, p->tracks[t].id);
        r->tmap[t] = i;
        if (i >= 0)
            r->ts[i].used = true;
    }
    for (int t = 0; t < p->ntracks; t++) {
        if (r->tmap[t] >= 0)
            continue;
        int i = 0;
        while (i < r->nts && r->ts[i].used)
            i++;
        assert(i < r->nts);
        track_state *s = &r->ts[i];
        snprintf(s->id, sizeof s->id, "%s", p->tracks[t].id);
        s->used = true;
        s->fresh_id = true; /* its instrument (if any) starts over */
        s->primed = false;
        memset(&s->meter, 0, sizeof s->meter);
        r->tmap[t] = i;
    }
    for (int i = 0; i < r->nts; i++)
        if (!r->ts[i].used)
            r->ts[i].id[0] = '\0';
    if (may_alloc)
        eng_render_inst_ready(r, p, true);
    /* effects */
    for (int i = 0; i < r->nfx; i++)
        r->fx[i]->used = false;
    int flat = 0;
    for (int t = 0; t < p->ntracks; t++) {
        r->fxbase[t] = flat;
        for (int e = 0; e < p->tracks[t].nfx; e++) {
            int i = find_fx(r, p->tracks[t].fx[e].id, p->tracks[t].fx[e].type);
            r->fxmap[flat++] = i;
            if (i >= 0)
                r->fx[i]->used = true;
        }
    }
    for (int t = 0; t < p->ntracks; t++) {
        for (int e = 0; e < p->tracks[t].nfx; e++) {
            int *slot = &r->fxmap[r->fxbase[t] + e];
            if (*slot >= 0)
                continue;
            int ty = p->tracks[t].fx[e].type, i = 0;
            while (i < r->nfx && (r->fx[i]->used || r->fx[i]->type != ty))
                i++;
            assert(i < r->nfx);
            fx_state *f = r->fx[i];
            eng_render_fx_reset(f);
            snprintf(f->id, sizeof f->id, "%s", p->tracks[t].fx[e].id);
            f->used = true;
            f->bypassed = false;
            *slot = i;
        }
    }
    for (int i = 0; i < r->nfx; i++)
        if (!r->fx[i]->used)
            r->fx[i]->id[0] = '\0';
    if (r->plan) {
        if (r->retired)
            eng_plan_release(r->retired); /* rare: two swaps without maintain */
        r->retired = r->plan;
    }
    r->plan = p;
    r->reroute = true;
    return true;
}

void eng_render_route(eng_renderer *r)
{
    const eng_plan *p = r->plan;
    int solo = r->solo_set ? eng_plan_track_index(p, r->solo_id) : -1;
    if (r->solo_set && solo < 0) {
        /* stem of a track that is gone: silence */
        memset(r->flags, 0, (size_t)p->ntracks);
        memset(r->send_on, 0, (size_t)p->ntracks * (size_t)r->scap);
    } else {
        eng_plan_route(p, solo, r->flags, r->send_on, r->scap);
    }
    memset(r->fed, 0, (size_t)p->ntracks);
    for (int t = 0; t < p->ntracks; t++) {
        const eng_track_spec *tr = &p->tracks[t];
        if (tr->output >= 0)
            r->fed[tr->output] = 1;
        for (int sd = 0; sd < tr->nsends; sd++)
            r->fed[tr->sends[sd].target] = 1;
    }
    /* lastfeed: done[] is scratch here (1: the track is in proc) */
    memset(r->done, 0, (size_t)p->ntracks);
    for (int k = 0; k < p->nproc; k++)
        r->done[p->proc[k]] = 1;
    for (int t = 0; t < p->ntracks; t++)
        r->lastfeed[t] = -1;
    for (int t = 0; t < p->ntracks; t++) {
        const eng_track_spec *tr = &p->tracks[t];
        if (r->done[t])
            continue;
        if (tr->output >= 0)
            r->lastfeed[tr->output] = p->nproc;
        for (int sd = 0; sd < tr->nsends; sd++)
            r->lastfeed[tr->sends[sd].target] = p->nproc;
    }
    for (int k = 0; k < p->nproc; k++) {
        const eng_track_spec *tr = &p->tracks[p->proc[k]];
        int *lo = tr->output >= 0 ? &r->lastfeed[tr->output] : NULL;
        if (lo && *lo < k)
            *lo = k;
        for (int sd = 0; sd < tr->nsends; sd++) {
            int *ls = &r->lastfeed[tr->sends[sd].target];
            if (*ls < k)
                *ls = k;
        }
    }
    r->reroute = false;
}
