/* opus_stream.c -- renderer -> (soxr) -> libopus, 20 ms at a time (see
 * opus_stream.h). */
#include "engine/opus_stream.h"

#include <assert.h>
#include <math.h>
#include <opus.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

#define MAX_METER_TRACKS 256
#define SRC_FRAMES_44K 882

struct eng_opus_stream {
    eng_renderer *r;
    OpusEncoder *enc;
    soxr_t soxr;                 /* NULL at 48 kHz */
    int rate;
    int src_frames;              /* timeline frames per packet */
    int64_t next_pos;            /* expected position of the next packet */
    int64_t render_pos;          /* next frame to feed the resampler */
    float *src;                  /* src_cap * src_frames * 2 */
    int src_cap;                 /* packets src holds (grows with set_ahead) */
    /* render ahead: src holds ahead_n packets' worth rendered at once, of
     * which ahead_i have been used */
    int ahead, phase, next_ahead, next_phase;
    int ahead_n, ahead_i;
    uint64_t since_seek;         /* packets rendered since the last seek */
    uint64_t blocks;             /* eng_render calls (blocks) so far */
    float fifo[2 * 4 * ENG_OPUS_FRAME];
    int fifo_n;                  /* frames in fifo */
    float pcm[2 * ENG_OPUS_FRAME];
    /* level gathering */
    float tpeak[MAX_METER_TRACKS], tsq[MAX_METER_TRACKS];
    float ttp[MAX_METER_TRACKS];  /* true peaks */
    float mpeak, msq, mtp;
    int nblocks;
    /* the meters of the last block, counted once per packet it covers */
    float bpeak[MAX_METER_TRACKS], brms[MAX_METER_TRACKS];
    float btp[MAX_METER_TRACKS];
    float bmpeak, bmrms, bmtp;
    int bn;
    float gain;                  /* linear, applied before encoding */
};

/* Takes the meters of the block just rendered. */
static void meters_take(eng_opus_stream *s)
{
    const eng_plan *p = eng_renderer_plan(s->r);
    int n = p ? p->ntracks : 0;

    if (n > MAX_METER_TRACKS)
        n = MAX_METER_TRACKS;
    for (int t = 0; t < n; t++) {
        eng_meter m = eng_renderer_track_meter(s->r, t);
        s->bpeak[t] = fmaxf(m.peak[0], m.peak[1]);
        s->brms[t] = fmaxf(m.rms[0], m.rms[1]);
        s->btp[t] = m.tpeak;
    }
    eng_meter m = eng_renderer_master_meter(s->r);
    s->bmpeak = fmaxf(m.peak[0], m.peak[1]);
    s->bmrms = fmaxf(m.rms[0], m.rms[1]);
    s->bmtp = m.tpeak;
    s->bn = n;
}

/* Counts the last block's meters into the gathering (once per packet, or
 * per 882-frame block at 44.1 kHz). */
static void meters_add(eng_opus_stream *s)
{
    for (int t = 0; t < s->bn; t++) {
        if (s->bpeak[t] > s->tpeak[t])
            s->tpeak[t] = s->bpeak[t];
        if (s->btp[t] > s->ttp[t])
            s->ttp[t] = s->btp[t];
        s->tsq[t] += s->brms[t] * s->brms[t];
    }
    if (s->bmpeak > s->mpeak)
        s->mpeak = s->bmpeak;
    if (s->bmtp > s->mtp)
        s->mtp = s->bmtp;
    s->msq += s->bmrms * s->bmrms;
    s->nblocks++;
}

/* a / b rounded down (toward minus infinity), b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

/* The next src_frames of the timeline, from the block rendered ahead or a
 * new block (of up to `ahead` packets, ending on a phase boundary). */
static const float *next_src(eng_opus_stream *s)
{
    if (s->ahead_i >= s->ahead_n) {
        s->ahead = s->next_ahead;
        s->phase = s->next_phase;
        int64_t k = s->phase == ENG_OPUS_PHASE_TIMELINE
                        ? floor_div(s->render_pos, s->src_frames)
                        : (int64_t)(s->since_seek + (uint64_t)s->phase);
        int n = s->ahead - (int)(((k % s->ahead) + s->ahead) % s->ahead);
        assert(n >= 1 && n <= s->ahead && s->ahead <= s->src_cap);
        eng_render(s->r, s->render_pos, s->src, n * s->src_frames);
        s->blocks++;
        meters_take(s);
        s->ahead_n = n;
        s->ahead_i = 0;
    }
    const float *p = s->src + (size_t)2 * (size_t)s->ahead_i *
                                  (size_t)s->src_frames;
    s->ahead_i++;
    s->since_seek++;
    s->render_pos += s->src_frames;
    meters_add(s);
    return p;
}

eng_opus_stream *eng_opus_stream_new(eng_renderer *r, int rate, int bitrate,
                                     int complexity)
{
    eng_opus_stream *s = calloc(1, sizeof *s);
    int err;

    if (!s || (rate != 48000 && rate != 44100))
        goto fail;
    s->r = r;
    s->rate = rate;
    s->src_frames = rate == 48000 ? ENG_OPUS_FRAME : SRC_FRAMES_44K;
    s->src_cap = ENG_OPUS_AHEAD_MAX;
    s->src = calloc((size_t)s->src_cap * (size_t)s->src_frames * 2,
                    sizeof *s->src);
    s->ahead = s->next_ahead = 1;
    s->enc = opus_encoder_create(ENG_OPUS_RATE, 2, OPUS_APPLICATION_AUDIO,
                                 &err);
    if (!s->src || !s->enc || err != OPUS_OK)
        goto fail;
    opus_encoder_ctl(s->enc, OPUS_SET_BITRATE(bitrate));
    opus_encoder_ctl(s->enc, OPUS_SET_VBR(1));
    opus_encoder_ctl(s->enc, OPUS_SET_COMPLEXITY(complexity));
    if (rate != 48000) {
        soxr_error_t e;
        soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
        soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
        s->soxr = soxr_create(rate, ENG_OPUS_RATE, 2, &e, &io, &q, NULL);
        if (!s->soxr)
            goto fail;
    }
    s->next_pos = -1;
    s->gain = 1.0f;
    return s;
fail:
    eng_opus_stream_free(s);
    return NULL;
}

void eng_opus_stream_free(eng_opus_stream *s)
{
    if (!s)
        return;
    if (s->enc)
        opus_encoder_destroy(s->enc);
    if (s->soxr)
        soxr_delete(s->soxr);
    free(s->src);
    free(s);
}

void eng_opus_stream_set_renderer(eng_opus_stream *s, eng_renderer *r)
{
    s->r = r;
    s->next_pos = -1;
    s->ahead_n = s->ahead_i = 0;
}

void eng_opus_stream_set_ahead(eng_opus_stream *s, int packets, int phase)
{
    if (packets < 1)
        packets = 1;
    if (packets > ENG_OPUS_AHEAD_LIMIT)
        packets = ENG_OPUS_AHEAD_LIMIT;
    if (packets > s->src_cap) {
        /* realloc keeps what was rendered ahead and not yet encoded */
        float *v = realloc(s->src, sizeof *s->src * (size_t)packets *
                                       (size_t)s->src_frames * 2);
        if (v) {
            s->src = v;
            s->src_cap = packets;
        } else {
            packets = s->src_cap;
        }
    }
    s->next_ahead = packets;
    s->next_phase = phase == ENG_OPUS_PHASE_TIMELINE ? phase
                    : phase < 0                      ? 0
                                                     : phase % packets;
}

uint64_t eng_opus_stream_blocks(const eng_opus_stream *s)
{
    return s->blocks;
}

int eng_opus_stream_pending(const eng_opus_stream *s)
{
    return s->ahead_n - s->ahead_i;
}

void eng_opus_stream_set_gain(eng_opus_stream *s, double gain_db)
{
    s->gain = isfinite(gain_db) ? (float)pow(10.0, gain_db / 20.0) : 1.0f;
}

void eng_opus_stream_set_complexity(eng_opus_stream *s, int complexity)
{
    assert(complexity >= 0 && complexity <= 10);
    opus_encoder_ctl(s->enc, OPUS_SET_COMPLEXITY(complexity));
}

int eng_opus_stream_frames(const eng_opus_stream *s)
{
    return s->src_frames;
}

const float *eng_opus_stream_pcm(const eng_opus_stream *s)
{
    return s->pcm;
}

/* 44.1 kHz: feeds 882-frame renders through soxr until a packet's worth
 * of 48 kHz frames is waiting. */
static void fill_resampled(eng_opus_stream *s)
{
    int guard = 0;

    while (s->fifo_n < ENG_OPUS_FRAME && guard++ < 8) {
        size_t done = 0;
        const float *in = next_src(s);
        size_t room = (sizeof s->fifo / sizeof s->fifo[0]) / 2 - (size_t)s->fifo_n;
        soxr_process(s->soxr, in, (size_t)s->src_frames, NULL,
                     s->fifo + 2 * s->fifo_n, room, &done);
        s->fifo_n += (int)done;
    }
    if (s->fifo_n < ENG_OPUS_FRAME) { /* cannot happen with soxr; be safe */
        memset(s->fifo + 2 * s->fifo_n, 0,
               sizeof(float) * 2 * (size_t)(ENG_OPUS_FRAME - s->fifo_n));
        s->fifo_n = ENG_OPUS_FRAME;
    }
    memcpy(s->pcm, s->fifo, sizeof s->pcm);
    s->fifo_n -= ENG_OPUS_FRAME;
    memmove(s->fifo, s->fifo + 2 * ENG_OPUS_FRAME,
            sizeof(float) * 2 * (size_t)s->fifo_n);
}

int eng_opus_stream_next(eng_opus_stream *s, int64_t position,
                         unsigned char *out, int max)
{
    eng_renderer_maintain(s->r);
    if (position != s->next_pos) {
        if (s->soxr)
            soxr_clear(s->soxr);
        s->fifo_n = 0;
        s->render_pos = position;
        s->ahead_n = s->ahead_i = 0;
        s->since_seek = 0;
        opus_encoder_ctl(s->enc, OPUS_RESET_STATE);
    }
    if (!s->soxr) {
        memcpy(s->pcm, next_src(s), sizeof s->pcm);
    } else {
        fill_resampled(s);
    }
    s->next_pos = position + s->src_frames;
    if (s->gain != 1.0f)
        for (int i = 0; i < 2 * ENG_OPUS_FRAME; i++)
            s->pcm[i] *= s->gain;
    opus_int32 n = opus_encode_float(s->enc, s->pcm, ENG_OPUS_FRAME, out, max);
    return n > 0 ? (int)n : -1;
}

int eng_opus_stream_levels(eng_opus_stream *s, float *track_peak,
                           float *track_rms, int max_tracks,
                           float *master_peak, float *master_rms)
{
    return eng_opus_stream_levels_tp(s, track_peak, track_rms, NULL,
                                     max_tracks, master_peak, master_rms,
                                     NULL);
}

int eng_opus_stream_levels_tp(eng_opus_stream *s, float *track_peak,
                              float *track_rms, float *track_tp,
                              int max_tracks, float *master_peak,
                              float *master_rms, float *master_tp)
{
    const eng_plan *p = eng_renderer_plan(s->r);
    int n = p ? p->ntracks : 0;
    float nb = s->nblocks > 0 ? (float)s->nblocks : 1.0f;

    if (n > max_tracks)
        n = max_tracks;
    if (n > MAX_METER_TRACKS)
        n = MAX_METER_TRACKS;
    for (int t = 0; t < n; t++) {
        track_peak[t] = s->tpeak[t];
        track_rms[t] = sqrtf(s->tsq[t] / nb);
        if (track_tp)
            track_tp[t] = s->ttp[t];
    }
    *master_peak = s->mpeak;
    *master_rms = sqrtf(s->msq / nb);
    if (master_tp)
        *master_tp = s->mtp;
    memset(s->tpeak, 0, sizeof s->tpeak);
    memset(s->tsq, 0, sizeof s->tsq);
    memset(s->ttp, 0, sizeof s->ttp);
    s->mpeak = s->msq = s->mtp = 0;
    s->nblocks = 0;
    return n;
}
