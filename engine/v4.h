/* v4.h -- four-float vectors (GCC vector extensions) and the few helpers
 * the renderer's vector paths share: unaligned load/store, max, abs. Each
 * lane computes exactly what the scalar code does, so results stay
 * bit-identical. Internal to engine/. */
#ifndef MIXROOM_ENGINE_V4_H
#define MIXROOM_ENGINE_V4_H

#include <stdint.h>
#include <string.h>

typedef float v4sf __attribute__((vector_size(16)));
typedef int32_t v4si __attribute__((vector_size(16)));

static inline v4sf v4_load(const float *p)
{
    v4sf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void v4_store(float *p, v4sf v)
{
    memcpy(p, &v, sizeof v);
}

static inline v4sf v4_max(v4sf a, v4sf b)
{
    v4si m = a > b;
    return (v4sf)(((v4si)a & m) | ((v4si)b & ~m));
}

static inline v4sf v4_abs(v4sf a)
{
    const v4si mask = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
    return (v4sf)((v4si)a & mask);
}

/* Eight-float vectors for straight-line code compiled twice
 * (ENG_VEC_CLONES): one 256-bit operation in the AVX2 clone, two 128-bit
 * ones in the baseline; lane by lane the same IEEE operation either way. */
typedef float v8uf __attribute__((vector_size(32)));
typedef int32_t v8ui __attribute__((vector_size(32)));

/* Always inlined into their (cloned) callers and never passed across a
 * function boundary, so GCC's note that a 256-bit vector value without
 * AVX changes the ABI does not apply (silenced for the files that include
 * this header). */
#pragma GCC diagnostic ignored "-Wpsabi"

static inline __attribute__((always_inline)) v8uf v8u_load(const float *p)
{
    v8uf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void v8u_store(float *p, v8uf v)
{
    memcpy(p, &v, sizeof v);
}

static inline __attribute__((always_inline)) v8uf v8u_max(v8uf a, v8uf b)
{
    v8ui m = a > b;
    return (v8uf)(((v8ui)a & m) | ((v8ui)b & ~m));
}

static inline __attribute__((always_inline)) v8uf v8u_abs(v8uf a)
{
    return (v8uf)((v8ui)a & INT32_MAX);
}

#endif
