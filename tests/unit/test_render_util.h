/* test_render_util.h -- helpers for the renderer/export tests: documents
 * written as JSON text with single quotes, an asset table for the plan's
 * lookup callback, rendering into a buffer, level measurements. */
#ifndef MIXROOM_TEST_RENDER_UTIL_H
#define MIXROOM_TEST_RENDER_UTIL_H

#include <stdint.h>

#include "engine/asset.h"
#include "engine/plan.h"
#include "engine/render.h"
#include "protocol/document.h"

/* Puts an object given as printf-formatted JSON with ' for " (asserts). */
void tu_put(proto_doc *doc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Registers an asset under id (the table takes the reference). */
void tu_asset(const char *id, eng_asset *a);
/* Mono/stereo assets: constant value, sine, or seeded noise. */
eng_asset *tu_dc(float v, int64_t frames, int rate);
eng_asset *tu_sine(double freq, double amp, int channels, int64_t frames,
                   int rate);
eng_asset *tu_noise(uint32_t seed, double amp, int channels, int64_t frames,
                    int rate);
/* Drops every registered asset. */
void tu_assets_clear(void);
eng_asset *tu_lookup(void *ctx, const char *id);

eng_plan *tu_plan(const proto_doc *doc);
/* Renders [from, from+frames) in blocks of `block`; malloc'd interleaved. */
float *tu_render(eng_plan *p, int64_t from, int frames, int block);

/* RMS (dB) of channel ch (0/1) of interleaved frames [a,b). */
double tu_rms_db(const float *buf, int ch, int a, int b);
double tu_peak(const float *buf, int ch, int a, int b);

#endif
