/* render_inst.c -- instrument tracks in the renderer: their voice states
 * (engine/voices.c) kept with the track state by id, created when a plan
 * is adopted with allocation allowed, the block call that renders a
 * track's notes in place of reading clips, and auditions queued by the
 * stream's thread for the next block. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "engine/render_priv.h"
#include "engine/voices.h"

static int find_ts(const eng_renderer *r, const char *id)
{
    for (int i = 0; i < r->nts; i++)
        if (r->ts[i].id[0] && strcmp(r->ts[i].id, id) == 0)
            return i;
    return -1;
}

bool eng_render_inst_ready(eng_renderer *r, const eng_plan *p, bool may_alloc)
{
    bool ok = true;
    for (int t = 0; t < p->ntracks; t++) {
        const eng_track_spec *tr = &p->tracks[t];
        if (!tr->instrument)
            continue;
        if (!may_alloc) {
            int i = find_ts(r, tr->id);
            if (i < 0 || !r->ts[i].inst ||
                !eng_inst_ready(r->ts[i].inst, &tr->inst))
                return false;
            continue;
        }
        track_state *s = &r->ts[r->tmap[t]];
        if (!s->inst)
            s->inst = eng_inst_new(r->fs, r->max_block);
        if (!s->inst || eng_inst_prepare(s->inst, &tr->inst) != 0)
            ok = false; /* rendered as silence */
    }
    return ok;
}

void eng_render_inst_free(track_state *s)
{
    eng_inst_free(s->inst);
    s->inst = NULL;
}

int eng_renderer_audition(eng_renderer *r, const char *track_id, int pitch,
                          int vel, int64_t frames)
{
    if (r->naud >= ENG_RENDER_AUDITIONS || !track_id)
        return -1;
    aud_req *a = &r->aud[r->naud++];
    snprintf(a->track, sizeof a->track, "%s", track_id);
    a->pitch = pitch;
    a->vel = vel;
    a->frames = frames;
    return 0;
}

void eng_renderer_set_timeline(eng_renderer *r, bool on)
{
    r->timeline_off = !on;
}

void eng_render_inst_auditions(eng_renderer *r)
{
    const eng_plan *p = r->plan;
    for (int i = 0; i < r->naud; i++) {
        int t = eng_plan_track_index(p, r->aud[i].track);
        if (t < 0 || !p->tracks[t].instrument)
            continue;
        track_state *s = &r->ts[r->tmap[t]];
        if (s->inst && s->fresh_id) { /* start over before, not after */
            eng_inst_reset(s->inst);
            s->fresh_id = false;
        }
        if (s->inst)
            eng_inst_audition(s->inst, r->aud[i].pitch, r->aud[i].vel,
                              r->aud[i].frames);
    }
    r->naud = 0;
}

void eng_render_instrument(eng_renderer *r, int t, track_state *s,
                           int64_t pos, int n)
{
    const eng_track_spec *tr = &r->plan->tracks[t];
    assert(tr->instrument);
    s->fresh = false;
    if (!s->inst) {
        memset(s->l, 0, (size_t)n * sizeof *s->l);
        memset(s->r, 0, (size_t)n * sizeof *s->r);
        return;
    }
    if (s->fresh_id) {
        eng_inst_reset(s->inst);
        s->fresh_id = false;
    }
    eng_inst_render(s->inst, tr, r->plan->serial, pos, n, !r->timeline_off,
                    s->l, s->r);
}
