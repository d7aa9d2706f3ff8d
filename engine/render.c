/* render.c -- the block renderer: effect state, clip
 * reading with fades, effect chains, gain/pan ramps and automation, sends,
 * buses in processing order, master, meters. Plan adoption (state kept by
 * id across plans) is in render_adopt.c. See render.h for the rules on
 * allocation and docs/engine.md for the signal flow. */
#include "engine/render.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "engine/blockcache.h"
#include "engine/fades.h"
#include "engine/limiter.h"
#include "engine/render_priv.h"
#include "engine/render_scratch.h"
#include "engine/v4.h"

/* ---- effect state ------------------------------------------------------ */

void eng_render_fx_reset(fx_state *f)
{
    switch (f->type) {
    case ENG_FX_EQ: eng_eq_reset(&f->u.eq); break;
    case ENG_FX_COMPRESSOR: eng_comp_reset(&f->u.comp); break;
    case ENG_FX_DELAY: eng_delay_reset(&f->u.delay); break;
    case ENG_FX_REVERB: eng_reverb_reset(&f->u.rv); break;
    case ENG_FX_LIMITER: eng_limiter_reset(&f->u.lim); break;
    default: break;
    }
    f->configured = false;
}

fx_state *eng_render_fx_new(int type, double fs)
{
    fx_state *f = calloc(1, sizeof *f);
    int rc = 0;
    if (!f)
        return NULL;
    f->type = type;
    switch (type) {
    case ENG_FX_EQ: break;
    case ENG_FX_COMPRESSOR: eng_comp_init(&f->u.comp, fs); break;
    case ENG_FX_DELAY: rc = eng_delay_init(&f->u.delay, fs); break;
    case ENG_FX_REVERB: rc = eng_reverb_init(&f->u.rv, fs); break;
    case ENG_FX_LIMITER: rc = eng_limiter_init(&f->u.lim, fs); break;
    default: rc = -1; break;
    }
    if (rc != 0) {
        free(f);
        return NULL;
    }
    return f;
}

static void fx_free(fx_state *f)
{
    if (!f)
        return;
    switch (f->type) {
    case ENG_FX_DELAY: eng_delay_free(&f->u.delay); break;
    case ENG_FX_REVERB: eng_reverb_free(&f->u.rv); break;
    case ENG_FX_LIMITER: eng_limiter_free(&f->u.lim); break;
    default: break;
    }
    free(f);
}

/* Applies parameter values (only when they changed). */
static void fx_apply(fx_state *f, const eng_fx_spec *spec, const double *v,
                     double fs)
{
    if (f->configured && f->nbands == spec->nbands &&
        memcmp(f->cur, v, sizeof f->cur) == 0 &&
        memcmp(f->band_type, spec->band_type, sizeof f->band_type) == 0)
        return;
    switch (f->type) {
    case ENG_FX_EQ: {
        eng_eq_band b[ENG_EQ_MAX_BANDS];
        for (int i = 0; i < spec->nbands; i++)
            b[i] = (eng_eq_band){spec->band_type[i], v[3 * i], v[3 * i + 1],
                                 v[3 * i + 2]};
        eng_eq_set(&f->u.eq, b, spec->nbands, fs);
        break;
    }
    case ENG_FX_COMPRESSOR: {
        eng_comp_params cp = {v[ENG_P_THRESHOLD], v[ENG_P_RATIO],
                              v[ENG_P_ATTACK],    v[ENG_P_RELEASE],
                              v[ENG_P_KNEE],      v[ENG_P_MAKEUP]};
        bool was = f->configured;
        eng_comp_set(&f->u.comp, &cp);
        if (!was)
            eng_comp_reset(&f->u.comp);
        break;
    }
    case ENG_FX_DELAY:
        eng_delay_set(&f->u.delay, v[ENG_P_TIME], v[ENG_P_FEEDBACK], v[ENG_P_MIX]);
        break;
    case ENG_FX_REVERB:
        eng_reverb_set(&f->u.rv, v[ENG_P_SIZE], v[ENG_P_DAMPING],
                       v[ENG_P_PREDELAY], v[ENG_P_RV_MIX]);
        break;
    case ENG_FX_LIMITER:
        eng_limiter_set(&f->u.lim, v[ENG_P_CEILING], v[ENG_P_LIM_RELEASE],
                        v[ENG_P_LOOKAHEAD]);
        break;
    default:
        break;
    }
    memcpy(f->cur, v, sizeof f->cur);
    f->nbands = spec->nbands;
    memcpy(f->band_type, spec->band_type, sizeof f->band_type);
    f->configured = true;
}

static void fx_process(fx_state *f, float *l, float *r, int n)
{
    switch (f->type) {
    case ENG_FX_EQ: eng_eq_process(&f->u.eq, l, r, n); break;
    case ENG_FX_COMPRESSOR: eng_comp_process(&f->u.comp, l, r, n); break;
    case ENG_FX_DELAY: eng_delay_process(&f->u.delay, l, r, n); break;
    case ENG_FX_REVERB: eng_reverb_process(&f->u.rv, l, r, n); break;
    case ENG_FX_LIMITER: eng_limiter_process(&f->u.lim, l, r, n); break;
    default: break;
    }
}

/* ---- public lifecycle ---------------------------------------------------- */

eng_renderer *eng_renderer_new(eng_plan_slot *slot, eng_plan *plan,
                               int max_block)
{
    eng_renderer *r = calloc(1, sizeof *r);
    eng_plan *p;
    if (!r || max_block <= 0)
        goto fail;
    p = slot ? eng_plan_slot_acquire(slot) : plan ? eng_plan_ref(plan) : NULL;
    if (!p)
        goto fail;
    r->slot = slot;
    r->simd = eng_simd();
    r->skip_silence = true;
    r->hold_heads = true;
    r->fs = p->sample_rate;
    r->max_block = max_block;
    /* adopting grows this thread's scratch (render_scratch.h) */
    if (!eng_render_adopt(r, p, true)) {
        eng_plan_release(p);
        goto fail;
    }
    return r;
fail:
    eng_renderer_free(r);
    return NULL;
}

void eng_renderer_free(eng_renderer *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nts; i++)
        eng_render_inst_free(&r->ts[i]);
    for (int i = 0; i < r->nfx; i++)
        fx_free(r->fx[i]);
    free(r->ts);
    free(r->fx);
    free(r->tmap);
    free(r->fxbase);
    free(r->flags);
    free(r->fed);
    free(r->done);
    free(r->lastfeed);
    free(r->send_on);
    free(r->fxmap);
    eng_plan_release(r->plan);
    eng_plan_release(r->pending);
    eng_plan_release(r->retired);
    free(r);
}

int eng_renderer_maintain(eng_renderer *r)
{
    int rc = 0;
    if (r->slot && !r->pending) {
        eng_plan *p = eng_plan_slot_acquire(r->slot);
        if (p && p != r->plan)
            r->pending = p;
        else
            eng_plan_release(p);
    }
    if (r->pending) {
        if (eng_render_adopt(r, r->pending, true))
            r->pending = NULL;
        else
            rc = -1;
    }
    eng_plan_release(r->retired);
    r->retired = NULL;
    /* the render thread's scratch (a renderer made on another thread) */
    if (eng_scratch_reserve(eng_render_scratch_need(r)) != 0)
        rc = -1;
    return rc;
}

void eng_renderer_set_solo(eng_renderer *r, const char *track_id)
{
    r->solo_set = track_id != NULL;
    snprintf(r->solo_id, sizeof r->solo_id, "%s", track_id ? track_id : "");
    r->reroute = true;
}

const eng_plan *eng_renderer_plan(const eng_renderer *r)
{
    return r->plan;
}

eng_meter eng_renderer_track_meter(const eng_renderer *r, int track)
{
    eng_meter none = {{0, 0}, {0, 0}, 0};
    if (track < 0 || track >= r->plan->ntracks || r->tmap[track] < 0)
        return none;
    return r->ts[r->tmap[track]].meter;
}

eng_meter eng_renderer_master_meter(const eng_renderer *r)
{
    return r->master_meter;
}

void eng_renderer_set_skip_silence(eng_renderer *r, bool on)
{
    r->skip_silence = on;
}

int64_t eng_renderer_skipped(const eng_renderer *r)
{
    return r->skipped;
}

void eng_renderer_set_hold_heads(eng_renderer *r, bool on)
{
    r->hold_heads = on;
}

int64_t eng_renderer_held(const eng_renderer *r)
{
    return r->held;
}

bool eng_renderer_pending(const eng_renderer *r)
{
    return r->pending != NULL;
}

/* ---- the block ------------------------------------------------------------ */

/* Adds clip c's part of [pos, pos+n) into L/R; with `assign` the
 * destination is taken as zero without being read (each sample is then
 * 0.0f + x, the same operation as adding into a cleared buffer), which is
 * for a clip that covers the whole block. */
ENG_VEC_CLONES
static void mix_clip(const eng_clip_spec *c, int64_t pos, int n, float *L,
                     float *R, bool assign)
{
    int64_t a = pos > c->start ? pos : c->start;
    int64_t end = c->start + c->length;
    int64_t b = pos + n < end ? pos + n : end;
    if (a >= b)
        return;
    const int ch = c->asset->channels;
    const float *src = c->asset->samples;
    const float g = c->gain;
    const int64_t len = c->length, fi = c->fade_in, fo = c->fade_out;
    int64_t k = a - c->start, kend = b - c->start;
    int o = (int)(a - pos);

    while (k < kend) {
        /* the fade-free middle: a tight loop */
        int64_t mid_end = len - fo < kend ? len - fo : kend;
        if (k >= fi && k < mid_end) {
            const float *s = src + (size_t)(c->offset + k) * (size_t)ch;
            int m = (int)(mid_end - k);
            if (ch == 2 && assign) {
                for (int i = 0; i < m; i++) {
                    L[o + i] = 0.0f + g * s[2 * i];
                    R[o + i] = 0.0f + g * s[2 * i + 1];
                }
            } else if (ch == 2) {
                for (int i = 0; i < m; i++) {
                    L[o + i] += g * s[2 * i];
                    R[o + i] += g * s[2 * i + 1];
                }
            } else if (assign) {
                for (int i = 0; i < m; i++) {
                    float x = g * s[i];
                    L[o + i] = 0.0f + x;
                    R[o + i] = 0.0f + x;
                }
            } else {
                for (int i = 0; i < m; i++) {
                    float x = g * s[i];
                    L[o + i] += x;
                    R[o + i] += x;
                }
            }
            k += m;
            o += m;
            continue;
        }
        float gk = g;
        if (k < fi)
            gk *= eng_fade_gain(c->shape_in, (double)k / (double)fi);
        if (len - 1 - k < fo)
            gk *= eng_fade_gain(c->shape_out, (double)(len - 1 - k) / (double)fo);
        const float *s = src + (size_t)(c->offset + k) * (size_t)ch;
        L[o] = (assign ? 0.0f : L[o]) + gk * s[0];
        R[o] = (assign ? 0.0f : R[o]) + gk * s[ch - 1];
        k++;
        o++;
    }
}

static bool fx_automated(const eng_track_spec *tr, int e)
{
    for (int a = 0; a < tr->nauto; a++)
        if (tr->autos[a].target == ENG_AUTO_FX && tr->autos[a].fx == e)
            return true;
    return false;
}

/* Reads a track's clips for [pos, pos+n) into its buffers, which need not
 * be cleared first: when the first clip that reaches into the block covers
 * all of it, it is assigned (see mix_clip), else the buffers are cleared.
 * An instrument track renders its notes instead (render_inst.c). */
static void read_clips(eng_renderer *r, int t, track_state *s, int64_t pos,
                       int n)
{
    const eng_track_spec *tr = &r->plan->tracks[t];
    int c = 0;
    if (tr->instrument) {
        eng_render_instrument(r, t, s, pos, n);
        return;
    }
    if (r->timeline_off)
        c = tr->nclips; /* nothing but auditions */
    while (c < tr->nclips && tr->clips[c].start < pos + n &&
           tr->clips[c].start + tr->clips[c].length <= pos)
        c++;
    if (s->fresh) {
        if (c < tr->nclips && tr->clips[c].start <= pos &&
            tr->clips[c].start + tr->clips[c].length >= pos + n) {
            mix_clip(&tr->clips[c++], pos, n, s->l, s->r, true);
        } else {
            memset(s->l, 0, (size_t)n * sizeof(float));
            memset(s->r, 0, (size_t)n * sizeof(float));
        }
        s->fresh = false;
    }
    for (; c < tr->nclips && tr->clips[c].start < pos + n; c++)
        mix_clip(&tr->clips[c], pos, n, s->l, s->r, false);
}

/* Readies effect e of track t for this block: false when it is not run
 * (no state, or bypassed). */
static bool fx_ready(eng_renderer *r, const eng_track_spec *tr, int t, int e,
                     fx_state **out)
{
    const eng_fx_spec *spec = &tr->fx[e];
    int slot = r->fxmap[r->fxbase[t] + e];
    if (slot < 0)
        return false;
    fx_state *f = r->fx[slot];
    if (spec->bypass) {
        f->bypassed = true;
        return false;
    }
    if (f->bypassed) {
        eng_render_fx_reset(f);
        f->bypassed = false;
    }
    *out = f;
    return true;
}

/* The start of the ENG_SUBBLOCK grid cell of timeline frame x. */
static int64_t sub_grid(int64_t x)
{
    int64_t m = x % ENG_SUBBLOCK;
    return x - (m < 0 ? m + ENG_SUBBLOCK : m);
}

/* Runs effect e of track t on L/R (automation per sub-block). */
static void run_one_fx(eng_renderer *r, const eng_track_spec *tr, int t, int e,
                       int64_t pos, int n, float *L, float *R)
{
    const eng_fx_spec *spec = &tr->fx[e];
    fx_state *f;
    if (!fx_ready(r, tr, t, e, &f))
        return;
    if (!fx_automated(tr, e)) {
        fx_apply(f, spec, spec->p, r->fs);
        fx_process(f, L, R, n);
        return;
    }
    /* sub-blocks on the timeline's ENG_SUBBLOCK grid with the values of
     * the grid point, so the samples do not depend on where blocks end */
    for (int s = 0, m; s < n; s += m) {
        int64_t g = sub_grid(pos + s);
        m = (int)(g + ENG_SUBBLOCK - (pos + s));
        m = m < n - s ? m : n - s;
        double v[ENG_P_MAX];
        memcpy(v, spec->p, sizeof v);
        for (int a = 0; a < tr->nauto; a++)
            if (tr->autos[a].target == ENG_AUTO_FX && tr->autos[a].fx == e)
                v[tr->autos[a].param] = eng_auto_eval(&tr->autos[a], g);
        fx_apply(f, spec, v, r->fs);
        fx_process(f, L + s, R + s, m);
    }
}

static void run_fx(eng_renderer *r, const eng_track_spec *tr, int t,
                   int64_t pos, int n, float *L, float *R)
{
    for (int e = r->ts[r->tmap[t]].hold; e < tr->nfx; e++)
        run_one_fx(r, tr, t, e, pos, n, L, R);
}

/* ---- skipping silence ------------------------------------------------------
 * A track whose input is silent in a block (no clip reaches into it and
 * nothing was sent or routed into it yet) and whose whole effect chain has
 * a decayed tail (dsp.h, ENG_TAIL_EPS) renders exact zeros: its chain is
 * only advanced (compressor detectors, ring positions), its buffers, sends
 * and output are skipped (adding zeros changes nothing). Instruments,
 * automated effects and limiters are never skipped. */

static bool input_silent(const eng_renderer *r, const eng_track_spec *tr,
                         const track_state *s, int64_t pos, int n)
{
    if (tr->instrument || !s->fresh)
        return false;
    if (r->timeline_off)
        return true;
    for (int c = 0; c < tr->nclips; c++) {
        const eng_clip_spec *cl = &tr->clips[c];
        if (cl->start >= pos + n)
            break; /* clips are in start order */
        if (cl->start + cl->length > pos)
            return false;
    }
    return true;
}

/* Advances effects [0, upto) of track t's chain, whose tails have
 * decayed, over n samples of silent input (what processing those zeros
 * does to their state). */
static void advance_silent(eng_renderer *r, const eng_track_spec *tr, int t,
                           int upto, int n)
{
    for (int e = 0; e < upto; e++) {
        fx_state *f;
        if (!fx_ready(r, tr, t, e, &f))
            continue;
        if (f->type == ENG_FX_COMPRESSOR)
            eng_comp_silence(&f->u.comp, n);
        else if (f->type == ENG_FX_DELAY)
            eng_delay_silence(&f->u.delay, n);
        else if (f->type == ENG_FX_REVERB)
            eng_reverb_silence(&f->u.rv, n);
    }
}

/* Whether track t's chain may be skipped on silent input; when it may,
 * advances it over the block. Decayed tails found on the way are set to
 * exact zero even when another effect keeps the chain running; then the
 * decayed effects before the first ringing one are held: advanced in
 * silence, and s->hold says where the chain starts this block (they
 * would turn zeros into exact zeros: a bus's reverb while its delay still
 * repeats). Not for tracks the block cache keeps: it keys a block by the
 * state of every effect at the block's start (blockcache.h). */
static bool skip_silent(eng_renderer *r, const eng_track_spec *tr, int t,
                        track_state *s, int64_t pos, int n)
{
    if (!r->skip_silence || !input_silent(r, tr, s, pos, n))
        return false;
    bool quiet = true;
    int head = 0; /* effects [0, head) have decayed (or are not run) */
    for (int e = 0; e < tr->nfx; e++) {
        fx_state *f;
        bool q = true;
        if (fx_ready(r, tr, t, e, &f)) {
            if (fx_automated(tr, e)) {
                quiet = false;
                break;
            }
            fx_apply(f, &tr->fx[e], tr->fx[e].p, r->fs);
            bool other = false; /* never skipped (limiters) */
            switch (f->type) {
            case ENG_FX_EQ: q = eng_eq_quiet(&f->u.eq); break;
            case ENG_FX_COMPRESSOR: break;
            case ENG_FX_DELAY: q = eng_delay_quiet(&f->u.delay); break;
            case ENG_FX_REVERB: q = eng_reverb_quiet(&f->u.rv); break;
            default: other = true; break;
            }
            if (other) {
                quiet = false;
                break;
            }
        }
        if (q && head == e)
            head = e + 1;
        quiet = q && quiet;
    }
    if (!quiet) {
        if (head > 0 && r->hold_heads && !(r->bc && !r->fed[t])) {
            advance_silent(r, tr, t, head, n);
            s->hold = head;
            r->held++;
        }
        return false;
    }
    advance_silent(r, tr, t, tr->nfx, n);
    r->skipped++;
    return true;
}

/* Up to `lanes` effects of one type (EQ or compressor: r->simd->lanes, 4
 * or 8; reverb: 4) on as many tracks, run in one vector pass when full. */
typedef struct fx_group {
    int n, lanes;
    const eng_simd_ops *ops;
    fx_state *f[8];
    float *l[8], *r[8];
    fx_state *f2[8]; /* EQ + compressor groups: the compressors */
} fx_group;

static void group_run(fx_group *g, int n)
{
    if (g->n == 0)
        return;
    if (g->n == 1 || (g->n == 2 && g->f[0]->type == ENG_FX_REVERB)) {
        /* two reverbs cost less one at a time than in four lanes */
        for (int k = 0; k < g->n; k++) {
            fx_process(g->f[k], g->l[k], g->r[k], n);
            if (g->f2[k])
                fx_process(g->f2[k], g->l[k], g->r[k], n);
        }
    } else if (g->f2[0]) {
        eng_eq *eq[8] = {NULL};
        eng_comp *c[8] = {NULL};
        for (int k = 0; k < g->n; k++) {
            eq[k] = &g->f[k]->u.eq;
            c[k] = &g->f2[k]->u.comp;
        }
        g->ops->eqcomp_group(eq, c, g->l, g->r, n);
    } else if (g->f[0]->type == ENG_FX_EQ) {
        eng_eq *eq[8] = {NULL};
        for (int k = 0; k < g->n; k++)
            eq[k] = &g->f[k]->u.eq;
        if (g->n <= 4)
            eng_eq_process4(eq, g->l, g->r, n);
        else
            g->ops->eq_group(eq, g->l, g->r, n);
    } else if (g->f[0]->type == ENG_FX_REVERB) {
        eng_reverb *rv[4] = {NULL};
        assert(g->n <= 4);
        for (int k = 0; k < g->n; k++)
            rv[k] = &g->f[k]->u.rv;
        eng_reverb_process4(rv, g->l, g->r, n);
    } else {
        eng_comp *c[8] = {NULL};
        for (int k = 0; k < g->n; k++)
            c[k] = &g->f[k]->u.comp;
        if (g->n <= 4)
            eng_comp_process4(c, g->l, g->r, n);
        else
            g->ops->comp_group(c, g->l, g->r, n);
    }
    g->n = 0;
}

static void group_add(fx_group *g, fx_state *f, track_state *s, int n)
{
    assert(!g->f2[0] || g->n == 0); /* EQ + compressor groups: group_add2 */
    g->f[g->n] = f;
    g->l[g->n] = s->l;
    g->r[g->n] = s->r;
    if (++g->n == g->lanes)
        group_run(g, n);
}

/* An EQ and the compressor after it on one track, into an EQ + compressor
 * group. */
static void group_add2(fx_group *g, fx_state *eq, fx_state *comp,
                       track_state *s, int n)
{
    g->f[g->n] = eq;
    g->f2[g->n] = comp;
    g->l[g->n] = s->l;
    g->r[g->n] = s->r;
    if (++g->n == g->lanes) {
        group_run(g, n);
        memset(g->f2, 0, sizeof g->f2);
    }
}

/* done[t]; DONE_BATCH marks the tracks of the batch render_ready runs,
 * DONE_BATCH_NEXT those whose effect at the next chain position already
 * ran (an EQ + compressor pass), DONE_CACHED those whose block came from
 * the block cache */
enum { DONE_NO = 0, DONE_RUN = 1, DONE_SILENT = 2, DONE_BATCH = 3,
       DONE_BATCH_NEXT = 4, DONE_CACHED = 5 };

/* Whether effect e + 1 of track t is an unautomated compressor that runs
 * this block (readied and configured: *out), so that an EQ at e may run
 * with it in one pass. */
static bool comp_follows(eng_renderer *r, const eng_track_spec *tr, int t,
                         int e, fx_state **out)
{
    if (e + 1 >= tr->nfx || tr->fx[e + 1].type != ENG_FX_COMPRESSOR ||
        fx_automated(tr, e + 1) || !fx_ready(r, tr, t, e + 1, out))
        return false;
    fx_apply(*out, &tr->fx[e + 1], tr->fx[e + 1].p, r->fs);
    return true;
}

/* The tracks whose input is complete at processing step k0 -- proc[k0]
 * itself and every later active track none of whose feeders comes at or
 * after k0 (r->lastfeed) -- get their clips and effects in one batch,
 * with the effects in lockstep by position in the chain: unautomated EQs
 * and compressors at the same position on several tracks run r->simd->
 * lanes tracks per vector pass (eng_eq_process4/8, eng_comp_process4/8),
 * reverbs four per pass (eng_reverb_process4); everything else runs track
 * by track. Each track's chain keeps its order and its own state and its
 * input is what it would be at its own step, so every output is the same
 * as track by track. At k0 = 0 the batch is the source tracks; the
 * routing pass of render_block calls it again at the first step of a
 * track not yet done (vector paths only; the plain path runs those track
 * by track). Marks done[t] for the tracks it processed. */
static void render_ready(eng_renderer *r, int64_t pos, int n, int k0,
                         uint8_t *done)
{
    const eng_plan *p = r->plan;
    const int lanes = r->simd->lanes;
    int maxfx = 0;

    for (int k = k0; k < p->nproc; k++) {
        int t = p->proc[k];
        const eng_track_spec *tr = &p->tracks[t];
        if (done[t] != DONE_NO || !(r->flags[t] & ENG_ROUTE_ACTIVE) ||
            (k != k0 && r->lastfeed[t] >= k0))
            continue;
        if (skip_silent(r, tr, t, &r->ts[r->tmap[t]], pos, n)) {
            done[t] = DONE_SILENT;
            continue;
        }
        if (r->bc && !r->fed[t] && eng_bc_fetch(r, t, pos, n)) {
            /* blockcache.h: only source tracks (nothing feeds them) */
            done[t] = DONE_CACHED;
            continue;
        }
        read_clips(r, t, &r->ts[r->tmap[t]], pos, n);
        done[t] = DONE_BATCH;
        maxfx = tr->nfx > maxfx ? tr->nfx : maxfx;
    }
    for (int e = 0; e < maxfx; e++) {
        fx_group eqs = {0, lanes, r->simd, {0}, {0}, {0}, {0}};
        fx_group comps = eqs, rvs = eqs, eqcs = eqs;
        rvs.lanes = 4;
        for (int k = k0; k < p->nproc; k++) {
            int t = p->proc[k];
            const eng_track_spec *tr = &p->tracks[t];
            if (done[t] == DONE_BATCH_NEXT) {
                done[t] = DONE_BATCH; /* effect e ran with effect e - 1 */
                continue;
            }
            track_state *s = &r->ts[r->tmap[t]];
            if (done[t] != DONE_BATCH || e >= tr->nfx || e < s->hold)
                continue; /* s->hold: held by skip_silent */
            int ty = tr->fx[e].type;
            fx_state *f;
            if ((ty != ENG_FX_EQ && ty != ENG_FX_COMPRESSOR &&
                 ty != ENG_FX_REVERB) ||
                lanes == 1 || fx_automated(tr, e)) {
                run_one_fx(r, tr, t, e, pos, n, s->l, s->r);
                continue;
            }
            if (!fx_ready(r, tr, t, e, &f))
                continue;
            fx_apply(f, &tr->fx[e], tr->fx[e].p, r->fs);
            fx_state *f2;
            if (ty == ENG_FX_EQ && r->simd->eqcomp_group &&
                comp_follows(r, tr, t, e, &f2)) {
                group_add2(&eqcs, f, f2, s, n);
                done[t] = DONE_BATCH_NEXT;
                continue;
            }
            group_add(ty == ENG_FX_EQ ? &eqs : ty == ENG_FX_REVERB ? &rvs : &comps,
                      f, s, n);
        }
        group_run(&eqcs, n);
        group_run(&eqs, n);
        group_run(&comps, n);
        group_run(&rvs, n);
    }
    for (int k = k0; k < p->nproc; k++) {
        int t = p->proc[k];
        if (done[t] != DONE_BATCH)
            continue;
        done[t] = DONE_RUN;
        if (r->bc && !r->fed[t]) /* blockcache.h: source tracks only */
            eng_bc_store(r, t, n);
    }
}

/* Fills r->gl/gr with the per-sample left/right gain (fader x pan law),
 * ramped per sub-block; returns true when the gains are one constant
 * (then only gl[0]/gr[0] are set). */
static bool gain_pan(eng_renderer *r, track_state *s, const eng_track_spec *tr,
                     int64_t pos, int n)
{
    const eng_auto_spec *ag = tr->auto_gain >= 0 ? &tr->autos[tr->auto_gain] : NULL;
    const eng_auto_spec *ap = tr->auto_pan >= 0 ? &tr->autos[tr->auto_pan] : NULL;
    float gstat = eng_db_to_lin(tr->gain_db);

    if (!s->primed) {
        s->gain = ag ? eng_db_to_lin(eng_auto_eval(ag, pos - 1)) : gstat;
        s->pan = ap ? eng_auto_eval(ap, pos - 1) : tr->pan;
        s->primed = true;
    }
    float g0 = s->gain;
    double p0 = s->pan;
    float pl, pr;
    eng_pan_gains(p0, &pl, &pr);
    if (!ag && !ap && g0 == gstat && p0 == tr->pan) {
        r->gl[0] = g0 * pl;
        r->gr[0] = g0 * pr;
        return true;
    }
    float prevl = g0 * pl, prevr = g0 * pr, ge = g0;
    double pe = p0;
    /* cells of ENG_SUBBLOCK: with automation on the timeline's grid (the
     * samples do not depend on where blocks end), else from pos */
    for (int b = 0, e; b < n; b = e) {
        int64_t g = ag || ap ? sub_grid(pos + b) : pos + b;
        e = (int)(g + ENG_SUBBLOCK - pos);
        e = e < n ? e : n;
        if (b == 0 && g != pos) { /* a cell the last block began */
            float gs = ag ? eng_db_to_lin(eng_auto_eval(ag, g - 1)) : g0;
            eng_pan_gains(ap ? eng_auto_eval(ap, g - 1) : p0, &pl, &pr);
            prevl = gs * pl;
            prevr = gs * pr;
        }
        ge = ag ? eng_db_to_lin(eng_auto_eval(ag, g + ENG_SUBBLOCK - 1))
                : g0 + (gstat - g0) * (float)e / (float)n;
        pe = ap ? eng_auto_eval(ap, g + ENG_SUBBLOCK - 1)
                : p0 + (tr->pan - p0) * (double)e / (double)n;
        eng_pan_gains(pe, &pl, &pr);
        float tl = ge * pl, tr_ = ge * pr;
        float inv = 1.0f / (float)(ag || ap ? ENG_SUBBLOCK : e - b);
        for (int i = b; i < e; i++) {
            float f = (float)(pos + i - g + 1) * inv;
            r->gl[i] = prevl + (tl - prevl) * f;
            r->gr[i] = prevr + (tr_ - prevr) * f;
        }
        prevl = tl;
        prevr = tr_;
    }
    s->gain = ag ? ge : gstat;
    s->pan = ap ? pe : tr->pan;
    return false;
}

/* dst += g * src; when *fresh, dst counts as zero and is not read
 * (0.0f + x, the same as adding into a cleared buffer). */
static void add_scaled(float *dst, const float *src, float g, int n,
                       bool fresh)
{
    if (fresh) {
        for (int i = 0; i < n; i++)
            dst[i] = 0.0f + g * src[i];
        return;
    }
    for (int i = 0; i < n; i++)
        dst[i] += g * src[i];
}

/* Both channels of a send or an output into track state d. */
static void send_to(track_state *d, const float *L, const float *R, float g,
                    int n)
{
    add_scaled(d->l, L, g, n, d->fresh);
    add_scaled(d->r, R, g, n, d->fresh);
    d->fresh = false;
}


static void render_block(eng_renderer *r, int64_t pos, float *out, int n)
{
    const eng_plan *p = r->plan;
    float *ml = r->ml, *mr = r->mr;

    /* no clearing: the first write into a buffer in this block assigns
     * (or clears it when it cannot cover the block), see `fresh` */
    r->master_fresh = true;
    for (int t = 0; t < p->ntracks; t++) {
        track_state *s = &r->ts[r->tmap[t]];
        memset(&s->meter, 0, sizeof s->meter);
        s->fresh = true;
        s->hold = 0;
        if (!(r->flags[t] & ENG_ROUTE_ACTIVE))
            s->primed = false;
    }
    uint8_t *done = r->done;
    for (int k = 0; k < p->nproc; k++)
        done[p->proc[k]] = DONE_NO;
    if (r->naud)
        eng_render_inst_auditions(r);
    if (p->nproc > 0)
        render_ready(r, pos, n, 0, done);
    for (int k = 0; k < p->nproc; k++) {
        int t = p->proc[k];
        if (!(r->flags[t] & ENG_ROUTE_ACTIVE))
            continue;
        const eng_track_spec *tr = &p->tracks[t];
        track_state *s = &r->ts[r->tmap[t]];
        float *L = s->l, *R = s->r;
        const bool *son = &r->send_on[t * r->scap];

        if (done[t] == DONE_NO && r->simd->lanes > 1)
            render_ready(r, pos, n, k, done);
        if (done[t] == DONE_NO && skip_silent(r, tr, t, s, pos, n)) {
            done[t] = DONE_SILENT;
        } else if (done[t] == DONE_NO) {
            read_clips(r, t, s, pos, n);
            run_fx(r, tr, t, pos, n, L, R);
        }
        if (done[t] == DONE_SILENT) { /* zeros: only the fader moves on */
            (void)gain_pan(r, s, tr, pos, n);
            continue;
        }
        for (int sd = 0; sd < tr->nsends; sd++) {
            if (!son[sd] || !tr->sends[sd].pre)
                continue;
            send_to(&r->ts[r->tmap[tr->sends[sd].target]], L, R,
                    tr->sends[sd].level, n);
        }
        bool post = false;
        for (int sd = 0; sd < tr->nsends; sd++)
            post = post || (son[sd] && !tr->sends[sd].pre);
        bool cst = gain_pan(r, s, tr, pos, n);
        float *dl = NULL, *dr = NULL;
        bool *dfresh = NULL;
        if (r->flags[t] & ENG_ROUTE_OUT) {
            dl = ml;
            dr = mr;
            dfresh = &r->master_fresh;
            if (tr->output >= 0) {
                track_state *d = &r->ts[r->tmap[tr->output]];
                dl = d->l;
                dr = d->r;
                dfresh = &d->fresh;
            }
        }
        const float *gl = cst ? NULL : r->gl, *gr = cst ? NULL : r->gr;
        if (!post) {
            eng_render_finish_track(L, R, gl, gr, r->gl[0], r->gr[0], false, dl, dr,
                         dfresh, &s->meter, n);
            continue;
        }
        /* post-fader sends: apply the fader first, send, then output */
        eng_render_finish_track(L, R, gl, gr, r->gl[0], r->gr[0], true, NULL, NULL,
                     NULL, &s->meter, n);
        for (int sd = 0; sd < tr->nsends; sd++) {
            if (!son[sd] || tr->sends[sd].pre)
                continue;
            send_to(&r->ts[r->tmap[tr->sends[sd].target]], L, R,
                    tr->sends[sd].level, n);
        }
        if (dl) {
            add_scaled(dl, L, 1.0f, n, *dfresh);
            add_scaled(dr, R, 1.0f, n, *dfresh);
            *dfresh = false;
        }
    }
    /* master gain, ramped over the block when it changed */
    float gt = eng_db_to_lin(p->master_gain_db);
    if (!r->master_primed) {
        r->master_gain = gt;
        r->master_primed = true;
    }
    float g0 = r->master_gain;
    if (r->master_fresh) {
        memset(ml, 0, (size_t)n * sizeof(float));
        memset(mr, 0, (size_t)n * sizeof(float));
    }
    for (int i = 0; i < n; i++) {
        float g = g0 == gt ? gt : g0 + (gt - g0) * (float)(i + 1) / (float)n;
        ml[i] *= g;
        mr[i] *= g;
        out[2 * i] = ml[i];
        out[2 * i + 1] = mr[i];
    }
    r->master_gain = gt;
    eng_render_finish_track(ml, mr, NULL, NULL, 1.0f, 1.0f, false, NULL, NULL, NULL,
                 &r->master_meter, n);
}

int eng_render(eng_renderer *r, int64_t position, float *out, int frames)
{
#if defined(__SSE__)
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040); /* flush denormals to zero (FTZ | DAZ) */
#endif
    if (r->slot) {
        eng_plan *p = eng_plan_slot_acquire(r->slot);
        if (!p || p == r->plan || p == r->pending) {
            eng_plan_release(p);
        } else if (!eng_render_adopt(r, p, false)) {
            eng_plan_release(r->pending);
            r->pending = p;
        } else if (r->pending) {
            eng_plan_release(r->pending); /* superseded */
            r->pending = NULL;
        }
    }
    if (r->reroute)
        eng_render_route(r);
    if (!r->started || position != r->next_pos) {
        for (int i = 0; i < r->nfx; i++)
            if (r->fx[i]->used)
                eng_render_fx_reset(r->fx[i]);
        for (int i = 0; i < r->nts; i++)
            r->ts[i].primed = false;
        r->master_primed = false;
        r->started = true;
    }
    if (frames > 0) {
        float *scratch = eng_render_scratch_take(r, frames);
        if (!scratch) { /* out of memory: silence */
            memset(out, 0, (size_t)frames * 2 * sizeof *out);
            position += frames;
            frames = 0;
        }
        while (frames > 0) {
            int n = frames < r->max_block ? frames : r->max_block;
            render_block(r, position, out, n);
            position += n;
            out += 2 * n;
            frames -= n;
        }
        if (scratch)
            eng_scratch_release();
    }
    r->next_pos = position;
#if defined(__SSE__)
    _mm_setcsr(csr);
#endif
    return 0;
}
