/* import.h -- turns an uploaded audio file into a mixroom asset: decodes
 * it with libsndfile in chunks, folds it to mono/stereo, resamples it
 * with soxr (HQ) to the project rate, and writes `samples-<rate>` (the
 * asset.h layout) and `peaks-<rate>` (peaks.h) into the asset directory,
 * each through a temporary name, fsync and rename. Runs on a worker
 * thread; no global state, so any number of imports may run at once.
 *
 * Typical server flow (docs/assets.md):
 *   eng_sha256_file(upload_tmp, hex);              hashfile.h
 *   eng_asset_dir(dir, sizeof dir, data_dir, hex); fsutil.h
 *   eng_store_original(upload_tmp, dir);           fsutil.h
 *   eng_import(&opts{ <dir>/original, dir, rate, ... }, &result);
 *   eng_asset_file(path, sizeof path, dir, "samples", rate);
 *   eng_asset_open(path);                          asset.h
 */
#ifndef MIXROOM_ENGINE_IMPORT_H
#define MIXROOM_ENGINE_IMPORT_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/fsutil.h"
#include "engine/hashfile.h"

#define ENG_IMPORT_MIN_RATE 8000
#define ENG_IMPORT_MAX_RATE 192000
#define ENG_IMPORT_MAX_CHANNELS 64

/* Why an import failed; the server maps these to protocol errors. The
 * human text is in eng_import_result.error. */
typedef enum eng_import_status {
    ENG_IMPORT_OK = 0,
    ENG_IMPORT_UNREADABLE,  /* not audio, or a format we do not accept */
    ENG_IMPORT_EMPTY,       /* zero bytes, or no audio frames */
    ENG_IMPORT_TRUNCATED,   /* fewer frames than the header announced */
    ENG_IMPORT_DAMAGED,     /* the decoder reported an error mid-stream */
    ENG_IMPORT_BAD_CHANNELS,/* 0 or more than ENG_IMPORT_MAX_CHANNELS */
    ENG_IMPORT_BAD_RATE,    /* source rate outside 8000..192000 Hz */
    ENG_IMPORT_TOO_LONG,    /* longer than opts.max_seconds */
    ENG_IMPORT_CANCELLED,   /* *opts.cancel became non-zero */
    ENG_IMPORT_IO,          /* our side: cannot write the asset dir */
    ENG_IMPORT_INVALID      /* bad options (programming error) */
} eng_import_status;

typedef void (*eng_import_progress_fn)(void *ctx, double fraction);

typedef struct eng_import_opts {
    const char *src_path;    /* the original, fully on disk */
    const char *out_dir;     /* asset directory; created if missing */
    int rate;                /* project rate: 44100 or 48000 (any value in
                                8000..192000 is accepted) */
    eng_import_progress_fn progress; /* optional; see eng_import */
    void *progress_ctx;
    const atomic_int *cancel;/* optional; import stops when non-zero */
    double max_seconds;      /* 0: no limit */
} eng_import_opts;

typedef struct eng_import_result {
    eng_import_status status;
    int64_t frames;          /* at the project rate */
    int channels;            /* 1 or 2 (after the fold) */
    int rate;                /* the project rate */
    double duration;         /* frames / rate, seconds */
    int orig_rate;
    int orig_channels;
    int64_t orig_frames;     /* decoded at the original rate */
    char format[48];         /* "WAV 24-bit", "FLAC 16-bit", "MP3", ... */
    char error[256];         /* empty on success; a sentence for people */
} eng_import_result;

/* Imports opts->src_path into opts->out_dir. Returns 0 and fills *res on
 * success (res->status == ENG_IMPORT_OK); on failure returns -1 with
 * res->status and res->error set and leaves no new or partial file in
 * out_dir (files already there are untouched).
 *
 * Frame count: equal rates keep every decoded frame; otherwise
 *   frames = floor((orig_frames * rate + orig_rate / 2) / orig_rate)
 * i.e. orig_frames * rate / orig_rate rounded half up (soxr output is
 * padded with zeros or cut to exactly that count after flushing).
 *
 * Progress: progress(ctx, f) with f = 0 first, then non-decreasing values
 * at most every 100 ms of work (each chunk is far under 250 ms), and 1.0
 * once the files are in place; it is called on the importing thread. The
 * cancel flag is checked after every chunk (4096 frames). */
int eng_import(const eng_import_opts *opts, eng_import_result *res);

/* The sentence for a status, e.g. "not an audio file mixroom can read";
 * eng_import's res->error is more precise where it can be. */
const char *eng_import_status_text(eng_import_status st);

#endif
