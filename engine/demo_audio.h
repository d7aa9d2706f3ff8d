/* demo_audio.h -- synthesized material for the demo project, so that the
 * first thing a newcomer opens sounds like music: a drum loop, a bass line
 * and chords (Am - F - C - G, one chord per bar) as three WAV files, the
 * same bytes on every run. The server imports them through eng_import
 * like any upload. Also a plain WAV writer. */
#ifndef MIXROOM_ENGINE_DEMO_AUDIO_H
#define MIXROOM_ENGINE_DEMO_AUDIO_H

#include <limits.h>
#include <stdint.h>

#define ENG_DEMO_STEMS 3

/* Stem names, in the order eng_demo_write_stems fills paths:
 * "drums" (mono), "bass" (mono), "chords" (stereo). */
extern const char *const eng_demo_stem_names[ENG_DEMO_STEMS];

/* Writes interleaved float frames as a WAV file with libsndfile:
 * 16-bit PCM (values clipped to [-1, 1]) when float32 is 0, else 32-bit
 * float. Written to a temporary and renamed into place. 0 or -1. */
int eng_write_wav(const char *path, const float *interleaved, int channels,
                  int64_t frames, int rate, int float32);

/* Synthesizes `bars` bars of 4/4 at `tempo` BPM and `rate` Hz and writes
 * <dir>/drums.wav, <dir>/bass.wav and <dir>/chords.wav (16-bit), storing
 * their paths in paths[]. Deterministic. bars 1..64, tempo 40..240,
 * rate 8000..192000. Returns 0, or -1 (errno EINVAL for bad arguments,
 * else the write error). The usual call: (dir, 48000, 100.0, 8, paths). */
int eng_demo_write_stems(const char *dir, int rate, double tempo, int bars,
                         char paths[ENG_DEMO_STEMS][PATH_MAX]);

#endif
