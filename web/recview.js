// recview.js -- what collaborators see while someone records: the live
// `recording` messages ({take, track, user, name, at, frames, state}, see
// docs/protocol.md "Recording") become a badge on the track header and a
// region on the timeline lane that grows with each acknowledged chunk (on
// the "drop audio here" row when the take goes to a new track). When the
// take is done the region goes: its clip arrives through the normal delta.

import { h } from './ui.js';

/** Mounts the live recording view on the studio S and timeline tl; returns {takes, place}. */
export function createRecView(S, tl) {
  const takes = new Map(); // take id -> {msg, region, badge}

  S.session.addEventListener('message', (e) => {
    const m = e.detail;
    if (!m || m.type !== 'recording' || typeof m.take !== 'string') return;
    let t = takes.get(m.take);
    if (m.state !== 'recording') {
      if (t) { t.region.remove(); t.badge.remove(); takes.delete(m.take); }
      return;
    }
    if (!t) {
      const who = m.name || 'someone';
      t = {
        msg: m,
        region: h('div.recregion', { dataset: { take: m.take }, role: 'img', 'aria-label': `${who} is recording` }, h('span', {}, `● ${who}`)),
        badge: h('span.recbadge', { dataset: { take: m.take }, title: `${who} is recording on this track` }, `● REC ${who}`),
      };
      takes.set(m.take, t);
    }
    t.msg = m;
    place();
  });

  /** Puts every live take's badge and region where its track is (after renders and zooms). */
  function place() {
    for (const t of takes.values()) {
      const m = t.msg;
      const row = m.track ? tl.rows.get(m.track) : null;
      const lane = row ? row.lane : tl.content.querySelector('.drop-lane');
      if (!lane) continue;
      if (t.region.parentNode !== lane) lane.append(t.region);
      t.region.style.left = `${m.at / S.zoom}px`;
      t.region.style.width = `${Math.max(2, (m.frames || 0) / S.zoom)}px`;
      t.region.style.setProperty('--who', S.colorOf(m.user));
      if (row) { if (t.badge.parentNode !== row.head) row.head.append(t.badge); }
      else t.badge.remove();
    }
  }

  const prev = S.onDraw;
  S.onDraw = () => { if (prev) prev(); place(); };
  return { takes, place };
}
