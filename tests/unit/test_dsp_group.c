/* test_dsp_group.c -- the four-track vector paths of the renderer give
 * the same bits as the one-track paths: eng_eq_process4 against
 * eng_eq_process and eng_comp_process4 against eng_comp_process, over mixed
 * band counts, empty lanes and odd block sizes, with state carried across
 * blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "engine/dsp.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eq4_matches_eq),
        cmocka_unit_test(test_comp4_matches_comp),
    };
    return cmocka_run_group_tests_name("dsp_group", tests, NULL, NULL);
}
