/* test_stream_share.c -- shared preview sources (server/preview/
 * stream_share.c): packets a shared source hands to two listeners are
 * byte-identical to those of a listener's own source, joining works only
 * within the ring and at the same position, a private source is never
 * joined, loops wrap; and the complexity controller: down under load or
 * low slack, never under its floor, up again (slowly) when there is room,
 * never over its ceiling, several steps at once far over the load; and
 * rendering several packets per block gives the same packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "server/preview/stream_share.h"
#include "tests/unit/test_render_util.h"

#define SR 48000
#define MS 1000000LL

static int teardown(void **state)
{
    (void)state;
    tu_assets_clear();
    return 0;
}

/* Clips of assets n and s (4 s each) on tracks t1 and t2 of d; the plan
 * (d is freed). */
static eng_plan *two_clips(proto_doc *d, int rate)
{
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'n','start':0,"
              "'offset':0,'length':%d}", 4 * rate);
    tu_put(d, "{'id':'c2','kind':'clip','track':'t2','asset':'s','start':0,"
              "'offset':0,'length':%d}", 4 * rate);
    eng_plan *p = tu_plan(d);
    proto_doc_free(d);
    return p;
}

static eng_plan *song(void)
{
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("n", tu_noise(3, 0.3, 2, 4 * SR, SR));
    tu_asset("s", tu_sine(440, 0.4, 1, 4 * SR, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a'}");
    tu_put(d, "{'id':'t2','kind':'track','order':'b'}");
    return two_clips(d, SR);
}

static const struct pv_key key0 = {.origin = &key0, .rev = 7};

static void test_shared_equals_own(void **state)
{
    (void)state;
    eng_plan *p = song();
    struct pv_source *shared = pv_source_new(NULL, p, SR, 128000, 8, &key0, 0);
    struct pv_source *own = pv_source_new(NULL, p, SR, 128000, 8, &key0, 0);
    assert_non_null(shared);
    assert_non_null(own);
    /* listener A makes the packets, B (joined at 0) copies them 3 behind */
    uint64_t ia = 0, ib = 0;
    int64_t pa = 0, pb = 0;
    bool failed;
    assert_int_equal(pv_source_find(shared, 0), 0);
    for (int k = 0; k < 60; k++) {
        const struct pv_slot *a =
            pv_source_get(shared, ia++, pa, 8, &failed);
        assert_non_null(a);
        pa += 960;
        if (k < 3)
            continue;
        const struct pv_slot *b = pv_source_get(shared, ib++, pb, 8, &failed);
        const struct pv_slot *o = pv_source_get(own, ib - 1, pb, 8, &failed);
        assert_non_null(b);
        assert_non_null(o);
        assert_int_equal(b->pos, pb);
        assert_int_equal(b->len, o->len);
        assert_memory_equal(b->pkt, o->pkt, (size_t)o->len);
        assert_int_equal(b->lv_len, o->lv_len);
        if (o->lv_len)
            assert_memory_equal(b->lv, o->lv, (size_t)o->lv_len);
        pb += 960;
    }
    /* joining: at a position the ring holds, or the next to be made */
    assert_int_equal(pv_source_find(shared, pa), 60);
    assert_int_equal(pv_source_find(shared, pa - 960 * 5), 55);
    assert_int_equal(pv_source_find(shared, pa - 960 * PV_RING), 60 - PV_RING);
    assert_int_equal(pv_source_find(shared, pa - 960 * (PV_RING + 1)), -1);
    assert_int_equal(pv_source_find(shared, pa + 960), -1);
    assert_int_equal(pv_source_find(shared, pa - 480), -1);
    /* a listener more than the ring behind gets nothing: it must leave */
    assert_null(pv_source_get(shared, 60 - PV_RING - 1,
                              pa - 960 * (PV_RING + 1), 8, &failed));
    assert_false(failed);
    /* nor one that is elsewhere than the source */
    assert_null(pv_source_get(shared, 60, pa + 960, 8, &failed));
    assert_false(failed);
    shared->priv = true;
    assert_int_equal(pv_source_find(shared, pa), -1);
    pv_source_free(shared);
    pv_source_free(own);
    eng_plan_release(p);
}

static void test_keys_and_loops(void **state)
{
    (void)state;
    struct pv_key a = key0, b = key0;
    assert_true(pv_key_equal(&a, &b));
    b.rev = -1;
    assert_false(pv_key_equal(&a, &b));
    b = key0;
    b.gain_db = -1.5;
    assert_false(pv_key_equal(&a, &b));
    b = key0;
    b.loop_a = 5; /* ignored while not looping */
    assert_true(pv_key_equal(&a, &b));
    b.looping = true;
    assert_false(pv_key_equal(&a, &b));

    eng_plan *p = song();
    struct pv_key lk = {.origin = &key0, .rev = 7, .looping = true,
                        .loop_a = 960, .loop_b = 960 * 4};
    struct pv_source *s = pv_source_new(NULL, p, SR, 128000, 5, &lk, 960);
    bool failed;
    int64_t want[] = {960, 1920, 2880, 960, 1920};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(pv_source_find(s, want[k]) >= 0, 1);
        const struct pv_slot *sl = pv_source_get(s, (uint64_t)k, want[k],
                                                 k < 2 ? 5 : 2, &failed);
        assert_non_null(sl);
        assert_int_equal(sl->pos, want[k]);
    }
    assert_int_equal(s->complexity, 2);
    /* a reset forgets the ring */
    pv_source_reset(s, &key0, 48000);
    assert_int_equal(pv_source_find(s, 960), -1);
    assert_int_equal(pv_source_find(s, 48000), 0);
    pv_source_free(s);
    eng_plan_release(p);
}

static void test_adapt(void **state)
{
    (void)state;
    struct pv_adapt a;
    int64_t t = 0;

    /* simulated load: one step down per window, down to the floor */
    pv_adapt_init(&a, 3, 8, 100, t);
    assert_int_equal(a.cur, 8);
    int last = 8;
    for (int i = 0; i < 100; i++) {
        t += 20 * MS;
        int c = pv_adapt_note(&a, t, MS, 100 * MS);
        assert_true(c >= 3 && c <= 8);
        assert_true(c == last || c == last - 1);
        last = c;
    }
    assert_int_equal(last, 3);

    /* real load: 80 % busy steps down too */
    pv_adapt_init(&a, 2, 9, 0, t);
    for (int i = 0; i < 10; i++) { /* one window */
        t += 20 * MS;
        pv_adapt_note(&a, t, 16 * MS, 100 * MS);
    }
    assert_int_equal(a.cur, 8);

    /* low slack: a step down at once, not before the next packet again */
    pv_adapt_init(&a, 0, 10, 0, t);
    t += 20 * MS;
    assert_int_equal(pv_adapt_note(&a, t, MS, 50 * MS), 9);
    assert_int_equal(pv_adapt_note(&a, t + MS, MS, 50 * MS), 9);
    assert_int_equal(pv_adapt_note(&a, t + 21 * MS, MS, 50 * MS), 8);
    t += 21 * MS;

    /* room again (5 % busy, slack 100 ms): up at most once a second, to
     * the ceiling and no further */
    int ups = 0;
    last = a.cur;
    for (int i = 0; i < 50 * 20; i++) { /* 20 s */
        t += 20 * MS;
        int c = pv_adapt_note(&a, t, MS, 100 * MS);
        assert_true(c >= last && c <= 10);
        ups += c > last;
        last = c;
    }
    assert_int_equal(last, 10);
    assert_int_equal(ups, 2);

    /* room by load but a packet close to late: no step up */
    pv_adapt_init(&a, 3, 8, 0, t);
    a.cur = 5;
    for (int i = 0; i < 200; i++) {
        t += 20 * MS;
        pv_adapt_note(&a, t, MS, i % 10 == 0 ? 70 * MS : 100 * MS);
    }
    assert_int_equal(a.cur, 5);

    /* a floor over the ceiling is the ceiling */
    pv_adapt_init(&a, 9, 4, 100, t);
    assert_int_equal(a.lo, 4);
    assert_int_equal(a.hi, 4);
    for (int i = 0; i < 50; i++)
        assert_int_equal(pv_adapt_note(&a, t += 20 * MS, MS, 10 * MS), 4);
}

/* A project with effects whose state crosses blocks (EQ, compressor, a
 * bus with reverb and delay) at rate. */
static eng_plan *song_fx(int rate)
{
    proto_doc *d = proto_doc_new("t", rate);
    tu_asset("n", tu_noise(5, 0.3, 2, 4 * rate, rate));
    tu_asset("s", tu_sine(330, 0.4, 1, 4 * rate, rate));
    tu_put(d, "{'id':'b','kind':'track','order':'z','role':'bus'}");
    tu_put(d, "{'id':'rv','kind':'effect','track':'b','type':'reverb',"
              "'order':'a','params':{'size':0.6,'mix':0.3}}");
    tu_put(d, "{'id':'dl','kind':'effect','track':'b','type':'delay',"
              "'order':'b','params':{'feedback':0.4}}");
    tu_put(d, "{'id':'t1','kind':'track','order':'a','output':'b'}");
    tu_put(d, "{'id':'t2','kind':'track','order':'b','output':'b'}");
    tu_put(d, "{'id':'eq','kind':'effect','track':'t1','type':'eq',"
              "'order':'a','params':{'bands':[{'type':'peak','freq':900,"
              "'gain':4,'q':1.2}]}}");
    tu_put(d, "{'id':'cp','kind':'effect','track':'t2','type':'compressor',"
              "'order':'a','params':{'threshold':-20,'ratio':3}}");
    return two_clips(d, rate);
}

/* Rendering 5 packets per block (render ahead, any phase, the timeline
 * phase of the block cache) gives the same samples and packets as one
 * render per packet (a renderer made for one packet), through a
 * complexity change, a seek and the end of a loop, at 48 kHz and at
 * 44.1 kHz (882-frame packets, 4410-frame blocks: the compressor's steps
 * straddle blocks); every levels frame still carries the meters, and the
 * source did render ahead (4 packets waiting after a block). */
static void render_ahead_at(int rate, int phase)
{
    eng_plan *p = song_fx(rate);
    eng_renderer *r = eng_renderer_new(NULL, p, rate == 48000 ? 960 : 882);
    eng_opus_stream *old = eng_opus_stream_new(r, rate, 128000, 8);
    struct pv_key lk = {.origin = &key0, .rev = 7, .looping = true,
                        .loop_a = rate / 2, .loop_b = 3 * rate};
    struct pv_source *b = pv_source_new(NULL, p, rate, 128000, 8, &lk, 0);
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    int levels = 0, most_pending = 0;
    int64_t pos = 0;
    bool failed;

    assert_non_null(old);
    assert_non_null(b);
    pv_source_set_ahead(b, 5, phase);
    for (uint64_t k = 0; k < 200; k++) {
        int cx = k < 30 ? 8 : 4;
        if (k == 90) { /* a seek to 1.7 s */
            pos = 17 * rate / 10;
            pv_source_reset(b, &lk, pos);
        }
        uint64_t idx = k < 90 ? k : k - 90;
        if (k == 30)
            eng_opus_stream_set_complexity(old, 4);
        int n = eng_opus_stream_next(old, pos, pkt, sizeof pkt);
        const struct pv_slot *sl = pv_source_get(b, idx, pos, cx, &failed);
        assert_non_null(sl);
        assert_int_equal(sl->pos, pos);
        assert_int_equal(sl->len, n);
        assert_memory_equal(sl->pkt, pkt, (size_t)n);
        assert_memory_equal(eng_opus_stream_pcm(b->enc),
                            eng_opus_stream_pcm(old),
                            sizeof(float) * 2 * ENG_OPUS_FRAME);
        int pend = eng_opus_stream_pending(b->enc);
        most_pending = pend > most_pending ? pend : most_pending;
        if (sl->lv_len > 0) {
            float master_peak;
            memcpy(&master_peak, sl->lv + 2, 4);
            assert_true(master_peak > 0.01f);
            assert_int_equal(sl->lv[0], 3); /* the bus and two tracks */
            levels++;
        }
        pos = b->next_pos; /* the loop wraps from 3 s to 0.5 s */
    }
    assert_int_equal(levels, 80); /* 200 packets of 20 ms, one per 50 ms */
    assert_int_equal(most_pending, 4);
    pv_source_free(b);
    eng_opus_stream_free(old);
    eng_renderer_free(r);
    eng_plan_release(p);
}

static void test_render_ahead_identical(void **state)
{
    (void)state;
    render_ahead_at(48000, 0);
    tu_assets_clear();
    render_ahead_at(48000, 3);
    tu_assets_clear();
    render_ahead_at(44100, 2);
    tu_assets_clear();
    render_ahead_at(44100, 0);
    tu_assets_clear();
    render_ahead_at(44100, ENG_OPUS_PHASE_TIMELINE);
    tu_assets_clear();
    render_ahead_at(48000, ENG_OPUS_PHASE_TIMELINE);
}

/* Far over the load: more than one step down a window (so the floor is
 * reached before the lead runs out), never under the floor. */
static void test_adapt_heavy(void **state)
{
    (void)state;
    struct pv_adapt a;
    int64_t t = 0;

    pv_adapt_init(&a, 0, 8, 150, t); /* load 1.5 and more */
    int first = -1;
    for (int i = 0; i < 50; i++) {
        t += 20 * MS;
        int c = pv_adapt_note(&a, t, MS, 100 * MS);
        assert_true(c >= 0 && c <= 8);
        if (first < 0 && c < 8)
            first = c;
    }
    assert_true(first <= 6); /* the first window stepped down 2 or more */
    assert_int_equal(a.cur, 0);

    pv_adapt_init(&a, 2, 8, 300, t);
    for (int i = 0; i < 50; i++) {
        t += 20 * MS;
        assert_true(pv_adapt_note(&a, t, MS, 100 * MS) >= 2);
    }
    assert_int_equal(a.cur, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_shared_equals_own, teardown),
        cmocka_unit_test_teardown(test_keys_and_loops, teardown),
        cmocka_unit_test(test_adapt),
        cmocka_unit_test_teardown(test_render_ahead_identical, teardown),
        cmocka_unit_test(test_adapt_heavy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
