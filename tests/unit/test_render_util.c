/* test_render_util.c -- see test_render_util.h. */
#include "tests/unit/test_render_util.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TU_MAX_ASSETS 64

static struct {
    char id[65];
    eng_asset *a;
} assets[TU_MAX_ASSETS];
static int nassets;

void tu_put(proto_doc *doc, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    json_error_t err;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *p = buf; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_t *o = json_loads(buf, 0, &err);
    if (!o)
        fprintf(stderr, "bad test JSON: %s: %s\n", err.text, buf);
    assert(o);
    int rc = proto_doc_put(doc, o);
    assert(rc == 0);
    (void)rc;
    json_decref(o);
}

void tu_asset(const char *id, eng_asset *a)
{
    assert(nassets < TU_MAX_ASSETS && a);
    snprintf(assets[nassets].id, sizeof assets[nassets].id, "%s", id);
    assets[nassets++].a = a;
}

void tu_assets_clear(void)
{
    for (int i = 0; i < nassets; i++)
        eng_asset_release(assets[i].a);
    nassets = 0;
}

eng_asset *tu_lookup(void *ctx, const char *id)
{
    (void)ctx;
    for (int i = 0; i < nassets; i++)
        if (strcmp(assets[i].id, id) == 0)
            return assets[i].a;
    return NULL;
}

static eng_asset *from_fn(int channels, int64_t frames, int rate,
                          float (*fn)(int64_t i, int c, void *), void *ctx)
{
    float *s = malloc(sizeof(float) * (size_t)(frames * channels));
    assert(s);
    for (int64_t i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++)
            s[i * channels + c] = fn(i, c, ctx);
    eng_asset *a = eng_asset_from_memory(s, channels, frames, rate);
    free(s);
    return a;
}

static float dc_fn(int64_t i, int c, void *ctx)
{
    (void)i;
    (void)c;
    return *(float *)ctx;
}

eng_asset *tu_dc(float v, int64_t frames, int rate)
{
    return from_fn(1, frames, rate, dc_fn, &v);
}

struct sine_ctx {
    double w, amp;
};

static float sine_fn(int64_t i, int c, void *ctx)
{
    struct sine_ctx *s = ctx;
    (void)c;
    return (float)(s->amp * sin(s->w * (double)i));
}

eng_asset *tu_sine(double freq, double amp, int channels, int64_t frames,
                   int rate)
{
    struct sine_ctx s = {2 * M_PI * freq / rate, amp};
    return from_fn(channels, frames, rate, sine_fn, &s);
}

struct noise_ctx {
    uint32_t st;
    double amp;
};

static float noise_fn(int64_t i, int c, void *ctx)
{
    struct noise_ctx *n = ctx;
    (void)i;
    (void)c;
    n->st ^= n->st << 13;
    n->st ^= n->st >> 17;
    n->st ^= n->st << 5;
    return (float)(n->amp * ((double)n->st / 2147483648.0 - 1.0));
}

eng_asset *tu_noise(uint32_t seed, double amp, int channels, int64_t frames,
                    int rate)
{
    struct noise_ctx n = {seed ? seed : 1, amp};
    return from_fn(channels, frames, rate, noise_fn, &n);
}

eng_plan *tu_plan(const proto_doc *doc)
{
    eng_plan *p = eng_plan_build(doc, tu_lookup, NULL);
    assert(p);
    return p;
}

float *tu_render(eng_plan *p, int64_t from, int frames, int block)
{
    eng_renderer *r = eng_renderer_new(NULL, p, block);
    float *out = calloc((size_t)frames * 2, sizeof(float));
    assert(r && out);
    for (int i = 0; i < frames; i += block) {
        int n = frames - i < block ? frames - i : block;
        eng_render(r, from + i, out + 2 * i, n);
    }
    eng_renderer_free(r);
    return out;
}

double tu_rms_db(const float *buf, int ch, int a, int b)
{
    double s = 0;
    for (int i = a; i < b; i++)
        s += (double)buf[2 * i + ch] * buf[2 * i + ch];
    return 10 * log10(s / (b - a) + 1e-300);
}

double tu_peak(const float *buf, int ch, int a, int b)
{
    double m = 0;
    for (int i = a; i < b; i++)
        m = fmax(m, fabs(buf[2 * i + ch]));
    return m;
}
