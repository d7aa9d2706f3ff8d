// presence.js -- the other people in the project: avatars in the top bar
// (a colour per user, online or not), and on the timeline each remote
// client's playhead, mouse cursor (with a name tag) and selected clips
// outlined in their colour. Clicking an online collaborator's avatar
// follows their transport (S.onAvatar); the followed one is ringed.
//
// Names: a cursor, selection or avatar is labelled with the person's
// display name only (from the welcome's members, else the "name" every
// presence message carries; never a user or client id). Somebody who was
// not a member at our welcome (an invite accepted meanwhile) appears from
// their first presence and the member list is read again for their role.
// Colours: colors.js roomColors over the people here and the members,
// installed as S.colorOf (pairwise distinct for everybody present).

import { h } from './ui.js';
import { HEAD_W } from './timeline.js';
import { roomColors } from './colors.js';
import { listMembers } from './api.js';

export function createPresence(S, tl) {
  const avatars = h('div.avatars', { role: 'list', 'aria-label': 'People in this project' });
  const marks = new Map(); // client -> {ph, cur}

  const late = new Map(); // user id -> {id, name, display_name, role}: joined after our welcome
  let colorFn = roomColors([], []);
  let colorKey = '';
  S.colorOf = (id) => colorFn(id);

  const member = (userId) => S.session.member(userId) || late.get(userId) || null;
  const nameOf = (userId, p) => {
    const m = member(userId);
    return (m && (m.display_name || m.name)) || (p && p.name) || 'Someone';
  };
  const allMembers = () => {
    const ms = S.session.members.length ? [...S.session.members] : (S.session.user ? [{ ...S.session.user, role: S.session.role }] : []);
    for (const m of late.values()) if (!ms.some((x) => x.id === m.id)) ms.push(m);
    return ms;
  };
  let refetching = false;
  /** A presence from a user the welcome did not list: show them now, read the roles again. */
  function noteLateJoiners() {
    let any = false;
    for (const p of S.session.presence.values()) {
      if (!p.user || S.session.member(p.user) || late.has(p.user)) continue;
      late.set(p.user, { id: p.user, name: p.name || 'Someone', display_name: p.name || '', role: 'member' });
      any = true;
    }
    if (!any || refetching) return;
    refetching = true;
    listMembers(S.projectId).then((ms) => {
      if (Array.isArray(ms) && ms.length) S.session.members = ms.map((m) => ({ id: m.user.id, name: m.user.name, display_name: m.user.display_name, role: m.role }));
      for (const id of [...late.keys()]) if (S.session.member(id)) late.delete(id);
    }).catch(() => {}).finally(() => { refetching = false; lastKey = ''; render(); });
  }
  /** Recomputes the room's colours when who is here changes; true if they did. */
  function updateColors(online, members) {
    const key = JSON.stringify([[...online].sort(), members.map((m) => m.id).sort()]);
    if (key === colorKey) return false;
    colorKey = key;
    colorFn = roomColors([...online].filter(Boolean), members.map((m) => m.id));
    if (S.onColors) S.onColors();
    return true;
  }

  let lastKey = '';
  function renderAvatars() {
    noteLateJoiners();
    const online = new Set([S.session.user?.id]);
    for (const p of S.session.presence.values()) online.add(p.user);
    const members = allMembers();
    if (updateColors(online, members)) lastKey = '';
    // presence arrives up to 20 times a second per client: rebuild only when
    // what the avatars show changed (a click must not land on a replaced node)
    const fl = S.player && S.player.following ? S.session.presence.get(S.player.following)?.user : '';
    const key = JSON.stringify([members.map((m) => [m.id, m.name, m.display_name, m.role]), [...online].sort(), fl, S.session.user?.id]);
    if (key === lastKey) return;
    lastKey = key;
    avatars.replaceChildren(...members.map((m) => {
      const name = m.display_name || m.name || 'Someone';
      const isOn = online.has(m.id);
      const me = m.id === S.session.user?.id;
      const followed = S.player && S.player.following && S.session.presence.get(S.player.following)?.user === m.id;
      const hint = me ? '' : isOn ? (followed ? ' — click to stop following' : ' — click to follow their playback') : '';
      const a = h(`span.avatar${isOn ? '.online' : ''}${followed ? '.following' : ''}`, { role: 'listitem', title: `${name} (${m.role})${isOn ? ', here now' : ''}${hint}`,
        'aria-label': `${name}, ${m.role}${isOn ? ', online' : ''}${followed ? ', following' : ''}`, dataset: { user: m.id },
        onclick: () => { if (!me && isOn && S.onAvatar) S.onAvatar(m.id); } }, name.slice(0, 2).toUpperCase());
      a.classList.toggle('clickable', !me && isOn);
      a.style.background = S.colorOf(m.id);
      a.style.color = '#10131a';
      return a;
    }));
  }

  function renderMarks() {
    renderAvatars(); // a new person or a new colour shows at once
    const alive = new Set();
    const sel = new Map(); // clip id -> color
    for (const [client, p] of S.session.presence) {
      if (client === S.session.clientId) continue;
      alive.add(client);
      const color = S.colorOf(p.user);
      let m = marks.get(client);
      if (!m) {
        m = { ph: h('div.rplayhead', { 'aria-hidden': 'true' }), cur: h('div.rcursor', { 'aria-hidden': 'true' }, h('span.tag')) };
        tl.overlay.append(m.ph, m.cur);
        marks.set(client, m);
      }
      m.ph.style.setProperty('--who', color);
      m.cur.style.setProperty('--who', color);
      const who = nameOf(p.user, p);
      m.cur.firstChild.textContent = who;
      m.cur.dataset.user = p.user;
      m.ph.title = `${who}'s playhead`;
      m.ph.style.display = typeof p.playhead === 'number' ? '' : 'none';
      if (typeof p.playhead === 'number') m.ph.style.left = `${HEAD_W + p.playhead / S.zoom}px`;
      m.cur.style.display = typeof p.cursor === 'number' ? '' : 'none';
      if (typeof p.cursor === 'number') m.cur.style.left = `${HEAD_W + p.cursor / S.zoom}px`;
      for (const id of p.selection || []) sel.set(id, { color, name: who });
    }
    for (const [client, m] of marks) if (!alive.has(client)) { m.ph.remove(); m.cur.remove(); marks.delete(client); }
    for (const [id, rec] of tl.clips) {
      const s = sel.get(id);
      rec.el.classList.toggle('rsel', !!s);
      if (s) { rec.el.style.setProperty('--rsel', s.color); rec.el.dataset.rselBy = s.name; } else delete rec.el.dataset.rselBy;
    }
  }

  function render() { renderMarks(); }
  S.session.addEventListener('presence', render);
  return { avatars, render, renderMarks, nameOf };
}
