/* test_export.c -- export writers checked by third-party tools (soxi for
 * WAV, flac -t for FLAC, opusinfo for Ogg Opus) and read back with
 * libsndfile; whole-project end with effect tails; stems; loudness (EBU
 * Tech 3341 case 1 kHz at -23 dBFS) and normalisation under a ceiling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/export.h"
#include "engine/loudness.h"
#include "tests/unit/test_render_util.h"

#define SR 48000

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mx-export-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_all(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_assets_clear();
    return 0;
}

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static proto_doc *simple_doc(bool with_reverb)
{
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("n", tu_noise(7, 0.5, 2, SR, SR));
    tu_asset("s", tu_sine(440, 0.5, 1, SR, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a','gain':-3,'pan':-0.2}");
    tu_put(d, "{'id':'t2','kind':'track','order':'b','gain':0,'pan':0.4}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'n','start':0,"
              "'offset':0,'length':24000,'fade_out':2000}");
    tu_put(d, "{'id':'c2','kind':'clip','track':'t2','asset':'s','start':12000,"
              "'offset':0,'length':30000,'fade_in':100}");
    if (with_reverb)
        tu_put(d, "{'id':'e1','kind':'effect','track':'t2','type':'reverb',"
                  "'order':'a','params':{'size':0.2,'mix':0.5}}");
    return d;
}

static void path_for(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static int export_file(eng_plan *p, const eng_export_opts *o, const char *path,
                       eng_export_info *info)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    int rc = eng_export_fd(p, o, fd, info);
    close(fd);
    return rc;
}

/* Reads a file back with libsndfile; returns interleaved floats. */
static float *read_back(const char *path, int64_t *frames, int *rate)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    assert_non_null(sf);
    assert_int_equal(info.channels, 2);
    /* a streamed FLAC says "length unknown": read to the end */
    size_t cap = 1 << 16, have_ = 0;
    float *buf = malloc(sizeof(float) * 2 * cap);
    for (;;) {
        if (have_ == cap) {
            cap *= 2;
            buf = realloc(buf, sizeof(float) * 2 * cap);
        }
        sf_count_t got = sf_readf_float(sf, buf + 2 * have_, (sf_count_t)(cap - have_));
        if (got <= 0)
            break;
        have_ += (size_t)got;
    }
    if (info.frames != SF_COUNT_MAX)
        assert_int_equal(info.frames, have_);
    sf_close(sf);
    *frames = (int64_t)have_;
    *rate = info.samplerate;
    return buf;
}

static void test_wav(void **state)
{
    static const struct { eng_format f; const char *name; double tol; const char *bits; } cases[] = {
        {ENG_FMT_WAV16, "a16.wav", 2.5 / 32768, "16"},
        {ENG_FMT_WAV24, "a24.wav", 1.0 / 8388608 + 1e-9, "24"},
        {ENG_FMT_WAVF32, "a32.wav", 0.0, "32"},
    };
    (void)state;
    proto_doc *d = simple_doc(false);
    eng_plan *p = tu_plan(d);
    float *ref = tu_render(p, 0, 42000, 4096);
    for (size_t k = 0; k < 3; k++) {
        char path[300], cmd[1600];
        eng_export_opts o;
        eng_export_info info;
        eng_export_opts_default(&o);
        o.format = cases[k].f;
        path_for(path, sizeof path, cases[k].name);
        assert_int_equal(export_file(p, &o, path, &info), 0);
        assert_int_equal(info.to, 42000);
        int64_t frames;
        int rate;
        float *got = read_back(path, &frames, &rate);
        assert_int_equal(frames, 42000);
        assert_int_equal(rate, SR);
        for (int i = 0; i < 2 * 42000; i++)
            if (fabs(got[i] - ref[i]) > cases[k].tol)
                fail_msg("%s sample %d: %g vs %g", cases[k].name, i, got[i], ref[i]);
        free(got);
        if (have("soxi")) {
            snprintf(cmd, sizeof cmd,
                     "test \"$(soxi -s %s)\" = 42000 && test \"$(soxi -c %s)\" = 2 "
                     "&& test \"$(soxi -r %s)\" = %d && test \"$(soxi -b %s)\" = %s",
                     path, path, path, SR, path, cases[k].bits);
            assert_int_equal(system(cmd), 0);
        }
    }
    free(ref);
    eng_plan_release(p);
    proto_doc_free(d);
}

typedef struct membuf {
    FILE *f;
    int fail_after;
    size_t written;
} membuf;

static int file_write(void *ctx, const void *data, size_t len)
{
    membuf *m = ctx;
    if (m->fail_after >= 0 && m->written + len > (size_t)m->fail_after)
        return -1;
    m->written += len;
    return fwrite(data, 1, len, m->f) == len ? 0 : -1;
}

static void test_flac_streamed(void **state)
{
    (void)state;
    proto_doc *d = simple_doc(true);
    eng_plan *p = tu_plan(d);
    for (int bits = 16; bits <= 24; bits += 8) {
        char path[300], cmd[700];
        eng_export_opts o;
        eng_export_opts_default(&o);
        o.format = bits == 16 ? ENG_FMT_FLAC16 : ENG_FMT_FLAC24;
        o.from = 1000;
        o.to = 31000;
        path_for(path, sizeof path, bits == 16 ? "a16.flac" : "a24.flac");
        membuf m = {fopen(path, "wb"), -1, 0};
        /* through a callback: a stream that cannot seek */
        assert_int_equal(eng_export(p, &o, file_write, &m, NULL), 0);
        fclose(m.f);
        int64_t frames;
        int rate;
        float *got = read_back(path, &frames, &rate);
        assert_int_equal(frames, 30000);
        float *ref = tu_render(p, 1000, 30000, 4096);
        double tol = bits == 16 ? 2.5 / 32768 : 1.1 / 8388608;
        for (int i = 0; i < 60000; i++)
            assert_true(fabs(got[i] - ref[i]) <= tol);
        free(ref);
        free(got);
        if (have("flac")) {
            snprintf(cmd, sizeof cmd, "flac -t -s %s", path);
            assert_int_equal(system(cmd), 0);
        }
        /* into a seekable file: STREAMINFO gets the length */
        path_for(path, sizeof path, bits == 16 ? "b16.flac" : "b24.flac");
        assert_int_equal(export_file(p, &o, path, NULL), 0);
        SF_INFO si;
        memset(&si, 0, sizeof si);
        SNDFILE *sf = sf_open(path, SFM_READ, &si);
        assert_non_null(sf);
        assert_int_equal(si.frames, 30000);
        sf_close(sf);
        if (have("flac")) {
            snprintf(cmd, sizeof cmd, "flac -t -s %s", path);
            assert_int_equal(system(cmd), 0);
        }
    }
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_opus(void **state)
{
    (void)state;
    proto_doc *d = simple_doc(true);
    eng_plan *p = tu_plan(d);
    char path[300], cmd[400];
    eng_export_opts o;
    eng_export_info info;
    eng_export_opts_default(&o);
    o.format = ENG_FMT_OPUS;
    o.opus_bitrate = 96000;
    path_for(path, sizeof path, "a.opus");
    assert_int_equal(export_file(p, &o, path, &info), 0);
    assert_true(info.bytes > 1000);
    if (have("opusinfo")) {
        snprintf(cmd, sizeof cmd, "opusinfo %s >/dev/null 2>&1", path);
        assert_int_equal(system(cmd), 0);
    }
    /* a writer that fails aborts the export */
    membuf m = {fopen("/dev/null", "wb"), 500, 0};
    assert_int_equal(eng_export(p, &o, file_write, &m, NULL), -2);
    fclose(m.f);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_whole_project_end(void **state)
{
    (void)state;
    proto_doc *d = simple_doc(false);
    eng_plan *p = tu_plan(d);
    assert_int_equal(eng_export_end(p, NULL), 42000);
    eng_plan_release(p);
    proto_doc_free(d);
    tu_assets_clear();
    d = simple_doc(true);
    p = tu_plan(d);
    int64_t end = eng_export_end(p, NULL);
    assert_true(end > 42000 + SR / 10);
    assert_true(end <= 42000 + 5 * SR);
    /* past the end everything is below -90 dBFS */
    float *tail = tu_render(p, end, SR, 4096);
    assert_true(tu_peak(tail, 0, 0, SR) < pow(10, -90 / 20.0));
    assert_true(tu_peak(tail, 1, 0, SR) < pow(10, -90 / 20.0));
    free(tail);
    /* the stem of t1 (no effects) ends with its clip */
    assert_int_equal(eng_export_end(p, "t1"), 24000);
    assert_int_equal(eng_export_end(p, "nope"), 0);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_stem(void **state)
{
    (void)state;
    proto_doc *d = simple_doc(false);
    eng_plan *p = tu_plan(d);
    char path[300];
    eng_export_opts o;
    eng_export_opts_default(&o);
    o.format = ENG_FMT_WAVF32;
    o.stem_track = "t2";
    path_for(path, sizeof path, "stem.wav");
    assert_int_equal(export_file(p, &o, path, NULL), 0);
    int64_t frames;
    int rate;
    float *got = read_back(path, &frames, &rate);
    assert_int_equal(frames, 42000);
    /* t1's noise ends at 24000; before t2's clip (12000) the stem is silent */
    assert_float_equal(tu_peak(got, 0, 0, 12000), 0.0, 0.0);
    assert_true(tu_peak(got, 0, 12000, 42000) > 0.1);
    free(got);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_loudness_ebu(void **state)
{
    (void)state;
    int n = 20 * SR;
    float *buf = malloc(sizeof(float) * 2 * (size_t)n);
    double amp = pow(10, -23 / 20.0);
    for (int i = 0; i < n; i++)
        buf[2 * i] = buf[2 * i + 1] = (float)(amp * sin(2 * M_PI * 1000 * i / SR));
    eng_loudness l;
    assert_int_equal(eng_loudness_buffer(buf, n, SR, &l), 0);
    assert_float_equal(l.integrated, -23.0, 0.1);
    assert_float_equal(l.sample_peak_db, -23.0, 0.01);
    assert_float_equal(l.true_peak_db, -23.0, 0.1);
    assert_float_equal(l.range, 0.0, 0.1);
    free(buf);

    /* the same through the renderer: a mono sine clip, centred (-3.01 dB),
     * clip gain +3.0103 dB compensates the pan law */
    proto_doc *d = proto_doc_new("t", SR);
    tu_asset("s", tu_sine(1000, amp, 1, n, SR));
    tu_put(d, "{'id':'t1','kind':'track','order':'a'}");
    tu_put(d, "{'id':'c1','kind':'clip','track':'t1','asset':'s','start':0,"
              "'offset':0,'length':%d,'gain':%.6f}", n, 20 * log10(sqrt(2)));
    eng_plan *p = tu_plan(d);
    assert_int_equal(eng_loudness_measure(p, 0, n, NULL, &l), 0);
    assert_float_equal(l.integrated, -23.0, 0.1);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_normalize(void **state)
{
    (void)state;
    proto_doc *d = simple_doc(true);
    eng_plan *p = tu_plan(d);
    char path[300];
    eng_export_opts o;
    eng_export_info info;
    eng_export_opts_default(&o);
    o.format = ENG_FMT_WAVF32;
    o.normalize = true;
    /* a loud target: the ceiling wins */
    o.target_lufs = -5;
    o.ceiling_dbtp = -2;
    path_for(path, sizeof path, "norm.wav");
    assert_int_equal(export_file(p, &o, path, &info), 0);
    assert_true(info.loudness.true_peak_db <= -2.0 + 0.05);
    assert_true(info.loudness.integrated < -5);
    /* a quiet target is reached exactly */
    o.target_lufs = -30;
    o.ceiling_dbtp = -1;
    assert_int_equal(export_file(p, &o, path, &info), 0);
    assert_float_equal(info.loudness.integrated, -30, 0.1);
    assert_true(info.loudness.true_peak_db <= -1.0);
    /* the gain rule itself */
    eng_loudness l = {-20, 5, -3, -2};
    assert_float_equal(eng_loudness_norm_gain(&l, -14, -1), 1.0, 1e-12);
    assert_float_equal(eng_loudness_norm_gain(&l, -23, -1), -3.0, 1e-12);
    eng_plan_release(p);
    proto_doc_free(d);
}

static void test_format_names(void **state)
{
    (void)state;
    assert_int_equal(eng_format_parse("wav"), ENG_FMT_WAV24);
    assert_int_equal(eng_format_parse("flac16"), ENG_FMT_FLAC16);
    assert_int_equal(eng_format_parse("opus"), ENG_FMT_OPUS);
    assert_int_equal(eng_format_parse("mp3"), -1);
    assert_string_equal(eng_format_mime(ENG_FMT_FLAC24), "audio/flac");
    assert_string_equal(eng_format_ext(ENG_FMT_OPUS), "opus");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_wav, teardown),
        cmocka_unit_test_teardown(test_flac_streamed, teardown),
        cmocka_unit_test_teardown(test_opus, teardown),
        cmocka_unit_test_teardown(test_whole_project_end, teardown),
        cmocka_unit_test_teardown(test_stem, teardown),
        cmocka_unit_test_teardown(test_loudness_ebu, teardown),
        cmocka_unit_test_teardown(test_normalize, teardown),
        cmocka_unit_test(test_format_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown_all);
}
