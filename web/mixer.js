// mixer.js -- the mixer panel: a strip per track and bus (fader in dB,
// pan, mute, solo, output, sends with level and pre/post, the effect chain
// with add and an editor per effect) and the master strip. Strips are keyed
// by track id and updated in place so a control being dragged is never
// replaced; faders and knobs are continuous gestures (ui.js gesture()).

import { h, gesture, fmtDb, setVal, isBusy, bindRange } from './ui.js';
import { soloDimmed } from './collab.js';
import { newId } from './doc.js';
import { orderBetween } from './order.js';
import { EFFECT_NAMES, defaults, openEffectEditor } from './effects.js';
import { createClipLights } from './meters.js';

/** Fader position (0..1000) to dB (null = -inf) and back. */
export function posToDb(pos) {
  const p = Number(pos) / 1000;
  if (p <= 0) return null;
  return Math.round((12 - 72 * (1 - p) * (1 - p)) * 10) / 10;
}
export function dbToPos(db) {
  if (db === null || db === undefined || db <= -60) return 0;
  return Math.round((1 - Math.sqrt(Math.max(0, 12 - Math.min(12, db)) / 72)) * 1000);
}


/**
 * A level meter (peak bar with RMS inside, peak hold) fed with linear
 * values; set(peak, rms) eases down between frames. dataset.peak carries
 * the shown peak in dBFS for tests.
 */
export function makeMeter(label) {
  const rmsBar = h('div.mrms');
  const peakBar = h('div.mpeak');
  const hold = h('div.mhold');
  const el = h('div.meter', { role: 'meter', 'aria-label': `${label} level`, 'aria-valuemin': '-60', 'aria-valuemax': '0', 'aria-valuenow': '-60' }, peakBar, rmsBar, hold);
  let shown = 0, shownRms = 0, held = 0, heldAt = 0;
  const toPct = (v) => (v <= 0.001 ? 0 : Math.max(0, Math.min(100, (1 + (20 * Math.log10(v)) / 60) * 100)));
  return {
    el,
    set(peak, rms) {
      const now = performance.now();
      shown = Math.max(peak, shown * 0.85);
      shownRms = Math.max(rms, shownRms * 0.85);
      if (shown >= held || now - heldAt > 1500) { held = shown; heldAt = now; }
      peakBar.style.height = `${toPct(shown)}%`;
      rmsBar.style.height = `${toPct(shownRms)}%`;
      hold.style.bottom = `${toPct(held)}%`;
      el.classList.toggle('clip', held >= 1);
      const db = shown > 0 ? 20 * Math.log10(shown) : -Infinity;
      el.dataset.peak = Number.isFinite(db) ? db.toFixed(1) : '-inf';
      el.setAttribute('aria-valuenow', Number.isFinite(db) ? Math.max(-60, db).toFixed(0) : '-60');
      return shown > 0.0005 || held > 0.0005;
    },
  };
}

function fader(S, label, getDb, build) {
  const g = gesture(S.session, (db) => build(db));
  const num = h('input.dbnum', { type: 'number', min: -60, max: 12, step: 0.1, 'aria-label': `${label} in dB` });
  const range = h('input.fader', { type: 'range', min: 0, max: 1000, step: 1, 'aria-label': `${label} fader`, 'aria-orientation': 'vertical' });
  bindRange(range, g, (r) => posToDb(r.value), (db) => {
    range.setAttribute('aria-valuetext', fmtDb(db));
    num.value = db === null ? '' : db;
  });
  num.addEventListener('change', () => {
    const v = num.value === '' ? null : Math.max(-60, Math.min(12, Number(num.value)));
    S.session.push(build(v !== null && v <= -60 ? null : v));
  });
  const meter = makeMeter(label);
  const el = h('div.faderbox', {}, range, meter.el, num);
  return {
    el, range, num, meter,
    update(disabled) {
      const db = getDb();
      setVal(range, dbToPos(db));
      range.setAttribute('aria-valuetext', fmtDb(db));
      if (!isBusy(num)) num.value = db === null || db === undefined ? '' : db;
      num.placeholder = '−∞';
      range.disabled = disabled; num.disabled = disabled;
    },
  };
}

function makeStrip(S, id) {
  const get = () => S.doc.get(id);
  const name = h('div.sname');
  const output = h('select', { 'aria-label': 'Output', onchange: () => S.session.push([{ op: 'set', id, fields: { output: output.value } }]) });
  const sends = h('div.sends');
  const addSend = h('select.add', { 'aria-label': 'Add a send to a bus', onchange: () => {
    if (addSend.value) S.session.push([{ op: 'create', id: newId('s_'), kind: 'send', fields: { track: id, target: addSend.value, level: -6, pre: false } }]);
    addSend.value = '';
  } });
  const fxList = h('div.fxlist');
  const addFx = h('select.add', { 'aria-label': 'Add an effect', onchange: () => {
    const type = addFx.value;
    addFx.value = '';
    if (!type) return;
    const list = S.doc.effectsOf(id);
    const order = orderBetween(list.length ? list[list.length - 1].order : null, null) || 'V';
    const fid = newId('e_');
    S.session.push([{ op: 'create', id: fid, kind: 'effect', fields: { track: id, type, order, bypass: false, params: defaults(type) } }]);
    openEffectEditor(S, fid);
  } }, h('option', { value: '' }, '+ effect'), Object.entries(EFFECT_NAMES).map(([v, l]) => h('option', { value: v }, l)));
  const pg = gesture(S.session, (v) => [{ op: 'set', id, fields: { pan: v } }]);
  const pan = h('input.pan', { type: 'range', min: -1, max: 1, step: 0.01, 'aria-label': 'Pan' });
  bindRange(pan, pg, (r) => Number(r.value));
  const f = fader(S, 'Volume', () => get()?.gain, (db) => [{ op: 'set', id, fields: { gain: db } }]);
  const mute = h('button.toggle.mute', { 'aria-label': 'Mute', onclick: () => S.session.push([{ op: 'set', id, fields: { mute: !get().mute } }]) }, 'M');
  const solo = h('button.toggle.solo', { 'aria-label': 'Solo', onclick: () => S.session.push([{ op: 'set', id, fields: { solo: !get().solo } }]) }, 'S');
  const inst = h('button.instbtn.hidden', { 'aria-label': 'Edit the instrument', onclick: () => S.openInstrument && S.openInstrument(id) }, 'Instrument');
  const el = h('section.strip', { dataset: { track: id } }, name, inst, output,
    h('div.sect', {}, h('div.lbl', {}, 'Sends'), sends, addSend),
    h('div.sect', {}, h('div.lbl', {}, 'Effects'), fxList, addFx),
    h('div.panrow', {}, h('span.lbl', {}, 'L'), pan, h('span.lbl', {}, 'R')),
    f.el, h('div.ms', {}, mute, solo));
  const sendRows = new Map();

  function update() {
    const t = get();
    if (!t) return;
    const ro = !S.canEdit;
    el.setAttribute('aria-label', `Mixer strip ${t.name}`);
    el.classList.toggle('bus', t.role === 'bus');
    inst.classList.toggle('hidden', t.role !== 'instrument');
    name.textContent = t.name || '(unnamed)';
    name.style.borderColor = t.color;
    const buses = S.doc.buses().filter((b) => b.id !== id);
    const key = buses.map((b) => `${b.id}=${b.name}`).join('|');
    if (output.dataset.key !== key) {
      output.replaceChildren(h('option', { value: 'master' }, '→ Master'), ...buses.map((b) => h('option', { value: b.id }, `→ ${b.name}`)));
      output.dataset.key = key;
    }
    setVal(output, t.output);
    // sends
    const ss = S.doc.sendsOf(id);
    const live = new Set(ss.map((s) => s.id));
    for (const [sid, r] of sendRows) if (!live.has(sid)) { r.el.remove(); sendRows.delete(sid); }
    for (const s of ss) {
      let r = sendRows.get(s.id);
      if (!r) {
        const lg = gesture(S.session, (v) => [{ op: 'set', id: s.id, fields: { level: v <= -60 ? null : v } }]);
        const level = h('input.sendlevel', { type: 'range', min: -60, max: 12, step: 0.5, 'aria-label': 'Send level in dB' });
        bindRange(level, lg, (r) => Number(r.value));
        const pre = h('button.toggle.pre', { 'aria-label': 'Pre-fader send', title: 'Pre-fader',
          onclick: () => S.session.push([{ op: 'set', id: s.id, fields: { pre: !S.doc.get(s.id).pre } }]) }, 'pre');
        const del = h('button.icon', { 'aria-label': 'Remove send', onclick: () => S.session.push([{ op: 'delete', id: s.id }]) }, '✕');
        const lbl = h('span.starget');
        r = { el: h('div.send', {}, lbl, level, pre, del), level, pre, del, lbl };
        sendRows.set(s.id, r);
      }
      sends.append(r.el);
      r.lbl.textContent = S.doc.get(s.target)?.name || s.target;
      setVal(r.level, s.level === null ? -60 : s.level);
      r.level.title = fmtDb(s.level);
      r.pre.setAttribute('aria-pressed', String(!!s.pre));
      r.level.disabled = ro; r.pre.disabled = ro; r.del.disabled = ro;
    }
    const taken = new Set(ss.map((s) => s.target));
    const sk = buses.filter((b) => !taken.has(b.id)).map((b) => `${b.id}=${b.name}`).join('|');
    if (addSend.dataset.key !== sk) {
      addSend.replaceChildren(h('option', { value: '' }, '+ send'), ...buses.filter((b) => !taken.has(b.id)).map((b) => h('option', { value: b.id }, b.name)));
      addSend.dataset.key = sk;
    }
    // effects
    const fx = S.doc.effectsOf(id);
    fxList.replaceChildren(...fx.map((e) => h(`button.fx${e.bypass ? '.bypassed' : ''}`, {
      'aria-label': `Edit ${EFFECT_NAMES[e.type] || e.type}${e.bypass ? ' (bypassed)' : ''}`, dataset: { effect: e.id },
      onclick: () => openEffectEditor(S, e.id) }, EFFECT_NAMES[e.type] || e.type)));
    setVal(pan, t.pan);
    pan.setAttribute('aria-valuetext', t.pan === 0 ? 'centre' : `${Math.round(Math.abs(t.pan) * 100)}% ${t.pan < 0 ? 'left' : 'right'}`);
    f.update(ro);
    mute.setAttribute('aria-pressed', String(!!t.mute));
    solo.setAttribute('aria-pressed', String(!!t.solo));
    for (const c of [output, addSend, addFx, pan, mute, solo]) c.disabled = ro;
    el.classList.toggle('solo-dimmed', soloDimmed(S.doc, t));
  }
  return { el, update, meter: f.meter };
}

export function createMixer(S) {
  const strips = new Map();
  const box = h('div.strips');
  const mf = fader(S, 'Master volume', () => S.doc.project.master_gain, (db) => [{ op: 'set', id: 'project', fields: { master_gain: db } }]);
  const master = h('section.strip.master', { 'aria-label': 'Master strip' }, h('div.sname', {}, 'Master'), mf.el);
  const el = h('div.mixer', { role: 'region', 'aria-label': 'Mixer' }, box, master);
  const clips = createClipLights(); // true-peak clip indicators (meters.js)
  clips.master(master);

  function render() {
    const ts = S.doc.tracks();
    const seen = new Set();
    ts.forEach((t, i) => {
      let s = strips.get(t.id);
      if (!s) { s = makeStrip(S, t.id); strips.set(t.id, s); }
      seen.add(t.id);
      if (box.children[i] !== s.el) box.insertBefore(s.el, box.children[i] || null);
      s.update();
      clips.attach(s.el, t.id, t.name || t.id);
    });
    for (const [id, s] of strips) if (!seen.has(id)) { s.el.remove(); strips.delete(id); clips.forget(id); }
    mf.update(!S.canEdit);
  }

  // Level frames list tracks in display order (order, then id) like doc.tracks().
  let active = false;
  function setLevels(frame, live) {
    const ts = S.doc.tracks();
    let any = false;
    ts.forEach((t, i) => {
      const s = strips.get(t.id);
      const v = frame && live ? frame.tracks[i] : null;
      if (s && (v || active)) any = s.meter.set(v ? v.peak : 0, v ? v.rms : 0) || any;
    });
    if (frame && live) clips.feed(frame, ts);
    if (frame && live) any = mf.meter.set(frame.master.peak, frame.master.rms) || any;
    else if (active) any = mf.meter.set(0, 0) || any;
    active = any || !!(frame && live);
  }
  return { el, render, setLevels, metersActive: () => active, clips };
}
