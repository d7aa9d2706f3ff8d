/* dsp_fx.c -- the effects with memory: the look-ahead brickwall limiter,
 * the feedback delay (with tempo sync) and the 8-line feedback-delay-network
 * reverb. Buffers are allocated by *_init only; processing never allocates. */
#include "engine/dsp.h"
#include "engine/simd.h"
#include "engine/v4.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- limiter ------------------------------------------------------------
 * Gain computer: greq[t] = min(1, ceiling / max(|l|,|r|)). A sliding minimum
 * over la+1 samples, a release one-pole that may only rise (never above the
 * minimum), then a box average over la+1 samples; the audio is delayed by la
 * samples, so every gain averaged for an output sample is <= that sample's
 * greq. A final hard clamp at the ceiling catches float rounding. */

int eng_limiter_init(eng_limiter *lim, double fs)
{
    memset(lim, 0, sizeof *lim);
    lim->fs = fs;
    lim->cap = (int)ceil(ENG_LIMITER_MAX_LOOKAHEAD_MS * 1e-3 * fs) + 2;
    lim->dl = calloc((size_t)lim->cap, sizeof(float));
    lim->dr = calloc((size_t)lim->cap, sizeof(float));
    lim->mins = calloc((size_t)lim->cap, sizeof(float));
    lim->dq_val = calloc((size_t)lim->cap, sizeof(float));
    lim->dq_idx = calloc((size_t)lim->cap, sizeof(int));
    if (!lim->dl || !lim->dr || !lim->mins || !lim->dq_val || !lim->dq_idx) {
        eng_limiter_free(lim);
        return -1;
    }
    eng_limiter_set(lim, -1.0, 50.0, 5.0);
    eng_limiter_reset(lim);
    return 0;
}

void eng_limiter_free(eng_limiter *lim)
{
    free(lim->dl);
    free(lim->dr);
    free(lim->mins);
    free(lim->dq_val);
    free(lim->dq_idx);
    lim->dl = lim->dr = lim->mins = lim->dq_val = NULL;
    lim->dq_idx = NULL;
}

void eng_limiter_set(eng_limiter *lim, double ceiling_db, double release_ms,
                     double lookahead_ms)
{
    if (lookahead_ms < 0)
        lookahead_ms = 0;
    if (lookahead_ms > ENG_LIMITER_MAX_LOOKAHEAD_MS)
        lookahead_ms = ENG_LIMITER_MAX_LOOKAHEAD_MS;
    int la = (int)lround(lookahead_ms * 1e-3 * lim->fs);
    if (la > lim->cap - 2)
        la = lim->cap - 2;
    lim->ceiling = eng_db_to_lin(ceiling_db > 0 ? 0 : ceiling_db);
    double rs = release_ms * 1e-3 * lim->fs;
    lim->rel_coef = (float)exp(-1.0 / (rs < 1.0 ? 1.0 : rs));
    if (la != lim->la) {
        lim->la = la;
        eng_limiter_reset(lim);
    }
}

void eng_limiter_reset(eng_limiter *lim)
{
    memset(lim->dl, 0, (size_t)lim->cap * sizeof(float));
    memset(lim->dr, 0, (size_t)lim->cap * sizeof(float));
    for (int i = 0; i < lim->cap; i++)
        lim->mins[i] = 1.0f;
    lim->dq_head = lim->dq_len = 0;
    lim->t = 0;
    lim->rel_env = 1.0f;
    lim->box_sum = (double)(lim->la + 1);
    lim->pos = 0;
}

void eng_limiter_process(eng_limiter *lim, float *l, float *r, int n)
{
    const int cap = lim->cap, la = lim->la, win = la + 1;
    const float ceil_ = lim->ceiling, rc = lim->rel_coef;
    float env = lim->rel_env;
    double box = lim->box_sum;
    int pos = lim->pos;
    int64_t t = lim->t;

    for (int i = 0; i < n; i++, t++) {
        float x = fmaxf(fabsf(l[i]), fabsf(r[i]));
        float greq = x > ceil_ ? ceil_ / x : 1.0f;
        /* sliding minimum over [t-la, t] (deque stored in a ring) */
        while (lim->dq_len > 0) {
            int back = (lim->dq_head + lim->dq_len - 1) % cap;
            if (lim->dq_val[back] < greq)
                break;
            lim->dq_len--;
        }
        int slot = (lim->dq_head + lim->dq_len) % cap;
        lim->dq_val[slot] = greq;
        lim->dq_idx[slot] = (int)(t % cap);
        lim->dq_len++;
        /* drop the front when it left the window */
        int front_age = (int)((t - lim->dq_idx[lim->dq_head]) % cap + cap) % cap;
        if (front_age >= win) {
            lim->dq_head = (lim->dq_head + 1) % cap;
            lim->dq_len--;
        }
        float m = lim->dq_val[lim->dq_head];
        env = m < env ? m : env + (m - env) * (1.0f - rc);
        int bslot = (int)(t % win);
        box += (double)env - (double)lim->mins[bslot];
        lim->mins[bslot] = env;
        float g = (float)(box / win);
        if (g > 1.0f)
            g = 1.0f;
        /* delay the audio by la samples */
        lim->dl[pos] = l[i];
        lim->dr[pos] = r[i];
        int rp = pos - la;
        if (rp < 0)
            rp += cap;
        float ol = lim->dl[rp] * g, orr = lim->dr[rp] * g;
        l[i] = fminf(fmaxf(ol, -ceil_), ceil_);
        r[i] = fminf(fmaxf(orr, -ceil_), ceil_);
        if (++pos == cap)
            pos = 0;
    }
    /* keep the running sum from drifting: recompute it exactly */
    box = 0.0;
    for (int i = 0; i < win; i++)
        box += lim->mins[i];
    lim->box_sum = box;
    lim->rel_env = env;
    lim->pos = pos;
    lim->t = t;
}

/* ---- delay ------------------------------------------------------------- */


/* The smallest ring in use (floats per channel), and the headroom: a ring
 * holds at least twice what the delay reads, so an edit that lengthens
 * the time up to twice keeps every sample it reads (see eng_delay_set). */
#define DL_MIN_RING 4096

/* The ring eng_delay_set and reset choose for reads up to `samples` back:
 * a power of two >= 2 x (samples + 2), at least DL_MIN_RING, at most cap. */
static int dl_fit(const eng_delay *d, float samples)
{
    double need = 2.0 * ((double)samples + 2.0);
    int u = DL_MIN_RING < d->cap ? DL_MIN_RING : d->cap;
    while (u < d->cap && (double)u < need)
        u <<= 1;
    return u;
}

/* Grows the ring in use to nu slots in place: the last ucap values
 * written move to the slots of their positions modulo nu, the rest of
 * the new ring is 0 (history older than the old ring was not kept). */
static void dl_grow(eng_delay *d, int nu)
{
    const int u = d->ucap, vmask = d->cap - 1;
    assert(nu > u && nu <= d->cap && (nu & (nu - 1)) == 0);
    const int dirty = nu < d->hw ? nu : d->hw; /* from hw on: still 0 */
    if (dirty > u) {
        memset(d->bl + u, 0, (size_t)(dirty - u) * sizeof(float));
        memset(d->br + u, 0, (size_t)(dirty - u) * sizeof(float));
    }
    if (!d->idle && nu > d->hw)
        d->hw = nu; /* the moves below write up to nu */
    for (int k = 0; k < u && !d->idle; k++) { /* idle: all 0, nothing moves */
        int p = (d->w + d->cap - u + k) & vmask; /* the last u positions */
        int from = p & (u - 1), to = p & (nu - 1);
        if (to != from) { /* to >= u: never another value's slot */
            d->bl[to] = d->bl[from];
            d->br[to] = d->br[from];
            d->bl[from] = d->br[from] = 0.0f;
        }
    }
    d->ucap = nu;
}

int eng_delay_init(eng_delay *d, double fs)
{
    memset(d, 0, sizeof *d);
    d->fs = fs;
    int need = (int)ceil(ENG_DELAY_MAX_MS * 1e-3 * fs) + 4;
    d->cap = 1;
    while (d->cap < need)
        d->cap <<= 1;
    /* the full period of both channels in one anonymous mapping: zero,
     * and pages beyond the ring in use are never touched, so they stay
     * out of the resident set (a calloc from a reused heap would clear
     * them all) */
    void *m = mmap(NULL, 2 * (size_t)d->cap * sizeof(float),
                   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    d->bl = m;
    d->br = d->bl + d->cap;
    d->ucap = dl_fit(d, 0.0f);
    d->idle = true; /* all zero: growing the ring moves nothing */
    d->smooth = (float)(1.0 - exp(-1.0 / (0.05 * fs)));
    eng_delay_set(d, 250, 0.3, 0.25);
    eng_delay_reset(d);
    return 0;
}

void eng_delay_free(eng_delay *d)
{
    if (d->bl)
        munmap(d->bl, 2 * (size_t)d->cap * sizeof(float));
    d->bl = d->br = NULL;
}

void eng_delay_set(eng_delay *d, double time_ms, double feedback, double mix)
{
    if (time_ms < 1)
        time_ms = 1;
    if (time_ms > ENG_DELAY_MAX_MS)
        time_ms = ENG_DELAY_MAX_MS;
    d->target = (float)(time_ms * 1e-3 * d->fs);
    d->feedback = (float)(feedback < 0 ? 0 : feedback > 0.95 ? 0.95 : feedback);
    d->mix = (float)(mix < 0 ? 0 : mix > 1 ? 1 : mix);
    if (!d->primed) {
        d->time = d->target;
        d->primed = true;
    }
    /* the glide stays between time and target: the ring covers both */
    int fit = dl_fit(d, d->time > d->target ? d->time : d->target);
    if (fit > d->ucap)
        dl_grow(d, fit);
}

void eng_delay_reset(eng_delay *d)
{
    d->w = 0;
    d->time = d->target;
    d->ucap = dl_fit(d, d->target); /* all history is 0: any ring will do */
    const int dirty = d->ucap < d->hw ? d->ucap : d->hw; /* from hw on: 0 */
    memset(d->bl, 0, (size_t)dirty * sizeof(float));
    memset(d->br, 0, (size_t)dirty * sizeof(float));
    d->primed = false; /* the next set jumps to its time, no glide */
    d->idle = true;
}

/* Eight samples at a time: the time glide stays a scalar recursion (and
 * is skipped once it reached its target, where it is the identity), the
 * read position, floor, fraction, interpolation and mix are the scalar
 * expressions lane by lane, so the output is bit-identical to the
 * one-sample loop. The vector step runs only while every read is at
 * least 10 samples behind the writes (time and target >= 10 samples; at
 * 44.1 kHz and up the shortest delay, 1 ms, is 44), so the eight reads
 * never see the eight writes; else, at a ring wrap and for the last
 * samples of a call, one sample at a time. Taps at consecutive positions
 * are read as vectors. */
ENG_VEC_CLONES
void eng_delay_process(eng_delay *d, float *l, float *r, int n)
{
    /* w counts modulo cap, as with a ring of the full period (so the read
     * positions, and the bits, do not depend on the ring in use); values
     * live in slot (position & pmask) */
    const int vmask = d->cap - 1, pmask = d->ucap - 1;
    const float fb = d->feedback, mix = d->mix, dry = 1.0f - mix;
    const float target = d->target, sm = d->smooth;
    float *bl = d->bl, *br = d->br;
    float time = d->time;
    int w = d->w, i = 0;

    d->idle = false;
    if (d->ucap > d->hw)
        d->hw = d->ucap; /* writes from here on land in [0, ucap) */

    while (i < n) {
        /* the glide moves between time and target, so both >= 10 keep
         * every read of the step at least 10 samples behind */
        /* the eight writes in one run of the ring in use (which divides
         * cap, so w does not wrap either) */
        if (i + 8 <= n && (w & pmask) + 8 <= pmask + 1 && time >= 10.0f &&
            target >= 10.0f) {
            const v8ui lane8 = {0, 1, 2, 3, 4, 5, 6, 7};
            v8uf tv = {0};
            tv += time;
            if (time != target) {
                for (int j = 0; j < 8; j++) {
                    time += (target - time) * sm;
                    tv[j] = time;
                }
            }
            v8ui wv = w + lane8;
            v8uf rp = __builtin_convertvector(wv, v8uf) - tv;
            v8ui i0 = __builtin_convertvector(rp, v8ui); /* trunc */
            i0 += (v8ui)(__builtin_convertvector(i0, v8uf) > rp); /* floor */
            v8uf fr = rp - __builtin_convertvector(i0, v8uf);
            v8ui a = i0 & pmask, b = (i0 + 1) & pmask;
            v8uf la, lb, ra, rb;
            v8ui run = (a == a[0] + lane8); /* -1 where consecutive */
            run &= __builtin_shufflevector(run, run, 4, 5, 6, 7, 0, 1, 2, 3);
            run &= __builtin_shufflevector(run, run, 2, 3, 0, 1, 6, 7, 4, 5);
            run &= __builtin_shufflevector(run, run, 1, 0, 3, 2, 5, 4, 7, 6);
            if (a[0] + 7 < pmask && run[0]) { /* run[0]: all eight lanes */
                /* consecutive taps without a wrap: vector loads */
                la = v8u_load(bl + a[0]);
                lb = v8u_load(bl + a[0] + 1);
                ra = v8u_load(br + a[0]);
                rb = v8u_load(br + a[0] + 1);
            } else {
                for (int j = 0; j < 8; j++) {
                    la[j] = bl[a[j]];
                    lb[j] = bl[b[j]];
                    ra[j] = br[a[j]];
                    rb[j] = br[b[j]];
                }
            }
            v8uf wl = la + (lb - la) * fr, wr = ra + (rb - ra) * fr;
            v8uf xl = v8u_load(l + i), xr = v8u_load(r + i);
            v8u_store(bl + (w & pmask), xl + fb * wl);
            v8u_store(br + (w & pmask), xr + fb * wr);
            v8u_store(l + i, dry * xl + mix * wl);
            v8u_store(r + i, dry * xr + mix * wr);
            w = (w + 8) & vmask;
            i += 8;
            continue;
        }
        time += (target - time) * sm;
        float rp = (float)w - time;
        int i0 = (int)floorf(rp);
        float fr = rp - (float)i0;
        int a = i0 & pmask, b = (i0 + 1) & pmask;
        float wl = bl[a] + (bl[b] - bl[a]) * fr;
        float wr = br[a] + (br[b] - br[a]) * fr;
        bl[w & pmask] = l[i] + fb * wl;
        br[w & pmask] = r[i] + fb * wr;
        l[i] = dry * l[i] + mix * wl;
        r[i] = dry * r[i] + mix * wr;
        w = (w + 1) & vmask;
        i++;
    }
    d->time = time;
    d->w = w;
}

double eng_delay_sync_ms(const char *sync, double tempo)
{
    static const struct {
        const char *name;
        double quarters;
    } notes[] = {
        {"1/1", 4.0},   {"1/2", 2.0},          {"1/4", 1.0},
        {"1/8", 0.5},   {"1/16", 0.25},        {"1/4d", 1.5},
        {"1/8d", 0.75}, {"1/4t", 2.0 / 3.0},   {"1/8t", 1.0 / 3.0},
    };
    if (!sync || tempo <= 0)
        return -1.0;
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
        if (strcmp(sync, notes[i].name) == 0)
            return notes[i].quarters * 60000.0 / tempo;
    return -1.0;
}

/* ---- reverb -------------------------------------------------------------
 * Mono input (mean of L and R) -> predelay -> 4 series Schroeder allpasses
 * (g = 0.7) -> 8 delay lines mixed by a normalised 8x8 Hadamard matrix, each
 * line with a one-pole damping low-pass and a gain giving the RT60 set by
 * size. Left output = even lines, right = odd lines. */

static const double line_ms[ENG_REVERB_LINES] = {
    29.7, 37.1, 41.1, 43.7, 47.9, 53.3, 59.1, 67.3,
};
static const double ap_ms[4] = {4.77, 3.59, 12.73, 9.31};

int eng_reverb_init(eng_reverb *rv, double fs)
{
    size_t total = 0;
    memset(rv, 0, sizeof *rv);
    rv->fs = fs;
    for (int i = 0; i < ENG_REVERB_LINES; i++) {
        rv->len[i] = (int)lround(line_ms[i] * 1e-3 * fs);
        total += (size_t)rv->len[i];
    }
    for (int i = 0; i < 4; i++) {
        rv->ap_len[i] = (int)lround(ap_ms[i] * 1e-3 * fs);
        total += (size_t)rv->ap_len[i];
    }
    rv->pre_cap = (int)ceil(ENG_REVERB_MAX_PREDELAY_MS * 1e-3 * fs) + 1;
    total += (size_t)rv->pre_cap;
    rv->mem = calloc(total, sizeof(float));
    if (!rv->mem)
        return -1;
    float *p = rv->mem;
    for (int i = 0; i < ENG_REVERB_LINES; i++) {
        rv->line[i] = p;
        p += rv->len[i];
    }
    for (int i = 0; i < 4; i++) {
        rv->ap[i] = p;
        p += rv->ap_len[i];
    }
    rv->pre = p;
    eng_reverb_set(rv, 0.5, 0.5, 10, 0.25);
    /* the state eng_reverb_reset gives; the memory is calloc's zeros
     * already (clearing it again would touch every page at creation) */
    rv->idle = true;
    return 0;
}

void eng_reverb_free(eng_reverb *rv)
{
    free(rv->mem);
    rv->mem = NULL;
}

void eng_reverb_set(eng_reverb *rv, double size, double damping,
                    double predelay_ms, double mix)
{
    size = size < 0 ? 0 : size > 1 ? 1 : size;
    damping = damping < 0 ? 0 : damping > 1 ? 1 : damping;
    /* size 0..1 -> RT60 0.3..6 s; the mean line length sets the loop gain */
    double rt60 = 0.3 + 5.7 * size * size;
    double mean = 0;
    for (int i = 0; i < ENG_REVERB_LINES; i++)
        mean += rv->len[i];
    mean /= ENG_REVERB_LINES;
    rv->fb = (float)pow(10.0, -3.0 * mean / (rv->fs * rt60));
    rv->damp = (float)(damping * 0.8);
    rv->mix = (float)(mix < 0 ? 0 : mix > 1 ? 1 : mix);
    int pl = (int)lround(predelay_ms * 1e-3 * rv->fs);
    rv->pre_len = pl < 0 ? 0 : pl >= rv->pre_cap ? rv->pre_cap - 1 : pl;
}

static size_t rv_total(const eng_reverb *rv)
{
    size_t total = (size_t)rv->pre_cap;
    for (int i = 0; i < ENG_REVERB_LINES; i++)
        total += (size_t)rv->len[i];
    for (int i = 0; i < 4; i++)
        total += (size_t)rv->ap_len[i];
    return total;
}

void eng_reverb_reset(eng_reverb *rv)
{
    memset(rv->mem, 0, rv_total(rv) * sizeof(float));
    memset(rv->pos, 0, sizeof rv->pos);
    memset(rv->ap_pos, 0, sizeof rv->ap_pos);
    memset(rv->lp, 0, sizeof rv->lp);
    rv->pre_pos = 0;
    rv->idle = true;
}

/* Processing runs in chunks no longer than the shortest line (and
 * REVERB_CHUNK): within a chunk no line reads a value written in the same
 * chunk, so each stage runs over the whole chunk -- the input and the
 * allpasses as vector loops, the lines gathered into frames of 8 floats
 * (two 4-float vectors) for damping, output taps and the Hadamard mix, then
 * scattered back. Every value is computed with the same operations in the
 * same order as the sample-by-sample definition, so the output is
 * bit-identical to it. */
#define REVERB_CHUNK 256

/* One Schroeder allpass (g = 0.7) over x[0..m) in place. */
static inline __attribute__((always_inline)) void
rv_allpass(float *buf, int len, int *pos, float *x, int m)
{
    int p = *pos;
    for (int j = 0; j < m;) {
        int s = m - j < len - p ? m - j : len - p, k = 0;
        float *b = buf + p, *xx = x + j;
        const v4sf g = {0.7f, 0.7f, 0.7f, 0.7f};
        const v8uf g8 = {0.7f, 0.7f, 0.7f, 0.7f, 0.7f, 0.7f, 0.7f, 0.7f};
        for (; k + 8 <= s; k += 8) { /* each slot read, then written once */
            v8uf xv = v8u_load(xx + k), y = v8u_load(b + k) - g8 * xv;
            v8u_store(b + k, xv + g8 * y);
            v8u_store(xx + k, y);
        }
        for (; k + 4 <= s; k += 4) {
            v4sf xv = v4_load(xx + k), y = v4_load(b + k) - g * xv;
            v4_store(b + k, xv + g * y);
            v4_store(xx + k, y);
        }
        for (; k < s; k++) {
            float y = b[k] - 0.7f * xx[k];
            b[k] = xx[k] + 0.7f * y;
            xx[k] = y;
        }
        j += s;
        p += s;
        if (p == len)
            p = 0;
    }
    *pos = p;
}

/* 4x4 transpose of rows a..d. */
static void rv_t4(v4sf *a, v4sf *b, v4sf *c, v4sf *d)
{
    const v4si lo = {0, 4, 1, 5}, hi = {2, 6, 3, 7};
    const v4si l2 = {0, 1, 4, 5}, h2 = {2, 3, 6, 7};
    v4sf t0 = __builtin_shuffle(*a, *b, lo), t1 = __builtin_shuffle(*c, *d, lo);
    v4sf t2 = __builtin_shuffle(*a, *b, hi), t3 = __builtin_shuffle(*c, *d, hi);
    *a = __builtin_shuffle(t0, t1, l2);
    *b = __builtin_shuffle(t0, t1, h2);
    *c = __builtin_shuffle(t2, t3, l2);
    *d = __builtin_shuffle(t2, t3, h2);
}

/* Copies m samples of every line from its read position into frames
 * (fr[j * 8 + line]), or back from the frames when `back` (then the
 * positions advance). Runs where no line wraps go 4x4 through registers. */
static inline __attribute__((always_inline)) void
rv_lines(eng_reverb *rv, float *fr, int m, bool back)
{
    enum { L = ENG_REVERB_LINES };
    int p[L];
    memcpy(p, rv->pos, sizeof p);
    for (int j = 0; j < m;) {
        int run = m - j;
        for (int k = 0; k < L; k++)
            run = rv->len[k] - p[k] < run ? rv->len[k] - p[k] : run;
        int q = 0;
        const float *src[L];
        float *dst[L];
        for (int k = 0; k < L; k++)
            dst[k] = rv->line[k] + p[k];
        memcpy(src, dst, sizeof src);
        if (!back) {
            for (; q + 4 <= run; q += 4) {
                float *f = fr + (j + q) * L;
                v4sf a = v4_load(src[0] + q), b = v4_load(src[1] + q);
                v4sf c = v4_load(src[2] + q), d = v4_load(src[3] + q);
                v4sf e = v4_load(src[4] + q), g = v4_load(src[5] + q);
                v4sf h = v4_load(src[6] + q), i = v4_load(src[7] + q);
                rv_t4(&a, &b, &c, &d);
                rv_t4(&e, &g, &h, &i);
                v4_store(f, a);
                v4_store(f + 4, e);
                v4_store(f + 8, b);
                v4_store(f + 12, g);
                v4_store(f + 16, c);
                v4_store(f + 20, h);
                v4_store(f + 24, d);
                v4_store(f + 28, i);
            }
        } else {
            for (; q + 4 <= run; q += 4) {
                const float *f = fr + (j + q) * L;
                v4sf a = v4_load(f), e = v4_load(f + 4);
                v4sf b = v4_load(f + 8), g = v4_load(f + 12);
                v4sf c = v4_load(f + 16), h = v4_load(f + 20);
                v4sf d = v4_load(f + 24), i = v4_load(f + 28);
                rv_t4(&a, &b, &c, &d);
                rv_t4(&e, &g, &h, &i);
                v4_store(dst[0] + q, a);
                v4_store(dst[1] + q, b);
                v4_store(dst[2] + q, c);
                v4_store(dst[3] + q, d);
                v4_store(dst[4] + q, e);
                v4_store(dst[5] + q, g);
                v4_store(dst[6] + q, h);
                v4_store(dst[7] + q, i);
            }
        }
        for (; q < run; q++)
            for (int k = 0; k < L; k++) {
                if (!back)
                    fr[(j + q) * L + k] = rv->line[k][p[k] + q];
                else
                    rv->line[k][p[k] + q] = fr[(j + q) * L + k];
            }
        for (int k = 0; k < L; k++)
            p[k] = p[k] + run == rv->len[k] ? 0 : p[k] + run;
        j += run;
    }
    if (back)
        memcpy(rv->pos, p, sizeof p);
}

/* The predelay ring over x[0..m) in place: x[j] becomes the value
 * written pre_len samples earlier. When no read of the chunk can fall on
 * a slot the same chunk overwrites later (pre_len <= cap - m), the chunk
 * is written, then read, as up to two copies each; else sample by
 * sample. Both give the sample-by-sample values. */
static inline __attribute__((always_inline)) void
rv_predelay(eng_reverb *rv, float *x, int m)
{
    const int cap = rv->pre_cap;
    int wp = rv->pre_pos;
    if (rv->pre_len <= cap - m) {
        float tmp[REVERB_CHUNK];
        int rp = wp - rv->pre_len < 0 ? wp - rv->pre_len + cap : wp - rv->pre_len;
        int w1 = cap - wp < m ? cap - wp : m, r1 = cap - rp < m ? cap - rp : m;
        memcpy(rv->pre + wp, x, (size_t)w1 * sizeof(float));
        memcpy(rv->pre, x + w1, (size_t)(m - w1) * sizeof(float));
        memcpy(tmp, rv->pre + rp, (size_t)r1 * sizeof(float));
        memcpy(tmp + r1, rv->pre, (size_t)(m - r1) * sizeof(float));
        memcpy(x, tmp, (size_t)m * sizeof(float));
        rv->pre_pos = wp + m >= cap ? wp + m - cap : wp + m;
        return;
    }
    for (int j = 0; j < m; j++) {
        int pp = rv->pre_pos - rv->pre_len;
        if (pp < 0)
            pp += rv->pre_cap;
        rv->pre[rv->pre_pos] = x[j];
        x[j] = rv->pre[pp];
        if (++rv->pre_pos == rv->pre_cap)
            rv->pre_pos = 0;
    }
}

/* The reverb's input stage for m <= REVERB_CHUNK samples: x = the mean of
 * l and r, predelayed and diffused (dsp_fx.c's definition; shared with the
 * four-reverb pass, dsp_reverb4.c). */
ENG_VEC_CLONES
void eng_reverb_input(eng_reverb *rv, const float *l, const float *r,
                      float *x, int m)
{
    assert(m <= REVERB_CHUNK);
    for (int j = 0; j < m; j++)
        x[j] = 0.5f * (l[j] + r[j]);
    rv_predelay(rv, x, m);
    for (int a = 0; a < 4; a++)
        rv_allpass(rv->ap[a], rv->ap_len[a], &rv->ap_pos[a], x, m);
}

ENG_VEC_CLONES
static void rv_chunk(eng_reverb *rv, float *l, float *r, int m)
{
    const float fb = rv->fb * 0.35355339f; /* Hadamard norm 1/sqrt(8) */
    const float mix = rv->mix, dry = 1.0f - mix;
    const float wet = mix * 0.6f;
    float x[REVERB_CHUNK], ol[REVERB_CHUNK], orr[REVERB_CHUNK];
    float fr[REVERB_CHUNK * ENG_REVERB_LINES];

    eng_reverb_input(rv, l, r, x, m);
    /* gather the lines into frames */
    rv_lines(rv, fr, m, false);
    /* damping, taps, Hadamard, feedback + input: the eight lines of a
     * frame in one 8-float vector (lines 0-3 low, 4-7 high) */
    const v8ui sg1 = {0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN};
    const v8ui sg2 = {0, 0, INT32_MIN, INT32_MIN, 0, 0, INT32_MIN, INT32_MIN};
    const float dm = rv->damp;
    const v8uf damp = {dm, dm, dm, dm, dm, dm, dm, dm};
    const v8uf fbv = {fb, fb, fb, fb, fb, fb, fb, fb};
    v8uf lp = v8u_load(rv->lp);
    for (int j = 0; j < m; j++) {
        float *f = fr + j * ENG_REVERB_LINES;
        v8uf o = v8u_load(f);
        lp = o + (lp - o) * damp;
        /* left ((0 - 2) + 4) - 6, right ((1 - 3) + 5) - 7 */
        v8uf sw = __builtin_shufflevector(lp, lp, 2, 3, 0, 1, 6, 7, 4, 5);
        v8uf dd = lp - sw;
        v4sf t = (__builtin_shufflevector(dd, dd, 0, 1, 2, 3) +
                  __builtin_shufflevector(lp, lp, 4, 5, 6, 7)) -
                 __builtin_shufflevector(sw, sw, 4, 5, 6, 7);
        ol[j] = t[0];
        orr[j] = t[1];
        /* the Hadamard stages in each half ({a2}, {b2}), then across */
        v8uf a1 = __builtin_shufflevector(lp, lp, 0, 0, 2, 2, 4, 4, 6, 6) +
                  (v8uf)((v8ui)__builtin_shufflevector(lp, lp, 1, 1, 3, 3, 5, 5, 7, 7) ^ sg1);
        v8uf a2 = __builtin_shufflevector(a1, a1, 0, 1, 0, 1, 4, 5, 4, 5) +
                  (v8uf)((v8ui)__builtin_shufflevector(a1, a1, 2, 3, 2, 3, 6, 7, 6, 7) ^ sg2);
        v8uf hs = __builtin_shufflevector(a2, a2, 4, 5, 6, 7, 0, 1, 2, 3);
        /* {a2 + b2, a2 - b2}: low half of a2 + swapped, high of swapped - a2 */
        v8uf h = __builtin_shufflevector(a2 + hs, hs - a2, 0, 1, 2, 3, 12, 13, 14, 15);
        const float xj = x[j]; /* a broadcast: -0 stays -0 */
        v8uf xs = {xj, xj, xj, xj, xj, xj, xj, xj};
        xs = (v8uf)((v8ui)xs ^ sg1); /* +x on even lines, -x on odd */
        v8u_store(f, fbv * h + xs);
    }
    v8u_store(rv->lp, lp);
    /* scatter the frames back */
    rv_lines(rv, fr, m, true);
    for (int j = 0; j < m; j++) {
        l[j] = dry * l[j] + wet * ol[j];
        r[j] = dry * r[j] + wet * orr[j];
    }
}

ENG_VEC_CLONES
void eng_reverb_process(eng_reverb *rv, float *l, float *r, int n)
{
    int chunk = REVERB_CHUNK;
    for (int k = 0; k < ENG_REVERB_LINES; k++)
        if (rv->len[k] < chunk)
            chunk = rv->len[k];
    assert(chunk > 0);
    rv->idle = false;
    for (int i = 0; i < n; i += chunk)
        rv_chunk(rv, l + i, r + i, n - i < chunk ? n - i : chunk);
}

/* ---- decayed tails (dsp.h) ------------------------------------------------ */

/* Largest |x| of buf[0..n) is at most ENG_TAIL_EPS; stops at the first
 * 256 floats that hold a louder one (a ringing tail is found at once). */
static bool all_quiet(const float *buf, size_t n)
{
    const v4sf eps = {ENG_TAIL_EPS, ENG_TAIL_EPS, ENG_TAIL_EPS, ENG_TAIL_EPS};
    v4sf m = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        m = v4_max(m, v4_abs(v4_load(buf + i)));
        if ((i & 255) == 252) {
            v4si over = m > eps;
            if (over[0] | over[1] | over[2] | over[3])
                return false;
        }
    }
    for (; i < n; i++)
        if (!(fabsf(buf[i]) <= ENG_TAIL_EPS))
            return false;
    v4si over = m > eps;
    return !(over[0] | over[1] | over[2] | over[3]);
}

/* Quiet: the time glide has reached its target and the part of the rings
 * still to be read (the last time + 2 samples) is at most ENG_TAIL_EPS;
 * then both rings are set to 0. */
bool eng_delay_quiet(eng_delay *d)
{
    if (d->time != d->target)
        return false;
    if (d->idle)
        return true;
    size_t live = (size_t)ceilf(d->time) + 2, cap = (size_t)d->ucap;
    assert(live <= cap);
    size_t start = (((size_t)d->w & (cap - 1)) + cap - live) & (cap - 1);
    size_t first = cap - start < live ? cap - start : live;
    if (!all_quiet(d->bl + start, first) || !all_quiet(d->br + start, first) ||
        !all_quiet(d->bl, live - first) || !all_quiet(d->br, live - first))
        return false;
    memset(d->bl, 0, cap * sizeof(float));
    memset(d->br, 0, cap * sizeof(float));
    d->idle = true;
    return true;
}

/* n silent samples of an idle delay: it writes zeros (already there) and
 * moves on; the glide is at its target. */
void eng_delay_silence(eng_delay *d, int n)
{
    assert(d->idle && d->time == d->target);
    d->w = (d->w + n) & (d->cap - 1);
}

/* Quiet: every line, allpass, predelay value and damping state is at most
 * ENG_TAIL_EPS; then they are set to 0. */
bool eng_reverb_quiet(eng_reverb *rv)
{
    if (rv->idle)
        return true;
    if (!all_quiet(rv->lp, ENG_REVERB_LINES) || !all_quiet(rv->mem, rv_total(rv)))
        return false;
    memset(rv->mem, 0, rv_total(rv) * sizeof(float));
    memset(rv->lp, 0, sizeof rv->lp);
    rv->idle = true;
    return true;
}

/* n silent samples of an idle reverb: zeros in, zeros everywhere; only the
 * ring positions move, as processing would move them. */
void eng_reverb_silence(eng_reverb *rv, int n)
{
    assert(rv->idle);
    for (int i = 0; i < ENG_REVERB_LINES; i++)
        rv->pos[i] = (int)((rv->pos[i] + (int64_t)n) % rv->len[i]);
    for (int i = 0; i < 4; i++)
        rv->ap_pos[i] = (int)((rv->ap_pos[i] + (int64_t)n) % rv->ap_len[i]);
    rv->pre_pos = (int)((rv->pre_pos + (int64_t)n) % rv->pre_cap);
}
