// comments.js -- comments on the timeline: pins on the ruler at their time
// (ranges as bars), coloured by author; the composer (at the playhead or
// over the selected range, on the whole song, a track or the selected
// clip) with @mentions completing member names; the thread panel with
// replies, edit, resolve/reopen, delete, a "changed since" badge that
// lists what changed (from the history), and filters (open/resolved,
// mine, track). Clicking a comment seeks there and plays.
//
// Requests (docs/protocol.md, Comments): comment.add {at, end?, track?,
// clip?, body, parent?}, comment.edit {comment, body}, comment.resolve /
// comment.reopen / comment.delete {comment}, comment.list. Changes come
// back to everyone as {"type":"comment","rev","comment"} (sync.js keeps
// session.comments).

import { h, toast, fmtTime, fmtAgo, ask } from './ui.js';
import { HEAD_W } from './timeline.js';

/** The member names matching the "@prefix" just before the caret, or null. */
export function mentionQuery(text, caret) {
  const m = /(^|\s)@([\w.-]*)$/.exec(text.slice(0, caret));
  return m ? m[2] : null;
}

/**
 * A textarea with @mention completion over the session's members;
 * returns {el, input, value(), clear(), focus()}.
 */
function mentionBox(S, placeholder, onSubmit) {
  const input = h('textarea.cbody', { rows: 2, maxlength: 4000, placeholder, 'aria-label': placeholder });
  const pop = h('ul.mentions.hidden', { role: 'listbox', 'aria-label': 'Mention someone' });
  let items = [];
  let sel = 0;
  const members = () => S.session.members.length ? S.session.members : [];
  function close() { pop.classList.add('hidden'); items = []; }
  function pick(m) {
    const caret = input.selectionStart;
    const before = input.value.slice(0, caret).replace(/@([\w.-]*)$/, `@${m.name} `);
    input.value = before + input.value.slice(caret);
    input.selectionStart = input.selectionEnd = before.length;
    close();
    input.focus();
  }
  function update() {
    const q = mentionQuery(input.value, input.selectionStart);
    if (q === null) { close(); return; }
    const ql = q.toLowerCase();
    items = members().filter((m) => m.name.toLowerCase().startsWith(ql) || (m.display_name || '').toLowerCase().startsWith(ql)).slice(0, 6);
    if (!items.length) { close(); return; }
    sel = Math.min(sel, items.length - 1);
    pop.replaceChildren(...items.map((m, i) => h(`li.mention${i === sel ? '.sel' : ''}`, { role: 'option', 'aria-selected': String(i === sel),
      onmousedown: (e) => { e.preventDefault(); pick(m); } }, h('b', {}, `@${m.name}`), m.display_name && m.display_name !== m.name ? ` ${m.display_name}` : '')));
    pop.classList.remove('hidden');
  }
  input.addEventListener('input', () => { sel = 0; update(); });
  input.addEventListener('keydown', (e) => {
    e.stopPropagation(); // typing never triggers studio shortcuts
    if (items.length) {
      if (e.key === 'ArrowDown') { e.preventDefault(); sel = (sel + 1) % items.length; update(); return; }
      if (e.key === 'ArrowUp') { e.preventDefault(); sel = (sel + items.length - 1) % items.length; update(); return; }
      if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); pick(items[sel]); return; }
      if (e.key === 'Escape') { e.preventDefault(); close(); return; }
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || !e.shiftKey)) { e.preventDefault(); onSubmit(); }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  const el = h('div.mentionbox', {}, input, pop);
  return { el, input, value: () => input.value.trim(), clear() { input.value = ''; close(); }, focus: () => input.focus() };
}

export function createComments(S, tl) {
  const session = S.session;
  const pins = h('div.cpins', { role: 'list', 'aria-label': 'Comments on the timeline' });
  tl.content.append(pins);
  let openId = null;          // highlighted thread
  const changes = new Map();  // comment id -> [summary] (loaded on demand)
  const filt = { status: 'open', mine: false, track: '' };

  // a share link's guest is no member: its comments carry author_name ("Sam (guest)")
  const guestName = (uid) => [...session.comments.values()].find((c) => c.author === uid && c.author_name)?.author_name;
  const nameOf = (uid) => { const m = session.member(uid); return m ? m.display_name || m.name : guestName(uid) || uid || '?'; };
  const list = () => [...session.comments.values()];
  const roots = () => list().filter((c) => !c.parent).sort((a, b) => a.at - b.at || a.created_at - b.created_at);
  const repliesOf = (id) => list().filter((c) => c.parent === id).sort((a, b) => (a.created_at || 0) - (b.created_at || 0));
  const canComment = () => session.role !== 'viewer';
  const mine = (c) => c.author === session.user?.id;
  const trackOf = (c) => c.track || (c.clip && S.doc.get(c.clip)?.track) || null;

  const cmd = (type, id, extra = {}) => session.request({ type, comment: id, ...extra }).then((r) => {
    if (r.type === 'error') toast(r.message || `${type} failed`, 'error');
    return r;
  });

  // ---- filters, composer, list ----
  const fStatus = h('select', { 'aria-label': 'Show comments', onchange: () => { filt.status = fStatus.value; renderList(); } },
    h('option', { value: 'open' }, 'Open'), h('option', { value: 'resolved' }, 'Resolved'), h('option', { value: 'all' }, 'All'));
  const fMine = h('input', { type: 'checkbox', 'aria-label': 'Only mine', onchange: () => { filt.mine = fMine.checked; renderList(); } });
  const fTrack = h('select', { 'aria-label': 'Comments on track', onchange: () => { filt.track = fTrack.value; renderList(); } });
  const newBtn = h('button.primary', { 'aria-label': 'New comment', title: 'Comment at the playhead or the selected range (C)', onclick: () => compose() }, '+ Comment');

  const cWhere = h('span.cwhere');
  const cTarget = h('select', { 'aria-label': 'Comment on' });
  const box = mentionBox(S, 'Write a comment — @ to mention', () => post());
  const composer = h('form.composer.hidden', { onsubmit: (e) => { e.preventDefault(); post(); } },
    h('div.row', {}, cWhere, cTarget), box.el,
    h('div.row', {}, h('button.primary', { type: 'submit', 'aria-label': 'Post comment' }, 'Post'),
      h('button', { type: 'button', onclick: () => composer.classList.add('hidden') }, 'Cancel')));
  let draft = null;
  const threads = h('ul.threads', { 'aria-label': 'Comment threads' });
  const empty = h('p.dim.empty', {}, 'No comments here yet. Press C to comment at the playhead, or drag on the ruler to comment on a range.');
  const el = h('section.comments', { 'aria-label': 'Comments' },
    h('div.row.filters', {}, fStatus, h('label.check', {}, fMine, 'Mine'), fTrack, h('span.grow'), newBtn),
    composer, threads, empty);

  /** Opens the composer at the playhead (or over the range), on the selected clip. */
  function compose() {
    if (!canComment()) { toast('Viewers cannot comment', 'info'); return; }
    const at = S.range ? S.range[0] : S.playhead;
    const end = S.range ? S.range[1] : null;
    const clipIds = [...S.selection].filter((id) => S.doc.get(id)?.kind === 'clip');
    const clip = clipIds.length === 1 ? S.doc.get(clipIds[0]) : null;
    draft = { at, end };
    cWhere.textContent = end !== null ? `${fmtTime(at, S.doc.rate)} – ${fmtTime(end, S.doc.rate)}` : `at ${fmtTime(at, S.doc.rate)}`;
    const opts = [h('option', { value: '' }, 'the whole mix')];
    if (clip) opts.push(h('option', { value: `clip:${clip.id}` }, `clip ${clip.name || 'clip'} (${S.doc.get(clip.track)?.name || ''})`));
    for (const t of S.doc.tracks()) opts.push(h('option', { value: `track:${t.id}` }, `track ${t.name}`));
    cTarget.replaceChildren(...opts);
    cTarget.value = clip ? `clip:${clip.id}` : '';
    composer.classList.remove('hidden');
    S.showPanel && S.showPanel('comments');
    box.focus();
  }

  async function post() {
    const body = box.value();
    if (!body || !draft) return;
    const msg = { type: 'comment.add', at: draft.at, body };
    if (draft.end !== null) msg.end = draft.end;
    const [kind, id] = cTarget.value.split(':');
    if (kind === 'clip') { msg.clip = id; msg.track = S.doc.get(id)?.track; }
    if (kind === 'track') msg.track = id;
    if (!msg.track) delete msg.track;
    const r = await session.request(msg);
    if (r.type === 'error') { toast(r.message || 'The comment was not posted', 'error'); return; }
    if (r.comment) session.onComment(r);
    box.clear();
    composer.classList.add('hidden');
    draft = null;
    if (r.comment) { openId = r.comment.id; render(); }
  }

  function changedInfo(c) {
    const known = changes.get(c.id);
    // the server names the changed fields (e.g. changed_fields: ["start"]); the
    // revisions that changed them come from the history on demand
    let f = c.changed_fields || c.changes || c.changed || null;
    if (f && !Array.isArray(f) && typeof f === 'object') f = Object.keys(f);
    const what = Array.isArray(f) && f.length ? `: ${f.map((x) => (typeof x === 'string' ? x : x.field || JSON.stringify(x))).join(', ')}` : '';
    const badge = h('button.badge.changed', { 'aria-label': 'Changed since this comment', title: 'The clip or track changed after this comment; click for what changed',
      onclick: async () => {
        if (!changes.has(c.id)) changes.set(c.id, await whatChanged(c));
        renderList();
      } }, `changed since${what}`);
    if (!known) return [badge];
    return [badge, h('ul.changes', { 'aria-label': 'What changed' }, known.length ? known.map((x) => h('li', {}, x)) : h('li', {}, 'changes since then were undone or are not in the recent history'))];
  }

  /** Summaries of the revisions after the comment that touched its clip or track. */
  async function whatChanged(c) {
    const ids = new Set([c.clip, c.track].filter(Boolean));
    const out = [];
    let before = null;
    for (let page = 0; page < 5; page++) {
      const r = await session.request({ type: 'history', before, limit: 200, user: null });
      if (!r.entries) break;
      for (const e of r.entries) {
        if (e.rev <= c.rev) return out;
        if ((e.ops || []).some((o) => ids.has(o.id) || (o.fields && (ids.has(o.fields.track) || ids.has(o.fields.clip))))) out.push(`r${e.rev} · ${e.summary}`);
      }
      if (!r.more || !r.entries.length) break;
      before = r.entries[r.entries.length - 1].rev;
    }
    return out;
  }

  function bodyWithMentions(text) {
    const parts = [];
    const re = /@([\w.-]+)/g;
    let last = 0, m;
    const names = new Set(session.members.map((x) => x.name));
    while ((m = re.exec(text))) {
      if (!names.has(m[1])) continue;
      parts.push(text.slice(last, m.index), h('span.mention', {}, m[0]));
      last = m.index + m[0].length;
    }
    parts.push(text.slice(last));
    return parts;
  }

  function actions(c, isReply) {
    const out = [];
    const owner = session.role === 'owner';
    if (!isReply && canComment()) out.push(h('button.link', { 'aria-label': 'Reply', onclick: (e) => openReply(e.target.closest('.thread'), c) }, 'Reply'));
    if (mine(c)) out.push(h('button.link', { 'aria-label': 'Edit comment', onclick: (e) => startEdit(e.target.closest('.cmsg'), c) }, 'Edit'));
    if (!isReply && canComment()) {
      out.push(c.resolved
        ? h('button.link', { 'aria-label': 'Reopen', onclick: () => cmd('comment.reopen', c.id) }, 'Reopen')
        : h('button.link', { 'aria-label': 'Resolve', onclick: () => cmd('comment.resolve', c.id) }, 'Resolve'));
    }
    if (mine(c) || owner) out.push(h('button.link.danger', { 'aria-label': 'Delete comment', onclick: async () => { if (await ask('Delete comment', { message: 'Delete this comment?', ok: 'Delete', danger: true })) cmd('comment.delete', c.id); } }, 'Delete'));
    return h('div.cactions', {}, out);
  }

  function message(c, isReply) {
    const who = h(`span.author${c.guest ? '.guest' : ''}`, { title: c.guest ? 'A guest of a share link' : null }, nameOf(c.author));
    who.style.color = S.colorOf(c.author);
    return h('div.cmsg', { dataset: { comment: c.id } },
      h('div.chead', {}, who, h('span.dim', { title: c.created_at ? new Date(c.created_at).toLocaleString() : '' }, fmtAgo(c.created_at)),
        c.edited_at ? h('span.dim', {}, '(edited)') : null),
      h('p.ctext', {}, bodyWithMentions(c.body || '')),
      actions(c, isReply));
  }

  function startEdit(msgEl, c) {
    const ed = mentionBox(S, 'Edit the comment', () => save());
    ed.input.value = c.body;
    const save = async () => {
      const body = ed.value();
      if (!body) return;
      const r = await cmd('comment.edit', c.id, { body });
      if (r.comment) session.onComment(r);
      render();
    };
    msgEl.querySelector('.ctext').replaceWith(h('div.cedit', {}, ed.el,
      h('div.row', {}, h('button.primary', { 'aria-label': 'Save comment', onclick: save }, 'Save'), h('button', { onclick: () => render() }, 'Cancel'))));
    ed.focus();
  }

  function openReply(threadEl, c) {
    let rb = threadEl.querySelector('.replybox');
    if (rb) { rb.querySelector('textarea').focus(); return; }
    const box2 = mentionBox(S, 'Reply — @ to mention', () => send());
    const send = async () => {
      const body = box2.value();
      if (!body) return;
      const msg = { type: 'comment.add', parent: c.id, at: c.at, body };
      const r = await session.request(msg);
      if (r.type === 'error') { toast(r.message || 'The reply was not posted', 'error'); return; }
      if (r.comment) session.onComment(r);
      render();
    };
    rb = h('div.replybox', {}, box2.el, h('button.primary', { 'aria-label': 'Send reply', onclick: send }, 'Reply'));
    threadEl.append(rb);
    box2.focus();
  }

  /** What the empty list says: with the filter on Open and resolved
   * threads present, how many ("No open comments — 3 resolved"). */
  function emptyText() {
    const all = roots();
    const resolved = all.filter((c) => c.resolved).length;
    const hint = 'Press C to comment at the playhead, or drag on the ruler to comment on a range.';
    if (filt.status === 'open' && resolved) return `No open comments — ${resolved} resolved. ${hint}`;
    if (filt.status === 'resolved' && all.length) return `No resolved comments — ${all.length - resolved} open.`;
    if (all.length && (filt.mine || filt.track)) return 'No comments match these filters.';
    return `No comments here yet. ${hint}`;
  }

  function visibleRoots() {
    return roots().filter((c) => {
      if (filt.status === 'open' && c.resolved) return false;
      if (filt.status === 'resolved' && !c.resolved) return false;
      if (filt.mine && !mine(c) && !repliesOf(c.id).some(mine)) return false;
      if (filt.track && trackOf(c) !== filt.track) return false;
      return true;
    });
  }

  function renderList() {
    const key = S.doc.tracks().map((t) => `${t.id}=${t.name}`).join('|');
    if (fTrack.dataset.key !== key) {
      const v = fTrack.value;
      fTrack.replaceChildren(h('option', { value: '' }, 'All tracks'), ...S.doc.tracks().map((t) => h('option', { value: t.id }, t.name)));
      fTrack.dataset.key = key;
      fTrack.value = S.doc.get(v) ? v : '';
      filt.track = fTrack.value;
    }
    const rs = visibleRoots();
    // keep open reply/edit boxes: rebuild only threads whose content changed
    const old = new Map([...threads.children].map((li) => [li.dataset.comment, li]));
    const items = rs.map((c) => {
      const reps = repliesOf(c.id);
      const sig = JSON.stringify([c, reps, changes.get(c.id) || null, openId === c.id, session.members.length]);
      const prev = old.get(c.id);
      if (prev && prev.dataset.sig === sig) return prev;
      const t = S.doc.get(c.clip) || S.doc.get(c.track);
      const target = c.clip ? `clip ${S.doc.get(c.clip)?.name || '(deleted)'}` : c.track ? `track ${S.doc.get(c.track)?.name || '(deleted)'}` : 'whole mix';
      const when = c.end !== null && c.end !== undefined ? `${fmtTime(c.at, S.doc.rate)} – ${fmtTime(c.end, S.doc.rate)}` : fmtTime(c.at, S.doc.rate);
      const li = h(`li.thread${c.resolved ? '.resolved' : ''}${openId === c.id ? '.open' : ''}`, { dataset: { comment: c.id, sig } },
        h('div.tmeta', {},
          h('button.at', { 'aria-label': `Play from ${when}`, title: 'Play from here', onclick: () => jump(c) }, `▶ ${when}`),
          h('span.dim', {}, target),
          c.resolved ? h('span.badge.ok', {}, 'resolved') : null,
          c.changed_since ? changedInfo(c) : null),
        message(c, false),
        reps.length ? h('div.replies', {}, reps.map((r) => message(r, true))) : null);
      li.style.setProperty('--who', S.colorOf(c.author));
      void t;
      return li;
    });
    const ids = new Set(items.map((li) => li.dataset.comment));
    for (const li of [...threads.children]) if (!ids.has(li.dataset.comment)) li.remove();
    items.forEach((li, i) => { if (threads.children[i] !== li) threads.insertBefore(li, threads.children[i] || null); });
    for (const li of items) {
      const prev = old.get(li.dataset.comment);
      if (prev && prev !== li) prev.remove();
    }
    empty.classList.toggle('hidden', rs.length > 0);
    if (!rs.length) empty.textContent = emptyText();
    if (S.onCommentCount) S.onCommentCount(roots().filter((c) => !c.resolved).length);
  }

  function renderPins() {
    const keep = new Set();
    for (const c of roots()) {
      keep.add(c.id);
      let p = pins.querySelector(`[data-comment="${c.id}"]`);
      if (!p) {
        p = h('div.cpin', { dataset: { comment: c.id }, role: 'listitem', tabindex: '0', onclick: (e) => { e.stopPropagation(); jump(S.session.comments.get(c.id)); },
          onpointerdown: (e) => e.stopPropagation() }, h('span.cdot'), h('span.cbar'));
        pins.append(p);
      }
      const range = c.end !== null && c.end !== undefined && c.end > c.at;
      p.style.left = `${HEAD_W + c.at / S.zoom}px`;
      p.style.setProperty('--who', S.colorOf(c.author));
      p.querySelector('.cbar').style.width = range ? `${Math.max(2, (c.end - c.at) / S.zoom)}px` : '0px';
      p.classList.toggle('range', range);
      p.classList.toggle('resolved', !!c.resolved);
      p.classList.toggle('open', openId === c.id);
      p.title = `${nameOf(c.author)}: ${c.body}`;
      p.setAttribute('aria-label', `Comment by ${nameOf(c.author)} at ${fmtTime(c.at, S.doc.rate)}: ${c.body}`);
    }
    for (const p of [...pins.children]) if (!keep.has(p.dataset.comment)) p.remove();
  }

  /** Opens a comment's thread, seeks to its time and plays (unless play is false). */
  function jump(c, play = true) {
    if (!c) return;
    openId = c.id;
    S.showPanel && S.showPanel('comments');
    if (filt.status === 'open' && c.resolved) { filt.status = 'all'; fStatus.value = 'all'; }
    render();
    const li = threads.querySelector(`[data-comment="${c.id}"]`);
    if (li) li.scrollIntoView({ block: 'nearest' });
    S.setPlayhead(c.at);
    if (c.end !== null && c.end !== undefined && c.end > c.at && S.transport) S.transport.setRange([c.at, c.end]);
    if (play && S.transport) S.transport.play(c.at);
  }

  function render() { renderPins(); renderList(); }
  session.addEventListener('comment', () => render());
  return { el, pins, render, renderPins, compose, jump };
}
