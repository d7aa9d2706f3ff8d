/* test_dsp_group.c -- the four-track vector paths of the renderer give
 * the same bits as the one-track paths: eng_eq_process4 against
 * eng_eq_process and eng_comp_process4 against eng_comp_process, over mixed
 * band counts, empty lanes and odd block sizes, with state carried across
 * blocks; and the vector reverb and delay against their sample-by-sample
 * definitions written out here: eng_reverb_process and eng_reverb_process4
 * (four reverbs in lanes, empty lanes, ring positions that differ per
 * lane, predelays from 0 to the maximum) and eng_delay_process (eight,
 * four and one sample per step, time glides, 7.5 kHz and 48 kHz); and the
 * AVX2 passes of an EQ with the compressor after it (eng_eqcomp_process8,
 * and eng_eqcomp_process4x2 for four tracks)
 * against eng_eq_process then eng_comp_process on each track. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp.h"
#include "engine/simd.h"

#define EQ_LEN 1000
#define COMP_LEN 3000

/* A deterministic noise sample in [-1, 1). */
static float noise(unsigned *st)
{
    *st = *st * 1103515245u + 12345u;
    return (float)((*st >> 8) % 2000) / 1000.f - 1.f;
}

static void test_eq4_matches_eq(void **state)
{
    /* Band counts per lane; -1 is an empty (NULL) lane. */
    static const int cases[][4] = {{3, 3, 3, 3},   {1, 3, 5, 8},  {2, 2, 0, 2},
                                   {3, -1, 3, -1}, {8, 8, 8, 8},  {4, 2, -1, -1},
                                   {2, 2, 2, 2}};
    static const int sizes[] = {1, 3, 4, 64, 65, 200, 663};
    static float l1[4][EQ_LEN], r1[4][EQ_LEN], l2[4][EQ_LEN], r2[4][EQ_LEN];

    (void)state;
    for (unsigned t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        eng_eq a[4], b[4];
        eng_eq *pa[4];
        unsigned st = t + 1;
        int off = 0;

        for (int k = 0; k < 4; k++) {
            eng_eq_band bands[8];
            int nb = cases[t][k] < 0 ? 0 : cases[t][k];
            memset(&a[k], 0, sizeof a[k]);
            for (int j = 0; j < nb; j++)
                bands[j] = (eng_eq_band){j % 5, 100.0 + j * 1000 + k * 37,
                                         (j % 3) - 1.5, 0.7 + 0.1 * j};
            eng_eq_set(&a[k], bands, nb, 48000);
            b[k] = a[k];
            for (int i = 0; i < EQ_LEN; i++) {
                l1[k][i] = l2[k][i] = noise(&st);
                r1[k][i] = r2[k][i] = l1[k][i] * 0.5f;
            }
            pa[k] = cases[t][k] < 0 ? NULL : &a[k];
        }
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            float *lo[4], *ro[4];
            for (int k = 0; k < 4; k++) {
                lo[k] = l1[k] + off;
                ro[k] = r1[k] + off;
            }
            eng_eq_process4(pa, lo, ro, sizes[s]);
            for (int k = 0; k < 4; k++)
                if (pa[k])
                    eng_eq_process(&b[k], l2[k] + off, r2[k] + off, sizes[s]);
            off += sizes[s];
        }
        assert_int_equal(off, EQ_LEN);
        for (int k = 0; k < 4; k++) {
            assert_memory_equal(l1[k], l2[k], sizeof l1[k]);
            assert_memory_equal(r1[k], r2[k], sizeof r1[k]);
            assert_memory_equal(a[k].z, b[k].z, sizeof a[k].z);
        }
    }
}

static void test_comp4_matches_comp(void **state)
{
    static const int sizes[] = {8, 3, 64, 1024, 13, 800, 1000, 88};
    static float l1[4][COMP_LEN], r1[4][COMP_LEN], l2[4][COMP_LEN],
        r2[4][COMP_LEN];
    unsigned st = 3;

    (void)state;
    for (int t = 0; t < 6; t++) {
        eng_comp a[4], b[4];
        eng_comp *pa[4];
        int off = 0;

        for (int k = 0; k < 4; k++) {
            eng_comp_params p = {-30 + 5 * k + t, 1 + k * 3 + t, 1 + k * 5,
                                 20 + 30 * k, (k + t) % 3 == 0 ? 0 : 6 + k,
                                 k - 1};
            eng_comp_init(&a[k], 48000);
            eng_comp_set(&a[k], &p);
            eng_comp_reset(&a[k]);
            b[k] = a[k];
            for (int i = 0; i < COMP_LEN; i++) {
                float env = (i % 700 < 40) ? 1.5f
                                           : ((i / 700) % 2 ? 0.01f : 0.3f);
                l1[k][i] = l2[k][i] = env * noise(&st);
                r1[k][i] = r2[k][i] = l1[k][i] * 0.7f;
            }
            pa[k] = (t == 3 && k == 2) ? NULL : &a[k];
        }
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            float *lo[4], *ro[4];
            for (int k = 0; k < 4; k++) {
                lo[k] = l1[k] + off;
                ro[k] = r1[k] + off;
            }
            eng_comp_process4(pa, lo, ro, sizes[s]);
            for (int k = 0; k < 4; k++)
                if (pa[k])
                    eng_comp_process(&b[k], l2[k] + off, r2[k] + off,
                                     sizes[s]);
            off += sizes[s];
        }
        for (int k = 0; k < 4; k++) {
            if (!pa[k])
                continue;
            assert_memory_equal(l1[k], l2[k], (size_t)off * sizeof(float));
            assert_memory_equal(r1[k], r2[k], (size_t)off * sizeof(float));
            assert_true(a[k].env_db == b[k].env_db);
            assert_true(a[k].gain == b[k].gain);
        }
    }
}

/* ---- reverb and delay against their definitions ------------------------ */

/* One sample of the reverb as dsp_fx.c defines it (mono in, predelay,
 * four allpasses, eight damped lines, Hadamard mix). */
static void ref_reverb(eng_reverb *rv, float *l, float *r, int n)
{
    const float fb = rv->fb * 0.35355339f, mix = rv->mix;
    const float dry = 1.0f - mix, wet = mix * 0.6f;
    for (int i = 0; i < n; i++) {
        float x = 0.5f * (l[i] + r[i]);
        int pp = rv->pre_pos - rv->pre_len;
        if (pp < 0)
            pp += rv->pre_cap;
        rv->pre[rv->pre_pos] = x;
        x = rv->pre[pp];
        if (++rv->pre_pos == rv->pre_cap)
            rv->pre_pos = 0;
        for (int a = 0; a < 4; a++) {
            float *b = rv->ap[a] + rv->ap_pos[a];
            float y = *b - 0.7f * x;
            *b = x + 0.7f * y;
            x = y;
            if (++rv->ap_pos[a] == rv->ap_len[a])
                rv->ap_pos[a] = 0;
        }
        float *lp = rv->lp, a1[4], b1[4], a2[4], b2[4];
        for (int k = 0; k < 8; k++) {
            float o = rv->line[k][rv->pos[k]];
            lp[k] = o + (lp[k] - o) * rv->damp;
        }
        float ol = ((lp[0] - lp[2]) + lp[4]) - lp[6];
        float orr = ((lp[1] - lp[3]) + lp[5]) - lp[7];
        for (int h = 0; h < 2; h++) {
            float *s1 = h ? b1 : a1, *q = lp + 4 * h;
            s1[0] = q[0] + q[1];
            s1[1] = q[0] - q[1];
            s1[2] = q[2] + q[3];
            s1[3] = q[2] - q[3];
        }
        for (int h = 0; h < 2; h++) {
            float *s1 = h ? b1 : a1, *s2 = h ? b2 : a2;
            s2[0] = s1[0] + s1[2];
            s2[1] = s1[1] + s1[3];
            s2[2] = s1[0] - s1[2];
            s2[3] = s1[1] - s1[3];
        }
        for (int k = 0; k < 4; k++) {
            float xs = k % 2 ? -x : x;
            rv->line[k][rv->pos[k]] = fb * (a2[k] + b2[k]) + xs;
            rv->line[k + 4][rv->pos[k + 4]] = fb * (a2[k] - b2[k]) + xs;
        }
        for (int k = 0; k < 8; k++)
            if (++rv->pos[k] == rv->len[k])
                rv->pos[k] = 0;
        l[i] = dry * l[i] + wet * ol;
        r[i] = dry * r[i] + wet * orr;
    }
}

static size_t rv_floats(const eng_reverb *rv)
{
    size_t total = (size_t)rv->pre_cap;
    for (int k = 0; k < 8; k++)
        total += (size_t)rv->len[k];
    for (int k = 0; k < 4; k++)
        total += (size_t)rv->ap_len[k];
    return total;
}

static void assert_reverb_same(const eng_reverb *a, const eng_reverb *b)
{
    assert_memory_equal(a->mem, b->mem, rv_floats(a) * sizeof(float));
    assert_memory_equal(a->lp, b->lp, sizeof a->lp);
    assert_memory_equal(a->pos, b->pos, sizeof a->pos);
    assert_memory_equal(a->ap_pos, b->ap_pos, sizeof a->ap_pos);
    assert_int_equal(a->pre_pos, b->pre_pos);
}

#define RV_LEN 24000

static void test_reverb_matches_definition(void **state)
{
    static const int sizes[] = {1024, 3, 128, 129, 1000, 7, 4096, 256, 2048};
    static const double predelay[] = {0, 10, 199.9, 57, 200};
    /* lane masks: which of the four lanes hold a reverb */
    static const int masks[] = {15, 7, 10, 1, 12};
    static float l1[4][RV_LEN], r1[4][RV_LEN], l2[4][RV_LEN], r2[4][RV_LEN],
        l3[4][RV_LEN], r3[4][RV_LEN];
    unsigned st = 11;

    (void)state;
    for (size_t c = 0; c < sizeof masks / sizeof masks[0]; c++) {
        eng_reverb a[4], b[4], d[4];
        eng_reverb *const all[3] = {a, b, d};
        eng_reverb *pa[4];
        int off = 0;
        for (int k = 0; k < 4; k++) {
            for (int x = 0; x < 3; x++) {
                assert_int_equal(eng_reverb_init(&all[x][k], 48000), 0);
                eng_reverb_set(&all[x][k], 0.2 + 0.25 * k, 0.3 * (k % 3),
                               predelay[(c + (size_t)k) % 5], 0.2 + 0.2 * k);
            }
            for (int i = 0; i < RV_LEN; i++) {
                float env = (i / 3000) % 2 ? 0.0f : 0.5f;
                l1[k][i] = l2[k][i] = l3[k][i] = env * noise(&st);
                r1[k][i] = r2[k][i] = r3[k][i] = env * noise(&st);
            }
            pa[k] = masks[c] >> k & 1 ? &a[k] : NULL;
            /* ring positions that differ per lane */
            int lead = 37 * k + (int)c;
            eng_reverb_process(&a[k], l1[k], r1[k], lead);
            ref_reverb(&b[k], l2[k], r2[k], lead);
            ref_reverb(&d[k], l3[k], r3[k], lead);
        }
        int start[4];
        for (int k = 0; k < 4; k++)
            start[k] = 37 * k + (int)c;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            float *lo[4], *ro[4];
            for (int k = 0; k < 4; k++) {
                lo[k] = l1[k] + start[k] + off;
                ro[k] = r1[k] + start[k] + off;
            }
            eng_reverb_process4(pa, lo, ro, sizes[s]);
            for (int k = 0; k < 4; k++) {
                ref_reverb(&b[k], l2[k] + start[k] + off, r2[k] + start[k] + off,
                           sizes[s]);
                eng_reverb_process(&d[k], l3[k] + start[k] + off,
                                   r3[k] + start[k] + off, sizes[s]);
            }
            off += sizes[s];
        }
        int total = start[3] + off;
        assert_true(total <= RV_LEN);
        for (int k = 0; k < 4; k++) {
            /* one at a time = the definition, always */
            assert_memory_equal(l3[k], l2[k], (size_t)total * sizeof(float));
            assert_memory_equal(r3[k], r2[k], (size_t)total * sizeof(float));
            assert_reverb_same(&d[k], &b[k]);
            if (pa[k]) { /* four at a time = the definition */
                assert_memory_equal(l1[k], l2[k], (size_t)total * sizeof(float));
                assert_memory_equal(r1[k], r2[k], (size_t)total * sizeof(float));
                assert_reverb_same(&a[k], &b[k]);
            }
            eng_reverb_free(&a[k]);
            eng_reverb_free(&b[k]);
            eng_reverb_free(&d[k]);
        }
    }
}

/* The delay's one-sample definition (dsp_fx.c): positions count modulo
 * cap, values live in the ring in use (slot position & (ucap - 1)). */
static void ref_delay(eng_delay *d, float *l, float *r, int n)
{
    const int mask = d->cap - 1, pmask = d->ucap - 1;
    for (int i = 0; i < n; i++) {
        d->time += (d->target - d->time) * d->smooth;
        float rp = (float)d->w - d->time;
        int i0 = (int)floorf(rp);
        float fr = rp - (float)i0;
        int a = i0 & pmask, b = (i0 + 1) & pmask;
        float wl = d->bl[a] + (d->bl[b] - d->bl[a]) * fr;
        float wr = d->br[a] + (d->br[b] - d->br[a]) * fr;
        d->bl[d->w & pmask] = l[i] + d->feedback * wl;
        d->br[d->w & pmask] = r[i] + d->feedback * wr;
        l[i] = (1.0f - d->mix) * l[i] + d->mix * wl;
        r[i] = (1.0f - d->mix) * r[i] + d->mix * wr;
        d->w = (d->w + 1) & mask;
    }
}

#define DL_LEN 60000

static void test_delay_matches_definition(void **state)
{
    static const int sizes[] = {1024, 5, 8, 9, 1000, 4096, 3, 2048, 64};
    static const double rates[] = {48000, 7500}; /* 1 ms = 7.5 samples */
    static float l1[DL_LEN], r1[DL_LEN], l2[DL_LEN], r2[DL_LEN];
    unsigned st = 5;

    (void)state;
    for (size_t fsi = 0; fsi < 2; fsi++)
        for (int t = 0; t < 4; t++) {
            eng_delay a, b;
            int off = 0;
            assert_int_equal(eng_delay_init(&a, rates[fsi]), 0);
            assert_int_equal(eng_delay_init(&b, rates[fsi]), 0);
            double ms = t == 0 ? 1 : t == 1 ? 250 : t == 2 ? 3.3 : 1999;
            eng_delay_set(&a, ms, 0.6, 0.4);
            eng_delay_set(&b, ms, 0.6, 0.4);
            for (int i = 0; i < DL_LEN; i++) {
                l1[i] = l2[i] = noise(&st);
                r1[i] = r2[i] = noise(&st) * 0.5f;
            }
            for (int rep = 0; rep < 4; rep++)
                for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                    if (s == 4) { /* a time change: the glide */
                        double to = rep % 2 ? 2 : 700 - 300 * t;
                        eng_delay_set(&a, to, 0.5, 0.3 + 0.1 * rep);
                        eng_delay_set(&b, to, 0.5, 0.3 + 0.1 * rep);
                    }
                    int m = sizes[s];
                    if (off + m > DL_LEN)
                        break;
                    eng_delay_process(&a, l1 + off, r1 + off, m);
                    ref_delay(&b, l2 + off, r2 + off, m);
                    off += m;
                }
            assert_memory_equal(l1, l2, (size_t)off * sizeof(float));
            assert_memory_equal(r1, r2, (size_t)off * sizeof(float));
            assert_memory_equal(a.bl, b.bl, (size_t)a.cap * sizeof(float));
            assert_true(a.time == b.time);
            assert_int_equal(a.w, b.w);
            eng_delay_free(&a);
            eng_delay_free(&b);
        }
}

/* The ring in use (sized for the time read, h15-render5) gives the bits of
 * a ring of the full period: fixed times (whole and fractional samples),
 * glides within the ring's headroom both ways, blocks of any size,
 * eng_delay_quiet and eng_delay_silence on the way; and the ring grows
 * when a set asks for more than it holds. */
static void test_delay_sized_ring_same_as_full(void **state)
{
    static const int sizes[] = {960, 7, 4800, 8, 1, 4096, 333};
    static const struct { double from, to; } cases[] = {
        {250, 250}, {333.3, 333.3}, {1, 1}, {250, 480}, {700, 120},
        {41.7, 80.9}, {1999, 1500}, {120, 700},
    };
    static float l1[DL_LEN], r1[DL_LEN], l2[DL_LEN], r2[DL_LEN];
    unsigned st = 11;
    int total_quiet = 0;

    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        eng_delay a, b;
        int off = 0, grown = 0, quiet_blocks = 0;
        assert_int_equal(eng_delay_init(&a, 48000), 0);
        assert_int_equal(eng_delay_init(&b, 48000), 0);
        b.ucap = b.cap; /* all zero at w = 0: any ring holds it */
        eng_delay_set(&a, cases[c].from, 0.7, 0.5);
        eng_delay_set(&b, cases[c].from, 0.7, 0.5);
        assert_true(a.ucap < a.cap || cases[c].from > 600);
        assert_true((double)a.ucap >= cases[c].from * 48.0 + 2);
        for (int i = 0; i < DL_LEN; i++) {
            /* noise, silence (short tails decay), noise */
            float g = i < 20000 || i >= 30000 ? 1.0f : 0.0f;
            l1[i] = l2[i] = g * noise(&st);
            r1[i] = r2[i] = g * noise(&st) * 0.5f;
        }
        for (size_t s = 0; off < DL_LEN; s = (s + 1) % (sizeof sizes / sizeof sizes[0])) {
            int m = sizes[s];
            if (off + m > DL_LEN)
                m = DL_LEN - off;
            if (off >= 38000 && !grown) { /* the edit, past a ring wrap */
                int before = a.ucap;
                eng_delay_set(&a, cases[c].to, 0.6, 0.4);
                eng_delay_set(&b, cases[c].to, 0.6, 0.4);
                grown = 1;
                assert_true((double)a.ucap >= cases[c].to * 48.0 + 2);
                assert_true(a.ucap >= before);
            }
            bool silent_in = off >= 20000 && off + m <= 30000;
            bool qa = silent_in && eng_delay_quiet(&a);
            bool qb = silent_in && eng_delay_quiet(&b);
            assert_int_equal(qa, qb);
            if (qa) { /* what the renderer does for a decayed tail */
                eng_delay_silence(&a, m);
                eng_delay_silence(&b, m);
                quiet_blocks++;
            } else {
                eng_delay_process(&a, l1 + off, r1 + off, m);
                eng_delay_process(&b, l2 + off, r2 + off, m);
            }
            off += m;
        }
        assert_memory_equal(l1, l2, sizeof l1);
        assert_memory_equal(r1, r2, sizeof r1);
        total_quiet += quiet_blocks;
        assert_int_equal(a.w, b.w);
        assert_true(a.time == b.time);
        /* reset: back to the ring the time needs */
        eng_delay_set(&a, 250, 0.3, 0.25);
        eng_delay_reset(&a);
        assert_int_equal(a.ucap, 32768); /* 12,000 samples x 2 -> 2^15 */
        eng_delay_free(&a);
        eng_delay_free(&b);
    }
    assert_true(total_quiet > 0); /* the short delays' tails decayed */
}

/* A delay that ran with a long time, was reset and set short, and is then
 * lengthened again repeats only what it was given since the reset: the
 * slots its long ring left behind are cleared when the ring grows (slots
 * it never wrote, past the high water mark, are the mapping's zeros and
 * are not cleared: a new delay touches no page of its ring until it
 * runs). The same samples as a delay given the same calls on silence
 * before the reset. */
static void test_delay_reused_ring_is_clean(void **state)
{
    enum { N = 96000 };
    static float l1[N], r1[N], l2[N], r2[N], junk_l[N], junk_r[N];
    eng_delay a, b;
    unsigned st = 99;

    (void)state;
    assert_int_equal(eng_delay_init(&a, 48000), 0);
    assert_int_equal(eng_delay_init(&b, 48000), 0);
    assert_int_equal(a.hw, 0); /* nothing written at creation */
    eng_delay_set(&a, 1500, 0.8, 0.5);
    for (int i = 0; i < N; i++) {
        junk_l[i] = noise(&st);
        junk_r[i] = noise(&st);
    }
    eng_delay_process(&a, junk_l, junk_r, N); /* a long ring full of noise */
    assert_true(a.hw >= 131072);
    eng_delay_set(&a, 50, 0.5, 0.5);
    eng_delay_reset(&a); /* the short time's ring: the rest left dirty */
    assert_true(a.ucap < a.hw);
    /* b: the same calls on silence (the same rings in use, so the same
     * history is kept when the time is lengthened past twice) */
    eng_delay_set(&b, 1500, 0.8, 0.5);
    memset(l2, 0, sizeof l2);
    memset(r2, 0, sizeof r2);
    eng_delay_process(&b, l2, r2, N);
    eng_delay_set(&b, 50, 0.5, 0.5);
    eng_delay_reset(&b);
    assert_int_equal(b.ucap, a.ucap);
    for (int i = 0; i < N; i++) {
        l1[i] = l2[i] = i < 4800 ? noise(&st) : 0.0f;
        r1[i] = r2[i] = i < 4800 ? noise(&st) : 0.0f;
    }
    eng_delay_set(&a, 50, 0.5, 0.5);
    eng_delay_set(&b, 50, 0.5, 0.5);
    eng_delay_process(&a, l1, r1, 9600);
    eng_delay_process(&b, l2, r2, 9600);
    eng_delay_set(&a, 1500, 0.5, 0.5); /* the ring grows over the old noise */
    eng_delay_set(&b, 1500, 0.5, 0.5);
    eng_delay_process(&a, l1 + 9600, r1 + 9600, N - 9600);
    eng_delay_process(&b, l2 + 9600, r2 + 9600, N - 9600);
    assert_memory_equal(l1, l2, sizeof l1);
    assert_memory_equal(r1, r2, sizeof r1);
    eng_delay_free(&a);
    eng_delay_free(&b);
}

#define EC_LEN 6000

/* eng_eqcomp_process8 (eight lanes) or, with `four`, eng_eqcomp_process4x2
 * (lanes 0..3, both channels in one vector) against each track's EQ and
 * then its compressor, block after block of odd sizes: the same bits. */
static void check_eqcomp(bool four)
{
    /* band counts per lane; -1: an empty lane */
    static const int cases[][8] = {{3, 3, 3, 3, 3, 3, 3, 3},
                                   {1, 3, 5, 8, 2, 0, 4, 3},
                                   {2, -1, 2, 2, -1, 2, 2, 2},
                                   {0, 0, 0, 0, 0, 0, 0, -1},
                                   {3, -1, -1, -1, -1, -1, -1, -1},
                                   {-1, 4, 1, -1, 3, 3, 3, 3},
                                   {2, 0, 3, 1, 3, 3, 3, 3}};
    static const int sizes[] = {1024, 3, 8, 64, 65, 1000, 13, 800, 2048, 72};
    static float l1[8][EC_LEN], r1[8][EC_LEN], l2[8][EC_LEN], r2[8][EC_LEN];
    const int lanes = four ? 4 : 8;

    if (eng_simd_select("avx2") != 0) {
        print_message("no AVX2 on this CPU: eng_eqcomp_process%s not run\n",
                      four ? "4x2" : "8");
        return;
    }
    for (unsigned t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        eng_eq ea[8], eb[8];
        eng_comp ca[8], cb[8];
        eng_eq *pe[8];
        eng_comp *pc[8];
        unsigned st = 40 + t;
        int off = 0;
        for (int k = 0; k < 8; k++) {
            eng_eq_band bands[8];
            int nb = cases[t][k] < 0 ? 0 : cases[t][k];
            memset(&ea[k], 0, sizeof ea[k]);
            for (int j = 0; j < nb; j++)
                bands[j] = (eng_eq_band){(j + k) % 5, 80.0 + j * 900 + k * 53,
                                         (j % 3) * 2 - 2.5, 0.6 + 0.15 * j};
            eng_eq_set(&ea[k], bands, nb, 48000);
            eb[k] = ea[k];
            eng_comp_params cp = {-35 + 4 * k, 2 + k, 1 + k * 3, 20 + 25 * k,
                                  k % 3 == 0 ? 0 : 6, k % 2 ? 3 : 0};
            eng_comp_init(&ca[k], 48000);
            eng_comp_set(&ca[k], &cp);
            eng_comp_reset(&ca[k]);
            cb[k] = ca[k];
            for (int i = 0; i < EC_LEN; i++) {
                float env = (i % 900 < 60) ? 1.4f : ((i / 900) % 2 ? 0.02f : 0.4f);
                l1[k][i] = l2[k][i] = env * noise(&st);
                r1[k][i] = r2[k][i] = env * noise(&st);
            }
            pe[k] = cases[t][k] < 0 || k >= lanes ? NULL : &ea[k];
            pc[k] = cases[t][k] < 0 || k >= lanes ? NULL : &ca[k];
        }
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            float *lo[8], *ro[8];
            if (off + sizes[s] > EC_LEN)
                break;
            for (int k = 0; k < 8; k++) {
                lo[k] = l1[k] + off;
                ro[k] = r1[k] + off;
            }
            if (four)
                eng_eqcomp_process4x2(pe, pc, lo, ro, sizes[s]);
            else
                eng_eqcomp_process8(pe, pc, lo, ro, sizes[s]);
            for (int k = 0; k < 8; k++)
                if (pe[k]) {
                    eng_eq_process(&eb[k], l2[k] + off, r2[k] + off, sizes[s]);
                    eng_comp_process(&cb[k], l2[k] + off, r2[k] + off, sizes[s]);
                }
            off += sizes[s];
        }
        assert_true(off > 4000);
        for (int k = 0; k < 8; k++) {
            if (!pe[k])
                continue;
            assert_memory_equal(l1[k], l2[k], (size_t)off * sizeof(float));
            assert_memory_equal(r1[k], r2[k], (size_t)off * sizeof(float));
            assert_memory_equal(ea[k].z, eb[k].z, sizeof ea[k].z);
            assert_true(ca[k].env_db == cb[k].env_db);
            assert_true(ca[k].gain == cb[k].gain);
        }
    }
}

static void test_eqcomp8_matches_eq_then_comp(void **state)
{
    (void)state;
    check_eqcomp(false);
}

static void test_eqcomp4x2_matches_eq_then_comp(void **state)
{
    (void)state;
    check_eqcomp(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eq4_matches_eq),
        cmocka_unit_test(test_comp4_matches_comp),
        cmocka_unit_test(test_reverb_matches_definition),
        cmocka_unit_test(test_delay_matches_definition),
        cmocka_unit_test(test_delay_sized_ring_same_as_full),
        cmocka_unit_test(test_delay_reused_ring_is_clean),
        cmocka_unit_test(test_eqcomp8_matches_eq_then_comp),
        cmocka_unit_test(test_eqcomp4x2_matches_eq_then_comp),
    };
    return cmocka_run_group_tests_name("dsp_group", tests, NULL, NULL);
}
