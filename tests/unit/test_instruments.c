/* test_instruments.c -- the engine's instruments: tick -> frame, notes into
 * the plan (cut to their clips), the synth's pitch, the kick's spectrum,
 * determinism (twice and at other block sizes), voice stealing without a
 * click, no allocation while notes play and voices are stolen (malloc is
 * counted), note edits heard through plan swaps, auditions, and gm through
 * FluidSynth when the build has it. Plans are built from hand-written
 * objects (eng_plan_build_objects), as protocol/ would have validated them. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/export.h"
#include "engine/instrument.h"
#include "engine/plan.h"
#include "engine/render.h"
#include "engine/voices.h"

#define SR 48000

/* ---- counting allocations ---------------------------------------------------
 * Every malloc/calloc/realloc of the process goes through these (the
 * executable's definitions win over libc's); `counting` turns the count on
 * around the audio path. Not under AddressSanitizer, which owns malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
static atomic_int counting;
static atomic_long allocs;

void *malloc(size_t n)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocs, 1);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocs, 1);
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&allocs, 1);
    return __libc_realloc(p, n);
}
#endif

/* ---- building plans ------------------------------------------------------------ */

/* Appends an object written as printf JSON with ' for ". */
static void add(json_t *arr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add(json_t *arr, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *c = buf; *c; c++)
        if (*c == '\'')
            *c = '"';
    json_error_t err;
    json_t *o = json_loads(buf, 0, &err);
    if (!o)
        fail_msg("bad JSON %s: %s", buf, err.text);
    json_array_append_new(arr, o);
}

static json_t *project(int rate, double tempo)
{
    json_t *a = json_array();
    add(a, "{'id':'p','kind':'project','sample_rate':%d,'tempo':%g}", rate,
        tempo);
    return a;
}

#define SINE_SYNTH                                                            \
    "{'type':'synth','preset':'keys','osc1':'sine','osc2':'sine','detune':0,"  \
    "'octave2':0,'mix':0,'cutoff':20000,'resonance':0,'env_amount':0,"        \
    "'f_attack':0.001,'f_decay':0.1,'f_sustain':1,'f_release':0.1,"           \
    "'attack':0.001,'decay':0.1,'sustain':1,'release':%g,'gain':0}"

static void inst_track(json_t *a, const char *id, const char *inst)
{
    add(a, "{'id':'%s','kind':'track','order':'%s','role':'instrument',"
           "'instrument':%s}", id, id, inst);
}

static void clip(json_t *a, const char *id, const char *track, int64_t start,
                 int64_t length, int64_t offset)
{
    add(a, "{'id':'%s','kind':'clip','track':'%s','start':%lld,'length':%lld,"
           "'offset':%lld}", id, track, (long long)start, (long long)length,
        (long long)offset);
}

static int note_serial;

static void note(json_t *a, const char *clip_id, long long at, long long len,
                 int pitch, int vel)
{
    add(a, "{'id':'n%d','kind':'note','clip':'%s','at':%lld,'len':%lld,"
           "'pitch':%d,'vel':%d}", ++note_serial, clip_id, at, len, pitch, vel);
}

static eng_plan *plan_of(json_t *a)
{
    eng_plan *p = eng_plan_build_objects(a, NULL, NULL);
    assert_non_null(p);
    json_decref(a);
    return p;
}

/* A sine synth (release in s) on track t1, clip c1 = [0, clip_len), one
 * A4 (pitch 69, vel 100) at tick 0 for len ticks. */
static eng_plan *sine_plan(double release, int64_t clip_len, long long len)
{
    json_t *a = project(SR, 120);
    char inst[1024];
    snprintf(inst, sizeof inst, SINE_SYNTH, release);
    inst_track(a, "t1", inst);
    clip(a, "c1", "t1", 0, clip_len, 0);
    note(a, "c1", 0, len, 69, 100);
    return plan_of(a);
}

/* Renders [from, from+frames) in blocks; malloc'd interleaved stereo. */
static float *render(eng_plan *p, int64_t from, int frames, int block)
{
    eng_renderer *r = eng_renderer_new(NULL, p, block);
    float *out = malloc(sizeof(float) * 2 * (size_t)frames);
    assert_non_null(r);
    assert_non_null(out);
    for (int k = 0; k < frames; k += block) {
        int n = frames - k < block ? frames - k : block;
        eng_render(r, from + k, out + 2 * k, n);
    }
    eng_renderer_free(r);
    return out;
}

static double rms(const float *b, int from, int to)
{
    double s = 0;
    for (int i = from; i < to; i++)
        s += (double)b[2 * i] * b[2 * i];
    return to > from ? sqrt(s / (to - from)) : 0;
}

/* Frequency from upward zero crossings (linear interpolation) in [a, b). */
static double zero_cross_hz(const float *b, int a, int e)
{
    double first = -1, last = -1;
    int count = 0;
    for (int i = a + 1; i < e; i++) {
        float x0 = b[2 * (i - 1)], x1 = b[2 * i];
        if (x0 < 0 && x1 >= 0) {
            double t = (i - 1) + x0 / (x0 - x1);
            if (first < 0)
                first = t;
            last = t;
            count++;
        }
    }
    return count > 1 ? (count - 1) * (double)SR / (last - first) : 0;
}

/* Goertzel power of frequency f over [a, b) with a Hann window. */
static double goertzel(const float *b, int a, int e, double f)
{
    double w = 2 * M_PI * f / SR, c = 2 * cos(w), s1 = 0, s2 = 0;
    int n = e - a;
    for (int i = 0; i < n; i++) {
        double win = 0.5 - 0.5 * cos(2 * M_PI * i / (n - 1));
        double s = win * b[2 * (a + i)] + c * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* The strongest frequency in [lo, hi] at 0.1 Hz steps. */
static double peak_hz(const float *b, int a, int e, double lo, double hi)
{
    double best = lo, bp = -1;
    for (double f = lo; f <= hi; f += 0.1) {
        double pw = goertzel(b, a, e, f);
        if (pw > bp) {
            bp = pw;
            best = f;
        }
    }
    return best;
}

/* ---- tick -> frame ------------------------------------------------------------- */

static void test_tick_to_frame(void **state)
{
    (void)state;
    /* round(tick * 60 * rate / (tempo * 960)) */
    assert_int_equal(eng_tick_to_frame(960, 120, 48000), 24000);
    assert_int_equal(eng_tick_to_frame(960, 120, 44100), 22050);
    assert_int_equal(eng_tick_to_frame(960, 90, 48000), 32000);
    assert_int_equal(eng_tick_to_frame(960 * 4, 60, 44100), 176400);
    assert_int_equal(eng_tick_to_frame(1, 137.5, 44100), 20);   /* 20.045 */
    assert_int_equal(eng_tick_to_frame(7, 137.5, 48000), 153);  /* 152.73 */
    assert_int_equal(eng_tick_to_frame(240, 128, 48000), 5625);
    assert_int_equal(eng_tick_to_frame(0, 120, 48000), 0);
    assert_int_equal(eng_tick_to_frame(-5, 120, 48000), 0);
    /* ticks up to 2^40 stay exact to the frame */
    assert_int_equal(eng_tick_to_frame(1LL << 40, 120, 48000),
                     (1LL << 40) * 25);
}

/* Notes land at clip.start - clip.offset + frame(at), are cut at the
 * clip's end, and a note-on before the clip's start does not sound. */
static void test_notes_in_plan(void **state)
{
    (void)state;
    static const struct { int rate; double tempo; } cases[] = {
        {48000, 120}, {44100, 120}, {48000, 93}, {44100, 174}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int rate = cases[k].rate;
        double tempo = cases[k].tempo;
        json_t *a = project(rate, tempo);
        int64_t q = eng_tick_to_frame(960, tempo, rate);
        inst_track(a, "t1", "{'type':'drums','tune':0,'decay':1,'gain':0}");
        clip(a, "c1", "t1", 10000, 4 * q, q); /* content from beat 1 */
        note(a, "c1", 960 * 2, 480, 36, 100);  /* at 10000 + q */
        note(a, "c1", 0, 1920, 38, 90);        /* before the start: silent */
        note(a, "c1", 960 * 4, 960 * 4, 42, 80); /* cut at the clip's end */
        note(a, "c1", 960 * 6, 10, 46, 80);    /* at the end: silent */
        eng_plan *p = plan_of(a);
        assert_int_equal(p->ntracks, 1);
        const eng_track_spec *t = &p->tracks[0];
        assert_true(t->instrument);
        assert_int_equal(t->inst.type, ENG_INST_DRUMS);
        assert_int_equal(t->nnotes, 2);
        int64_t origin = 10000 - q;
        assert_int_equal(t->notes[0].on,
                         origin + eng_tick_to_frame(1920, tempo, rate));
        assert_int_equal(t->notes[0].off,
                         t->notes[0].on + eng_tick_to_frame(480, tempo, rate));
        assert_int_equal(t->notes[0].pitch, 36);
        assert_int_equal(t->notes[1].on, 10000 - q + eng_tick_to_frame(3840, tempo, rate));
        assert_int_equal(t->notes[1].off, 10000 + 4 * q);
        assert_int_equal(t->end, 10000 + 4 * q);
        assert_int_equal(p->end, 10000 + 4 * q);
        eng_plan_release(p);
    }
}

/* A note released at its clip's end rings on: the export's end covers
 * its release. */
static void test_export_keeps_release(void **state)
{
    (void)state;
    eng_plan *p = sine_plan(0.3, SR, 960 * 4); /* two seconds, cut at one */
    assert_int_equal(p->end, SR);
    int64_t end = eng_export_end(p, NULL);
    /* -80 dB after 0.3 s x 80/60 = 0.4 s of release */
    print_message("export end %lld frames (clip end %d)\n", (long long)end, SR);
    assert_true(end > SR + SR / 4 && end < SR + SR / 2);
    eng_plan_release(p);
}

/* ---- the synth ---------------------------------------------------------------- */

static void test_synth_a440(void **state)
{
    (void)state;
    /* a sine voice: zero crossings over a second */
    eng_plan *p = sine_plan(0.3, 3 * SR, 960 * 4); /* two seconds */
    json_t *a;
    float *out = render(p, 0, 2 * SR, 512);
    double f = zero_cross_hz(out, SR / 4, SR / 4 + SR);
    assert_true(fabs(f - 440.0) < 1.0);
    assert_true(rms(out, SR / 4, SR) > 0.1);
    free(out);
    eng_plan_release(p);

    /* the band-limited saw through the filter: the spectral peak */
    a = project(SR, 120);
    inst_track(a, "t1", "{'type':'synth','preset':'lead','osc1':'saw',"
                        "'osc2':'square','mix':0,'cutoff':5000}");
    clip(a, "c1", "t1", 0, 3 * SR, 0);
    note(a, "c1", 0, 960 * 4, 69, 100);
    p = plan_of(a);
    out = render(p, 0, 2 * SR, 480);
    f = peak_hz(out, SR / 4, SR / 4 + SR, 400, 480);
    assert_true(fabs(f - 440.0) < 1.0);
    free(out);
    eng_plan_release(p);
}

/* ---- the kick ------------------------------------------------------------------ */

static void fft(double *re, double *im, int n)
{
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        double ang = -2 * M_PI / len;
        for (int i = 0; i < n; i += len)
            for (int k = 0; k < len / 2; k++) {
                double wr = cos(ang * k), wi = sin(ang * k);
                double ur = re[i + k], ui = im[i + k];
                double vr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
                double vi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
                re[i + k] = ur + vr; im[i + k] = ui + vi;
                re[i + k + len / 2] = ur - vr; im[i + k + len / 2] = ui - vi;
            }
    }
}

/* Share of the energy of [0, frames) below f_hz. */
static double energy_below(const float *b, int frames, double f_hz)
{
    int n = 1;
    while (n < frames)
        n <<= 1;
    double *re = calloc((size_t)n, sizeof *re), *im = calloc((size_t)n, sizeof *im);
    assert_non_null(re);
    assert_non_null(im);
    for (int i = 0; i < frames; i++)
        re[i] = b[2 * i];
    fft(re, im, n);
    double lo = 0, all = 0;
    for (int k = 1; k < n / 2; k++) {
        double e = re[k] * re[k] + im[k] * im[k];
        all += e;
        if ((double)k * SR / n < f_hz)
            lo += e;
    }
    free(re);
    free(im);
    return all > 0 ? lo / all : 0;
}

static void test_kick_is_low(void **state)
{
    (void)state;
    static const int pitches[] = {36, 38, 42};
    double share[3];
    for (int k = 0; k < 3; k++) {
        json_t *a = project(SR, 120);
        inst_track(a, "t1", "{'type':'drums','tune':0,'decay':1,'gain':0}");
        clip(a, "c1", "t1", 0, 2 * SR, 0);
        note(a, "c1", 0, 240, pitches[k], 127);
        eng_plan *p = plan_of(a);
        float *out = render(p, 0, SR, 256);
        assert_true(rms(out, 0, SR / 10) > 0.01); /* it sounds */
        share[k] = energy_below(out, SR, 150);
        free(out);
        eng_plan_release(p);
    }
    assert_true(share[0] > 0.8);  /* the kick */
    assert_true(share[1] < 0.5);  /* the snare is not */
    assert_true(share[2] < 0.05); /* nor the hat */
}

/* Every GM drum note sounds; the others are silent; 42 chokes 46. */
static void test_drum_map_and_choke(void **state)
{
    (void)state;
    static const int kit[] = {36, 37, 38, 39, 41, 42, 45, 46, 48, 49};
    for (size_t k = 0; k < sizeof kit / sizeof kit[0]; k++) {
        json_t *a = project(SR, 120);
        inst_track(a, "t1", "{'type':'drums'}");
        clip(a, "c1", "t1", 0, SR, 0);
        note(a, "c1", 0, 240, kit[k], 127);
        eng_plan *p = plan_of(a);
        float *out = render(p, 0, SR, 256);
        assert_true(rms(out, 0, 2400) > 0.005);
        free(out);
        eng_plan_release(p);
    }
    for (int pitch = 0; pitch < 128; pitch += 3) { /* 36, 39, ... excluded */
        if (pitch == 36 || pitch == 39 || pitch == 42 || pitch == 45 ||
            pitch == 48)
            continue;
        json_t *a = project(SR, 120);
        inst_track(a, "t1", "{'type':'drums'}");
        clip(a, "c1", "t1", 0, SR, 0);
        note(a, "c1", 0, 240, pitch, 127);
        eng_plan *p = plan_of(a);
        float *out = render(p, 0, 4800, 256);
        assert_true(rms(out, 0, 4800) == 0.0);
        free(out);
        eng_plan_release(p);
    }
    /* open hat alone rings at 100 ms; choked by a closed hat at 50 ms it
     * is gone 10 ms later */
    float *o[2];
    for (int k = 0; k < 2; k++) {
        json_t *a = project(SR, 120);
        inst_track(a, "t1", "{'type':'drums'}");
        clip(a, "c1", "t1", 0, SR, 0);
        note(a, "c1", 0, 960, 46, 127);
        if (k)
            note(a, "c1", 96, 10, 42, 1); /* 96 ticks = 2400 frames */
        eng_plan *p = plan_of(a);
        o[k] = render(p, 0, SR, 100);
        eng_plan_release(p);
    }
    assert_true(rms(o[0], 4800, 5280) > 0.01);
    assert_true(rms(o[1], 4800, 5280) < 0.1 * rms(o[0], 4800, 5280));
    free(o[0]);
    free(o[1]);
}

/* ---- determinism ------------------------------------------------------------------ */

static eng_plan *busy_plan(void)
{
    json_t *a = project(SR, 128);
    inst_track(a, "keys", "{'type':'synth','preset':'keys'}");
    inst_track(a, "bass", "{'type':'synth','preset':'bass','resonance':0.9}");
    inst_track(a, "kit", "{'type':'drums','tune':2,'decay':1.5,'gain':-3}");
    add(a, "{'id':'fx1','kind':'effect','track':'keys','order':'a','type':'reverb',"
           "'params':{'size':0.6,'damping':0.4,'predelay':10,'mix':0.3}}");
    clip(a, "ck", "keys", 0, 4 * SR, 0);
    clip(a, "cb", "bass", 1000, 4 * SR, 500);
    clip(a, "cd", "kit", 0, 4 * SR, 0);
    for (int i = 0; i < 80; i++) {
        note(a, "ck", i * 97, 960 + (i % 5) * 333, 48 + (i * 7) % 36, 40 + i % 80);
        note(a, "cb", i * 240, 200, 28 + (i * 5) % 24, 100);
        note(a, "cd", i * 120, 60, (int[]){36, 38, 42, 46, 39, 49, 41, 37}[i % 8],
             60 + i % 60);
    }
    return plan_of(a);
}

static void test_deterministic(void **state)
{
    (void)state;
    eng_plan *p = busy_plan();
    float *a = render(p, 0, 3 * SR, 512);
    float *b = render(p, 0, 3 * SR, 512);
    assert_memory_equal(a, b, sizeof(float) * 2 * 3 * SR);
    assert_true(rms(a, 0, 3 * SR) > 0.01);
    free(b);
    eng_plan_release(p);

    /* the instruments alone do not depend on the block size */
    json_t *j = project(SR, 128);
    inst_track(j, "keys", "{'type':'synth','preset':'keys'}");
    inst_track(j, "kit", "{'type':'drums'}");
    clip(j, "ck", "keys", 0, 2 * SR, 0);
    clip(j, "cd", "kit", 0, 2 * SR, 0);
    for (int i = 0; i < 70; i++) {
        note(j, "ck", i * 61, 700, 40 + i % 40, 90);
        note(j, "cd", i * 55, 30, (int[]){36, 38, 42, 46}[i % 4], 100);
    }
    p = plan_of(j);
    free(a);
    a = render(p, 0, 2 * SR, 512);
    b = render(p, 0, 2 * SR, 37);
    assert_memory_equal(a, b, sizeof(float) * 2 * 2 * SR);
    free(a);
    free(b);
    eng_plan_release(p);
}

/* ---- voice stealing -------------------------------------------------------------- */

/* 64 sustained sines, then a 65th note at frame F steals the oldest. The
 * difference between that render and the same without the 65th note is
 * the stolen voice fading out plus the new note fading in. With the
 * declick ramp of D = ENG_DECLICK_MS frames the stolen voice (amplitude a)
 * changes by at most a/D per frame on top of its own slope a*w; the new
 * note by a/attack + a*w'. A hard cut would step by a*|sin| ~ a at F
 * (F is chosen at a crest of the stolen voice). */
static void test_steal_declick(void **state)
{
    (void)state;
    const double f40 = 440.0 * pow(2.0, (40 - 69) / 12.0);
    const int F = (int)lround((41 + 0.25) * SR / f40); /* a crest, ~24 000 */
    float *o[2];
    for (int k = 0; k < 2; k++) {
        json_t *a = project(SR, 120);
        char inst[1024];
        snprintf(inst, sizeof inst, SINE_SYNTH, 1.0);
        inst_track(a, "t1", inst);
        clip(a, "c1", "t1", 0, 2 * SR, 0);
        /* 64 voices, pitch 40 first (the oldest) */
        add(a, "{'id':'first','kind':'note','clip':'c1','at':0,'len':3000,"
               "'pitch':40,'vel':127}");
        for (int i = 1; i < 64; i++)
            note(a, "c1", i, 3000, 40 + i, 127);
        if (k) /* ticks: F frames at 120 bpm = F / 25 ticks */
            add(a, "{'id':'steal','kind':'note','clip':'c1','at':%d,'len':500,"
                   "'pitch':30,'vel':127}", F / 25);
        eng_plan *p = plan_of(a);
        o[k] = render(p, 0, SR + SR / 2, 256);
        eng_plan_release(p);
    }
    const int Fs = (F / 25) * 25;
    const double amp = M_SQRT1_2; /* vel 127, 0 dB, the centre pan law */
    const double D = ENG_DECLICK_MS * SR / 1000.0;
    const double w40 = 2 * M_PI * f40 / SR;
    const double w30 = 2 * M_PI * 440.0 * pow(2.0, (30 - 69) / 12.0) / SR;
    const double bound = amp / D + amp * w40 + amp / (0.001 * SR) + amp * w30;
    double maxstep = 0, before = 0;
    for (int i = 1; i < SR + SR / 2; i++) {
        double d0 = o[1][2 * (i - 1)] - o[0][2 * (i - 1)];
        double d1 = o[1][2 * i] - o[0][2 * i];
        if (i < Fs)
            before = fmax(before, fabs(d1));
        maxstep = fmax(maxstep, fabs(d1 - d0));
    }
    assert_true(before == 0.0); /* identical until the steal */
    print_message("steal: max step %.5f, bound %.5f (a/D = %.5f, D = %.0f)\n",
                  maxstep, bound, amp / D, D);
    assert_true(maxstep <= bound);
    /* the stolen voice is gone after the ramp: the difference there is
     * -voice40 + voice30, so its level is well above 0 */
    assert_true(rms(o[1], Fs + 200, Fs + 2000) > 0.0);
    free(o[0]);
    free(o[1]);
}

/* ---- no allocation in the audio path ----------------------------------------------- */

static void test_no_alloc(void **state)
{
    (void)state;
#if !COUNT_ALLOCS
    skip();
#else
    /* the counter sees allocations (here: jansson's and ours) */
    atomic_store(&allocs, 0);
    atomic_store(&counting, 1);
    json_t *probe = json_pack("{s:i}", "x", 1);
    void *mem = malloc(16);
    atomic_store(&counting, 0);
    assert_true(atomic_load(&allocs) >= 2);
    free(mem);
    json_decref(probe);

    eng_plan *p = busy_plan();
    json_t *a = project(SR, 128);
    /* the same tracks with other notes (a note edit): adopted without
     * allocating */
    inst_track(a, "keys", "{'type':'synth','preset':'keys'}");
    inst_track(a, "bass", "{'type':'synth','preset':'bass','resonance':0.9}");
    inst_track(a, "kit", "{'type':'drums','tune':2,'decay':1.5,'gain':-3}");
    add(a, "{'id':'fx1','kind':'effect','track':'keys','order':'a','type':'reverb',"
           "'params':{'size':0.6,'damping':0.4,'predelay':10,'mix':0.3}}");
    clip(a, "ck", "keys", 0, 4 * SR, 0);
    clip(a, "cb", "bass", 1000, 4 * SR, 500);
    clip(a, "cd", "kit", 0, 4 * SR, 0);
    for (int i = 0; i < 100; i++) /* 100 at once: voices are stolen */
        note(a, "ck", 1920, 960 * 4, 30 + i % 70, 100);
    note(a, "cd", 1920, 10, 46, 100);
    note(a, "cd", 1930, 10, 42, 100);
    eng_plan *p2 = plan_of(a);
    eng_plan_slot *slot = eng_plan_slot_new(p);
    eng_renderer *r = eng_renderer_new(slot, NULL, 512);
    float *out = malloc(sizeof(float) * 2 * 512);
    assert_non_null(r);
    assert_non_null(out);
    eng_render(r, 0, out, 512); /* warm-up outside the count */
    atomic_store(&allocs, 0);
    atomic_store(&counting, 1);
    double energy = 0;
    for (int64_t pos = 512; pos < 3 * SR; pos += 512) {
        if (pos == 512 * 20)
            eng_renderer_audition(r, "keys", 72, 100, 9600);
        if (pos == 512 * 40)
            eng_render(r, SR / 2 + 7, out, 512); /* a seek: chases notes */
        eng_render(r, pos, out, 512);
        for (int i = 0; i < 1024; i++)
            energy += out[i] * out[i];
        if (pos == 512 * 60) {
            atomic_store(&counting, 0); /* publishing allocates nothing
                                           here, but is the editor's side */
            eng_plan_slot_publish(slot, p2);
            atomic_store(&counting, 1);
        }
    }
    atomic_store(&counting, 0);
    assert_int_equal(atomic_load(&allocs), 0);
    assert_false(eng_renderer_pending(r));
    assert_true(eng_renderer_plan(r) == p2);
    assert_true(energy > 1.0);
    free(out);
    eng_renderer_free(r);
    eng_plan_slot_free(slot);
    eng_plan_release(p);
    eng_plan_release(p2);
#endif
}

/* ---- note edits through plan swaps ---------------------------------------------------- */

static eng_plan *one_note(int64_t len_ticks, bool with_note)
{
    json_t *a = project(SR, 120);
    char inst[1024];
    snprintf(inst, sizeof inst, SINE_SYNTH, 0.01);
    inst_track(a, "t1", inst);
    clip(a, "c1", "t1", 0, 4 * SR, 0);
    if (with_note)
        add(a, "{'id':'n','kind':'note','clip':'c1','at':0,'len':%lld,"
               "'pitch':60,'vel':100}", (long long)len_ticks);
    note(a, "c1", 960 * 6, 960, 64, 100); /* keeps the plan end late */
    return plan_of(a);
}

static void test_note_edit_heard(void **state)
{
    (void)state;
    /* a one-second note lengthened to two seconds after half a second
     * keeps sounding; deleted, it is released at once */
    for (int k = 0; k < 2; k++) {
        eng_plan *p1 = one_note(1920, true), *p2 = one_note(3840, k == 0);
        eng_plan_slot *slot = eng_plan_slot_new(p1);
        eng_renderer *r = eng_renderer_new(slot, NULL, 480);
        float *out = malloc(sizeof(float) * 2 * 2 * SR);
        for (int pos = 0; pos < 2 * SR; pos += 480) {
            if (pos == SR / 2) {
                eng_plan_slot_publish(slot, p2);
                eng_renderer_maintain(r);
            }
            eng_render(r, pos, out + 2 * pos, 480);
        }
        if (k == 0) {
            assert_true(rms(out, SR + SR / 4, SR + SR / 2) > 0.1);
        } else {
            assert_true(rms(out, SR / 2 - 4800, SR / 2) > 0.1);
            assert_true(rms(out, SR / 2 + 4800, SR) < 1e-3);
        }
        free(out);
        eng_renderer_free(r);
        eng_plan_slot_free(slot);
        eng_plan_release(p1);
        eng_plan_release(p2);
    }
}

/* ---- auditions ------------------------------------------------------------------------ */

static void test_audition(void **state)
{
    (void)state;
    json_t *a = project(SR, 120);
    char inst[1024];
    snprintf(inst, sizeof inst, SINE_SYNTH, 0.05);
    inst_track(a, "t1", inst);
    add(a, "{'id':'t2','kind':'track','order':'t2'}");
    eng_plan *p = plan_of(a);
    eng_renderer *r = eng_renderer_new(NULL, p, 960);
    eng_renderer *quiet = eng_renderer_new(NULL, p, 960);
    float *out = malloc(sizeof(float) * 2 * SR), *q = malloc(sizeof(float) * 2 * SR);
    eng_renderer_set_timeline(r, false);
    /* queued before the renderer's first block: heard in it */
    eng_renderer *first = eng_renderer_new(NULL, p, 960);
    assert_int_equal(eng_renderer_audition(first, "t1", 69, 100, 9600), 0);
    eng_render(first, 0, out, 960);
    assert_true(rms(out, 100, 960) > 0.05);
    eng_renderer_free(first);
    eng_render(r, 0, out, 960);
    assert_int_equal(eng_renderer_audition(r, "t1", 69, 100, 9600), 0);
    assert_int_equal(eng_renderer_audition(r, "t2", 69, 100, 9600), 0); /* audio */
    assert_int_equal(eng_renderer_audition(r, "nope", 69, 100, 9600), 0);
    for (int pos = 960; pos < SR; pos += 960) {
        eng_render(r, pos, out + 2 * pos, 960);
        eng_render(quiet, pos, q + 2 * pos, 960);
    }
    /* starts at the next block, lasts 200 ms plus the release */
    assert_true(rms(out, 0, 960) == 0.0);
    assert_true(out[2 * 961] != 0.0f);
    assert_true(rms(out, 960, 960 + 9600) > 0.1);
    assert_true(fabs(zero_cross_hz(out, 1200, 960 + 9000) - 440) < 2);
    assert_true(rms(out, 960 + 9600 + 4800, SR) < 1e-4);
    assert_true(rms(q, 960, SR) == 0.0); /* another renderer hears nothing */
    free(out);
    free(q);
    eng_renderer_free(r);
    eng_renderer_free(quiet);
    eng_plan_release(p);
}

/* ---- gm --------------------------------------------------------------------------------- */

static void test_gm(void **state)
{
    (void)state;
    if (!eng_gm_available()) {
        print_message("gm: skipped, this build has no FluidSynth\n");
        skip();
    }
    if (access(MX_SOUNDFONT, R_OK) != 0) {
        print_message("gm: skipped, no SoundFont at %s\n", MX_SOUNDFONT);
        skip();
    }
    json_t *a = project(SR, 120);
    inst_track(a, "t1", "{'type':'gm','program':0,'bank':0,'gain':0}");
    clip(a, "c1", "t1", 0, 3 * SR, 0);
    note(a, "c1", 960, 1920, 69, 110); /* at 0.5 s, one second */
    eng_plan *p = plan_of(a);
    float *out = render(p, 0, 2 * SR, 512);
    assert_true(rms(out, 0, SR / 2 - 128) < 1e-4); /* nothing before */
    assert_true(rms(out, SR / 2, SR) > 0.005);
    double f = peak_hz(out, SR / 2 + 2400, SR + SR / 2, 400, 480);
    print_message("gm: piano A4 peak at %.1f Hz\n", f);
    assert_true(fabs(f - 440.0) < 2.0);
    free(out);
    eng_plan_release(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_to_frame),
        cmocka_unit_test(test_notes_in_plan),
        cmocka_unit_test(test_export_keeps_release),
        cmocka_unit_test(test_synth_a440),
        cmocka_unit_test(test_kick_is_low),
        cmocka_unit_test(test_drum_map_and_choke),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_steal_declick),
        cmocka_unit_test(test_no_alloc),
        cmocka_unit_test(test_note_edit_heard),
        cmocka_unit_test(test_audition),
        cmocka_unit_test(test_gm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
