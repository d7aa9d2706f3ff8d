// clipboard.js -- copy, cut, paste and duplicate of clips, and the editing
// menus and keys that use them: Ctrl/Cmd+C, X, V (D is studio.js's, which
// calls duplicateSelected in clipedit.js), the clip and track context menus
// (contextmenu.js). The clipboard lives in the page (and, where the browser
// permits, goes to the system clipboard as JSON text). A paste, a cut and
// a duplicate are one push each: one history entry, one undo. A note
// clip's notes travel with it as new note objects.

import { newId } from './doc.js';
import { ask, toast, SHORTCUTS } from './ui.js';
import { orderBetween } from './order.js';
import { notesOf } from './notes.js';
import { openMenu, bindMenu } from './contextmenu.js';
import { duplicateSelected, deleteSelected, renameClip } from './clipedit.js';
import { selectTrack } from './selection.js';

export const SHAPES = [['linear', 'Linear'], ['equal_power', 'Equal power'], ['exp', 'Exponential'], ['scurve', 'S-curve']];

// this module's keys in the help overlay (appended here, so ui.js stays as it is)
SHORTCUTS.push(
  ['Ctrl/⌘ + C, X, V', 'Copy, cut, paste the selected clips (paste at the playhead on the selected track)'],
  ['Shift + click, drag on an empty lane', 'Add to / remove from the selection, select with a rubber band'],
  ['Right-click, Shift + F10, Menu key', 'The clip or track menu (arrows, Enter, Esc)'],
  ['Automation lane: click, drag, Del, double-click', 'Add, move, delete, reset a point'],
);

let board = null; // {clips: [{fields, dt, dtrack, notes}], span}

const selectedClips = (S) => [...S.selection].map((id) => S.doc.get(id)).filter((c) => c && c.kind === 'clip');

/** The selection as clipboard content (offsets from its first clip and its top track), or null. */
export function snapshot(S, clips = selectedClips(S)) {
  if (!clips.length) return null;
  const order = S.doc.tracks().map((t) => t.id);
  const t0 = Math.min(...clips.map((c) => order.indexOf(c.track)));
  const f0 = Math.min(...clips.map((c) => c.start));
  const end = Math.max(...clips.map((c) => c.start + c.length));
  return {
    span: end - f0,
    clips: clips.map((c) => {
      const { id: _i, kind: _k, track: _t, ...fields } = c;
      const notes = notesOf(S.doc, c.id).map(({ id: _n, kind: _nk, clip: _c, ...nf }) => nf);
      return { fields, dt: c.start - f0, dtrack: order.indexOf(c.track) - t0, notes, asset: c.asset };
    }),
  };
}

const fits = (track, clip) => track && track.role !== 'bus' && (track.role === 'instrument') === !clip.fields.asset;

/**
 * The ops that place content at frame `at` with its top track on track
 * index `top` (the relative track layout kept); returns {ops, ids, skipped}.
 */
export function placeOps(S, content, at, top) {
  const tracks = S.doc.tracks();
  const ops = [], ids = [];
  let skipped = 0;
  for (const c of content.clips) {
    const t = tracks[top + c.dtrack];
    if (!fits(t, c)) { skipped++; continue; }
    const id = newId('c_');
    ids.push(id);
    ops.push({ op: 'create', id, kind: 'clip', fields: { ...c.fields, track: t.id, start: Math.max(0, Math.round(at + c.dt)) } });
    for (const n of c.notes) ops.push({ op: 'create', id: newId('n_'), kind: 'note', fields: { ...n, clip: id } });
  }
  return { ops, ids, skipped };
}

/** Copies the selected clips; returns how many. */
export function copySelected(S) {
  const content = snapshot(S);
  if (!content) return 0;
  board = content;
  try { // the system clipboard too, where permitted (not required)
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(JSON.stringify({ mixroom: 'clips', ...content })).catch(() => {});
  } catch { /* not permitted */ }
  return content.clips.length;
}

/** Cuts the selected clips: copied, then deleted in one push. */
export function cutSelected(S) {
  if (!S.canEdit || !copySelected(S)) return;
  deleteSelected(S);
}

/** The track index a paste goes to: the selected track, else the first copied clip's, else the first. */
function pasteTop(S) {
  const tracks = S.doc.tracks();
  const i = tracks.findIndex((t) => t.id === S.selectedTrack);
  return i >= 0 ? i : 0;
}

/** Pastes the clipboard at the playhead onto the selected track (one push); selects the new clips. */
export function paste(S) {
  if (!S.canEdit) return;
  if (!board) { toast('Nothing to paste: copy clips first (Ctrl/⌘+C)', 'info'); return; }
  const { ops, ids, skipped } = placeOps(S, board, S.playhead, pasteTop(S));
  if (skipped) toast(`${skipped} clip(s) not pasted: no fitting track below the selected one`, 'info');
  if (!ops.length) return;
  S.session.push(ops);
  S.select(ids);
}

/** Copies and deletes, copies, or pastes from the keyboard (Ctrl/Cmd + C, X, V). */
function onKey(S, e) {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || document.querySelector('.backdrop, .ctxmenu')) return;
  const t = e.target;
  if (t && (t.tagName === 'INPUT' && !['range', 'checkbox', 'color', 'button'].includes(t.type) || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
  const k = e.key.toLowerCase();
  if (k === 'c') { if (copySelected(S)) e.preventDefault(); } else if (k === 'x') { e.preventDefault(); cutSelected(S); } else if (k === 'v') { e.preventDefault(); paste(S); }
}

// ---- menus ----

function clipMenu(S, id) {
  const c = S.doc.get(id);
  if (!c) return [];
  if (!S.selection.has(id)) S.select([id]);
  const ro = !S.canEdit;
  const shapeItems = (field, side) => SHAPES.map(([v, l]) => ({
    label: `${side}: ${l}`, role: 'menuitemradio', checked: (S.doc.get(id)?.[field] || 'equal_power') === v, disabled: ro,
    run: () => S.session.push(selectedClips(S).map((x) => ({ op: 'set', id: x.id, fields: { [field]: v } }))),
  }));
  return [
    { label: 'Cut', key: 'Ctrl+X', disabled: ro, run: () => cutSelected(S) },
    { label: 'Copy', key: 'Ctrl+C', run: () => copySelected(S) },
    { label: 'Paste', key: 'Ctrl+V', disabled: ro || !board, run: () => paste(S) },
    { label: 'Duplicate', key: 'Ctrl+D', disabled: ro, run: () => duplicateSelected(S) },
    { label: 'Delete', key: 'Del', disabled: ro, run: () => deleteSelected(S) },
    null,
    { label: 'Rename', key: 'F2', disabled: ro, run: () => renameClip(S, id) },
    { label: 'Fade shape', disabled: ro, items: [...shapeItems('fade_in_shape', 'Fade in'), null, ...shapeItems('fade_out_shape', 'Fade out')] },
    { label: 'Mute', checked: !!c.mute, disabled: ro, run: () => S.session.push(selectedClips(S).map((x) => ({ op: 'set', id: x.id, fields: { mute: !c.mute } }))) },
  ];
}

/** Ops that copy track `id` with its clips, notes, effects, sends and automation, placed right after it. */
export function duplicateTrackOps(S, id) {
  const t = S.doc.get(id);
  const ts = S.doc.tracks();
  const i = ts.findIndex((x) => x.id === id);
  const nid = newId('t_');
  const { id: _i, kind: _k, ...tf } = t;
  const order = orderBetween(t.order, ts[i + 1] ? ts[i + 1].order : null) || orderBetween(ts[ts.length - 1].order, null);
  const ops = [{ op: 'create', id: nid, kind: 'track', fields: { ...tf, name: `${t.name || 'Track'} copy`.slice(0, 200), order, solo: false } }];
  const fxMap = new Map();
  for (const e of S.doc.effectsOf(id)) {
    const eid = newId('e_');
    fxMap.set(e.id, eid);
    const { id: _e, kind: _ek, ...ef } = e;
    ops.push({ op: 'create', id: eid, kind: 'effect', fields: { ...ef, track: nid } });
  }
  for (const c of S.doc.clipsOf(id)) {
    const cid = newId('c_');
    const { id: _c, kind: _ck, ...cf } = c;
    ops.push({ op: 'create', id: cid, kind: 'clip', fields: { ...cf, track: nid } });
    for (const n of notesOf(S.doc, c.id)) {
      const { id: _n, kind: _nk, ...nf } = n;
      ops.push({ op: 'create', id: newId('n_'), kind: 'note', fields: { ...nf, clip: cid } });
    }
  }
  for (const s of S.doc.sendsOf(id)) {
    const { id: _s, kind: _sk, ...sf } = s;
    ops.push({ op: 'create', id: newId('s_'), kind: 'send', fields: { ...sf, track: nid } });
  }
  for (const a of S.doc.ofKind('automation').filter((x) => x.track === id)) {
    const dot = a.param.indexOf('.');
    const param = dot > 0 ? `${fxMap.get(a.param.slice(0, dot)) || a.param.slice(0, dot)}${a.param.slice(dot)}` : a.param;
    ops.push({ op: 'create', id: newId('a_'), kind: 'automation', fields: { track: nid, param, points: a.points } });
  }
  return ops;
}

function trackMenu(S, tl, id) {
  const t = S.doc.get(id);
  if (!t) return [];
  const ro = !S.canEdit;
  selectTrack(S, tl, id);
  return [
    { label: 'Rename', disabled: ro, run: () => ask('Rename track', { value: t.name || '', label: 'Track name', ok: 'Rename' }).then((name) => {
      if (name !== null && name !== t.name) S.session.push([{ op: 'set', id, fields: { name: name.slice(0, 200) } }]);
    }) },
    { label: 'Show automation', checked: !!(S.autoShown && S.autoShown(id)), run: () => S.toggleAutomation(id) },
    { label: 'Duplicate track', disabled: ro, run: () => S.session.push(duplicateTrackOps(S, id)) },
    { label: 'Delete', disabled: ro, run: () => S.session.push([{ op: 'delete', id }]) },
    null,
    { label: 'Add track', disabled: ro, run: () => {
      const ts = S.doc.tracks();
      const n = ts.filter((x) => x.role === 'audio').length + 1;
      S.session.push([{ op: 'create', id: newId('t_'), kind: 'track', fields: { name: `Track ${n}`, role: 'audio',
        order: orderBetween(ts.length ? ts[ts.length - 1].order : null, null) || 'V', color: S.nextColor() } }]);
    } },
  ];
}

/** Installs the clipboard keys and the clip/track context menus on the timeline tl. */
export function installEditing(S, tl) {
  S.paste = () => paste(S);
  bindMenu(tl.el, (target) => target.closest && (target.closest('.clip') || target.closest('.trackrow > .head')), (at, el) => {
    if (el.classList.contains('clip')) {
      openMenu(clipMenu(S, el.dataset.clip), { ...at, from: el, label: 'Clip actions' });
    } else {
      const id = el.parentNode.dataset.track;
      openMenu(trackMenu(S, tl, id), { ...at, from: el.contains(document.activeElement) ? document.activeElement : el, label: 'Track actions' });
    }
  });
  const key = (e) => onKey(S, e);
  document.addEventListener('keydown', key);
  return { close: () => document.removeEventListener('keydown', key) };
}
