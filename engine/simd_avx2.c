/* simd_avx2.c -- the AVX2 path of the renderer's cross-track passes (see
 * simd.h): the EQs and the compressors of eight source tracks in one pass,
 * lane k = track k, in 256-bit vectors. Compiled for AVX2 without FMA
 * (target "avx2", -ffp-contract=off): every lane computes exactly the
 * scalar expressions of eng_eq_process / eng_comp_process (same
 * operations, same order), so the output and the state of each track are
 * bit-identical to the one-track and the four-track paths. Called only
 * when the CPU has AVX2 (simd.c). */
#include "engine/simd.h"

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx2")

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/v4.h"

typedef float v8sf __attribute__((vector_size(32)));
typedef int32_t v8si __attribute__((vector_size(32)));

static inline v8sf v8_sel(v8si m, v8sf a, v8sf b)
{
    return (v8sf)(((v8si)a & m) | ((v8si)b & ~m));
}

static inline v8sf v8_abs(v8sf a)
{
    return (v8sf)((v8si)a & INT32_MAX);
}

static inline v8sf v8_max(v8sf a, v8sf b)
{
    return v8_sel(a > b, a, b);
}

static inline v8sf v8_cat(v4sf lo, v4sf hi)
{
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
}

static inline v4sf v8_lo(v8sf a)
{
    return __builtin_shufflevector(a, a, 0, 1, 2, 3);
}

static inline v4sf v8_hi(v8sf a)
{
    return __builtin_shufflevector(a, a, 4, 5, 6, 7);
}

/* 4x4 transpose: rows (one per track) -> columns (one per sample) */
static inline void t4(v4sf *a, v4sf *b, v4sf *c, v4sf *d)
{
    v4sf t0 = __builtin_shufflevector(*a, *b, 0, 4, 1, 5);
    v4sf t1 = __builtin_shufflevector(*a, *b, 2, 6, 3, 7);
    v4sf t2 = __builtin_shufflevector(*c, *d, 0, 4, 1, 5);
    v4sf t3 = __builtin_shufflevector(*c, *d, 2, 6, 3, 7);
    *a = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
    *b = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
    *c = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
    *d = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

/* 8x8 transpose in registers (unpack, shuffle, 128-bit permute: 24
 * shuffles for 64 values, its own inverse): r[k][j] <-> r[j][k]. Pure
 * data movement, so the values are unchanged bit for bit. */
static inline __attribute__((always_inline)) void t8(v8sf r[8])
{
    v8sf t[8], u[8];
    for (int k = 0; k < 8; k += 2) {
        t[k] = __builtin_shufflevector(r[k], r[k + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[k + 1] = __builtin_shufflevector(r[k], r[k + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int k = 0; k < 8; k += 4)
        for (int h = 0; h < 2; h++) {
            u[k + 2 * h] = __builtin_shufflevector(t[k + h], t[k + h + 2], 0, 1, 8, 9,
                                                   4, 5, 12, 13);
            u[k + 2 * h + 1] = __builtin_shufflevector(t[k + h], t[k + h + 2], 2, 3,
                                                       10, 11, 6, 7, 14, 15);
        }
    for (int k = 0; k < 4; k++) {
        r[k] = __builtin_shufflevector(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        r[k + 4] = __builtin_shufflevector(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/* ---- EQ, eight tracks --------------------------------------------------- */

typedef struct eq8 {
    int nb;
    v8sf b0[ENG_EQ_MAX_BANDS], b1[ENG_EQ_MAX_BANDS], b2[ENG_EQ_MAX_BANDS];
    v8sf a1[ENG_EQ_MAX_BANDS], a2[ENG_EQ_MAX_BANDS];
    v8si on[ENG_EQ_MAX_BANDS];
    v8sf s1[ENG_EQ_MAX_BANDS][2], s2[ENG_EQ_MAX_BANDS][2]; /* [band][ch] */
} eq8;

/* The TDF-II recursions of every band over a chunk of transposed samples
 * x[i][channel], in place; `sel` keeps the input in lanes without that
 * band (a lane select, not an identity filter, as eng_eq_process4). NB is
 * a compile-time constant in the unrolled callers. */
static inline __attribute__((always_inline)) void
eq8_run_nb(eq8 *q, v8sf (*x)[2], int m, int NB, bool sel)
{
    v8sf s1[ENG_EQ_MAX_BANDS][2], s2[ENG_EQ_MAX_BANDS][2];
    for (int b = 0; b < NB; b++)
        for (int c = 0; c < 2; c++)
            s1[b][c] = q->s1[b][c], s2[b][c] = q->s2[b][c];
    for (int i = 0; i < m; i++) {
        v8sf xl = x[i][0], xr = x[i][1];
        for (int b = 0; b < NB; b++) {
            v8sf yl = q->b0[b] * xl + s1[b][0];
            v8sf yr = q->b0[b] * xr + s1[b][1];
            s1[b][0] = q->b1[b] * xl - q->a1[b] * yl + s2[b][0];
            s1[b][1] = q->b1[b] * xr - q->a1[b] * yr + s2[b][1];
            s2[b][0] = q->b2[b] * xl - q->a2[b] * yl;
            s2[b][1] = q->b2[b] * xr - q->a2[b] * yr;
            xl = sel ? v8_sel(q->on[b], yl, xl) : yl;
            xr = sel ? v8_sel(q->on[b], yr, xr) : yr;
        }
        x[i][0] = xl;
        x[i][1] = xr;
    }
    for (int b = 0; b < NB; b++)
        for (int c = 0; c < 2; c++)
            q->s1[b][c] = s1[b][c], q->s2[b][c] = s2[b][c];
}

static void eq8_run1(eq8 *q, v8sf (*x)[2], int m) { eq8_run_nb(q, x, m, 1, false); }
static void eq8_run2(eq8 *q, v8sf (*x)[2], int m) { eq8_run_nb(q, x, m, 2, false); }
static void eq8_run3(eq8 *q, v8sf (*x)[2], int m) { eq8_run_nb(q, x, m, 3, false); }
static void eq8_run4(eq8 *q, v8sf (*x)[2], int m) { eq8_run_nb(q, x, m, 4, false); }

static void eq8_run(eq8 *q, v8sf (*x)[2], int m, bool sel)
{
    if (!sel && q->nb == 3)
        eq8_run3(q, x, m);
    else if (!sel && q->nb == 2)
        eq8_run2(q, x, m);
    else if (!sel && q->nb == 1)
        eq8_run1(q, x, m);
    else if (!sel && q->nb == 4)
        eq8_run4(q, x, m);
    else if (sel)
        eq8_run_nb(q, x, m, q->nb, true);
    else
        eq8_run_nb(q, x, m, q->nb, false);
}

#define EQ8_CHUNK 64

/* m samples from i0 of eight tracks (lp/rp) into x[sample][channel],
 * lane = track (8x8 transposes through registers, 4x4 for a rest of 4). */
static inline __attribute__((always_inline)) void
eq8_gather(v8sf (*x)[2], const float *const *lp, const float *const *rp,
           int i0, int m)
{
    int j = 0;
    for (; j + 8 <= m; j += 8) {
        v8sf a[8], c[8];
        for (int k = 0; k < 8; k++) {
            a[k] = v8u_load(lp[k] + i0 + j);
            c[k] = v8u_load(rp[k] + i0 + j);
        }
        t8(a);
        t8(c);
        for (int k = 0; k < 8; k++) {
            x[j + k][0] = a[k];
            x[j + k][1] = c[k];
        }
    }
    for (; j + 4 <= m; j += 4) {
        v4sf a[8], c[8];
        for (int k = 0; k < 8; k++) {
            a[k] = v4_load(lp[k] + i0 + j);
            c[k] = v4_load(rp[k] + i0 + j);
        }
        t4(&a[0], &a[1], &a[2], &a[3]);
        t4(&a[4], &a[5], &a[6], &a[7]);
        t4(&c[0], &c[1], &c[2], &c[3]);
        t4(&c[4], &c[5], &c[6], &c[7]);
        for (int k = 0; k < 4; k++) {
            x[j + k][0] = v8_cat(a[k], a[k + 4]);
            x[j + k][1] = v8_cat(c[k], c[k + 4]);
        }
    }
    for (; j < m; j++)
        for (int k = 0; k < 8; k++) {
            x[j][0][k] = lp[k][i0 + j];
            x[j][1][k] = rp[k][i0 + j];
        }
}

/* Eight samples x[0..8) back out of lanes to l[k] + at, r[k] + at for
 * the lanes k whose fx[k] is set (`all`: every one, a constant at each
 * call, so the test leaves the loop). */
static inline __attribute__((always_inline)) void
eq8_put8(v8sf (*x)[2], const void *const *fx, float *const *l,
         float *const *r, int at, bool all)
{
    v8sf a[8], c[8];
    for (int k = 0; k < 8; k++) {
        a[k] = x[k][0];
        c[k] = x[k][1];
    }
    t8(a);
    t8(c);
    for (int k = 0; k < 8; k++)
        if (all || fx[k]) {
            v8u_store(l[k] + at, a[k]);
            v8u_store(r[k] + at, c[k]);
        }
}

/* The inverse of eq8_gather into the lanes k whose fx[k] is set. */
static inline __attribute__((always_inline)) void
eq8_scatter(v8sf (*x)[2], const void *const *fx, float *const *l,
            float *const *r, int i0, int m)
{
    int j = 0;
    bool all = true;
    for (int k = 0; k < 8; k++)
        all = all && fx[k];
    if (all)
        for (; j + 8 <= m; j += 8)
            eq8_put8(x + j, fx, l, r, i0 + j, true);
    for (; j + 8 <= m; j += 8)
        eq8_put8(x + j, fx, l, r, i0 + j, false);
    for (; j + 4 <= m; j += 4) {
        v4sf a[8], c[8];
        for (int k = 0; k < 4; k++) {
            a[k] = v8_lo(x[j + k][0]);
            a[k + 4] = v8_hi(x[j + k][0]);
            c[k] = v8_lo(x[j + k][1]);
            c[k + 4] = v8_hi(x[j + k][1]);
        }
        t4(&a[0], &a[1], &a[2], &a[3]);
        t4(&a[4], &a[5], &a[6], &a[7]);
        t4(&c[0], &c[1], &c[2], &c[3]);
        t4(&c[4], &c[5], &c[6], &c[7]);
        for (int k = 0; k < 8; k++)
            if (fx[k]) {
                v4_store(l[k] + i0 + j, a[k]);
                v4_store(r[k] + i0 + j, c[k]);
            }
    }
    for (; j < m; j++)
        for (int k = 0; k < 8; k++)
            if (fx[k]) {
                l[k][i0 + j] = x[j][0][k];
                r[k][i0 + j] = x[j][1][k];
            }
}

/* Clears q and returns the lane description eng_eq_lanes_load fills it
 * through (eight lanes; nb and uniform are outputs). */
static eng_eq_lanes eq8_lanes(eq8 *q)
{
    memset(q, 0, sizeof *q);
    return (eng_eq_lanes){8, 0, true, (float *)q->b0, (float *)q->b1,
                          (float *)q->b2, (float *)q->a1, (float *)q->a2,
                          (int32_t *)q->on, (float *)q->s1, (float *)q->s2};
}

void eng_eq_process8(eng_eq *const eq[8], float *const l[8],
                     float *const r[8], int n)
{
    const float *lp[8], *rp[8];
    v8sf x[EQ8_CHUNK][2];
    eq8 q;
    bool uniform;

    eng_eq_lanes ln = eq8_lanes(&q);
    if (!eng_eq_lanes_load(&ln, eq, l, r, lp, rp))
        return;
    q.nb = ln.nb;
    uniform = ln.uniform;
    for (int i0 = 0; i0 < n; i0 += EQ8_CHUNK) {
        int m = n - i0 < EQ8_CHUNK ? n - i0 : EQ8_CHUNK;
        eq8_gather(x, lp, rp, i0, m);
        eq8_run(&q, x, m, !uniform);
        eq8_scatter(x, (const void *const *)eq, l, r, i0, m);
    }
    eng_eq_lanes_store(&ln, eq);
}

/* ---- compressor, eight tracks -------------------------------------------
 * The detector of every full 8-sample step in lanes, exactly as
 * eng_comp_process4 (vector fast log2 and exp2 with the same constants and
 * operations); the rest of a step in progress at the start
 * (eng_comp_lanes_head) and a last partial step per track through
 * eng_comp_process. */

static inline v8sf v8_fast_log2(v8sf x)
{
    v8si u = (v8si)x;
    v8si e = ((u >> 23) & 0xff) - 127;
    v8sf m = (v8sf)((u & 0x007fffff) | 0x3f800000);
    v8si big = m > 1.41421356f;
    m = (v8sf)((big & (v8si)(m * 0.5f)) | (~big & (v8si)m));
    e -= big;
    v8sf s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    v8sf p = s * (2.88539008f + s2 * (0.96179669f + s2 * (0.57707801f +
                                                          s2 * 0.41219858f)));
    return __builtin_convertvector(e, v8sf) + p;
}

static inline v8sf v8_fast_exp2(v8sf y)
{
    const v8sf zero = {0};
    v8si under = y < -126.0f;
    y = (v8sf)((~under & (v8si)y) | (under & (v8si)zero));
    v8si over = y > 126.0f;
    y = (v8sf)((~over & (v8si)y) | (over & (v8si)(zero + 126.0f)));
    v8si pos = y >= 0.0f;
    v8sf np = __builtin_convertvector(__builtin_convertvector(y + 0.5f, v8si), v8sf);
    v8sf nn = -__builtin_convertvector(__builtin_convertvector(0.5f - y, v8si), v8sf);
    v8sf n = (v8sf)((pos & (v8si)np) | (~pos & (v8si)nn));
    v8sf f = (y - n) * 0.69314718f;
    v8sf p = 1.0f + f * (1.0f + f * (0.5f + f * (1.6666667e-1f + f *
              (4.1666668e-2f + f * (8.3333338e-3f + f * 1.3888889e-3f)))));
    v8sf sc = (v8sf)((__builtin_convertvector(n, v8si) + 127) << 23);
    return (v8sf)(~under & (v8si)(p * sc));
}

/* The eight lanes' detector state (eng_comp_lanes_load order). */
typedef struct comp8 {
    v8sf env, g, makeup, att, rel, thr, knee, slope, below, ga, last_env;
} comp8;

static bool comp8_load(comp8 *q, eng_comp *const c[8], float *const l[8],
                       float *const r[8], const float **lp, const float **rp)
{
    float *const v[10] = {(float *)&q->env,   (float *)&q->g,
                          (float *)&q->makeup, (float *)&q->att,
                          (float *)&q->rel,   (float *)&q->thr,
                          (float *)&q->knee,  (float *)&q->slope,
                          (float *)&q->below, (float *)&q->ga};
    const v8sf nan8 = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    q->last_env = nan8;
    return eng_comp_lanes_load(c, 8, v, l, r, lp, rp);
}

/* The gain change (dB) the static curve asks for at a step peak: the
 * first half of comp8_step, independent of the detector's state. */
static inline __attribute__((always_inline)) v8sf comp8_gr(const comp8 *q,
                                                           v8sf peak)
{
    const v8sf zero = {0};
    v8si quiet = peak <= 1e-10f;
    v8sf x = v8_sel(quiet, zero - 200.0f, 6.02059991f * v8_fast_log2(peak));
    v8sf d = x - q->thr, kk = d + 0.5f * q->knee;
    v8si inknee = (q->knee > 0.0f) & (2.0f * v8_abs(d) <= q->knee);
    v8sf gr = v8_sel(inknee, q->slope * kk * kk / (2.0f * q->knee), q->slope * d);
    return v8_sel(x > q->below, gr, zero);
}

/* The smoothing of env toward gr (the serial part of a step). */
static inline __attribute__((always_inline)) v8sf comp8_env(const comp8 *q,
                                                            v8sf env, v8sf gr)
{
    v8sf ea = q->att * env + (1.0f - q->att) * gr;
    v8sf er = q->rel * env + (1.0f - q->rel) * gr;
    return v8_sel(gr < env, ea, er);
}

/* One detector step of the eight lanes for their step peaks: updates env
 * (and last_env) and returns the gain at the end of the step, exactly as
 * eng_comp_process4 (vector fast log2 and exp2, same constants). */
static inline __attribute__((always_inline)) v8sf comp8_step(comp8 *q,
                                                             v8sf peak)
{
    q->env = comp8_env(q, q->env, comp8_gr(q, peak));
    v8si moved = q->env != q->last_env;
    v8sf ng = v8_sel(moved, v8_fast_exp2((q->env + q->makeup) * 0.166096405f), q->g);
    q->last_env = q->env;
    return ng;
}

void eng_comp_process8(eng_comp *const c[8], float *const l0[8],
                       float *const r0[8], int n)
{
    const v8sf zero = {0};
    const float *lp[8], *rp[8];
    float *l[8], *r[8];
    comp8 q;
    int i = 0;

    n = eng_comp_lanes_head(c, 8, l0, r0, n, l, r);
    if (n <= 0)
        return; /* all done per track */
    if (!comp8_load(&q, c, l, r, lp, rp))
        return;
    for (; i + ENG_COMP_STEP <= n; i += ENG_COMP_STEP) {
        v4sf m[8];
        for (int k = 0; k < 8; k++)
            m[k] = v4_max(v4_max(v4_abs(v4_load(lp[k] + i)), v4_abs(v4_load(rp[k] + i))),
                          v4_max(v4_abs(v4_load(lp[k] + i + 4)),
                                 v4_abs(v4_load(rp[k] + i + 4))));
        t4(&m[0], &m[1], &m[2], &m[3]);
        t4(&m[4], &m[5], &m[6], &m[7]);
        v8sf peak = zero;
        for (int j = 0; j < 4; j++)
            peak = v8_max(v8_cat(m[j], m[j + 4]), peak);
        /* this step's samples: the ramp of the two steps before */
        v8sf ga = q.ga, g = q.g;
        v8sf step = (g - ga) / 8.0f;
        v8si ramp = g != ga;
        for (int k = 0; k < 8; k++) {
            if (!c[k])
                continue;
            const v4sf i0 = {1, 2, 3, 4}, i1 = {5, 6, 7, 8};
            v4sf gk = {ga[k], ga[k], ga[k], ga[k]}, g0 = gk, g1 = gk;
            if (ramp[k]) {
                v4sf st = {step[k], step[k], step[k], step[k]};
                g0 = gk + st * i0;
                g1 = gk + st * i1;
            }
            v4_store(l[k] + i, v4_load(l[k] + i) * g0);
            v4_store(r[k] + i, v4_load(r[k] + i) * g0);
            v4_store(l[k] + i + 4, v4_load(l[k] + i + 4) * g1);
            v4_store(r[k] + i + 4, v4_load(r[k] + i + 4) * g1);
        }
        v8sf ng = comp8_step(&q, peak); /* this step's detector */
        q.ga = g;
        q.g = ng;
    }
    eng_comp_lanes_store(c, 8, (const float *)&q.env, (const float *)&q.g,
                         (const float *)&q.ga, l, r, i, n);
}

/* The detector of a chunk's ns full steps in phases, so that the
 * independent parts (level and curve; gain) of different steps overlap
 * and only the env smoothing is serial: gs[s] holds step s's curve
 * (comp8_gr of its peak) on entry and the gain after step s on return;
 * cq's env and last_env move on. The same operations per lane and step as
 * comp8_step. */
static inline __attribute__((always_inline)) void
comp8_chunk_gains(comp8 *cq, v8sf *gs, int ns)
{
    v8sf es[EQ8_CHUNK / ENG_COMP_STEP];
    for (int s = 0; s < ns; s++)
        es[s] = cq->env = comp8_env(cq, cq->env, gs[s]);
    for (int s = 0; s < ns; s++) {
        v8si moved = es[s] != cq->last_env;
        gs[s] = v8_sel(moved, v8_fast_exp2((es[s] + cq->makeup) * 0.166096405f),
                       s ? gs[s - 1] : cq->g);
        cq->last_env = es[s];
    }
}

/* Step s's samples take the ramp from the gain after step s - 2 to the
 * gain after step s - 1 (cq->ga, cq->g: those before the chunk); the
 * gain of its sample t (0..7). */
static inline __attribute__((always_inline)) v8sf
comp8_ramp_gain(const comp8 *cq, const v8sf *gs, int s, int t)
{
    v8sf ga = s > 1 ? gs[s - 2] : s ? cq->g : cq->ga;
    v8sf g = s ? gs[s - 1] : cq->g;
    v8sf step = (g - ga) / 8.0f;
    return v8_sel(g != ga, ga + step * (float)(t + 1), ga);
}

/* After the chunk's ramps: the two gains the next steps ramp between. */
static inline __attribute__((always_inline)) void
comp8_chunk_end(comp8 *cq, const v8sf *gs, int ns)
{
    if (ns > 0) {
        cq->ga = ns > 1 ? gs[ns - 2] : cq->g;
        cq->g = gs[ns - 1];
    }
}

/* ---- EQ then compressor, eight tracks, one pass --------------------------
 * For tracks whose chain has an EQ directly followed by a compressor: the
 * compressor's full 8-sample steps run on the EQ's transposed chunk (lane
 * = track) before it is written back, so the samples are loaded and
 * transposed once for both. The EQ part is eng_eq_process8's; the
 * detector and gain are eng_comp_process8's operations on the same
 * values (a step's peak is the largest of its 16 magnitudes, whatever the
 * order they are compared in; a step's samples take the gains of the two
 * steps before it), the rest of a step in progress at the start runs
 * first (EQ, then eng_comp_lanes_head) and the last partial step runs
 * through eng_comp_process after the write-back, as eng_comp_process8
 * does. So
 * each track's output and both states are bit-identical to the EQ pass
 * followed by the compressor pass (for finite samples). */
void eng_eqcomp_process8(eng_eq *const eq[8], eng_comp *const c[8],
                         float *const l0[8], float *const r0[8], int n)
{
    const float *lp[8], *rp[8], *lc[8], *rc[8];
    float *l[8], *r[8];
    v8sf x[EQ8_CHUNK][2];
    const v8sf zero = {0};
    eq8 q;
    comp8 cq;

    for (int k = 0; k < 8; k++)
        assert(!eq[k] == !c[k]);
    /* the compressors' steps in progress: the EQ and then the compressor
     * of those samples first (each is block-size independent), so that
     * the fused pass starts on a step boundary */
    const int pos = eng_comp_lanes_pos(c, 8);
    if (pos < 0) { /* steps at different places: the two passes */
        eng_eq_process8(eq, l0, r0, n);
        eng_comp_process8(c, l0, r0, n);
        return;
    }
    const int head = ENG_COMP_STEP - pos < n ? ENG_COMP_STEP - pos : n;
    if (pos > 0) /* the EQ of the step in progress, then its compressor */
        eng_eq_process8(eq, l0, r0, head);
    n = eng_comp_lanes_head(c, 8, l0, r0, n, l, r);
    if (n <= 0)
        return; /* the block ended inside the step in progress */
    eng_eq_lanes ln = eq8_lanes(&q);
    if (!eng_eq_lanes_load(&ln, eq, l, r, lp, rp)) {
        eng_comp_process8(c, l, r, n); /* no lane has a band */
        return;
    }
    if (!comp8_load(&cq, c, l, r, lc, rc))
        return;
    q.nb = ln.nb;
    const int full = n - n % ENG_COMP_STEP; /* samples in full steps */
    for (int i0 = 0; i0 < n; i0 += EQ8_CHUNK) {
        int m = n - i0 < EQ8_CHUNK ? n - i0 : EQ8_CHUNK;
        eq8_gather(x, lp, rp, i0, m);
        eq8_run(&q, x, m, !ln.uniform);
        /* the compressor's full steps of this chunk (EQ8_CHUNK is a
         * multiple of ENG_COMP_STEP, so steps never straddle chunks) */
        int mf = full - i0 < m ? full - i0 : m;
        int ns = mf > 0 ? mf / ENG_COMP_STEP : 0;
        v8sf gs[EQ8_CHUNK / ENG_COMP_STEP];
        for (int s = 0; s < ns; s++) {
            v8sf peak = zero;
            for (int t = 0; t < ENG_COMP_STEP; t++) {
                int j = s * ENG_COMP_STEP + t;
                peak = v8_max(v8_max(v8_abs(x[j][0]), v8_abs(x[j][1])), peak);
            }
            gs[s] = comp8_gr(&cq, peak);
        }
        comp8_chunk_gains(&cq, gs, ns);
        for (int s = 0; s < ns; s++)
            for (int t = 0; t < ENG_COMP_STEP; t++) {
                int j = s * ENG_COMP_STEP + t;
                v8sf gt = comp8_ramp_gain(&cq, gs, s, t);
                x[j][0] = x[j][0] * gt;
                x[j][1] = x[j][1] * gt;
            }
        comp8_chunk_end(&cq, gs, ns);
        eq8_scatter(x, (const void *const *)eq, l, r, i0, m);
    }
    eng_eq_lanes_store(&ln, eq);
    eng_comp_lanes_store(c, 8, (const float *)&cq.env, (const float *)&cq.g,
                         (const float *)&cq.ga, l, r, full, n);
}

/* ---- EQ then compressor, up to four tracks, both channels in one vector
 * With four tracks or fewer the eight-lane pass would leave half of every
 * vector empty; here lane k is track k's left channel and lane 4 + k its
 * right one, so one vector per sample carries both channels of the four
 * (the coefficients and the compressor's state are the four tracks'
 * twice). Per lane these are eng_eqcomp_process8's operations in the same
 * order: the biquads are per channel anyway; a step's peak is the
 * largest of its 16 magnitudes (the two halves' largest, then the larger
 * of the two: the same value, whatever the order); the detector runs in
 * both halves on the same values, so both give the same gain, which
 * scales the left and the right samples as there. So each track's output
 * and states are bit-identical to the eight-lane and the one-track paths
 * (test_render_dispatch, test_dsp_group). */

/* Rows src[0..8) (left channels of four tracks, then their right ones)
 * from i0 into x[j] = {src[0][j], .., src[7][j]} for m samples. */
static inline __attribute__((always_inline)) void
eq4x2_gather(v8sf *x, const float *const *src, int i0, int m)
{
    int j = 0;
    for (; j + 8 <= m; j += 8) {
        v8sf a[8];
        for (int k = 0; k < 8; k++)
            a[k] = v8u_load(src[k] + i0 + j);
        t8(a);
        for (int k = 0; k < 8; k++)
            x[j + k] = a[k];
    }
    for (; j + 4 <= m; j += 4) {
        v4sf a[8];
        for (int k = 0; k < 8; k++)
            a[k] = v4_load(src[k] + i0 + j);
        t4(&a[0], &a[1], &a[2], &a[3]);
        t4(&a[4], &a[5], &a[6], &a[7]);
        for (int k = 0; k < 4; k++)
            x[j + k] = v8_cat(a[k], a[k + 4]);
    }
    for (; j < m; j++)
        for (int k = 0; k < 8; k++)
            x[j][k] = src[k][i0 + j];
}

/* The inverse of eq4x2_gather into the rows dst[k] and dst[4 + k] of the
 * tracks k with live[k]. */
static inline __attribute__((always_inline)) void
eq4x2_scatter(const v8sf *x, float *const *dst, const bool *live, int i0,
              int m)
{
    int j = 0;
    for (; j + 8 <= m; j += 8) {
        v8sf a[8];
        for (int k = 0; k < 8; k++)
            a[k] = x[j + k];
        t8(a);
        for (int k = 0; k < 8; k++)
            if (live[k & 3])
                v8u_store(dst[k] + i0 + j, a[k]);
    }
    for (; j + 4 <= m; j += 4) {
        v4sf a[8];
        for (int k = 0; k < 4; k++) {
            a[k] = v8_lo(x[j + k]);
            a[k + 4] = v8_hi(x[j + k]);
        }
        t4(&a[0], &a[1], &a[2], &a[3]);
        t4(&a[4], &a[5], &a[6], &a[7]);
        for (int k = 0; k < 8; k++)
            if (live[k & 3])
                v4_store(dst[k] + i0 + j, a[k]);
    }
    for (; j < m; j++)
        for (int k = 0; k < 8; k++)
            if (live[k & 3])
                dst[k][i0 + j] = x[j][k];
}

/* {v[0..3], v[0..3]} of a four-lane row */
static inline v8sf eq4x2_twice(const float *v)
{
    v4sf a = v4_load(v);
    return v8_cat(a, a);
}

/* eq8_run_nb with one vector per sample (both channels) */
static inline __attribute__((always_inline)) void
eq4x2_run_nb(eq8 *q, v8sf *x, int m, int NB, bool sel)
{
    v8sf s1[ENG_EQ_MAX_BANDS], s2[ENG_EQ_MAX_BANDS];
    for (int b = 0; b < NB; b++)
        s1[b] = q->s1[b][0], s2[b] = q->s2[b][0];
    for (int i = 0; i < m; i++) {
        v8sf v = x[i];
        for (int b = 0; b < NB; b++) {
            v8sf y = q->b0[b] * v + s1[b];
            s1[b] = q->b1[b] * v - q->a1[b] * y + s2[b];
            s2[b] = q->b2[b] * v - q->a2[b] * y;
            v = sel ? v8_sel(q->on[b], y, v) : y;
        }
        x[i] = v;
    }
    for (int b = 0; b < NB; b++)
        q->s1[b][0] = s1[b], q->s2[b][0] = s2[b];
}

static void eq4x2_run(eq8 *q, v8sf *x, int m, bool sel)
{
    if (!sel && q->nb == 3)
        eq4x2_run_nb(q, x, m, 3, false);
    else if (!sel && q->nb == 2)
        eq4x2_run_nb(q, x, m, 2, false);
    else if (!sel && q->nb == 1)
        eq4x2_run_nb(q, x, m, 1, false);
    else if (!sel && q->nb == 4)
        eq4x2_run_nb(q, x, m, 4, false);
    else if (sel)
        eq4x2_run_nb(q, x, m, q->nb, true);
    else
        eq4x2_run_nb(q, x, m, q->nb, false);
}

void eng_eqcomp_process4x2(eng_eq *const eq[4], eng_comp *const c[4],
                           float *const l0[4], float *const r0[4], int n)
{
    enum { B = ENG_EQ_MAX_BANDS };
    const float *lp[4], *rp[4], *lc[4], *rc[4];
    float *l[4], *r[4];
    v8sf x[EQ8_CHUNK];
    float b0[B][4], b1[B][4], b2[B][4], a1[B][4], a2[B][4];
    int32_t on[B][4];
    float s1[B][2][4], s2[B][2][4];
    v4sf env, g, makeup, att, rel, thr, knee, slope, below, ga;
    eq8 q;
    comp8 cq;
    bool live[4];

    for (int k = 0; k < 4; k++) {
        assert(!eq[k] == !c[k]);
        live[k] = eq[k] != NULL;
    }
    const int pos = eng_comp_lanes_pos(c, 4);
    if (pos < 0) { /* steps at different places: the two passes */
        eng_eq_process4(eq, l0, r0, n);
        eng_comp_process4(c, l0, r0, n);
        return;
    }
    const int head = ENG_COMP_STEP - pos < n ? ENG_COMP_STEP - pos : n;
    if (pos > 0) /* the EQ of the step in progress, then its compressor */
        eng_eq_process4(eq, l0, r0, head);
    n = eng_comp_lanes_head(c, 4, l0, r0, n, l, r);
    if (n <= 0)
        return; /* the block ended inside the step in progress */
    memset(s1, 0, sizeof s1);
    memset(s2, 0, sizeof s2);
    eng_eq_lanes ln = {4, 0, true, &b0[0][0], &b1[0][0], &b2[0][0],
                       &a1[0][0], &a2[0][0], &on[0][0], &s1[0][0][0],
                       &s2[0][0][0]};
    if (!eng_eq_lanes_load(&ln, eq, l, r, lp, rp)) {
        eng_comp_process4(c, l, r, n); /* no lane has a band */
        return;
    }
    float *const v[10] = {(float *)&env,  (float *)&g,     (float *)&makeup,
                          (float *)&att,  (float *)&rel,   (float *)&thr,
                          (float *)&knee, (float *)&slope, (float *)&below,
                          (float *)&ga};
    if (!eng_comp_lanes_load(c, 4, v, l, r, lc, rc))
        return;
    memset(&q, 0, sizeof q);
    q.nb = ln.nb;
    for (int b = 0; b < ln.nb; b++) {
        q.b0[b] = eq4x2_twice(b0[b]), q.b1[b] = eq4x2_twice(b1[b]);
        q.b2[b] = eq4x2_twice(b2[b]), q.a1[b] = eq4x2_twice(a1[b]);
        q.a2[b] = eq4x2_twice(a2[b]);
        v4si o;
        memcpy(&o, on[b], sizeof o);
        q.on[b] = __builtin_shufflevector(o, o, 0, 1, 2, 3, 0, 1, 2, 3);
        q.s1[b][0] = v8_cat(v4_load(s1[b][0]), v4_load(s1[b][1]));
        q.s2[b][0] = v8_cat(v4_load(s2[b][0]), v4_load(s2[b][1]));
    }
    cq = (comp8){v8_cat(env, env), v8_cat(g, g), v8_cat(makeup, makeup),
                 v8_cat(att, att), v8_cat(rel, rel), v8_cat(thr, thr),
                 v8_cat(knee, knee), v8_cat(slope, slope),
                 v8_cat(below, below), v8_cat(ga, ga), {0}};
    const v8sf zero = {0}, nan8 = zero + NAN;
    cq.last_env = nan8;
    const float *src[8] = {lp[0], lp[1], lp[2], lp[3], rp[0], rp[1], rp[2], rp[3]};
    float *dst[8] = {l[0], l[1], l[2], l[3], r[0], r[1], r[2], r[3]};
    const int full = n - n % ENG_COMP_STEP; /* samples in full steps */
    for (int i0 = 0; i0 < n; i0 += EQ8_CHUNK) {
        int m = n - i0 < EQ8_CHUNK ? n - i0 : EQ8_CHUNK;
        eq4x2_gather(x, src, i0, m);
        eq4x2_run(&q, x, m, !ln.uniform);
        int mf = full - i0 < m ? full - i0 : m;
        int ns = mf > 0 ? mf / ENG_COMP_STEP : 0;
        v8sf gs[EQ8_CHUNK / ENG_COMP_STEP];
        for (int st = 0; st < ns; st++) {
            v8sf peak = zero;
            for (int t = 0; t < ENG_COMP_STEP; t++)
                peak = v8_max(v8_abs(x[st * ENG_COMP_STEP + t]), peak);
            /* the larger of a track's left and right peaks, in both halves */
            v8sf sw = __builtin_shufflevector(peak, peak, 4, 5, 6, 7, 0, 1, 2, 3);
            gs[st] = comp8_gr(&cq, v8_max(peak, sw));
        }
        comp8_chunk_gains(&cq, gs, ns);
        for (int st = 0; st < ns; st++)
            for (int t = 0; t < ENG_COMP_STEP; t++) {
                int j = st * ENG_COMP_STEP + t;
                x[j] = x[j] * comp8_ramp_gain(&cq, gs, st, t);
            }
        comp8_chunk_end(&cq, gs, ns);
        eq4x2_scatter(x, dst, live, i0, m);
    }
    for (int b = 0; b < ln.nb; b++) {
        v4_store(s1[b][0], v8_lo(q.s1[b][0]));
        v4_store(s1[b][1], v8_hi(q.s1[b][0]));
        v4_store(s2[b][0], v8_lo(q.s2[b][0]));
        v4_store(s2[b][1], v8_hi(q.s2[b][0]));
    }
    eng_eq_lanes_store(&ln, eq);
    eng_comp_lanes_store(c, 4, (const float *)&cq.env, (const float *)&cq.g,
                         (const float *)&cq.ga, l, r, full, n);
}

#else
typedef int eng_simd_avx2_none; /* not an x86 CPU: no AVX2 path */
#endif
