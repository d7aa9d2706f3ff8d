/* instruments.h -- the instrument objects of instrument tracks (synth,
 * drums, gm): their parameter tables (names, ranges, per-preset defaults)
 * and the checker that builds a full, normalised instrument object from a
 * current one and the fields a create or set gives. The engine and the
 * MIDI file import read exactly these names and units. */
#ifndef MIXROOM_PROTOCOL_INSTRUMENTS_H
#define MIXROOM_PROTOCOL_INSTRUMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/errors.h"

/* One instrument parameter: name; kind 'r' (real), 'i' (integer) or 'c'
 * (one of choices); range [min, max] for 'r'/'i'; unit for messages; for
 * synth params one default per preset (in proto_synth_presets() order),
 * for the others def[0]. */
typedef struct {
    const char *name;
    char kind;
    double min, max;
    const char *const *choices;
    const char *unit;
    double def[4];
    const char *cdef[4];
} proto_instrument_param;

/* The instrument types in table order (synth, drums, gm), ended by NULL. */
const char *const *proto_instrument_types(void);

/* The synth presets (bass, lead, pad, keys), ended by NULL. */
const char *const *proto_synth_presets(void);

/* The params of a type, ended by an entry whose name is NULL (the `type`
 * and synth `preset` keys are not in it), or NULL if type is unknown. */
const proto_instrument_param *proto_instrument_params(const char *type);

/* True when this build renders `gm` (configure found FluidSynth). */
bool proto_instrument_gm_available(void);

/* A full instrument object of type with its defaults (for synth, those of
 * preset; NULL preset = "keys"), or NULL if type/preset is unknown. New
 * reference. */
json_t *proto_instrument_defaults(const char *type, const char *preset);

/* Builds the instrument object that results from giving `given` (a JSON
 * object, checked here) to a track whose current instrument is base (an
 * object or NULL/null). A different or first `type` starts from that type's
 * defaults; the same type merges; a synth `preset` change resets every
 * other synth param to the preset's values before the other given fields
 * apply. Unknown keys, wrong types and out-of-range values fail with
 * invalid_value naming the key; `gm` without FluidSynth fails with
 * unsupported. Returns a new object or NULL with err. */
json_t *proto_instrument_build(const json_t *base, const json_t *given,
                               proto_err *err);

/* Ticks (960 per quarter note) to frames at tempo (bpm) and sample rate:
 * round(tick * 60 * rate / (tempo * 960)). */
int64_t proto_tick_to_frame(int64_t tick, double tempo, int sample_rate);

/* The inverse, rounded to the nearest tick. */
int64_t proto_frame_to_tick(int64_t frame, double tempo, int sample_rate);

/* The synth preset of a General MIDI program's family: 32-39 bass,
 * 80-87 lead, 88-95 pad, anything else (and -1, no program) keys. */
const char *proto_synth_preset_for_program(int program);

/* The instrument a MIDI part gets: drums for channel 10 (index 9); for a
 * program change, gm with that program where this build has FluidSynth,
 * else the synth preset of its family (32-39 bass, 80-87 lead, 88-95 pad,
 * else keys); a synth "keys" without one. New reference. */
json_t *proto_instrument_for_midi(int channel, int program);

#endif
