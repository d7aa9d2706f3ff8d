// stepseq.js -- the step sequencer of a clip on a drum track: one row per
// sound of the General MIDI kit (instruments.js KIT), 16 steps a bar (a
// step is a 16th note, 240 ticks), 2 bars a page. A step is a toggle
// button (aria-pressed): on creates a note at step * 240 ticks lasting one
// step, off deletes the note that starts in that step. Shift+click toggles
// an accent (velocity 127 vs 100). Arrow keys move between steps, Space /
// Enter toggles; the row name plays the sound (`audition`). The step under
// the playhead is lit while the song plays; collaborators' edits appear live.

import { h } from './ui.js';
import { newId } from './doc.js';
import { STEP_TICKS, barTicks, clipTickRange, frameToTick, notesOf, noteAtStep, toggleStepOps } from './notes.js';
import { KIT } from './instruments.js';
import { notePanel, audition } from './pianoroll.js';

const PAGE_BARS = 2;

/** Opens the step sequencer of clip clipId; returns its handle. */
export function openStepSeq(S, clipId) {
  const c0 = S.doc.get(clipId);
  if (!c0) return null;
  if (S.noteEditor) S.noteEditor.close();
  const track0 = S.doc.get(c0.track);
  const P = notePanel(S, `Step sequencer — ${track0 ? track0.name : ''}${c0.name ? ` / ${c0.name}` : ''}`, 'stepseq');
  let page = 0;
  const cells = new Map(); // "step:pitch" -> button
  const pageLbl = h('span.np-count', { 'aria-live': 'polite' });
  const prev = h('button', { 'aria-label': 'Previous bars', onclick: () => { page = Math.max(0, page - 1); build(); } }, '◀');
  const next = h('button', { 'aria-label': 'Next bars', onclick: () => { page += 1; build(); } }, '▶');
  const rollBtn = h('button', { 'aria-label': 'Show the piano roll', onclick: () => S.openNotes && S.openNotes(clipId, 'roll') }, 'Piano roll');
  const instBtn = h('button', { 'aria-label': 'Edit the instrument', onclick: () => S.openInstrument && S.openInstrument(S.doc.get(clipId)?.track) }, 'Instrument');
  P.bar.append(prev, pageLbl, next, rollBtn, instBtn, h('span.small.dim', {}, 'Shift+click: accent'));
  const gridEl = h('div.ss-grid', { role: 'grid', 'aria-label': 'Drum steps' });
  P.body.append(gridEl);

  const clip = () => S.doc.get(clipId);
  // The steps the clip shows: [first, last) in step numbers of its content.
  function steps() {
    const c = clip();
    const p = S.doc.project;
    const [from, to] = clipTickRange(c, p.tempo, S.doc.rate);
    const perBar = Math.max(1, Math.round(barTicks(p.meter) / STEP_TICKS));
    const first = Math.floor(from / STEP_TICKS);
    const last = Math.max(first + 1, Math.ceil(to / STEP_TICKS));
    return { first, last, perBar };
  }

  function build() {
    const { first, last, perBar } = steps();
    const per = perBar * PAGE_BARS;
    const pages = Math.max(1, Math.ceil((last - first) / per));
    page = Math.min(page, pages - 1);
    const a = first + page * per, b = Math.min(last, a + per);
    prev.disabled = page === 0; next.disabled = page >= pages - 1;
    pageLbl.textContent = `bars ${Math.floor(a / perBar) + 1}–${Math.ceil(b / perBar)} of ${Math.ceil(last / perBar)}`;
    cells.clear();
    gridEl.style.setProperty('--steps', String(b - a));
    const rows = KIT.map(([pitch, name]) => {
      const label = h('button.ss-name', { 'aria-label': `Play ${name}`, title: `${name} (note ${pitch})`,
        onclick: () => audition(S, S.doc.get(clipId)?.track, pitch, 110) }, name);
      const btns = [];
      for (let s = a; s < b; s++) {
        const btn = h('button.ss-step', { role: 'gridcell', 'aria-label': `${name} step ${s - first + 1}`, 'aria-pressed': 'false',
          dataset: { step: s, pitch }, tabindex: '-1' });
        if ((s % perBar) % 4 === 0) btn.classList.add('beat');
        if (s % perBar === 0) btn.classList.add('bar');
        btn.addEventListener('click', (e) => toggle(s, pitch, e.shiftKey));
        btns.push(btn);
        cells.set(`${s}:${pitch}`, btn);
      }
      return h('div.ss-row', { role: 'row' }, label, ...btns);
    });
    gridEl.replaceChildren(...rows);
    const firstCell = gridEl.querySelector('.ss-step');
    if (firstCell) firstCell.tabIndex = 0;
    render();
  }

  function toggle(step, pitch, accent) {
    if (!S.canEdit) return;
    const ns = notesOf(S.doc, clipId);
    const n = noteAtStep(ns, step, pitch);
    if (n && accent) { S.session.push([{ op: 'set', id: n.id, fields: { vel: n.vel >= 127 ? 100 : 127 } }]); return; }
    S.session.push(toggleStepOps(ns, clipId, step, pitch, newId('n_'), accent ? 127 : 100));
  }

  function render(touched, remote) {
    if (!clip()) { P.close(); return; }
    const ns = notesOf(S.doc, clipId);
    for (const [key, btn] of cells) {
      const [s, p] = key.split(':').map(Number);
      const n = noteAtStep(ns, s, p);
      btn.setAttribute('aria-pressed', String(!!n));
      btn.classList.toggle('accent', !!n && n.vel >= 120);
      btn.disabled = !S.canEdit;
      if (n && remote && touched && touched.has(n.id)) {
        btn.classList.add('remote-edit');
        btn.style.setProperty('--who', S.colorOf(remote.user));
        setTimeout(() => btn.classList.remove('remote-edit'), 700);
      }
    }
  }

  // Arrow keys move focus between steps (a roving tab stop).
  gridEl.addEventListener('keydown', (e) => {
    const b = e.target.closest('.ss-step');
    if (!b) return;
    const row = b.parentNode;
    const i = [...row.children].indexOf(b);
    let target = null;
    if (e.key === 'ArrowRight') target = row.children[i + 1];
    else if (e.key === 'ArrowLeft') target = i > 1 ? row.children[i - 1] : null;
    else if (e.key === 'ArrowUp') target = row.previousElementSibling && row.previousElementSibling.children[i];
    else if (e.key === 'ArrowDown') target = row.nextElementSibling && row.nextElementSibling.children[i];
    else if (e.key === 'Escape') { P.close(); e.stopPropagation(); return; }
    else return;
    e.preventDefault();
    if (target && target.classList.contains('ss-step')) { b.tabIndex = -1; target.tabIndex = 0; target.focus(); }
  });
  P.el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.stopPropagation(); P.close(); }
    else if ((e.ctrlKey || e.metaKey) && (e.key === 'z' || e.key === 'Z') && S.canEdit) {
      e.preventDefault(); if (e.shiftKey) S.session.redo(); else S.session.undo();
    }
  });

  const onChange = (e) => {
    const d = e.detail || {};
    if (!clip()) { render(); return; }
    const s = steps();
    if (gridEl.dataset.key !== `${s.first}:${s.last}:${s.perBar}`) { gridEl.dataset.key = `${s.first}:${s.last}:${s.perBar}`; build(); }
    else render(d.touched, d.remote);
  };
  S.session.addEventListener('change', onChange);
  let raf = 0, lit = null;
  const tick = () => {
    raf = requestAnimationFrame(tick);
    const c = clip();
    if (!c) return;
    const p = S.doc.project;
    const playing = S.transport && S.transport.player && S.transport.player.playing;
    const t = frameToTick(S.playhead - (c.start - (c.offset || 0)), p.tempo, S.doc.rate);
    const step = playing && S.playhead >= c.start && S.playhead < c.start + c.length ? Math.floor(t / STEP_TICKS) : null;
    if (step === lit) return;
    for (const btn of gridEl.querySelectorAll('.ss-step.now')) btn.classList.remove('now');
    lit = step;
    if (step !== null) for (const btn of gridEl.querySelectorAll(`.ss-step[data-step="${step}"]`)) btn.classList.add('now');
  };
  raf = requestAnimationFrame(tick);
  P.onClose(() => { S.session.removeEventListener('change', onChange); cancelAnimationFrame(raf); });

  const s0 = steps();
  gridEl.dataset.key = `${s0.first}:${s0.last}:${s0.perBar}`;
  build();
  const firstCell = gridEl.querySelector('.ss-step');
  if (firstCell) firstCell.focus();
  const api = { el: P.el, kind: 'steps', clipId, close: P.close, render };
  S.noteEditor = api;
  return api;
}
