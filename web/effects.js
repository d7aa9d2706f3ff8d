// effects.js -- the effect types and their parameters (names, ranges,
// units and defaults exactly as protocol/effects.c checks them), and the
// editor dialog for one effect: a control per parameter (sent as a
// continuous gesture), eq bands, delay sync, bypass, reorder and delete.

import { h, modal, gesture } from './ui.js';
import { orderBetween } from './order.js';

export const EFFECTS = {
  eq: [],
  compressor: [
    ['threshold', -60, 0, -18, 'dB'], ['ratio', 1, 20, 4, ''], ['attack', 0.1, 200, 10, 'ms'],
    ['release', 5, 2000, 100, 'ms'], ['knee', 0, 24, 6, 'dB'], ['makeup', 0, 24, 0, 'dB']],
  delay: [['time', 1, 2000, 250, 'ms'], ['feedback', 0, 0.95, 0.3, ''], ['mix', 0, 1, 0.25, '']],
  reverb: [['size', 0, 1, 0.5, ''], ['damping', 0, 1, 0.5, ''], ['predelay', 0, 200, 10, 'ms'], ['mix', 0, 1, 0.25, '']],
  limiter: [['ceiling', -24, 0, -1, 'dB'], ['release', 1, 1000, 50, 'ms'], ['lookahead', 0, 10, 5, 'ms']],
};
export const EFFECT_NAMES = { eq: 'EQ', compressor: 'Compressor', delay: 'Delay', reverb: 'Reverb', limiter: 'Limiter' };
export const SYNC_VALUES = ['1/1', '1/2', '1/4', '1/8', '1/16', '1/4d', '1/8d', '1/4t', '1/8t'];
export const BAND_TYPES = ['lowshelf', 'highshelf', 'peak', 'lowpass', 'highpass'];
export const BAND_PARAMS = [['freq', 20, 20000, 1000, 'Hz'], ['gain', -24, 24, 0, 'dB'], ['q', 0.1, 18, 0.707, '']];
export const MAX_BANDS = 8;
// Units the editor shows instead of the protocol's (the table above keeps
// the protocol's own, which tests/unit/web_vectors.test.mjs holds to C).
const SHOWN_UNIT = { 'compressor.ratio': ':1' };

/** The band a new eq band starts as (what the protocol fills {} to). */
export function defaultBand() {
  const b = { type: 'peak' };
  for (const [n, , , d] of BAND_PARAMS) b[n] = d;
  return b;
}

/** Full default params of a type. */
export function defaults(type) {
  const p = {};
  for (const [n, , , d] of EFFECTS[type] || []) p[n] = d;
  if (type === 'eq') p.bands = [];
  if (type === 'delay') p.sync = null;
  return p;
}

const stepOf = (min, max) => (max - min <= 2 ? 0.01 : max - min <= 30 ? 0.1 : 1);
const fmt = (v, unit) => `${Number(v).toFixed(Math.abs(v) < 10 ? 2 : 0)}${unit ? ' ' + unit : ''}`;
// Frequencies slide on a log scale.
const toPos = (name, v, min, max) => (name === 'freq' ? Math.log(v / min) / Math.log(max / min) * 1000 : v);
const fromPos = (name, p, min, max) => (name === 'freq' ? Math.round(min * Math.pow(max / min, p / 1000)) : Number(p));

/** One labelled slider + number for a parameter; send(value, final). */
function paramControl(label, name, min, max, unit, value, send, disabled) {
  const log = name === 'freq';
  const out = h('output', {}, fmt(value, unit));
  const range = h('input', { type: 'range', min: log ? 0 : min, max: log ? 1000 : max, step: log ? 1 : stepOf(min, max),
    value: toPos(name, value, min, max), 'aria-label': `${label} (${min} to ${max}${unit ? ' ' + unit : ''})`, disabled });
  const v = () => fromPos(name, range.value, min, max);
  range.addEventListener('input', () => { range.dataset.busy = '1'; out.textContent = fmt(v(), unit); send(v(), false); });
  range.addEventListener('change', () => { send(v(), true); delete range.dataset.busy; });
  range.addEventListener('blur', () => { delete range.dataset.busy; });
  return { el: h('label.param', {}, h('span', {}, label), range, out), range, out,
    set(x) { if (range.dataset.busy !== '1') { range.value = toPos(name, x, min, max); out.textContent = fmt(x, unit); } } };
}

/** Opens the editor of effect `id`; it follows the document until closed. */
export function openEffectEditor(S, id) {
  const fx0 = S.doc.get(id);
  if (!fx0) return null;
  let onChange = null;
  const m = modal(`${EFFECT_NAMES[fx0.type] || fx0.type} on ${S.doc.get(fx0.track)?.name || 'track'}`,
    { onclose: () => S.session.removeEventListener('change', onChange) });
  m.el.classList.add('fx-editor');
  const ro = !S.canEdit;
  const controls = {};
  const g = gesture(S.session, (params) => [{ op: 'set', id, fields: { params } }]);
  const sendParam = (name) => (v, final) => (final ? g.end({ [name]: v }) : g.move({ [name]: v }));
  const bypass = h('input', { type: 'checkbox', 'aria-label': 'Bypass', disabled: ro,
    onchange: () => S.session.push([{ op: 'set', id, fields: { bypass: bypass.checked } }]) });
  const move = (dir) => {
    const list = S.doc.effectsOf(fx0.track);
    const i = list.findIndex((e) => e.id === id);
    const j = i + dir;
    if (j < 0 || j >= list.length) return;
    const a = dir < 0 ? list[j - 1] : list[j];
    const b = dir < 0 ? list[j] : list[j + 1];
    const key = orderBetween(a ? a.order : null, b ? b.order : null);
    if (key) S.session.push([{ op: 'set', id, fields: { order: key } }]);
  };
  m.body.append(h('div.row', {}, h('label.check', {}, bypass, 'Bypass'),
    h('button', { 'aria-label': 'Move effect earlier in the chain', disabled: ro, onclick: () => move(-1) }, '↑'),
    h('button', { 'aria-label': 'Move effect later in the chain', disabled: ro, onclick: () => move(1) }, '↓'),
    h('span.grow'),
    h('button.danger', { 'aria-label': 'Delete effect', disabled: ro, onclick: () => { S.session.push([{ op: 'delete', id }]); m.close(); } }, 'Delete')));
  for (const [name, min, max, , unit] of EFFECTS[fx0.type] || []) {
    const shown = SHOWN_UNIT[`${fx0.type}.${name}`] ?? unit;
    const c = paramControl(name, name, min, max, shown, fx0.params[name], sendParam(name), ro);
    controls[name] = c;
    m.body.append(c.el);
  }
  let sync = null;
  if (fx0.type === 'delay') {
    sync = h('select', { 'aria-label': 'Delay sync to tempo', disabled: ro,
      onchange: () => S.session.push([{ op: 'set', id, fields: { params: { sync: sync.value || null } } }]) },
    h('option', { value: '' }, 'free (ms)'), SYNC_VALUES.map((v) => h('option', { value: v }, v)));
    m.body.append(h('label.param', {}, h('span', {}, 'sync'), sync));
  }
  const bandsBox = h('div.bands');
  if (fx0.type === 'eq') m.body.append(bandsBox);
  const bandsOps = (bands) => [{ op: 'set', id, fields: { params: { bands } } }];
  const bg = gesture(S.session, bandsOps);
  let bandKey = '';
  function renderBands(fx) {
    const bands = fx.params.bands || [];
    const key = bands.map((b) => b.type).join(',');
    if (key === bandKey && bandsBox.childElementCount) {
      bands.forEach((b, i) => BAND_PARAMS.forEach(([n]) => bandsBox.children[i]?._c?.[n]?.set(b[n])));
      return;
    }
    bandKey = key;
    bandsBox.replaceChildren();
    bands.forEach((b, i) => {
      const cur = () => structuredClone(S.doc.get(id).params.bands || []);
      const type = h('select', { 'aria-label': `Band ${i + 1} type`, disabled: ro,
        onchange: () => { const bs = cur(); bs[i].type = type.value; S.session.push(bandsOps(bs)); } },
      BAND_TYPES.map((t) => h('option', { value: t, selected: t === b.type }, t)));
      const cs = {};
      const box = h('fieldset.band', {}, h('legend', {}, `Band ${i + 1}`), type);
      for (const [n, min, max, , unit] of BAND_PARAMS) {
        cs[n] = paramControl(n, n, min, max, unit, b[n], (v, final) => {
          const bs = cur(); bs[i][n] = v;
          if (final) bg.end(bs); else bg.move(bs);
        }, ro);
        box.append(cs[n].el);
      }
      box.append(h('button', { 'aria-label': `Remove band ${i + 1}`, disabled: ro,
        onclick: () => { const bs = cur(); bs.splice(i, 1); S.session.push(bandsOps(bs)); } }, 'Remove band'));
      box._c = cs;
      bandsBox.append(box);
    });
    if (bands.length < MAX_BANDS) {
      bandsBox.append(h('button', { 'aria-label': 'Add an EQ band', disabled: ro,
        onclick: () => { const bs = structuredClone(S.doc.get(id).params.bands || []); bs.push(defaultBand()); S.session.push(bandsOps(bs)); } }, '+ Band'));
    }
  }
  function update() {
    const fx = S.doc.get(id);
    if (!fx) { m.close(); return; }
    bypass.checked = !!fx.bypass;
    for (const [n, c] of Object.entries(controls)) c.set(fx.params[n]);
    if (sync && document.activeElement !== sync) sync.value = fx.params.sync || '';
    if (fx.type === 'eq') renderBands(fx);
  }
  update();
  onChange = () => update();
  S.session.addEventListener('change', onChange);
  return m;
}
