/* test_render.c -- golden tests of the renderer: clip gain and pan levels,
 * fade shapes, automation ramps, a null test against an independent sum,
 * determinism, plan swaps through the slot, seeking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dsp.h"
#include "tests/unit/test_render_util.h"

#define SR 48000

static int teardown(void **state)
{
    (void)state;
    tu_assets_clear();
    return 0;
}

static void test_clip_gain_level(void **state)
{
    (void)state;
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("sine", tu_sine(1000, 0.5, 1, SR, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a','pan':0}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'sine','start':0,"
              "'offset':0,'length':%d,'gain':-6}", SR);
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, SR, 1024);
    /* 0.5 amplitude sine: RMS = 0.5/sqrt2; -6 dB clip gain; -3.0103 pan */
    double want = 20 * log10(0.5 / sqrt(2)) - 6.0 + 20 * log10(M_SQRT1_2);
    assert_float_equal(tu_rms_db(out, 0, 0, SR), want, 0.01);
    assert_float_equal(tu_rms_db(out, 1, 0, SR), want, 0.01);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_pan_render(void **state)
{
    static const double pans[] = {-1, 0, 1, 0.5};
    (void)state;
    tu_asset("dc", tu_dc(1.0f, 4800, SR));
    for (size_t k = 0; k < 4; k++) {
        proto_doc *d = proto_doc_new("t", SR);
        tu_put(d, "{'id':'t1','kind':'track','order':'a','pan':%g}", pans[k]);
        tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'dc',"
                  "'start':0,'offset':0,'length':4800}");
        eng_plan *p = tu_plan(d);
        float *out = tu_render(p, 0, 4800, 512);
        float l, r;
        eng_pan_gains(pans[k], &l, &r);
        assert_float_equal(out[2 * 100], cos((pans[k] + 1) * M_PI / 4), 1e-6);
        assert_float_equal(out[2 * 100 + 1], pans[k] == -1 ? 0 : sin((pans[k] + 1) * M_PI / 4), 1e-6);
        assert_float_equal(out[2 * 4000], l, 1e-7);
        assert_float_equal(out[2 * 4000 + 1], r, 1e-7);
        free(out);
        eng_plan_release(p);
        proto_doc_free(d);
    }
}

static void test_fades_render(void **state)
{
    (void)state;
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("dc", tu_dc(1.0f, 10000, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a','pan':-1}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'dc','start':100,"
              "'offset':0,'length':1000,'fade_in':300,'fade_out':200}");
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, 2000, 128);
    for (int f = 0; f < 2000; f++) {
        double want = 0;
        int k = f - 100;
        if (k >= 0 && k < 1000) {
            want = 1;
            if (k < 300)
                want *= sin((double)k / 300 * M_PI / 2);
            if (999 - k < 200)
                want *= sin((double)(999 - k) / 200 * M_PI / 2);
        }
        assert_float_equal(out[2 * f], want, 1e-6);
    }
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_automation(void **state)
{
    (void)state;
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("dc", tu_dc(1.0f, SR, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a','pan':-1}");
    tu_put(d, "{'id':'t2','kind':'track','order':'b','pan':0}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'dc','start':0,"
              "'offset':0,'length':%d}", SR);
    tu_put(d, "{'id':'c2','kind':'clip','track':'t2','asset':'dc','start':0,"
              "'offset':0,'length':%d}", SR);
    /* t1 gain: 0 dB at 1000 -> -20 dB at 5800; t2 muted by gain, pan sweep */
    tu_put(d, "{'id':'a1','kind':'automation','track':'t1','param':'gain',"
              "'points':[[1000,0],[5800,-20]]}");
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, 8000, 256);
    /* t2 adds cos(pi/4) to the left at every frame */
    double off = M_SQRT1_2;
    assert_float_equal(out[2 * 500] - off, 1.0, 1e-5);            /* hold */
    assert_float_equal(20 * log10(out[2 * 3400] - off), -10, 0.05); /* mid */
    assert_float_equal(20 * log10(out[2 * 7000] - off), -20, 0.01); /* hold */
    /* smooth: no step larger than the ramp slope allows */
    for (int i = 1; i < 8000; i++)
        assert_true(fabs(out[2 * i] - out[2 * i - 2]) < 1e-3);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);

    /* pan automation, -1 -> +1 */
    d = proto_doc_new("t", SR);
    tu_put(d, "{'id':'t1','kind':'track','order':'a'}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'dc','start':0,"
              "'offset':0,'length':%d}", SR);
    tu_put(d, "{'id':'a1','kind':'automation','track':'t1','param':'pan',"
              "'points':[[0,-1],[4800,1]]}");
    p = tu_plan(d);
    out = tu_render(p, 0, 6000, 1000);
    assert_float_equal(out[2 * 2400 - 1 + 1], M_SQRT1_2, 2e-3);
    assert_float_equal(out[2 * 5000], 0.0, 1e-6);
    assert_float_equal(out[2 * 5000 + 1], 1.0, 1e-6);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
}

/* Null test: the engine against a sum computed here from the documented
 * laws, residual below -120 dBFS. */
static void test_null(void **state)
{
    (void)state;
    struct { const char *id, *track, *asset; int start, offset, length, fi, fo;
             double gain; } clips[] = {
        {"c1", "t1", "n1", 0, 0, 30000, 1000, 2000, -3},
        {"c2", "t1", "n2", 25000, 500, 20000, 0, 0, 2.5},
        {"c3", "t2", "n3", 7000, 100, 40000, 5000, 5000, -12},
        {"c4", "t3", "n1", 1, 20000, 10000, 3, 7, 0},
        {"c5", "t3", "n2", 47000, 0, 1000, 400, 600, -1},
    };
    struct { const char *id; double gain, pan; } tracks[] = {
        {"t1", -1.5, -0.3}, {"t2", 3, 0.8}, {"t3", -6, 0},
    };
    int frames = 50000;
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("n1", tu_noise(1, 0.5, 1, 40000, SR));
    tu_asset("n2", tu_noise(2, 0.3, 2, 40000, SR));
    tu_asset("n3", tu_noise(3, 0.7, 2, 50000, SR));
    tu_put(d, "{'id':'project','kind':'project','name':'t','sample_rate':%d,"
              "'tempo':120,'meter':[4,4],'master_gain':-2}", SR);
    for (int t = 0; t < 3; t++)
        tu_put(d, "{'id':'%s','kind':'track','order':'a%d','gain':%g,'pan':%g}",
               tracks[t].id, t + 1, tracks[t].gain, tracks[t].pan);
    for (int c = 0; c < 5; c++)
        tu_put(d, "{'id':'%s','kind':'clip','track':'%s','asset':'%s',"
                  "'start':%d,'offset':%d,'length':%d,'fade_in':%d,"
                  "'fade_out':%d,'gain':%g}", clips[c].id, clips[c].track,
               clips[c].asset, clips[c].start, clips[c].offset,
               clips[c].length, clips[c].fi, clips[c].fo, clips[c].gain);
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, frames, 777);
    double *ref = calloc((size_t)frames * 2, sizeof(double));
    for (int c = 0; c < 5; c++) {
        eng_asset *a = tu_lookup(NULL, clips[c].asset);
        int t = clips[c].track[1] - '1';
        double g = pow(10, clips[c].gain / 20) * pow(10, tracks[t].gain / 20) *
                   pow(10, -2.0 / 20);
        double pl = cos((tracks[t].pan + 1) * M_PI / 4);
        double pr = sin((tracks[t].pan + 1) * M_PI / 4);
        for (int k = 0; k < clips[c].length; k++) {
            int f = clips[c].start + k;
            if (f >= frames)
                break;
            double gk = g;
            if (k < clips[c].fi)
                gk *= sin((double)k / clips[c].fi * M_PI / 2);
            if (clips[c].length - 1 - k < clips[c].fo)
                gk *= sin((double)(clips[c].length - 1 - k) / clips[c].fo * M_PI / 2);
            const float *s = a->samples + (size_t)(clips[c].offset + k) * (size_t)a->channels;
            ref[2 * f] += gk * pl * s[0];
            ref[2 * f + 1] += gk * pr * s[a->channels - 1];
        }
    }
    double worst = 0, energy = 0;
    for (int i = 0; i < 2 * frames; i++) {
        worst = fmax(worst, fabs(out[i] - ref[i]));
        energy += ref[i] * ref[i];
    }
    assert_true(energy > 100);
    assert_true(20 * log10(worst + 1e-30) < -120);
    free(ref);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
}

static proto_doc *fx_doc(double gain)
{
    proto_doc *d = proto_doc_new("t", SR);
    tu_put(d, "{'id':'t1','kind':'track','order':'a','gain':%g}", gain);
    tu_put(d, "{'id':'bus','kind':'track','order':'b','role':'bus'}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'n','start':0,"
              "'offset':0,'length':20000}");
    tu_put(d, "{'id':'e1','kind':'effect','track':'t1','type':'eq','order':'a',"
              "'params':{'bands':[{'type':'peak','freq':800,'gain':6,'q':1}]}}");
    tu_put(d, "{'id':'e2','kind':'effect','track':'t1','type':'compressor',"
              "'order':'b','params':{}}");
    tu_put(d, "{'id':'e3','kind':'effect','track':'bus','type':'reverb',"
              "'order':'a','params':{'mix':0.5}}");
    tu_put(d, "{'id':'e4','kind':'effect','track':'bus','type':'delay',"
              "'order':'b','params':{'sync':'1/8'}}");
    tu_put(d, "{'id':'e5','kind':'effect','track':'bus','type':'limiter',"
              "'order':'c','params':{'ceiling':-3}}");
    tu_put(d, "{'id':'s1','kind':'send','track':'t1','target':'bus','level':-3,"
              "'pre':false}");
    return d;
}

static void test_determinism(void **state)
{
    (void)state;
    tu_asset("n", tu_noise(9, 0.9, 2, 20000, SR));
    proto_doc *d = fx_doc(0);
    eng_plan *p = tu_plan(d);
    float *a = tu_render(p, 0, 60000, 512);
    float *b = tu_render(p, 0, 60000, 512);
    assert_memory_equal(a, b, sizeof(float) * 120000);
    /* and a second plan built from the same document */
    eng_plan *p2 = tu_plan(d);
    float *c = tu_render(p2, 0, 60000, 512);
    assert_memory_equal(a, c, sizeof(float) * 120000);
    /* the tail of the reverb/delay is there after the clip ended */
    assert_true(tu_peak(a, 0, 30000, 40000) > 1e-3);
    free(a);
    free(b);
    free(c);
    eng_plan_release(p);
    eng_plan_release(p2);
    proto_doc_free(d);
}

static void test_plan_swap(void **state)
{
    (void)state;
    tu_asset("n", tu_noise(9, 0.9, 2, 20000, SR));
    tu_asset("dc", tu_dc(0.5f, SR, SR));
    proto_doc *d = proto_doc_new("t", SR);
    tu_put(d, "{'id':'t1','kind':'track','order':'a','gain':0,'pan':-1}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'dc','start':0,"
              "'offset':0,'length':%d}", SR);
    eng_plan *p1 = tu_plan(d);
    eng_plan_slot *slot = eng_plan_slot_new(p1);
    eng_renderer *r = eng_renderer_new(slot, NULL, 256);
    float out[512];
    eng_render(r, 0, out, 256);
    assert_float_equal(out[2 * 255], 0.5, 1e-6);
    /* a fader move: the next block ramps to -6 dB, the one after holds */
    tu_put(d, "{'id':'t1','kind':'track','order':'a','gain':-6,'pan':-1}");
    eng_plan *p2 = tu_plan(d);
    eng_plan_slot_publish(slot, p2);
    eng_render(r, 256, out, 256);
    assert_ptr_equal(eng_renderer_plan(r), p2);
    assert_true(out[0] < 0.5 && out[0] > 0.49);        /* ramp starts */
    assert_float_equal(out[2 * 255], 0.5 * pow(10, -0.3), 1e-6);
    for (int i = 1; i < 256; i++)
        assert_true(out[2 * i] <= out[2 * i - 2] + 1e-7);
    eng_render(r, 512, out, 256);
    assert_float_equal(out[0], 0.5 * pow(10, -0.3), 1e-6);
    eng_meter m = eng_renderer_track_meter(r, 0);
    assert_float_equal(m.peak[0], 0.5 * pow(10, -0.3), 1e-6);
    assert_float_equal(eng_renderer_master_meter(r).rms[0], 0.5 * pow(10, -0.3), 1e-5);
    /* a new effect needs state: pending until maintain, then adopted */
    tu_put(d, "{'id':'e9','kind':'effect','track':'t1','type':'reverb',"
              "'order':'a','params':{}}");
    eng_plan *p3 = tu_plan(d);
    eng_plan_slot_publish(slot, p3);
    eng_render(r, 768, out, 256);
    assert_true(eng_renderer_pending(r));
    assert_ptr_equal(eng_renderer_plan(r), p2);
    assert_int_equal(eng_renderer_maintain(r), 0);
    assert_false(eng_renderer_pending(r));
    assert_ptr_equal(eng_renderer_plan(r), p3);
    eng_render(r, 1024, out, 256);
    eng_renderer_free(r);
    eng_plan_slot_free(slot);
    eng_plan_release(p1);
    eng_plan_release(p2);
    eng_plan_release(p3);
    proto_doc_free(d);
}

static void test_seek_resets_tails(void **state)
{
    (void)state;
    tu_asset("n", tu_noise(9, 0.9, 2, 20000, SR));
    proto_doc *d = fx_doc(0);
    eng_plan *p = tu_plan(d);
    eng_renderer *r = eng_renderer_new(NULL, p, 1024);
    float *buf = malloc(sizeof(float) * 2 * 1024);
    for (int pos = 0; pos < 24000; pos += 1024)
        eng_render(r, pos, buf, 1024);
    /* jump far past the end: tails are cleared, output is silent */
    eng_render(r, 200000, buf, 1024);
    assert_float_equal(tu_peak(buf, 0, 0, 1024), 0.0, 0.0);
    /* seeking back renders what a fresh renderer renders */
    eng_render(r, 0, buf, 1024);
    float *fresh = tu_render(p, 0, 1024, 1024);
    assert_memory_equal(buf, fresh, sizeof(float) * 2048);
    free(fresh);
    free(buf);
    eng_renderer_free(r);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_effect_state_survives_swap(void **state)
{
    (void)state;
    tu_asset("n", tu_noise(9, 0.9, 2, 20000, SR));
    proto_doc *d = fx_doc(0);
    eng_plan *p1 = tu_plan(d);
    eng_plan *p1b = tu_plan(d); /* same content, another plan object */
    eng_plan_slot *slot = eng_plan_slot_new(p1);
    eng_renderer *r = eng_renderer_new(slot, NULL, 1000);
    float *a = tu_render(p1, 0, 30000, 1000);
    float *b = malloc(sizeof(float) * 60000);
    for (int pos = 0; pos < 30000; pos += 1000) {
        if (pos == 21000)
            eng_plan_slot_publish(slot, pos % 2000 ? p1b : p1);
        eng_render(r, pos, b + 2 * pos, 1000);
    }
    /* swapping to an equal plan is inaudible: identical bits */
    assert_memory_equal(a, b, sizeof(float) * 60000);
    free(a);
    free(b);
    eng_renderer_free(r);
    eng_plan_slot_free(slot);
    eng_plan_release(p1);
    eng_plan_release(p1b);
    proto_doc_free(d);
}

static void test_limiter_in_render(void **state)
{
    (void)state;
    tu_asset("n", tu_noise(5, 1.0, 2, 48000, SR));
    proto_doc *d = proto_doc_new("t", SR);
    tu_put(d, "{'id':'t1','kind':'track','order':'a','gain':12}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'n','start':0,"
              "'offset':0,'length':48000,'gain':12}");
    tu_put(d, "{'id':'e1','kind':'effect','track':'t1','type':'limiter',"
              "'order':'a','params':{'ceiling':-0.5,'lookahead':2}}");
    tu_put(d, "{'id':'t1x','kind':'track','order':'b','gain':0}");
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, 48000, 500);
    /* the track sits at the ceiling before gain/pan; 12 dB of fader after */
    double ceil_ = pow(10, -0.5 / 20) * pow(10, 12 / 20.0) * M_SQRT1_2;
    assert_true(tu_peak(out, 0, 0, 48000) <= ceil_ * (1 + 1e-6));
    assert_true(tu_peak(out, 0, 0, 48000) > ceil_ * 0.9);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clip_gain_level, teardown),
        cmocka_unit_test_teardown(test_pan_render, teardown),
        cmocka_unit_test_teardown(test_fades_render, teardown),
        cmocka_unit_test_teardown(test_automation, teardown),
        cmocka_unit_test_teardown(test_null, teardown),
        cmocka_unit_test_teardown(test_determinism, teardown),
        cmocka_unit_test_teardown(test_plan_swap, teardown),
        cmocka_unit_test_teardown(test_seek_resets_tails, teardown),
        cmocka_unit_test_teardown(test_effect_state_survives_swap, teardown),
        cmocka_unit_test_teardown(test_limiter_in_render, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
