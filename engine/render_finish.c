/* render_finish.c -- the last stage of every track and of the master in
 * the renderer (engine/render.c's render_block): fader and pan gains,
 * the sum into the output's bus, the meters and the clip indicator's
 * true peak, in one pass of eight-float vectors (an AVX2 clone and the
 * baseline, ENG_VEC_CLONES). Internal to engine/. */
#include <math.h>
#include <stdbool.h>

#include "engine/limiter.h"
#include "engine/render_priv.h"
#include "engine/simd.h"
#include "engine/v4.h"

/* The last stage of a track in one pass: y = x * gain (gl/gr per sample,
 * or the constants cgl/cgr when gl is NULL); stores y back when `store`,
 * adds it to dl/dr when not NULL, and meters it into m. Every y and every
 * sum is the same operation as the separate passes were; only the RMS
 * accumulation order differs (meters are not part of the render). */
ENG_VEC_CLONES
void eng_render_finish_track(float *L, float *R, const float *gl,
                             const float *gr, float cgl, float cgr, bool store,
                             float *dl, float *dr, bool *dfresh, eng_meter *m,
                             int n)
{
    const bool assign = dl && *dfresh;
    const v8uf zero = {0};
    v8uf pl = zero, pr = zero, sl = zero, sr = zero;
    const v8uf cl = zero + cgl, cr = zero + cgr;
    float ps_l = 0, ps_r = 0, ss_l = 0, ss_r = 0;
    int i = 0;

    for (; i + 8 <= n; i += 8) {
        v8uf yl = v8u_load(L + i) * (gl ? v8u_load(gl + i) : cl);
        v8uf yr = v8u_load(R + i) * (gr ? v8u_load(gr + i) : cr);
        if (store) {
            v8u_store(L + i, yl);
            v8u_store(R + i, yr);
        }
        if (dl) {
            v8u_store(dl + i, (assign ? zero : v8u_load(dl + i)) + yl);
            v8u_store(dr + i, (assign ? zero : v8u_load(dr + i)) + yr);
        }
        pl = v8u_max(pl, v8u_abs(yl));
        pr = v8u_max(pr, v8u_abs(yr));
        sl += yl * yl;
        sr += yr * yr;
    }
    for (; i < n; i++) {
        float yl = L[i] * (gl ? gl[i] : cgl), yr = R[i] * (gr ? gr[i] : cgr);
        if (store) {
            L[i] = yl;
            R[i] = yr;
        }
        if (dl) {
            dl[i] = (assign ? 0.0f : dl[i]) + yl;
            dr[i] = (assign ? 0.0f : dr[i]) + yr;
        }
        ps_l = fabsf(yl) > ps_l ? fabsf(yl) : ps_l;
        ps_r = fabsf(yr) > ps_r ? fabsf(yr) : ps_r;
        ss_l += yl * yl;
        ss_r += yr * yr;
    }
    for (int k = 0; k < 8; k++) {
        ps_l = pl[k] > ps_l ? pl[k] : ps_l;
        ps_r = pr[k] > ps_r ? pr[k] : ps_r;
        ss_l += sl[k];
        ss_r += sr[k];
    }
    if (dl)
        *dfresh = false;
    m->peak[0] = ps_l;
    m->peak[1] = ps_r;
    m->rms[0] = n ? sqrtf(ss_l / (float)n) : 0.0f;
    m->rms[1] = n ? sqrtf(ss_r / (float)n) : 0.0f;
    m->tpeak = ps_l > ps_r ? ps_l : ps_r;
    if (m->tpeak > ENG_TPEAK_FROM) { /* clip indicators: see limiter.h */
        float sp, tp = eng_tp_planar(L, R, n, &sp);
        /* stored: L/R hold the output; else its input, scaled by gain */
        if (store)
            m->tpeak = tp > m->tpeak ? tp : m->tpeak;
        else if (sp > 0 && tp > sp)
            m->tpeak *= tp / sp;
    }
}
