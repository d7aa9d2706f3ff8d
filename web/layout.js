// layout.js -- what CSS alone cannot do for phones and tablets: the phone
// "listen and review" view of the studio (width <= 600 px). It shows the
// time, the mix's waveform overview of the whole song (every unmuted
// clip's peaks folded into one envelope) with the comment pins on it, and
// keeps the comments panel open below. The overview is a slider: tap or
// drag seeks, arrow keys step a second (Shift: ten), Home/End jump; a pin
// is a 44 px button that opens its comment and seeks there. Editing
// chrome (mixer, inspector, tracks, edit buttons) is hidden by
// web/mobile.css, not squeezed; this file only switches the view
// (the `phone` class on the studio, from matchMedia) and draws. It also
// adds the keyboard's way to select a clip (Enter on a focused clip).

import { h, fmtTime } from './ui.js';
import { peaksFor } from './waveform.js';

export const PHONE_QUERY = '(max-width: 600px)';
const PIN_W = 44;   // a pin's touch target, px
const PIN_ROWS = 3; // rows of pins under the overview

/**
 * The coarsest peak level whose frames per pair still fits in fpp frames
 * (the same choice waveform.js makes for clips).
 */
function levelFor(peaks, fpp) {
  let best = peaks.levels[0];
  for (const l of peaks.levels) if (l.fpp <= fpp) best = l;
  return best;
}

/**
 * Folds the unmuted clips of doc into one envelope of `width` columns over
 * [0, total) frames: env[x] is the largest |sample| / 32767 (times the
 * clip gain) any clip reaches in column x. peaksOf(clip) returns the
 * clip's asset peaks or null (not loaded yet: the clip adds nothing).
 */
export function mixEnvelope(doc, width, total, peaksOf) {
  const env = new Float32Array(Math.max(1, width));
  if (total <= 0) return env;
  const fpx = total / width;
  const muted = new Set(doc.tracks().filter((t) => t.mute).map((t) => t.id));
  for (const c of doc.ofKind('clip')) {
    if (c.mute || muted.has(c.track) || !(c.length > 0)) continue;
    const peaks = peaksOf(c);
    if (!peaks) continue;
    const lv = levelFor(peaks, fpx);
    const ch = peaks.channels;
    const gain = c.gain === null || c.gain === undefined ? 1 : Math.min(4, Math.pow(10, c.gain / 20));
    const x0 = Math.max(0, Math.floor(c.start / fpx));
    const x1 = Math.min(width, Math.ceil((c.start + c.length) / fpx));
    for (let x = x0; x < x1; x++) {
      const t0 = Math.max(0, x * fpx - c.start);
      const t1 = Math.min(c.length, (x + 1) * fpx - c.start);
      if (t1 <= t0) continue;
      const p0 = Math.floor(((c.offset || 0) + t0) / lv.fpp);
      const p1 = Math.min(lv.count, Math.max(p0 + 1, Math.ceil(((c.offset || 0) + t1) / lv.fpp)));
      let m = 0;
      for (let p = p0; p < p1; p++) {
        for (let k = 0; k < ch; k++) {
          const i = (p * ch + k) * 2;
          m = Math.max(m, -lv.data[i], lv.data[i + 1]);
        }
      }
      env[x] = Math.max(env[x], Math.min(1, (m / 32767) * gain));
    }
  }
  return env;
}

/**
 * Installs the phone view in the studio element `studio` (inserted after
 * `before`), driven by S (the studio state: doc, playhead, setPlayhead,
 * session) and comments (comments.js: jump, roots via the session).
 * showComments() opens the comments panel. Returns {el, render, close}.
 */
export function installLayout(S, studio, before, comments, showComments) {
  const time = h('output.ltime', { 'aria-live': 'off', 'aria-label': 'Position' }, '0:00');
  const canvas = h('canvas.lcanvas', { 'aria-hidden': 'true' });
  const head = h('div.lhead', { 'aria-hidden': 'true' });
  const pins = h('div.lpins', { role: 'group', 'aria-label': 'Comment pins' });
  const wave = h('div.lwave', { role: 'slider', tabindex: '0', 'aria-label': 'Song position',
    'aria-valuemin': '0', 'aria-valuemax': '0', 'aria-valuenow': '0' }, canvas, head);
  const el = h('section.listen', { 'aria-label': 'Song overview' },
    h('div.lrow', {}, time, h('span.ltotal.dim', {}, '')), h('div.lbox', {}, wave, pins));
  before.after(el);
  const title = h('h1.visually-hidden', {}, 'Studio'); // the page's heading for screen readers (the name field is an input)
  (studio.querySelector('.topbar') || studio).prepend(title);

  const phone = window.matchMedia(PHONE_QUERY);
  const total = () => Math.max(S.doc.end(), S.doc.rate); // at least a second
  const ratio = (clientX) => {
    const r = wave.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientX - r.left) / Math.max(1, r.width)));
  };
  let drawn = '';
  let queued = 0;

  function draw() {
    queued = 0;
    if (!phone.matches) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const hh = Math.max(1, Math.round(canvas.clientHeight * dpr));
    const T = total();
    let loading = false;
    const env = mixEnvelope(S.doc, w, T, (c) => {
      const a = S.session.assets.get(c.asset);
      const p = peaksFor(c.asset, !a || a.state === 'ready', () => schedule());
      if (!p) loading = true;
      return p;
    });
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== hh) canvas.height = hh;
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, w, hh);
    g.fillStyle = '#5aa9ff';
    const mid = hh / 2;
    for (let x = 0; x < w; x++) {
      const a = Math.max(dpr / 2, env[x] * (mid - 2));
      g.fillRect(x, mid - a, 1, 2 * a);
    }
    drawn = loading ? '' : `${w}x${hh}`;
    canvas.dataset.drawn = drawn;
    place();
  }
  function schedule() { if (!queued) queued = requestAnimationFrame(draw); }

  /** Moves the playhead line, the time and the slider's value. */
  function place() {
    const T = total();
    head.style.left = `${(100 * Math.min(S.playhead, T)) / T}%`;
    time.textContent = fmtTime(S.playhead, S.doc.rate).replace(/\.\d+$/, '');
    el.querySelector('.ltotal').textContent = `/ ${fmtTime(T, S.doc.rate).replace(/\.\d+$/, '')}`;
    wave.setAttribute('aria-valuemax', String(Math.round(T / S.doc.rate)));
    wave.setAttribute('aria-valuenow', String(Math.round(S.playhead / S.doc.rate)));
    wave.setAttribute('aria-valuetext', `${fmtTime(S.playhead, S.doc.rate)} of ${fmtTime(T, S.doc.rate)}`);
  }

  /**
   * The comment pins: one 44 px button per thread at its time; pins closer
   * than a button's width go to the next row (up to PIN_ROWS rows) so that
   * every pin stays tappable.
   */
  function renderPins() {
    const T = total();
    const W = Math.max(1, pins.clientWidth);
    const roots = [...S.session.comments.values()].filter((c) => !c.parent).sort((a, b) => a.at - b.at);
    const keep = new Set();
    const rowEnd = []; // per row: the right edge (px) of its last pin
    for (const c of roots) {
      keep.add(c.id);
      let p = pins.querySelector(`[data-comment="${c.id}"]`);
      if (!p) {
        p = h('button.lpin', { type: 'button', dataset: { comment: c.id },
          onclick: () => { const x = S.session.comments.get(c.id); if (x) { comments.jump(x, false); showComments(); } } }, h('span.ldot'));
        pins.append(p);
      }
      const x = (W * Math.min(c.at, T)) / T;
      let row = rowEnd.findIndex((r) => x - PIN_W / 2 >= r);
      if (row < 0) row = rowEnd.length < PIN_ROWS ? rowEnd.length : PIN_ROWS - 1;
      rowEnd[row] = x + PIN_W / 2;
      p.style.left = `${(100 * Math.min(c.at, T)) / T}%`;
      p.style.top = `${row * PIN_W}px`;
      p.style.setProperty('--who', S.colorOf(c.author));
      p.classList.toggle('resolved', !!c.resolved);
      const m = S.session.member(c.author);
      p.setAttribute('aria-label', `Comment by ${m ? m.display_name || m.name : 'a guest'} at ${fmtTime(c.at, S.doc.rate)}: ${c.body}`);
    }
    for (const p of [...pins.children]) if (!keep.has(p.dataset.comment)) p.remove();
    el.style.setProperty('--pin-rows', String(Math.max(1, rowEnd.length)));
  }

  // tap / drag seeks; keys step
  wave.addEventListener('pointerdown', (e) => {
    wave.setPointerCapture(e.pointerId);
    S.setPlayhead(ratio(e.clientX) * total());
    const move = (ev) => S.setPlayhead(ratio(ev.clientX) * total());
    const up = () => { wave.removeEventListener('pointermove', move); wave.removeEventListener('pointerup', up); };
    wave.addEventListener('pointermove', move);
    wave.addEventListener('pointerup', up);
  });
  wave.addEventListener('keydown', (e) => {
    const step = S.doc.rate * (e.shiftKey ? 10 : 1);
    const to = { ArrowLeft: S.playhead - step, ArrowDown: S.playhead - step, ArrowRight: S.playhead + step, ArrowUp: S.playhead + step,
      PageDown: S.playhead - 10 * S.doc.rate, PageUp: S.playhead + 10 * S.doc.rate, Home: 0, End: total() }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation(); // the studio's own arrow keys step a beat
    S.setPlayhead(Math.min(total(), Math.max(0, to)));
  });

  // the keyboard on the timeline: Enter on a focused clip selects it
  // (Shift+Enter adds it to / takes it from the selection), as a click does
  const onClipKey = (e) => {
    const c = e.target && e.target.closest && e.target.closest('.clip[data-clip]');
    if (!c || e.key !== 'Enter' || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    S.select([c.dataset.clip], e.shiftKey ? 'toggle' : undefined);
  };
  studio.addEventListener('keydown', onClipKey);

  function onPhone() {
    studio.classList.toggle('phone', phone.matches);
    if (phone.matches) { showComments(); schedule(); renderPins(); }
  }
  phone.addEventListener('change', onPhone);
  const ro = new ResizeObserver(() => schedule());
  ro.observe(wave);
  onPhone();

  return {
    el,
    /** Redraws after a document or comment change (cheap when not a phone). */
    render() {
      title.textContent = `${S.doc.project.name || 'Project'} — studio`;
      if (phone.matches) { schedule(); renderPins(); }
    },
    place() { if (phone.matches) place(); },
    close() { phone.removeEventListener('change', onPhone); ro.disconnect(); if (queued) cancelAnimationFrame(queued); },
  };
}
