// selection.js -- selecting clips on the timeline beyond a single click
// (which clipedit.js handles, with shift/ctrl-click adding or removing): a
// rubber-band drag on an empty part of the lanes selects every clip it
// touches, across tracks (with Shift it adds to the selection), and the
// selected track (S.selectedTrack: the track of the last clicked lane or
// clip), where paste and recording go.

import { h } from './ui.js';

const THRESHOLD = 4; // px before a press becomes a band

/** Marks track id as the selected track (its header shows it). */
export function selectTrack(S, tl, id) {
  S.selectedTrack = id;
  for (const [tid, row] of tl.rows) row.el.classList.toggle('track-selected', tid === id);
}

/**
 * A press on the empty lane of `row` at event e: a click (no movement)
 * calls onClick(); a drag draws a band and selects the clips under it.
 */
export function startBand(S, tl, e, row, onClick) {
  const content = tl.content;
  const c0 = content.getBoundingClientRect();
  const x0 = e.clientX - c0.left, y0 = e.clientY - c0.top;
  const additive = e.shiftKey;
  const before = new Set(S.selection);
  let band = null;
  let ids = [];
  selectTrack(S, tl, row.id);
  const move = (ev) => {
    const c = content.getBoundingClientRect();
    const x1 = ev.clientX - c.left, y1 = ev.clientY - c.top;
    if (!band && Math.hypot(x1 - x0, y1 - y0) < THRESHOLD) return;
    if (!band) {
      band = h('div.rubberband', { 'aria-hidden': 'true' });
      content.append(band);
      document.body.classList.add('banding'); // no text selection of the headers while dragging
      window.getSelection()?.removeAllRanges();
    }
    const l = Math.min(x0, x1), t = Math.min(y0, y1), w = Math.abs(x1 - x0), hh = Math.abs(y1 - y0);
    Object.assign(band.style, { left: `${l}px`, top: `${t}px`, width: `${w}px`, height: `${hh}px` });
    // the clips whose boxes meet the band, in client coordinates
    const br = { left: c.left + l, top: c.top + t, right: c.left + l + w, bottom: c.top + t + hh };
    ids = [];
    for (const [id, rec] of tl.clips) {
      const r = rec.el.getBoundingClientRect();
      if (r.right > br.left && r.left < br.right && r.bottom > br.top && r.top < br.bottom) ids.push(id);
    }
    const next = additive ? new Set([...before, ...ids]) : new Set(ids);
    for (const [id, rec] of tl.clips) rec.el.classList.toggle('selected', next.has(id));
  };
  const up = () => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', up);
    if (!band) { onClick(); return; }
    band.remove();
    document.body.classList.remove('banding');
    S.select(additive ? [...new Set([...before, ...ids])] : ids);
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
  window.addEventListener('pointercancel', up);
}
