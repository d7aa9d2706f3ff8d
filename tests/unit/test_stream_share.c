/* test_stream_share.c -- shared preview sources (server/preview/
 * stream_share.c): packets a shared source hands to two listeners are
 * byte-identical to those of a listener's own source, joining works only
 * within the ring and at the same position, a private source is never
 * joined, loops wrap; and the complexity controller: down under load or
 * low slack, never under its floor, up again (slowly) when there is room,
 * never over its ceiling, several steps at once far over the load, to the
 * floor at once when the cost per packet predicts overload or a packet
 * nears late, render ahead growing only at the floor and coming back
 * first; and rendering several packets per block (up to 20, changed as
 * the controller does, across an edit) gives the same packets. */
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
 * bus with reverb and delay) at rate; t1's EQ peak by eq_gain dB (an edit
 * changes it). */
static eng_plan *song_fx_eq(int rate, int eq_gain)
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
              "'gain':%d,'q':1.2}]}}", eq_gain);
    tu_put(d, "{'id':'cp','kind':'effect','track':'t2','type':'compressor',"
              "'order':'a','params':{'threshold':-20,'ratio':3}}");
    return two_clips(d, rate);
}

static eng_plan *song_fx(int rate)
{
    return song_fx_eq(rate, 4);
}

/* Packet idx of source b at pos (complexity cx) and the next packet of
 * the one-at-a-time stream old: the same bytes and samples. */
static const struct pv_slot *same_packet(struct pv_source *b,
                                         eng_opus_stream *old, uint64_t idx,
                                         int64_t pos, int cx)
{
    unsigned char pkt[ENG_OPUS_MAX_PACKET];
    bool failed;
    int n = eng_opus_stream_next(old, pos, pkt, sizeof pkt);
    const struct pv_slot *sl = pv_source_get(b, idx, pos, cx, &failed);

    assert_non_null(sl);
    assert_int_equal(sl->pos, pos);
    assert_int_equal(sl->len, n);
    assert_memory_equal(sl->pkt, pkt, (size_t)n);
    assert_memory_equal(eng_opus_stream_pcm(b->enc), eng_opus_stream_pcm(old),
                        sizeof(float) * 2 * ENG_OPUS_FRAME);
    return sl;
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
    int levels = 0, most_pending = 0;
    int64_t pos = 0;

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
        const struct pv_slot *sl = same_packet(b, old, idx, pos, cx);
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

/* Render ahead as the controller grows and shrinks it (5, 20, 10, 5 and
 * first `first`), on the live plan of a slot: packets and samples are
 * the same as one render per packet through a complexity change, an edit
 * followed by a seek to where the edit is heard (what the shipped player
 * does on every delta), and the end of a loop; the source did render
 * `first` and 20 packets ahead (first - 1 and 19 waiting). */
static void render_ahead_grown(int rate, int first)
{
    eng_plan *p = song_fx(rate), *ed = song_fx_eq(rate, -6);
    eng_plan_slot *slot = eng_plan_slot_new(p);
    eng_renderer *r = eng_renderer_new(slot, NULL, rate == 48000 ? 960 : 882);
    eng_opus_stream *old = eng_opus_stream_new(r, rate, 128000, 8);
    struct pv_key lk = {.origin = &key0, .rev = -1, .looping = true,
                        .loop_a = rate / 2, .loop_b = 3 * rate};
    struct pv_source *b = pv_source_new(slot, NULL, rate, 128000, 8, &lk, 0);
    int pend_first = 0, pend_20 = 0;
    int64_t pos = 0;
    uint64_t idx = 0;

    assert_non_null(old);
    assert_non_null(b);
    pv_source_set_ahead(b, first, 1);
    for (int k = 0; k < 260; k++) {
        int cx = k < 30 ? 8 : 0;
        if (k == 30)
            eng_opus_stream_set_complexity(old, 0);
        if (k == 37)
            pv_source_set_ahead(b, 20, 3);
        if (k == 90)
            pv_source_set_ahead(b, 10, 3);
        if (k == 170)
            pv_source_set_ahead(b, 5, 3);
        if (k == 120) { /* an edit, then the player's seek */
            eng_plan_slot_publish(slot, ed);
            pos = 13 * rate / 10;
            pv_source_reset(b, &lk, pos);
            idx = 0;
        }
        same_packet(b, old, idx++, pos, cx);
        int pend = eng_opus_stream_pending(b->enc);
        if (k < 37 && pend > pend_first)
            pend_first = pend;
        if (k >= 37 && k < 90 && pend > pend_20)
            pend_20 = pend;
        pos = b->next_pos;
    }
    assert_int_equal(pend_first, first - 1);
    assert_int_equal(pend_20, 19);
    pv_source_free(b);
    eng_opus_stream_free(old);
    eng_renderer_free(r);
    eng_plan_slot_free(slot);
    eng_plan_release(p);
    eng_plan_release(ed);
}

static void test_render_ahead_grown(void **state)
{
    (void)state;
    render_ahead_grown(48000, 10);
    tu_assets_clear();
    render_ahead_grown(48000, 20);
    tu_assets_clear();
    render_ahead_grown(44100, 20);
    tu_assets_clear();
    render_ahead_grown(44100, 7);
}

/* Render ahead under load: only at the complexity floor does it grow
 * (doubling, never over its most); with room it comes back (halving, at
 * most once a second) before complexity goes up again; a range is
 * clamped to 1..ENG_OPUS_AHEAD_LIMIT. */
static void test_adapt_ahead(void **state)
{
    (void)state;
    struct pv_adapt a;
    int64_t t = 0;

    pv_adapt_init(&a, 0, 8, 120, t); /* load 1.2 */
    pv_adapt_set_ahead(&a, 5, 20);
    assert_int_equal(a.ahead, 5);
    int seen_ahead = 5, grew = 0;
    for (int i = 0; i < 200; i++) {
        t += 20 * MS;
        int c = pv_adapt_note(&a, t, MS, 100 * MS);
        if (a.ahead != seen_ahead) {
            assert_int_equal(c, 0); /* only at the floor */
            assert_int_equal(a.ahead, seen_ahead * 2 > 20 ? 20 : seen_ahead * 2);
            seen_ahead = a.ahead;
            grew++;
        }
    }
    assert_int_equal(a.cur, 0);
    assert_int_equal(a.ahead, 20);
    assert_int_equal(grew, 2); /* 5 -> 10 -> 20 */

    /* room: ahead halves back to 5 first, then complexity goes up */
    a.sim_load_pct = 0;
    int last_ahead = a.ahead, last_c = a.cur;
    int64_t last_move = a.last_change;
    for (int i = 0; i < 50 * 10; i++) { /* 10 s */
        t += 20 * MS;
        int c = pv_adapt_note(&a, t, MS, 100 * MS);
        if (a.ahead != last_ahead || c != last_c) {
            assert_true(t - last_move >= PV_STEP_UP_NS);
            last_move = t;
        }
        if (a.ahead != last_ahead) {
            assert_int_equal(c, 0);
            assert_int_equal(a.ahead, last_ahead / 2 > 5 ? last_ahead / 2 : 5);
        }
        if (c > last_c)
            assert_int_equal(a.ahead, 5);
        last_ahead = a.ahead;
        last_c = c;
    }
    assert_int_equal(a.ahead, 5);
    assert_true(a.cur >= 5);

    pv_adapt_set_ahead(&a, 0, 99);
    assert_int_equal(a.ahead_lo, 1);
    assert_int_equal(a.ahead_hi, ENG_OPUS_AHEAD_LIMIT);
    pv_adapt_set_ahead(&a, 8, 3);
    assert_int_equal(a.ahead, 8);
    assert_int_equal(a.ahead_hi, 8);
    /* never over the most: a range of one stays */
    pv_adapt_init(&a, 0, 8, 300, t);
    pv_adapt_set_ahead(&a, 5, 5);
    for (int i = 0; i < 100; i++)
        pv_adapt_note(&a, t += 20 * MS, MS, 100 * MS);
    assert_int_equal(a.ahead, 5);
}

/* Many listeners starting at once: the cost per packet of the first
 * packets predicts the load; over 1 the floor comes at once (not after
 * several windows), under it nothing changes, and too few packets are
 * not trusted. A packet within half the lead of late goes to the floor
 * at once too. Render ahead grows by windows only, and comes back under
 * load 0.6 (not only under 0.45). */
static void test_adapt_predict(void **state)
{
    (void)state;
    struct pv_adapt a;
    int64_t t = 0;

    pv_adapt_init(&a, 2, 8, 0, t);
    /* 15 packets at 0.4 ms: not enough to judge */
    assert_int_equal(pv_adapt_predict(&a, t + 6 * MS, 6 * MS, 15, 100), 8);
    /* 16 at 0.1 ms, 100 streams: load 0.5, nothing changes */
    assert_int_equal(pv_adapt_predict(&a, t + 2 * MS, 16 * MS / 10, 16, 100), 8);
    /* 16 at 0.1 ms, 250 streams: load 1.25: the floor at once */
    assert_int_equal(pv_adapt_predict(&a, t + 2 * MS, 16 * MS / 10, 16, 250), 2);
    /* and the windows step it up again only with room, once a second */
    int64_t up_at = -1;
    for (int i = 0; i < 100 && up_at < 0; i++) {
        t += 20 * MS;
        if (pv_adapt_note(&a, t, MS, 100 * MS) > 2)
            up_at = t;
    }
    assert_true(up_at >= PV_STEP_UP_NS);

    /* 40 packets at 0.3 ms, 100 streams: load 1.5 from 8: the floor;
     * render ahead is left to the windows (growing it is work done early) */
    pv_adapt_init(&a, 0, 8, 0, t);
    pv_adapt_set_ahead(&a, 5, 20);
    assert_int_equal(pv_adapt_predict(&a, t + 12 * MS, 12 * MS, 40, 100), 0);
    assert_int_equal(a.ahead, 5);
    /* a window at load 0.9 at the floor: it grows */
    for (int i = 0; i < 10; i++)
        pv_adapt_note(&a, t += 20 * MS, 18 * MS, 100 * MS);
    assert_int_equal(a.ahead, 10);
    for (int i = 0; i < 10; i++)
        pv_adapt_note(&a, t += 20 * MS, 18 * MS, 100 * MS);
    assert_int_equal(a.ahead, 20);
    /* at load 0.7 it stays where it is: no see-saw */
    for (int i = 0; i < 50 * 5; i++)
        pv_adapt_note(&a, t += 20 * MS, 14 * MS, 100 * MS);
    assert_int_equal(a.ahead, 20);
    /* then at load 0.5 (under PV_LOAD_AHEAD_DOWN, over PV_LOAD_LOW):
     * ahead comes back to 5, complexity stays at the floor */
    for (int i = 0; i < 50 * 5; i++) {
        t += 20 * MS;
        assert_int_equal(pv_adapt_note(&a, t, 10 * MS, 100 * MS), 0);
    }
    assert_int_equal(a.ahead, 5);
    assert_int_equal(a.cur, 0);
    /* no streams: nothing to predict */
    pv_adapt_init(&a, 0, 8, 0, t);
    assert_int_equal(pv_adapt_predict(&a, t, 12 * MS, 40, 0), 8);

    /* slack under half the lead: the floor at once; at half: one step */
    pv_adapt_init(&a, 1, 9, 0, t);
    assert_int_equal(pv_adapt_note(&a, t + 21 * MS, MS, PV_SLACK_JUMP_NS), 8);
    pv_adapt_init(&a, 1, 9, 0, t);
    assert_int_equal(pv_adapt_note(&a, t + MS, MS, PV_SLACK_JUMP_NS - 1), 1);
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
        cmocka_unit_test_teardown(test_render_ahead_grown, teardown),
        cmocka_unit_test(test_adapt_ahead),
        cmocka_unit_test(test_adapt_predict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
