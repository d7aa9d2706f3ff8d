/* export.h -- streamed exports of the mix (or of one track's stem): WAV
 * 16-bit (TPDF dither) / 24-bit / 32-bit float, FLAC 16/24 (libsndfile),
 * Ogg Opus (libopusenc). The file is produced block by block into a write
 * callback or a file descriptor, so an HTTP handler can send it while it
 * renders. A range is exported exactly (to - from frames); a whole-project
 * export ends at the end of the last clip, plus the effect tail (until the
 * mix stays below -90 dBFS, at most 5 s) when `tail` is set; optional
 * loudness normalisation to a target LUFS with a true-peak limiter
 * (limiter.h) keeping the true peak at or under a ceiling. */
#ifndef MIXROOM_ENGINE_EXPORT_H
#define MIXROOM_ENGINE_EXPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/loudness.h"
#include "engine/plan.h"

typedef enum eng_format {
    ENG_FMT_WAV16 = 0,
    ENG_FMT_WAV24,
    ENG_FMT_WAVF32,
    ENG_FMT_FLAC16,
    ENG_FMT_FLAC24,
    ENG_FMT_OPUS
} eng_format;

/* Receives the next len bytes of the file; returns 0, or non-0 to abort
 * the export (e.g. the client went away). */
typedef int (*eng_write_fn)(void *ctx, const void *data, size_t len);

#define ENG_TAIL_MAX_SECONDS 5
#define ENG_TAIL_SILENCE_DB (-90.0)

typedef struct eng_export_opts {
    eng_format format;
    int64_t from, to;        /* frames; to < 0: from `from` to the end of
                                the whole project */
    bool tail;               /* whole project: ring on past the last clip
                                until silent, at most 5 s (default true) */
    bool measure;            /* fill info->loudness even without normalize */
    int opus_bitrate;        /* bits/s, 6000..510000 (default 160000) */
    const char *stem_track;  /* NULL: the mix; a track id: its stem */
    bool normalize;          /* gain to target_lufs (within 0.1 LU when the
                                limiter does not take more), true peak
                                limited to ceiling_dbtp (-60..0) */
    double target_lufs;      /* default -14 */
    double ceiling_dbtp;     /* default -1 */
    int block;               /* frames per render block (default 4096) */
    const atomic_int *cancel;/* optional: the export stops (returns -3) at
                                the next block once it is non-zero */
} eng_export_opts;

typedef struct eng_export_info {
    int64_t from, to;        /* the range written */
    double gain_db;          /* normalisation gain applied (0 if none) */
    eng_loudness loudness;   /* of the written audio when normalize or
                                measure (after gain and limiter), else not
                                filled */
    bool limited;            /* the true-peak limiter was in the path */
    uint64_t bytes;          /* bytes handed to the writer */
} eng_export_info;

/* Defaults: WAV 24-bit, whole project with its tail, mix, no
 * normalisation. */
void eng_export_opts_default(eng_export_opts *o);

/* Parses "wav" (24-bit), "wav16", "wav24", "wav32"/"wavf32", "flac"
 * (24-bit), "flac16", "flac24", "opus"; -1 when unknown. */
int eng_format_parse(const char *name);

/* MIME type and file extension of a format. */
const char *eng_format_mime(eng_format f);
const char *eng_format_ext(eng_format f);

/* The end frame of a whole-project export: the end of the last clip plus
 * the tail until the output stays below -90 dBFS (at most 5 s), found by
 * rendering. stem_track as in the options. -1 when out of memory. */
int64_t eng_export_end(eng_plan *plan, const char *stem_track);

/* The same, stopping early when *cancel (may be NULL) becomes non-zero:
 * then -3. */
int64_t eng_export_end_cancel(eng_plan *plan, const char *stem_track,
                              const atomic_int *cancel);

/* Renders and encodes; the bytes go to write(ctx, ...). info may be NULL.
 * Returns 0, -1 on an encoder/allocation error, -2 when write aborted,
 * -3 when opts->cancel went up (what was written is a truncated file). */
int eng_export(eng_plan *plan, const eng_export_opts *opts,
               eng_write_fn write, void *ctx, eng_export_info *info);

/* The same into a file descriptor (written sequentially, never seeked). */
int eng_export_fd(eng_plan *plan, const eng_export_opts *opts, int fd,
                  eng_export_info *info);

#endif
