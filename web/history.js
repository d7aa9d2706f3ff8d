// history.js -- the History panel: named versions (name the current
// revision with a note, set a version's status: draft, in review,
// approved, changes requested; use one as B for A/B listening; restore
// it) and the revision history (summaries with authors and times, newest
// first, filtered by person, "older" paging, restore any revision;
// consecutive identical entries of one person are shown once with ×N).
//
// Requests (docs/protocol.md): history {before, limit, user}; version.create
// {name, note}; version.list; version.set_status {version, status};
// restore {rev}. Version changes reach everyone as {"type":"version",
// "version":{...}}; a restore is an ordinary delta with "kind":"restore".

import { h, toast, fmtAgo, ask } from './ui.js';

export const STATUSES = [['draft', 'Draft'], ['in_review', 'In review'], ['approved', 'Approved'], ['changes_requested', 'Changes requested']];

/**
 * Consecutive entries (newest first) by the same person with the same
 * summary and kind shown once: [{e: the newest, n: how many, oldest: its
 * first revision}].
 */
export function collapseRuns(entries) {
  const out = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    if (last && last.e.user === e.user && last.e.summary === e.summary && (last.e.kind || '') === (e.kind || '') && !e.undo_of && !e.redo_of && !last.e.undo_of && !last.e.redo_of) {
      last.n++;
      last.oldest = e.rev;
    } else out.push({ e, n: 1, oldest: e.rev });
  }
  return out;
}

export function createHistory(S) {
  const session = S.session;
  const versions = new Map(); // id -> version
  let entries = [];
  let more = false;
  let loading = false;
  let filterUser = '';
  let visible = false;
  let dirty = true;

  const vName = h('input', { 'aria-label': 'Version name', placeholder: 'Name this version (e.g. Mix v3)', maxlength: 200 });
  const vNote = h('input', { 'aria-label': 'Version note', placeholder: 'Note (optional)', maxlength: 2000 });
  const vForm = h('form.row.vform', { onsubmit: (e) => { e.preventDefault(); createVersion(); } }, vName, vNote,
    h('button.primary', { type: 'submit', 'aria-label': 'Save version' }, 'Save'));
  const vList = h('ul.versions', { 'aria-label': 'Versions' });
  const who = h('select', { 'aria-label': 'History of', onchange: () => { filterUser = who.value; reload(); } });
  const hList = h('ul.history', { 'aria-label': 'Revision history' });
  const moreBtn = h('button.hidden', { 'aria-label': 'Older revisions', onclick: () => load(false) }, 'Older…');
  const el = h('section.historyp', { 'aria-label': 'History and versions' },
    h('h3', {}, 'Versions'), vForm, vList,
    h('div.row', {}, h('h3.grow', {}, 'History'), who), hList, moreBtn);

  const nameOf = (uid, fallback) => { const m = session.member(uid); return m ? m.display_name || m.name : fallback || 'Someone'; };
  const canEdit = () => session.canEdit;

  async function createVersion() {
    const name = vName.value.trim();
    if (!name) { vName.focus(); return; }
    const msg = { type: 'version.create', name };
    if (vNote.value.trim()) msg.note = vNote.value.trim();
    const r = await session.request(msg);
    if (r.type === 'error') { toast(r.message || 'The version was not saved', 'error'); return; }
    if (r.version) putVersion(r.version);
    vName.value = '';
    vNote.value = '';
  }

  function putVersion(v) {
    if (!v || !v.id) return;
    if (v.deleted) versions.delete(v.id); else versions.set(v.id, { ...versions.get(v.id), ...v });
    renderVersions();
  }

  async function loadVersions() {
    const r = await session.request({ type: 'version.list' });
    if (Array.isArray(r.versions)) {
      versions.clear();
      for (const v of r.versions) versions.set(v.id, v);
      renderVersions();
    }
  }

  /** Restores revision rev (as a new revision) after asking. */
  async function restore(rev, label) {
    if (!canEdit()) return null;
    const yes = await ask('Restore', { message: `Make the project equal to ${label || `revision ${rev}`}? This is a new revision; it can be undone.`, ok: 'Restore' });
    if (!yes) return null;
    const r = await session.request({ type: 'restore', rev });
    if (r.type === 'error') toast(r.message || 'Restore failed', 'error');
    else toast(`Restored ${label || `revision ${rev}`}`, 'info');
    return r;
  }

  function renderVersions() {
    const vs = [...versions.values()].sort((a, b) => b.rev - a.rev || String(b.id).localeCompare(String(a.id)));
    vList.replaceChildren(...vs.map((v) => {
      const st = h('select.vstatus', { 'aria-label': `Status of ${v.name}`, disabled: !canEdit(),
        onchange: async () => {
          const r = await session.request({ type: 'version.set_status', version: v.id, status: st.value });
          if (r.type === 'error') { toast(r.message || 'Status not changed', 'error'); st.value = v.status; } else if (r.version) putVersion(r.version);
        } }, STATUSES.map(([val, l]) => h('option', { value: val }, l)));
      st.value = v.status || 'draft';
      const isB = S.abRev === v.rev;
      const isA = S.aRev === v.rev;
      return h(`li.version.s-${v.status || 'draft'}`, { dataset: { version: v.id, rev: v.rev } },
        h('div.vhead', {}, h('b', {}, v.name), h('span.dim', {}, ` r${v.rev}`), h('span.grow'), st),
        v.note ? h('div.dim', {}, v.note) : null,
        h('div.dim', {}, `${nameOf(v.created_by || v.user)} · ${fmtAgo(v.created_at)}`),
        v.status_log && v.status_log.length ? h('details.vlog', {}, h('summary.dim', {}, `Status log (${v.status_log.length})`), // every move: who, when, from → to, note
          h('ol', {}, v.status_log.map((e) => h('li', {}, `${e.by_name || nameOf(e.by)}: ${e.from} → ${e.to} · ${fmtAgo(e.at)}${e.note ? ` — ${e.note}` : ''}`)))) : null,
        h('div.cactions', {},
          h(`button.link${isA ? '.on' : ''}`, { 'aria-label': `Listen to ${v.name} as A`, 'aria-pressed': String(isA), title: 'A is the head unless a version is chosen',
            onclick: () => { if (S.transport) S.transport.setA(isA ? null : v.rev); renderVersions(); } }, isA ? 'A ✓' : 'Use as A'),
          h(`button.link${isB ? '.on' : ''}`, { 'aria-label': `Compare ${v.name} (A/B)`, 'aria-pressed': String(isB),
            onclick: () => { if (S.transport) S.transport.setB(isB ? null : v.rev); renderVersions(); } }, isB ? 'B ✓' : 'Use as B'),
          canEdit() ? h('button.link', { 'aria-label': `Restore ${v.name}`, onclick: () => restore(v.rev, v.name) }, 'Restore') : null));
    }));
    if (!vs.length) vList.replaceChildren(h('li.dim', {}, 'No versions yet.'));
  }

  async function load(fresh) {
    if (loading) return;
    loading = true;
    const before = fresh || !entries.length ? null : entries[entries.length - 1].rev;
    const r = await session.request({ type: 'history', before, limit: 50, user: filterUser || null });
    loading = false;
    if (r.type === 'error' || !Array.isArray(r.entries)) { if (r.message) toast(r.message, 'error'); return; }
    entries = fresh ? r.entries : entries.concat(r.entries);
    more = !!r.more;
    renderHistory();
  }

  function reload() { dirty = false; load(true); }

  function renderHistory() {
    const ms = session.members;
    const key = ms.map((m) => m.id).join('|');
    if (who.dataset.key !== key) {
      who.replaceChildren(h('option', { value: '' }, 'Everyone'), ...ms.map((m) => h('option', { value: m.id }, m.display_name || m.name)));
      who.dataset.key = key;
      who.value = filterUser;
    }
    let prevUser = null;
    hList.replaceChildren(...collapseRuns(entries).map(({ e, n, oldest }) => {
      const sameAuthor = e.user === prevUser; // the name is not repeated in a row
      prevUser = e.user;
      const dot = h('span.udot');
      dot.style.background = S.colorOf(e.user);
      const kind = e.undo_of ? ` (undo of r${e.undo_of})` : e.redo_of ? ` (redo of r${e.redo_of})` : e.kind && e.kind !== 'push' ? ` (${e.kind})` : '';
      const author = nameOf(e.user, e.user_name);
      return h(`li.hentry${sameAuthor ? '.same-author' : ''}`, { dataset: { rev: e.rev, user: e.user || '' } },
        h('div.hhead', {}, dot, h(sameAuthor ? 'b.visually-hidden' : 'b', {}, author), h('span.dim', { title: new Date(e.ts).toLocaleString() }, ` · r${e.rev} · ${fmtAgo(e.ts)}`), h('span.grow'),
          canEdit() && e.rev !== session.rev ? h('button.link', { 'aria-label': `Restore revision ${e.rev}`, title: 'Make the project equal to this revision', onclick: () => restore(e.rev) }, 'Restore') : null),
        h('div.hsum', {}, `${e.summary || ''}${kind}`, n > 1 ? h('span.dim.hrepeat', { title: `${n} revisions in a row, r${oldest}–r${e.rev}` }, ` ×${n}`) : null));
    }));
    if (!entries.length) hList.replaceChildren(h('li.dim', {}, 'No revisions yet.'));
    moreBtn.classList.toggle('hidden', !more);
  }

  session.addEventListener('message', (e) => {
    const m = e.detail;
    if (m.type === 'version') putVersion(m.version);
    else if (m.type === 'versions' && Array.isArray(m.versions)) { for (const v of m.versions) versions.set(v.id, v); renderVersions(); }
  });
  let t = null;
  session.addEventListener('change', (e) => {
    if (!e.detail || (!e.detail.delta && !e.detail.remote)) return;
    dirty = true;
    if (visible && !t) t = setTimeout(() => { t = null; reload(); }, 300);
  });
  session.addEventListener('welcome', () => { loadVersions(); if (visible) reload(); });

  return {
    el, restore, versions, loadVersions, renderVersions,
    show(on) { visible = on; if (on && (dirty || !entries.length)) reload(); if (on) renderVersions(); },
  };
}
