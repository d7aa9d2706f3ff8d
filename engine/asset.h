/* asset.h -- a decoded audio asset as the renderer sees it: interleaved
 * 32-bit float samples at the project rate, memory-mapped from the
 * `samples` file the importer writes, reference-counted.
 *
 * The samples file layout (little-endian):
 *   0  char[8]  magic "MXSAMP01"
 *   8  u32      channels (1 or 2)
 *  12  u32      sample rate (Hz)
 *  16  u64      frames
 *  24  u8[40]   reserved, zero
 *  64  f32[frames * channels] interleaved samples
 */
#ifndef MIXROOM_ENGINE_ASSET_H
#define MIXROOM_ENGINE_ASSET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ENG_SAMPLES_MAGIC "MXSAMP01"
#define ENG_SAMPLES_HEADER 64

typedef struct eng_asset {
    int channels;          /* 1 or 2 */
    int sample_rate;
    int64_t frames;
    const float *samples;  /* frames * channels interleaved floats */
    uint64_t uid;          /* unique per process (never reused): the block
                            * cache's name for these samples (blockcache.h) */
    /* private */
    atomic_int refs;
    void *map;             /* mmap base, or malloc'd block */
    size_t map_len;        /* 0 when malloc'd */
} eng_asset;

/* Maps a samples file read-only. Returns a new asset with one reference,
 * or NULL (errno set) if the file is missing, short or has a bad header. */
eng_asset *eng_asset_open(const char *path);

/* An asset holding a copy of `frames` interleaved frames (for tests and
 * generated material). One reference. */
eng_asset *eng_asset_from_memory(const float *interleaved, int channels,
                                 int64_t frames, int sample_rate);

/* Writes the 64-byte samples header for the given format into hdr. */
void eng_asset_header(unsigned char hdr[ENG_SAMPLES_HEADER], int channels,
                      int sample_rate, int64_t frames);

/* Takes another reference; returns a. */
eng_asset *eng_asset_ref(eng_asset *a);

/* Drops a reference; unmaps/frees on the last. NULL is ignored. */
void eng_asset_release(eng_asset *a);

#endif
