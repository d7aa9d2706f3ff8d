/* simd.h -- the renderer's run-time dispatch table: which vector width the
 * cross-track effect passes (EQ and compressor of several source tracks in
 * one pass) use on this CPU. Chosen once, at program start, from
 * __builtin_cpu_supports("avx2"): "avx2" (eight tracks per pass, 256-bit),
 * else "sse2" (four tracks per pass, the x86-64 baseline; on other CPUs the
 * same GCC vector code in whatever the target has), or "plain" (every
 * effect track by track, no cross-track lanes). Every path computes each
 * sample with the same IEEE operations in the same order (no FMA
 * contraction, -ffp-contract=off), so all of them render the same bits
 * (tests/unit/test_render_dispatch.c).
 *
 * Test hook: MIXROOM_TEST_SIMD=plain|sse2|avx2 in the environment forces a
 * path at start (a path the CPU cannot run is refused and the automatic
 * choice stays); eng_simd_select() switches in-process for tests and
 * benchmarks. Internal to engine/. */
#ifndef MIXROOM_ENGINE_SIMD_H
#define MIXROOM_ENGINE_SIMD_H

#include "engine/dsp.h"

/* For the renderer's straight-line vector code (reverb, delay, the output
 * stage): GCC compiles the function twice, for AVX2 and for the baseline,
 * and picks one at load time (an ifunc on __builtin_cpu_supports). Only
 * the encoding differs (VEX, three operands, no FMA: -ffp-contract=off),
 * the operations are the same, so both give the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define ENG_VEC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ENG_VEC_CLONES
#endif

typedef struct eng_simd_ops {
    const char *name; /* "plain", "sse2", "avx2" */
    int lanes;        /* tracks per EQ / compressor pass: 1, 4 or 8 */
    /* Up to `lanes` EQs (compressors) of separate tracks in one pass; NULL
     * entries are skipped; bit-identical to eng_eq_process (eng_comp_
     * process) on each. NULL when lanes == 1. */
    void (*eq_group)(eng_eq *const *eq, float *const *l, float *const *r,
                     int n);
    void (*comp_group)(eng_comp *const *c, float *const *l, float *const *r,
                       int n);
    /* Up to `lanes` tracks' EQ followed by their compressor in one pass
     * (eq[k] and c[k] both set or both NULL); bit-identical to eq_group
     * then comp_group. NULL when the path has no such pass. */
    void (*eqcomp_group)(eng_eq *const *eq, eng_comp *const *c,
                         float *const *l, float *const *r, int n);
} eng_simd_ops;

/* The path in use (never NULL). The renderer reads it once per renderer
 * (eng_renderer_new), so a switch applies to renderers made after it. */
const eng_simd_ops *eng_simd(void);

/* Switches to the named path: 0, or -1 when the name is unknown or the CPU
 * cannot run it (the current path stays). For tests and benchmarks; not
 * thread-safe against renderers being created at the same time. */
int eng_simd_select(const char *name);

/* The lane set-up the four- and eight-track passes share (dsp_basic.c).
 * Arrays are the memory of lane vectors: [band][lane] and
 * [band][channel][lane], `lanes` floats per row. */
typedef struct eng_eq_lanes {
    int lanes, nb;  /* in: lanes; out: the most bands of any lane */
    bool uniform;   /* out: every lane has nb bands */
    float *b0, *b1, *b2, *a1, *a2;
    int32_t *on;    /* -1 where the lane has that band */
    float *s1, *s2;
} eng_eq_lanes;

/* Loads track k's coefficients and states into lane k and points lp/rp
 * at its samples (empty lanes: identities reading the first real track);
 * false when no lane has a band. */
bool eng_eq_lanes_load(eng_eq_lanes *q, eng_eq *const *eq, float *const *l,
                       float *const *r, const float **lp, const float **rp);
/* Writes the lanes' states back into the EQs. */
void eng_eq_lanes_store(const eng_eq_lanes *q, eng_eq *const *eq);
/* v[0..9] get env, gain, makeup, attack, release, threshold, knee, slope,
 * the no-change level and the ramp's start gain of each lane's
 * compressor; false when every lane is empty. Every lane's compressor
 * must be at a step boundary (eng_comp_lanes_head first). */
bool eng_comp_lanes_load(eng_comp *const *c, int lanes, float *const v[10],
                         float *const *l, float *const *r, const float **lp,
                         const float **rp);
/* Writes env, gain and the ramp's start gain back and runs the last
 * partial step (i..n) of each track through eng_comp_process. */
void eng_comp_lanes_store(eng_comp *const *c, int lanes, const float *env,
                          const float *g, const float *ga, float *const *l,
                          float *const *r, int i, int n);
/* The position in its step (0..7) shared by every lane's compressor, or
 * -1 when the lanes are at different positions. */
int eng_comp_lanes_pos(eng_comp *const *c, int lanes);
/* Runs each lane's compressor through eng_comp_process to the end of the
 * step in progress (at most n samples), so that a vector pass starts on a
 * step boundary, and points l[k], r[k] after those samples; returns how
 * many samples are left for the vector pass (0 when none). When the lanes
 * are at different positions runs all n samples that way and returns -1. */
int eng_comp_lanes_head(eng_comp *const *c, int lanes, float *const *l0,
                        float *const *r0, int n, float **l, float **r);

/* The reverb's input stage for m <= 128 samples: x = the mean of l and
 * r, predelayed and diffused, advancing those rings (dsp_fx.c; shared by
 * eng_reverb_process and eng_reverb_process4). */
void eng_reverb_input(eng_reverb *rv, const float *l, const float *r,
                      float *x, int m);

/* avx2 kernels (simd_avx2.c, compiled for AVX2, called only when the CPU
 * has it): up to eight tracks per pass. */
void eng_eq_process8(eng_eq *const eq[8], float *const l[8],
                     float *const r[8], int n);
void eng_comp_process8(eng_comp *const c[8], float *const l[8],
                       float *const r[8], int n);
void eng_eqcomp_process8(eng_eq *const eq[8], eng_comp *const c[8],
                         float *const l[8], float *const r[8], int n);
/* The same for at most four tracks (lanes 0..3), both channels of each in
 * one eight-float vector: half the work of the eight-lane pass with four
 * lanes empty, the same bits. */
void eng_eqcomp_process4x2(eng_eq *const eq[4], eng_comp *const c[4],
                           float *const l[4], float *const r[4], int n);

#endif
