/* test_import.c -- the importer on good input: every accepted format and
 * bit depth at several rates gives the documented frame count, lossless
 * input at the project rate is bit-exact, resampling keeps the signal,
 * files from the real encoders (sox, flac, lame, opusenc) import, and the
 * progress callback and cancellation work. Errors: test_import_errors.c. */
#include <math.h>
#include <setjmp.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/import.h"
#include "tests/unit/test_import_util.h"

static const int rates[] = {8000, 22050, 44100, 48000, 96000, 192000};

typedef struct fmt_case {
    int format;
    const char *name;      /* expected eng_import_result.format */
    int lossy;
    int rate_ok[6];        /* which of rates[] the encoder supports */
} fmt_case;

static const fmt_case formats[] = {
    {SF_FORMAT_WAV | SF_FORMAT_PCM_U8, "WAV 8-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_WAV | SF_FORMAT_PCM_16, "WAV 16-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_WAV | SF_FORMAT_PCM_24, "WAV 24-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_WAV | SF_FORMAT_PCM_32, "WAV 32-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_WAV | SF_FORMAT_FLOAT, "WAV 32-bit float", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_WAV | SF_FORMAT_DOUBLE, "WAV 64-bit float", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, "WAV 24-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_AIFF | SF_FORMAT_PCM_16, "AIFF 16-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_AIFF | SF_FORMAT_PCM_24, "AIFF 24-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_FLAC | SF_FORMAT_PCM_16, "FLAC 16-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_FLAC | SF_FORMAT_PCM_24, "FLAC 24-bit", 0, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_OGG | SF_FORMAT_VORBIS, "Ogg Vorbis", 1, {1, 1, 1, 1, 1, 1}},
    {SF_FORMAT_OGG | SF_FORMAT_OPUS, "Ogg Opus", 1, {1, 0, 0, 1, 0, 0}},
    {SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "MP3", 1, {1, 1, 1, 1, 0, 0}},
};

static int64_t expected_frames(int64_t in, int in_rate, int out_rate)
{
    if (in_rate == out_rate)
        return in;
    return (in * out_rate + in_rate / 2) / in_rate;
}

/* Every format x rate: right format name, frame count by the rule. */
static void test_format_matrix(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char src[4200], out[4200];
    const int64_t n = 4000; /* short: 96 cases must stay fast */

    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        for (size_t k = 0; k < 6; k++) {
            if (!formats[f].rate_ok[k])
                continue;
            int rate = rates[k];
            int64_t frames = n * rate / 8000;
            float *sig = tu_sine(2, frames, rate, rate / 40.0, 0.5);
            eng_import_result r;
            snprintf(src, sizeof src, "%s/in-%zu-%d", dir, f, rate);
            snprintf(out, sizeof out, "%s/out-%zu-%d", dir, f, rate);
            tu_write_sf(src, formats[f].format, 2, rate, sig, frames);
            free(sig);
            for (int pr = 44100; pr <= 48000; pr += 3900) {
                if (tu_import(src, out, pr, &r) != 0)
                    fail_msg("%s at %d Hz -> %d: %s", formats[f].name, rate,
                             pr, r.error);
                assert_int_equal(r.status, ENG_IMPORT_OK);
                assert_string_equal(r.format, formats[f].name);
                assert_int_equal(r.orig_rate, rate);
                assert_int_equal(r.orig_channels, 2);
                assert_int_equal(r.channels, 2);
                assert_int_equal(r.rate, pr);
                if (!formats[f].lossy)
                    assert_int_equal(r.orig_frames, frames);
                else if (llabs(r.orig_frames - frames) > 1152)
                    fail_msg("%s at %d Hz: %lld frames decoded, %lld written",
                             formats[f].name, rate, (long long)r.orig_frames,
                             (long long)frames);
                assert_int_equal(r.frames,
                                 expected_frames(r.orig_frames, rate, pr));
                assert_true(fabs(r.duration - (double)r.frames / pr) < 1e-9);
                eng_asset *a = tu_open_samples(out, pr);
                assert_int_equal(a->frames, r.frames);
                assert_int_equal(a->channels, 2);
                assert_int_equal(a->sample_rate, pr);
                eng_asset_release(a);
            }
        }
    }
    tu_rmrf(dir);
    free(dir);
}

/* Integer PCM at the project rate: every sample is exactly value/2^31
 * (within float rounding for 32-bit). */
static void test_lossless_exact(void **state)
{
    (void)state;
    static const struct {
        int format, bits;
    } cases[] = {
        {SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16},
        {SF_FORMAT_WAV | SF_FORMAT_PCM_24, 24},
        {SF_FORMAT_WAV | SF_FORMAT_PCM_32, 32},
        {SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8},
        {SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 24},
        {SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16},
        {SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 24},
    };
    char *dir = tu_mkdtemp();
    char src[4200], out[4200];
    const int64_t frames = 20000;
    int32_t *v = malloc(sizeof(int32_t) * 2 * frames);
    uint32_t seed = 12345;

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int shift = 32 - cases[c].bits;
        for (int64_t i = 0; i < 2 * frames; i++) {
            seed = seed * 1664525u + 1013904223u;
            /* random values on the format's grid, full scale included */
            v[i] = (int32_t)(seed & (0xffffffffu << shift));
        }
        v[0] = INT32_MIN;
        v[1] = (int32_t)(0x7fffffffu & (0xffffffffu << shift));
        snprintf(src, sizeof src, "%s/in-%zu", dir, c);
        snprintf(out, sizeof out, "%s/out-%zu", dir, c);
        tu_write_sf_int(src, cases[c].format, 2, 48000, v, frames);
        eng_import_result r;
        assert_int_equal(tu_import(src, out, 48000, &r), 0);
        eng_asset *a = tu_open_samples(out, 48000);
        assert_int_equal(a->frames, frames);
        for (int64_t i = 0; i < 2 * frames; i++) {
            float want = (float)((double)v[i] / 2147483648.0);
            if (cases[c].bits <= 24 ? a->samples[i] != want
                                    : fabsf(a->samples[i] - want) >
                                          6e-8f * fmaxf(1.0f, fabsf(want)))
                fail_msg("case %zu sample %lld: %.9g != %.9g", c,
                         (long long)i, a->samples[i], want);
        }
        eng_asset_release(a);
    }
    /* float and double WAV pass values through untouched */
    float *sig = tu_sine(2, frames, 44100, 1000, 0.9);
    for (int d = 0; d < 2; d++) {
        snprintf(src, sizeof src, "%s/float-%d.wav", dir, d);
        snprintf(out, sizeof out, "%s/float-out-%d", dir, d);
        tu_write_sf(src, SF_FORMAT_WAV | (d ? SF_FORMAT_DOUBLE : SF_FORMAT_FLOAT),
                    2, 44100, sig, frames);
        eng_import_result r;
        assert_int_equal(tu_import(src, out, 44100, &r), 0);
        eng_asset *a = tu_open_samples(out, 44100);
        assert_memory_equal(a->samples, sig, sizeof(float) * 2 * frames);
        eng_asset_release(a);
    }
    free(sig);
    free(v);
    tu_rmrf(dir);
    free(dir);
}

/* The frame-count rule on awkward lengths and rate pairs. */
static void test_resample_rounding(void **state)
{
    (void)state;
    static const int64_t lens[] = {1, 2, 7, 147, 1000, 44101, 96001};
    static const int pairs[][2] = {{44100, 48000}, {48000, 44100},
                                   {8000, 48000}, {192000, 44100},
                                   {22050, 48000}, {96000, 48000},
                                   {11025, 44100}};
    char *dir = tu_mkdtemp();
    char src[4200], out[4200];

    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            float *sig = tu_sine(1, lens[l], pairs[p][0], 440, 0.5);
            eng_import_result r;
            snprintf(src, sizeof src, "%s/in.wav", dir);
            snprintf(out, sizeof out, "%s/o-%zu-%zu", dir, p, l);
            tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1, pairs[p][0],
                        sig, lens[l]);
            free(sig);
            assert_int_equal(tu_import(src, out, pairs[p][1], &r), 0);
            int64_t want = (lens[l] * pairs[p][1] + pairs[p][0] / 2) /
                           pairs[p][0];
            if (r.frames != want)
                fail_msg("%lld frames %d->%d: %lld, want %lld",
                         (long long)lens[l], pairs[p][0], pairs[p][1],
                         (long long)r.frames, (long long)want);
            eng_asset *a = tu_open_samples(out, pairs[p][1]);
            assert_int_equal(a->frames, want);
            eng_asset_release(a);
        }
    tu_rmrf(dir);
    free(dir);
}

/* 44.1k -> 48k -> 44.1k keeps the signal (correlation > 0.999) and the
 * length; the 48k version has the sine at the same frequency. */
static void test_resample_roundtrip(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char src[4200], mid[4200], out1[4200], out2[4200];
    const int64_t frames = 44100;
    /* a chord of sines well below both Nyquists */
    float *sig = calloc(2 * frames, sizeof(float));
    for (int64_t i = 0; i < frames; i++)
        for (int c = 0; c < 2; c++)
            sig[2 * i + c] = (float)(0.3 * sin(2 * M_PI * 440 * i / 44100.0) +
                                     0.2 * sin(2 * M_PI * (3000 + c * 500) *
                                               i / 44100.0) +
                                     0.1 * sin(2 * M_PI * 15000 * i / 44100.0));
    snprintf(src, sizeof src, "%s/in.wav", dir);
    snprintf(mid, sizeof mid, "%s/mid.wav", dir);
    snprintf(out1, sizeof out1, "%s/o1", dir);
    snprintf(out2, sizeof out2, "%s/o2", dir);
    tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 44100, sig, frames);
    eng_import_result r;
    assert_int_equal(tu_import(src, out1, 48000, &r), 0);
    assert_int_equal(r.frames, 48000);
    eng_asset *a = tu_open_samples(out1, 48000);
    /* 440 Hz at 48k: compare the middle against the ideal sine */
    float *ideal = malloc(sizeof(float) * 2 * 48000);
    for (int64_t i = 0; i < 48000; i++)
        for (int c = 0; c < 2; c++)
            ideal[2 * i + c] = (float)(0.3 * sin(2 * M_PI * 440 * i / 48000.0) +
                                       0.2 * sin(2 * M_PI * (3000 + c * 500) *
                                                 i / 48000.0) +
                                       0.1 * sin(2 * M_PI * 15000 * i / 48000.0));
    assert_true(tu_correlation(a->samples + 2000, ideal + 2000, 2 * 44000) >
                0.999);
    free(ideal);
    tu_write_sf(mid, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 48000, a->samples,
                a->frames);
    eng_asset_release(a);
    assert_int_equal(tu_import(mid, out2, 44100, &r), 0);
    assert_int_equal(r.frames, frames);
    a = tu_open_samples(out2, 44100);
    double corr = tu_correlation(a->samples, sig, 2 * frames);
    if (!(corr > 0.999))
        fail_msg("round-trip correlation %.6f", corr);
    eng_asset_release(a);
    free(sig);
    tu_rmrf(dir);
    free(dir);
}

/* Files made by the real tools the project installs. */
static void test_external_encoders(void **state)
{
    (void)state;
    static const struct {
        const char *cmd;      /* run in the scratch dir */
        const char *file;
        const char *format;
        int rate;
        int channels;
        int64_t frames;       /* < 0: lossy, within 2000 of -frames */
    } cases[] = {
        {"sox -q -n -r 96000 -c 2 -b 24 sox24.wav synth 1 sine 440 gain -3",
         "sox24.wav", "WAV 24-bit", 96000, 2, 96000},
        {"sox -q -n -r 44100 -c 1 -b 16 m.aiff synth 1 sine 440 gain -3",
         "m.aiff", "AIFF 16-bit", 44100, 1, 44100},
        {"sox -q -n -r 48000 -c 2 -b 24 f.wav synth 1 sine 440 gain -3 && "
         "flac -s -f f.wav -o f.flac",
         "f.flac", "FLAC 24-bit", 48000, 2, 48000},
        {"sox -q -n -r 44100 -c 2 -b 16 l.wav synth 1 sine 440 gain -3 && "
         "lame --silent l.wav l.mp3",
         "l.mp3", "MP3", 44100, 2, -44100},
        /* VBR and CBR without a Xing/LAME header: the whole stream, not
         * libsndfile's size-based estimate */
        {"sox -q -n -r 44100 -c 2 -b 16 t.wav synth 7 sine 440 gain -3 && "
         "lame --silent -t -V2 t.wav vbr.mp3",
         "vbr.mp3", "MP3", 44100, 2, -7 * 44100},
        {"lame --silent -t -b 128 t.wav cbr.mp3",
         "cbr.mp3", "MP3", 44100, 2, -7 * 44100},
        {"sox -q -n -r 48000 -c 2 -b 16 o.wav synth 1 sine 440 gain -3 && "
         "opusenc --quiet o.wav o.opus",
         "o.opus", "Ogg Opus", 48000, 2, -48000},
        {"sox -q -n -r 44100 -c 2 v.ogg synth 1 sine 440 gain -3",
         "v.ogg", "Ogg Vorbis", 44100, 2, -44100},
        {"sox -q -n -r 22050 -c 6 -b 16 six.wav synth 1 sine 440 gain -3",
         "six.wav", "WAV 16-bit", 22050, 6, 22050},
    };
    char *dir = tu_mkdtemp();
    char src[4200], out[4200];

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        eng_import_result r;
        tu_run("cd '%s' && %s", dir, cases[c].cmd);
        snprintf(src, sizeof src, "%s/%s", dir, cases[c].file);
        snprintf(out, sizeof out, "%s/out-%zu", dir, c);
        if (tu_import(src, out, 48000, &r) != 0)
            fail_msg("%s: %s", cases[c].file, r.error);
        assert_string_equal(r.format, cases[c].format);
        assert_int_equal(r.orig_rate, cases[c].rate);
        assert_int_equal(r.orig_channels, cases[c].channels);
        assert_int_equal(r.channels, cases[c].channels == 1 ? 1 : 2);
        if (cases[c].frames >= 0)
            assert_int_equal(r.orig_frames, cases[c].frames);
        else if (llabs(r.orig_frames + cases[c].frames) >= 2000)
            fail_msg("%s: %lld frames, want about %lld", cases[c].file,
                     (long long)r.orig_frames, (long long)-cases[c].frames);
        assert_int_equal(r.frames, expected_frames(r.orig_frames, r.orig_rate,
                                                   48000));
    }
    /* sox writes >16-bit WAV as WAVE_FORMAT_EXTENSIBLE: check it did */
    unsigned char hdr[22];
    snprintf(src, sizeof src, "%s/sox24.wav", dir);
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    assert_int_equal(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
    fclose(f);
    assert_int_equal(hdr[20] | hdr[21] << 8, 0xfffe);
    tu_rmrf(dir);
    free(dir);
}

/* Mono stays mono, stereo stays stereo, 3/4/6 channels fold by rule. */
static void test_channel_fold(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char src[4200], out[4200];
    const float lv[8] = {0.1f, 0.2f, 0.3f, 0.4f, 0.05f, -0.25f, 0.6f, 0.7f};
    const float g = (float)M_SQRT1_2, norm = 1.0f / (1.0f + 2.0f * g);
    static const int counts[] = {1, 2, 3, 4, 6, 8};

    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        int ch = counts[k];
        const int64_t frames = 1000;
        float *sig = malloc(sizeof(float) * (size_t)ch * frames);
        float want[2];
        for (int64_t i = 0; i < frames; i++)
            for (int c = 0; c < ch; c++)
                sig[i * ch + c] = lv[c];
        if (ch <= 2) {
            want[0] = lv[0];
            want[1] = lv[1];
        } else if (ch == 6) {
            want[0] = (lv[0] + g * lv[2] + g * lv[4]) * norm;
            want[1] = (lv[1] + g * lv[2] + g * lv[5]) * norm;
        } else {
            float l = 0, rr = 0;
            for (int c = 0; c < ch; c += 2)
                l += lv[c];
            for (int c = 1; c < ch; c += 2)
                rr += lv[c];
            want[0] = l / (float)((ch + 1) / 2);
            want[1] = rr / (float)(ch / 2);
        }
        snprintf(src, sizeof src, "%s/in-%d.wav", dir, ch);
        snprintf(out, sizeof out, "%s/out-%d", dir, ch);
        tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_FLOAT, ch, 48000, sig,
                    frames);
        free(sig);
        eng_import_result r;
        assert_int_equal(tu_import(src, out, 48000, &r), 0);
        assert_int_equal(r.orig_channels, ch);
        assert_int_equal(r.channels, ch == 1 ? 1 : 2);
        eng_asset *a = tu_open_samples(out, 48000);
        for (int64_t i = 0; i < frames; i++)
            for (int c = 0; c < r.channels; c++)
                assert_true(fabsf(a->samples[i * r.channels + c] - want[c]) <
                            1e-6f);
        eng_asset_release(a);
    }
    tu_rmrf(dir);
    free(dir);
}

typedef struct progress_log {
    int calls;
    double first, last, prev;
    int decreasing;
} progress_log;

static void on_progress(void *ctx, double f)
{
    progress_log *p = ctx;

    if (p->calls == 0)
        p->first = f;
    else if (f < p->prev)
        p->decreasing = 1;
    p->prev = p->last = f;
    p->calls++;
}

static void cancel_on_progress(void *ctx, double f)
{
    (void)f;
    atomic_store((atomic_int *)ctx, 1);
}

/* Progress goes 0 .. 1 without going back; a set cancel flag stops the
 * import with nothing left behind. */
static void test_progress_and_cancel(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char src[4200], out[4200];
    const int64_t frames = 44100 * 20;
    float *sig = tu_sine(2, frames, 44100, 440, 0.5);
    progress_log log = {0};
    eng_import_result r;

    snprintf(src, sizeof src, "%s/in.wav", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 44100, sig, frames);
    free(sig);
    eng_import_opts o = {.src_path = src, .out_dir = out, .rate = 48000,
                         .progress = on_progress, .progress_ctx = &log};
    assert_int_equal(eng_import(&o, &r), 0);
    assert_true(log.calls >= 2);
    assert_true(log.first == 0.0);
    assert_true(log.last == 1.0);
    assert_false(log.decreasing);

    atomic_int cancel = 0;
    snprintf(out, sizeof out, "%s/out2", dir);
    o.out_dir = out;
    o.progress = cancel_on_progress;
    o.progress_ctx = &cancel;
    o.cancel = &cancel;
    assert_int_equal(eng_import(&o, &r), -1);
    assert_int_equal(r.status, ENG_IMPORT_CANCELLED);
    assert_string_equal(r.error, "the import was cancelled");
    assert_int_equal(tu_count_entries(out), 0);

    /* max_seconds */
    o.progress = NULL;
    o.cancel = NULL;
    o.max_seconds = 5;
    assert_int_equal(eng_import(&o, &r), -1);
    assert_int_equal(r.status, ENG_IMPORT_TOO_LONG);
    assert_int_equal(tu_count_entries(out), 0);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_matrix),
        cmocka_unit_test(test_lossless_exact),
        cmocka_unit_test(test_resample_rounding),
        cmocka_unit_test(test_resample_roundtrip),
        cmocka_unit_test(test_external_encoders),
        cmocka_unit_test(test_channel_fold),
        cmocka_unit_test(test_progress_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
