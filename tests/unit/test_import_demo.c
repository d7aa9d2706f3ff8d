/* test_import_demo.c -- the demo stems: three WAV files of the promised
 * length and layout, deterministic to the byte, audible but not clipped,
 * and importable through the normal path; eng_write_wav round trip. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/demo_audio.h"
#include "engine/import.h"
#include "tests/unit/test_import_util.h"

static void test_demo_stems(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char sub[4200], out[4300];
    char paths[ENG_DEMO_STEMS][PATH_MAX], again[ENG_DEMO_STEMS][PATH_MAX];
    char h1[65], h2[65];
    const int64_t frames = (int64_t)ceil(8 * 4 * 0.6 * 48000);

    snprintf(sub, sizeof sub, "%s/demo", dir);
    assert_int_equal(eng_demo_write_stems(sub, 48000, 100.0, 8, paths), 0);
    snprintf(sub, sizeof sub, "%s/demo2", dir);
    assert_int_equal(eng_demo_write_stems(sub, 48000, 100.0, 8, again), 0);
    for (int s = 0; s < ENG_DEMO_STEMS; s++) {
        assert_non_null(strstr(paths[s], eng_demo_stem_names[s]));
        assert_int_equal(eng_sha256_file(paths[s], h1), 0);
        assert_int_equal(eng_sha256_file(again[s], h2), 0);
        assert_string_equal(h1, h2);
        eng_import_result r;
        snprintf(out, sizeof out, "%s/asset-%d", dir, s);
        assert_int_equal(tu_import(paths[s], out, 48000, &r), 0);
        assert_string_equal(r.format, "WAV 16-bit");
        assert_int_equal(r.frames, frames);
        assert_int_equal(r.channels, s == 2 ? 2 : 1);
        eng_asset *a = tu_open_samples(out, 48000);
        double peak = 0, sum = 0;
        for (int64_t i = 0; i < a->frames * a->channels; i++) {
            peak = fmax(peak, fabs(a->samples[i]));
            sum += (double)a->samples[i] * a->samples[i];
        }
        double rms = sqrt(sum / (double)(a->frames * a->channels));
        if (!(peak < 0.999 && peak > 0.2 && rms > 0.02))
            fail_msg("%s: peak %.3f rms %.3f", eng_demo_stem_names[s], peak,
                     rms);
        eng_asset_release(a);
    }
    assert_int_equal(eng_demo_write_stems(sub, 48000, 100.0, 0, paths), -1);
    assert_int_equal(errno, EINVAL);
    tu_rmrf(dir);
    free(dir);
}

static void test_write_wav(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char path[4200], out[4200];
    float *sig = tu_sine(2, 1000, 44100, 440, 0.5);
    eng_import_result r;

    snprintf(path, sizeof path, "%s/x.wav", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(eng_write_wav(path, sig, 2, 1000, 44100, 1), 0);
    assert_int_equal(tu_count_entries(dir), 1); /* no temp left */
    assert_int_equal(tu_import(path, out, 44100, &r), 0);
    assert_string_equal(r.format, "WAV 32-bit float");
    eng_asset *a = tu_open_samples(out, 44100);
    assert_memory_equal(a->samples, sig, sizeof(float) * 2000);
    eng_asset_release(a);
    assert_int_equal(eng_write_wav(path, sig, 2, 1000, 44100, 0), 0);
    assert_int_equal(tu_import(path, out, 44100, &r), 0);
    assert_string_equal(r.format, "WAV 16-bit");
    free(sig);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_stems),
        cmocka_unit_test(test_write_wav),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
