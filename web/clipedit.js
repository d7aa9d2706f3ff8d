// clipedit.js -- editing clips on the timeline: pointer gestures on a clip
// (move, across tracks too; trim either edge; drag the fade handles), each
// previewed locally and sent as one push when the pointer is released; and
// the commands split at the playhead, duplicate, delete and rename (a note
// clip's notes follow: split moves the later ones to the right part,
// duplicate copies them).

import { newId } from './doc.js';
import { ask } from './ui.js';
import { notesOf, noteFrame } from './notes.js';
import { selectTrack } from './selection.js';

const MIN_LEN = 64; // frames

/** The asset's length in frames, or Infinity when unknown. */
function assetFrames(S, c) {
  const a = S.session.assets.get(c.asset);
  return a && a.frames ? a.frames : Infinity;
}

/** Pointer gestures on one clip element (rec.el). tl is the timeline. */
export function attachClipGestures(S, tl, rec) {
  rec.el.addEventListener('dblclick', (e) => { e.stopPropagation(); renameClip(S, rec.id); });
  rec.el.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.stopPropagation();
    const c0 = S.doc.get(rec.id);
    if (!c0) return;
    if (e.shiftKey || e.ctrlKey || e.metaKey) S.select([rec.id], 'toggle');
    else if (!S.selection.has(rec.id)) S.select([rec.id]);
    selectTrack(S, tl, c0.track);
    rec.el.focus({ preventScroll: true });
    if (!S.canEdit) return;
    const mode = e.target.dataset.edge || 'move';
    const x0 = e.clientX;
    const grabOffset = tl.frameAt(e.clientX) - c0.start;
    let next = { ...c0 };
    let moved = false;
    rec.el.setPointerCapture(e.pointerId);
    rec.dragging = true;
    rec.el.classList.add('dragging');
    const move = (ev) => {
      const d = (ev.clientX - x0) * S.zoom;
      if (!moved && Math.abs(ev.clientX - x0) < 3 && mode === 'move' && Math.abs(ev.movementY) < 3) return;
      moved = true;
      next = { ...c0 };
      if (mode === 'move') {
        next.start = tl.snap(tl.frameAt(ev.clientX) - grabOffset);
        const t = tl.trackAt(ev.clientY);
        if (t && t.role !== 'bus' && (t.role === 'instrument') === !c0.asset) next.track = t.id; // note clips stay on instrument tracks
      } else if (mode === 'trim-l') {
        let start = tl.snap(c0.start + d);
        start = Math.max(start, c0.start - c0.offset, 0);
        start = Math.min(start, c0.start + c0.length - MIN_LEN);
        const delta = start - c0.start;
        next.start = start;
        next.offset = c0.offset + delta;
        next.length = c0.length - delta;
        next.fade_in = Math.min(c0.fade_in, next.length - next.fade_out);
      } else if (mode === 'trim-r') {
        let end = tl.snap(c0.start + c0.length + d);
        end = Math.min(end, c0.start + assetFrames(S, c0) - c0.offset);
        end = Math.max(end, c0.start + MIN_LEN);
        next.length = end - c0.start;
        next.fade_out = Math.min(c0.fade_out, next.length - next.fade_in);
      } else if (mode === 'fade-in') {
        next.fade_in = Math.round(Math.max(0, Math.min(c0.length - c0.fade_out, c0.fade_in + d)));
      } else if (mode === 'fade-out') {
        next.fade_out = Math.round(Math.max(0, Math.min(c0.length - c0.fade_in, c0.fade_out - d)));
      }
      preview(S, tl, rec, next);
    };
    const up = () => {
      rec.el.removeEventListener('pointermove', move);
      rec.el.removeEventListener('pointerup', up);
      rec.el.removeEventListener('pointercancel', up);
      rec.dragging = false;
      rec.el.classList.remove('dragging');
      const fields = {};
      for (const k of ['start', 'track', 'offset', 'length', 'fade_in', 'fade_out']) if (next[k] !== c0[k]) fields[k] = next[k];
      if (moved && Object.keys(fields).length) {
        const ops = [{ op: 'set', id: rec.id, fields }];
        // Other selected clips move by the same amount (same tracks).
        if (mode === 'move' && fields.start !== undefined) {
          const d = next.start - c0.start;
          for (const id of S.selection) {
            const o = S.doc.get(id);
            if (id !== rec.id && o && o.kind === 'clip') ops.push({ op: 'set', id, fields: { start: Math.max(0, o.start + d) } });
          }
        }
        S.session.push(ops);
      } else {
        tl.render();
      }
    };
    rec.el.addEventListener('pointermove', move);
    rec.el.addEventListener('pointerup', up);
    rec.el.addEventListener('pointercancel', up);
  });
}

// Shows a clip at its dragged position without touching the document.
function preview(S, tl, rec, c) {
  rec.el.style.left = `${c.start / S.zoom}px`;
  rec.el.style.width = `${Math.max(2, c.length / S.zoom)}px`;
  const row = tl.rows.get(c.track);
  if (row && rec.el.parentNode !== row.lane) {
    row.lane.append(rec.el);
    rec.el.focus({ preventScroll: true });
  }
  rec.el.querySelector('.fade-in').style.left = `${c.fade_in / S.zoom}px`;
  rec.el.querySelector('.fade-out').style.right = `${c.fade_out / S.zoom}px`;
}

/** Splits the selected clips (or all clips) under the playhead. */
export function splitAtPlayhead(S) {
  const at = S.playhead;
  const ops = [];
  const sel = [...S.selection].map((id) => S.doc.get(id)).filter((c) => c && c.kind === 'clip');
  const targets = sel.length ? sel : S.doc.ofKind('clip');
  const created = [];
  for (const c of targets) {
    if (at <= c.start + MIN_LEN / 2 || at >= c.start + c.length - MIN_LEN / 2) continue;
    const left = at - c.start;
    const right = c.length - left;
    const id = newId('c_');
    created.push(id);
    ops.push({ op: 'set', id: c.id, fields: { length: left, fade_out: Math.min(c.fade_out, left - Math.min(c.fade_in, left)) } });
    ops.push({ op: 'create', id, kind: 'clip', fields: {
      track: c.track, asset: c.asset, start: at, offset: c.offset + left, length: right,
      gain: c.gain, fade_in: 0, fade_out: Math.min(c.fade_out, right), mute: c.mute, name: c.name } });
    // a note clip: the notes that start in the right part go with it (same content start, same ticks)
    const p = S.doc.project;
    for (const n of notesOf(S.doc, c.id)) if (noteFrame(c, n.at, p.tempo, S.doc.rate) >= at) ops.push({ op: 'set', id: n.id, fields: { clip: id } });
  }
  if (ops.length) S.session.push(ops);
  return created;
}

/**
 * Duplicates the selected clips right after the selection (each copy moved
 * by the selection's span, on its own track: one clip lands at its end),
 * in one push; selects the copies.
 */
export function duplicateSelected(S) {
  const ops = [];
  const ids = [];
  const sel = [...S.selection].map((id) => S.doc.get(id)).filter((c) => c && c.kind === 'clip');
  if (!sel.length || !S.canEdit) return;
  const span = Math.max(...sel.map((c) => c.start + c.length)) - Math.min(...sel.map((c) => c.start));
  for (const c of sel) {
    const nid = newId('c_');
    ids.push(nid);
    const { id: _i, kind: _k, ...fields } = c;
    ops.push({ op: 'create', id: nid, kind: 'clip', fields: { ...fields, start: c.start + span } });
    for (const n of notesOf(S.doc, c.id)) { // a note clip's copy has copies of its notes
      const { id: _n, kind: _nk, ...nf } = n;
      ops.push({ op: 'create', id: newId('n_'), kind: 'note', fields: { ...nf, clip: nid } });
    }
  }
  S.session.push(ops);
  S.select(ids);
}

/** Deletes the selected clips. */
export function deleteSelected(S) {
  const ops = [...S.selection].filter((id) => S.doc.get(id)?.kind === 'clip').map((id) => ({ op: 'delete', id }));
  if (ops.length) { S.session.push(ops); S.select([]); }
}

/** Asks for a new name for a clip. */
export function renameClip(S, id) {
  const c = S.doc.get(id);
  if (!c || !S.canEdit) return;
  ask('Rename clip', { value: c.name || '', label: 'New clip name', ok: 'Rename' }).then((name) => {
    if (name !== null && name !== c.name) S.session.push([{ op: 'set', id, fields: { name: name.slice(0, 200) } }]);
  });
}
