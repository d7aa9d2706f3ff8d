/* blockcache.c -- the block cache (see blockcache.h for the key, the
 * value and why cached renders are bit-identical): one preallocated slab
 * of fixed-size slots, an open-addressing index (linear probing, backward
 * shift deletion), an LRU list, and the renderer's fetch/store hooks that
 * snapshot and restore a track's effect state. */
#include "engine/blockcache.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "engine/render_priv.h"

/* One effect's state as the cache restores it. */
typedef struct bc_fxsnap {
    int32_t type, configured, bypassed, nbands;
    int32_t band_type[ENG_EQ_MAX_BANDS];
    double cur[ENG_P_MAX];
    union {
        eng_eq eq;
        eng_comp comp;
    } u;
} bc_fxsnap;

/* What a block's key hashes, written field by field (no padding): the
 * header, then per effect its flags, band types, applied parameters and
 * its running state (EQ filter memories; the compressor's envelope, ramp
 * gains and step in progress, 5 words, fewer than the EQ's; the
 * coefficients are functions of the parameters). */
#define BC_FX_KEY (4 * 4 + 4 * ENG_EQ_MAX_BANDS + 8 * ENG_P_MAX + \
                   4 * 4 * ENG_EQ_MAX_BANDS)
#define BC_KEY_MAX (16 + 8 + 4 * 4 + ENG_BC_FX_MAX * BC_FX_KEY)

typedef struct bc_slot {
    uint64_t key[2];
    int32_t n, nfx;
    int32_t prev, next;   /* LRU list (or the free list: next) */
    bc_fxsnap fx[ENG_BC_FX_MAX]; /* effect state after the block */
    /* then max_frames floats of L, then of R */
} bc_slot;

struct eng_blockcache {
    pthread_mutex_t mu;
    unsigned char hkey[crypto_shorthash_siphashx24_KEYBYTES];
    int frames;            /* max_frames */
    size_t slot_bytes, nslots, used;
    unsigned char *slab;
    struct bc_ent { uint64_t k0; uint32_t slot; } *index; /* slot + 1, 0 = empty */
    size_t mask;           /* index size - 1 (also of ghost) */
    uint64_t *ghost;       /* admission once full: keys missed once */
    int32_t head, tail;    /* LRU: most / least recently used */
    int32_t free_list;
    atomic_ullong hits, misses, stores, evictions, busy;
};

_Static_assert(crypto_generichash_KEYBYTES_MIN <=
                   crypto_shorthash_siphashx24_KEYBYTES,
               "one key serves both hashes");

static bc_slot *slot_at(const eng_blockcache *bc, int32_t i)
{
    return (bc_slot *)(bc->slab + (size_t)i * bc->slot_bytes);
}

static float *slot_audio(const eng_blockcache *bc, bc_slot *s)
{
    (void)bc;
    return (float *)(s + 1);
}

eng_blockcache *eng_blockcache_new(size_t bytes, int max_frames)
{
    eng_blockcache *bc = NULL;
    size_t sb, n, cap = 1;

    if (max_frames <= 0 || sodium_init() < 0)
        return NULL;
    sb = sizeof(bc_slot) + 2 * (size_t)max_frames * sizeof(float);
    sb = (sb + 63) & ~(size_t)63;
    /* index and ghosts: at most 4 entries a slot each */
    n = bytes / (sb + 4 * sizeof(struct bc_ent) + 4 * sizeof(uint64_t));
    if (n < 4 || n > INT32_MAX / 4)
        return NULL;
    while (cap < 2 * n)
        cap <<= 1;
    bc = calloc(1, sizeof *bc);
    if (!bc)
        return NULL;
    bc->slab = aligned_alloc(64, n * sb);
    bc->index = calloc(cap, sizeof *bc->index);
    bc->ghost = calloc(cap, sizeof *bc->ghost);
    if (!bc->slab || !bc->index || !bc->ghost) {
        free(bc->slab);
        free(bc->index);
        free(bc->ghost);
        free(bc);
        return NULL;
    }
    memset(bc->slab, 0, n * sb); /* committed now, not on first use */
    pthread_mutex_init(&bc->mu, NULL);
    randombytes_buf(bc->hkey, sizeof bc->hkey);
    bc->frames = max_frames;
    bc->slot_bytes = sb;
    bc->nslots = n;
    bc->mask = cap - 1;
    eng_blockcache_clear(bc);
    return bc;
}

void eng_blockcache_free(eng_blockcache *bc)
{
    if (!bc)
        return;
    pthread_mutex_destroy(&bc->mu);
    free(bc->slab);
    free(bc->index);
    free(bc->ghost);
    free(bc);
}

void eng_blockcache_clear(eng_blockcache *bc)
{
    pthread_mutex_lock(&bc->mu);
    memset(bc->index, 0, (bc->mask + 1) * sizeof *bc->index);
    memset(bc->ghost, 0, (bc->mask + 1) * sizeof *bc->ghost);
    for (size_t i = 0; i < bc->nslots; i++)
        slot_at(bc, (int32_t)i)->next =
            i + 1 < bc->nslots ? (int32_t)(i + 1) : -1;
    bc->free_list = 0;
    bc->head = bc->tail = -1;
    bc->used = 0;
    pthread_mutex_unlock(&bc->mu);
}

void eng_blockcache_stats_get(eng_blockcache *bc, eng_blockcache_stats *out)
{
    out->hits = atomic_load_explicit(&bc->hits, memory_order_relaxed);
    out->misses = atomic_load_explicit(&bc->misses, memory_order_relaxed);
    out->stores = atomic_load_explicit(&bc->stores, memory_order_relaxed);
    out->evictions = atomic_load_explicit(&bc->evictions, memory_order_relaxed);
    out->busy = atomic_load_explicit(&bc->busy, memory_order_relaxed);
    pthread_mutex_lock(&bc->mu);
    out->used = bc->used;
    pthread_mutex_unlock(&bc->mu);
    out->slots = bc->nslots;
    out->slot_bytes = bc->slot_bytes;
}

void eng_renderer_set_block_cache(eng_renderer *r, eng_blockcache *bc)
{
    r->bc = bc;
    for (int i = 0; i < r->nts; i++)
        r->ts[i].bc_pending = false;
}

static void count(atomic_ullong *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- index and LRU (under mu) ------------------------------------------ */

static size_t home(const eng_blockcache *bc, const uint64_t key[2])
{
    return (size_t)key[0] & bc->mask;
}

/* The index position holding key, or of the empty entry it would go to. */
static size_t probe(const eng_blockcache *bc, const uint64_t key[2])
{
    size_t i = home(bc, key);
    while (bc->index[i].slot) {
        if (bc->index[i].k0 == key[0] &&
            slot_at(bc, (int32_t)(bc->index[i].slot - 1))->key[1] == key[1])
            return i;
        i = (i + 1) & bc->mask;
    }
    return i;
}

/* Removes index entry i, shifting back the entries of its run. */
static void index_remove(eng_blockcache *bc, size_t i)
{
    size_t j = i;
    for (;;) {
        j = (j + 1) & bc->mask;
        if (!bc->index[j].slot)
            break;
        size_t k = (size_t)bc->index[j].k0 & bc->mask;
        /* entry j may move to i unless its home lies in (i, j] */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        bc->index[i] = bc->index[j];
        i = j;
    }
    bc->index[i].slot = 0;
}

static void lru_unlink(eng_blockcache *bc, int32_t i)
{
    bc_slot *s = slot_at(bc, i);
    if (s->prev >= 0)
        slot_at(bc, s->prev)->next = s->next;
    else
        bc->head = s->next;
    if (s->next >= 0)
        slot_at(bc, s->next)->prev = s->prev;
    else
        bc->tail = s->prev;
}

static void lru_front(eng_blockcache *bc, int32_t i)
{
    bc_slot *s = slot_at(bc, i);
    s->prev = -1;
    s->next = bc->head;
    if (bc->head >= 0)
        slot_at(bc, bc->head)->prev = i;
    bc->head = i;
    if (bc->tail < 0)
        bc->tail = i;
}

/* A slot for a new key: a free one, else the least recently used one
 * (taken out of the index and the list). */
static int32_t slot_take(eng_blockcache *bc)
{
    int32_t i = bc->free_list;
    if (i >= 0) {
        bc->free_list = slot_at(bc, i)->next;
        bc->used++;
        return i;
    }
    i = bc->tail;
    assert(i >= 0);
    lru_unlink(bc, i);
    size_t at = probe(bc, slot_at(bc, i)->key);
    assert(bc->index[at].slot == (uint32_t)i + 1);
    index_remove(bc, at);
    count(&bc->evictions);
    return i;
}

/* ---- effect state ------------------------------------------------------- */

static void snap_take(const fx_state *f, bc_fxsnap *o)
{
    o->type = f->type;
    o->configured = f->configured;
    o->bypassed = f->bypassed;
    o->nbands = f->nbands;
    memcpy(o->band_type, f->band_type, sizeof o->band_type);
    memcpy(o->cur, f->cur, sizeof o->cur);
    if (f->type == ENG_FX_EQ)
        memcpy(&o->u.eq, &f->u.eq, sizeof o->u.eq);
    else
        memcpy(&o->u.comp, &f->u.comp, sizeof o->u.comp);
}

static void snap_put(fx_state *f, const bc_fxsnap *o)
{
    assert(o->type == f->type);
    f->configured = o->configured;
    f->bypassed = o->bypassed;
    f->nbands = o->nbands;
    memcpy(f->band_type, o->band_type, sizeof f->band_type);
    memcpy(f->cur, o->cur, sizeof f->cur);
    if (f->type == ENG_FX_EQ)
        memcpy(&f->u.eq, &o->u.eq, sizeof o->u.eq);
    else
        memcpy(&f->u.comp, &o->u.comp, sizeof o->u.comp);
}

/* Appends effect f's part of a block key at p; returns the end. */
static unsigned char *key_fx(unsigned char *p, const fx_state *f)
{
    int32_t h[4] = {f->type, f->configured, f->bypassed, f->nbands};
    memcpy(p, h, sizeof h);
    p += sizeof h;
    memcpy(p, f->band_type, sizeof f->band_type);
    p += sizeof f->band_type;
    memcpy(p, f->cur, sizeof f->cur);
    p += sizeof f->cur;
    if (f->type == ENG_FX_EQ) {
        memcpy(p, f->u.eq.z, sizeof f->u.eq.z);
        p += sizeof f->u.eq.z;
    } else {
        /* the detector: envelope, the two gains of the ramp and the step
         * in progress (its peak and position) */
        float d[5] = {f->u.comp.env_db, f->u.comp.gain, f->u.comp.gain_from,
                      f->u.comp.peak, 0.0f};
        int32_t pos = f->u.comp.pos;
        memcpy(&d[4], &pos, sizeof pos);
        memcpy(p, d, sizeof d);
        p += sizeof d;
    }
    return p;
}

/* ---- a track's content ---------------------------------------------------- */

static void put(crypto_generichash_state *st, const void *p, size_t n)
{
    crypto_generichash_update(st, p, n);
}

static void put_i64(crypto_generichash_state *st, int64_t v)
{
    put(st, &v, sizeof v);
}

/* Hashes what track tr's post-effect signal depends on besides the
 * effects' state (blockcache.h), and whether it may be cached at all. */
static void content_hash(const eng_blockcache *bc, const eng_renderer *r,
                         const eng_track_spec *tr, track_state *s)
{
    crypto_generichash_state st;

    s->bc_serial = r->plan->serial;
    s->bc_ok = false;
    if (tr->instrument || tr->nfx > ENG_BC_FX_MAX)
        return;
    for (int e = 0; e < tr->nfx; e++)
        if (tr->fx[e].type != ENG_FX_EQ && tr->fx[e].type != ENG_FX_COMPRESSOR)
            return;
    for (int c = 0; c < tr->nclips; c++)
        if (tr->clips[c].asset->uid == 0)
            return;
    crypto_generichash_init(&st, bc->hkey, crypto_generichash_KEYBYTES_MIN,
                            sizeof s->bc_content);
    put_i64(&st, 1); /* layout version */
    put_i64(&st, r->fs);
    put_i64(&st, tr->nclips);
    for (int c = 0; c < tr->nclips; c++) {
        const eng_clip_spec *cl = &tr->clips[c];
        int64_t v[12] = {(int64_t)cl->asset->uid, cl->asset->channels,
                         cl->asset->frames, cl->start, cl->offset,
                         cl->length, cl->fade_in, cl->fade_out, 0,
                         cl->shape_in, cl->shape_out, 0};
        memcpy(&v[8], &cl->gain, sizeof cl->gain);
        put(&st, v, sizeof v);
    }
    put_i64(&st, tr->nfx);
    for (int e = 0; e < tr->nfx; e++) {
        const eng_fx_spec *fx = &tr->fx[e];
        int32_t h[3 + ENG_EQ_MAX_BANDS] = {fx->type, fx->bypass, fx->nbands};
        memcpy(h + 3, fx->band_type, sizeof fx->band_type);
        put(&st, h, sizeof h);
        put(&st, fx->p, sizeof fx->p);
    }
    for (int a = 0; a < tr->nauto; a++) {
        const eng_auto_spec *au = &tr->autos[a];
        if (au->target != ENG_AUTO_FX)
            continue; /* gain and pan act after the cached signal */
        int64_t h[4] = {a, au->fx, au->param, au->npoints};
        put(&st, h, sizeof h);
        put(&st, au->frames, (size_t)au->npoints * sizeof *au->frames);
        put(&st, au->values, (size_t)au->npoints * sizeof *au->values);
    }
    crypto_generichash_final(&st, (unsigned char *)s->bc_content,
                             sizeof s->bc_content);
    s->bc_ok = true;
}

/* ---- the hooks -------------------------------------------------------------- */

static fx_state *track_fx(const eng_renderer *r, int t, int e)
{
    int slot = r->fxmap[r->fxbase[t] + e];
    return slot >= 0 ? r->fx[slot] : NULL;
}

bool eng_bc_fetch(eng_renderer *r, int t, int64_t pos, int n)
{
    eng_blockcache *bc = r->bc;
    const eng_track_spec *tr = &r->plan->tracks[t];
    track_state *s = &r->ts[r->tmap[t]];
    unsigned char kb[BC_KEY_MAX], *p = kb;
    uint64_t key[2];
    bool hit = false;

    s->bc_pending = false;
    if (!bc || n > bc->frames || r->timeline_off)
        return false;
    if (s->bc_serial != r->plan->serial)
        content_hash(bc, r, tr, s);
    if (!s->bc_ok)
        return false;
    int32_t h[4] = {n, r->fs, r->simd->lanes, tr->nfx};
    memcpy(p, s->bc_content, sizeof s->bc_content);
    p += sizeof s->bc_content;
    memcpy(p, &pos, sizeof pos);
    p += sizeof pos;
    memcpy(p, h, sizeof h);
    p += sizeof h;
    for (int e = 0; e < tr->nfx; e++) {
        const fx_state *f = track_fx(r, t, e);
        if (!f)
            return false; /* state not there yet: not cached */
        p = key_fx(p, f);
    }
    assert(p <= kb + sizeof kb);
    crypto_shorthash_siphashx24((unsigned char *)key, kb,
                                (unsigned long long)(p - kb), bc->hkey);
    if (pthread_mutex_trylock(&bc->mu) != 0) {
        count(&bc->busy);
        count(&bc->misses);
        return false;
    }
    size_t at = probe(bc, key);
    if (bc->index[at].slot) {
        int32_t i = (int32_t)(bc->index[at].slot - 1);
        bc_slot *sl = slot_at(bc, i);
        const float *a = slot_audio(bc, sl);
        assert(sl->n == n && sl->nfx == tr->nfx);
        memcpy(s->l, a, (size_t)n * sizeof(float));
        memcpy(s->r, a + bc->frames, (size_t)n * sizeof(float));
        for (int e = 0; e < tr->nfx; e++)
            snap_put(track_fx(r, t, e), &sl->fx[e]);
        lru_unlink(bc, i);
        lru_front(bc, i);
        hit = true;
    }
    /* admission: while there are free slots every miss is kept; once
     * full, only a key missed before (by any renderer) evicts another --
     * a block nobody else reaches in the same state is not worth it */
    bool admit = !hit && bc->free_list >= 0;
    if (!hit && !admit) {
        uint64_t *g = &bc->ghost[(size_t)key[1] & bc->mask];
        admit = *g == key[0];
        *g = admit ? 0 : key[0];
    }
    pthread_mutex_unlock(&bc->mu);
    if (hit) {
        s->fresh = false;
        count(&bc->hits);
        return true;
    }
    count(&bc->misses);
    memcpy(s->bc_key, key, sizeof key);
    s->bc_pending = admit;
    return false;
}

void eng_bc_store(eng_renderer *r, int t, int n)
{
    eng_blockcache *bc = r->bc;
    const eng_track_spec *tr = &r->plan->tracks[t];
    track_state *s = &r->ts[r->tmap[t]];

    if (!s->bc_pending || !bc)
        return;
    s->bc_pending = false;
    assert(n <= bc->frames && tr->nfx <= ENG_BC_FX_MAX);
    if (pthread_mutex_trylock(&bc->mu) != 0) {
        count(&bc->busy);
        return;
    }
    size_t at = probe(bc, s->bc_key);
    int32_t i;
    if (bc->index[at].slot) { /* stored meanwhile by another renderer */
        i = (int32_t)(bc->index[at].slot - 1);
        lru_unlink(bc, i);
    } else {
        i = slot_take(bc);
        at = probe(bc, s->bc_key); /* eviction may have moved entries */
        bc->index[at].k0 = s->bc_key[0];
        bc->index[at].slot = (uint32_t)i + 1;
    }
    bc_slot *sl = slot_at(bc, i);
    float *a = slot_audio(bc, sl);
    memcpy(sl->key, s->bc_key, sizeof sl->key);
    sl->n = n;
    sl->nfx = tr->nfx;
    for (int e = 0; e < tr->nfx; e++)
        snap_take(track_fx(r, t, e), &sl->fx[e]);
    memcpy(a, s->l, (size_t)n * sizeof(float));
    memcpy(a + bc->frames, s->r, (size_t)n * sizeof(float));
    lru_front(bc, i);
    pthread_mutex_unlock(&bc->mu);
    count(&bc->stores);
}
