/* stream_share.c -- shared preview sources and the complexity controller
 * of a pacing thread (see stream_share.h). */
#include "server/preview/stream_share.h"

#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Packets encoded by all sources: a statistics counter, any thread. */
static atomic_ullong st_encodes;
static atomic_ullong st_blocks; /* blocks the sources' renderers rendered */

bool pv_key_equal(const struct pv_key *a, const struct pv_key *b)
{
    return a->origin == b->origin && a->rev == b->rev &&
           a->gain_db == b->gain_db && a->looping == b->looping &&
           (!a->looping || (a->loop_a == b->loop_a && a->loop_b == b->loop_b));
}

struct pv_source *pv_source_new(eng_plan_slot *slot, eng_plan *fixed,
                                int rate, int bitrate, int complexity,
                                const struct pv_key *key, int64_t pos)
{
    struct pv_source *src = calloc(1, sizeof *src);

    if (!src)
        return NULL;
    src->r = eng_renderer_new(fixed ? NULL : slot, fixed,
                              ENG_OPUS_FRAME * ENG_OPUS_AHEAD_MAX);
    if (!src->r)
        goto fail;
    src->enc = eng_opus_stream_new(src->r, rate, bitrate, complexity);
    if (!src->enc)
        goto fail;
    eng_opus_stream_set_gain(src->enc, key->gain_db);
    src->complexity = complexity;
    src->ahead = 1;
    src->key = *key;
    src->next_pos = pos;
    return src;
fail:
    pv_source_free(src);
    return NULL;
}

void pv_source_free(struct pv_source *src)
{
    if (!src)
        return;
    assert(src->refs == 0);
    eng_opus_stream_free(src->enc);
    eng_renderer_free(src->r);
    free(src);
}

void pv_source_set_ahead(struct pv_source *src, int packets, int phase)
{
    src->ahead = packets;
    eng_opus_stream_set_ahead(src->enc, packets, phase);
}

bool pv_sources_set_ahead(struct pv_source *head, int packets, bool timeline)
{
    int grow = PV_AHEAD_GROW;
    bool all = true;

    for (struct pv_source *src = head; src; src = src->next) {
        if (src->ahead_hold || src->ahead == packets)
            continue;
        if (packets > src->ahead && grow-- <= 0) {
            all = false;
            continue;
        }
        pv_source_set_ahead(src, packets, timeline ? ENG_OPUS_PHASE_TIMELINE
                                                   : src->stagger);
    }
    return all;
}


void pv_source_reset(struct pv_source *src, const struct pv_key *key,
                     int64_t pos)
{
    if (key->gain_db != src->key.gain_db)
        eng_opus_stream_set_gain(src->enc, key->gain_db);
    src->key = *key;
    src->next_pos = pos;
    src->made = 0;
    src->level_acc_ms = 0;
}

int pv_source_frames(const struct pv_source *src)
{
    return eng_opus_stream_frames(src->enc);
}

int64_t pv_source_find(const struct pv_source *src, int64_t pos)
{
    if (src->priv)
        return -1;
    if (src->next_pos == pos)
        return (int64_t)src->made;
    uint64_t kept = src->made < PV_RING ? src->made : PV_RING;
    for (uint64_t i = 1; i <= kept; i++) {
        uint64_t idx = src->made - i;
        if (src->ring[idx % PV_RING].pos == pos)
            return (int64_t)idx;
    }
    return -1;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(p, v);
}

/* The levels gathered since the last ones, after the frame's header. */
static int make_levels(struct pv_source *src, unsigned char *p)
{
    float tp[PV_LEVEL_TRACKS], tr[PV_LEVEL_TRACKS], tt[PV_LEVEL_TRACKS];
    float mp, mr, mt;
    int n = eng_opus_stream_levels_tp(src->enc, tp, tr, tt, PV_LEVEL_TRACKS,
                                      &mp, &mr, &mt);

    p[0] = (unsigned char)(n & 0xff);
    p[1] = (unsigned char)(n >> 8);
    put_f32(p + 2, mp);
    put_f32(p + 6, mr);
    for (int t = 0; t < n; t++) {
        put_f32(p + 10 + 8 * t, tp[t]);
        put_f32(p + 14 + 8 * t, tr[t]);
    }
    unsigned char *q = p + 10 + 8 * (size_t)n;
    put_f32(q, mt);
    for (int t = 0; t < n; t++)
        put_f32(q + 4 + 4 * (size_t)t, tt[t]);
    return 2 + 8 + n * 8 + 4 + n * 4;
}

const struct pv_slot *pv_source_get(struct pv_source *src, uint64_t idx,
                                    int64_t pos, int complexity,
                                    bool *failed)
{
    *failed = false;
    if (idx < src->made) {
        if (src->made - idx > PV_RING)
            return NULL;
        const struct pv_slot *sl = &src->ring[idx % PV_RING];
        return sl->pos == pos ? sl : NULL;
    }
    if (idx != src->made || src->next_pos != pos)
        return NULL;
    struct pv_slot *sl = &src->ring[idx % PV_RING];
    if (complexity != src->complexity) {
        eng_opus_stream_set_complexity(src->enc, complexity);
        src->complexity = complexity;
    }
    uint64_t b0 = eng_opus_stream_blocks(src->enc);
    int n = eng_opus_stream_next(src->enc, pos, sl->pkt, sizeof sl->pkt);
    atomic_fetch_add(&st_blocks, eng_opus_stream_blocks(src->enc) - b0);
    if (n <= 0) {
        *failed = true;
        return NULL;
    }
    atomic_fetch_add(&st_encodes, 1);
    sl->pos = pos;
    sl->len = n;
    sl->lv_len = 0;
    src->level_acc_ms += 20;
    if (src->level_acc_ms >= PV_LEVEL_MS) {
        src->level_acc_ms -= PV_LEVEL_MS;
        sl->lv_len = make_levels(src, sl->lv);
    }
    src->made++;
    src->next_pos = pos + pv_source_frames(src);
    if (src->key.looping && src->next_pos >= src->key.loop_b)
        src->next_pos = src->key.loop_a;
    return sl;
}

unsigned long long pv_source_encodes(void)
{
    return atomic_load(&st_encodes);
}

unsigned long long pv_source_blocks(void)
{
    return atomic_load(&st_blocks);
}

/* ---- complexity under load ---- */

void pv_adapt_init(struct pv_adapt *a, int lo, int hi, int sim_load_pct,
                   int64_t now)
{
    if (hi < 0)
        hi = 0;
    if (hi > 10)
        hi = 10;
    if (lo > hi)
        lo = hi;
    if (lo < 0)
        lo = 0;
    memset(a, 0, sizeof *a);
    a->cur = hi;
    a->lo = lo;
    a->hi = hi;
    a->ahead = a->ahead_lo = a->ahead_hi = 1;
    a->sim_load_pct = sim_load_pct;
    a->win_start = now;
    a->win_slack = INT64_MAX;
    a->last_change = now;
}

void pv_adapt_set_ahead(struct pv_adapt *a, int lo, int hi)
{
    if (lo < 1)
        lo = 1;
    if (lo > ENG_OPUS_AHEAD_LIMIT)
        lo = ENG_OPUS_AHEAD_LIMIT;
    if (hi < lo)
        hi = lo;
    if (hi > ENG_OPUS_AHEAD_LIMIT)
        hi = ENG_OPUS_AHEAD_LIMIT;
    a->ahead = a->ahead_lo = lo;
    a->ahead_hi = hi;
}

/* Moves cur by `by`, clamped to lo..hi. */
static void step(struct pv_adapt *a, int by, int64_t now)
{
    int c = a->cur + by;

    if (c < a->lo)
        c = a->lo;
    if (c > a->hi)
        c = a->hi;
    if (c != a->cur) {
        a->cur = c;
        a->last_change = now;
    }
}

int pv_adapt_note(struct pv_adapt *a, int64_t now, int64_t busy,
                  int64_t min_slack)
{
    assert(a->lo <= a->cur && a->cur <= a->hi);
    a->busy += busy;
    if (min_slack < a->win_slack)
        a->win_slack = min_slack;
    /* a packet within half the lead of late: the floor at once */
    if (min_slack < PV_SLACK_JUMP_NS)
        step(a, a->lo - a->cur, now);
    /* a packet got close to its play time: one step down at once (at most
     * once a packet, so the step can show in the next slack) */
    if (min_slack < PV_SLACK_LOW_NS && now - a->last_change >= 20000000LL)
        step(a, -1, now);
    int64_t el = now - a->win_start;
    if (el < PV_ADAPT_WINDOW_NS)
        return a->cur;
    double load = (double)a->busy / (double)el + a->sim_load_pct / 100.0;
    if (load > PV_LOAD_HIGH && a->cur == a->lo && a->ahead < a->ahead_hi) {
        /* at the floor and still over: render further ahead (each
         * renderer's state is walked once for more audio) */
        a->ahead = 2 * a->ahead < a->ahead_hi ? 2 * a->ahead : a->ahead_hi;
        a->last_change = now;
    } else if (load > PV_LOAD_HIGH) {
        /* far over: two or three steps, so the floor comes before the
         * lead runs out (over PV_LOAD_FAR: two, over 1.5: three) */
        step(a, load >= PV_LOAD_FAR ? (load >= 2 * PV_LOAD_FAR - 1 ? -3 : -2)
                                    : -1, now);
    } else if (a->ahead > a->ahead_lo && load < PV_LOAD_AHEAD_DOWN &&
               a->win_slack >= PV_SLACK_ROOM_NS &&
               now - a->last_change >= PV_STEP_UP_NS) {
        /* room: render ahead comes back first (edits reach the audio
         * sooner), then complexity */
        a->ahead = a->ahead / 2 > a->ahead_lo ? a->ahead / 2 : a->ahead_lo;
        a->last_change = now;
    } else if (a->ahead == a->ahead_lo && load < PV_LOAD_LOW &&
               a->win_slack >= PV_SLACK_ROOM_NS &&
               now - a->last_change >= PV_STEP_UP_NS) {
        step(a, +1, now);
    }
    a->win_start = now;
    a->busy = 0;
    a->win_slack = INT64_MAX;
    return a->cur;
}

int pv_adapt_predict(struct pv_adapt *a, int64_t now, int64_t spent,
                     int done, int streams)
{
    assert(a->lo <= a->cur && a->cur <= a->hi);
    if (done < PV_PREDICT_MIN || streams <= 0 || a->cur == a->lo)
        return a->cur;
    double load = (double)spent / (double)done * 50.0 * (double)streams /
                      1e9 + a->sim_load_pct / 100.0;
    /* (render ahead is left to the windows: growing it is work done
     * early, which a burst has no room for) */
    if (load > PV_LOAD_PREDICT)
        step(a, a->lo - a->cur, now);
    return a->cur;
}
