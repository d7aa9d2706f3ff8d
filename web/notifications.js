// notifications.js -- the notifications button of the top bar (studio and
// projects page): the unread count of the signed-in user's activity
// (mentions, replies, comments on their projects, versions and their
// status, joins), kept live by the `activity` and `activity.read` messages
// of the studio's socket (the projects page, which has none, asks again
// every 30 s); a panel listing the newest items, each opening its project
// at the comment's position (or the version); "Mark all read". Also
// focusUrl: what the studio does with ?t=<frame>&comment=<id> or
// ?version=<id> in its URL.

import * as api from './api.js';
import { h, toast, fmtAgo } from './ui.js';

const PAGE = 30;
const POLL_MS = 30000;

/**
 * The button and its panel. session: the studio's Session (or null on the
 * projects page); open(url): opens an item's URL. Returns {el, close}.
 */
export function createNotifications({ session = null, open }) {
  let items = [];
  let unread = 0;
  let timer = 0;
  const badge = h('span.nbadge.hidden', { 'aria-hidden': 'true' });
  const btn = h('button.nbtn', { 'aria-label': 'Inbox: notifications', title: 'Notifications', 'aria-expanded': 'false', 'aria-haspopup': 'true',
    onclick: (e) => { e.stopPropagation(); toggle(); } }, 'Inbox', badge);
  const list = h('ul.nlist', { role: 'list' });
  const markBtn = h('button', { 'aria-label': 'Mark all read', onclick: () => markAll() }, 'Mark all read');
  const panel = h('div.npanel.hidden', { role: 'dialog', 'aria-label': 'Notifications panel', onclick: (e) => e.stopPropagation() },
    h('div.nhead', {}, h('strong', {}, 'Notifications'), h('span.grow'), markBtn), list);
  const el = h('span.notifications', {}, btn, panel);

  function setUnread(n) {
    unread = Math.max(0, n | 0);
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.classList.toggle('hidden', unread === 0);
    btn.setAttribute('aria-label', unread ? `Inbox: notifications, ${unread} unread` : 'Inbox: notifications');
    btn.dataset.unread = String(unread);
  }

  function render() {
    markBtn.disabled = unread === 0;
    if (!items.length) { list.replaceChildren(h('li.nempty', {}, 'Nothing yet.')); return; }
    list.replaceChildren(...items.map((it) => h(`li.nitem${it.read ? '' : '.unread'}`, { dataset: { id: it.id, kind: it.kind } },
      h('button.nopen', { 'aria-label': it.text, onclick: () => { hide(); open(it.url); } },
        h('span.ntext', {}, it.text),
        h('span.nmeta', {}, `${it.project_name || it.project} · ${fmtAgo(it.ts)}`)))));
  }

  async function load() {
    try {
      const r = await api.listActivity(`?limit=${PAGE}`);
      items = r.items;
      setUnread(r.unread);
      render();
    } catch (e) {
      if (e.status !== 401) toast(`Notifications: ${e.message}`, 'error');
    }
  }

  async function markAll() {
    if (!items.length) return;
    try {
      const r = await api.markActivityRead(items[0].id);
      for (const it of items) it.read = true;
      setUnread(r.unread);
      render();
    } catch (e) { toast(`Notifications: ${e.message}`, 'error'); }
  }

  const onDoc = () => hide();
  function show() {
    panel.classList.remove('hidden');
    btn.setAttribute('aria-expanded', 'true');
    document.addEventListener('click', onDoc);
    load();
  }
  function hide() {
    panel.classList.add('hidden');
    btn.setAttribute('aria-expanded', 'false');
    document.removeEventListener('click', onDoc);
  }
  function toggle() { if (panel.classList.contains('hidden')) show(); else hide(); }

  const onMessage = (e) => {
    const m = e.detail;
    if (!m) return;
    if (m.type === 'activity' && m.item) {
      items = [m.item, ...items.filter((x) => x.id !== m.item.id)].slice(0, PAGE);
      setUnread(m.unread);
      render();
    } else if (m.type === 'activity.read') {
      for (const it of items) if (it.id <= m.upto) it.read = true;
      setUnread(m.unread);
      render();
    }
  };
  if (session) {
    session.addEventListener('message', onMessage);
    session.addEventListener('welcome', load); // again after a reconnect
  } else {
    timer = setInterval(() => { if (!el.isConnected) { clearInterval(timer); timer = 0; } else load(); }, POLL_MS);
  }
  setUnread(0);
  load();
  return {
    el,
    close() {
      hide();
      if (timer) clearInterval(timer);
      if (session) { session.removeEventListener('message', onMessage); session.removeEventListener('welcome', load); }
    },
  };
}

/**
 * Applies an item's position to an open studio: search is a URL query
 * ("?t=<frame>&comment=<id>" or "?version=<id>"). Seeks to the comment
 * (or t), opens its thread highlighted; or opens the versions panel on the
 * version. Returns true when something was applied.
 */
export function focusUrl(S, comments, search) {
  const q = new URLSearchParams(search || '');
  const t = Number(q.get('t'));
  const cid = q.get('comment');
  const vid = q.get('version');
  if (cid) {
    const c = S.session.comments.get(cid);
    if (!c) {
      if (Number.isFinite(t) && t >= 0) S.setPlayhead(t);
      toast('That comment is no longer there.', 'info');
      return false;
    }
    const root = c.parent ? (S.session.comments.get(c.parent) || c) : c;
    comments.jump(root, false);
    S.setPlayhead(c.at);
    return true;
  }
  if (vid) {
    S.showPanel && S.showPanel('history');
    return true;
  }
  if (q.has('t') && Number.isFinite(t) && t >= 0) { S.setPlayhead(t); return true; }
  return false;
}
