// collab.js -- what a role may not do, shown before it is tried: controls
// a role cannot use are disabled and carry the reason (a tooltip and an
// aria-describedby text), instead of being enabled and then refused by the
// server. Export needs an editor or the owner (docs/protocol.md); so does
// every edit. Used by studio.js at each render of the top bar.

import { h } from './ui.js';

const CAN_EDIT = new Set(['owner', 'editor']);
const article = (role) => (/^[aeiou]/.test(role) ? 'an' : 'a');

/** The sentence saying why `role` cannot do `what` ("Export", "Editing"). */
export function reasonFor(what, role) {
  return `${what} needs the editor or owner role; you are ${article(role)} ${role}.`;
}

const reasons = new Map(); // id -> element holding a reason
function reasonEl(id, text) {
  let el = reasons.get(id);
  if (!el || !el.isConnected) {
    el = h('span.visually-hidden', { id });
    document.body.append(el);
    reasons.set(id, el);
  }
  el.textContent = text;
  return el;
}

/** Disables el with the reason when blocked; when not, undoes only what
 * it did itself (other code may disable a control for its own reasons). */
function limit(el, blocked, reasonId, reason) {
  if (!el) return;
  if (blocked) {
    if (!el.classList.contains('limited')) el.dataset.title = el.title || '';
    el.disabled = true;
    el.classList.add('limited');
    el.title = reason;
    el.setAttribute('aria-describedby', reasonId);
  } else if (el.classList.contains('limited')) {
    el.disabled = false;
    el.classList.remove('limited');
    el.title = el.dataset.title || '';
    if (el.getAttribute('aria-describedby') === reasonId) el.removeAttribute('aria-describedby');
  }
}

/**
 * Applies the role's limits: exportBtn (disabled for commenters and
 * viewers), edit (the top bar's editing controls, disabled for them too)
 * and, under root, the editing controls of track headers, mixer strips
 * and the clip inspector.
 */
export function describeLimits(S, { exportBtn, edit = [], root = null }) {
  const role = S.session.role;
  if (!role) return;
  const blocked = !CAN_EDIT.has(role);
  if (blocked) {
    reasonEl('why-export', reasonFor('Export', role));
    reasonEl('why-edit', reasonFor('Editing', role));
  }
  limit(exportBtn, blocked, 'why-export', reasonFor('Export', role));
  for (const el of edit) limit(el, blocked, 'why-edit', reasonFor('Editing', role));
  // the track headers', mixer strips' and clip inspector's editing controls
  // (only those their own code disabled for the role: the reason is added)
  if (root && blocked) for (const el of root.querySelectorAll(EDIT_CONTROLS)) if (el.disabled) limit(el, true, 'why-edit', reasonFor('Editing', role));
  if (root && !blocked) for (const el of root.querySelectorAll('.limited')) limit(el, false, 'why-edit', '');
}

const EDIT_CONTROLS = ['.trackrow .head', '.strip', '.ifields'].map((s) => `${s} button, ${s} input, ${s} select`).join(', ');

/**
 * True when another track is soloed and t is not heard because of it (the
 * studio dims it): t is not soloed, is not a bus a soloed track reaches
 * (output chain or send), and does not feed a soloed bus.
 */
export function soloDimmed(doc, t) {
  const ts = doc.tracks();
  if (!t || t.solo || !ts.some((x) => x.solo)) return false;
  const byId = new Map(ts.map((x) => [x.id, x]));
  const chain = (x) => { // x and every bus its output reaches
    const out = [];
    for (let cur = x, n = 0; cur && n < 64; cur = byId.get(cur.output), n++) out.push(cur.id);
    return out;
  };
  if (chain(t).some((id) => byId.get(id)?.solo)) return false; // feeds a soloed bus
  for (const s of ts.filter((x) => x.solo)) {
    if (chain(s).includes(t.id)) return false;
    for (const snd of doc.ofKind('send')) if (snd.track === s.id && chain(byId.get(snd.target) || {}).includes(t.id)) return false;
  }
  return true;
}
