// overview.js -- the overview strip above the timeline (role region,
// aria-label "Overview"): the whole song at a glance, one thin lane per
// track with its clips in the track's colour, the playhead, and a frame
// showing the part the timeline shows. Clicking or dragging in the strip
// moves the view there; the frame is focusable and moves with the arrow
// keys (Home/End to the ends). Redrawn with the timeline (S.onDraw).

import { h } from './ui.js';

export function createOverview(S, tl) {
  const canvas = h('canvas.ov-canvas', { 'aria-hidden': 'true' });
  const view = h('div.ov-view', { tabindex: '0', role: 'slider', 'aria-label': 'Visible part of the song',
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' });
  const el = h('div.overview', { role: 'region', 'aria-label': 'Overview', title: 'The whole song: click or drag to move the view' }, canvas, view);
  let total = 1; // frames the strip spans

  const span = () => Math.max(S.doc.end(), S.doc.rate * 10, ...tl.visible()) * 1.02;
  const width = () => Math.max(1, el.clientWidth);

  function draw() {
    const w = width();
    const hgt = el.clientHeight || 28;
    const dpr = window.devicePixelRatio || 1;
    total = span();
    if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
    if (canvas.height !== Math.round(hgt * dpr)) canvas.height = Math.round(hgt * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${hgt}px`;
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    const ts = S.doc.tracks();
    const lane = ts.length ? Math.max(2, Math.min(8, (hgt - 4) / ts.length)) : 0;
    const rowOf = new Map(ts.map((t, i) => [t.id, i]));
    for (const c of S.doc.ofKind('clip')) {
      const i = rowOf.get(c.track);
      if (i === undefined) continue;
      const t = ts[i];
      g.fillStyle = t.color || '#888';
      g.globalAlpha = c.mute ? 0.3 : 0.85;
      g.fillRect((c.start / total) * w, 2 + i * lane, Math.max(1, (c.length / total) * w), Math.max(1, lane - 1));
    }
    g.globalAlpha = 1;
    g.fillStyle = '#fff';
    g.fillRect(Math.round((S.playhead / total) * w), 0, 1, hgt);
    const [a, b] = tl.visible();
    view.style.left = `${(a / total) * w}px`;
    view.style.width = `${Math.max(6, ((b - a) / total) * w)}px`;
    view.setAttribute('aria-valuenow', String(Math.round((a / total) * 100)));
    view.setAttribute('aria-valuetext', `${fmt(a)} to ${fmt(b)} of ${fmt(S.doc.end())}`);
  }
  const fmt = (f) => {
    const s = Math.round(f / S.doc.rate);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };

  /** Centres the timeline's view on the frame under clientX. */
  function moveTo(clientX) {
    const r = el.getBoundingClientRect();
    const [a, b] = tl.visible();
    const f = ((clientX - r.left) / width()) * total;
    tl.scrollToFrame(Math.max(0, f - (b - a) / 2));
  }
  el.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    moveTo(e.clientX);
    el.setPointerCapture?.(e.pointerId);
    const mv = (ev) => moveTo(ev.clientX);
    const up = () => { el.removeEventListener('pointermove', mv); el.removeEventListener('pointerup', up); };
    el.addEventListener('pointermove', mv);
    el.addEventListener('pointerup', up);
  });
  view.addEventListener('keydown', (e) => {
    const [a, b] = tl.visible();
    const page = b - a;
    const to = { ArrowLeft: a - page / 4, ArrowRight: a + page / 4, PageUp: a - page, PageDown: a + page, Home: 0, End: S.doc.end() - page }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    tl.scrollToFrame(Math.max(0, to));
  });
  new ResizeObserver(() => draw()).observe(el);
  return { el, draw };
}
