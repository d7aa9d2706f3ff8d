/* fold.c -- folds decoded frames to mono/stereo by the documented rule
 * (fold.h) and scrubs non-finite samples. */
#include "engine/fold.h"

#include <assert.h>
#include <math.h>

int eng_fold_channels(int in_channels)
{
    assert(in_channels >= 1);
    return in_channels == 1 ? 1 : 2;
}

static float clean(float v)
{
    return isfinite(v) ? v : 0.0f;
}

void eng_fold(const float *in, int in_channels, float *out, size_t frames)
{
    assert(in_channels >= 1);
    if (in_channels <= 2) {
        size_t n = frames * (size_t)in_channels;
        for (size_t i = 0; i < n; i++)
            out[i] = clean(in[i]);
        return;
    }
    if (in_channels == 6) {
        const float g = (float)M_SQRT1_2, norm = 1.0f / (1.0f + 2.0f * g);
        for (size_t f = 0; f < frames; f++) {
            const float *s = in + f * 6;
            float l = clean(s[0]), r = clean(s[1]), c = clean(s[2]);
            float ls = clean(s[4]), rs = clean(s[5]);
            out[2 * f] = (l + g * c + g * ls) * norm;
            out[2 * f + 1] = (r + g * c + g * rs) * norm;
        }
        return;
    }
    const int n_left = (in_channels + 1) / 2, n_right = in_channels / 2;
    const float gl = 1.0f / (float)n_left, gr = 1.0f / (float)n_right;
    for (size_t f = 0; f < frames; f++) {
        const float *s = in + f * (size_t)in_channels;
        float l = 0.0f, r = 0.0f;
        for (int c = 0; c < in_channels; c += 2)
            l += clean(s[c]);
        for (int c = 1; c < in_channels; c += 2)
            r += clean(s[c]);
        out[2 * f] = l * gl;
        out[2 * f + 1] = r * gr;
    }
}
