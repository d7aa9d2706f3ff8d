/* test_import_errors.c -- the importer on bad input and the file-system
 * helpers: empty, garbage, cut-off and absurd files fail with the
 * documented sentence and leave nothing in the asset directory; leftover
 * temporaries are cleaned; SHA-256, asset paths and storing originals. */
#include <errno.h>
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

/* Imports s->src expecting failure with status st and exactly `msg`
 * (or, when prefix is set, an error starting with msg). */
static void expect_fail(scratch *s, eng_import_status st, const char *msg,
                        int prefix)
{
    eng_import_result r;

    assert_int_equal(tu_import(s->src, s->out, 48000, &r), -1);
    if (r.status != st)
        fail_msg("status %d (\"%s\"), want %d", r.status, r.error, st);
    if (prefix ? strncmp(r.error, msg, strlen(msg)) != 0
               : strcmp(r.error, msg) != 0)
        fail_msg("error \"%s\", want \"%s\"%s", r.error, msg,
                 prefix ? "..." : "");
    assert_int_equal(r.frames, 0);
    assert_int_equal(tu_count_entries(s->out), 0);
}

static void wr16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void wr32(unsigned char *p, unsigned v)
{
    wr16(p, v & 0xffff);
    wr16(p + 2, v >> 16);
}

/* A canonical 16-bit PCM WAV with the given header fields and `bytes`
 * bytes of (zero) data. */
static void write_wav(const char *path, unsigned channels, unsigned rate,
                      unsigned bytes)
{
    unsigned char *b = calloc(1, 44 + bytes);

    memcpy(b, "RIFF", 4);
    wr32(b + 4, 36 + bytes);
    memcpy(b + 8, "WAVEfmt ", 8);
    wr32(b + 16, 16);
    wr16(b + 20, 1);
    wr16(b + 22, channels);
    wr32(b + 24, rate);
    wr32(b + 28, rate * channels * 2);
    wr16(b + 32, channels * 2);
    wr16(b + 34, 16);
    memcpy(b + 36, "data", 4);
    wr32(b + 40, bytes);
    tu_write_bytes(path, b, 44 + bytes);
    free(b);
}

/* Writes a 2-second file in `format`, then keeps only `keep` of it. */
static void write_cut(const char *path, int format, double keep)
{
    float *sig = tu_sine(2, 88200, 44100, 440, 0.5);
    struct stat st;

    tu_write_sf(path, format, 2, 44100, sig, 88200);
    free(sig);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, (off_t)((double)st.st_size * keep)), 0);
}

static void test_empty(void **state)
{
    scratch *s = *state;

    tu_write_bytes(s->src, "", 0);
    expect_fail(s, ENG_IMPORT_EMPTY, "the file is empty", 0);
    /* a valid header with no frames */
    write_wav(s->src, 2, 44100, 0);
    expect_fail(s, ENG_IMPORT_EMPTY, "the file contains no audio", 0);
}

static void test_garbage(void **state)
{
    scratch *s = *state;
    unsigned char junk[4096];
    uint32_t x = 99;

    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 24);
    }
    tu_write_bytes(s->src, junk, sizeof junk);
    expect_fail(s, ENG_IMPORT_UNREADABLE, "not an audio file mixroom can read",
                0);
    tu_write_bytes(s->src, "hello, this is not a song\n", 26);
    expect_fail(s, ENG_IMPORT_UNREADABLE, "not an audio file mixroom can read",
                0);
    /* RIFF/WAVE magic with nothing useful after it */
    tu_write_bytes(s->src, "RIFF\x10\0\0\0WAVEjunkjunk", 20);
    expect_fail(s, ENG_IMPORT_UNREADABLE, "not an audio file mixroom can read",
                0);
    /* a format libsndfile reads but mixroom refuses (Sun .au) */
    float *sig = tu_sine(1, 1000, 44100, 440, 0.5);
    tu_write_sf(s->src, SF_FORMAT_AU | SF_FORMAT_PCM_16, 1, 44100, sig, 1000);
    free(sig);
    expect_fail(s, ENG_IMPORT_UNREADABLE, "not an audio file mixroom can read",
                0);
    /* a missing file */
    unlink(s->src);
    expect_fail(s, ENG_IMPORT_UNREADABLE, "cannot open the file: ", 1);
}

static void test_truncated(void **state)
{
    scratch *s = *state;

    write_cut(s->src, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 0.5);
    expect_fail(s, ENG_IMPORT_TRUNCATED, "the FLAC stream is cut off after ",
                1);
    eng_import_result r;
    assert_int_equal(tu_import(s->src, s->out, 48000, &r), -1);
    assert_non_null(strstr(r.error, "(the header announces 2.0 s)"));
    write_cut(s->src, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 0.6);
    expect_fail(s, ENG_IMPORT_TRUNCATED,
                "the WAV stream is cut off after 1.2 s (the header announces "
                "2.0 s)", 0);
    write_cut(s->src, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0.3);
    expect_fail(s, ENG_IMPORT_TRUNCATED, "the WAV stream is cut off after 0.6 s",
                1);
    write_cut(s->src, SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 0.5);
    expect_fail(s, ENG_IMPORT_TRUNCATED, "the AIFF stream is cut off after 1.0 s",
                1);
    /* an MP3 with a LAME header announces its length */
    tu_run("cd '%s' && sox -q -n -r 44100 -c 2 -b 16 l.wav synth 2 sine 440 "
           "gain -3 && lame --silent l.wav l.mp3 && head -c 12000 l.mp3 > '%s'",
           s->dir, s->src);
    expect_fail(s, ENG_IMPORT_TRUNCATED, "the MP3 stream is cut off after ", 1);
    /* a cut inside the header is simply unreadable */
    write_cut(s->src, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 0.001);
    expect_fail(s, ENG_IMPORT_UNREADABLE, "not an audio file mixroom can read",
                0);
}

static void test_absurd_headers(void **state)
{
    scratch *s = *state;

    write_wav(s->src, 0, 44100, 4000);
    expect_fail(s, ENG_IMPORT_BAD_CHANNELS, "the file declares 0 channels", 0);
    write_wav(s->src, 2, 1000000000, 4000);
    expect_fail(s, ENG_IMPORT_BAD_RATE,
                "sample rate 1000000000 Hz is outside 8000\u2013192000 Hz", 0);
    write_wav(s->src, 1, 3000, 4000);
    expect_fail(s, ENG_IMPORT_BAD_RATE,
                "sample rate 3000 Hz is outside 8000\u2013192000 Hz", 0);
    write_wav(s->src, 1, 0, 4000);
    expect_fail(s, ENG_IMPORT_BAD_RATE,
                "sample rate 0 Hz is outside 8000\u2013192000 Hz", 0);
    write_wav(s->src, 200, 44100, 4000);
    expect_fail(s, ENG_IMPORT_BAD_CHANNELS, "", 1);
}

/* A failed import leaves what was already in the directory alone, and a
 * directory we cannot create is an I/O error. */
static void test_dir_untouched(void **state)
{
    scratch *s = *state;
    char path[4300];
    eng_import_result r;

    assert_int_equal(mkdir(s->out, 0755), 0);
    snprintf(path, sizeof path, "%s/original", s->out);
    tu_write_bytes(path, "keep", 4);
    tu_write_bytes(s->src, "junk", 4);
    assert_int_equal(tu_import(s->src, s->out, 48000, &r), -1);
    assert_int_equal(tu_count_entries(s->out), 1);

    /* out_dir below a regular file */
    write_wav(s->src, 1, 48000, 2000);
    snprintf(path, sizeof path, "%s/original/sub", s->out);
    assert_int_equal(tu_import(s->src, path, 48000, &r), -1);
    assert_int_equal(r.status, ENG_IMPORT_IO);
    assert_non_null(strstr(r.error, "could not write the asset directory"));

    /* bad options */
    assert_int_equal(tu_import(s->src, s->out, 0, &r), -1);
    assert_int_equal(r.status, ENG_IMPORT_INVALID);
    assert_int_equal(tu_count_entries(s->out), 1);
}

static void test_cleanup_temps(void **state)
{
    scratch *s = *state;
    char a[4300], b[4400], c[4400], d[4400];
    const char *sha =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    assert_int_equal(eng_import_cleanup_temps(s->dir), 0); /* no tree yet */
    assert_int_equal(eng_asset_dir(a, sizeof a, s->dir, sha), 0);
    assert_int_equal(eng_mkdirs(a), 0);
    snprintf(b, sizeof b, "%s/.tmp-samples-48000-AbC123", a);
    snprintf(c, sizeof c, "%s/.tmp-peaks-48000-xyz", a);
    snprintf(d, sizeof d, "%s/samples-48000", a);
    tu_write_bytes(b, "x", 1);
    tu_write_bytes(c, "x", 1);
    tu_write_bytes(d, "x", 1);
    assert_int_equal(eng_import_cleanup_temps(s->dir), 2);
    assert_int_equal(access(b, F_OK), -1);
    assert_int_equal(access(c, F_OK), -1);
    assert_int_equal(access(d, F_OK), 0);
    assert_int_equal(eng_import_cleanup_temps(s->dir), 0);
}

static void test_sha256(void **state)
{
    scratch *s = *state;
    char hex[65];

    tu_write_bytes(s->src, "abc", 3);
    assert_int_equal(eng_sha256_file(s->src, hex), 0);
    assert_string_equal(
        hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    tu_write_bytes(s->src, "", 0);
    assert_int_equal(eng_sha256_file(s->src, hex), 0);
    assert_string_equal(
        hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* longer than one read buffer: 200000 x 'a' */
    char *big = malloc(200000);
    memset(big, 'a', 200000);
    tu_write_bytes(s->src, big, 200000);
    free(big);
    assert_int_equal(eng_sha256_file(s->src, hex), 0);
    tu_run("test \"$(printf 'a%%.0s' $(seq 200000) | sha256sum | cut -c1-64)\""
           " = %s", hex);
    unlink(s->src);
    assert_int_equal(eng_sha256_file(s->src, hex), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_asset_paths(void **state)
{
    (void)state;
    char out[200], small[40];
    const char *sha =
        "0a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    assert_int_equal(eng_asset_dir(out, sizeof out, "/d", sha), 0);
    assert_string_equal(out, "/d/assets/0a/0a7816bf8f01cfea414140de5dae2223b0"
                             "0361a396177a9cb410ff61f20015ad");
    assert_int_equal(eng_asset_dir(out, sizeof out, "/d", "0A78"), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(eng_asset_dir(out, sizeof out, "/d", "../../etc"), -1);
    assert_int_equal(eng_asset_dir(small, sizeof small, "/d", sha), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    assert_int_equal(eng_asset_file(out, sizeof out, "/x", "peaks", 44100), 0);
    assert_string_equal(out, "/x/peaks-44100");
}

static void test_store_original(void **state)
{
    scratch *s = *state;
    char path[4300], hex[65];

    tu_write_bytes(s->src, "abc", 3);
    assert_int_equal(eng_sha256_file(s->src, hex), 0);
    assert_int_equal(eng_asset_dir(path, sizeof path, s->dir, hex), 0);
    assert_int_equal(eng_store_original(s->src, path), 0);
    assert_int_equal(access(s->src, F_OK), -1);
    strcat(path, "/original");
    assert_int_equal(eng_sha256_file(path, hex), 0);
    assert_string_equal(
        hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* the same upload again: the stored copy stays, the temp goes */
    tu_write_bytes(s->src, "abc", 3);
    path[strlen(path) - strlen("/original")] = '\0';
    assert_int_equal(eng_store_original(s->src, path), 0);
    assert_int_equal(access(s->src, F_OK), -1);
    assert_int_equal(tu_count_entries(path), 1);
    /* import straight from the stored original */
    eng_import_result r;
    float *sig = tu_sine(1, 4800, 48000, 440, 0.5);
    tu_write_sf(s->src, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 48000, sig, 4800);
    free(sig);
    assert_int_equal(eng_sha256_file(s->src, hex), 0);
    assert_int_equal(eng_asset_dir(path, sizeof path, s->dir, hex), 0);
    assert_int_equal(eng_store_original(s->src, path), 0);
    char orig[4400];
    snprintf(orig, sizeof orig, "%s/original", path);
    assert_int_equal(tu_import(orig, path, 44100, &r), 0);
    assert_int_equal(tu_import(orig, path, 48000, &r), 0);
    assert_int_equal(tu_count_entries(path), 5); /* original + 2 x 2 */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_scratch_setup, \
                                             tu_scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_empty),          T(test_garbage),     T(test_truncated),
        T(test_absurd_headers), T(test_dir_untouched), T(test_cleanup_temps),
        T(test_sha256),         T(test_asset_paths), T(test_store_original),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
