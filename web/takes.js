// takes.js -- take alternatives on the timeline: clips of one track with
// the same non-empty take_group are takes recorded over the same range,
// exactly one of them unmuted (the one that plays). Each gets a small
// "Takes" button opening a picker that lists Take 1..N: "Use" picks one in
// a single push (mute on the others, off on it; Ctrl+Z undoes it), and
// "Audition" picks it and plays from the clip's start (the server renders
// the mix, so auditioning is a real pick that undo takes back).

import { h } from './ui.js';

/** The take groups of a document: Map "track\u0000group" -> clips sorted by start then id. */
export function takeGroups(doc) {
  const groups = new Map();
  for (const c of doc.ofKind('clip')) {
    if (!c.take_group) continue;
    const k = `${c.track}\u0000${c.take_group}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(c);
  }
  for (const g of groups.values()) g.sort((a, b) => (a.name || '').localeCompare(b.name || '', 'en', { numeric: true }) || (a.id < b.id ? -1 : 1));
  return groups;
}

/** The ops that make `chosen` the playing take of its group. */
export function pickOps(group, chosen) {
  const ops = [];
  for (const c of group) {
    const mute = c.id !== chosen;
    if (!!c.mute !== mute) ops.push({ op: 'set', id: c.id, fields: { mute } });
  }
  return ops;
}

/** Mounts the Takes buttons and picker on studio S, timeline tl. */
export function createTakes(S, tl) {
  let menu = null;

  function decorate() {
    const groups = takeGroups(S.doc);
    const of = new Map();
    for (const g of groups.values()) if (g.length > 1) for (const c of g) of.set(c.id, g);
    for (const [id, rec] of tl.clips) {
      let btn = rec.el.querySelector(':scope > .takesbtn');
      const g = of.get(id);
      if (!g) { if (btn) btn.remove(); continue; }
      const c = S.doc.get(id);
      const i = g.findIndex((x) => x.id === id) + 1;
      if (!btn) {
        btn = h('button.takesbtn', { 'aria-haspopup': 'dialog', onpointerdown: (e) => e.stopPropagation(),
          onclick: (e) => { e.stopPropagation(); open(btn.dataset.clip, btn); } });
        rec.el.append(btn);
      }
      btn.dataset.clip = id;
      const label = `Takes ${i}/${g.length}${c.mute ? '' : ' ▶'}`;
      if (btn.textContent !== label) btn.textContent = label;
      btn.setAttribute('aria-label', `Takes of ${c.name || 'this clip'}: ${g.length} alternatives`);
      rec.el.classList.toggle('take-alt', !!c.mute);
    }
    if (menu) fill();
  }

  function groupOf(id) {
    const c = S.doc.get(id);
    if (!c || !c.take_group) return null;
    return takeGroups(S.doc).get(`${c.track}\u0000${c.take_group}`) || null;
  }

  function pick(group, id) {
    const ops = pickOps(group, id);
    if (ops.length && S.canEdit) S.session.push(ops);
  }

  function open(id, anchor) {
    close();
    const box = h('div.takesmenu', { role: 'dialog', 'aria-label': 'Takes' });
    menu = { box, id, anchor };
    const onKey = (e) => { if (e.key === 'Escape') { e.stopPropagation(); close(); anchor.focus(); } };
    const onDown = (e) => { if (!box.contains(e.target) && e.target !== anchor) close(); };
    menu.off = () => { document.removeEventListener('keydown', onKey, true); document.removeEventListener('pointerdown', onDown, true); };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onDown, true);
    document.body.append(box);
    fill();
    const r = anchor.getBoundingClientRect();
    box.style.left = `${Math.max(4, Math.min(window.innerWidth - 340, r.left))}px`;
    box.style.top = `${r.bottom + 4}px`;
    const first = box.querySelector('button');
    if (first) first.focus();
  }

  function fill() {
    const g = groupOf(menu.id);
    if (!g) { close(); return; }
    const ro = !S.canEdit;
    menu.box.replaceChildren(h('h3', {}, 'Takes'), h('ul', {}, g.map((c) => {
      const playing = !c.mute;
      return h('li', { class: playing ? 'playing' : '' },
        h('span.tname', {}, `${c.name || c.id}${playing ? ' (plays)' : ''}`),
        h('button', { 'aria-label': `Use ${c.name || c.id}`, 'aria-pressed': String(playing), disabled: ro, onclick: () => pick(g, c.id) }, playing ? 'In use' : 'Use'),
        h('button', { 'aria-label': `Audition ${c.name || c.id}`, disabled: ro, title: 'Picks this take and plays from the clip start (Ctrl+Z undoes the pick)',
          onclick: () => { pick(g, c.id); S.transport.play(c.start); } }, '▶ Audition'));
    })));
  }

  function close() {
    if (!menu) return;
    menu.off();
    menu.box.remove();
    menu = null;
  }

  const prev = S.onDraw;
  S.onDraw = () => { if (prev) prev(); decorate(); };
  return { decorate, close, open };
}
