/* peaks.h -- the waveform overview of an asset: min/max pairs per channel
 * at 256, 1024, 4096 and 16384 frames per pair, accumulated while the
 * importer writes samples (one pass), stored in the MXPEAKS1 file.
 *
 * File layout (all little-endian; docs/assets.md):
 *   0   char[8]  magic "MXPEAKS1"
 *   8   u32      version (1)
 *  12   u32      channels (1 or 2)
 *  16   u32      sample rate (Hz)
 *  20   u32      number of levels L
 *  24   u64      frames
 *  32   L x 24-byte level entries:
 *         u32 frames per pair, u32 reserved (0), u64 pair count,
 *         u64 byte offset of the level's data from the start of the file
 *  ...  per level: pair count x channels x (i16 min, i16 max), frame-major
 *       (pair 0 ch 0, pair 0 ch 1, pair 1 ch 0, ...).
 * Pair i of a level covers frames [i*fpp, min((i+1)*fpp, frames)); the
 * pair count is ceil(frames / fpp). Values are the sample clamped to
 * [-1, 1] times 32767, min rounded down and max rounded up.
 */
#ifndef MIXROOM_ENGINE_PEAKS_H
#define MIXROOM_ENGINE_PEAKS_H

#include <stddef.h>
#include <stdint.h>

#define ENG_PEAKS_MAGIC "MXPEAKS1"
#define ENG_PEAKS_VERSION 1
#define ENG_PEAKS_LEVELS 4
#define ENG_PEAKS_HEADER 32
#define ENG_PEAKS_LEVEL_ENTRY 24

/* Frames per pair of each level, finest first: 256, 1024, 4096, 16384. */
extern const int eng_peaks_fpp[ENG_PEAKS_LEVELS];

typedef struct eng_peaks_level_acc {
    int16_t *pairs;     /* count * channels * 2 values */
    size_t count, cap;  /* in pairs */
    float min[2], max[2];
    int64_t filled;     /* frames (or child pairs) in the open bucket */
} eng_peaks_level_acc;

/* Accumulator fed with the output frames as they are produced. */
typedef struct eng_peaks {
    int channels;
    int sample_rate;
    int64_t frames;
    eng_peaks_level_acc lv[ENG_PEAKS_LEVELS];
    int failed;         /* allocation failure seen */
} eng_peaks;

/* Starts an empty accumulator for channels (1 or 2) at sample_rate. */
void eng_peaks_init(eng_peaks *p, int channels, int sample_rate);

/* Adds `frames` interleaved frames. Returns 0, or -1 on allocation
 * failure (sticky: eng_peaks_serialize fails afterwards too). */
int eng_peaks_add(eng_peaks *p, const float *interleaved, size_t frames);

/* Closes the open buckets and returns a malloc'd MXPEAKS1 file image in
 * *buf (*len bytes). The accumulator cannot be fed after this. 0 or -1. */
int eng_peaks_serialize(eng_peaks *p, unsigned char **buf, size_t *len);

/* Frees the accumulator's memory. */
void eng_peaks_free(eng_peaks *p);

/* A parsed level, pointing into a loaded file image. */
typedef struct eng_peaks_level {
    int frames_per_pair;
    int64_t count;           /* pairs */
    const unsigned char *data; /* count * channels * 4 bytes, LE i16 */
} eng_peaks_level;

typedef struct eng_peaks_file {
    int channels, sample_rate, levels;
    int64_t frames;
    eng_peaks_level level[ENG_PEAKS_LEVELS];
    unsigned char *image;    /* the whole file */
    size_t len;
} eng_peaks_file;

/* Reads and validates a peaks file (header, level table, sizes). Returns
 * 0 and fills f (free with eng_peaks_file_free), or -1 (errno EINVAL for
 * a malformed file, else the I/O error). */
int eng_peaks_load(const char *path, eng_peaks_file *f);

/* Validates an in-memory image (as eng_peaks_load does). The result
 * points into image; f->image is set to image but not owned: do not call
 * eng_peaks_file_free on it. 0 or -1/EINVAL. */
int eng_peaks_parse(const unsigned char *image, size_t len, eng_peaks_file *f);

void eng_peaks_file_free(eng_peaks_file *f);

/* For the HTTP endpoint: the bytes to serve for `GET .../peaks` (fpp 0:
 * the whole file) or `?level=N` (fpp N: a complete MXPEAKS1 file holding
 * only that level, so a client parses both the same way). Returns a
 * malloc'd buffer in *buf (size *len) and 0; -1 with errno ENOENT when the file
 * or the level does not exist, EINVAL when the file is malformed. */
int eng_peaks_read(const char *path, int fpp, unsigned char **buf, size_t *len);

/* Min and max (as floats, divided by 32767) of pair i, channel c of a level. */
void eng_peaks_get(const eng_peaks_file *f, const eng_peaks_level *l,
                   int64_t i, int c, float *min, float *max);

#endif
