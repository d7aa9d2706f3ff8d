// pianoroll.js -- the note editor of one clip on an instrument track: a
// keyboard down the left (pressing a key sends `audition`), a grid of
// pitch rows and bar/beat lines with the clip's sounding range, and the
// notes as elements. Mouse: drag on empty grid draws a note (its length
// snapped to the grid), drag a note moves it (time and pitch), drag its
// right edge resizes, shift/ctrl-click adds to the selection, shift+drag
// on an empty spot selects with a rectangle. Keyboard:
// arrows move the selection by a grid step / a semitone (shift+up/down an
// octave), shift+left/right resize, N (Insert) adds a note after the
// selection, Delete deletes, Ctrl+A selects all,
// Ctrl+Z/Shift+Ctrl+Z undo/redo, Space plays, Esc clears / closes. The
// toolbar has the grid, snap, velocity of the selection, the instrument
// panel, Web MIDI recording (midiin.js) and, for drum tracks, the step
// sequencer. Edits are pushes like any other; collaborators' edits appear
// live. Also: drawMiniRoll, the notes drawn inside a clip on the timeline.

import { h, toast, setVal } from './ui.js';
import { newId } from './doc.js';
import {
  TPQ, GRIDS, barTicks, snapTick, clipTickRange, frameToTick, notesOf, shiftOps, clampNote, pitchName, isBlack, chunks,
} from './notes.js';
import { createMidiRecorder, midiSupported } from './midiin.js';

export const ROW_H = 12;
export const KEYS_W = 58;
const BAR_PX = 220; // pixels per bar at zoom 1

/**
 * Sends `audition` for one note of track (the server plays it through this
 * user's own preview stream). Shows the server's reason when refused.
 */
export async function audition(S, track, pitch, vel = 100, ms = 400) {
  if (!S.canEdit) return null;
  const r = await S.session.request({ type: 'audition', track, pitch, vel, ms });
  if (r && r.type === 'error') toast(`Audition: ${r.message}`, 'error');
  else if (r && r.type === 'auditioning' && S.transport) S.transport.player.audition(r); // heard while stopped too
  return r;
}

/**
 * The shell shared by the note editors: a full-width panel over the studio
 * (a .backdrop, so the studio's shortcuts pause) with a title bar, a
 * toolbar and a body. Returns {el, bar, body, close, onClose}.
 */
export function notePanel(S, title, cls) {
  const closers = [];
  const closeBtn = h('button.icon', { 'aria-label': 'Close the editor', title: 'Close (Esc)', onclick: () => close() }, '✕');
  const bar = h('div.np-bar', { role: 'toolbar', 'aria-label': `${title} tools` });
  const body = h('div.np-body');
  const heading = h('h2', {}, title);
  const el = h(`section.notepanel.${cls}`, { role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('header', {}, heading, bar, closeBtn), body);
  const back = h('div.backdrop.np-back', { onmousedown: (e) => { if (e.target === back) close(); } }, el);
  document.body.append(back);
  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    back.remove();
    for (const f of closers) f();
    if (S.noteEditor && S.noteEditor.el === el) S.noteEditor = null;
  }
  return { el, bar, body, heading, close, onClose: (f) => closers.push(f), get closed() { return closed; } };
}

/** Opens the piano roll of clip clipId; returns its handle (tests read it). */
export function openPianoRoll(S, clipId) {
  const doc0 = S.doc;
  const c0 = doc0.get(clipId);
  if (!c0) return null;
  if (S.noteEditor) S.noteEditor.close();
  const track0 = doc0.get(c0.track);
  const P = notePanel(S, `Piano roll — ${track0 ? track0.name : ''}${c0.name ? ` / ${c0.name}` : ''}`, 'pianoroll');
  const R = { clipId, sel: new Set(), grid: TPQ / 4, snap: true, zoom: 1, vel: 100, drag: null, t0: 0, t1: TPQ * 16, els: new Map() };
  const ppt = () => (BAR_PX * R.zoom) / barTicks(S.doc.project.meter);

  // ---- toolbar ----
  const gridSel = h('select', { 'aria-label': 'Grid', title: 'Grid: the step notes snap to',
    onchange: () => { R.grid = Number(gridSel.value); draw(); } },
  GRIDS.map(([l, t]) => h('option', { value: t }, l)));
  gridSel.value = String(R.grid);
  const snapBtn = h('button.toggle', { 'aria-label': 'Snap notes to the grid', 'aria-pressed': 'true',
    onclick: () => { R.snap = !R.snap; snapBtn.setAttribute('aria-pressed', String(R.snap)); } }, 'Snap');
  const velIn = h('input.np-vel', { type: 'number', min: 1, max: 127, step: 1, value: 100,
    'aria-label': 'Velocity of the selected notes (and of new notes)', title: 'Velocity 1–127',
    onchange: () => setVelocity(Number(velIn.value)) });
  const delBtn = h('button.danger', { 'aria-label': 'Delete the selected notes', title: 'Delete (Del)', onclick: () => deleteSel() }, 'Delete');
  const zoomOut = h('button', { 'aria-label': 'Zoom the piano roll out', onclick: () => { R.zoom = Math.max(0.25, R.zoom / 1.5); layout(); } }, '−');
  const zoomIn = h('button', { 'aria-label': 'Zoom the piano roll in', onclick: () => { R.zoom = Math.min(8, R.zoom * 1.5); layout(); } }, '+');
  const instBtn = h('button', { 'aria-label': 'Edit the instrument', onclick: () => S.openInstrument && S.openInstrument(S.doc.get(clipId)?.track) }, 'Instrument');
  const stepBtn = h('button', { 'aria-label': 'Show the step sequencer', onclick: () => S.openNotes && S.openNotes(clipId, 'steps') }, 'Steps');
  const count = h('span.np-count', { 'aria-live': 'polite' });
  const rec = createMidiRecorder(S, clipId);
  const recBtn = h('button.toggle.np-rec', { 'aria-label': 'Record from a MIDI keyboard', 'aria-pressed': 'false',
    title: midiSupported() ? 'Record notes from a MIDI keyboard while the song plays' : 'This browser has no Web MIDI',
    onclick: async () => { await rec.toggle(); recBtn.setAttribute('aria-pressed', String(rec.recording)); } }, '● MIDI');
  recBtn.disabled = !midiSupported();
  P.bar.append(h('label.small', {}, 'Grid ', gridSel), snapBtn, h('label.small', {}, 'Vel ', velIn), delBtn,
    h('span.group', {}, zoomOut, zoomIn), instBtn, stepBtn, recBtn, count);

  // ---- body: keys + grid ----
  const keys = h('div.pr-keys');
  for (let p = 127; p >= 0; p--) {
    const k = h(`button.pr-key${isBlack(p) ? '.black' : ''}`, { 'aria-label': `Play ${pitchName(p)}`, tabindex: '-1', dataset: { pitch: p } },
      p % 12 === 0 ? pitchName(p) : '');
    k.addEventListener('pointerdown', (e) => { if (e.button === 0) { e.preventDefault(); audition(S, S.doc.get(clipId)?.track, p, R.vel); } });
    k.addEventListener('click', (e) => { if (e.detail === 0) audition(S, S.doc.get(clipId)?.track, p, R.vel); }); // Enter / Space
    keys.append(k);
  }
  const bg = h('canvas.pr-bg', { 'aria-hidden': 'true' });
  const notesBox = h('div.pr-notes');
  const playhead = h('div.pr-playhead', { 'aria-hidden': 'true' });
  const grid = h('div.pr-grid', { role: 'application', 'aria-label': 'Notes grid: drag to draw a note, drag a note to move it, its right edge to resize' },
    bg, notesBox, playhead);
  const inner = h('div.pr-inner', {}, keys, grid);
  const scroll = h('div.pr-scroll', { tabindex: '0', 'aria-label': 'Piano roll: arrows move the selected notes, shift+arrows resize, Delete deletes, Ctrl+A selects all' }, inner);
  P.body.append(scroll);

  const clip = () => S.doc.get(clipId);
  const x = (t) => (t - R.t0) * ppt();
  const y = (p) => (127 - p) * ROW_H;

  function range() {
    const c = clip();
    const p = S.doc.project;
    const bar = barTicks(p.meter);
    const [from, to] = clipTickRange(c, p.tempo, S.doc.rate);
    let last = to;
    for (const n of notesOf(S.doc, clipId)) last = Math.max(last, n.at + n.len);
    return { from, to, t0: Math.floor(from / bar) * bar, t1: Math.ceil(last / bar) * bar + bar, bar };
  }

  function layout() {
    const r = range();
    R.t0 = r.t0; R.t1 = r.t1;
    const w = Math.max(scroll.clientWidth - KEYS_W, x(R.t1));
    grid.style.width = `${w}px`;
    grid.style.height = `${128 * ROW_H}px`;
    inner.style.width = `${KEYS_W + w}px`;
    render();
  }

  // The background for the visible part only (the grid can be long).
  function draw() {
    const c = clip();
    if (!c) return;
    const r = range();
    const dpr = window.devicePixelRatio || 1;
    const vw = Math.max(1, scroll.clientWidth - KEYS_W), vh = Math.max(1, scroll.clientHeight);
    const sx = scroll.scrollLeft, sy = scroll.scrollTop;
    bg.style.left = `${sx}px`; bg.style.top = `${sy}px`;
    bg.style.width = `${vw}px`; bg.style.height = `${vh}px`;
    if (bg.width !== Math.round(vw * dpr)) bg.width = Math.round(vw * dpr);
    if (bg.height !== Math.round(vh * dpr)) bg.height = Math.round(vh * dpr);
    const g = bg.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, -sx * dpr, -sy * dpr);
    g.fillStyle = '#171a20'; g.fillRect(sx, sy, vw, vh);
    const pLo = Math.max(0, 127 - Math.ceil((sy + vh) / ROW_H)), pHi = Math.min(127, 127 - Math.floor(sy / ROW_H));
    for (let p = pLo; p <= pHi; p++) {
      if (isBlack(p)) { g.fillStyle = '#13151a'; g.fillRect(sx, y(p), vw, ROW_H); }
      if (p % 12 === 0) { g.fillStyle = '#2a2f3a'; g.fillRect(sx, y(p) + ROW_H - 1, vw, 1); }
    }
    // outside the clip's sounding range
    g.fillStyle = 'rgba(0,0,0,.35)';
    if (x(r.from) > sx) g.fillRect(sx, sy, x(r.from) - sx, vh);
    if (x(r.to) < sx + vw) g.fillRect(x(r.to), sy, sx + vw - x(r.to), vh);
    const t0 = R.t0 + Math.floor(sx / ppt() / R.grid) * R.grid;
    const tEnd = R.t0 + (sx + vw) / ppt();
    const step = R.grid * ppt() < 5 ? TPQ : R.grid;
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'top';
    for (let t = Math.floor(t0 / step) * step; t <= tEnd; t += step) {
      const xx = Math.round(x(t)) + 0.5;
      const isBar = t % r.bar === 0, isBeat = t % TPQ === 0;
      g.fillStyle = isBar ? '#4a5161' : isBeat ? '#2f3440' : '#22262e';
      g.fillRect(xx - 0.5, sy, 1, vh);
      if (isBar) { g.fillStyle = '#9aa0ad'; g.fillText(String(t / r.bar + 1), xx + 3, sy + 2); }
    }
    g.fillStyle = '#5aa9ff';
    g.fillRect(Math.round(x(r.to)), sy, 1, vh);
  }

  function noteLabel(n) {
    const bar = barTicks(S.doc.project.meter);
    return `Note ${pitchName(n.pitch)} at bar ${Math.floor(n.at / bar) + 1} beat ${Math.floor((n.at % bar) / TPQ) + 1}, ${n.len} ticks, velocity ${n.vel}`;
  }

  function place(el, n) {
    el.style.left = `${x(n.at)}px`;
    el.style.top = `${y(n.pitch)}px`;
    el.style.width = `${Math.max(3, n.len * ppt())}px`;
    el.style.setProperty('--vel', String(0.35 + 0.65 * (n.vel / 127)));
  }

  function render(touched, remote) {
    const c = clip();
    if (!c) { P.close(); toast('The clip was deleted', 'info'); return; }
    const ns = notesOf(S.doc, clipId);
    const live = new Set();
    for (const n of ns) {
      live.add(n.id);
      let el = R.els.get(n.id);
      if (!el) {
        el = h('div.pr-note', { dataset: { note: n.id }, role: 'button', tabindex: '-1' }, h('div.pr-resize', { dataset: { edge: 'resize' } }));
        R.els.set(n.id, el);
        notesBox.append(el);
      }
      if (R.drag && R.drag.ids && R.drag.ids.has(n.id)) continue;
      place(el, n);
      el.setAttribute('aria-label', noteLabel(n));
      el.classList.toggle('selected', R.sel.has(n.id));
      if (remote && touched && touched.has(n.id)) {
        el.classList.add('remote-edit');
        el.style.setProperty('--who', S.colorOf(remote.user));
        setTimeout(() => el.classList.remove('remote-edit'), 700);
      }
    }
    for (const [id, el] of R.els) if (!live.has(id)) { el.remove(); R.els.delete(id); }
    for (const id of [...R.sel]) if (!live.has(id)) R.sel.delete(id);
    const sel = ns.filter((n) => R.sel.has(n.id));
    if (sel.length && document.activeElement !== velIn) velIn.value = String(sel[sel.length - 1].vel);
    count.textContent = `${ns.length} note${ns.length === 1 ? '' : 's'}${sel.length ? `, ${sel.length} selected` : ''}`;
    for (const b of [velIn, delBtn, recBtn]) b.disabled = !S.canEdit || (b === recBtn && !midiSupported());
    const t = S.doc.get(c.track);
    stepBtn.classList.toggle('hidden', !(t && t.instrument && t.instrument.type === 'drums'));
    draw();
  }

  // ---- editing ----
  const push = (ops, group) => { for (const part of chunks(ops)) S.session.push(part, group); };
  const selected = () => notesOf(S.doc, clipId).filter((n) => R.sel.has(n.id));
  function select(ids, mode) {
    if (mode === 'toggle') for (const id of ids) { if (R.sel.has(id)) R.sel.delete(id); else R.sel.add(id); }
    else R.sel = new Set(ids);
    render();
  }
  function setVelocity(v) {
    if (!Number.isFinite(v)) return;
    R.vel = Math.max(1, Math.min(127, Math.round(v)));
    velIn.value = String(R.vel);
    const ops = selected().filter((n) => n.vel !== R.vel).map((n) => ({ op: 'set', id: n.id, fields: { vel: R.vel } }));
    if (ops.length && S.canEdit) push(ops);
  }
  function deleteSel() {
    const ops = selected().map((n) => ({ op: 'delete', id: n.id }));
    if (ops.length && S.canEdit) { push(ops); R.sel.clear(); render(); }
  }
  // Keyboard drawing: a note of one grid step after the last selected note
  // (same pitch), or at the clip's content start on C4; it becomes the selection.
  function insertNote() {
    if (!S.canEdit) return;
    const sel = selected();
    const last = sel.reduce((a, n) => (!a || n.at + n.len > a.at + a.len ? n : a), null);
    const [from] = clipTickRange(clip(), S.doc.project.tempo, S.doc.rate);
    const at = last ? last.at + last.len : snapTick(from, R.grid, 'round');
    const id = newId('n_');
    const n = clampNote({ at, len: R.grid, pitch: last ? last.pitch : 60, vel: R.vel });
    S.session.push([{ op: 'create', id, kind: 'note', fields: { clip: clipId, ...n } }]);
    R.sel = new Set([id]);
    render();
    audition(S, clip().track, n.pitch, n.vel, 250);
  }
  function nudge(d) {
    const ops = shiftOps(selected(), d);
    if (ops.length && S.canEdit) push(ops);
  }

  // The tick and pitch under a pointer event.
  function at(e) {
    const r = grid.getBoundingClientRect();
    return { tick: R.t0 + (e.clientX - r.left) / ppt(), pitch: Math.max(0, Math.min(127, 127 - Math.floor((e.clientY - r.top) / ROW_H))) };
  }

  grid.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    scroll.focus({ preventScroll: true });
    const p0 = at(e);
    const noteEl = e.target.closest('.pr-note');
    if (noteEl) return grabNote(e, noteEl, p0);
    if (e.shiftKey || !S.canEdit) return lasso(e, p0);
    return drawNote(e, p0);
  });

  // Shift+drag on an empty spot: selects the notes the rectangle touches.
  function lasso(e, p0) {
    const box = h('div.pr-lasso');
    notesBox.append(box);
    grid.setPointerCapture(e.pointerId);
    R.drag = { kind: 'lasso' };
    let p1 = p0;
    const show = () => {
      const [ta, tb] = [Math.min(p0.tick, p1.tick), Math.max(p0.tick, p1.tick)];
      const [pa, pb] = [Math.min(p0.pitch, p1.pitch), Math.max(p0.pitch, p1.pitch)];
      box.style.left = `${x(ta)}px`; box.style.width = `${x(tb) - x(ta)}px`;
      box.style.top = `${y(pb)}px`; box.style.height = `${(pb - pa + 1) * ROW_H}px`;
      return { ta, tb, pa, pb };
    };
    show();
    const move = (ev) => { p1 = at(ev); show(); };
    const up = () => {
      grid.removeEventListener('pointermove', move);
      grid.removeEventListener('pointerup', up);
      grid.removeEventListener('pointercancel', up);
      const r = show();
      box.remove();
      R.drag = null;
      const ids = notesOf(S.doc, clipId).filter((n) => n.pitch >= r.pa && n.pitch <= r.pb && n.at < r.tb && n.at + n.len > r.ta).map((n) => n.id);
      select(ids, 'toggle');
    };
    grid.addEventListener('pointermove', move);
    grid.addEventListener('pointerup', up);
    grid.addEventListener('pointercancel', up);
  }

  function drawNote(e, p0) {
    const start = R.snap ? snapTick(p0.tick, R.grid, 'floor') : Math.max(0, Math.round(p0.tick));
    const minLen = R.snap ? R.grid : 1;
    const ghost = h('div.pr-note.ghost');
    notesBox.append(ghost);
    let n = { at: start, len: minLen, pitch: p0.pitch, vel: R.vel };
    place(ghost, n);
    grid.setPointerCapture(e.pointerId);
    R.drag = { kind: 'draw' };
    const move = (ev) => {
      const t = at(ev).tick;
      const end = R.snap ? snapTick(t, R.grid, 'round') : Math.round(t);
      n = { ...n, len: Math.max(minLen, end - start) };
      place(ghost, n);
    };
    const up = () => {
      grid.removeEventListener('pointermove', move);
      grid.removeEventListener('pointerup', up);
      grid.removeEventListener('pointercancel', up);
      ghost.remove();
      R.drag = null;
      const id = newId('n_');
      S.session.push([{ op: 'create', id, kind: 'note', fields: { clip: clipId, ...clampNote(n) } }]);
      R.sel = new Set([id]);
      render();
    };
    grid.addEventListener('pointermove', move);
    grid.addEventListener('pointerup', up);
    grid.addEventListener('pointercancel', up);
  }

  function grabNote(e, el, p0) {
    const id = el.dataset.note;
    const additive = e.shiftKey || e.ctrlKey || e.metaKey;
    if (additive) select([id], 'toggle');
    else if (!R.sel.has(id)) select([id]);
    if (!S.canEdit || !R.sel.has(id)) return;
    const mode = e.target.dataset.edge === 'resize' ? 'resize' : 'move';
    const n0 = S.doc.get(id);
    const group = selected();
    let ops = [];
    let moved = false;
    R.drag = { kind: mode, ids: new Set(group.map((n) => n.id)) };
    grid.setPointerCapture(e.pointerId);
    const move = (ev) => {
      const p = at(ev);
      const dt = p.tick - p0.tick;
      if (!moved && Math.abs(dt * ppt()) < 3 && p.pitch === p0.pitch) return;
      moved = true;
      if (mode === 'move') {
        const dAt = (R.snap ? snapTick(n0.at + dt, R.grid, 'round') : Math.round(n0.at + dt)) - n0.at;
        ops = shiftOps(group, { dAt, dPitch: p.pitch - p0.pitch });
      } else {
        const end = R.snap ? snapTick(n0.at + n0.len + dt, R.grid, 'round') : Math.round(n0.at + n0.len + dt);
        const len = Math.max(R.snap ? R.grid : 1, end - n0.at);
        ops = shiftOps(group, { dLen: len - n0.len });
      }
      const byId = new Map(ops.map((o) => [o.id, o.fields]));
      for (const n of group) place(R.els.get(n.id), { ...n, ...byId.get(n.id) });
    };
    const up = () => {
      grid.removeEventListener('pointermove', move);
      grid.removeEventListener('pointerup', up);
      grid.removeEventListener('pointercancel', up);
      R.drag = null;
      if (moved && ops.length) push(ops);
      else if (!additive && moved === false) select([id]);
      render();
    };
    grid.addEventListener('pointermove', move);
    grid.addEventListener('pointerup', up);
    grid.addEventListener('pointercancel', up);
  }

  // ---- keyboard ----
  P.el.addEventListener('keydown', (e) => {
    const t = e.target;
    if (t && (t.tagName === 'INPUT' && t.type !== 'range' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    const mod = e.ctrlKey || e.metaKey;
    let done = true;
    if (mod && (e.key === 'a' || e.key === 'A')) select(notesOf(S.doc, clipId).map((n) => n.id));
    else if (mod && (e.key === 'z' || e.key === 'Z')) { if (S.canEdit) { if (e.shiftKey) S.session.redo(); else S.session.undo(); } }
    else if (mod) done = false;
    else if (e.key === 'Delete' || e.key === 'Backspace') deleteSel();
    else if (e.key === 'n' || e.key === 'N' || e.key === 'Insert') insertNote();
    else if (e.key === 'ArrowLeft') nudge(e.shiftKey ? { dLen: -R.grid } : { dAt: -R.grid });
    else if (e.key === 'ArrowRight') nudge(e.shiftKey ? { dLen: R.grid } : { dAt: R.grid });
    else if (e.key === 'ArrowUp') nudge({ dPitch: e.shiftKey ? 12 : 1 });
    else if (e.key === 'ArrowDown') nudge({ dPitch: e.shiftKey ? -12 : -1 });
    else if (e.key === ' ' && !(t && t.tagName === 'BUTTON')) { if (S.transport) S.transport.toggle(); }
    else if (e.key === 'Escape') { if (R.sel.size) select([]); else P.close(); }
    else done = false;
    if (done) { e.preventDefault(); e.stopPropagation(); }
  });

  // ---- live ----
  const onChange = (e) => {
    const d = e.detail || {};
    if (!clip()) { render(); return; }
    const r = range();
    if (r.t0 !== R.t0 || r.t1 !== R.t1) layout(); else render(d.touched, d.remote);
  };
  S.session.addEventListener('change', onChange);
  scroll.addEventListener('scroll', draw);
  const ro = new ResizeObserver(() => layout());
  ro.observe(scroll);
  let raf = 0;
  const tick = () => {
    raf = requestAnimationFrame(tick);
    const c = clip();
    if (!c) return;
    const p = S.doc.project;
    const t = frameToTick(S.playhead - (c.start - (c.offset || 0)), p.tempo, S.doc.rate);
    playhead.style.left = `${x(t)}px`;
    playhead.classList.toggle('hidden', t < R.t0 || t > R.t1);
  };
  raf = requestAnimationFrame(tick);
  P.onClose(() => {
    S.session.removeEventListener('change', onChange);
    ro.disconnect();
    cancelAnimationFrame(raf);
    rec.stop();
  });

  if (S.canEdit && S.transport) S.transport.player.ready(); // the first audition is heard at once
  layout();
  // Scroll to the notes (or to C3..C5).
  const ns = notesOf(S.doc, clipId);
  const mid = ns.length ? ns.reduce((s, n) => s + n.pitch, 0) / ns.length : 60;
  scroll.scrollTop = Math.max(0, y(Math.round(mid)) - scroll.clientHeight / 2);
  scroll.focus({ preventScroll: true });
  const api = {
    el: P.el, kind: 'roll', clipId, close: P.close, select, render, midi: rec,
    geometry: () => ({ ppt: ppt(), t0: R.t0, rowH: ROW_H, grid: R.grid }),
    get selection() { return [...R.sel]; },
  };
  S.noteEditor = api;
  setVal(gridSel, String(R.grid));
  return api;
}

/**
 * Draws a clip's notes into its timeline canvas (a mini piano roll): the
 * canvas covers frames [viewFrom, ...) of the clip at framesPerPx.
 */
export function drawMiniRoll(canvas, clip, notes, viewFrom, framesPerPx, color, tempo, rate) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, canvas.clientWidth || parseFloat(canvas.style.width) || 1);
  const hgt = Math.max(1, canvas.clientHeight || 60);
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(hgt * dpr)) canvas.height = Math.round(hgt * dpr);
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, hgt);
  if (!notes.length) return;
  let lo = 127, hi = 0;
  for (const n of notes) { lo = Math.min(lo, n.pitch); hi = Math.max(hi, n.pitch); }
  lo = Math.max(0, lo - 2); hi = Math.min(127, hi + 2);
  const rows = hi - lo + 1;
  const top = 2, usable = Math.max(8, hgt - top - 4);
  const rh = Math.max(1, Math.min(6, usable / rows));
  const base = clip.start - (clip.offset || 0);
  const end = clip.start + clip.length;
  g.fillStyle = color;
  for (const n of notes) {
    const f0 = Math.max(clip.start, base + Math.round((n.at * 60 * rate) / (tempo * TPQ)));
    const f1 = Math.min(end, base + Math.round(((n.at + n.len) * 60 * rate) / (tempo * TPQ)));
    if (f1 <= f0) continue;
    const x0 = (f0 - viewFrom) / framesPerPx;
    if (x0 > w) continue;
    const yy = top + (hi - n.pitch) * (usable / rows);
    g.globalAlpha = 0.5 + 0.5 * (n.vel / 127);
    g.fillRect(x0, yy, Math.max(1.5, (f1 - f0) / framesPerPx - 0.5), rh);
  }
  g.globalAlpha = 1;
}
