/* export.c -- streamed export writers: our own RIFF/WAVE writer (exact
 * header up front, so nothing needs seeking), FLAC through libsndfile's
 * virtual I/O, Ogg Opus through libopusenc's callbacks; the shared
 * quantiser with TPDF dither; the whole-project end (tail detection) and
 * loudness normalisation. */
#include "engine/export.h"

#include <errno.h>
#include <math.h>
#include <opusenc.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/render.h"

typedef struct sink {
    eng_write_fn write;
    int (*seek)(void *ctx, int64_t pos); /* NULL: a stream */
    void *ctx;
    uint64_t bytes;
    bool failed;
} sink;

static int sink_put(sink *s, const void *d, size_t n)
{
    if (s->failed)
        return -1;
    if (n && s->write(s->ctx, d, n) != 0) {
        s->failed = true;
        return -1;
    }
    s->bytes += n;
    return 0;
}

/* ---- formats ------------------------------------------------------------ */

void eng_export_opts_default(eng_export_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = ENG_FMT_WAV24;
    o->from = 0;
    o->to = -1;
    o->opus_bitrate = 160000;
    o->target_lufs = -14.0;
    o->ceiling_dbtp = -1.0;
    o->block = 4096;
}

int eng_format_parse(const char *name)
{
    static const struct { const char *name; eng_format f; } names[] = {
        {"wav", ENG_FMT_WAV24},     {"wav16", ENG_FMT_WAV16},
        {"wav24", ENG_FMT_WAV24},   {"wav32", ENG_FMT_WAVF32},
        {"wavf32", ENG_FMT_WAVF32}, {"flac", ENG_FMT_FLAC24},
        {"flac16", ENG_FMT_FLAC16}, {"flac24", ENG_FMT_FLAC24},
        {"opus", ENG_FMT_OPUS},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return (int)names[i].f;
    return -1;
}

const char *eng_format_mime(eng_format f)
{
    switch (f) {
    case ENG_FMT_FLAC16:
    case ENG_FMT_FLAC24: return "audio/flac";
    case ENG_FMT_OPUS: return "audio/ogg; codecs=opus";
    default: return "audio/wav";
    }
}

const char *eng_format_ext(eng_format f)
{
    switch (f) {
    case ENG_FMT_FLAC16:
    case ENG_FMT_FLAC24: return "flac";
    case ENG_FMT_OPUS: return "opus";
    default: return "wav";
    }
}

/* ---- quantiser ------------------------------------------------------------ */

static double uniform(uint32_t *st)
{
    uint32_t x = *st;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *st = x;
    return (double)x / 4294967296.0;
}

/* Float -> integer of `bits` bits; 16-bit gets TPDF dither of +-1 LSB
 * (the difference of two uniform variables). Clipped to the range. */
static int32_t quantise(float x, int bits, uint32_t *rng)
{
    double full = bits == 16 ? 32768.0 : 8388608.0;
    double v = (double)x * full;
    if (bits == 16)
        v += uniform(rng) - uniform(rng);
    v = nearbyint(v);
    if (v > full - 1)
        v = full - 1;
    if (v < -full)
        v = -full;
    return (int32_t)v;
}

/* ---- encoders ------------------------------------------------------------- */

typedef struct encoder {
    eng_format fmt;
    sink *sk;
    int rate;
    uint32_t rng;
    unsigned char *bytes;   /* WAV block bytes */
    int *ibuf;              /* FLAC block ints */
    int block;
    SNDFILE *sf;
    int64_t vpos, vend;     /* virtual I/O position and length */
    bool discard;           /* after a refused seek: header patches */
    OggOpusEnc *ope;
    OggOpusComments *com;
} encoder;

static void put_le(unsigned char *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int wav_header(encoder *e, int64_t frames)
{
    unsigned char h[58];
    bool flt = e->fmt == ENG_FMT_WAVF32;
    int bps = e->fmt == ENG_FMT_WAV16 ? 2 : e->fmt == ENG_FMT_WAV24 ? 3 : 4;
    uint64_t data = (uint64_t)frames * 2u * (uint64_t)bps;
    uint32_t fmt_len = flt ? 18 : 16;
    size_t hl = 12 + 8 + fmt_len + (flt ? 12 : 0) + 8;
    if (data > 0xFFFFFFFFu - hl)
        data = (0xFFFFFFFFu - hl) / (2u * (uint64_t)bps) * (2u * (uint64_t)bps);
    unsigned char *p = h;
    memcpy(p, "RIFF", 4);
    put_le(p + 4, (uint32_t)(hl - 8 + data), 4);
    memcpy(p + 8, "WAVE", 4);
    memcpy(p + 12, "fmt ", 4);
    put_le(p + 16, fmt_len, 4);
    p += 20;
    put_le(p, flt ? 3 : 1, 2);                       /* format tag */
    put_le(p + 2, 2, 2);                             /* channels */
    put_le(p + 4, (uint32_t)e->rate, 4);
    put_le(p + 8, (uint32_t)(e->rate * 2 * bps), 4); /* byte rate */
    put_le(p + 12, (uint32_t)(2 * bps), 2);          /* block align */
    put_le(p + 14, (uint32_t)(8 * bps), 2);
    p += 16;
    if (flt) {
        put_le(p, 0, 2); /* cbSize */
        p += 2;
        memcpy(p, "fact", 4);
        put_le(p + 4, 4, 4);
        put_le(p + 8, (uint32_t)frames, 4);
        p += 12;
    }
    memcpy(p, "data", 4);
    put_le(p + 4, (uint32_t)data, 4);
    p += 8;
    return sink_put(e->sk, h, (size_t)(p - h));
}

static sf_count_t vio_len(void *u)
{
    return ((encoder *)u)->vend;
}

/* Seeking works on seekable descriptors (then libFLAC rewrites STREAMINFO
 * with the length and MD5 at the end); on a stream only "stay here"
 * succeeds and the FLAC header keeps "length unknown", which is valid. */
static sf_count_t vio_seek(sf_count_t off, int whence, void *u)
{
    encoder *e = u;
    sf_count_t target = whence == SEEK_SET ? off
                        : whence == SEEK_CUR ? e->vpos + off
                                             : e->vend + off;
    if (target == e->vpos)
        return e->vpos;
    if (!e->sk->seek || target < 0 || e->sk->seek(e->sk->ctx, target) != 0) {
        /* libFLAC only seeks back at the end, to patch STREAMINFO; what it
         * writes after a refused seek belongs elsewhere: drop it */
        e->discard = true;
        return -1;
    }
    e->vpos = target;
    return target;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *u)
{
    (void)ptr;
    (void)count;
    (void)u;
    return 0;
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *u)
{
    encoder *e = u;
    if (e->discard)
        return count;
    if (sink_put(e->sk, ptr, (size_t)count) != 0)
        return 0;
    e->vpos += count;
    if (e->vpos > e->vend)
        e->vend = e->vpos;
    return count;
}

static sf_count_t vio_tell(void *u)
{
    return ((encoder *)u)->vpos;
}

static int ope_write(void *user, const unsigned char *ptr, opus_int32 len)
{
    return sink_put(user, ptr, (size_t)len) != 0;
}

static int ope_close(void *user)
{
    (void)user;
    return 0;
}

static int enc_open(encoder *e, eng_format fmt, sink *sk, int rate, int block,
                    int64_t frames, int bitrate)
{
    memset(e, 0, sizeof *e);
    e->fmt = fmt;
    e->sk = sk;
    e->rate = rate;
    e->rng = 0x9E3779B9u; /* fixed seed: exports are reproducible */
    e->block = block;
    switch (fmt) {
    case ENG_FMT_WAV16:
    case ENG_FMT_WAV24:
    case ENG_FMT_WAVF32:
        e->bytes = malloc((size_t)block * 8);
        if (!e->bytes)
            return -1;
        return wav_header(e, frames);
    case ENG_FMT_FLAC16:
    case ENG_FMT_FLAC24: {
        static SF_VIRTUAL_IO vio = {vio_len, vio_seek, vio_read, vio_write,
                                    vio_tell};
        SF_INFO info = {
            .samplerate = rate,
            .channels = 2,
            .format = SF_FORMAT_FLAC |
                      (fmt == ENG_FMT_FLAC16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24),
        };
        e->ibuf = malloc((size_t)block * 2 * sizeof(int));
        if (!e->ibuf)
            return -1;
        e->sf = sf_open_virtual(&vio, SFM_WRITE, &info, e);
        return e->sf ? 0 : -1;
    }
    case ENG_FMT_OPUS: {
        OpusEncCallbacks cb = {ope_write, ope_close};
        int err = 0;
        e->com = ope_comments_create();
        if (!e->com)
            return -1;
        ope_comments_add(e->com, "ENCODER", "mixroom");
        e->ope = ope_encoder_create_callbacks(&cb, sk, e->com, rate, 2, 0, &err);
        if (!e->ope)
            return -1;
        if (bitrate < 6000)
            bitrate = 6000;
        if (bitrate > 510000)
            bitrate = 510000;
        ope_encoder_ctl(e->ope, OPUS_SET_BITRATE(bitrate));
        return 0;
    }
    }
    return -1;
}

static int enc_write(encoder *e, const float *x, int n)
{
    switch (e->fmt) {
    case ENG_FMT_WAV16:
    case ENG_FMT_WAV24: {
        int bits = e->fmt == ENG_FMT_WAV16 ? 16 : 24, bps = bits / 8;
        for (int i = 0; i < 2 * n; i++)
            put_le(e->bytes + (size_t)i * (size_t)bps,
                   (uint32_t)quantise(x[i], bits, &e->rng), bps);
        return sink_put(e->sk, e->bytes, (size_t)n * 2 * (size_t)bps);
    }
    case ENG_FMT_WAVF32:
        for (int i = 0; i < 2 * n; i++) {
            uint32_t u;
            memcpy(&u, &x[i], 4);
            put_le(e->bytes + 4 * i, u, 4);
        }
        return sink_put(e->sk, e->bytes, (size_t)n * 8);
    case ENG_FMT_FLAC16:
    case ENG_FMT_FLAC24: {
        int bits = e->fmt == ENG_FMT_FLAC16 ? 16 : 24;
        for (int i = 0; i < 2 * n; i++) /* libsndfile ints are 32-bit scale */
            e->ibuf[i] = (int)((uint32_t)quantise(x[i], bits, &e->rng) << (32 - bits));
        return sf_writef_int(e->sf, e->ibuf, n) == n && !e->sk->failed ? 0 : -1;
    }
    case ENG_FMT_OPUS:
        return ope_encoder_write_float(e->ope, x, n) == OPE_OK && !e->sk->failed ? 0 : -1;
    }
    return -1;
}

static int enc_close(encoder *e, bool ok)
{
    int rc = 0;
    if (e->sf && sf_close(e->sf) != 0)
        rc = -1;
    if (e->ope) {
        if (ok && ope_encoder_drain(e->ope) != OPE_OK)
            rc = -1;
        ope_encoder_destroy(e->ope);
    }
    if (e->com)
        ope_comments_destroy(e->com);
    free(e->bytes);
    free(e->ibuf);
    return e->sk->failed ? -2 : rc;
}

/* ---- the export ------------------------------------------------------------ */

/* End of the last clip among the tracks audible in this render (the stem's
 * path, or the mix), and whether any of them has an effect or is an
 * instrument (whose notes release past their clip's end). */
static int64_t content_end(const eng_plan *p, const char *stem, bool *has_fx)
{
    int ms = eng_plan_max_sends(p), solo = -1;
    int64_t end = 0;
    uint8_t *flags = malloc((size_t)p->ntracks + 1);
    bool *son = malloc((size_t)p->ntracks * (size_t)(ms + 1) + 1);

    *has_fx = p->nfx_total > 0;
    if (!flags || !son) {
        end = p->end;
        goto out;
    }
    if (stem) {
        solo = eng_plan_track_index(p, stem);
        if (solo < 0)
            goto out; /* an unknown track: an empty stem */
    }
    eng_plan_route(p, solo, flags, son, ms);
    *has_fx = false;
    for (int t = 0; t < p->ntracks; t++) {
        if (!(flags[t] & ENG_ROUTE_ACTIVE))
            continue;
        if (p->tracks[t].end > end)
            end = p->tracks[t].end;
        if (p->tracks[t].nfx > 0 || p->tracks[t].instrument)
            *has_fx = true; /* effects and instruments ring on */
    }
out:
    free(flags);
    free(son);
    return end;
}

int64_t eng_export_end(eng_plan *plan, const char *stem_track)
{
    return eng_export_end_cancel(plan, stem_track, NULL);
}

int64_t eng_export_end_cancel(eng_plan *plan, const char *stem_track,
                              const atomic_int *cancel)
{
    enum { BLOCK = 4096 };
    bool has_fx;
    int64_t end = content_end(plan, stem_track, &has_fx), last = -1;
    int64_t cend = end;
    int64_t limit = end + (int64_t)ENG_TAIL_MAX_SECONDS * plan->sample_rate;
    const float thr = (float)pow(10.0, ENG_TAIL_SILENCE_DB / 20.0);

    if (!has_fx || end == 0)
        return end;
    eng_renderer *r = eng_renderer_new(NULL, plan, BLOCK);
    float *buf = malloc(sizeof(float) * 2 * BLOCK);
    if (!r || !buf) {
        end = -1;
        goto out;
    }
    if (stem_track)
        eng_renderer_set_solo(r, stem_track);
    for (int64_t pos = 0; pos < limit; pos += BLOCK) {
        int n = limit - pos < BLOCK ? (int)(limit - pos) : BLOCK;
        if (cancel && atomic_load(cancel)) {
            end = -3;
            goto out;
        }
        eng_render(r, pos, buf, n);
        if (pos + n <= cend)
            continue;
        for (int i = 0; i < n; i++)
            if (fabsf(buf[2 * i]) > thr || fabsf(buf[2 * i + 1]) > thr)
                last = pos + i;
        /* a whole second of silence after the clips: done */
        if (pos > cend && pos + n - last > plan->sample_rate)
            break;
    }
    if (last + 1 > end)
        end = last + 1;
out:
    free(buf);
    eng_renderer_free(r);
    return end;
}

static int export_sink(eng_plan *plan, const eng_export_opts *opts,
                       eng_write_fn write, int (*seek)(void *, int64_t),
                       void *ctx, eng_export_info *info)
{
    eng_export_opts o = *opts;
    eng_export_info inf;
    sink sk = {write, seek, ctx, 0, false};
    encoder enc;
    eng_renderer *r = NULL;
    eng_lufs *meter = NULL;
    float *buf = NULL;
    bool opened = false;
    int rc = -1;

    memset(&inf, 0, sizeof inf);
    memset(&enc, 0, sizeof enc);
    if (o.block <= 0)
        o.block = 4096;
    if (o.to < 0) {
        o.from = 0;
        o.to = eng_export_end_cancel(plan, o.stem_track, o.cancel);
        if (o.to < 0) {
            rc = o.to == -3 ? -3 : -1;
            goto out;
        }
    }
    if (o.to < o.from)
        o.to = o.from;
    inf.from = o.from;
    inf.to = o.to;
    if (o.normalize) {
        eng_loudness pre;
        int mrc = eng_loudness_measure_cancel(plan, o.from, o.to, o.stem_track,
                                              o.cancel, &pre);
        if (mrc != 0) {
            rc = mrc;
            goto out;
        }
        inf.gain_db = eng_loudness_norm_gain(&pre, o.target_lufs, o.ceiling_dbtp);
        meter = eng_lufs_new(plan->sample_rate);
        if (!meter)
            goto out;
    }
    r = eng_renderer_new(NULL, plan, o.block);
    buf = malloc(sizeof(float) * 2 * (size_t)o.block);
    if (!r || !buf)
        goto out;
    if (o.stem_track)
        eng_renderer_set_solo(r, o.stem_track);
    opened = true;
    if (enc_open(&enc, o.format, &sk, plan->sample_rate, o.block, o.to - o.from,
                 o.opus_bitrate) != 0)
        goto out;
    float g = (float)pow(10.0, inf.gain_db / 20.0);
    for (int64_t pos = o.from; pos < o.to; pos += o.block) {
        int n = o.to - pos < o.block ? (int)(o.to - pos) : o.block;
        if (o.cancel && atomic_load(o.cancel)) {
            rc = -3;
            goto out;
        }
        eng_render(r, pos, buf, n);
        if (inf.gain_db != 0.0)
            for (int i = 0; i < 2 * n; i++)
                buf[i] *= g;
        if (meter)
            eng_lufs_add(meter, buf, n);
        if (enc_write(&enc, buf, n) != 0)
            goto out;
    }
    rc = 0;
out:
    if (opened) {
        int crc = enc_close(&enc, rc == 0);
        if (crc != 0 && rc == 0)
            rc = crc;
    }
    if (sk.failed && rc != -3)
        rc = -2;
    if (meter)
        eng_lufs_result(meter, &inf.loudness);
    inf.bytes = sk.bytes;
    if (info)
        *info = inf;
    eng_lufs_free(meter);
    free(buf);
    eng_renderer_free(r);
    return rc;
}

typedef struct fd_ctx {
    int fd;
    off_t base; /* where the file starts in fd */
} fd_ctx;

static int fd_write(void *ctx, const void *data, size_t len)
{
    int fd = ((fd_ctx *)ctx)->fd;
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int fd_seek(void *ctx, int64_t pos)
{
    fd_ctx *f = ctx;
    off_t to = f->base + (off_t)pos;
    return lseek(f->fd, to, SEEK_SET) == to ? 0 : -1;
}

int eng_export(eng_plan *plan, const eng_export_opts *opts,
               eng_write_fn write, void *ctx, eng_export_info *info)
{
    return export_sink(plan, opts, write, NULL, ctx, info);
}

int eng_export_fd(eng_plan *plan, const eng_export_opts *opts, int fd,
                  eng_export_info *info)
{
    fd_ctx f = {fd, lseek(fd, 0, SEEK_CUR)};
    return export_sink(plan, opts, fd_write, f.base >= 0 ? fd_seek : NULL, &f,
                       info);
}
