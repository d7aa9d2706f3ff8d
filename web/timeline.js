// timeline.js -- the arrangement view: a ruler (bars/beats and time, with
// markers), one row per track (a header with name, colour, mute, solo,
// gain, pan, output, delete, and a drag grip to reorder; a lane with the
// clips), the playhead, zoom (keys, ctrl+wheel/pinch at the pointer) and
// native scrolling. Clips are DOM elements keyed by id, each with a canvas
// for the visible part of its waveform; clip gestures live in clipedit.js.
// Automation lanes open under a track (automation.js), a drag on an empty
// lane selects with a rubber band (selection.js), and where two clips
// overlap the crossfade is drawn over them (waveform.js).

import { h, gesture, fmtTime, fmtDb, setVal, bindRange, ask } from './ui.js';
import { orderBetween } from './order.js';
import { newId } from './doc.js';
import { peaksFor, drawClip } from './waveform.js';
import { attachClipGestures } from './clipedit.js';
import { drawMiniRoll } from './pianoroll.js';
import { notesByClip } from './notes.js';
import { soloDimmed } from './collab.js';
import { createAutomation } from './automation.js';
import { startBand, selectTrack } from './selection.js';
import { crossfadesOf, crossfadeMark } from './waveform.js';

export const TRACK_H = 80;
export const HEAD_W = 224;
export const RULER_H = 34;
const MIN_ZOOM = 8;       // frames per pixel
const MAX_ZOOM = 32768;
const COLORS = ['#e57373', '#64b5f6', '#81c784', '#ffb74d', '#ba68c8', '#4dd0e1', '#f06292', '#aed581', '#ffd54f', '#9575cd'];

/** The grid step in frames for the zoom: a beat, a bar, or a fraction of a beat. */
export function gridStep(doc, zoom) {
  const p = doc.project;
  const beat = (doc.rate * 60) / (p.tempo || 120) * (4 / ((p.meter && p.meter[1]) || 4));
  const bar = beat * ((p.meter && p.meter[0]) || 4);
  let step = beat;
  while (step / zoom < 14 && step < bar * 64) step = step === beat ? bar : step * 2;
  while (step / zoom > 160 && step > beat / 16) step /= 2;
  return { step, beat, bar };
}

export function createTimeline(S) {
  const rows = new Map();   // track id -> row record
  const clips = new Map();  // clip id -> clip record
  const ruler = h('canvas.ruler', { 'aria-label': 'Ruler: click to move the playhead, double-click to add a marker', role: 'img' });
  const corner = h('div.corner', {}, h('span.time', { 'aria-live': 'off' }, '0:00.000'));
  const rulerRow = h('div.ruler-row', {}, corner, ruler);
  const markersLayer = h('div.markers');
  const overlay = h('div.overlay');
  const playhead = h('div.playhead', { 'aria-hidden': 'true' });
  overlay.append(playhead);
  const rowsBox = h('div.rows');
  const dropRow = h('div.droprow', {}, h('div.head.drop-head', {}, 'Drop audio here for a new track'), h('div.lane.drop-lane', { dataset: { track: '' } }));
  const content = h('div.content', {}, rulerRow, markersLayer, rowsBox, dropRow, overlay);
  const scroller = h('div.scroller', { tabindex: '0', 'aria-label': 'Timeline' }, content);
  let raf = 0;
  let noteMap = null; // notes by clip, for the frame being drawn

  const frameToX = (f) => f / S.zoom;
  const contentWidth = () => {
    const frames = Math.max(S.doc.end() + S.doc.rate * 60, S.doc.rate * 180, S.playhead + S.doc.rate * 30);
    return Math.ceil(frames / S.zoom);
  };

  /** The timeline frame under a client x coordinate. */
  function frameAt(clientX) {
    const r = scroller.getBoundingClientRect();
    return Math.max(0, Math.round((clientX - r.left - HEAD_W + scroller.scrollLeft) * S.zoom));
  }

  /** The track under a client y coordinate (null below the last track; rows with automation lanes are taller). */
  function trackAt(clientY) {
    for (const t of S.doc.tracks()) {
      const row = rows.get(t.id);
      if (!row) continue;
      const r = row.el.getBoundingClientRect();
      if (clientY >= r.top && clientY < r.bottom) return t;
    }
    return null;
  }

  function snap(f, force) {
    if (!S.snap && !force) return Math.max(0, Math.round(f));
    const { step } = gridStep(S.doc, S.zoom);
    return Math.max(0, Math.round(Math.round(f / step) * step));
  }

  function visible() {
    const from = Math.max(0, Math.floor(scroller.scrollLeft * S.zoom));
    const to = from + Math.ceil(Math.max(0, scroller.clientWidth - HEAD_W) * S.zoom);
    return [from, to];
  }

  // ---- track rows ----
  function makeRow(t) {
    const name = h('input.tname', { 'aria-label': 'Track name', maxlength: 200,
      onchange: () => S.session.push([{ op: 'set', id: t.id, fields: { name: name.value } }]) });
    const color = h('input.tcolor', { type: 'color', 'aria-label': 'Track colour',
      onchange: () => S.session.push([{ op: 'set', id: t.id, fields: { color: color.value } }]) });
    const mute = h('button.toggle.mute', { 'aria-label': 'Mute', title: 'Mute', 'aria-pressed': 'false',
      onclick: () => S.session.push([{ op: 'set', id: row.id, fields: { mute: !S.doc.get(row.id).mute } }]) }, 'M');
    const solo = h('button.toggle.solo', { 'aria-label': 'Solo', title: 'Solo', 'aria-pressed': 'false',
      onclick: () => S.session.push([{ op: 'set', id: row.id, fields: { solo: !S.doc.get(row.id).solo } }]) }, 'S');
    const gg = gesture(S.session, (v) => [{ op: 'set', id: row.id, fields: { gain: v <= -60 ? null : v } }]);
    const gain = h('input.tgain', { type: 'range', min: -60, max: 12, step: 0.5, 'aria-label': 'Track gain in dB' });
    bindRange(gain, gg, (r) => Number(r.value), (v) => { gain.title = fmtDb(v); });
    const pg = gesture(S.session, (v) => [{ op: 'set', id: row.id, fields: { pan: v } }]);
    const pan = h('input.tpan', { type: 'range', min: -1, max: 1, step: 0.01, 'aria-label': 'Track pan' });
    bindRange(pan, pg, (r) => Number(r.value));
    const output = h('select.toutput', { 'aria-label': 'Track output',
      onchange: () => S.session.push([{ op: 'set', id: row.id, fields: { output: output.value } }]) });
    const del = h('button.icon.tdel', { 'aria-label': 'Delete track', title: 'Delete track (undo with Ctrl+Z)',
      onclick: () => S.session.push([{ op: 'delete', id: row.id }]) }, '✕');
    const inst = h('button.icon.tinst.hidden', { 'aria-label': 'Edit the instrument', title: 'Instrument',
      onclick: () => S.openInstrument && S.openInstrument(row.id) }, '♪');
    const autoBtn = h('button.toggle.tauto', { 'aria-label': 'Show automation', title: 'Automation lanes (gain, pan, effect parameters)', 'aria-pressed': 'false',
      onclick: () => S.toggleAutomation(row.id) }, 'A');
    const grip = h('div.grip', { 'aria-label': 'Drag to reorder the track', title: 'Drag to reorder', role: 'button', tabindex: '-1' }, '⠿');
    const swatch = h('div.swatch');
    const kind = h('span.kind');
    const head = h('div.head', {},
      swatch,
      h('div.hrow', {}, grip, color, name, kind, inst, del),
      h('div.hrow', {}, mute, solo, h('span.lbl', {}, 'vol'), gain, h('span.lbl', {}, 'pan'), pan),
      h('div.hrow', {}, h('span.lbl', {}, 'out'), output, autoBtn));
    const lane = h('div.lane', { dataset: { track: t.id } });
    const el = h('div.trackrow', { dataset: { track: t.id } }, head, lane);
    const row = { id: t.id, el, head, lane, name, color, mute, solo, gain, pan, output, del, grip, swatch, kind, inst, autoBtn };
    lane.addEventListener('dblclick', (e) => { // an empty note clip on an instrument track
      if (e.target !== lane || !S.newNoteClip || S.doc.get(row.id)?.role !== 'instrument') return;
      const id = S.newNoteClip(row.id, frameAt(e.clientX));
      if (id) S.select([id]);
    });
    grip.addEventListener('pointerdown', (e) => startReorder(e, row));
    lane.addEventListener('pointerdown', (e) => {
      if (e.target !== lane || e.button !== 0) return;
      const f = snap(frameAt(e.clientX));
      startBand(S, api, e, row, () => { S.setPlayhead(f); if (!e.shiftKey) S.select([]); });
    });
    head.addEventListener('pointerdown', () => selectTrack(S, api, row.id));
    return row;
  }


  function updateRow(row, t, doc) {
    setVal(row.name, t.name);
    setVal(row.color, t.color);
    row.swatch.style.background = t.color;
    row.lane.style.setProperty('--track-color', t.color);
    row.mute.setAttribute('aria-pressed', String(!!t.mute));
    row.solo.setAttribute('aria-pressed', String(!!t.solo));
    setVal(row.gain, t.gain === null ? -60 : t.gain);
    row.gain.title = fmtDb(t.gain);
    setVal(row.pan, t.pan);
    row.kind.textContent = t.role === 'bus' ? 'BUS' : t.role === 'instrument' ? ((t.instrument && t.instrument.type) || '').toUpperCase() : '';
    row.inst.classList.toggle('hidden', t.role !== 'instrument');
    row.el.classList.toggle('bus', t.role === 'bus');
    const opts = [['master', 'Master'], ...doc.buses().filter((b) => b.id !== t.id).map((b) => [b.id, b.name || b.id])];
    const key = opts.map((o) => o.join('=')).join('|');
    if (row.output.dataset.key !== key) {
      row.output.replaceChildren(...opts.map(([v, l]) => h('option', { value: v }, l)));
      row.output.dataset.key = key;
    }
    setVal(row.output, t.output);
    for (const c of [row.name, row.color, row.mute, row.solo, row.gain, row.pan, row.output, row.del]) c.disabled = !S.canEdit;
    row.grip.classList.toggle('hidden', !S.canEdit);
    row.el.classList.toggle('solo-dimmed', soloDimmed(doc, t)); // collab.js
  }

  // ---- track reorder by drag ----
  function startReorder(e, row) {
    if (!S.canEdit || e.button !== 0) return;
    e.preventDefault();
    const ts = S.doc.tracks();
    const from = ts.findIndex((t) => t.id === row.id);
    const r0 = rowsBox.getBoundingClientRect();
    row.el.classList.add('dragging');
    const indicator = h('div.reorder-line');
    rowsBox.append(indicator);
    let to = from;
    const move = (ev) => { // rows may be taller than TRACK_H (automation lanes)
      const mids = ts.map((t) => { const r = rows.get(t.id).el.getBoundingClientRect(); return [r.top + r.height / 2, r.top - r0.top, r.bottom - r0.top]; });
      to = mids.filter(([m]) => ev.clientY > m).length;
      indicator.style.top = `${(to < ts.length ? mids[to][1] : mids.length ? mids[mids.length - 1][2] : 0) - 1}px`;
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      row.el.classList.remove('dragging');
      indicator.remove();
      if (to === from || to === from + 1) return;
      const rest = ts.filter((t) => t.id !== row.id);
      const at = to > from ? to - 1 : to;
      const prev = rest[at - 1], next = rest[at];
      const key = orderBetween(prev ? prev.order : null, next ? next.order : null);
      if (key) {
        S.session.push([{ op: 'set', id: row.id, fields: { order: key } }]);
        return;
      }
      // Equal or crowded keys: give every track a fresh key in the new order.
      rest.splice(at, 0, ts[from]);
      let k = null;
      const ops = [];
      for (const t of rest) { k = orderBetween(k, null); ops.push({ op: 'set', id: t.id, fields: { order: k } }); }
      S.session.push(ops);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    move(e);
  }

  // ---- clips ----
  function makeClip(c) {
    const canvas = h('canvas.wave', { 'aria-hidden': 'true' });
    const label = h('span.cname');
    const el = h('div.clip', { dataset: { clip: c.id }, tabindex: '0', role: 'button' },
      canvas, label,
      h('div.trim.trim-l', { dataset: { edge: 'trim-l' }, title: 'Trim the start' }),
      h('div.trim.trim-r', { dataset: { edge: 'trim-r' }, title: 'Trim the end' }),
      h('div.fade.fade-in', { dataset: { edge: 'fade-in' }, title: 'Fade in' }),
      h('div.fade.fade-out', { dataset: { edge: 'fade-out' }, title: 'Fade out' }));
    const rec = { id: c.id, el, canvas, label };
    // a note clip opens its editor (before clipedit's rename)
    el.addEventListener('dblclick', (e) => { if (S.openNotes && S.openNotes(c.id)) e.stopImmediatePropagation(); });
    attachClipGestures(S, api, rec);
    return rec;
  }

  function placeClip(rec, c, t) {
    rec.el.style.left = `${frameToX(c.start)}px`;
    rec.el.style.width = `${Math.max(2, frameToX(c.length))}px`;
    rec.el.style.setProperty('--track-color', t ? t.color : '#888');
    rec.label.textContent = c.name || (S.session.assets.get(c.asset) || {}).name || 'clip';
    rec.el.classList.toggle('notes', !!t && t.role === 'instrument');
    rec.el.setAttribute('aria-label', `Clip ${rec.label.textContent} at ${fmtTime(c.start, S.doc.rate)}`);
    rec.el.classList.toggle('selected', S.selection.has(c.id));
    rec.el.classList.toggle('muted', !!c.mute);
    const fi = rec.el.querySelector('.fade-in');
    const fo = rec.el.querySelector('.fade-out');
    fi.style.left = `${Math.min(frameToX(c.fade_in), frameToX(c.length) - 8)}px`;
    fo.style.right = `${Math.min(frameToX(c.fade_out), frameToX(c.length) - 8)}px`;
  }

  function drawWave(rec) {
    const c = S.doc.get(rec.id);
    if (!c) return;
    const t = S.doc.get(c.track);
    const [vf, vt] = visible();
    const cl = Math.max(c.start, vf - 200 * S.zoom);
    const cr = Math.min(c.start + c.length, vt + 200 * S.zoom);
    if (cr <= cl) { rec.canvas.style.display = 'none'; return; }
    rec.canvas.style.display = '';
    rec.canvas.style.left = `${frameToX(cl - c.start)}px`;
    rec.canvas.style.width = `${Math.max(1, frameToX(cr - cl))}px`;
    if (t && t.role === 'instrument') {
      const p = S.doc.project;
      if (!noteMap) noteMap = notesByClip(S.doc); // once per frame for every note clip
      drawMiniRoll(rec.canvas, c, noteMap.get(c.id) || [], cl, S.zoom, t.color, p.tempo, S.doc.rate);
      return;
    }
    const a = S.session.assets.get(c.asset);
    const peaks = peaksFor(c.asset, !a || a.state === 'ready', () => schedule(), S.projectId);
    drawClip(rec.canvas, c, peaks, cl, S.zoom, t ? t.color : '#888');
  }

  /** The crossfade marks (an X over each overlap of two clips on a track). */
  function renderCrossfades() {
    const want = new Map();
    for (const [tid, row] of rows) for (const x of crossfadesOf(S.doc, tid)) want.set(`${x.a}|${x.b}`, { ...x, row });
    for (const el of content.querySelectorAll('.xfade')) if (!want.has(el.dataset.pair)) el.remove();
    for (const [key, x] of want) {
      let el = x.row.lane.querySelector(`:scope > .xfade[data-pair="${key}"]`);
      if (!el) { el = crossfadeMark(key); x.row.lane.append(el); }
      el.style.left = `${frameToX(x.from)}px`;
      el.style.width = `${Math.max(2, frameToX(x.to - x.from))}px`;
      el.setAttribute('aria-label', `Crossfade from ${fmtTime(x.from, S.doc.rate)} to ${fmtTime(x.to, S.doc.rate)}`);
    }
  }

  // ---- ruler and markers ----
  function drawRuler() {
    const w = Math.max(1, scroller.clientWidth - HEAD_W);
    const dpr = window.devicePixelRatio || 1;
    ruler.style.width = `${w}px`;
    if (ruler.width !== Math.round(w * dpr)) ruler.width = Math.round(w * dpr);
    if (ruler.height !== Math.round(RULER_H * dpr)) ruler.height = Math.round(RULER_H * dpr);
    const g = ruler.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, RULER_H);
    const { step, beat, bar } = gridStep(S.doc, S.zoom);
    const [vf, vt] = visible();
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'top';
    const first = Math.floor(vf / step) * step;
    const labels = [];
    const every = barLabelEvery(g, bar, vt);
    for (let f = first; f <= vt; f += step) {
      const x = Math.round((f - vf) / S.zoom) + 0.5;
      const isBar = Math.abs(f / bar - Math.round(f / bar)) < 1e-6;
      g.strokeStyle = isBar ? '#9aa0ad' : '#555b66';
      g.beginPath(); g.moveTo(x, isBar ? 2 : 12); g.lineTo(x, 20); g.stroke();
      if (isBar && Math.round(f / bar) % every === 0) {
        g.fillStyle = '#c9ced8';
        const b = Math.round(f / bar) + 1;
        const beatN = Math.round((f % bar) / beat) + 1;
        const text = beatN > 1 ? `${b}.${beatN}` : String(b);
        g.fillText(text, x + 3, 3);
        labels.push({ text, x: x + 3, y: 3, w: g.measureText(text).width, h: 10 });
      }
    }
    // time labels on the lower line, about every 100 px
    const secs = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];
    const per = secs.find((s) => (s * S.doc.rate) / S.zoom >= 90) || 600;
    g.fillStyle = '#7d8491';
    for (let s = Math.floor(vf / S.doc.rate / per) * per; s * S.doc.rate <= vt; s += per) {
      const x = (s * S.doc.rate - vf) / S.zoom;
      g.fillRect(Math.round(x), 24, 1, 10);
      const text = fmtTime(s * S.doc.rate, S.doc.rate).replace(/\.?0+$/, '');
      g.fillText(text, x + 3, 23);
      labels.push({ text, x: x + 3, y: 23, w: g.measureText(text).width, h: 10 });
    }
    api.rulerLabels = labels;
  }

  /** Every how many bars the ruler labels a bar so that no two labels
   * overlap: a power of two whose span fits the widest label plus a gap. */
  function barLabelEvery(g, bar, vt) {
    const widest = g.measureText(String(Math.ceil(vt / bar) + 1)).width + 10;
    let every = 1;
    while ((every * bar) / S.zoom < widest && every < 1 << 20) every *= 2;
    return every;
  }

  function renderMarkers() {
    const ms = S.doc.markers();
    const keep = new Set(ms.map((m) => m.id));
    for (const el of [...markersLayer.children]) if (!keep.has(el.dataset.marker)) el.remove();
    for (const m of ms) {
      let el = markersLayer.querySelector(`[data-marker="${m.id}"]`);
      if (!el) {
        el = h('div.marker', { dataset: { marker: m.id }, role: 'button', tabindex: '0' }, h('span.flag'));
        el.addEventListener('pointerdown', (e) => startMarkerDrag(e, m.id));
        el.addEventListener('dblclick', (e) => {
          e.stopPropagation();
          if (!S.canEdit) return;
          const cur = S.doc.get(m.id);
          ask('Rename marker', { value: cur ? cur.name : '', label: 'Marker name', ok: 'Rename' }).then((name) => {
            if (name !== null) S.session.push([{ op: 'set', id: m.id, fields: { name } }]);
          });
        });
        markersLayer.append(el);
      }
      el.style.left = `${HEAD_W + frameToX(m.at)}px`;
      el.firstChild.textContent = m.name || '◆';
      el.setAttribute('aria-label', `Marker ${m.name || ''} at ${fmtTime(m.at, S.doc.rate)}; drag to move, double-click to rename, Delete to remove`);
      el.onkeydown = (e) => { if ((e.key === 'Delete' || e.key === 'Backspace') && S.canEdit) { e.stopPropagation(); S.session.push([{ op: 'delete', id: m.id }]); } };
    }
  }

  function startMarkerDrag(e, id) {
    e.stopPropagation();
    if (!S.canEdit || e.button !== 0) return;
    const el = e.currentTarget;
    const m0 = S.doc.get(id);
    const x0 = e.clientX;
    let at = m0.at;
    el.setPointerCapture(e.pointerId);
    const move = (ev) => {
      at = snap(m0.at + (ev.clientX - x0) * S.zoom);
      el.style.left = `${HEAD_W + frameToX(at)}px`;
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      if (at !== m0.at) S.session.push([{ op: 'set', id, fields: { at } }]);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  }

  ruler.addEventListener('pointerdown', (e) => {
    if (S.onRulerDown) S.onRulerDown(e); // transport.js: click seeks, drag selects a range
    else if (e.button === 0) S.setPlayhead(snap(frameAt(e.clientX)));
  });
  ruler.addEventListener('dblclick', (e) => {
    if (!S.canEdit) return;
    const at = snap(frameAt(e.clientX));
    S.session.push([{ op: 'create', id: newId('m_'), kind: 'marker', fields: { at, name: `Marker ${S.doc.markers().length + 1}` } }]);
  });

  // ---- render ----
  function render(touched, remote) {
    const doc = S.doc;
    const ts = doc.tracks();
    const width = contentWidth();
    content.style.width = `${HEAD_W + width}px`;
    rulerRow.style.width = `${HEAD_W + width}px`;
    const seen = new Set();
    ts.forEach((t, i) => {
      let row = rows.get(t.id);
      if (!row) { row = makeRow(t); rows.set(t.id, row); }
      seen.add(t.id);
      if (rowsBox.children[i] !== row.el) rowsBox.insertBefore(row.el, rowsBox.children[i] || null);
      row.lane.style.width = `${width}px`;
      updateRow(row, t, doc);
      auto.renderRow(row, width);
    });
    for (const [id, row] of rows) if (!seen.has(id)) { row.el.remove(); rows.delete(id); }
    dropRow.querySelector('.lane').style.width = `${width}px`;
    const live = new Set();
    for (const c of doc.ofKind('clip')) {
      const row = rows.get(c.track);
      if (!row) continue;
      live.add(c.id);
      let rec = clips.get(c.id);
      if (!rec) { rec = makeClip(c); clips.set(c.id, rec); }
      if (rec.dragging) continue;
      const animate = remote && touched && touched.has(c.id);
      if (animate) {
        rec.el.classList.add('animate', 'remote-edit');
        rec.el.style.setProperty('--who', S.colorOf(remote.user));
        clearTimeout(rec.animT);
        rec.animT = setTimeout(() => rec.el.classList.remove('animate', 'remote-edit'), 700);
      }
      if (rec.el.parentNode !== row.lane) row.lane.append(rec.el);
      placeClip(rec, c, doc.get(c.track));
    }
    for (const [id, rec] of clips) if (!live.has(id)) { rec.el.remove(); clips.delete(id); }
    renderCrossfades();
    if (remote && touched) {
      for (const id of touched) {
        const row = rows.get(id);
        if (row) { row.head.classList.add('remote-edit'); row.head.style.setProperty('--who', S.colorOf(remote.user)); setTimeout(() => row.head.classList.remove('remote-edit'), 700); }
      }
    }
    renderMarkers();
    const total = rowsBox.offsetHeight || ts.length * TRACK_H;
    overlay.style.height = `${RULER_H + total + TRACK_H}px`;
    schedule();
  }

  function schedule() {
    if (raf) return;
    raf = requestAnimationFrame(() => {
      raf = 0;
      noteMap = null;
      drawRuler();
      for (const rec of clips.values()) drawWave(rec);
      auto.drawAll();
      placePlayhead();
      if (S.onDraw) S.onDraw();
      if (S.onView) S.onView(visible());
    });
  }

  function placePlayhead() {
    playhead.style.left = `${HEAD_W + frameToX(S.playhead)}px`;
    corner.firstChild.textContent = fmtTime(S.playhead, S.doc.rate);
  }

  /** Zooms by factor keeping the frame under clientX (or the playhead) in place. */
  function zoomBy(factor, clientX) {
    const r = scroller.getBoundingClientRect();
    const px = clientX !== undefined ? clientX - r.left - HEAD_W : frameToX(S.playhead) - scroller.scrollLeft;
    const anchor = (scroller.scrollLeft + px) * S.zoom;
    S.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, S.zoom / factor));
    render();
    scroller.scrollLeft = Math.max(0, anchor / S.zoom - px);
    schedule();
  }

  /** Zooms so the whole song (at least 10 s) fills the visible width, from
   * the start; false when the view has no width yet. */
  function zoomToFit() {
    const w = scroller.clientWidth - HEAD_W - 16;
    if (w <= 50) return false;
    const frames = Math.max(S.doc.end(), S.doc.rate * 10) * 1.04;
    S.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, frames / w));
    render();
    scroller.scrollLeft = 0;
    schedule();
    return true;
  }

  /** Scrolls so that frame f is at the left edge (the overview strip). */
  function scrollToFrame(f) {
    scroller.scrollLeft = Math.max(0, f / S.zoom);
    schedule();
  }

  scroller.addEventListener('wheel', (e) => {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      zoomBy(Math.exp(-e.deltaY * 0.01), e.clientX);
    } else if (e.shiftKey && !e.deltaX) {
      e.preventDefault();
      scroller.scrollLeft += e.deltaY;
    }
  }, { passive: false });
  scroller.addEventListener('scroll', schedule);
  scroller.addEventListener('pointermove', (e) => S.onCursor && S.onCursor(frameAt(e.clientX)));
  new ResizeObserver(schedule).observe(scroller);

  const api = { el: scroller, content, overlay, rowsBox, render, schedule, frameAt, trackAt, snap, visible, zoomBy, zoomToFit, scrollToFrame, placePlayhead, clips, rows, TRACK_H, COLORS, rulerLabels: [] };
  const auto = createAutomation(S, api);
  api.automation = auto;
  return api;
}

export { COLORS };
