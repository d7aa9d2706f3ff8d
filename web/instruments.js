// instruments.js -- the instrument tables of the browser client (the
// ranges and defaults of the shared contract that protocol/instruments.c
// validates): the synth's parameters and its four presets, the drum
// machine's parameters and its General MIDI kit, the gm parameters; and
// how a `set` of a track's `instrument` merges (same type: merge; another
// type: that type's defaults plus the fields; a new synth preset: the
// preset's values plus the other fields given), as the server applies it.

/** [name, label, min, max, default, unit, step] per instrument type (enums are arrays). */
export const WAVES = ['saw', 'square', 'triangle', 'sine'];
export const PRESETS = ['bass', 'lead', 'pad', 'keys'];

export const PARAMS = {
  synth: [
    ['osc1', 'Oscillator 1', WAVES], ['osc2', 'Oscillator 2', WAVES],
    ['detune', 'Detune', -100, 100, 7, 'cents', 1], ['octave2', 'Osc 2 octave', -2, 2, 0, 'oct', 1],
    ['mix', 'Osc 2 level', 0, 1, 0.5, '', 0.01],
    ['cutoff', 'Cutoff', 20, 20000, 2000, 'Hz', 1], ['resonance', 'Resonance', 0, 0.95, 0.2, '', 0.01],
    ['env_amount', 'Filter env', 0, 8, 2, 'oct', 0.1],
    ['f_attack', 'Filter attack', 0.001, 10, 0.005, 's', 0.001], ['f_decay', 'Filter decay', 0.001, 10, 0.3, 's', 0.001],
    ['f_sustain', 'Filter sustain', 0, 1, 0.3, '', 0.01], ['f_release', 'Filter release', 0.001, 10, 0.3, 's', 0.001],
    ['attack', 'Attack', 0.001, 10, 0.005, 's', 0.001], ['decay', 'Decay', 0.001, 10, 0.2, 's', 0.001],
    ['sustain', 'Sustain', 0, 1, 0.7, '', 0.01], ['release', 'Release', 0.001, 10, 0.3, 's', 0.001],
    ['gain', 'Gain', -60, 12, -6, 'dB', 0.5],
  ],
  drums: [
    ['tune', 'Tune', -12, 12, 0, 'st', 0.1], ['decay', 'Decay', 0.25, 4, 1, '×', 0.01], ['gain', 'Gain', -60, 12, 0, 'dB', 0.5],
  ],
  gm: [
    ['program', 'Program', 0, 127, 0, '', 1], ['bank', 'Bank', 0, 128, 0, '', 1], ['gain', 'Gain', -60, 12, 0, 'dB', 0.5],
  ],
};

/** Preset values (the synth's other params); "keys" equals the defaults. */
export const PRESET_VALUES = {
  keys: {},
  bass: { osc1: 'saw', osc2: 'square', detune: 5, octave2: -1, mix: 0.4, cutoff: 400, resonance: 0.3, env_amount: 3,
    f_attack: 0.002, f_decay: 0.2, f_sustain: 0.1, f_release: 0.1, attack: 0.002, decay: 0.3, sustain: 0.8, release: 0.08, gain: -6 },
  lead: { osc1: 'saw', osc2: 'saw', detune: 12, octave2: 0, mix: 0.5, cutoff: 3000, resonance: 0.35, env_amount: 2,
    f_attack: 0.01, f_decay: 0.4, f_sustain: 0.5, f_release: 0.2, attack: 0.005, decay: 0.1, sustain: 0.9, release: 0.15, gain: -8 },
  pad: { osc1: 'saw', osc2: 'triangle', detune: 15, octave2: 1, mix: 0.5, cutoff: 1500, resonance: 0.1, env_amount: 1,
    f_attack: 1.5, f_decay: 2, f_sustain: 0.6, f_release: 2, attack: 0.8, decay: 1, sustain: 0.8, release: 2, gain: -10 },
};

export const TYPE_NAMES = { synth: 'Synth', drums: 'Drum machine', gm: 'General MIDI' };
export const PRESET_NAMES = { bass: 'Bass', lead: 'Lead', pad: 'Pad', keys: 'Keys' };

/** The General MIDI drum kit rows of the step sequencer, top to bottom. */
export const KIT = [
  [49, 'Crash'], [46, 'Open hat'], [42, 'Closed hat'], [48, 'High tom'], [45, 'Mid tom'], [41, 'Low tom'],
  [37, 'Rim'], [39, 'Clap'], [38, 'Snare'], [36, 'Kick'],
];

/** The full default object of a type (synth: of a preset). */
export function defaults(type, preset = 'keys') {
  const o = { type };
  if (type === 'synth') o.preset = PRESETS.includes(preset) ? preset : 'keys';
  for (const [name, , a, , def] of PARAMS[type] || []) o[name] = Array.isArray(a) ? a[0] : def;
  if (type === 'synth') Object.assign(o, PRESET_VALUES[o.preset]);
  return o;
}

/** Clamps/rounds one param value to its row (null if the name is unknown). */
export function clampParam(type, name, v) {
  const row = (PARAMS[type] || []).find((r) => r[0] === name);
  if (!row) return null;
  if (Array.isArray(row[2])) return row[2].includes(v) ? v : row[2][0];
  const [, , min, max, , , step] = row;
  let x = Math.max(min, Math.min(max, Number(v)));
  if (step === 1) x = Math.round(x);
  return x;
}

/** The instrument after a `set` of `fields` on `cur` (the server's rule). */
export function mergeInstrument(cur, fields) {
  if (!fields || typeof fields !== 'object') return cur;
  if (!cur || typeof cur !== 'object' || (fields.type && fields.type !== cur.type)) {
    return { ...defaults(fields.type || 'synth', fields.preset), ...fields };
  }
  if (cur.type === 'synth' && fields.preset && fields.preset !== cur.preset) {
    return { ...defaults('synth', fields.preset), ...fields };
  }
  return { ...cur, ...fields };
}
