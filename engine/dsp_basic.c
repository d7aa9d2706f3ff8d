/* dsp_basic.c -- dB conversion, pan law, fade curves, RBJ biquads and the
 * EQ built from them, and the feed-forward compressor. See dsp.h and
 * docs/engine.md for the exact curves. */
#include "engine/dsp.h"
#include "engine/simd.h"
#include "engine/v4.h"

#include <assert.h>
#include <complex.h>
#include <math.h>
#include <string.h>

float eng_db_to_lin(double db)
{
    if (db <= -200.0)
        return 0.0f;
    return (float)pow(10.0, db / 20.0);
}

double eng_lin_to_db(double lin)
{
    if (lin <= 1e-10)
        return -200.0;
    return 20.0 * log10(lin);
}

void eng_pan_gains(double pan, float *left, float *right)
{
    if (pan < -1.0)
        pan = -1.0;
    if (pan > 1.0)
        pan = 1.0;
    double a = (pan + 1.0) * M_PI / 4.0;
    *left = (float)cos(a);
    *right = (float)sin(a);
    if (pan == -1.0)
        *right = 0.0f;
    if (pan == 1.0)
        *left = 0.0f;
}

static double clamp01(double t)
{
    return t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
}

float eng_fade_in_gain(double t)
{
    return (float)sin(clamp01(t) * M_PI / 2.0);
}

float eng_fade_out_gain(double t)
{
    t = clamp01(t);
    return t >= 1.0 ? 0.0f : (float)cos(t * M_PI / 2.0);
}

/* ---- biquads ----------------------------------------------------------- */

void eng_biquad_design(eng_biquad_coef *c, const eng_eq_band *band, double fs)
{
    double f = band->freq, q = band->q > 0.01 ? band->q : 0.01;
    if (f > 0.49 * fs)
        f = 0.49 * fs;
    if (f < 1.0)
        f = 1.0;
    double A = pow(10.0, band->gain / 40.0);
    double w0 = 2.0 * M_PI * f / fs, cw = cos(w0), sw = sin(w0);
    double alpha = sw / (2.0 * q), sa = 2.0 * sqrt(A) * alpha;
    double b0, b1, b2, a0, a1, a2;

    switch (band->type) {
    case ENG_EQ_LOWSHELF:
        b0 = A * ((A + 1) - (A - 1) * cw + sa);
        b1 = 2 * A * ((A - 1) - (A + 1) * cw);
        b2 = A * ((A + 1) - (A - 1) * cw - sa);
        a0 = (A + 1) + (A - 1) * cw + sa;
        a1 = -2 * ((A - 1) + (A + 1) * cw);
        a2 = (A + 1) + (A - 1) * cw - sa;
        break;
    case ENG_EQ_HIGHSHELF:
        b0 = A * ((A + 1) + (A - 1) * cw + sa);
        b1 = -2 * A * ((A - 1) + (A + 1) * cw);
        b2 = A * ((A + 1) + (A - 1) * cw - sa);
        a0 = (A + 1) - (A - 1) * cw + sa;
        a1 = 2 * ((A - 1) - (A + 1) * cw);
        a2 = (A + 1) - (A - 1) * cw - sa;
        break;
    case ENG_EQ_LOWPASS:
        b0 = (1 - cw) / 2;
        b1 = 1 - cw;
        b2 = (1 - cw) / 2;
        a0 = 1 + alpha;
        a1 = -2 * cw;
        a2 = 1 - alpha;
        break;
    case ENG_EQ_HIGHPASS:
        b0 = (1 + cw) / 2;
        b1 = -(1 + cw);
        b2 = (1 + cw) / 2;
        a0 = 1 + alpha;
        a1 = -2 * cw;
        a2 = 1 - alpha;
        break;
    case ENG_EQ_PEAK:
    default:
        b0 = 1 + alpha * A;
        b1 = -2 * cw;
        b2 = 1 - alpha * A;
        a0 = 1 + alpha / A;
        a1 = -2 * cw;
        a2 = 1 - alpha / A;
        break;
    }
    c->b0 = (float)(b0 / a0);
    c->b1 = (float)(b1 / a0);
    c->b2 = (float)(b2 / a0);
    c->a1 = (float)(a1 / a0);
    c->a2 = (float)(a2 / a0);
}

double eng_biquad_mag_db(const eng_biquad_coef *c, double f, double fs)
{
    double complex z1 = cexp(-I * 2.0 * M_PI * f / fs), z2 = z1 * z1;
    double complex num = c->b0 + c->b1 * z1 + c->b2 * z2;
    double complex den = 1.0 + c->a1 * z1 + c->a2 * z2;
    return 20.0 * log10(cabs(num) / cabs(den));
}

void eng_eq_set(eng_eq *eq, const eng_eq_band *bands, int nbands, double fs)
{
    if (nbands > ENG_EQ_MAX_BANDS)
        nbands = ENG_EQ_MAX_BANDS;
    if (nbands < 0)
        nbands = 0;
    if (nbands != eq->nbands)
        memset(eq->z, 0, sizeof eq->z);
    eq->nbands = nbands;
    for (int i = 0; i < nbands; i++)
        eng_biquad_design(&eq->coef[i], &bands[i], fs);
}

void eng_eq_reset(eng_eq *eq)
{
    memset(eq->z, 0, sizeof eq->z);
}

/* The EQ runs up to four bands in one pass as a lane pipeline: two 4-float
 * vectors hold the TDF-II states of bands (A,B) and (C,D) for (left,right);
 * at step i band A filters sample i, B sample i-1, C i-2 and D i-3, each
 * fed by the previous step's output of the band before it, so the four
 * recursions advance together. Every lane computes exactly the scalar
 * TDF-II expressions below (same operations, same order), so the result
 * is bit-identical to running the bands one after another. Missing bands
 * of a pass are identities (b0 = 1, the rest 0). */

typedef struct eq_pass {
    v4sf b0[2], b1[2], b2[2], a1[2], a2[2];
} eq_pass;

static void eq_pass_coefs(eq_pass *ps, const eng_eq *eq, int first)
{
    for (int v = 0; v < 2; v++)
        for (int lane = 0; lane < 4; lane++) {
            int band = first + 2 * v + lane / 2;
            eng_biquad_coef c = {1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
            if (band < eq->nbands)
                c = eq->coef[band];
            ps->b0[v][lane] = c.b0;
            ps->b1[v][lane] = c.b1;
            ps->b2[v][lane] = c.b2;
            ps->a1[v][lane] = c.a1;
            ps->a2[v][lane] = c.a2;
        }
}

static void eq_run_pass(const eq_pass *ps, float (*z)[2][2], int nb,
                        float *l, float *r, int n)
{
    const v4sf b0a = ps->b0[0], b1a = ps->b1[0], b2a = ps->b2[0];
    const v4sf a1a = ps->a1[0], a2a = ps->a2[0];
    const v4sf b0b = ps->b0[1], b1b = ps->b1[1], b2b = ps->b2[1];
    const v4sf a1b = ps->a1[1], a2b = ps->a2[1];
    v4sf s1a, s2a, s1b, s2b, ya = {0, 0, 0, 0}, yb = {0, 0, 0, 0};
    float zs[4][2][2] = {{{0}}};

    memcpy(zs, z, (size_t)nb * sizeof zs[0]);
    s1a = (v4sf){zs[0][0][0], zs[0][1][0], zs[1][0][0], zs[1][1][0]};
    s2a = (v4sf){zs[0][0][1], zs[0][1][1], zs[1][0][1], zs[1][1][1]};
    s1b = (v4sf){zs[2][0][0], zs[2][1][0], zs[3][0][0], zs[3][1][0]};
    s2b = (v4sf){zs[2][0][1], zs[2][1][1], zs[3][0][1], zs[3][1][1]};

    /* steps 0..2 and n..n+2 fill and drain the pipeline: the lanes whose
     * band has no sample at that step keep their state */
    for (int i = 0; i < n + 3; i++) {
        if (i == 3 && n > 3) {
            /* the steady part: every lane has a sample */
            for (; i < n; i++) {
                v4sf xa = {l[i], r[i], ya[0], ya[1]};
                v4sf xb = {ya[2], ya[3], yb[0], yb[1]};
                ya = b0a * xa + s1a;
                yb = b0b * xb + s1b;
                s1a = b1a * xa - a1a * ya + s2a;
                s1b = b1b * xb - a1b * yb + s2b;
                s2a = b2a * xa - a2a * ya;
                s2b = b2b * xb - a2b * yb;
                l[i - 3] = yb[2];
                r[i - 3] = yb[3];
            }
            i--;
            continue;
        }
        v4sf xa = {i < n ? l[i] : 0.0f, i < n ? r[i] : 0.0f, ya[0], ya[1]};
        v4sf xb = {ya[2], ya[3], yb[0], yb[1]};
        v4sf na = b0a * xa + s1a, nb_ = b0b * xb + s1b;
        v4sf n1a = b1a * xa - a1a * na + s2a, n1b = b1b * xb - a1b * nb_ + s2b;
        v4sf n2a = b2a * xa - a2a * na, n2b = b2b * xb - a2b * nb_;
        v4si ma, mb;
        for (int lane = 0; lane < 4; lane++) {
            int ka = i - lane / 2, kb = i - 2 - lane / 2;
            ma[lane] = ka >= 0 && ka < n ? -1 : 0;
            mb[lane] = kb >= 0 && kb < n ? -1 : 0;
        }
#define EQ_SEL(m, new_, old) ((v4sf)(((v4si)(new_) & (m)) | ((v4si)(old) & ~(m))))
        s1a = EQ_SEL(ma, n1a, s1a);
        s2a = EQ_SEL(ma, n2a, s2a);
        s1b = EQ_SEL(mb, n1b, s1b);
        s2b = EQ_SEL(mb, n2b, s2b);
#undef EQ_SEL
        ya = na;
        yb = nb_;
        if (i >= 3 && i - 3 < n) {
            l[i - 3] = nb_[2];
            r[i - 3] = nb_[3];
        }
    }
    zs[0][0][0] = s1a[0], zs[0][1][0] = s1a[1], zs[1][0][0] = s1a[2], zs[1][1][0] = s1a[3];
    zs[0][0][1] = s2a[0], zs[0][1][1] = s2a[1], zs[1][0][1] = s2a[2], zs[1][1][1] = s2a[3];
    zs[2][0][0] = s1b[0], zs[2][1][0] = s1b[1], zs[3][0][0] = s1b[2], zs[3][1][0] = s1b[3];
    zs[2][0][1] = s2b[0], zs[2][1][1] = s2b[1], zs[3][0][1] = s2b[2], zs[3][1][1] = s2b[3];
    memcpy(z, zs, (size_t)nb * sizeof zs[0]);
}

void eng_eq_process(eng_eq *eq, float *l, float *r, int n)
{
    for (int first = 0; first < eq->nbands; first += 4) {
        eq_pass ps;
        int nb = eq->nbands - first < 4 ? eq->nbands - first : 4;
        eq_pass_coefs(&ps, eq, first);
        eq_run_pass(&ps, &eq->z[first], nb, l, r, n);
    }
}

/* Several tracks' EQs in one pass: lane k of every vector is track k, so
 * the recursions of up to four tracks advance side by side (independent
 * chains instead of one). Lane k computes exactly the scalar TDF-II
 * expressions of eng_eq_process for eq[k] (same operations, same order);
 * a lane with fewer bands than the widest passes its samples through
 * untouched (selected, not filtered by an identity), so the output and
 * the state of each EQ are bit-identical to eng_eq_process. */
static v4sf v4_sel(v4si m, v4sf a, v4sf b)
{
    return (v4sf)(((v4si)a & m) | ((v4si)b & ~m));
}

/* 4x4 transpose: rows a,b,c,d (one per track) -> columns (one per sample) */
static void v4_transpose(v4sf *a, v4sf *b, v4sf *c, v4sf *d)
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

typedef struct eq4 {
    int nb;
    v4sf b0[ENG_EQ_MAX_BANDS], b1[ENG_EQ_MAX_BANDS], b2[ENG_EQ_MAX_BANDS];
    v4sf a1[ENG_EQ_MAX_BANDS], a2[ENG_EQ_MAX_BANDS];
    v4si on[ENG_EQ_MAX_BANDS];
    v4sf s1[ENG_EQ_MAX_BANDS][2], s2[ENG_EQ_MAX_BANDS][2]; /* [band][ch] */
} eq4;

/* The recursions over a chunk of transposed samples x[i][channel] (lane k
 * = track k), in place; the states live in locals for the chunk. `sel`
 * keeps the input in lanes without that band. NB > 0 fixes the band count
 * at compile time so that the loops unroll and the states stay in
 * registers. */
static inline __attribute__((always_inline)) void
eq4_run_nb(eq4 *q, v4sf (*x)[2], int m, int NB, bool sel)
{
    v4sf s1[ENG_EQ_MAX_BANDS][2], s2[ENG_EQ_MAX_BANDS][2];
    for (int b = 0; b < NB; b++)
        for (int c = 0; c < 2; c++)
            s1[b][c] = q->s1[b][c], s2[b][c] = q->s2[b][c];
    for (int i = 0; i < m; i++) {
        v4sf xl = x[i][0], xr = x[i][1];
        for (int b = 0; b < NB; b++) {
            v4sf yl = q->b0[b] * xl + s1[b][0];
            v4sf yr = q->b0[b] * xr + s1[b][1];
            s1[b][0] = q->b1[b] * xl - q->a1[b] * yl + s2[b][0];
            s1[b][1] = q->b1[b] * xr - q->a1[b] * yr + s2[b][1];
            s2[b][0] = q->b2[b] * xl - q->a2[b] * yl;
            s2[b][1] = q->b2[b] * xr - q->a2[b] * yr;
            xl = sel ? v4_sel(q->on[b], yl, xl) : yl;
            xr = sel ? v4_sel(q->on[b], yr, xr) : yr;
        }
        x[i][0] = xl;
        x[i][1] = xr;
    }
    for (int b = 0; b < NB; b++)
        for (int c = 0; c < 2; c++)
            q->s1[b][c] = s1[b][c], q->s2[b][c] = s2[b][c];
}

/* One band on both channels with the states in named locals (the
 * compiler keeps these in registers; arrays it leaves in memory). */
#define EQ4_BAND(B, S1L, S1R, S2L, S2R)                                      \
    do {                                                                     \
        v4sf yl_ = b0_##B * xl + S1L, yr_ = b0_##B * xr + S1R;               \
        S1L = b1_##B * xl - a1_##B * yl_ + S2L;                              \
        S1R = b1_##B * xr - a1_##B * yr_ + S2R;                              \
        S2L = b2_##B * xl - a2_##B * yl_;                                    \
        S2R = b2_##B * xr - a2_##B * yr_;                                    \
        xl = yl_;                                                            \
        xr = yr_;                                                            \
    } while (0)
#define EQ4_COEFS(B)                                                         \
    const v4sf b0_##B = q->b0[B], b1_##B = q->b1[B], b2_##B = q->b2[B],      \
               a1_##B = q->a1[B], a2_##B = q->a2[B]

static void eq4_run3(eq4 *q, v4sf (*x)[2], int m)
{
    EQ4_COEFS(0);
    EQ4_COEFS(1);
    EQ4_COEFS(2);
    v4sf p0 = q->s1[0][0], p1 = q->s1[0][1], p2 = q->s2[0][0], p3 = q->s2[0][1];
    v4sf p4 = q->s1[1][0], p5 = q->s1[1][1], p6 = q->s2[1][0], p7 = q->s2[1][1];
    v4sf p8 = q->s1[2][0], p9 = q->s1[2][1], pa = q->s2[2][0], pb = q->s2[2][1];
    for (int i = 0; i < m; i++) {
        v4sf xl = x[i][0], xr = x[i][1];
        EQ4_BAND(0, p0, p1, p2, p3);
        EQ4_BAND(1, p4, p5, p6, p7);
        EQ4_BAND(2, p8, p9, pa, pb);
        x[i][0] = xl;
        x[i][1] = xr;
    }
    q->s1[0][0] = p0, q->s1[0][1] = p1, q->s2[0][0] = p2, q->s2[0][1] = p3;
    q->s1[1][0] = p4, q->s1[1][1] = p5, q->s2[1][0] = p6, q->s2[1][1] = p7;
    q->s1[2][0] = p8, q->s1[2][1] = p9, q->s2[2][0] = pa, q->s2[2][1] = pb;
}

static void eq4_run2(eq4 *q, v4sf (*x)[2], int m)
{
    EQ4_COEFS(0);
    EQ4_COEFS(1);
    v4sf p0 = q->s1[0][0], p1 = q->s1[0][1], p2 = q->s2[0][0], p3 = q->s2[0][1];
    v4sf p4 = q->s1[1][0], p5 = q->s1[1][1], p6 = q->s2[1][0], p7 = q->s2[1][1];
    for (int i = 0; i < m; i++) {
        v4sf xl = x[i][0], xr = x[i][1];
        EQ4_BAND(0, p0, p1, p2, p3);
        EQ4_BAND(1, p4, p5, p6, p7);
        x[i][0] = xl;
        x[i][1] = xr;
    }
    q->s1[0][0] = p0, q->s1[0][1] = p1, q->s2[0][0] = p2, q->s2[0][1] = p3;
    q->s1[1][0] = p4, q->s1[1][1] = p5, q->s2[1][0] = p6, q->s2[1][1] = p7;
}
#undef EQ4_BAND
#undef EQ4_COEFS

static void eq4_run(eq4 *q, v4sf (*x)[2], int m, bool sel)
{
    if (sel)
        eq4_run_nb(q, x, m, q->nb, true);
    else
        eq4_run_nb(q, x, m, q->nb, false);
}

#define EQ4_CHUNK 64

/* Lanes shared by the several-track EQ passes (simd.h): track k's
 * coefficients and states into lane k, NULL lanes as identities reading
 * the first real track. */
bool eng_eq_lanes_load(eng_eq_lanes *q, eng_eq *const *eq, float *const *l,
                       float *const *r, const float **lp, const float **rp)
{
    const int L = q->lanes;
    int first = -1;
    q->nb = 0;
    q->uniform = true;
    for (int k = 0; k < L; k++) {
        if (!eq[k])
            continue;
        if (first < 0)
            first = k;
        q->nb = eq[k]->nbands > q->nb ? eq[k]->nbands : q->nb;
    }
    if (first < 0 || q->nb == 0)
        return false;
    for (int k = 0; k < L; k++) {
        int src = eq[k] ? k : first; /* empty lanes read a real track */
        lp[k] = l[src];
        rp[k] = r[src];
        if (eq[k] && eq[k]->nbands != q->nb)
            q->uniform = false;
    }
    for (int b = 0; b < q->nb; b++)
        for (int k = 0; k < L; k++) {
            eng_biquad_coef c = {1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
            bool on = eq[k] && b < eq[k]->nbands;
            if (on)
                c = eq[k]->coef[b];
            q->b0[b * L + k] = c.b0, q->b1[b * L + k] = c.b1;
            q->b2[b * L + k] = c.b2, q->a1[b * L + k] = c.a1;
            q->a2[b * L + k] = c.a2;
            q->on[b * L + k] = on ? -1 : 0;
            for (int c2 = 0; c2 < 2; c2++) {
                q->s1[(b * 2 + c2) * L + k] = on ? eq[k]->z[b][c2][0] : 0.0f;
                q->s2[(b * 2 + c2) * L + k] = on ? eq[k]->z[b][c2][1] : 0.0f;
            }
        }
    return true;
}

void eng_eq_lanes_store(const eng_eq_lanes *q, eng_eq *const *eq)
{
    const int L = q->lanes;
    for (int b = 0; b < q->nb; b++)
        for (int k = 0; k < L; k++) {
            if (!eq[k] || b >= eq[k]->nbands)
                continue;
            for (int c = 0; c < 2; c++) {
                eq[k]->z[b][c][0] = q->s1[(b * 2 + c) * L + k];
                eq[k]->z[b][c][1] = q->s2[(b * 2 + c) * L + k];
            }
        }
}

void eng_eq_process4(eng_eq *const eq[4], float *const l[4],
                     float *const r[4], int n)
{
    const float *lp[4], *rp[4];
    v4sf x[EQ4_CHUNK][2];
    eq4 q;
    bool uniform;

    memset(&q, 0, sizeof q);
    eng_eq_lanes ln = {4, 0, true, (float *)q.b0, (float *)q.b1,
                       (float *)q.b2, (float *)q.a1, (float *)q.a2,
                       (int32_t *)q.on, (float *)q.s1, (float *)q.s2};
    if (!eng_eq_lanes_load(&ln, eq, l, r, lp, rp))
        return;
    q.nb = ln.nb;
    uniform = ln.uniform;
    for (int i0 = 0; i0 < n; i0 += EQ4_CHUNK) {
        int m = n - i0 < EQ4_CHUNK ? n - i0 : EQ4_CHUNK, j = 0;
        for (; j + 4 <= m; j += 4) {
            v4sf a[4], c[4];
            for (int k = 0; k < 4; k++) {
                a[k] = v4_load(lp[k] + i0 + j);
                c[k] = v4_load(rp[k] + i0 + j);
            }
            v4_transpose(&a[0], &a[1], &a[2], &a[3]);
            v4_transpose(&c[0], &c[1], &c[2], &c[3]);
            for (int k = 0; k < 4; k++) {
                x[j + k][0] = a[k];
                x[j + k][1] = c[k];
            }
        }
        for (; j < m; j++)
            for (int k = 0; k < 4; k++) {
                x[j][0][k] = lp[k][i0 + j];
                x[j][1][k] = rp[k][i0 + j];
            }
        if (uniform && q.nb == 3)
            eq4_run3(&q, x, m);
        else if (uniform && q.nb == 2)
            eq4_run2(&q, x, m);
        else
            eq4_run(&q, x, m, !uniform);
        for (j = 0; j + 4 <= m; j += 4) {
            v4sf a[4], c[4];
            for (int k = 0; k < 4; k++) {
                a[k] = x[j + k][0];
                c[k] = x[j + k][1];
            }
            v4_transpose(&a[0], &a[1], &a[2], &a[3]);
            v4_transpose(&c[0], &c[1], &c[2], &c[3]);
            for (int k = 0; k < 4; k++)
                if (eq[k]) {
                    v4_store(l[k] + i0 + j, a[k]);
                    v4_store(r[k] + i0 + j, c[k]);
                }
        }
        for (; j < m; j++)
            for (int k = 0; k < 4; k++)
                if (eq[k]) {
                    l[k][i0 + j] = x[j][0][k];
                    r[k][i0 + j] = x[j][1][k];
                }
    }
    eng_eq_lanes_store(&ln, eq);
}

/* All states at most ENG_TAIL_EPS: set them to 0 (zero in, zero out). */
bool eng_eq_quiet(eng_eq *eq)
{
    const float *z = &eq->z[0][0][0];
    for (int i = 0; i < eq->nbands * 4; i++)
        if (!(fabsf(z[i]) <= ENG_TAIL_EPS))
            return false;
    memset(eq->z, 0, sizeof eq->z);
    return true;
}

/* ---- compressor -------------------------------------------------------- */

double eng_comp_curve(const eng_comp_params *p, double x)
{
    double t = p->threshold, w = p->knee, r = p->ratio < 1.0 ? 1.0 : p->ratio;
    double d = x - t;
    if (2.0 * d < -w)
        return x;
    if (w > 0.0 && 2.0 * fabs(d) <= w) {
        double k = d + w / 2.0;
        return x + (1.0 / r - 1.0) * k * k / (2.0 * w);
    }
    return t + d / r;
}

static float step_coef(double ms, double fs)
{
    double samples = ms * 1e-3 * fs;
    if (samples < 1.0)
        samples = 1.0;
    return (float)exp(-(double)ENG_COMP_STEP / samples);
}

void eng_comp_init(eng_comp *c, double fs)
{
    memset(c, 0, sizeof *c);
    c->fs = fs;
    c->p = (eng_comp_params){-18, 4, 10, 100, 6, 0};
    eng_comp_set(c, &c->p);
    eng_comp_reset(c);
}

void eng_comp_set(eng_comp *c, const eng_comp_params *p)
{
    c->p = *p;
    c->att_coef = step_coef(p->attack, c->fs);
    c->rel_coef = step_coef(p->release, c->fs);
}

void eng_comp_reset(eng_comp *c)
{
    c->env_db = 0.0f;
    c->gain = c->gain_from = eng_db_to_lin(c->p.makeup);
    c->peak = 0.0f;
    c->pos = 0;
}

/* log2(x) for a normal, positive float: exponent plus an atanh series of
 * the mantissa folded into [sqrt(1/2), sqrt(2)); error below 1e-7. Fully
 * deterministic (no libm), cheap enough to run once per detector step. */
static float fast_log2(float x)
{
    union { float f; uint32_t u; } v = {x};
    int e = (int)((v.u >> 23) & 0xff) - 127;
    v.u = (v.u & 0x007fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
    float m = v.f;
    if (m > 1.41421356f) {
        m *= 0.5f;
        e++;
    }
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float p = s * (2.88539008f + s2 * (0.96179669f + s2 * (0.57707801f +
                                                          s2 * 0.41219858f)));
    return (float)e + p;
}

/* 2^y for y in about [-126, 126]: 2^round(y) built in the exponent bits
 * times a Taylor polynomial of 2^f, |f| <= 1/2; relative error below 2e-7. */
static float fast_exp2(float y)
{
    if (y < -126.0f)
        return 0.0f;
    if (y > 126.0f)
        y = 126.0f;
    float n = y >= 0.0f ? (float)(int)(y + 0.5f) : -(float)(int)(0.5f - y);
    float f = (y - n) * 0.69314718f;
    float p = 1.0f + f * (1.0f + f * (0.5f + f * (1.6666667e-1f + f *
              (4.1666668e-2f + f * (8.3333338e-3f + f * 1.3888889e-3f)))));
    union { float f; uint32_t u; } v;
    v.u = (uint32_t)((int)n + 127) << 23;
    return p * v.f;
}

/* The detector's constants, read once per call. */
typedef struct comp_k {
    float makeup, att, rel, thr, knee, slope, below;
} comp_k;

static comp_k comp_consts(const eng_comp *c)
{
    comp_k k;
    k.makeup = (float)c->p.makeup;
    k.att = c->att_coef;
    k.rel = c->rel_coef;
    k.thr = (float)c->p.threshold;
    k.knee = (float)c->p.knee;
    k.slope = 1.0f / (float)(c->p.ratio < 1.0 ? 1.0 : c->p.ratio) - 1.0f;
    k.below = k.thr - 0.5f * k.knee; /* no gain change under here */
    return k;
}

/* One detector step for a step's stereo peak: the level in dB (fast log2),
 * the static curve, attack/release smoothing of *env in the dB domain;
 * returns the linear gain at the end of the step (g when env did not move
 * since *last_env). */
static inline float comp_step(const comp_k *k, float peak, float *env,
                              float *last_env, float g)
{
    float x = peak <= 1e-10f ? -200.0f : 6.02059991f * fast_log2(peak);
    float gr = 0.0f;               /* eng_comp_curve(x) - x, in float */
    if (x > k->below) {
        float d = x - k->thr;
        if (k->knee > 0.0f && 2.0f * fabsf(d) <= k->knee) {
            float kk = d + 0.5f * k->knee;
            gr = k->slope * kk * kk / (2.0f * k->knee);
        } else {
            gr = k->slope * d;
        }
    }
    if (gr < *env)
        *env = k->att * *env + (1.0f - k->att) * gr;
    else
        *env = k->rel * *env + (1.0f - k->rel) * gr;
    float ng = g;
    if (*env != *last_env) {
        ng = fast_exp2((*env + k->makeup) * 0.166096405f); /* dB -> lin */
        *last_env = *env;
    }
    return ng;
}

/* Detector: the stereo peak of each ENG_COMP_STEP samples (a step of the
 * whole signal, counted from the last reset, not from the call), in dB
 * (fast log2), through the static curve, smoothed with attack/release in
 * the dB domain; the gain it gives after step s scales step s + 1: the
 * samples of a step are ramped from the gain after the step two back
 * (gain_from) to the gain after the step before (gain), so a sample never
 * waits for the rest of its step (one step of detector latency) and the
 * step in progress at the end of a call (its peak, its position) carries
 * over to the next. So the output is the same bits however the audio is
 * cut into calls (test_comp_block_sizes in test_render_dispatch.c). */
void eng_comp_process(eng_comp *c, float *l, float *r, int n)
{
    float env = c->env_db, g = c->gain, ga = c->gain_from, peak = c->peak;
    int pos = c->pos;
    const comp_k ck = comp_consts(c);
    float last_env = NAN;
    int i = 0;

    assert(pos >= 0 && pos < ENG_COMP_STEP);
    while (i < n) {
        if (pos == 0 && n - i >= ENG_COMP_STEP) { /* a whole step */
            v4sf m = v4_max(v4_max(v4_abs(v4_load(l + i)), v4_abs(v4_load(r + i))),
                            v4_max(v4_abs(v4_load(l + i + 4)),
                                   v4_abs(v4_load(r + i + 4))));
            float pk = 0.0f;
            for (int j = 0; j < 4; j++)
                pk = m[j] > pk ? m[j] : pk;
            v4sf g0 = {ga, ga, ga, ga}, g1 = g0;
            if (g != ga) {
                const v4sf i0 = {1, 2, 3, 4}, i1 = {5, 6, 7, 8};
                float step = (g - ga) / 8.0f;
                v4sf st = {step, step, step, step};
                g0 = g0 + st * i0;
                g1 = g1 + st * i1;
            }
            v4_store(l + i, v4_load(l + i) * g0);
            v4_store(r + i, v4_load(r + i) * g0);
            v4_store(l + i + 4, v4_load(l + i + 4) * g1);
            v4_store(r + i + 4, v4_load(r + i + 4) * g1);
            float ng = comp_step(&ck, pk, &env, &last_env, g);
            ga = g;
            g = ng;
            i += ENG_COMP_STEP;
            continue;
        }
        /* one sample of a step cut by the call's start or end */
        float a = fabsf(l[i]), b = fabsf(r[i]);
        float m = a > b ? a : b;
        peak = m > peak ? m : peak;
        float gj = ga;
        if (g != ga) {
            float step = (g - ga) / 8.0f;
            gj = ga + step * (float)(pos + 1);
        }
        l[i] *= gj;
        r[i] *= gj;
        i++;
        if (++pos == ENG_COMP_STEP) {
            float ng = comp_step(&ck, peak, &env, &last_env, g);
            ga = g;
            g = ng;
            pos = 0;
            peak = 0.0f;
        }
    }
    c->env_db = env;
    c->gain = g;
    c->gain_from = ga;
    c->peak = peak;
    c->pos = pos;
}

/* The compressor's state after n samples of silence: exactly what
 * eng_comp_process does to its state on n zero samples (the step in
 * progress completes with the peak it had, then the same detector steps
 * in the same order), without touching audio (0 * gain is 0). After any
 * step the gain is fast_exp2 of env + makeup (comp_step computes it when
 * env moved and keeps the gain of that same env otherwise). On silence
 * comp_step's level is -200 dB; when that is at or under `below` the
 * curve adds nothing (gr = 0), so each step is only the smoothing of env:
 * the steps run the smoothing alone, stop at its fixed point (the same env
 * gives the same next env) and compute the last two steps' gains once;
 * bit-identical to the step loop (test_comp_silence in
 * tests/unit/test_render_dispatch.c), at a fraction of its cost. */
void eng_comp_silence(eng_comp *c, int n)
{
    float env = c->env_db, g = c->gain, ga = c->gain_from;
    const comp_k ck = comp_consts(c);
    float last_env = NAN;

    if (n <= 0)
        return;
    if (c->pos > 0) { /* the step in progress */
        int need = ENG_COMP_STEP - c->pos;
        if (n < need) {
            c->pos += n;
            return;
        }
        float ng = comp_step(&ck, c->peak, &env, &last_env, g);
        ga = g;
        g = ng;
        n -= need;
    }
    const int steps = n / ENG_COMP_STEP;
    c->pos = n % ENG_COMP_STEP;
    c->peak = 0.0f;
    if (steps > 0 && !(-200.0f <= ck.below)) { /* the curve acts: every step */
        for (int i = 0; i < steps; i++) {
            float ng = comp_step(&ck, 0.0f, &env, &last_env, g);
            ga = g;
            g = ng;
        }
    } else if (steps > 0) {
        const float gr = 0.0f;
        float prev = env; /* env after the step before the last */
        for (int i = 0; i < steps; i++) {
            float ne = gr < env ? ck.att * env + (1.0f - ck.att) * gr
                                : ck.rel * env + (1.0f - ck.rel) * gr;
            prev = env;
            if (ne == env)
                break; /* fixed point: every later step gives env again */
            env = ne;
        }
        float ng = fast_exp2((env + ck.makeup) * 0.166096405f); /* dB -> lin */
        ga = steps == 1 ? g
                        : prev == env ? ng
                        : fast_exp2((prev + ck.makeup) * 0.166096405f);
        g = ng;
    }
    c->env_db = env;
    c->gain = g;
    c->gain_from = ga;
}

/* Four compressors on four tracks in one pass: the detector of every
 * whole 8-sample step runs with lane k = track k (vector fast_log2, curve,
 * smoothing and fast_exp2, every branch of the scalar code a lane select
 * of the same expressions), so each track's output and state are
 * bit-identical to eng_comp_process. The rest of a step in progress at
 * the start (eng_comp_lanes_head) and a last partial step run per track
 * through eng_comp_process. */
static v4sf v4_fast_log2(v4sf x)
{
    v4si u = (v4si)x;
    v4si e = ((u >> 23) & 0xff) - 127;
    v4sf m = (v4sf)((u & 0x007fffff) | 0x3f800000);
    v4si big = m > 1.41421356f;
    m = (v4sf)((big & (v4si)(m * 0.5f)) | (~big & (v4si)m));
    e -= big;
    v4sf s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    v4sf p = s * (2.88539008f + s2 * (0.96179669f + s2 * (0.57707801f +
                                                          s2 * 0.41219858f)));
    return __builtin_convertvector(e, v4sf) + p;
}

static v4sf v4_fast_exp2(v4sf y)
{
    const v4sf zero = {0, 0, 0, 0};
    v4si under = y < -126.0f;
    y = (v4sf)((~under & (v4si)y) | (under & (v4si)zero));
    v4si over = y > 126.0f;
    y = (v4sf)((~over & (v4si)y) | (over & (v4si)(zero + 126.0f)));
    v4si pos = y >= 0.0f;
    v4sf np = __builtin_convertvector(__builtin_convertvector(y + 0.5f, v4si), v4sf);
    v4sf nn = -__builtin_convertvector(__builtin_convertvector(0.5f - y, v4si), v4sf);
    v4sf n = (v4sf)((pos & (v4si)np) | (~pos & (v4si)nn));
    v4sf f = (y - n) * 0.69314718f;
    v4sf p = 1.0f + f * (1.0f + f * (0.5f + f * (1.6666667e-1f + f *
              (4.1666668e-2f + f * (8.3333338e-3f + f * 1.3888889e-3f)))));
    v4sf sc = (v4sf)((__builtin_convertvector(n, v4si) + 127) << 23);
    return (v4sf)(~under & (v4si)(p * sc));
}

/* Lanes shared by the several-track compressor passes (simd.h): v[0..9]
 * get env, gain, makeup, attack, release, threshold, knee, slope, the
 * no-change level and the ramp's start gain of track k (NULL lanes: the
 * first real track's). The tracks must be at a step boundary. */
bool eng_comp_lanes_load(eng_comp *const *c, int lanes, float *const v[10],
                         float *const *l, float *const *r, const float **lp,
                         const float **rp)
{
    int first = -1;
    for (int k = 0; k < lanes; k++)
        if (c[k] && first < 0)
            first = k;
    if (first < 0)
        return false;
    for (int k = 0; k < lanes; k++) {
        const eng_comp *q = c[k] ? c[k] : c[first];
        assert(q->pos == 0);
        comp_k ck = comp_consts(q);
        v[0][k] = q->env_db;
        v[1][k] = q->gain;
        v[2][k] = ck.makeup;
        v[3][k] = ck.att;
        v[4][k] = ck.rel;
        v[5][k] = ck.thr;
        v[6][k] = ck.knee;
        v[7][k] = ck.slope;
        v[8][k] = ck.below;
        v[9][k] = q->gain_from;
        lp[k] = c[k] ? l[k] : l[first];
        rp[k] = c[k] ? r[k] : r[first];
    }
    return true;
}

/* Writes the lanes' detector state back and runs a last partial step
 * (samples i..n) per track. */
void eng_comp_lanes_store(eng_comp *const *c, int lanes, const float *env,
                          const float *g, const float *ga, float *const *l,
                          float *const *r, int i, int n)
{
    for (int k = 0; k < lanes; k++) {
        if (!c[k])
            continue;
        c[k]->env_db = env[k];
        c[k]->gain = g[k];
        c[k]->gain_from = ga[k];
        if (i < n)
            eng_comp_process(c[k], l[k] + i, r[k] + i, n - i);
    }
}

int eng_comp_lanes_pos(eng_comp *const *c, int lanes)
{
    int pos = 0, seen = 0;
    for (int k = 0; k < lanes; k++) {
        if (!c[k])
            continue;
        if (seen++ && c[k]->pos != pos)
            return -1;
        pos = c[k]->pos;
    }
    return pos;
}

int eng_comp_lanes_head(eng_comp *const *c, int lanes, float *const *l0,
                        float *const *r0, int n, float **l, float **r)
{
    int pos = eng_comp_lanes_pos(c, lanes);
    if (pos < 0) {
        for (int k = 0; k < lanes; k++)
            if (c[k])
                eng_comp_process(c[k], l0[k], r0[k], n);
        return -1;
    }
    int head = pos ? ENG_COMP_STEP - pos : 0;
    head = head < n ? head : n;
    for (int k = 0; k < lanes; k++) {
        if (c[k] && head > 0)
            eng_comp_process(c[k], l0[k], r0[k], head);
        l[k] = l0[k] ? l0[k] + head : NULL;
        r[k] = r0[k] ? r0[k] + head : NULL;
    }
    return n - head;
}

void eng_comp_process4(eng_comp *const c[4], float *const l0[4],
                       float *const r0[4], int n)
{
    v4sf env, g, makeup, att, rel, thr, knee, slope, below, ga;
    v4sf last_env = {NAN, NAN, NAN, NAN};
    const v4sf zero = {0, 0, 0, 0};
    const float *lp[4], *rp[4];
    float *l[4], *r[4];
    float *const v[10] = {(float *)&env,  (float *)&g,    (float *)&makeup,
                          (float *)&att,  (float *)&rel,  (float *)&thr,
                          (float *)&knee, (float *)&slope, (float *)&below,
                          (float *)&ga};
    int i = 0;

    n = eng_comp_lanes_head(c, 4, l0, r0, n, l, r);
    if (n <= 0)
        return; /* all done per track */
    if (!eng_comp_lanes_load(c, 4, v, l, r, lp, rp))
        return;
    for (; i + ENG_COMP_STEP <= n; i += ENG_COMP_STEP) {
        v4sf m[4];
        for (int k = 0; k < 4; k++)
            m[k] = v4_max(v4_max(v4_abs(v4_load(lp[k] + i)), v4_abs(v4_load(rp[k] + i))),
                          v4_max(v4_abs(v4_load(lp[k] + i + 4)),
                                 v4_abs(v4_load(rp[k] + i + 4))));
        v4_transpose(&m[0], &m[1], &m[2], &m[3]);
        v4sf peak = zero;
        for (int j = 0; j < 4; j++)
            peak = v4_max(m[j], peak);
        /* this step's samples: the ramp of the two steps before */
        v4sf step = (g - ga) / 8.0f;
        v4si ramp = g != ga;
        for (int k = 0; k < 4; k++) {
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
        /* this step's detector */
        v4si quiet = peak <= 1e-10f;
        v4sf x = v4_sel(quiet, zero - 200.0f, 6.02059991f * v4_fast_log2(peak));
        v4sf d = x - thr, kk = d + 0.5f * knee;
        v4si inknee = (knee > 0.0f) & (2.0f * v4_abs(d) <= knee);
        v4sf gr = v4_sel(inknee, slope * kk * kk / (2.0f * knee), slope * d);
        gr = v4_sel(x > below, gr, zero);
        v4sf ea = att * env + (1.0f - att) * gr, er = rel * env + (1.0f - rel) * gr;
        env = v4_sel(gr < env, ea, er);
        v4si moved = env != last_env;
        v4sf ng = v4_sel(moved, v4_fast_exp2((env + makeup) * 0.166096405f), g);
        last_env = env;
        ga = g;
        g = ng;
    }
    eng_comp_lanes_store(c, 4, (const float *)&env, (const float *)&g,
                         (const float *)&ga, l, r, i, n);
}
