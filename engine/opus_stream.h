/* opus_stream.h -- 20 ms Opus packets (48 kHz stereo, OPUS_APPLICATION_AUDIO,
 * VBR) from an eng_renderer, for live preview. A 44.1 kHz project is
 * rendered at 44.1 kHz, 882 frames per packet, and resampled to 48 kHz
 * with soxr in streaming mode (soxr's output is aligned with its input, so
 * packet k still starts at timeline frame from + k * 882). Also gathers the
 * per-track and master meters of the blocks rendered for each packet.
 * Render ahead (eng_opus_stream_set_ahead): the renderer may render
 * several packets' worth in one block (cheaper for many independent
 * streams: each renderer's state is walked once per block); the samples
 * and so the packets are the same as one packet at a time (at either
 * rate), the meters then have the block's resolution. Nothing is allocated per packet. One
 * thread uses a stream at a time. */
#ifndef MIXROOM_ENGINE_OPUS_STREAM_H
#define MIXROOM_ENGINE_OPUS_STREAM_H

#include <stdint.h>

#include "engine/render.h"

#define ENG_OPUS_RATE 48000
#define ENG_OPUS_FRAME 960          /* 20 ms at 48 kHz */
#define ENG_OPUS_MAX_PACKET 1500
#define ENG_OPUS_AHEAD_MAX 5        /* packets a renderer's block covers (its
                                     * max_block, the block cache's blocks) */
#define ENG_OPUS_AHEAD_LIMIT 20     /* packets rendered ahead at most (in
                                     * blocks of the renderer's max_block) */

typedef struct eng_opus_stream eng_opus_stream;

/* A stream encoding what r renders; r stays the caller's (it must outlive
 * the stream or be replaced with eng_opus_stream_set_renderer). rate is
 * the project rate (44100 or 48000); bitrate in bits/s (6000..510000),
 * complexity 0..10. NULL on error. */
eng_opus_stream *eng_opus_stream_new(eng_renderer *r, int rate, int bitrate,
                                     int complexity);

void eng_opus_stream_free(eng_opus_stream *s);

/* Uses another renderer from the next packet on (e.g. a fixed plan for
 * playback of a revision); resets like a seek. */
void eng_opus_stream_set_renderer(eng_opus_stream *s, eng_renderer *r);

/* Gain in dB applied to what is encoded from the next packet on (the
 * meters keep measuring the mix before it): loudness-matched A/B. 0 (the
 * default) or a non-finite value: none. */
void eng_opus_stream_set_gain(eng_opus_stream *s, double gain_db);

/* Opus complexity (0..10) from the next packet on; the stream stays
 * contiguous (no reset): the load adaptation of the pacing threads. */
void eng_opus_stream_set_complexity(eng_opus_stream *s, int complexity);

/* From the next block on (what was rendered ahead is used first), the
 * renderer renders
 * `packets` packets (1..ENG_OPUS_AHEAD_LIMIT, clamped) in one block, so
 * what it renders runs up to packets - 1 packets ahead of what is
 * encoded (an edit reaches the audio that much later, unless the owner
 * seeks). Block boundaries fall where (packets since the seek + phase)
 * is a multiple of `packets`, so streams with different phases render on
 * different packets; phase ENG_OPUS_PHASE_TIMELINE puts them where the
 * packet's timeline index (position / frames, rounded down) is a
 * multiple of `packets`, the same for every stream at that position (the
 * block cache keys blocks by position and length). One eng_render call
 * covers the block; the renderer splits it into its max_block (with
 * more packets than that, consecutive renders of one renderer, whose
 * state stays in the caches). The stream's buffer grows to `packets`
 * packets here when it must (never per packet; it stays at its largest
 * until freed); when it cannot, packets is what it holds. Packets are
 * identical to packets = 1 (the
 * default) at 48 kHz and 44.1 kHz (the engine's samples do not depend on
 * where blocks end: tests/unit/test_comp_blocks, test_stream_share); the
 * meters of a block count for each of its packets. */
#define ENG_OPUS_PHASE_TIMELINE (-1)
void eng_opus_stream_set_ahead(eng_opus_stream *s, int packets, int phase);

/* Packets rendered ahead and not yet encoded (0..ENG_OPUS_AHEAD_LIMIT-1):
 * how long something new put into the renderer waits to be heard. */
int eng_opus_stream_pending(const eng_opus_stream *s);

/* Blocks rendered so far (one per packet without render ahead, one per
 * `packets` packets with it). */
uint64_t eng_opus_stream_blocks(const eng_opus_stream *s);

/* Timeline frames (project rate) one packet covers: 960 or 882. */
int eng_opus_stream_frames(const eng_opus_stream *s);

/* Renders the packet starting at timeline frame `position` and encodes it
 * into out (max bytes). A position other than the previous one plus
 * eng_opus_stream_frames() is a seek (the resampler is reset). Returns the
 * packet length (> 0) or -1 on an encoder error. */
int eng_opus_stream_next(eng_opus_stream *s, int64_t position,
                         unsigned char *out, int max);

/* Levels gathered since the last call (peak and RMS, linear, max over the
 * two channels), for up to max_tracks tracks of the renderer's current
 * plan and the master; then resets the gathering. Returns the number of
 * tracks written (the plan's track count, capped at max_tracks). */
int eng_opus_stream_levels(eng_opus_stream *s, float *track_peak,
                           float *track_rms, int max_tracks,
                           float *master_peak, float *master_rms);

/* The same, with the true peaks (eng_meter.tpeak, max since the last
 * call) of the tracks in track_tp and of the master in master_tp (either
 * may be NULL). */
int eng_opus_stream_levels_tp(eng_opus_stream *s, float *track_peak,
                              float *track_rms, float *track_tp,
                              int max_tracks, float *master_peak,
                              float *master_rms, float *master_tp);

/* The last rendered PCM at 48 kHz (ENG_OPUS_FRAME interleaved stereo
 * frames of the latest packet), for tests. */
const float *eng_opus_stream_pcm(const eng_opus_stream *s);

#endif
