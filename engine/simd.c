/* simd.c -- the run-time dispatch table of the renderer's vector paths
 * (see simd.h): the three paths, the choice at program start and the test
 * hook MIXROOM_TEST_SIMD. */
#include "engine/simd.h"

#include <stdlib.h>
#include <string.h>

static void eq_group4(eng_eq *const *eq, float *const *l, float *const *r,
                      int n)
{
    eng_eq_process4(eq, l, r, n);
}

static void comp_group4(eng_comp *const *c, float *const *l,
                        float *const *r, int n)
{
    eng_comp_process4(c, l, r, n);
}

static const eng_simd_ops simd_plain = {"plain", 1, NULL, NULL, NULL};
static const eng_simd_ops simd_sse2 = {"sse2", 4, eq_group4, comp_group4, NULL};
#if defined(__x86_64__) || defined(__i386__)
static void eq_group8(eng_eq *const *eq, float *const *l, float *const *r,
                      int n)
{
    eng_eq_process8(eq, l, r, n);
}

static void comp_group8(eng_comp *const *c, float *const *l,
                        float *const *r, int n)
{
    eng_comp_process8(c, l, r, n);
}

static void eqcomp_group8(eng_eq *const *eq, eng_comp *const *c,
                          float *const *l, float *const *r, int n)
{
    if (!eq[4] && !eq[5] && !eq[6] && !eq[7])
        eng_eqcomp_process4x2(eq, c, l, r, n); /* four tracks or fewer */
    else
        eng_eqcomp_process8(eq, c, l, r, n);
}

static const eng_simd_ops simd_avx2 = {"avx2", 8, eq_group8, comp_group8,
                                       eqcomp_group8};
#endif

/* The one piece of global mutable state of the dispatch: the path in use.
 * Written at program start (simd_init, before main) and by the test hook
 * eng_simd_select; read by eng_renderer_new. */
static const eng_simd_ops *simd_cur = &simd_sse2;

static bool cpu_has_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

int eng_simd_select(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "plain") == 0) {
        simd_cur = &simd_plain;
        return 0;
    }
    if (strcmp(name, "sse2") == 0) {
        simd_cur = &simd_sse2;
        return 0;
    }
#if defined(__x86_64__) || defined(__i386__)
    if (strcmp(name, "avx2") == 0 && cpu_has_avx2()) {
        simd_cur = &simd_avx2;
        return 0;
    }
#endif
    return -1;
}

__attribute__((constructor)) static void simd_init(void)
{
    if (cpu_has_avx2())
        eng_simd_select("avx2");
    const char *force = getenv("MIXROOM_TEST_SIMD");
    if (force && *force)
        (void)eng_simd_select(force);
}

const eng_simd_ops *eng_simd(void)
{
    return simd_cur;
}
