/* import.c -- the audio importer: libsndfile decode in chunks, channel
 * fold, streaming soxr resample to the project rate, samples + peaks
 * written through temporaries and renamed into place. Contract and
 * frame-count rule: import.h; formats and messages: docs/assets.md. */
#include "engine/import.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/asset.h"
#include "engine/fold.h"
#include "engine/import_probe.h"
#include "engine/peaks.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the samples file is written as native floats: little-endian only"
#endif

#define CHUNK_FRAMES 8192
#define PROGRESS_NS 100000000LL /* report at most every 100 ms */
#define UNKNOWN_FRAMES ((int64_t)1 << 50)

/* libsndfile stops every read at the length it announced. For an MP3
 * without a Xing/LAME header that length is mpg123's estimate from the
 * file size and the first frame's bitrate, which cuts VBR files short.
 * MP3s are therefore opened through this virtual I/O whose seek refuses
 * SEEK_END: mpg123 then cannot estimate, libsndfile announces an unknown
 * length, and the whole stream is decoded. (A Xing/LAME header still
 * gives the exact length, so cut-off MP3s with one are still caught.) */
typedef struct mp3_io {
    int fd;
    sf_count_t size;
} mp3_io;

static sf_count_t mp3_filelen(void *u)
{
    return ((mp3_io *)u)->size;
}

static sf_count_t mp3_seek(sf_count_t off, int whence, void *u)
{
    if (whence == SEEK_END)
        return -1;
    return lseek(((mp3_io *)u)->fd, (off_t)off, whence);
}

static sf_count_t mp3_read(void *p, sf_count_t n, void *u)
{
    ssize_t r;

    do
        r = read(((mp3_io *)u)->fd, p, (size_t)n);
    while (r < 0 && errno == EINTR);
    return r < 0 ? 0 : r;
}

static sf_count_t mp3_tell(void *u)
{
    return lseek(((mp3_io *)u)->fd, 0, SEEK_CUR);
}

/* Everything one import holds; released in one place. */
typedef struct import_job {
    mp3_io mp3;              /* fd -1 unless the source is MPEG */
    const eng_import_opts *o;
    eng_import_result *r;
    SNDFILE *sf;
    soxr_t soxr;
    float *in, *out;         /* decode/fold buffer, resample output */
    size_t out_cap;          /* frames */
    eng_tmpfile samples, peaks;
    eng_peaks acc;
    int peaks_init;
    int64_t written;         /* frames at the project rate */
    int64_t announced;       /* frames libsndfile announced, or UNKNOWN */
    int sf_format;           /* SF_INFO.format of the source */
    int64_t last_report_ns;
    double last_fraction;
} import_job;

static const char *const status_text[] = {
    [ENG_IMPORT_OK] = "",
    [ENG_IMPORT_UNREADABLE] = "not an audio file mixroom can read",
    [ENG_IMPORT_EMPTY] = "the file is empty",
    [ENG_IMPORT_TRUNCATED] = "the file is cut off",
    [ENG_IMPORT_DAMAGED] = "the audio data is damaged",
    [ENG_IMPORT_BAD_CHANNELS] = "the channel count is not supported",
    [ENG_IMPORT_BAD_RATE] = "sample rate is outside 8000\u2013192000 Hz",
    [ENG_IMPORT_TOO_LONG] = "the file is too long",
    [ENG_IMPORT_TOO_BIG] = "the file is too large once decoded",
    [ENG_IMPORT_CANCELLED] = "the import was cancelled",
    [ENG_IMPORT_IO] = "the server could not store the audio",
    [ENG_IMPORT_INVALID] = "invalid import request",
};

const char *eng_import_status_text(eng_import_status st)
{
    if ((unsigned)st >= sizeof status_text / sizeof status_text[0])
        return "unknown import error";
    return status_text[st];
}

static int fail(import_job *j, eng_import_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first failure (later ones are consequences). Returns -1. */
static int fail(import_job *j, eng_import_status st, const char *fmt, ...)
{
    va_list ap;

    if (j->r->status != ENG_IMPORT_OK)
        return -1;
    j->r->status = st;
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(j->r->error, sizeof j->r->error, fmt, ap);
        va_end(ap);
    } else {
        snprintf(j->r->error, sizeof j->r->error, "%s",
                 eng_import_status_text(st));
    }
    return -1;
}

/* Checks a length against the limits (see eng_import_check_limits); the
 * first failure wins, as in fail(). Returns 0 or -1. */
static int over_limit(import_job *j, double seconds, int64_t decoded,
                      int exact)
{
    if (j->r->status != ENG_IMPORT_OK)
        return -1;
    return eng_import_check_limits(j->o, seconds, decoded, exact, j->r);
}

static int io_fail(import_job *j, const char *what)
{
    return fail(j, ENG_IMPORT_IO, "could not write the %s: %s", what,
                strerror(errno));
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void report(import_job *j, double fraction, int force)
{
    int64_t t;

    if (!j->o->progress)
        return;
    if (fraction < j->last_fraction)
        fraction = j->last_fraction;
    t = now_ns();
    if (!force && t - j->last_report_ns < PROGRESS_NS)
        return;
    j->last_report_ns = t;
    j->last_fraction = fraction;
    j->o->progress(j->o->progress_ctx, fraction);
}

static int cancelled(const import_job *j)
{
    return j->o->cancel && atomic_load(j->o->cancel) != 0;
}

/* Appends project-rate frames to the samples file and the peaks, unless
 * they would pass a decoded-size limit. */
static int emit(import_job *j, const float *buf, size_t frames)
{
    if (frames == 0)
        return 0;
    if (over_limit(j, (double)j->r->orig_frames / j->r->orig_rate,
                   eng_decoded_bytes(j->written + (int64_t)frames,
                                     j->r->channels), 0) != 0)
        return -1;
    if (eng_write_all(j->samples.fd, buf,
                      frames * (size_t)j->r->channels * sizeof(float)) != 0)
        return io_fail(j, "decoded samples");
    if (eng_peaks_add(&j->acc, buf, frames) != 0)
        return fail(j, ENG_IMPORT_IO, "out of memory computing peaks");
    j->written += (int64_t)frames;
    return 0;
}

/* Feeds `frames` folded frames (NULL: end of input) through soxr and
 * emits what comes out; at the end, emits exactly up to `target`. */
static int resample(import_job *j, const float *in, size_t frames,
                    int64_t target)
{
    size_t done_in = 0;

    for (;;) {
        size_t idone = 0, odone = 0;
        soxr_error_t e;
        if (in)
            e = soxr_process(j->soxr, in + done_in * (size_t)j->r->channels,
                             frames - done_in, &idone, j->out, j->out_cap,
                             &odone);
        else
            e = soxr_process(j->soxr, NULL, 0, NULL, j->out, j->out_cap,
                             &odone);
        if (e)
            return fail(j, ENG_IMPORT_IO, "resampler error: %s", e);
        done_in += idone;
        if (!in && j->written + (int64_t)odone > target)
            odone = (size_t)(target - j->written);
        if (emit(j, j->out, odone) != 0)
            return -1;
        if (in ? done_in >= frames && odone < j->out_cap
               : odone == 0 || j->written >= target)
            return 0;
    }
}

/* Opens the source, checks it is something we import, fills r's orig_*. */
static int open_source(import_job *j)
{
    const eng_import_opts *o = j->o;
    eng_import_result *r = j->r;
    struct stat st;
    SF_INFO info;
    long sniff_ch = -1;
    double sniff_rate = -1;

    if (stat(o->src_path, &st) != 0)
        return fail(j, ENG_IMPORT_UNREADABLE, "cannot open the file: %s",
                    strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(j, ENG_IMPORT_UNREADABLE, NULL);
    if (st.st_size == 0)
        return fail(j, ENG_IMPORT_EMPTY, "the file is empty");
    memset(&info, 0, sizeof info);
    j->sf = sf_open(o->src_path, SFM_READ, &info);
    if (!j->sf) {
        /* libsndfile says only "bad header": say what is wrong with it. */
        if (eng_probe_sniff(o->src_path, &sniff_ch, &sniff_rate)) {
            if (sniff_ch <= 0 || sniff_ch > ENG_IMPORT_MAX_CHANNELS)
                return fail(j, ENG_IMPORT_BAD_CHANNELS,
                            "the file declares %ld channels", sniff_ch);
            if (!(sniff_rate >= ENG_IMPORT_MIN_RATE &&
                  sniff_rate <= ENG_IMPORT_MAX_RATE))
                return fail(j, ENG_IMPORT_BAD_RATE,
                            "sample rate %.0f Hz is outside "
                            "8000\u2013192000 Hz", sniff_rate);
        }
        return fail(j, ENG_IMPORT_UNREADABLE, NULL);
    }
    if (!eng_probe_format_allowed(info.format))
        return fail(j, ENG_IMPORT_UNREADABLE, NULL);
    if ((info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) {
        SF_VIRTUAL_IO io = {mp3_filelen, mp3_seek, mp3_read, NULL, mp3_tell};
        sf_close(j->sf);
        j->sf = NULL;
        j->mp3.fd = open(o->src_path, O_RDONLY | O_CLOEXEC);
        j->mp3.size = (sf_count_t)st.st_size;
        if (j->mp3.fd < 0)
            return fail(j, ENG_IMPORT_UNREADABLE, "cannot open the file: %s",
                        strerror(errno));
        memset(&info, 0, sizeof info);
        j->sf = sf_open_virtual(&io, SFM_READ, &info, &j->mp3);
        if (!j->sf || (info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG)
            return fail(j, ENG_IMPORT_UNREADABLE, NULL);
    }
    j->sf_format = info.format;
    eng_probe_describe(info.format, r->format, sizeof r->format);
    r->orig_channels = info.channels;
    r->orig_rate = info.samplerate;
    if (info.channels <= 0 || info.channels > ENG_IMPORT_MAX_CHANNELS)
        return fail(j, ENG_IMPORT_BAD_CHANNELS,
                    info.channels <= 0 ? "the file declares %d channels"
                                       : "%d channels is more than mixroom "
                                         "can fold (at most 64)",
                    info.channels);
    if (info.samplerate < ENG_IMPORT_MIN_RATE ||
        info.samplerate > ENG_IMPORT_MAX_RATE)
        return fail(j, ENG_IMPORT_BAD_RATE,
                    "sample rate %d Hz is outside 8000\u2013192000 Hz",
                    info.samplerate);
    j->announced = info.frames >= 0 && info.frames < UNKNOWN_FRAMES
                       ? (int64_t)info.frames
                       : UNKNOWN_FRAMES;
    if (j->announced != UNKNOWN_FRAMES)
        j->announced = eng_probe_announced_frames(j->sf, j->announced);
    /* The limits, from what libsndfile will deliver at most (its count,
     * already cut to the data present), before anything is written. */
    if (j->announced != UNKNOWN_FRAMES &&
        over_limit(j, (double)info.frames / info.samplerate,
                   eng_decoded_bytes(eng_frames_at_rate(info.frames,
                                                        info.samplerate,
                                                        r->rate),
                                     eng_fold_channels(info.channels)),
                   1) != 0)
        return -1;
    return 0;
}

/* Creates the temporaries, the buffers and (if needed) the resampler. */
static int prepare_output(import_job *j)
{
    eng_import_result *r = j->r;
    unsigned char zero[ENG_SAMPLES_HEADER] = {0};
    char name[64];

    r->channels = eng_fold_channels(r->orig_channels);
    j->in = malloc((size_t)CHUNK_FRAMES * (size_t)r->orig_channels *
                   sizeof(float));
    if (!j->in)
        return fail(j, ENG_IMPORT_IO, "out of memory");
    if (r->orig_rate != r->rate) {
        soxr_error_t e;
        soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
        soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
        soxr_runtime_spec_t rt = soxr_runtime_spec(1);
        j->soxr = soxr_create(r->orig_rate, r->rate, (unsigned)r->channels,
                              &e, &io, &q, &rt);
        if (!j->soxr)
            return fail(j, ENG_IMPORT_IO, "resampler error: %s", e);
        j->out_cap = (size_t)ceil((double)CHUNK_FRAMES * r->rate /
                                  r->orig_rate) + 1024;
        j->out = malloc(j->out_cap * (size_t)r->channels * sizeof(float));
        if (!j->out)
            return fail(j, ENG_IMPORT_IO, "out of memory");
    }
    if (eng_mkdirs(j->o->out_dir) != 0)
        return io_fail(j, "asset directory");
    snprintf(name, sizeof name, "samples-%d", r->rate);
    if (eng_tmpfile_open(&j->samples, j->o->out_dir, name) != 0)
        return io_fail(j, "decoded samples");
    snprintf(name, sizeof name, "peaks-%d", r->rate);
    if (eng_tmpfile_open(&j->peaks, j->o->out_dir, name) != 0)
        return io_fail(j, "peaks");
    eng_peaks_init(&j->acc, r->channels, r->rate);
    j->peaks_init = 1;
    if (eng_write_all(j->samples.fd, zero, sizeof zero) != 0)
        return io_fail(j, "decoded samples");
    return 0;
}

/* The decode loop: read, fold, resample, emit, until the end. */
static int decode(import_job *j)
{
    eng_import_result *r = j->r;
    const eng_import_opts *o = j->o;

    for (;;) {
        sf_count_t n = sf_readf_float(j->sf, j->in, CHUNK_FRAMES);
        if (n <= 0)
            break;
        r->orig_frames += n;
        /* no sample past a limit is written, whatever the header said */
        if (o->max_seconds > 0 &&
            (double)r->orig_frames > o->max_seconds * r->orig_rate &&
            over_limit(j, (double)r->orig_frames / r->orig_rate, 0, 0) != 0)
            return -1;
        eng_fold(j->in, r->orig_channels, j->in, (size_t)n);
        if (j->soxr ? resample(j, j->in, (size_t)n, 0) != 0
                    : emit(j, j->in, (size_t)n) != 0)
            return -1;
        if (cancelled(j))
            return fail(j, ENG_IMPORT_CANCELLED, NULL);
        if (j->announced != UNKNOWN_FRAMES && j->announced > 0)
            report(j, fmin(0.99, (double)r->orig_frames / j->announced), 0);
        else
            report(j, j->last_fraction, 0); /* unknown length: heartbeat */
    }
    /* A cut-off file usually also makes the decoder complain at the
     * cut: report the cut, which says more. */
    if (j->announced != UNKNOWN_FRAMES && r->orig_frames < j->announced)
        return fail(j, ENG_IMPORT_TRUNCATED,
                    "the %s stream is cut off after %.1f s (the header "
                    "announces %.1f s)", eng_probe_family(j->sf_format),
                    (double)r->orig_frames / r->orig_rate,
                    (double)j->announced / r->orig_rate);
    if (sf_error(j->sf) != SF_ERR_NO_ERROR && r->orig_frames > 0)
        return fail(j, ENG_IMPORT_DAMAGED,
                    "the %s data is damaged after %.1f s (%s)",
                    eng_probe_family(j->sf_format),
                    (double)r->orig_frames / r->orig_rate,
                    sf_strerror(j->sf));
    if (r->orig_frames == 0)
        return fail(j, ENG_IMPORT_EMPTY, "the file contains no audio");
    if (j->soxr) {
        int64_t target = eng_frames_at_rate(r->orig_frames, r->orig_rate,
                                            r->rate);
        if (j->written > target)
            return fail(j, ENG_IMPORT_IO, "resampler produced too much");
        if (resample(j, NULL, 0, target) != 0)
            return -1;
        memset(j->out, 0, j->out_cap * (size_t)r->channels * sizeof(float));
        while (j->written < target) {
            size_t pad = (size_t)(target - j->written);
            if (emit(j, j->out, pad < j->out_cap ? pad : j->out_cap) != 0)
                return -1;
        }
    }
    return 0;
}

/* Writes the header and the peaks, then renames both into place. */
static int finish(import_job *j)
{
    eng_import_result *r = j->r;
    unsigned char hdr[ENG_SAMPLES_HEADER], *pk = NULL;
    size_t pk_len = 0;
    char peaks_path[4200];

    eng_asset_header(hdr, r->channels, r->rate, j->written);
    if (pwrite(j->samples.fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
        return io_fail(j, "decoded samples");
    if (eng_peaks_serialize(&j->acc, &pk, &pk_len) != 0)
        return fail(j, ENG_IMPORT_IO, "out of memory computing peaks");
    if (eng_write_all(j->peaks.fd, pk, pk_len) != 0) {
        free(pk);
        return io_fail(j, "peaks");
    }
    free(pk);
    if (eng_tmpfile_commit(&j->peaks) != 0)
        return io_fail(j, "peaks");
    if (eng_tmpfile_commit(&j->samples) != 0) {
        int saved = errno;
        /* Do not leave peaks without samples. */
        if (eng_asset_file(peaks_path, sizeof peaks_path, j->o->out_dir,
                           "peaks", r->rate) == 0)
            unlink(peaks_path);
        errno = saved;
        return io_fail(j, "decoded samples");
    }
    if (eng_fsync_dir(j->o->out_dir) != 0)
        return io_fail(j, "asset directory");
    r->frames = j->written;
    r->duration = (double)j->written / r->rate;
    return 0;
}

int eng_import(const eng_import_opts *o, eng_import_result *r)
{
    import_job j;
    int rc = -1;

    memset(r, 0, sizeof *r);
    memset(&j, 0, sizeof j);
    j.o = o;
    j.r = r;
    j.samples.fd = j.peaks.fd = j.mp3.fd = -1;
    j.announced = UNKNOWN_FRAMES;
    if (!o || !o->src_path || !o->out_dir || o->rate < ENG_IMPORT_MIN_RATE ||
        o->rate > ENG_IMPORT_MAX_RATE) {
        fail(&j, ENG_IMPORT_INVALID, NULL);
        return -1;
    }
    r->rate = o->rate;
    j.last_report_ns = now_ns();
    if (o->progress)
        o->progress(o->progress_ctx, 0.0);
    if (open_source(&j) != 0 || prepare_output(&j) != 0 || decode(&j) != 0 ||
        finish(&j) != 0)
        goto out;
    report(&j, 1.0, 1);
    rc = 0;
out:
    eng_tmpfile_abort(&j.samples);
    eng_tmpfile_abort(&j.peaks);
    if (j.peaks_init)
        eng_peaks_free(&j.acc);
    if (j.soxr)
        soxr_delete(j.soxr);
    if (j.sf)
        sf_close(j.sf);
    if (j.mp3.fd >= 0)
        close(j.mp3.fd);
    free(j.in);
    free(j.out);
    if (rc != 0) {
        r->frames = 0;
        r->duration = 0;
    }
    return rc;
}
