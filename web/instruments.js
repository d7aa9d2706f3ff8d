// instruments.js -- the instrument tables of the browser client (the
// ranges and defaults of the shared contract that protocol/instruments.c
// validates): the synth's parameters and its four presets, the drum
// machine's parameters and its General MIDI kit, the gm parameters; and
// how a `set` of a track's `instrument` merges (same type: merge; another
// type: that type's defaults plus the fields; a new synth preset: the
// preset's values plus the other fields given), as the server applies it.

/** [name, label, min, max, default, unit, step] per instrument type (choices are arrays; step 1 = an integer). */
export const WAVES = ['saw', 'square', 'triangle', 'sine'];
export const PRESETS = ['bass', 'lead', 'pad', 'keys'];

export const PARAMS = {
  synth: [
    ['osc1', 'Oscillator 1', WAVES], ['osc2', 'Oscillator 2', WAVES],
    ['detune', 'Detune', -100, 100, 7, 'cents', 0.5], ['octave2', 'Osc 2 octave', -2, 2, 0, 'oct', 1],
    ['mix', 'Osc 2 level', 0, 1, 0.5, '', 0.01],
    ['cutoff', 'Cutoff', 20, 20000, 2000, 'Hz', 0.1], ['resonance', 'Resonance', 0, 0.95, 0.2, '', 0.01],
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

/** Each preset's synth values (protocol/instruments.c; "keys" = the defaults). */
const PRESET_ROWS = {
  //      osc1   osc2      detune oct2 mix  cutoff res  env  f_att  f_dec f_sus f_rel att    dec  sus  rel  gain
  bass: ['saw', 'square', 0, -1, 0.4, 400, 0.4, 3, 0.001, 0.2, 0.1, 0.1, 0.002, 0.3, 0.8, 0.1, -6],
  lead: ['saw', 'square', 10, 0, 0.5, 3000, 0.3, 2, 0.005, 0.2, 0.5, 0.2, 0.01, 0.1, 0.9, 0.2, -8],
  pad: ['saw', 'saw', 12, 1, 0.5, 1200, 0.1, 1.5, 0.8, 1.5, 0.6, 1.5, 0.6, 1.0, 0.8, 1.5, -10],
  keys: ['saw', 'saw', 7, 0, 0.5, 2000, 0.2, 2, 0.005, 0.3, 0.3, 0.3, 0.005, 0.2, 0.7, 0.3, -6],
};
export const PRESET_VALUES = Object.fromEntries(Object.entries(PRESET_ROWS).map(([p, row]) =>
  [p, Object.fromEntries(PARAMS.synth.map(([name], i) => [name, row[i]]))]));

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
