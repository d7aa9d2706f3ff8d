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
#include <stddef.h>
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
    ENG_IMPORT_TOO_BIG,     /* decoded, more than opts.max_decoded or
                               opts.max_total_decoded allow */
    ENG_IMPORT_CANCELLED,   /* *opts.cancel became non-zero */
    ENG_IMPORT_IO,          /* our side: cannot write the asset dir */
    ENG_IMPORT_INVALID      /* bad options (programming error) */
} eng_import_status;

typedef void (*eng_import_progress_fn)(void *ctx, double fraction);

/* Which limit of eng_import_opts refused a file (ENG_IMPORT_TOO_LONG or
 * ENG_IMPORT_TOO_BIG); see eng_import_result.limit. */
typedef enum eng_import_limit {
    ENG_LIMIT_NONE = 0,
    ENG_LIMIT_SECONDS,      /* opts.max_seconds */
    ENG_LIMIT_DECODED,      /* opts.max_decoded */
    ENG_LIMIT_TOTAL         /* opts.other_decoded + this > max_total_decoded */
} eng_import_limit;

typedef struct eng_import_opts {
    const char *src_path;    /* the original, fully on disk */
    const char *out_dir;     /* asset directory; created if missing */
    int rate;                /* project rate: 44100 or 48000 (any value in
                                8000..192000 is accepted) */
    eng_import_progress_fn progress; /* optional; see eng_import */
    void *progress_ctx;
    const atomic_int *cancel;/* optional; import stops when non-zero */
    /* Limits, checked from the header before anything is decoded and
     * again while decoding (a header may lie or give no length). 0: no
     * limit. "Decoded" is the size of the samples file this import
     * writes: eng_decoded_bytes(frames at opts.rate, folded channels). */
    double max_seconds;      /* longest file, seconds of audio */
    int64_t max_decoded;     /* largest samples file, bytes */
    int64_t max_total_decoded; /* largest other_decoded + this file's */
    int64_t other_decoded;   /* bytes already counted against the total
                                (e.g. the project's other assets) */
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
    /* when a limit refused the file (ENG_IMPORT_TOO_LONG / _TOO_BIG): */
    eng_import_limit limit;
    int limit_exact;         /* 1: from the header, the figures below are
                                the file's; 0: found while decoding, they
                                are what was decoded when it stopped (the
                                file is at least that) */
    double limit_seconds;    /* the file's duration (or at least) */
    int64_t limit_decoded;   /* its decoded size in bytes (or at least) */
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
 * cancel flag is checked after every chunk (4096 frames).
 *
 * Limits (opts.max_seconds, max_decoded, max_total_decoded): a header
 * that gives a length is checked before the output directory is touched;
 * while decoding, the decoded frames are counted and the import stops
 * before writing the chunk that would pass a limit (so a file without a
 * length, or with a lying one, is stopped too). Either way it fails with
 * ENG_IMPORT_TOO_LONG / ENG_IMPORT_TOO_BIG, res->limit* saying which limit
 * and what was measured, and nothing left in out_dir. */
int eng_import(const eng_import_opts *opts, eng_import_result *res);

/* The sentence for a status, e.g. "not an audio file mixroom can read";
 * eng_import's res->error is more precise where it can be. */
const char *eng_import_status_text(eng_import_status st);

/* The bytes of a samples file of `frames` frames of `channels` channels:
 * the 64-byte header plus 4 bytes a sample (asset.h). */
int64_t eng_decoded_bytes(int64_t frames, int channels);

/* The frame-count rule of eng_import: orig_frames at orig_rate become
 * this many frames at rate (equal rates: the same count). */
int64_t eng_frames_at_rate(int64_t orig_frames, int orig_rate, int rate);

/* Checks a file of `seconds` and `decoded` bytes against o's limits, in
 * the order max_seconds, max_decoded, max_total_decoded. exact: 1 when
 * the figures are the file's whole length, 0 when they are what was
 * decoded so far. Returns 0 when within every limit (a figure equal to
 * its limit is within it); otherwise -1 with res->status, error, limit,
 * limit_exact, limit_seconds and limit_decoded set. For callers that
 * already know a length (a samples file reused from the store). */
int eng_import_check_limits(const eng_import_opts *o, double seconds,
                            int64_t decoded, int exact,
                            eng_import_result *res);

/* A duration for people: "45 s", "5.2 s", "30 min", "4 min 30 s",
 * "2 h 0 min", "1 h 0 min 1 s" (whole seconds rounded up above a minute,
 * so a length over a limit never reads as the limit). */
void eng_duration_text(double seconds, char *out, size_t n);

/* A size for people: "1.3 GiB", "2 GiB", "512 MiB", "900 KiB",
 * "100 bytes" (one decimal, ".0" left out). */
void eng_size_text(int64_t bytes, char *out, size_t n);

/* Two sizes that must read differently (a file over a limit): as
 * eng_size_text, or both in exact bytes when those texts would be the
 * same ("1920064 bytes" and "1920063 bytes"). */
void eng_size_texts(int64_t a, int64_t b, char *ta, char *tb, size_t n);

#endif
