/* test_peaks.c -- the waveform overview: the peaks the importer writes
 * match a brute-force min/max of the samples at every level, the header
 * is as documented, single levels are served as complete files, and
 * malformed files are refused. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/import.h"
#include "engine/peaks.h"
#include "tests/unit/test_import_util.h"

static int16_t q(double v, int up)
{
    v = v < -1 ? -1 : v > 1 ? 1 : v;
    return (int16_t)(up ? ceil(v * 32767.0) : floor(v * 32767.0));
}

static int16_t le16(const unsigned char *p)
{
    return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

/* Checks every level of f against a brute-force pass over the samples. */
static void check_against(const eng_peaks_file *f, const eng_asset *a)
{
    assert_int_equal(f->channels, a->channels);
    assert_int_equal(f->sample_rate, a->sample_rate);
    assert_int_equal(f->frames, a->frames);
    for (int k = 0; k < f->levels; k++) {
        const eng_peaks_level *l = &f->level[k];
        int64_t fpp = l->frames_per_pair;
        assert_int_equal(l->count, (a->frames + fpp - 1) / fpp);
        for (int64_t i = 0; i < l->count; i++)
            for (int c = 0; c < a->channels; c++) {
                double mn = INFINITY, mx = -INFINITY;
                for (int64_t fr = i * fpp; fr < (i + 1) * fpp && fr < a->frames;
                     fr++) {
                    double v = a->samples[fr * a->channels + c];
                    mn = fmin(mn, v);
                    mx = fmax(mx, v);
                }
                const unsigned char *p = l->data + (i * f->channels + c) * 4;
                if (le16(p) != q(mn, 0) || le16(p + 2) != q(mx, 1))
                    fail_msg("level %d pair %lld ch %d: %d/%d want %d/%d", k,
                             (long long)i, c, le16(p), le16(p + 2), q(mn, 0),
                             q(mx, 1));
            }
    }
}

static void test_peaks_known_signal(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char src[4200], out[4200], path[4300];
    const int64_t frames = 3 * 16384 + 1234;
    float *sig = malloc(sizeof(float) * 2 * frames);
    eng_import_result r;
    eng_peaks_file f;

    /* left: a slow sine; right: a ramp, with spikes beyond full scale */
    for (int64_t i = 0; i < frames; i++) {
        sig[2 * i] = (float)(0.8 * sin(2 * M_PI * 3.0 * i / 48000.0));
        sig[2 * i + 1] = (float)(-1.0 + 2.0 * i / frames);
    }
    sig[2 * 5000] = 1.5f;
    sig[2 * 7000 + 1] = -2.0f;
    snprintf(src, sizeof src, "%s/in.wav", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 48000, sig, frames);
    assert_int_equal(tu_import(src, out, 48000, &r), 0);
    assert_int_equal(eng_asset_file(path, sizeof path, out, "peaks", 48000), 0);
    assert_int_equal(eng_peaks_load(path, &f), 0);
    assert_int_equal(f.levels, 4);
    for (int k = 0; k < 4; k++)
        assert_int_equal(f.level[k].frames_per_pair, eng_peaks_fpp[k]);
    eng_asset *a = tu_open_samples(out, 48000);
    check_against(&f, a);
    /* spot values: the clamped spike, and eng_peaks_get's scaling */
    float mn, mx;
    eng_peaks_get(&f, &f.level[0], 5000 / 256, 0, &mn, &mx);
    assert_true(mx == 1.0f);
    eng_peaks_get(&f, &f.level[3], 0, 1, &mn, &mx);
    assert_true(mn == -1.0f);
    eng_peaks_file_free(&f);
    eng_asset_release(a);

    /* mono, resampled: the peaks describe the project-rate samples */
    tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 44100, sig, frames);
    assert_int_equal(tu_import(src, out, 48000, &r), 0);
    assert_int_equal(eng_peaks_load(path, &f), 0);
    a = tu_open_samples(out, 48000);
    assert_int_equal(a->channels, 1);
    check_against(&f, a);
    eng_peaks_file_free(&f);
    eng_asset_release(a);
    free(sig);
    tu_rmrf(dir);
    free(dir);
}

static void test_peaks_header_and_levels(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char src[4200], out[4200], path[4300];
    const int64_t frames = 20000;
    float *sig = tu_sine(1, frames, 44100, 440, 0.5);
    eng_import_result r;
    unsigned char *buf, *whole;
    size_t len, whole_len;
    eng_peaks_file f, one;

    snprintf(src, sizeof src, "%s/in.wav", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    tu_write_sf(src, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 44100, sig, frames);
    free(sig);
    assert_int_equal(tu_import(src, out, 44100, &r), 0);
    assert_int_equal(eng_asset_file(path, sizeof path, out, "peaks", 44100), 0);

    assert_int_equal(eng_peaks_read(path, 0, &whole, &whole_len), 0);
    /* documented header */
    assert_memory_equal(whole, "MXPEAKS1", 8);
    assert_int_equal(whole[8], 1);
    assert_int_equal(whole[12], 1);
    assert_int_equal(whole[16] | whole[17] << 8 | whole[18] << 16, 44100);
    assert_int_equal(whole[20], 4);
    assert_int_equal(whole[24] | whole[25] << 8, 20000);
    size_t expect_len = 32 + 4 * 24;
    for (int k = 0; k < 4; k++)
        expect_len += (size_t)((frames + eng_peaks_fpp[k] - 1) /
                               eng_peaks_fpp[k]) * 4;
    assert_int_equal(whole_len, expect_len);
    assert_int_equal(eng_peaks_parse(whole, whole_len, &f), 0);

    /* one level as a complete one-level file, same data */
    assert_int_equal(eng_peaks_read(path, 1024, &buf, &len), 0);
    assert_int_equal(eng_peaks_parse(buf, len, &one), 0);
    assert_int_equal(one.levels, 1);
    assert_int_equal(one.frames, frames);
    assert_int_equal(one.level[0].frames_per_pair, 1024);
    assert_int_equal(one.level[0].count, f.level[1].count);
    assert_memory_equal(one.level[0].data, f.level[1].data,
                        (size_t)f.level[1].count * 4);
    assert_int_equal(len, 32 + 24 + (size_t)f.level[1].count * 4);
    free(buf);

    assert_int_equal(eng_peaks_read(path, 999, &buf, &len), -1);
    assert_int_equal(errno, ENOENT);

    /* malformed: cut short, bad magic, inconsistent count */
    assert_int_equal(eng_peaks_parse(whole, whole_len - 1, &f), -1);
    assert_int_equal(errno, EINVAL);
    whole[0] = 'X';
    assert_int_equal(eng_peaks_parse(whole, whole_len, &f), -1);
    whole[0] = 'M';
    whole[32 + 8] ^= 1;
    assert_int_equal(eng_peaks_parse(whole, whole_len, &f), -1);
    tu_write_bytes(path, whole, 40);
    assert_int_equal(eng_peaks_read(path, 0, &buf, &len), -1);
    assert_int_equal(errno, EINVAL);
    free(whole);
    unlink(path);
    assert_int_equal(eng_peaks_read(path, 0, &buf, &len), -1);
    assert_int_equal(errno, ENOENT);
    tu_rmrf(dir);
    free(dir);
}

/* The accumulator directly: no frames, exactly one pair, chunked feeding
 * gives the same file as one call. */
static void test_peaks_accumulator(void **state)
{
    (void)state;
    eng_peaks p, p2;
    unsigned char *b, *b2;
    size_t len, len2;
    eng_peaks_file f;

    eng_peaks_init(&p, 2, 48000);
    assert_int_equal(eng_peaks_serialize(&p, &b, &len), 0);
    assert_int_equal(eng_peaks_parse(b, len, &f), 0);
    assert_int_equal(f.frames, 0);
    for (int k = 0; k < 4; k++)
        assert_int_equal(f.level[k].count, 0);
    free(b);
    eng_peaks_free(&p);

    float *sig = tu_sine(2, 70000, 48000, 100, 0.7);
    eng_peaks_init(&p, 2, 48000);
    eng_peaks_init(&p2, 2, 48000);
    assert_int_equal(eng_peaks_add(&p, sig, 70000), 0);
    for (int64_t i = 0; i < 70000; i += 333)
        assert_int_equal(eng_peaks_add(&p2, sig + 2 * i,
                                       (size_t)(70000 - i < 333 ? 70000 - i
                                                                : 333)),
                         0);
    assert_int_equal(eng_peaks_serialize(&p, &b, &len), 0);
    assert_int_equal(eng_peaks_serialize(&p2, &b2, &len2), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    eng_asset *a = eng_asset_from_memory(sig, 2, 70000, 48000);
    assert_int_equal(eng_peaks_parse(b, len, &f), 0);
    check_against(&f, a);
    eng_asset_release(a);
    free(b);
    free(b2);
    free(sig);
    eng_peaks_free(&p);
    eng_peaks_free(&p2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peaks_known_signal),
        cmocka_unit_test(test_peaks_header_and_levels),
        cmocka_unit_test(test_peaks_accumulator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
