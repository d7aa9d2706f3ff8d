/* test_import_util.h -- helpers shared by the importer's unit tests:
 * scratch directories, generated signals, files written with libsndfile
 * or external encoders (sox, flac, lame, opusenc: a missing tool fails
 * the test loudly), and a one-call import. */
#ifndef MIXROOM_TEST_IMPORT_UTIL_H
#define MIXROOM_TEST_IMPORT_UTIL_H

#include <stdint.h>

#include "engine/asset.h"
#include "engine/import.h"

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
char *tu_mkdtemp(void);

/* A scratch directory for one test: src is "<dir>/upload", out is
 * "<dir>/asset" (not created). */
typedef struct tu_scratch {
    char *dir;
    char src[4200], out[4200];
} tu_scratch;

/* cmocka setup/teardown: *state becomes a new tu_scratch; teardown
 * removes the directory and frees it. */
int tu_scratch_setup(void **state);
int tu_scratch_teardown(void **state);

/* rm -rf dir (only ever used on tu_mkdtemp results). */
void tu_rmrf(const char *dir);

/* A malloc'd buffer of frames*channels floats: channel c is a sine of
 * freq*(c+1) Hz at amplitude amp. */
float *tu_sine(int channels, int64_t frames, int rate, double freq,
               double amp);

/* Writes interleaved floats with libsndfile (format = SF_FORMAT_*).
 * Fails the test on error. */
void tu_write_sf(const char *path, int format, int channels, int rate,
                 const float *data, int64_t frames);

/* Writes 32-bit integer frames (left-justified, as sf_writef_int) with
 * libsndfile, so integer formats hold exactly the given values. */
void tu_write_sf_int(const char *path, int format, int channels, int rate,
                     const int32_t *data, int64_t frames);

/* Pearson correlation of two equally long float arrays. */
double tu_correlation(const float *a, const float *b, size_t n);

/* Runs a shell command, failing the test with the command and exit status
 * if it does not exit 0 (so a missing encoder is loud, not a skip). */
void tu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Number of directory entries (excluding . and ..); 0 if missing. */
int tu_count_entries(const char *dir);

/* Writes len bytes to path. */
void tu_write_bytes(const char *path, const void *buf, size_t len);

/* Imports src into dir at rate; returns eng_import's return value. */
int tu_import(const char *src, const char *dir, int rate,
              eng_import_result *r);

/* Opens <dir>/samples-<rate>; fails the test if missing. */
eng_asset *tu_open_samples(const char *dir, int rate);

#endif
