// ui.js -- small DOM helpers shared by the views: an element builder,
// toasts, the connection banner, modal dialogs, the help overlay, user
// colours, and formatting of dB values, times and "last activity".

/**
 * Builds an element: h('button.primary', {onclick, 'aria-label': 'x'}, 'text', child...).
 * Attributes starting with "on" become listeners; `style` is never used as
 * an attribute (the CSP forbids inline styles; set el.style from code).
 */
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Shows a short message at the bottom; kind 'error' or 'info'. */
export function toast(message, kind = 'info', ms = 4000) {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const t = h(`div.toast.${kind}`, {}, message);
  box.append(t);
  setTimeout(() => t.remove(), ms);
  return t;
}

/** The elements Tab can reach inside root (visible, enabled, not tabindex=-1). */
export function tabbables(root) {
  const sel = 'a[href],button:not([disabled]),input:not([disabled]):not([type="hidden"]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';
  return [...root.querySelectorAll(sel)].filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0);
}

/**
 * A modal dialog with a title; returns {el, body, close}. Focus moves into
 * it (the first field, else the first button but Close), Tab and
 * Shift+Tab cycle inside it (the page behind is inert), Escape or a click
 * on the backdrop closes it, and focus returns to what had it before
 * (the button that opened it) when that is still in the page.
 */
export function modal(title, { onclose, wide } = {}) {
  const body = h('div.modal-body');
  const opener = document.activeElement;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    back.remove();
    document.removeEventListener('keydown', onkey, true);
    if (onclose) onclose();
    if (opener && opener !== document.body && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  };
  const onkey = (e) => {
    const open = document.querySelectorAll('.backdrop');
    if (open[open.length - 1] !== back) return; // a dialog above this one has the keys
    if (e.key === 'Escape') { e.stopPropagation(); e.preventDefault(); close(); return; }
    if (e.key !== 'Tab') return;
    const els = tabbables(box);
    if (!els.length) { e.preventDefault(); box.focus(); return; }
    const first = els[0], last = els[els.length - 1];
    const inside = box.contains(document.activeElement);
    if (e.shiftKey && (document.activeElement === first || !inside)) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (document.activeElement === last || !inside)) { e.preventDefault(); first.focus(); }
  };
  const box = h(`div.modal${wide ? '.wide' : ''}`, { role: 'dialog', 'aria-modal': 'true', 'aria-label': title, tabindex: '-1' },
    h('div.mhead', {}, h('h2', {}, title), h('button.icon', { 'aria-label': 'Close', title: 'Close', onclick: close }, '✕')),
    body);
  const back = h('div.backdrop', { onmousedown: (e) => { if (e.target === back) close(); } }, box);
  document.body.append(back);
  document.addEventListener('keydown', onkey, true);
  setTimeout(() => {
    if (box.contains(document.activeElement)) return;
    const f = box.querySelector('input:not([disabled]),select:not([disabled]),textarea:not([disabled]),button:not(.icon):not([disabled])');
    (f || box).focus();
  }, 0);
  return { el: box, body, close };
}

/**
 * The studio's own question dialog (instead of the browser's native dialogs): a
 * message and, when `value` is given, a text field labelled `label`.
 * Resolves to the text (or true when there is no field) on OK / Enter,
 * and to null on Cancel / Esc / a click outside.
 */
export function ask(title, { message, value, label, ok = 'OK', danger = false, maxLength = 200 } = {}) {
  return new Promise((resolve) => {
    let answer = null;
    const m = modal(title, { onclose: () => resolve(answer) });
    const input = value === undefined ? null
      : h('input', { type: 'text', value, maxLength, 'aria-label': label || title });
    const done = () => { answer = input ? input.value : true; m.close(); };
    if (input) input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); done(); } });
    m.body.append(
      ...(message ? [h('p', {}, message)] : []),
      ...(input ? [input] : []),
      h('div.modal-actions', {},
        h('button', { type: 'button', onclick: () => m.close() }, 'Cancel'),
        h(`button.ask-ok${danger ? '.danger' : ''}`, { type: 'button', onclick: done }, ok)));
    if (input) setTimeout(() => { input.focus(); input.select(); }, 0);
  });
}

export const SHORTCUTS = [
  ['Space', 'Play / pause (stops following)'],
  ['Click / drag the ruler', 'Seek / select a range'],
  ['L', 'Loop the selected range on / off'],
  ['R', 'Record a take on the selected clip\'s track (or a new one) / stop'],
  ['C', 'Comment at the playhead (or on the range, the selected clip)'],
  ['Avatar click', 'Follow that person\'s playback (Esc stops)'],
  ['Home', 'Playhead to the start'],
  ['← / →', 'Playhead one beat back / forward'],
  ['Ctrl/⌘ + Z', 'Undo your last change'],
  ['Shift + Ctrl/⌘ + Z', 'Redo'],
  ['S', 'Split the selected clips at the playhead'],
  ['Ctrl/⌘ + D', 'Duplicate the selected clips'],
  ['Delete / Backspace', 'Delete the selected clips'],
  ['F2', 'Rename the selected clip'],
  ['T', 'Add a track'],
  ['B', 'Add a bus'],
  ['K', 'Add a marker at the playhead'],
  ['G', 'Snap to grid on / off'],
  ['+ / −', 'Zoom in / out'],
  ['F', 'Zoom to fit the whole song'],
  ['Ctrl + wheel (pinch)', 'Zoom at the pointer'],
  ['Wheel / Shift + wheel', 'Scroll'],
  ['X', 'Show / hide the mixer'],
  ['Esc', 'Stop following / clear the range, the selection / close a dialog'],
  ['?', 'This help'],
  ['I', 'Add an instrument track'],
  ['Double-click a note clip', 'Open the piano roll (the step sequencer on drum tracks)'],
  ['Piano roll: drag / Shift + drag', 'Draw, move or resize notes / select with a rectangle'],
  ['Piano roll: ← → ↑ ↓ (Shift)', 'Move the selected notes a grid step, a semitone (an octave) / resize'],
  ['Piano roll: N, Del, Ctrl/⌘ + A', 'Add a note after the selection, delete the selected notes, select all'],
];

/** The help overlay listing the keyboard shortcuts. */
export function showHelp() {
  const m = modal('Keyboard shortcuts');
  m.el.classList.add('help');
  m.body.append(h('table.shortcuts', {},
    h('tbody', {}, SHORTCUTS.map(([k, d]) => h('tr', {}, h('th', {}, h('kbd', {}, k)), h('td', {}, d))))));
  return m;
}

const PALETTE = ['#ff6b6b', '#4ecdc4', '#ffd166', '#a78bfa', '#60a5fa', '#f472b6', '#34d399', '#fb923c', '#c084fc', '#22d3ee'];

/** A stable colour for a user id. */
export function userColor(id) {
  let x = 0;
  for (const c of String(id)) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[x % PALETTE.length];
}

/** "−3.5 dB", "−∞ dB" for null. */
export function fmtDb(db) {
  if (db === null || db === undefined || db <= -100) return '−∞ dB';
  const s = (Math.round(db * 10) / 10).toFixed(1);
  return `${db > 0 ? '+' : ''}${s.replace('-', '−')} dB`;
}

/** m:ss.mmm for a frame count at rate. */
export function fmtTime(frames, rate) {
  const t = Math.max(0, frames / rate);
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${s.toFixed(3).padStart(6, '0')}`;
}

/** "3 min ago" style text for a time in ms since the epoch. */
export function fmtAgo(ms) {
  if (!ms) return 'never';
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.floor(s / 86400)} days ago`;
  return new Date(ms).toLocaleDateString();
}

/** Throttles fn to at most once per ms, always ending on the last call. */
export function throttle(fn, ms) {
  let last = 0, timer = null, args = null;
  const run = () => { timer = null; last = Date.now(); fn(...args); };
  const t = (...a) => {
    args = a;
    const wait = ms - (Date.now() - last);
    if (wait <= 0) { if (timer) { clearTimeout(timer); timer = null; } run(); } else if (!timer) timer = setTimeout(run, wait);
  };
  t.flush = () => { if (timer) { clearTimeout(timer); run(); } };
  t.cancel = () => { if (timer) clearTimeout(timer); timer = null; };
  return t;
}

/**
 * A continuous gesture on one control (a fader drag, a knob, a slider):
 * ONE push when the gesture ends, with its last value (so it is one
 * revision and one history entry, not one per tick); while it moves the
 * control shows the value locally (bindRange's onMove). build(value)
 * returns the ops.
 */
export function gesture(session, build) {
  let pending;
  let sent; // the value this gesture pushed (change and pointerup both end it)
  return {
    move(v) { pending = v; sent = undefined; },
    end(v) {
      const x = v !== undefined ? v : pending;
      pending = undefined;
      if (x === undefined || x === sent) return;
      sent = x;
      session.push(build(x));
    },
  };
}

/** True while the user is working a control (drag or typing). */
export function isBusy(el) {
  if (el.dataset.busy === '1') return true;
  return document.activeElement === el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && ['text', 'number', 'search', ''].includes(el.type)));
}

/** Sets a control's value from the document unless the user is working it. */
export function setVal(el, v) {
  if (!isBusy(el) && String(el.value) !== String(v)) el.value = v;
}

/**
 * Wires a range input as a continuous gesture: value(range) -> what g sends;
 * onMove(v) for local feedback. Marks the range busy while dragged.
 */
export function bindRange(range, g, value, onMove) {
  range.addEventListener('pointerdown', () => { range.dataset.busy = '1'; });
  range.addEventListener('input', () => {
    range.dataset.busy = '1';
    const v = value(range);
    if (onMove) onMove(v);
    g.move(v);
  });
  range.addEventListener('change', () => { g.end(value(range)); delete range.dataset.busy; });
  range.addEventListener('pointerup', () => setTimeout(() => { g.end(); delete range.dataset.busy; }, 0));
  range.addEventListener('blur', () => { delete range.dataset.busy; });
}
