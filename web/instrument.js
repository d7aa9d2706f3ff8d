// instrument.js -- the instrument side of the studio: the instrument panel
// of an instrument track (type synth / drums / gm; the synth's presets as
// buttons and every parameter as a slider with its value, sent as
// continuous gestures), the "add instrument track" dialog (type and preset;
// the track comes with an empty 4-bar clip at the playhead's bar and its
// editor opens), an empty note clip made by double-clicking an instrument
// track's lane, and the studio hooks S.openNotes / S.openInstrument.
// A new type or preset is sent as the whole object (its defaults), so every
// document agrees on the values whatever the server's fill rule.

import { h, modal, gesture, setVal, isBusy } from './ui.js';
import { newId } from './doc.js';
import { orderBetween } from './order.js';
import { PARAMS, PRESETS, PRESET_NAMES, TYPE_NAMES, defaults } from './instruments.js';
import { barTicks, tickToFrame } from './notes.js';
import { openPianoRoll } from './pianoroll.js';
import { openStepSeq } from './stepseq.js';

const LOG_PARAMS = new Set(['cutoff', 'f_attack', 'f_decay', 'f_release', 'attack', 'decay', 'release']);

// Slider position 0..1000 <-> value (log scale for frequencies and times).
function toPos(row, v) {
  const [name, , min, max] = row;
  if (LOG_PARAMS.has(name)) return Math.round((Math.log(v / min) / Math.log(max / min)) * 1000);
  return Math.round(((v - min) / (max - min)) * 1000);
}
function fromPos(row, pos) {
  const [name, , min, max, , , step] = row;
  const f = Number(pos) / 1000;
  let v = LOG_PARAMS.has(name) ? min * (max / min) ** f : min + (max - min) * f;
  if (step >= 1) v = Math.round(v);
  else v = Math.round(v / step) * step;
  return Number(Math.max(min, Math.min(max, v)).toFixed(4));
}
function fmt(row, v) {
  const unit = row[5];
  if (typeof v !== 'number') return String(v);
  if (unit === 'Hz') return v >= 1000 ? `${(v / 1000).toFixed(2)} kHz` : `${Math.round(v)} Hz`;
  if (unit === 's') return v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`;
  const d = row[6] >= 1 ? 0 : row[6] >= 0.1 ? 1 : 2;
  return `${v.toFixed(d)}${unit ? ` ${unit}` : ''}`;
}

/** Opens the instrument panel of track trackId. */
export function openInstrumentPanel(S, trackId) {
  const t0 = S.doc.get(trackId);
  if (!t0 || t0.role !== 'instrument') return null;
  const m = modal(`Instrument — ${t0.name}`, { wide: true, onclose: () => S.session.removeEventListener('change', onChange) });
  m.el.classList.add('inst-panel');
  function onChange() { render(); }
  const inst = () => S.doc.get(trackId)?.instrument || defaults('synth');
  const set = (fields, group) => S.session.push([{ op: 'set', id: trackId, fields: { instrument: { type: inst().type, ...fields } } }], group);
  const typeSel = h('select', { 'aria-label': 'Instrument type',
    onchange: () => { S.session.push([{ op: 'set', id: trackId, fields: { instrument: defaults(typeSel.value) } }]); } },
  Object.entries(TYPE_NAMES).map(([v, l]) => h('option', { value: v }, l)));
  const presets = h('div.inst-presets', { role: 'group', 'aria-label': 'Presets' },
    PRESETS.map((p) => h('button.toggle', { 'aria-label': `Preset ${PRESET_NAMES[p]}`, dataset: { preset: p },
      onclick: () => S.session.push([{ op: 'set', id: trackId, fields: { instrument: defaults('synth', p) } }]) }, PRESET_NAMES[p])));
  const params = h('div.inst-params');
  m.body.append(h('div.inst-top', {}, h('label', {}, 'Type ', typeSel), presets), params);
  let shownType = null;
  const controls = new Map();

  function build(type) {
    shownType = type;
    controls.clear();
    const rows = (PARAMS[type] || []).map((row) => {
      const [name, label, a] = row;
      let input;
      if (Array.isArray(a)) {
        input = h('select', { 'aria-label': label, onchange: () => set({ [name]: input.value }) }, a.map((w) => h('option', { value: w }, w)));
      } else {
        const g = gesture(S.session, (v) => [{ op: 'set', id: trackId, fields: { instrument: { type: inst().type, [name]: v } } }]);
        input = h('input', { type: 'range', min: 0, max: 1000, step: 1, 'aria-label': label });
        input.addEventListener('pointerdown', () => { input.dataset.busy = '1'; });
        input.addEventListener('input', () => { const v = fromPos(row, input.value); out.textContent = fmt(row, v); g.move(v); });
        input.addEventListener('change', () => { g.end(fromPos(row, input.value)); delete input.dataset.busy; });
      }
      const out = h('output.inst-val');
      controls.set(name, { input, out, row });
      return h('label.inst-row', {}, h('span.inst-name', {}, label), input, out);
    });
    params.replaceChildren(...rows);
  }

  function render() {
    const t = S.doc.get(trackId);
    if (!t || t.role !== 'instrument') { m.close(); return; }
    const i = inst();
    if (i.type !== shownType) build(i.type);
    setVal(typeSel, i.type);
    presets.classList.toggle('hidden', i.type !== 'synth');
    for (const b of presets.children) b.setAttribute('aria-pressed', String(i.preset === b.dataset.preset));
    const d = defaults(i.type, i.preset);
    for (const [name, c] of controls) {
      const v = i[name] !== undefined ? i[name] : d[name];
      if (Array.isArray(c.row[2])) setVal(c.input, v);
      else if (!isBusy(c.input)) { setVal(c.input, toPos(c.row, v)); c.out.textContent = fmt(c.row, v); }
      c.input.disabled = !S.canEdit;
    }
    typeSel.disabled = !S.canEdit;
    for (const b of presets.children) b.disabled = !S.canEdit;
  }
  S.session.addEventListener('change', onChange);
  render();
  return { el: m.el, close: m.close };
}

/** Creates an empty note clip of `bars` bars at `frame` (rounded down to a bar) on track. */
export function newNoteClip(S, trackId, frame, bars = 4) {
  const p = S.doc.project;
  const bar = tickToFrame(barTicks(p.meter), p.tempo, S.doc.rate);
  const start = Math.max(0, Math.floor(frame / bar) * bar);
  const id = newId('c_');
  return { id, op: { op: 'create', id, kind: 'clip', fields: { track: trackId, start, length: tickToFrame(barTicks(p.meter) * bars, p.tempo, S.doc.rate), name: 'Notes' } } };
}

/** The "add instrument track" dialog. */
export function addInstrumentDialog(S) {
  if (!S.canEdit) return;
  const m = modal('Add an instrument track');
  const typeSel = h('select', { 'aria-label': 'Instrument type' }, Object.entries(TYPE_NAMES).map(([v, l]) => h('option', { value: v }, l)));
  const presetSel = h('select', { 'aria-label': 'Preset' }, PRESETS.map((p) => h('option', { value: p }, PRESET_NAMES[p])));
  const presetRow = h('label', {}, 'Preset ', presetSel);
  typeSel.addEventListener('change', () => presetRow.classList.toggle('hidden', typeSel.value !== 'synth'));
  const create = () => {
    const type = typeSel.value;
    const preset = presetSel.value;
    m.close();
    const ts = S.doc.tracks();
    const id = newId('t_');
    const n = ts.filter((t) => t.role === 'instrument').length + 1;
    const name = type === 'synth' ? `${PRESET_NAMES[preset]} ${n}` : type === 'drums' ? `Drums ${n}` : `GM ${n}`;
    const instrument = defaults(type, preset);
    const clip = newNoteClip(S, id, S.playhead);
    S.session.push([
      { op: 'create', id, kind: 'track', fields: { name, role: 'instrument', instrument,
        order: orderBetween(ts.length ? ts[ts.length - 1].order : null, null) || 'V', color: S.nextColor() } },
      clip.op]);
    S.select([clip.id]);
    S.openNotes(clip.id);
  };
  m.body.append(h('div.inst-add', {}, h('label', {}, 'Type ', typeSel), presetRow),
    h('div.modal-actions', {}, h('button', { type: 'button', onclick: () => m.close() }, 'Cancel'),
      h('button.primary', { type: 'button', 'aria-label': 'Create the instrument track', onclick: create }, 'Create')));
}

/** Installs S.openNotes(clipId, view) and S.openInstrument(trackId) (studio hooks). */
export function installNotes(S) {
  S.openNotes = (clipId, view) => {
    const c = S.doc.get(clipId);
    const t = c && S.doc.get(c.track);
    if (!t || t.role !== 'instrument') return false;
    const drums = t.instrument && t.instrument.type === 'drums';
    if (view === 'steps' || (!view && drums)) openStepSeq(S, clipId);
    else openPianoRoll(S, clipId);
    return true;
  };
  S.openInstrument = (trackId) => openInstrumentPanel(S, trackId);
  S.addInstrumentTrack = () => addInstrumentDialog(S);
  S.newNoteClip = (trackId, frame) => {
    if (!S.canEdit) return null;
    const c = newNoteClip(S, trackId, frame, 1);
    S.session.push([c.op]);
    return c.id;
  };
}
