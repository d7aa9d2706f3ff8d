/* test_render_routing.c -- buses, sends (pre and post), mute and the
 * solo-in-place matrix, including solo through a bus. Each source plays a
 * different constant so the left channel tells which paths are audible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_render_util.h"

#define SR 48000

static int teardown(void **state)
{
    (void)state;
    tu_assets_clear();
    return 0;
}

/* Graph: A(1) -> bus X -> master; B(2) -> master; C(4) -> master with a post
 * send to X; D(8) -> bus Y -> bus X. Every track panned hard left so the
 * left channel is the plain sum; buses pan -1 too. */
static proto_doc *graph(const char *extra_a, const char *extra_b,
                        const char *extra_c, const char *extra_x,
                        const char *extra_y)
{
    proto_doc *d = proto_doc_new("t", SR);
    tu_put(d, "{'id':'A','kind':'track','order':'a','pan':-1,'output':'X'%s}", extra_a);
    tu_put(d, "{'id':'B','kind':'track','order':'b','pan':-1%s}", extra_b);
    tu_put(d, "{'id':'C','kind':'track','order':'c','pan':-1%s}", extra_c);
    tu_put(d, "{'id':'D','kind':'track','order':'d','pan':-1,'output':'Y'}");
    tu_put(d, "{'id':'X','kind':'track','order':'x','pan':-1,'role':'bus'%s}", extra_x);
    tu_put(d, "{'id':'Y','kind':'track','order':'y','pan':-1,'role':'bus',"
              "'output':'X'%s}", extra_y);
    const char *ids[] = {"A", "B", "C", "D"};
    const char *as[] = {"one", "two", "four", "eight"};
    for (int i = 0; i < 4; i++)
        tu_put(d, "{'id':'c%s','kind':'clip','track':'%s','asset':'%s',"
                  "'start':0,'offset':0,'length':1000}", ids[i], ids[i], as[i]);
    tu_put(d, "{'id':'s1','kind':'send','track':'C','target':'X','level':0,"
              "'pre':false}");
    return d;
}

static double left_sum(proto_doc *d)
{
    eng_plan *p = tu_plan(d);
    float *out = tu_render(p, 0, 1000, 256);
    double v = out[2 * 500];
    assert_float_equal(out[2 * 500 + 1], 0.0, 1e-7);
    free(out);
    eng_plan_release(p);
    proto_doc_free(d);
    return v;
}

static void assets(void)
{
    tu_asset("one", tu_dc(1, 1000, SR));
    tu_asset("two", tu_dc(2, 1000, SR));
    tu_asset("four", tu_dc(4, 1000, SR));
    tu_asset("eight", tu_dc(8, 1000, SR));
}

static void test_mute_solo_matrix(void **state)
{
    static const struct {
        const char *a, *b, *c, *x, *y;
        double want;
    } cases[] = {
        {"", "", "", "", "", 1 + 2 + 4 + 4 + 8},       /* C: direct + send */
        {",'mute':true", "", "", "", "", 2 + 4 + 4 + 8},
        {"", "", "", ",'mute':true", "", 2 + 4},       /* bus mute */
        {"", "", "", "", ",'mute':true", 1 + 2 + 4 + 4},
        {"", ",'solo':true", "", "", "", 2},
        {",'solo':true", "", "", "", "", 1},            /* solo through a bus */
        {"", "", ",'solo':true", "", "", 4 + 4},        /* its send too */
        {"", "", "", ",'solo':true", "", 1 + 4 + 8},    /* feeders of a soloed bus */
        {"", "", "", "", ",'solo':true", 8},            /* D via Y via X */
        {",'solo':true", ",'solo':true", "", "", "", 1 + 2},
        {",'solo':true,'mute':true", "", "", "", "", 0},
        {"", "", "", ",'solo':true", ",'mute':true", 1 + 4},
    };
    (void)state;
    assets();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = left_sum(graph(cases[i].a, cases[i].b, cases[i].c,
                                    cases[i].x, cases[i].y));
        if (fabs(got - cases[i].want) > 1e-5)
            fail_msg("case %zu: got %g want %g", i, got, cases[i].want);
    }
}

static void test_stem_override(void **state)
{
    (void)state;
    assets();
    proto_doc *d = graph(",'solo':true", "", "", "", "");
    eng_plan *p = tu_plan(d);
    eng_renderer *r = eng_renderer_new(NULL, p, 256);
    float out[512];
    eng_renderer_set_solo(r, "B");
    eng_render(r, 0, out, 256);
    assert_float_equal(out[200], 2, 1e-6);
    eng_renderer_set_solo(r, "X");
    eng_render(r, 256, out, 256);
    assert_float_equal(out[200], 1 + 4 + 8, 1e-5);
    eng_renderer_set_solo(r, NULL);
    eng_render(r, 512, out, 256);
    assert_float_equal(out[200], 1, 1e-6);
    eng_renderer_free(r);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_sends_pre_post(void **state)
{
    (void)state;
    tu_asset("one", tu_dc(1, 1000, SR));
    /* A: gain -inf; pre send to X (-6 dB), post send to Y (0 dB).
     * X panned left, Y panned right: left = pre path, right = post path. */
    for (int k = 0; k < 2; k++) {
        proto_doc *d = proto_doc_new("t", SR);
        if (k == 0)
            tu_put(d, "{'id':'A','kind':'track','order':'a','gain':null,'pan':0}");
        else
            tu_put(d, "{'id':'A','kind':'track','order':'a','gain':-6,'pan':0,"
                      "'output':'Z'}");
        tu_put(d, "{'id':'X','kind':'track','order':'x','pan':-1,'role':'bus'}");
        tu_put(d, "{'id':'Y','kind':'track','order':'y','pan':1,'role':'bus'}");
        tu_put(d, "{'id':'Z','kind':'track','order':'z','pan':0,'role':'bus',"
                  "'gain':null}");
        tu_put(d, "{'id':'cA','kind':'clip','track':'A','asset':'one',"
                  "'start':0,'offset':0,'length':1000}");
        tu_put(d, "{'id':'s1','kind':'send','track':'A','target':'X',"
                  "'level':-6,'pre':true}");
        tu_put(d, "{'id':'s2','kind':'send','track':'A','target':'Y',"
                  "'level':0,'pre':false}");
        eng_plan *p = tu_plan(d);
        float *out = tu_render(p, 0, 1000, 300);
        double pre = pow(10, -6 / 20.0);
        assert_float_equal(out[2 * 500], pre, 1e-6);
        if (k == 0)
            assert_float_equal(out[2 * 500 + 1], 0.0, 0.0);
        else /* post: A gain -6, pan centre (right gain sqrt1/2) */
            assert_float_equal(out[2 * 500 + 1], pow(10, -6 / 20.0) * M_SQRT1_2, 1e-6);
        free(out);
        eng_plan_release(p);
        proto_doc_free(d);
    }
}

static void test_plan_order_and_cycles(void **state)
{
    (void)state;
    proto_doc *d = proto_doc_new("t", SR);
    /* bus chain declared in reverse display order: Q feeds P */
    tu_put(d, "{'id':'P','kind':'track','order':'a','role':'bus'}");
    tu_put(d, "{'id':'Q','kind':'track','order':'b','role':'bus','output':'P'}");
    tu_put(d, "{'id':'T','kind':'track','order':'c','output':'Q'}");
    /* a cycle (rejected by the protocol, tolerated here) */
    tu_put(d, "{'id':'U','kind':'track','order':'d','role':'bus','output':'V'}");
    tu_put(d, "{'id':'V','kind':'track','order':'e','role':'bus','output':'U'}");
    eng_plan *p = tu_plan(d);
    assert_int_equal(p->ntracks, 5);
    assert_int_equal(p->nproc, 3);
    assert_string_equal(p->tracks[p->proc[0]].id, "T");
    assert_string_equal(p->tracks[p->proc[1]].id, "Q");
    assert_string_equal(p->tracks[p->proc[2]].id, "P");
    assert_int_equal(eng_plan_track_index(p, "Q"), 1);
    eng_plan_release(p);
    proto_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_mute_solo_matrix, teardown),
        cmocka_unit_test_teardown(test_stem_override, teardown),
        cmocka_unit_test_teardown(test_sends_pre_post, teardown),
        cmocka_unit_test_teardown(test_plan_order_and_cycles, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
