/* demo_audio.h -- the demo song's stems, synthesized by the program
 * itself: drums (kick, snare, hi-hat), a bass line and chords, a few bars
 * in A minor at a given tempo, written as audio files with libsndfile.
 * Deterministic (a fixed noise seed): the same call writes the same bytes.
 * Pure: no server state, any thread. */
#ifndef MIXROOM_SERVER_DEMO_AUDIO_H
#define MIXROOM_SERVER_DEMO_AUDIO_H

#include <stddef.h>
#include <stdint.h>

enum srv_demo_stem {
    SRV_DEMO_DRUMS = 0, /* stereo 24-bit WAV */
    SRV_DEMO_BASS,      /* mono 16-bit WAV */
    SRV_DEMO_CHORDS,    /* stereo 24-bit FLAC */
    SRV_DEMO_STEMS
};

/* "Drums", "Bass", "Chords". */
const char *srv_demo_stem_name(int stem);

/* The file name to use: "demo-drums.wav", "demo-bass.wav",
 * "demo-chords.flac". */
const char *srv_demo_stem_file(int stem);

/* Frames in `bars` bars of 4/4 at bpm and rate. */
int64_t srv_demo_frames(int rate, double bpm, int bars);

/* Synthesizes the stem into a malloc'd interleaved buffer of
 * srv_demo_frames() frames and *channels channels (peak about -3 dBFS).
 * NULL on out-of-memory. */
float *srv_demo_render(int stem, int rate, double bpm, int bars,
                       int *channels);

/* Renders the stem and writes it to path (format per enum above).
 * Returns 0, or -1 with err. */
int srv_demo_write_stem(int stem, const char *path, int rate, double bpm,
                        int bars, char *err, size_t errlen);

#endif
