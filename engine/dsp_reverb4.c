/* dsp_reverb4.c -- four reverbs in one pass (the buses' reverbs four at a
 * time): lane b of every 4-float half is reverb b, in structure of
 * arrays, and the 8 lines go in pairs {h, h + 4} through 8-float vectors,
 * so the damping filters, output taps, the first two Hadamard stages and
 * the feedback are one vector operation per two lines of the four
 * reverbs (the last stage swaps the halves). The input stage (mean,
 * predelay, diffusers) stays each reverb's own loop (eng_reverb_input).
 * Every lane computes the IEEE operations of dsp_fx.c's rv_chunk in the
 * same order, so each reverb's output and state are bit-identical to
 * eng_reverb_process on it (tests/unit/test_render_dispatch.c,
 * test_reverb_matches_definition in tests/unit/test_dsp_group.c).
 * Compiled for AVX2 and the baseline (ENG_VEC_CLONES); never allocates.
 * Internal to engine/. */
#include "engine/dsp.h"
#include "engine/simd.h"
#include "engine/v4.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#define RV4_CHUNK 128 /* <= the input stage's chunk and the shortest line */

/* rows a..d (one per reverb, four samples) -> columns (one per sample) */
static inline __attribute__((always_inline)) void
rv4_t4(v4sf *a, v4sf *b, v4sf *c, v4sf *d)
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

/* Four rows of m samples into m lane vectors: dst[j*stride] = {s0[j],
 * s1[j], s2[j], s3[j]}. */
static inline __attribute__((always_inline)) void
rv4_in(const float *const s[4], v4sf *dst, int stride, int m)
{
    int q = 0;
    for (; q + 4 <= m; q += 4) {
        v4sf a = v4_load(s[0] + q), b = v4_load(s[1] + q);
        v4sf c = v4_load(s[2] + q), d = v4_load(s[3] + q);
        rv4_t4(&a, &b, &c, &d);
        dst[q * stride] = a;
        dst[(q + 1) * stride] = b;
        dst[(q + 2) * stride] = c;
        dst[(q + 3) * stride] = d;
    }
    for (; q < m; q++) {
        v4sf v = {s[0][q], s[1][q], s[2][q], s[3][q]};
        dst[q * stride] = v;
    }
}

/* The inverse of rv4_in for the lanes whose row is not NULL (`all`:
 * none is). */
static inline __attribute__((always_inline)) void
rv4_out(const v4sf *src, int stride, float *const d[4], int m, bool all)
{
    int q = 0;
    for (; q + 4 <= m; q += 4) {
        v4sf v[4] = {src[q * stride], src[(q + 1) * stride],
                     src[(q + 2) * stride], src[(q + 3) * stride]};
        rv4_t4(&v[0], &v[1], &v[2], &v[3]);
        for (int b = 0; b < 4; b++)
            if (all || d[b])
                v4_store(d[b] + q, v[b]);
    }
    for (; q < m; q++)
        for (int b = 0; b < 4; b++)
            if (all || d[b])
                d[b][q] = src[q * stride][b];
}

/* A sample's eight lane vectors hold the lines in pairs: 8-float vector
 * h of sample j is {line h, line h + 4} of the four reverbs (lane =
 * reverb; rv4_chunk's P[h]). */

/* 4x4 transposes in both 128-bit halves of four 8-float vectors at once */
static inline __attribute__((always_inline)) void
rv4_t4x2(v8uf *a, v8uf *b, v8uf *c, v8uf *d)
{
    v8uf t0 = __builtin_shufflevector(*a, *b, 0, 8, 1, 9, 4, 12, 5, 13);
    v8uf t1 = __builtin_shufflevector(*c, *d, 0, 8, 1, 9, 4, 12, 5, 13);
    v8uf t2 = __builtin_shufflevector(*a, *b, 2, 10, 3, 11, 6, 14, 7, 15);
    v8uf t3 = __builtin_shufflevector(*c, *d, 2, 10, 3, 11, 6, 14, 7, 15);
    *a = __builtin_shufflevector(t0, t1, 0, 1, 8, 9, 4, 5, 12, 13);
    *b = __builtin_shufflevector(t0, t1, 2, 3, 10, 11, 6, 7, 14, 15);
    *c = __builtin_shufflevector(t2, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    *d = __builtin_shufflevector(t2, t3, 2, 3, 10, 11, 6, 7, 14, 15);
}

/* m samples of two lines (rows a[b] and c[b] of reverb b) into the pair
 * vectors dst[j * 4] = {a[0..3][j], c[0..3][j]}: per four samples, the
 * four reverbs' rows {a[b][q..q+3], c[b][q..q+3]} transposed in halves. */
static inline __attribute__((always_inline)) void
rv4_in2(float *const a[4], float *const c[4], v8uf *dst, int m)
{
    int q = 0;
    for (; q + 4 <= m; q += 4) {
        v8uf v[4];
        for (int b = 0; b < 4; b++)
            v[b] = __builtin_shufflevector(v4_load(a[b] + q), v4_load(c[b] + q),
                                           0, 1, 2, 3, 4, 5, 6, 7);
        rv4_t4x2(&v[0], &v[1], &v[2], &v[3]);
        for (int k = 0; k < 4; k++)
            dst[(q + k) * 4] = v[k];
    }
    for (; q < m; q++) {
        v8uf v = {a[0][q], a[1][q], a[2][q], a[3][q],
                  c[0][q], c[1][q], c[2][q], c[3][q]};
        dst[q * 4] = v;
    }
}

/* The inverse of rv4_in2 for the lanes b with live[b] (`all`: every one). */
static inline __attribute__((always_inline)) void
rv4_out2(const v8uf *src, float *const a[4], float *const c[4],
         bool const live[4], int m, bool all)
{
    int q = 0;
    for (; q + 4 <= m; q += 4) {
        v8uf v[4] = {src[q * 4], src[(q + 1) * 4], src[(q + 2) * 4],
                     src[(q + 3) * 4]};
        rv4_t4x2(&v[0], &v[1], &v[2], &v[3]);
        for (int b = 0; b < 4; b++)
            if (all || live[b]) {
                v4_store(a[b] + q, __builtin_shufflevector(v[b], v[b], 0, 1, 2, 3));
                v4_store(c[b] + q, __builtin_shufflevector(v[b], v[b], 4, 5, 6, 7));
            }
    }
    for (; q < m; q++)
        for (int b = 0; b < 4; b++)
            if (all || live[b]) {
                a[b][q] = src[q * 4][b];
                c[b][q] = src[q * 4][4 + b];
            }
}

/* Gathers m samples of every line of the four reverbs from their read
 * positions into the pair vectors fr[j * 4 + line % 4] (line < 4 in the
 * low half), or scatters them back when `back` (then the positions
 * advance; lanes without a reverb are not written). */
static inline __attribute__((always_inline)) void
rv4_lines(eng_reverb *const rv[4], bool const live[4], v8uf *fr, int m,
          bool back)
{
    enum { L = ENG_REVERB_LINES };
    int p[4][L];
    const int *len = rv[0]->len;
    const bool all = live[0] & live[1] & live[2] & live[3];
    for (int b = 0; b < 4; b++)
        memcpy(p[b], rv[b]->pos, sizeof p[b]);
    for (int j = 0; j < m;) {
        int run = m - j;
        for (int b = 0; b < 4; b++)
            for (int k = 0; k < L; k++)
                run = len[k] - p[b][k] < run ? len[k] - p[b][k] : run;
        for (int h = 0; h < L / 2; h++) {
            float *ra[4], *rc[4];
            for (int b = 0; b < 4; b++) {
                ra[b] = rv[b]->line[h] + p[b][h];
                rc[b] = rv[b]->line[h + 4] + p[b][h + 4];
            }
            if (!back)
                rv4_in2(ra, rc, fr + j * 4 + h, run);
            else if (all)
                rv4_out2(fr + j * 4 + h, ra, rc, live, run, true);
            else
                rv4_out2(fr + j * 4 + h, ra, rc, live, run, false);
        }
        for (int b = 0; b < 4; b++)
            for (int k = 0; k < L; k++)
                p[b][k] = p[b][k] + run == len[k] ? 0 : p[b][k] + run;
        j += run;
    }
    if (back)
        for (int b = 0; b < 4; b++)
            if (live[b])
                memcpy(rv[b]->pos, p[b], sizeof p[b]);
}

/* {lo(a), lo(b)} and {hi(a), hi(b)} of two 8-float vectors */
#define RV4_LOS(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define RV4_HIS(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)

/* {c + d, c - d} of a pair {c, d}: the last Hadamard stage (c + d in
 * the low half of pair + swapped, c - d in the high half of swapped -
 * pair) */
static inline __attribute__((always_inline)) v8uf rv4_pm(v8uf c)
{
    v8uf sw = __builtin_shufflevector(c, c, 4, 5, 6, 7, 0, 1, 2, 3);
    return __builtin_shufflevector(c + sw, sw - c, 0, 1, 2, 3, 12, 13, 14, 15);
}

ENG_VEC_CLONES
static void rv4_chunk(eng_reverb *const rv[4], bool const live[4],
                      float *const l[4], float *const r[4], int i0, int m)
{
    enum { L = ENG_REVERB_LINES };
    float x[4][RV4_CHUNK];
    v4sf xs[RV4_CHUNK];
    v8uf o8[RV4_CHUNK];             /* {left, right} taps of the four */
    v8uf fr8[RV4_CHUNK * L / 2];    /* per sample: pairs {h, h + 4} */
    v4sf damp, fbv, lp[L];

    for (int b = 0; b < 4; b++) {
        if (live[b])
            eng_reverb_input(rv[b], l[b] + i0, r[b] + i0, x[b], m);
        else
            memset(x[b], 0, sizeof x[b]);
        damp[b] = rv[b]->damp;
        fbv[b] = rv[b]->fb * 0.35355339f; /* Hadamard norm 1/sqrt(8) */
        for (int k = 0; k < L; k++)
            lp[k][b] = rv[b]->lp[k];
    }
    const float *xr[4] = {x[0], x[1], x[2], x[3]};
    rv4_in(xr, xs, 1, m);
    rv4_lines(rv, live, fr8, m, false);
    /* damping, taps, Hadamard, feedback + input: rv_chunk's expressions
     * with one lane per reverb, the lines in pairs P[h] = {h, h + 4} (8
     * floats): each line's value gets the same operations in the same
     * order as one vector per line (a - b is a + -b, exactly) */
    const v8uf d8 = __builtin_shufflevector(damp, damp, 0, 1, 2, 3, 0, 1, 2, 3);
    const v8uf fb8 = __builtin_shufflevector(fbv, fbv, 0, 1, 2, 3, 0, 1, 2, 3);
    v8uf P[4];
    for (int h = 0; h < 4; h++)
        P[h] = __builtin_shufflevector(lp[h], lp[h + 4], 0, 1, 2, 3, 4, 5, 6, 7);
    for (int j = 0; j < m; j++) {
        v8uf *f = fr8 + j * (L / 2);
        for (int h = 0; h < 4; h++)
            P[h] = f[h] + (P[h] - f[h]) * d8;
        /* left ((0 - 2) + 4) - 6, right ((1 - 3) + 5) - 7 */
        v8uf q = P[0] - P[2], u = P[1] - P[3];
        o8[j] = (RV4_LOS(q, u) + RV4_HIS(P[0], P[1])) - RV4_HIS(P[2], P[3]);
        v8uf a0 = P[0] + P[1], a1 = P[0] - P[1]; /* {a0, b0}, {a1, b1} */
        v8uf a2 = P[2] + P[3], a3 = P[2] - P[3]; /* {a2, b2}, {a3, b3} */
        v8uf c0 = a0 + a2, c1 = a1 + a3;          /* {c0, d0}, {c1, d1} */
        v8uf c2 = a0 - a2, c3 = a1 - a3;          /* {c2, d2}, {c3, d3} */
        v8uf xp = __builtin_shufflevector(xs[j], xs[j], 0, 1, 2, 3, 0, 1, 2, 3);
        v8uf xn = -xp;
        f[0] = fb8 * rv4_pm(c0) + xp; /* lines 0, 4 */
        f[1] = fb8 * rv4_pm(c1) + xn; /* lines 1, 5 */
        f[2] = fb8 * rv4_pm(c2) + xp; /* lines 2, 6 */
        f[3] = fb8 * rv4_pm(c3) + xn; /* lines 3, 7 */
    }
    for (int h = 0; h < 4; h++) {
        lp[h] = __builtin_shufflevector(P[h], P[h], 0, 1, 2, 3);
        lp[h + 4] = __builtin_shufflevector(P[h], P[h], 4, 5, 6, 7);
    }
    rv4_lines(rv, live, fr8, m, true);
    float ob[2][4][RV4_CHUNK];
    float *dl[4], *dr[4];
    for (int b = 0; b < 4; b++) {
        dl[b] = ob[0][b];
        dr[b] = ob[1][b];
        if (!live[b])
            continue;
        for (int k = 0; k < L; k++)
            rv[b]->lp[k] = lp[k][b];
    }
    rv4_out((const v4sf *)o8, 2, dl, m, true);
    rv4_out((const v4sf *)o8 + 1, 2, dr, m, true);
    for (int b = 0; b < 4; b++) {
        if (!live[b])
            continue;
        const float mix = rv[b]->mix, dry = 1.0f - mix, wet = mix * 0.6f;
        float *L_ = l[b] + i0, *R_ = r[b] + i0;
        for (int j = 0; j < m; j++) {
            L_[j] = dry * L_[j] + wet * ob[0][b][j];
            R_[j] = dry * R_[j] + wet * ob[1][b][j];
        }
    }
}

void eng_reverb_process4(eng_reverb *const rv[4], float *const l[4],
                         float *const r[4], int n)
{
    eng_reverb *lane[4];
    bool live[4];
    float *ll[4], *rr[4];
    int first = -1;

    for (int b = 0; b < 4 && first < 0; b++)
        first = rv[b] ? b : -1;
    if (first < 0)
        return;
    for (int b = 0; b < 4; b++) {
        live[b] = rv[b] != NULL;
        lane[b] = live[b] ? rv[b] : rv[first]; /* read only, never written */
        ll[b] = live[b] ? l[b] : l[first];
        rr[b] = live[b] ? r[b] : r[first];
        assert(!live[b] || (rv[b]->fs == rv[first]->fs &&
                            memcmp(rv[b]->len, rv[first]->len,
                                   sizeof rv[b]->len) == 0));
        if (live[b])
            rv[b]->idle = false;
    }
    int chunk = RV4_CHUNK;
    for (int k = 0; k < ENG_REVERB_LINES; k++)
        chunk = lane[0]->len[k] < chunk ? lane[0]->len[k] : chunk;
    assert(chunk > 0);
    for (int i = 0; i < n; i += chunk)
        rv4_chunk(lane, live, ll, rr, i, n - i < chunk ? n - i : chunk);
}
