// automation.js -- automation lanes under a track (the track header's
// "Show automation" toggle): one lane per chosen parameter (gain, pan, or a
// parameter of one of the track's effects, picked per lane), its points as
// focusable handles and the curve drawn between them as the engine
// interpolates it (linear, holding before the first and after the last
// point; engine/plan.c eng_auto_eval). A click on the lane adds a point, a
// drag moves one (snapped to the grid when snap is on), Delete/Backspace or
// the point's menu removes it, a double-click resets it to the parameter's
// default. Every gesture is one push that replaces the points array once.
// Values are shown in their units (dB, L/R pan, ms, ...).

import { h, fmtTime } from './ui.js';
import { newId } from './doc.js';
import { EFFECTS, EFFECT_NAMES } from './effects.js';
import { openMenu } from './contextmenu.js';

export const LANE_H = 60;
const PAD = 7;

/** The scale of a parameter on a track: {label, min, max, def, fmt}. */
export function paramScale(doc, trackId, param) {
  if (param === 'gain') return { label: 'Volume', min: -60, max: 12, lo: -96, def: 0, fmt: (v) => `${v <= -60 ? '−∞' : v.toFixed(1)} dB` };
  if (param === 'pan') return { label: 'Pan', min: -1, max: 1, lo: -1, def: 0, fmt: (v) => (Math.abs(v) < 0.005 ? 'C' : v < 0 ? `L${Math.round(-v * 100)}` : `R${Math.round(v * 100)}`) };
  const dot = param.indexOf('.');
  const fx = doc.get(param.slice(0, dot));
  const spec = fx && (EFFECTS[fx.type] || []).find((p) => p[0] === param.slice(dot + 1));
  if (!spec) return null;
  const [name, min, max, def, unit] = spec;
  return { label: `${EFFECT_NAMES[fx.type] || fx.type} ${name}`, min, max, lo: min, def, fmt: (v) => `${+v.toFixed(unit === 'ms' || unit === 'Hz' ? 0 : 2)}${unit ? ` ${unit}` : ''}` };
}

/** The parameters a track's lanes can show: [[param, label], ...]. */
export function paramsOf(doc, trackId) {
  const out = [['gain', 'Volume (dB)'], ['pan', 'Pan']];
  for (const e of doc.effectsOf(trackId)) {
    for (const [name, , , , unit] of EFFECTS[e.type] || []) out.push([`${e.id}.${name}`, `${EFFECT_NAMES[e.type] || e.type} ${name}${unit ? ` (${unit})` : ''}`]);
  }
  return out;
}

/** The value of points at frame, as the engine evaluates it. */
export function evalPoints(points, frame) {
  if (!points.length) return null;
  if (frame <= points[0][0]) return points[0][1];
  const last = points[points.length - 1];
  if (frame >= last[0]) return last[1];
  let i = 1;
  while (points[i][0] < frame) i++;
  const [f0, v0] = points[i - 1], [f1, v1] = points[i];
  return v0 + (v1 - v0) * ((frame - f0) / (f1 - f0));
}

/** Automation lanes for the timeline tl (createTimeline calls this once). */
export function createAutomation(S, tl) {
  const shown = new Map(); // track id -> [param, ...] (view state, per page)
  const lanes = new Map(); // `${track}|${param}` -> lane record

  S.autoShown = (id) => shown.has(id);
  S.toggleAutomation = (id) => {
    if (shown.has(id)) shown.delete(id); else shown.set(id, ['gain']);
    tl.render();
  };

  const autoOf = (tid, param) => S.doc.ofKind('automation').find((a) => a.track === tid && a.param === param);
  const yOf = (sc, v) => PAD + (1 - (Math.max(sc.min, Math.min(sc.max, v)) - sc.min) / (sc.max - sc.min)) * (LANE_H - 2 * PAD);
  const valueAt = (sc, y) => {
    const t = 1 - (y - PAD) / (LANE_H - 2 * PAD);
    const v = sc.min + Math.max(0, Math.min(1, t)) * (sc.max - sc.min);
    return Math.round(v * 100) / 100;
  };

  /** One push replacing the points of (track, param); creates the automation object the first time. */
  function pushPoints(tid, param, points) {
    const a = autoOf(tid, param);
    if (a) S.session.push([{ op: 'set', id: a.id, fields: { points } }]);
    else S.session.push([{ op: 'create', id: newId('a_'), kind: 'automation', fields: { track: tid, param, points } }]);
  }

  function makeLane(tid, param) {
    const picker = h('select.apicker', { 'aria-label': 'Automation parameter' });
    const rec = { tid, param, picker, points: null, dragging: false };
    picker.addEventListener('change', () => {
      const list = shown.get(tid);
      const i = list.indexOf(rec.param);
      if (list.includes(picker.value)) { picker.value = rec.param; return; }
      list[i] = picker.value;
      tl.render();
    });
    const add = h('button.icon.aadd', { 'aria-label': 'Add an automation lane', title: 'Another lane', onclick: () => {
      const list = shown.get(tid);
      const next = paramsOf(S.doc, tid).map((p) => p[0]).find((p) => !list.includes(p));
      if (next) { list.push(next); tl.render(); }
    } }, '+');
    const close = h('button.icon.aclose', { 'aria-label': 'Close this automation lane', title: 'Close lane', onclick: () => {
      const list = shown.get(tid).filter((p) => p !== rec.param);
      if (list.length) shown.set(tid, list); else shown.delete(tid);
      tl.render();
    } }, '✕');
    const value = h('span.avalue', { 'aria-live': 'off' });
    const canvas = h('canvas.acurve', { 'aria-hidden': 'true' });
    const pointsBox = h('div.apoints');
    const area = h('div.alane', { role: 'group' }, canvas, pointsBox);
    const el = h('div.autolane', { dataset: { param } }, h('div.ahead', {}, picker, add, close, value), area);
    Object.assign(rec, { el, area, canvas, pointsBox, value });
    area.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || e.target.classList.contains('apoint') || !S.canEdit) return;
      e.stopPropagation();
      const sc = paramScale(S.doc, tid, rec.param);
      if (!sc) return;
      const frame = tl.snap(tl.frameAt(e.clientX));
      const v = valueAt(sc, e.clientY - area.getBoundingClientRect().top);
      const pts = (autoOf(tid, rec.param)?.points || []).filter((p) => p[0] !== frame);
      pts.push([frame, Math.max(sc.lo, v)]);
      pts.sort((a, b) => a[0] - b[0]);
      pushPoints(tid, rec.param, pts);
    });
    return rec;
  }

  function pointEl(rec, sc, i) {
    const el = h('div.apoint', { role: 'slider', tabindex: '0', 'aria-valuemin': String(sc.lo), 'aria-valuemax': String(sc.max) });
    el.addEventListener('pointerdown', (e) => startDrag(rec, i, e));
    el.addEventListener('dblclick', (e) => { e.stopPropagation(); resetPoint(rec, i); });
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Delete' || e.key === 'Backspace') { e.preventDefault(); e.stopPropagation(); removePoint(rec, i); }
      if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) { e.preventDefault(); e.stopPropagation(); pointMenu(rec, i, el, el.getBoundingClientRect()); }
    });
    el.addEventListener('contextmenu', (e) => { e.preventDefault(); e.stopPropagation(); pointMenu(rec, i, el, { left: e.clientX, bottom: e.clientY }); });
    return el;
  }

  function pointMenu(rec, i, el, r) {
    openMenu([
      { label: 'Delete point', key: 'Del', disabled: !S.canEdit, run: () => removePoint(rec, i) },
      { label: 'Reset point', disabled: !S.canEdit, run: () => resetPoint(rec, i) },
    ], { x: r.left, y: r.bottom, from: el, label: 'Automation point' });
  }

  function removePoint(rec, i) {
    if (!S.canEdit) return;
    const pts = [...(autoOf(rec.tid, rec.param)?.points || [])];
    pts.splice(i, 1);
    pushPoints(rec.tid, rec.param, pts);
  }

  function resetPoint(rec, i) {
    const sc = paramScale(S.doc, rec.tid, rec.param);
    const pts = (autoOf(rec.tid, rec.param)?.points || []).map((p) => [...p]);
    if (!S.canEdit || !sc || !pts[i] || pts[i][1] === sc.def) return;
    pts[i][1] = sc.def;
    pushPoints(rec.tid, rec.param, pts);
  }

  function startDrag(rec, i, e) {
    if (e.button !== 0) return;
    e.stopPropagation();
    const el = e.currentTarget;
    el.focus({ preventScroll: true });
    if (!S.canEdit) return;
    const sc = paramScale(S.doc, rec.tid, rec.param);
    const pts0 = (autoOf(rec.tid, rec.param)?.points || []).map((p) => [...p]);
    if (!sc || !pts0[i]) return;
    const x0 = e.clientX, y0 = e.clientY;
    let moved = false;
    el.setPointerCapture(e.pointerId);
    rec.dragging = true;
    const lo = i > 0 ? pts0[i - 1][0] + 1 : 0;
    const hi = i < pts0.length - 1 ? pts0[i + 1][0] - 1 : Infinity;
    const move = (ev) => {
      if (!moved && Math.hypot(ev.clientX - x0, ev.clientY - y0) < 3) return;
      moved = true;
      const f = Math.max(lo, Math.min(hi, tl.snap(tl.frameAt(ev.clientX))));
      const v = Math.max(sc.lo, valueAt(sc, ev.clientY - rec.area.getBoundingClientRect().top));
      rec.points = pts0.map((p) => [...p]);
      rec.points[i] = [f, v];
      layout(rec, sc);
      draw(rec);
      rec.value.textContent = `${fmtTime(f, S.doc.rate)} · ${sc.fmt(v)}`;
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      rec.dragging = false;
      const pts = rec.points;
      rec.points = null;
      if (moved && pts) pushPoints(rec.tid, rec.param, pts); // one push for the whole drag
      else tl.render();
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  }

  /** Positions the point handles of rec (the drag's points while dragging). */
  function layout(rec, sc) {
    const pts = rec.points || autoOf(rec.tid, rec.param)?.points || [];
    const box = rec.pointsBox;
    while (box.children.length > pts.length) box.lastChild.remove();
    while (box.children.length < pts.length) box.append(pointEl(rec, sc, box.children.length));
    pts.forEach(([f, v], i) => {
      const el = box.children[i];
      el.style.left = `${f / S.zoom}px`;
      el.style.top = `${yOf(sc, v)}px`;
      el.dataset.frame = String(f);
      el.setAttribute('aria-valuenow', String(v));
      el.setAttribute('aria-valuetext', sc.fmt(v));
      el.setAttribute('aria-label', `${sc.label} point at ${fmtTime(f, S.doc.rate)}: ${sc.fmt(v)}; drag to move, Delete to remove, double-click to reset`);
      el.title = `${fmtTime(f, S.doc.rate)} · ${sc.fmt(v)}`;
    });
  }

  /** Draws the curve of rec over the visible frames. */
  function draw(rec) {
    const sc = paramScale(S.doc, rec.tid, rec.param);
    if (!sc) return;
    const [vf, vt] = tl.visible();
    const w = Math.max(1, Math.round((vt - vf) / S.zoom));
    const dpr = window.devicePixelRatio || 1;
    const c = rec.canvas;
    c.style.left = `${vf / S.zoom}px`;
    c.style.width = `${w}px`;
    if (c.width !== Math.round(w * dpr)) c.width = Math.round(w * dpr);
    if (c.height !== Math.round(LANE_H * dpr)) c.height = Math.round(LANE_H * dpr);
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, LANE_H);
    const t = S.doc.get(rec.tid);
    const color = (t && t.color) || '#9cf';
    const pts = rec.points || autoOf(rec.tid, rec.param)?.points || [];
    g.strokeStyle = '#3a3f4b';
    g.beginPath(); g.moveTo(0, yOf(sc, sc.def) + 0.5); g.lineTo(w, yOf(sc, sc.def) + 0.5); g.stroke();
    if (!pts.length) {
      const fxv = rec.param.includes('.') ? S.doc.get(rec.param.split('.')[0])?.params?.[rec.param.split('.')[1]] : null;
      const stat = rec.param === 'gain' ? (t ? t.gain ?? -60 : 0) : rec.param === 'pan' ? (t ? t.pan : 0) : fxv ?? sc.def;
      g.setLineDash([4, 4]); g.strokeStyle = color; g.globalAlpha = 0.6;
      g.beginPath(); g.moveTo(0, yOf(sc, stat)); g.lineTo(w, yOf(sc, stat)); g.stroke();
      g.setLineDash([]); g.globalAlpha = 1;
      rec.value.textContent = `${sc.fmt(stat)} (no points)`;
      return;
    }
    g.strokeStyle = color; g.lineWidth = 2;
    g.fillStyle = color; g.globalAlpha = 0.16;
    const path = new Path2D();
    for (let x = 0; x <= w; x += 2) {
      const y = yOf(sc, evalPoints(pts, vf + x * S.zoom));
      if (x === 0) path.moveTo(x, y); else path.lineTo(x, y);
    }
    const fill = new Path2D(path);
    fill.lineTo(w, LANE_H); fill.lineTo(0, LANE_H); fill.closePath();
    g.fill(fill);
    g.globalAlpha = 1;
    g.stroke(path);
    if (!rec.dragging) rec.value.textContent = `${pts.length} point${pts.length === 1 ? '' : 's'}`;
  }

  /** Creates, updates or removes the lanes of one track row (from tl.render). */
  function renderRow(row, width) {
    const list = shown.get(row.id);
    row.autoBtn.setAttribute('aria-pressed', String(!!list));
    let box = row.el.querySelector(':scope > .autolanes');
    if (!list) {
      if (box) box.remove();
      row.el.classList.remove('with-auto');
      for (const k of [...lanes.keys()]) if (k.startsWith(`${row.id}|`)) lanes.delete(k);
      return;
    }
    row.el.classList.add('with-auto');
    if (!box) { box = h('div.autolanes'); row.el.append(box); }
    const options = paramsOf(S.doc, row.id);
    const valid = new Set(options.map((o) => o[0]));
    const keep = list.filter((p) => valid.has(p)); // an effect deleted: its lane goes
    if (!keep.length) keep.push('gain');
    shown.set(row.id, keep);
    const seen = new Set();
    keep.forEach((param, i) => {
      const key = `${row.id}|${param}`;
      seen.add(key);
      let rec = lanes.get(key);
      if (!rec) { rec = makeLane(row.id, param); lanes.set(key, rec); }
      if (box.children[i] !== rec.el) box.insertBefore(rec.el, box.children[i] || null);
      const okey = options.map((o) => o.join('=')).join('|');
      if (rec.picker.dataset.key !== okey) {
        rec.picker.replaceChildren(...options.map(([v, l]) => h('option', { value: v }, l)));
        rec.picker.dataset.key = okey;
      }
      rec.picker.value = param;
      rec.area.style.width = `${width}px`;
      const sc = paramScale(S.doc, row.id, param);
      rec.area.setAttribute('aria-label', `${sc ? sc.label : param} automation of ${S.doc.get(row.id)?.name || 'track'}: click to add a point`);
      rec.area.classList.toggle('readonly', !S.canEdit);
      if (sc && !rec.dragging) layout(rec, sc);
    });
    for (const [key, rec] of lanes) if (key.startsWith(`${row.id}|`) && !seen.has(key)) { rec.el.remove(); lanes.delete(key); }
  }

  /** Draws every open lane's curve (from the timeline's frame). */
  function drawAll() {
    for (const rec of lanes.values()) if (rec.el.isConnected) draw(rec);
  }

  return { renderRow, drawAll, shown };
}
