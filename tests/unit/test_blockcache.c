/* test_blockcache.c -- the block cache (engine/blockcache.h): renders with
 * the cache are bit-identical to renders without it, over an edit in the
 * middle of a render (only the edited track re-renders: hits counted),
 * after changes to a clip, an asset, an effect parameter, automation and
 * a track's routing (no stale block), across seeks and renderers at other
 * positions, under eviction (bounded by the limit), with tracks the
 * cache must not keep (delay on a source track, a bus), with four
 * threads sharing one cache, and in render ahead's 100 ms blocks. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blockcache.h"
#include "engine/render.h"
#include "tests/unit/test_render_util.h"

#define SR 48000
#define FRAMES (4 * SR)
#define BLOCK 960
#define NBLOCKS (FRAMES / BLOCK)
#define NSRC 6 /* cacheable source tracks t0..t5 */

enum change {
    CH_NONE = 0, CH_CLIP_GAIN, CH_ASSET, CH_EQ_PARAM, CH_AUTOMATION,
    CH_ROUTING, CH_COMP_BYPASS
};

/* Six source tracks (EQ + compressor) into a reverb bus, one source track
 * with a delay (never cached), and one change applied to track t2 (t3
 * for routing: t1 then goes into t3, which is no longer a source). */
static eng_plan *project(enum change ch)
{
    static bool assets_made; /* once: the cache keys clips by asset */
    proto_doc *d = proto_doc_new("t", SR);
    if (!assets_made) {
        tu_asset("n0", tu_noise(3, 0.4, 2, FRAMES, SR));
        tu_asset("n1", tu_noise(4, 0.5, 1, FRAMES, SR));
        tu_asset("s0", tu_sine(220, 0.5, 2, FRAMES, SR));
        assets_made = true;
    }
    tu_put(d, "{'id':'bus','kind':'track','order':'z','role':'bus'}");
    tu_put(d, "{'id':'rv','kind':'effect','track':'bus','type':'reverb',"
              "'order':'a','params':{'size':0.3,'mix':0.4}}");
    for (int t = 0; t < NSRC + 1; t++) {
        tu_put(d, "{'id':'t%d','kind':'track','order':'a%d','gain':-6,"
                  "'output':'%s'%s}", t, t,
               ch == CH_ROUTING && t == 1 ? "t3" : "bus",
               ch == CH_ROUTING && t == 3 ? ",'role':'bus'" : "");
        const char *asset = t % 3 == 0 ? "n0" : t % 3 == 1 ? "n1" : "s0";
        if (ch == CH_ASSET && t == 2)
            asset = "n1";
        tu_put(d, "{'id':'c%d','kind':'clip','track':'t%d','asset':'%s',"
                  "'start':%d,'offset':0,'length':%d,'gain':%d,"
                  "'fade_in':500,'fade_out':700}", t, t, asset, t * 1111,
               FRAMES - t * 1111, ch == CH_CLIP_GAIN && t == 2 ? -5 : -1);
        if (t == NSRC) { /* a delay: state too large to key, never cached */
            tu_put(d, "{'id':'dl%d','kind':'effect','track':'t%d','type':'delay',"
                      "'order':'a','params':{'sync':'1/16','feedback':0.3}}", t, t);
            continue;
        }
        tu_put(d, "{'id':'eq%d','kind':'effect','track':'t%d','type':'eq',"
                  "'order':'a','params':{'bands':[{'type':'peak','freq':%d,"
                  "'gain':%d,'q':1.2},{'type':'highpass','freq':80,'q':0.7}]}}",
               t, t, 400 + 150 * t, ch == CH_EQ_PARAM && t == 2 ? 9 : 4);
        tu_put(d, "{'id':'cp%d','kind':'effect','track':'t%d','type':'compressor',"
                  "'order':'b','params':{'threshold':-24,'ratio':%d,'attack':3,"
                  "'release':80,'knee':6,'makeup':2}%s}", t, t, 2 + t,
               ch == CH_COMP_BYPASS && t == 2 ? ",'bypass':true" : "");
    }
    if (ch == CH_AUTOMATION)
        tu_put(d, "{'id':'au','kind':'automation','track':'t2',"
                  "'param':'cp2.threshold','points':[[0,-30],[%d,-6]]}", SR);
    eng_plan *p = tu_plan(d);
    proto_doc_free(d);
    assert_non_null(p);
    return p;
}

/* Renders [from, to) in BLOCK frames from a slot holding a, switching to
 * b (when not NULL) at frame `at`; bc may be NULL. Returns a malloc'd
 * buffer of FRAMES frames (zeros outside [from, to)). */
static float *render(eng_plan *a, eng_plan *b, int64_t at, int64_t from,
                     int64_t to, eng_blockcache *bc)
{
    eng_plan_slot *slot = eng_plan_slot_new(a);
    eng_renderer *r = eng_renderer_new(slot, NULL, BLOCK);
    float *out = calloc((size_t)FRAMES * 2, sizeof(float));
    assert_non_null(r);
    assert_non_null(out);
    eng_renderer_set_block_cache(r, bc);
    for (int64_t i = from; i < to; i += BLOCK) {
        if (b && i == at)
            eng_plan_slot_publish(slot, b);
        eng_render(r, i, out + 2 * i, BLOCK);
        assert_false(eng_renderer_pending(r)); /* no new state needed */
        assert_int_equal(eng_renderer_maintain(r), 0);
    }
    eng_renderer_free(r);
    eng_plan_slot_free(slot);
    return out;
}

/* Blocks of track t that are looked up: its clip starts at t * 1111, the
 * blocks before are silent and skipped before any lookup. */
static int lookups(int t)
{
    return NBLOCKS - t * 1111 / BLOCK;
}

static int all_lookups(void)
{
    int n = 0;
    for (int t = 0; t < NSRC; t++)
        n += lookups(t);
    return n;
}

static void assert_same(const float *a, const float *b)
{
    assert_memory_equal(a, b, sizeof(float) * 2 * (size_t)FRAMES);
    assert_true(tu_peak(a, 0, 0, FRAMES) > 0.01); /* not silence */
}

static eng_blockcache_stats stats(eng_blockcache *bc)
{
    eng_blockcache_stats s;
    eng_blockcache_stats_get(bc, &s);
    return s;
}

/* Large enough for every block of the project. */
static eng_blockcache *big_cache(void)
{
    eng_blockcache *bc = eng_blockcache_new(32u << 20, BLOCK);
    assert_non_null(bc);
    assert_true(stats(bc).slots >= 2 * NSRC * NBLOCKS);
    return bc;
}

/* An edit to t2 in the middle of a render: the second render takes every
 * block from the cache except t2's after the edit, and both equal the
 * uncached render bit for bit. */
static void test_edit_in_middle(void **state)
{
    (void)state;
    eng_plan *a = project(CH_NONE), *b = project(CH_CLIP_GAIN);
    const int64_t at = NBLOCKS / 2 * BLOCK;
    float *ref = render(a, b, at, 0, FRAMES, NULL);
    float *plain = render(a, NULL, 0, 0, FRAMES, NULL);
    eng_blockcache *bc = big_cache();

    /* the cache learns the unedited render */
    float *warm = render(a, NULL, 0, 0, FRAMES, bc);
    assert_same(warm, plain);
    eng_blockcache_stats s0 = stats(bc);
    assert_int_equal(s0.hits, 0);
    assert_int_equal(s0.misses, all_lookups()); /* the delay track: none */
    assert_int_equal(s0.stores, all_lookups());

    /* the same render with the edit half way */
    float *out = render(a, b, at, 0, FRAMES, bc);
    assert_same(out, ref);
    eng_blockcache_stats s1 = stats(bc);
    int edited = NBLOCKS - (int)(at / BLOCK);
    print_message("edit in the middle: %llu hits, %llu misses\n",
                  (unsigned long long)(s1.hits - s0.hits),
                  (unsigned long long)(s1.misses - s0.misses));
    assert_int_equal(s1.misses - s0.misses, edited);
    assert_int_equal(s1.hits - s0.hits, all_lookups() - edited);
    /* and again: now everything is cached */
    float *again = render(a, b, at, 0, FRAMES, bc);
    assert_same(again, ref);
    assert_int_equal(stats(bc).hits - s1.hits, all_lookups());
    assert_int_equal(stats(bc).misses, s1.misses);
    free(ref);
    free(plain);
    free(warm);
    free(out);
    free(again);
    eng_blockcache_free(bc);
    eng_plan_release(a);
    eng_plan_release(b);
}

/* After each kind of change, a render over a cache warmed by the old
 * document equals the uncached render of the new one; the changed track
 * misses every block, the others hit. */
static void test_no_stale_block(void **state)
{
    (void)state;
    static const struct {
        enum change ch;
        const char *what;
        int changed; /* the track whose blocks must all miss */
    } cases[] = {
        {CH_CLIP_GAIN, "clip gain", 2},   {CH_ASSET, "clip asset", 2},
        {CH_EQ_PARAM, "effect parameter", 2},
        {CH_AUTOMATION, "automation", 2}, {CH_COMP_BYPASS, "bypass", 2},
        {CH_ROUTING, "routing (t1 into t3)", 3},
    };
    eng_plan *a = project(CH_NONE);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        eng_plan *b = project(cases[k].ch);
        float *ref = render(b, NULL, 0, 0, FRAMES, NULL);
        eng_blockcache *bc = big_cache();
        float *warm = render(a, NULL, 0, 0, FRAMES, bc);
        free(warm);
        eng_blockcache_stats s0 = stats(bc);
        float *out = render(b, NULL, 0, 0, FRAMES, bc);
        eng_blockcache_stats s1 = stats(bc);
        print_message("%s: %llu hits, %llu misses\n", cases[k].what,
                      (unsigned long long)(s1.hits - s0.hits),
                      (unsigned long long)(s1.misses - s0.misses));
        assert_same(out, ref);
        /* an automated effect is never skipped as silent */
        int changed = cases[k].ch == CH_AUTOMATION
                          ? NBLOCKS
                          : lookups(cases[k].changed);
        assert_int_equal(s1.hits - s0.hits,
                         all_lookups() - lookups(cases[k].changed));
        /* routing: t3 is no longer looked up at all */
        assert_int_equal(s1.misses - s0.misses,
                         cases[k].ch == CH_ROUTING ? 0 : changed);
        free(ref);
        free(out);
        eng_blockcache_free(bc);
        eng_plan_release(b);
    }
    eng_plan_release(a);
}

/* A renderer that seeks, or starts elsewhere, has other effect states:
 * its blocks miss (no wrong hit) and its output is the uncached one; one
 * that starts where the cache's renderer started hits. */
static void test_seek_and_positions(void **state)
{
    (void)state;
    eng_plan *a = project(CH_NONE);
    eng_blockcache *bc = big_cache();
    float *warm = render(a, NULL, 0, 0, FRAMES, bc);
    const int64_t from = 37 * BLOCK;
    float *ref = render(a, NULL, 0, from, FRAMES, NULL);
    eng_blockcache_stats s0 = stats(bc);
    float *out = render(a, NULL, 0, from, FRAMES, bc);
    eng_blockcache_stats s1 = stats(bc);
    assert_memory_equal(out, ref, sizeof(float) * 2 * (size_t)FRAMES);
    print_message("seek to block 37: %llu hits, %llu misses\n",
                  (unsigned long long)(s1.hits - s0.hits),
                  (unsigned long long)(s1.misses - s0.misses));
    assert_true(s1.misses - s0.misses >= NSRC); /* reset state: misses */
    /* starting again where the seek started: all hits now */
    float *out2 = render(a, NULL, 0, from, FRAMES, bc);
    assert_memory_equal(out2, ref, sizeof(float) * 2 * (size_t)FRAMES);
    assert_int_equal(stats(bc).hits - s1.hits, NSRC * (NBLOCKS - 37));
    free(warm);
    free(ref);
    free(out);
    free(out2);
    eng_blockcache_free(bc);
    eng_plan_release(a);
}

/* A cache far smaller than the render: it never holds more than its
 * slots, evicts the least recently used, and the output is unchanged. */
static void test_eviction(void **state)
{
    (void)state;
    eng_plan *a = project(CH_NONE);
    float *ref = render(a, NULL, 0, 0, FRAMES, NULL);
    eng_blockcache *bc = eng_blockcache_new(200u * 1024, BLOCK);
    assert_non_null(bc);
    eng_blockcache_stats s = stats(bc);
    assert_true(s.slots >= 4 && s.slots < 40);
    assert_true(s.slots * s.slot_bytes <= 200u * 1024);
    for (int round = 0; round < 2; round++) {
        float *out = render(a, NULL, 0, 0, FRAMES, bc);
        assert_same(out, ref);
        free(out);
        s = stats(bc);
        assert_int_equal(s.used, s.slots);
    }
    assert_int_equal(s.evictions, s.stores - s.slots);
    assert_true(s.evictions > 0);
    /* once full, only blocks missed before are stored: the second round
     * stores what the first missed, the first round only what fitted */
    assert_true(s.stores < s.misses);
    /* a render longer than the cache: the second round hits only the
     * start the first one kept (once full, nothing new evicted it) */
    assert_true(s.hits > 0 && s.hits <= s.slots);
    /* too small for 4 slots: refused */
    assert_null(eng_blockcache_new(1000, BLOCK));
    assert_null(eng_blockcache_new(1u << 20, 0));
    eng_blockcache_clear(bc);
    assert_int_equal(stats(bc).used, 0);
    free(ref);
    eng_blockcache_free(bc);
    eng_plan_release(a);
}

/* Blocks longer than the cache's slots are rendered, not cached. */
static void test_long_blocks(void **state)
{
    (void)state;
    eng_plan *a = project(CH_NONE);
    eng_blockcache *bc = eng_blockcache_new(4u << 20, BLOCK / 2);
    assert_non_null(bc);
    float *ref = render(a, NULL, 0, 0, FRAMES, NULL);
    float *out = render(a, NULL, 0, 0, FRAMES, bc);
    assert_same(out, ref);
    assert_int_equal(stats(bc).stores, 0);
    free(ref);
    free(out);
    eng_blockcache_free(bc);
    eng_plan_release(a);
}

/* Renders the whole song in blocks of `block` frames (bc may be NULL). */
static float *render_in(eng_plan *a, int block, eng_blockcache *bc)
{
    eng_renderer *r = eng_renderer_new(NULL, a, block);
    float *out = calloc((size_t)FRAMES * 2, sizeof(float));
    assert_non_null(r);
    assert_non_null(out);
    eng_renderer_set_block_cache(r, bc);
    for (int i = 0; i < FRAMES; i += block) {
        int n = FRAMES - i < block ? FRAMES - i : block;
        eng_render(r, i, out + 2 * i, n);
    }
    eng_renderer_free(r);
    return out;
}

/* The blocks of render ahead (five 20 ms packets, 4800 frames; the
 * preview's cache is made for them): cached = uncached = the song in
 * 960-frame blocks (the engine does not depend on where blocks end), the
 * second listener's every lookup a hit; and an edit (t2's compressor
 * bypassed) over that cache equals its uncached render. */
static void test_render_ahead_blocks(void **state)
{
    (void)state;
    const int big = 5 * BLOCK;
    eng_plan *a = project(CH_NONE), *b = project(CH_COMP_BYPASS);
    eng_blockcache *bc = eng_blockcache_new(32u << 20, big);
    assert_non_null(bc);
    float *ref = render_in(a, BLOCK, NULL);
    float *plain = render_in(a, big, NULL);
    assert_same(plain, ref);
    float *warm = render_in(a, big, bc);
    assert_same(warm, ref);
    eng_blockcache_stats s0 = stats(bc);
    assert_int_equal(s0.hits, 0);
    assert_true(s0.stores >= (uint64_t)(NSRC * (FRAMES / big - 2)));
    float *again = render_in(a, big, bc);
    assert_same(again, ref);
    eng_blockcache_stats s1 = stats(bc);
    assert_int_equal(s1.hits, s0.misses);
    assert_int_equal(s1.misses, s0.misses);
    float *eref = render_in(b, big, NULL);
    float *edit = render_in(b, big, bc);
    assert_same(edit, eref);
    assert_true(stats(bc).hits - s1.hits >= (uint64_t)((NSRC - 1) * (FRAMES / big - 2)));
    free(ref);
    free(plain);
    free(warm);
    free(again);
    free(eref);
    free(edit);
    eng_blockcache_free(bc);
    eng_plan_release(a);
    eng_plan_release(b);
}

struct job {
    eng_plan *plan;
    eng_blockcache *bc;
    float *out;
};

static void *render_job(void *arg)
{
    struct job *j = arg;
    j->out = render(j->plan, NULL, 0, 0, FRAMES, j->bc);
    return NULL;
}

/* Four renderers on four threads share one cache at once: every output
 * is the uncached one (hits, misses and busy lock attempts are all
 * possible; none changes a sample). */
static void test_threads(void **state)
{
    (void)state;
    eng_plan *a = project(CH_NONE);
    float *ref = render(a, NULL, 0, 0, FRAMES, NULL);
    eng_blockcache *bc = big_cache();
    struct job j[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        j[i] = (struct job){a, bc, NULL};
        assert_int_equal(pthread_create(&th[i], NULL, render_job, &j[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_same(j[i].out, ref);
        free(j[i].out);
    }
    eng_blockcache_stats s = stats(bc);
    print_message("4 threads: %llu hits, %llu misses, %llu busy\n",
                  (unsigned long long)s.hits, (unsigned long long)s.misses,
                  (unsigned long long)s.busy);
    assert_int_equal(s.hits + s.misses, 4 * (uint64_t)all_lookups());
    free(ref);
    eng_blockcache_free(bc);
    eng_plan_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_in_middle),
        cmocka_unit_test(test_no_stale_block),
        cmocka_unit_test(test_seek_and_positions),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_long_blocks),
        cmocka_unit_test(test_render_ahead_blocks),
        cmocka_unit_test(test_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_assets_clear();
    return rc;
}
