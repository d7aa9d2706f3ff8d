// presence.js -- the other people in the project: avatars in the top bar
// (a colour per user, online or not), and on the timeline each remote
// client's playhead, mouse cursor (with a name tag) and selected clips
// outlined in their colour. Clicking an online collaborator's avatar
// follows their transport (S.onAvatar); the followed one is ringed.

import { h } from './ui.js';
import { HEAD_W } from './timeline.js';

export function createPresence(S, tl) {
  const avatars = h('div.avatars', { role: 'list', 'aria-label': 'People in this project' });
  const marks = new Map(); // client -> {ph, cur}

  const nameOf = (userId) => {
    const m = S.session.member(userId);
    return m ? m.display_name || m.name : userId;
  };

  let lastKey = '';
  function renderAvatars() {
    const online = new Set([S.session.user?.id]);
    for (const p of S.session.presence.values()) online.add(p.user);
    const members = S.session.members.length ? S.session.members : (S.session.user ? [{ ...S.session.user, role: S.session.role }] : []);
    // presence arrives up to 20 times a second per client: rebuild only when
    // what the avatars show changed (a click must not land on a replaced node)
    const fl = S.player && S.player.following ? S.session.presence.get(S.player.following)?.user : '';
    const key = JSON.stringify([members.map((m) => [m.id, m.name, m.display_name, m.role]), [...online].sort(), fl, S.session.user?.id]);
    if (key === lastKey) return;
    lastKey = key;
    avatars.replaceChildren(...members.map((m) => {
      const name = m.display_name || m.name;
      const isOn = online.has(m.id);
      const me = m.id === S.session.user?.id;
      const followed = S.player && S.player.following && S.session.presence.get(S.player.following)?.user === m.id;
      const hint = me ? '' : isOn ? (followed ? ' — click to stop following' : ' — click to follow their playback') : '';
      const a = h(`span.avatar${isOn ? '.online' : ''}${followed ? '.following' : ''}`, { role: 'listitem', title: `${name} (${m.role})${isOn ? ', here now' : ''}${hint}`,
        'aria-label': `${name}, ${m.role}${isOn ? ', online' : ''}${followed ? ', following' : ''}`, dataset: { user: m.id },
        onclick: () => { if (!me && isOn && S.onAvatar) S.onAvatar(m.id); } }, name.slice(0, 2).toUpperCase());
      a.classList.toggle('clickable', !me && isOn);
      a.style.background = S.colorOf(m.id);
      return a;
    }));
  }

  function renderMarks() {
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
      m.cur.firstChild.textContent = nameOf(p.user);
      m.ph.title = `${nameOf(p.user)}'s playhead`;
      m.ph.style.display = typeof p.playhead === 'number' ? '' : 'none';
      if (typeof p.playhead === 'number') m.ph.style.left = `${HEAD_W + p.playhead / S.zoom}px`;
      m.cur.style.display = typeof p.cursor === 'number' ? '' : 'none';
      if (typeof p.cursor === 'number') m.cur.style.left = `${HEAD_W + p.cursor / S.zoom}px`;
      for (const id of p.selection || []) sel.set(id, { color, name: nameOf(p.user) });
    }
    for (const [client, m] of marks) if (!alive.has(client)) { m.ph.remove(); m.cur.remove(); marks.delete(client); }
    for (const [id, rec] of tl.clips) {
      const s = sel.get(id);
      rec.el.classList.toggle('rsel', !!s);
      if (s) { rec.el.style.setProperty('--rsel', s.color); rec.el.dataset.rselBy = s.name; } else delete rec.el.dataset.rselBy;
    }
  }

  function render() { renderAvatars(); renderMarks(); }
  S.session.addEventListener('presence', render);
  return { avatars, render, renderMarks };
}
