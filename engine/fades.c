/* fades.c -- fade curve shapes and the automatic crossfade of overlapping
 * clips on a track (see fades.h; curves in docs/engine.md). */
#include "engine/fades.h"

#include <math.h>
#include <string.h>

#include "engine/dsp.h"

static const char *const shape_names[ENG_FADE_SHAPES] = {
    [ENG_FADE_EQUAL_POWER] = "equal_power",
    [ENG_FADE_LINEAR] = "linear",
    [ENG_FADE_EXP] = "exp",
    [ENG_FADE_SCURVE] = "scurve",
};

int eng_fade_shape_of(const char *name)
{
    for (int s = 0; name && s < ENG_FADE_SHAPES; s++)
        if (strcmp(shape_names[s], name) == 0)
            return s;
    return ENG_FADE_EQUAL_POWER;
}

float eng_fade_gain(int shape, double t)
{
    if (shape == ENG_FADE_EQUAL_POWER)
        return eng_fade_in_gain(t); /* bit-identical to the shapes-free engine */
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    switch (shape) {
    case ENG_FADE_LINEAR:
        return (float)t;
    case ENG_FADE_EXP:
        return (float)(expm1(4.0 * t) / expm1(4.0));
    case ENG_FADE_SCURVE:
        return (float)((1.0 - cos(t * M_PI)) / 2.0);
    default:
        return eng_fade_in_gain(t);
    }
}

void eng_fades_crossfade(eng_clip_spec *clips, int n)
{
    for (int i = 0; i < n; i++) {
        eng_clip_spec *a = &clips[i];
        const int64_t a_end = a->start + a->length;
        for (int j = i + 1; j < n && clips[j].start < a_end; j++) {
            eng_clip_spec *b = &clips[j];
            if (b->start <= a->start || b->start + b->length <= a_end)
                continue; /* same start, or b inside a: no crossfade */
            if (!a->xfade && !b->xfade)
                continue; /* both predate shapes: summed, as they were */
            const int64_t overlap = a_end - b->start;
            if (a->fade_out < overlap) {
                a->fade_out = overlap;
                a->shape_out = ENG_FADE_EQUAL_POWER;
            }
            if (b->fade_in < overlap) {
                b->fade_in = overlap;
                b->shape_in = ENG_FADE_EQUAL_POWER;
            }
        }
    }
}
