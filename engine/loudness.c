/* loudness.c -- libebur128 wrapper (see loudness.h). */
#include "engine/loudness.h"

#include <ebur128.h>
#include <math.h>
#include <stdlib.h>

#include "engine/render.h"

struct eng_lufs {
    ebur128_state *st;
};

eng_lufs *eng_lufs_new(int rate)
{
    eng_lufs *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->st = ebur128_init(2, (unsigned long)rate,
                         EBUR128_MODE_I | EBUR128_MODE_LRA |
                             EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_TRUE_PEAK);
    if (!m->st) {
        free(m);
        return NULL;
    }
    return m;
}

int eng_lufs_add(eng_lufs *m, const float *interleaved, int64_t frames)
{
    while (frames > 0) {
        size_t n = frames > 65536 ? 65536 : (size_t)frames;
        if (ebur128_add_frames_float(m->st, interleaved, n) != EBUR128_SUCCESS)
            return -1;
        interleaved += 2 * n;
        frames -= (int64_t)n;
    }
    return 0;
}

static double to_db(double lin)
{
    return lin > 0 ? 20 * log10(lin) : -HUGE_VAL;
}

void eng_lufs_result(const eng_lufs *m, eng_loudness *out)
{
    double v, peak = 0, tp = 0;
    out->integrated = ebur128_loudness_global(m->st, &v) == EBUR128_SUCCESS ? v : -HUGE_VAL;
    out->range = ebur128_loudness_range(m->st, &v) == EBUR128_SUCCESS ? v : 0;
    for (unsigned c = 0; c < 2; c++) {
        if (ebur128_sample_peak(m->st, c, &v) == EBUR128_SUCCESS && v > peak)
            peak = v;
        if (ebur128_true_peak(m->st, c, &v) == EBUR128_SUCCESS && v > tp)
            tp = v;
    }
    out->sample_peak_db = to_db(peak);
    out->true_peak_db = to_db(tp);
}

void eng_lufs_free(eng_lufs *m)
{
    if (!m)
        return;
    ebur128_destroy(&m->st);
    free(m);
}

int eng_loudness_buffer(const float *interleaved, int64_t frames, int rate,
                        eng_loudness *out)
{
    eng_lufs *m = eng_lufs_new(rate);
    int rc = -1;
    if (!m)
        return -1;
    if (eng_lufs_add(m, interleaved, frames) == 0) {
        eng_lufs_result(m, out);
        rc = 0;
    }
    eng_lufs_free(m);
    return rc;
}

int eng_loudness_measure(eng_plan *plan, int64_t from, int64_t to,
                         const char *stem_track, eng_loudness *out)
{
    return eng_loudness_measure_cancel(plan, from, to, stem_track, NULL, out);
}

int eng_loudness_measure_cancel(eng_plan *plan, int64_t from, int64_t to,
                                const char *stem_track,
                                const atomic_int *cancel, eng_loudness *out)
{
    enum { BLOCK = 4096 };
    eng_renderer *r = eng_renderer_new(NULL, plan, BLOCK);
    eng_lufs *m = eng_lufs_new(plan->sample_rate);
    float *buf = malloc(sizeof(float) * 2 * BLOCK);
    int rc = -1;

    if (!r || !m || !buf)
        goto out;
    if (stem_track)
        eng_renderer_set_solo(r, stem_track);
    for (int64_t pos = from; pos < to; pos += BLOCK) {
        int n = to - pos < BLOCK ? (int)(to - pos) : BLOCK;
        if (cancel && atomic_load(cancel)) {
            rc = -3;
            goto out;
        }
        eng_render(r, pos, buf, n);
        if (eng_lufs_add(m, buf, n) != 0)
            goto out;
    }
    eng_lufs_result(m, out);
    rc = 0;
out:
    free(buf);
    eng_lufs_free(m);
    eng_renderer_free(r);
    return rc;
}

double eng_loudness_norm_gain(const eng_loudness *l, double target_lufs,
                              double ceiling_dbtp)
{
    if (!isfinite(l->integrated))
        return 0.0;
    double g = target_lufs - l->integrated;
    if (isfinite(l->true_peak_db) && l->true_peak_db + g > ceiling_dbtp)
        g = ceiling_dbtp - l->true_peak_db;
    return g;
}
