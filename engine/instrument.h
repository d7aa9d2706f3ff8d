/* instrument.h -- what the mix plan holds for an instrument track: the
 * instrument's parameters (eng_inst_spec: the built-in synth, the drum
 * machine or General MIDI) and its notes in timeline frames
 * (eng_note_spec), plus the tick -> frame rule. The voices that play them
 * are in voices.h; the signal flow is in docs/engine.md ("Instruments"). */
#ifndef MIXROOM_ENGINE_INSTRUMENT_H
#define MIXROOM_ENGINE_INSTRUMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define ENG_PPQ 960            /* ticks per quarter note */
#define ENG_INST_VOICES 64     /* voices per instrument track */

enum eng_inst_type {
    ENG_INST_NONE = 0,
    ENG_INST_SYNTH,
    ENG_INST_DRUMS,
    ENG_INST_GM
};

enum eng_wave { ENG_WAVE_SAW = 0, ENG_WAVE_SQUARE, ENG_WAVE_TRIANGLE,
                ENG_WAVE_SINE };

typedef struct eng_synth_params {
    int osc1, osc2;       /* enum eng_wave */
    int octave2;          /* -2..2 */
    double detune;        /* cents, osc2 against osc1 */
    double mix;           /* 0..1: osc2 level (osc1 = 1 - mix) */
    double cutoff;        /* Hz */
    double resonance;     /* 0..0.95 */
    double env_amount;    /* octaves the filter envelope opens the cutoff */
    double f_attack, f_decay, f_sustain, f_release; /* s, s, 0..1, s */
    double attack, decay, sustain, release;         /* s, s, 0..1, s */
    double gain;          /* dB */
} eng_synth_params;

typedef struct eng_drum_params {
    double tune;          /* semitones */
    double decay;         /* multiplier of every decay time */
    double gain;          /* dB */
} eng_drum_params;

typedef struct eng_gm_params {
    int program, bank;    /* bank 128: the GM percussion kit */
    double gain;          /* dB */
} eng_gm_params;

typedef struct eng_inst_spec {
    int type;             /* enum eng_inst_type */
    eng_synth_params synth;
    eng_drum_params drums;
    eng_gm_params gm;
} eng_inst_spec;

/* The part of a clip that shapes the notes it holds (timeline frames). */
typedef struct eng_note_env {
    int64_t start, length, fade_in, fade_out;
    float gain;           /* linear */
} eng_note_env;

/* One note as it sounds: [on, off) in timeline frames, already cut to its
 * clip (a note whose on is outside the clip is not in the plan). */
typedef struct eng_note_spec {
    int64_t on, off;
    eng_note_env env;     /* its clip's gain and fades */
    uint8_t pitch, vel;
} eng_note_spec;

/* frame(tick) = round(tick * 60 * sample_rate / (tempo * 960)); ticks < 0
 * give 0; a tempo <= 0 is taken as 120. */
int64_t eng_tick_to_frame(int64_t tick, double tempo, int sample_rate);

/* The values of a synth preset ("bass", "lead", "pad", "keys"; anything
 * else is "keys"), the same table protocol/ fills documents from. */
void eng_synth_preset(const char *name, eng_synth_params *p);

/* Reads an instrument object ({"type": ..., params}) into s; missing
 * fields take their defaults (the preset's for synth). Returns the type,
 * ENG_INST_NONE when the object or its type is not one we know. */
int eng_inst_parse(eng_inst_spec *s, const json_t *inst);

/* Gain of a note's clip envelope at timeline frame `at` (the audio clip
 * curve: equal-power fades inside the clip; after the clip's end, while a
 * note releases, 0 when the clip fades out and its gain otherwise). */
float eng_note_env_gain(const eng_note_env *e, int64_t at);

/* Whether this build renders `gm` (configure found libfluidsynth). */
bool eng_gm_available(void);

#endif
