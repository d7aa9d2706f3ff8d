/* test_import_limits.c -- the importer's limits (max_seconds, max_decoded,
 * max_total_decoded): a long low-rate FLAC is refused from its header
 * before a sample is decoded or a file written; an MP3 without a length
 * in its header is stopped while decoding; a file exactly at every limit
 * imports and one frame more does not; the duration and size texts. */
#include <setjmp.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/import.h"
#include "tests/unit/test_import_util.h"

typedef tu_scratch scratch;

/* Writes `frames` frames of mono silence in `format` at `rate`, in
 * chunks (hours of audio without holding them in memory). */
static void write_silence(const char *path, int format, int rate,
                          int64_t frames)
{
    static float zero[65536];
    SF_INFO info = {.samplerate = rate, .channels = 1, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);

    if (!sf)
        fail_msg("sf_open(%s): %s", path, sf_strerror(NULL));
    while (frames > 0) {
        sf_count_t n = frames < 65536 ? (sf_count_t)frames : 65536;
        assert_int_equal(sf_writef_float(sf, zero, n), n);
        frames -= n;
    }
    assert_int_equal(sf_close(sf), 0);
}

/* Removes the asset directory a successful import made. */
static void remove_out(const scratch *s)
{
    char cmd[8500];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->out);
    assert_int_equal(system(cmd), 0);
}

static eng_import_opts opts_for(const scratch *s, int rate)
{
    eng_import_opts o = {.src_path = s->src, .out_dir = s->out,
                         .rate = rate};
    return o;
}

/* Refused with st/limit/exact and nothing in the output directory. */
static void expect_refused(const eng_import_opts *o, eng_import_result *r,
                           eng_import_status st, eng_import_limit limit,
                           int exact)
{
    assert_int_equal(eng_import(o, r), -1);
    if (r->status != st || r->limit != limit || r->limit_exact != exact)
        fail_msg("status %d limit %d exact %d (\"%s\"), want %d %d %d",
                 r->status, r->limit, r->limit_exact, r->error, st, limit,
                 exact);
    assert_int_equal(r->frames, 0);
    assert_int_equal(tu_count_entries(o->out_dir), 0);
}

/* The file: 2 h of 8 kHz silence, a small FLAC that would be a
 * 1.38 GB samples file at 48 kHz. Every limit refuses it from the header:
 * not one frame is decoded and the output directory is never made. */
static void test_header_refuses_long_flac(void **state)
{
    scratch *s = *state;
    eng_import_opts o = opts_for(s, 48000);
    eng_import_result r;
    const int64_t decoded = 64 + (int64_t)7200 * 48000 * 4;
    struct stat st;

    write_silence(s->src, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 8000,
                  (int64_t)7200 * 8000);
    assert_int_equal(stat(s->src, &st), 0);
    assert_true(st.st_size < 4 * 1024 * 1024);

    o.max_seconds = 1800;
    expect_refused(&o, &r, ENG_IMPORT_TOO_LONG, ENG_LIMIT_SECONDS, 1);
    assert_string_equal(r.error, "the file is 2 h 0 min long; the limit is "
                                 "30 min");
    assert_true(r.limit_seconds == 7200.0);
    assert_int_equal(r.limit_decoded, decoded);
    assert_int_equal(r.orig_frames, 0);      /* nothing decoded */
    assert_int_equal(access(s->out, F_OK), -1); /* nor a directory made */

    o.max_seconds = 0;
    o.max_decoded = (int64_t)1 << 30;
    expect_refused(&o, &r, ENG_IMPORT_TOO_BIG, ENG_LIMIT_DECODED, 1);
    assert_string_equal(r.error,
                        "the file takes 1.3 GiB decoded; the limit is 1 GiB");
    assert_int_equal(r.limit_decoded, decoded);
    assert_int_equal(r.orig_frames, 0);
    assert_int_equal(access(s->out, F_OK), -1);

    o.max_decoded = 0;
    o.max_total_decoded = (int64_t)2 << 30;
    o.other_decoded = (int64_t)1 << 30;
    expect_refused(&o, &r, ENG_IMPORT_TOO_BIG, ENG_LIMIT_TOTAL, 1);
    assert_string_equal(r.error, "with the file, the decoded audio takes "
                                 "2.3 GiB; the limit is 2 GiB");
    assert_int_equal(r.orig_frames, 0);
    assert_int_equal(access(s->out, F_OK), -1);
}

/* An MP3 without a Xing/LAME header has no length: the limits are found
 * while decoding, and the import stops within a chunk of the limit. */
static void test_unknown_length_stopped_while_decoding(void **state)
{
    scratch *s = *state;
    eng_import_opts o = opts_for(s, 48000);
    eng_import_result r;
    char wav[4200];

    snprintf(wav, sizeof wav, "%s/long.wav", s->dir);
    write_silence(wav, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 8000 * 60);
    tu_run("lame --silent -t -b 32 '%s' '%s'", wav, s->src);

    /* without limits it imports, at least a minute of it */
    assert_int_equal(eng_import(&o, &r), 0);
    assert_true(r.duration >= 60.0);
    remove_out(s);

    o.max_seconds = 10;
    expect_refused(&o, &r, ENG_IMPORT_TOO_LONG, ENG_LIMIT_SECONDS, 0);
    assert_string_equal(r.error, "the file is longer than the limit of 10 s");
    /* stopped at the first chunk past 10 s, not at the end of the file */
    assert_true(r.orig_frames > 10 * 8000);
    assert_true(r.orig_frames <= 10 * 8000 + 8192);

    o.max_seconds = 0;
    o.max_decoded = 64 + (int64_t)48000 * 4 * 5; /* 5 s at 48 kHz mono */
    expect_refused(&o, &r, ENG_IMPORT_TOO_BIG, ENG_LIMIT_DECODED, 0);
    assert_true(r.limit_decoded > o.max_decoded);
    assert_true(r.orig_frames < 8000 * 10);

    o.max_decoded = 0;
    o.max_total_decoded = 64 + (int64_t)48000 * 4 * 8;
    o.other_decoded = (int64_t)48000 * 4 * 3;
    expect_refused(&o, &r, ENG_IMPORT_TOO_BIG, ENG_LIMIT_TOTAL, 0);
    assert_string_equal(r.error, "with the file, the decoded audio takes "
                                 "more than the limit of 1.5 MiB");
    assert_true(r.orig_frames < 8000 * 10);
}

/* A WAV whose data size is the 0xFFFFFFFF streaming placeholder: the
 * length comes from the file's size, and the limit still holds. */
static void test_placeholder_wav(void **state)
{
    scratch *s = *state;
    eng_import_opts o = opts_for(s, 48000);
    eng_import_result r;
    unsigned char ff[4] = {0xff, 0xff, 0xff, 0xff};
    FILE *f;

    write_silence(s->src, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 8000 * 6);
    f = fopen(s->src, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 40, SEEK_SET), 0); /* the data chunk's size */
    assert_int_equal(fwrite(ff, 1, 4, f), 4);
    assert_int_equal(fclose(f), 0);
    o.max_seconds = 5;
    assert_int_equal(eng_import(&o, &r), -1);
    assert_int_equal(r.status, ENG_IMPORT_TOO_LONG);
    assert_int_equal(r.limit, ENG_LIMIT_SECONDS);
    assert_int_equal(tu_count_entries(s->out), 0);
}

/* A file exactly at every limit imports; one frame more is refused by
 * each limit on its own. 5 s at 44.1 kHz stereo -> 240000 frames at 48k. */
static void test_exactly_at_the_limits(void **state)
{
    scratch *s = *state;
    eng_import_opts o = opts_for(s, 48000);
    eng_import_result r;
    const int64_t decoded = 64 + (int64_t)240000 * 2 * 4;
    float *sig = tu_sine(2, 44100 * 5, 44100, 440, 0.5);

    tu_write_sf(s->src, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 44100, sig,
                44100 * 5);
    free(sig);
    o.max_seconds = 5;
    o.max_decoded = decoded;
    o.other_decoded = 1000;
    o.max_total_decoded = decoded + 1000;
    assert_int_equal(eng_import(&o, &r), 0);
    assert_int_equal(r.frames, 240000);
    assert_int_equal(r.limit, ENG_LIMIT_NONE);
    remove_out(s);

    o.max_seconds = 4.99;
    expect_refused(&o, &r, ENG_IMPORT_TOO_LONG, ENG_LIMIT_SECONDS, 1);
    assert_string_equal(r.error, "the file is 5 s long; the limit is 5 s");
    o.max_seconds = 5;
    o.max_decoded = decoded - 1;
    expect_refused(&o, &r, ENG_IMPORT_TOO_BIG, ENG_LIMIT_DECODED, 1);
    /* the rounded sizes would read the same: exact bytes */
    assert_string_equal(r.error, "the file takes 1920064 bytes decoded; the "
                                 "limit is 1920063 bytes");
    o.max_decoded = decoded;
    o.max_total_decoded = decoded + 999;
    expect_refused(&o, &r, ENG_IMPORT_TOO_BIG, ENG_LIMIT_TOTAL, 1);
}

static void test_texts(void **state)
{
    static const struct {
        double s;
        const char *want;
    } d[] = {{0, "0 s"},         {5, "5 s"},           {5.21, "5.3 s"},
             {59.99, "59.9 s"},  {60, "1 min"},        {270, "4 min 30 s"},
             {1800, "30 min"},   {1800.4, "30 min 1 s"}, {7200, "2 h 0 min"},
             {3601, "1 h 0 min 1 s"}, {86400, "24 h 0 min"}};
    static const struct {
        int64_t b;
        const char *want;
    } z[] = {{100, "100 bytes"},
             {1024, "1 KiB"},
             {900 * 1024, "900 KiB"},
             {(int64_t)512 << 20, "512 MiB"},
             {(int64_t)1 << 31, "2 GiB"},
             {1382400064, "1.3 GiB"},
             {(int64_t)20 << 30, "20 GiB"}};
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        eng_duration_text(d[i].s, out, sizeof out);
        if (strcmp(out, d[i].want) != 0)
            fail_msg("%g s reads \"%s\", want \"%s\"", d[i].s, out, d[i].want);
    }
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        eng_size_text(z[i].b, out, sizeof out);
        if (strcmp(out, z[i].want) != 0)
            fail_msg("%lld bytes read \"%s\", want \"%s\"",
                     (long long)z[i].b, out, z[i].want);
    }
    assert_int_equal(eng_decoded_bytes(240000, 2), 64 + 240000 * 8);
    assert_int_equal(eng_frames_at_rate(44100, 44100, 48000), 48000);
    assert_int_equal(eng_frames_at_rate(7, 48000, 44100), 6);
    assert_int_equal(eng_frames_at_rate(7, 48000, 48000), 7);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_scratch_setup, \
                                             tu_scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_header_refuses_long_flac),
        T(test_unknown_length_stopped_while_decoding),
        T(test_placeholder_wav),
        T(test_exactly_at_the_limits),
        cmocka_unit_test(test_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
