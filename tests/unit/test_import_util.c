/* test_import_util.c -- helpers for the importer's unit tests (see
 * test_import_util.h). */
#include "tests/unit/test_import_util.h"

#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *p;

    if (!base || !*base)
        base = "/tmp";
    p = malloc(strlen(base) + 32);
    assert_non_null(p);
    sprintf(p, "%s/mx-import-XXXXXX", base);
    assert_non_null(mkdtemp(p));
    return p;
}

int tu_scratch_setup(void **state)
{
    tu_scratch *s = calloc(1, sizeof *s);

    assert_non_null(s);
    s->dir = tu_mkdtemp();
    snprintf(s->src, sizeof s->src, "%s/upload", s->dir);
    snprintf(s->out, sizeof s->out, "%s/asset", s->dir);
    *state = s;
    return 0;
}

int tu_scratch_teardown(void **state)
{
    tu_scratch *s = *state;

    tu_rmrf(s->dir);
    free(s->dir);
    free(s);
    return 0;
}

void tu_rmrf(const char *dir)
{
    char cmd[4200];

    assert_non_null(strstr(dir, "mx-import-"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

float *tu_sine(int channels, int64_t frames, int rate, double freq,
               double amp)
{
    float *b = malloc((size_t)(frames ? frames : 1) * (size_t)channels *
                      sizeof(float));

    assert_non_null(b);
    for (int64_t f = 0; f < frames; f++)
        for (int c = 0; c < channels; c++)
            b[f * channels + c] =
                (float)(amp * sin(2 * M_PI * freq * (c + 1) * (double)f / rate));
    return b;
}

void tu_write_sf(const char *path, int format, int channels, int rate,
                 const float *data, int64_t frames)
{
    SF_INFO info = {.samplerate = rate, .channels = channels,
                    .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);

    if (!sf)
        fail_msg("sf_open(%s, format 0x%x, %d Hz): %s", path, format, rate,
                 sf_strerror(NULL));
    assert_int_equal(sf_writef_float(sf, data, frames), frames);
    assert_int_equal(sf_close(sf), 0);
}

void tu_write_sf_int(const char *path, int format, int channels, int rate,
                     const int32_t *data, int64_t frames)
{
    SF_INFO info = {.samplerate = rate, .channels = channels,
                    .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);

    if (!sf)
        fail_msg("sf_open(%s, format 0x%x, %d Hz): %s", path, format, rate,
                 sf_strerror(NULL));
    assert_int_equal(sf_writef_int(sf, data, frames), frames);
    assert_int_equal(sf_close(sf), 0);
}

double tu_correlation(const float *a, const float *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;

    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double x = a[i] - ma, y = b[i] - mb;
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    return sab / sqrt(saa * sbb);
}

void tu_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (status %d; is the tool installed? the "
                 "install script provides sox, flac, lame, opus-tools): %s",
                 rc, cmd);
}

int tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

void tu_write_bytes(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

int tu_import(const char *src, const char *dir, int rate,
              eng_import_result *r)
{
    eng_import_opts o = {.src_path = src, .out_dir = dir, .rate = rate};

    return eng_import(&o, r);
}

eng_asset *tu_open_samples(const char *dir, int rate)
{
    char path[4200];
    eng_asset *a;

    assert_int_equal(eng_asset_file(path, sizeof path, dir, "samples", rate),
                     0);
    a = eng_asset_open(path);
    if (!a)
        fail_msg("cannot open %s", path);
    return a;
}
