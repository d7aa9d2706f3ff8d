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

#endif
