// studio.js -- the studio page for one project: the top bar (project name,
// tempo and meter, transport, snap, zoom, undo/redo, add track/bus,
// import, mixer toggle, share, help, people, connection state), the clip
// inspector, the timeline, the mixer, the uploads list and the connection
// banner; the side panel (comments, history and versions); the transport
// (transport.js: audio, loop, follow, A/B) and the export dialog; keyboard
// shortcuts; and the glue that re-renders the views when the session's
// document changes.

import { Session } from './sync.js';
import { h, toast, showHelp, userColor, fmtDb, setVal } from './ui.js';
import { createTimeline, COLORS, gridStep } from './timeline.js';
import { createMixer } from './mixer.js';
import { createUploads } from './upload.js';
import { createPresence } from './presence.js';
import { splitAtPlayhead, duplicateSelected, deleteSelected, renameClip } from './clipedit.js';
import { membersDialog } from './projects.js';
import { shareLinksDialog } from './share.js';
import { orderBetween } from './order.js';
import { newId } from './doc.js';
import { createTransport } from './transport.js';
import { createComments } from './comments.js';
import { createHistory } from './history.js';
import { openExport } from './exportdlg.js';
import { createNotifications, focusUrl } from './notifications.js';
import { installNotes } from './instrument.js';
import { installLayout } from './layout.js';
import { createOverview } from './overview.js';
import { describeLimits } from './collab.js';
import { installEditing } from './clipboard.js';
import { createRecorder } from './record.js';
import { createRecView } from './recview.js';
import { createTakes } from './takes.js';

/** Opens the studio for projectId in root; returns {close}. */
export function openStudio(root, projectId, user, { go, logout }) {
  const session = new Session(projectId);
  let raf = 0;
  let transport = null; // transport.js, made once the timeline exists
  const S = {
    session, projectId, user,
    zoom: 256, snap: true, playhead: 0, selection: new Set(),
    get doc() { return session.view; },
    get canEdit() { return session.canEdit; },
    colorOf: (id) => userColor(id),
    nextColor() { return COLORS[S.doc.tracks().length % COLORS.length]; },
    /** Moves the playhead; fromAudio = it follows the heard audio (no seek). */
    setPlayhead(f, fromAudio = false) {
      S.playhead = Math.max(0, Math.round(f));
      tl.placePlayhead();
      if (S.layout) S.layout.place();
      session.sendPresence({ playhead: S.playhead });
      if (!fromAudio && transport) transport.seekTo(S.playhead);
    },
    select(ids, mode) {
      if (mode === 'toggle') for (const id of ids) { if (S.selection.has(id)) S.selection.delete(id); else S.selection.add(id); }
      else S.selection = new Set(ids);
      session.sendPresence({ selection: [...S.selection] });
      refresh();
    },
    onCursor(f) { session.sendPresence({ cursor: f }); },
    onView([a, b]) { session.sendPresence({ view: [a, Math.max(a, b)] }); },
  };

  // ---- top bar ----
  const title = h('input.ptitle', { 'aria-label': 'Project name', maxlength: 200,
    onchange: () => { if (title.value.trim()) session.push([{ op: 'set', id: 'project', fields: { name: title.value.trim() } }]); } });
  const tempo = h('input.tempo', { type: 'number', min: 20, max: 999, step: 0.1, 'aria-label': 'Tempo in beats per minute',
    onchange: () => { const v = Number(tempo.value); if (v >= 20 && v <= 999) session.push([{ op: 'set', id: 'project', fields: { tempo: v } }]); } });
  const meterN = h('input.meter', { type: 'number', min: 1, max: 32, 'aria-label': 'Beats per bar',
    onchange: () => session.push([{ op: 'set', id: 'project', fields: { meter: [Number(meterN.value), Number(meterD.value)] } }]) });
  const meterD = h('select.meter', { 'aria-label': 'Beat unit',
    onchange: () => session.push([{ op: 'set', id: 'project', fields: { meter: [Number(meterN.value), Number(meterD.value)] } }]) },
  [1, 2, 4, 8, 16].map((d) => h('option', { value: d }, d)));
  const snapBtn = h('button.toggle', { 'aria-label': 'Snap to grid', title: 'Snap to grid (G)', 'aria-pressed': 'true', onclick: () => toggleSnap() }, 'Snap');
  const undoBtn = h('button', { 'aria-label': 'Undo', title: 'Undo (Ctrl/⌘+Z)', onclick: () => undo() }, '↶');
  const redoBtn = h('button', { 'aria-label': 'Redo', title: 'Redo (Shift+Ctrl/⌘+Z)', onclick: () => redo() }, '↷');
  const addTrackBtn = h('button', { 'aria-label': 'Add track', title: 'Add track (T)', onclick: () => addTrack('audio') }, '+ Track');
  const addBusBtn = h('button', { 'aria-label': 'Add bus', title: 'Add bus (B)', onclick: () => addTrack('bus') }, '+ Bus');
  installNotes(S); // piano roll, step sequencer, instrument panel (instrument.js)
  const addInstBtn = h('button', { 'aria-label': 'Add instrument track', title: 'Add instrument track (I)', onclick: () => S.addInstrumentTrack() }, '+ Instrument');
  const mixBtn = h('button.toggle', { 'aria-label': 'Show the mixer', title: 'Mixer (X)', 'aria-pressed': 'true', onclick: () => toggleMixer() }, 'Mixer');
  const shareBtn = h('button', { 'aria-label': 'Members and invites', onclick: () => membersDialog(projectId, S.doc.project.name, session.user || user) }, 'Members');
  const linksBtn = h('button', { 'aria-label': 'Share links', title: 'Share a link with people who have no account', onclick: () => shareLinksDialog(projectId, S.doc.project.name, [...hist.versions.values()]) }, 'Links');
  const status = h('span.status', { role: 'status', 'aria-live': 'polite' }, 'connecting');
  const roleTag = h('span.role');
  const uploads = createUploads(S);
  const tl = createTimeline(S);
  const mixer = createMixer(S);
  const presence = createPresence(S, tl);
  const overview = createOverview(S, tl);
  uploads.attach(tl);
  const editing = installEditing(S, tl); // clipboard keys, clip and track menus
  transport = createTransport(S, tl, mixer);
  S.transport = transport;
  const comments = createComments(S, tl);
  const hist = createHistory(S);
  // notifications: an item of this project is applied here, others open their project
  const notes = createNotifications({ session, open: (url) => {
    const u = new URL(url, location.origin);
    if (u.pathname !== `/p/${projectId}`) { go(u.pathname + u.search); return; }
    history.replaceState(null, '', u.pathname + u.search);
    focusUrl(S, comments, u.search);
  } });
  let focused = false; // the URL's ?t=&comment= / ?version= is applied at the first welcome
  session.addEventListener('welcome', () => { if (!focused) { focused = true; focusUrl(S, comments, location.search); } });
  const commentsBtn = h('button.toggle', { 'aria-label': 'Comments', title: 'Comments (C to add one)', 'aria-pressed': 'false', dataset: { count: 0 }, onclick: () => togglePanel('comments') }, 'Comments');
  const historyBtn = h('button.toggle', { 'aria-label': 'History and versions', title: 'History and versions', 'aria-pressed': 'false', onclick: () => togglePanel('history') }, 'History');
  const exportBtn = h('button', { 'aria-label': 'Export', title: 'Export the mix', onclick: () => openExport(S, [...hist.versions.values()]) }, 'Export');
  const side = h('aside.side.hidden', { 'aria-label': 'Side panel' }, comments.el, hist.el);
  let panel = null;
  function togglePanel(name) { showPanel(panel === name ? null : name); }
  function showPanel(name) {
    panel = name;
    side.classList.toggle('hidden', !name);
    comments.el.classList.toggle('hidden', name !== 'comments');
    hist.el.classList.toggle('hidden', name !== 'history');
    commentsBtn.setAttribute('aria-pressed', String(name === 'comments'));
    historyBtn.setAttribute('aria-pressed', String(name === 'history'));
    hist.show(name === 'history');
    if (name === 'comments') comments.render();
    tl.schedule();
  }
  S.showPanel = showPanel;
  S.onCommentCount = (n) => { commentsBtn.dataset.count = n; commentsBtn.title = `Comments: ${n} open (C to add one)`; }; // the count shows from CSS (style.css)
  S.onDraw = () => { transport.placeBand(); comments.renderPins(); overview.draw(); };
  S.onAvatar = (userId) => {
    const f = transport.player.following;
    if (f && session.presence.get(f)?.user === userId) { transport.follow(null); return; }
    let best = null;
    for (const [client, p] of session.presence) if (p.user === userId && client !== session.clientId && (!best || p.at > best.at)) best = { client, at: p.at };
    if (best) transport.follow(best.client);
  };
  S.onTransport = () => presence.render();
  const recorder = createRecorder(S, transport.el); // Record (R) inside the transport group (record.js)
  createRecView(S, tl);
  createTakes(S, tl);

  const topbar = h('header.topbar', {},
    h('nav.backnav', { 'aria-label': 'Projects' }, h('a.back', { href: '/projects', 'aria-label': 'Back to the projects', onclick: (e) => { e.preventDefault(); go('/projects'); } }, '◂')),
    title, roleTag,
    h('div.group', {}, h('label.small', {}, '♩', tempo), h('span.small', {}, meterN, '/', meterD)),
    transport.el, h('button', { 'aria-label': 'Playhead to the start', title: 'To start (Home)', onclick: () => S.setPlayhead(0) }, '|◀'),
    h('div.group', {}, snapBtn,
      h('button', { 'aria-label': 'Zoom out', title: 'Zoom out (−)', onclick: () => tl.zoomBy(1 / 1.5) }, '−'),
      h('button', { 'aria-label': 'Zoom in', title: 'Zoom in (+)', onclick: () => tl.zoomBy(1.5) }, '+'),
      h('button', { 'aria-label': 'Zoom to fit', title: 'Zoom to fit the whole song (F)', onclick: () => tl.zoomToFit() }, '⇔')),
    h('div.group', {}, undoBtn, redoBtn),
    h('div.group.edit', {}, addTrackBtn, addBusBtn, addInstBtn, uploads.pickerButton()),
    h('span.grow'),
    notes.el, presence.avatars, status,
    h('div.group', {}, mixBtn, shareBtn,
      linksBtn, h('button', { 'aria-label': 'Keyboard shortcuts', title: 'Shortcuts (?)', onclick: () => showHelp() }, '?'),
      h('button', { 'aria-label': 'Sign out', title: 'Sign out', onclick: logout }, 'Sign out')));

  // ---- clip inspector ----
  const iName = h('input', { 'aria-label': 'Clip name', maxlength: 200, onchange: () => setClip({ name: iName.value }) });
  const iGain = h('input', { type: 'number', min: -60, max: 24, step: 0.5, 'aria-label': 'Clip gain in dB',
    onchange: () => setClip({ gain: iGain.value === '' || Number(iGain.value) <= -60 ? null : Math.min(24, Number(iGain.value)) }) });
  const iFadeIn = h('input', { type: 'number', min: 0, step: 10, 'aria-label': 'Fade in in milliseconds',
    onchange: () => setClip({ fade_in: msToFrames(iFadeIn.value) }) });
  const iFadeOut = h('input', { type: 'number', min: 0, step: 10, 'aria-label': 'Fade out in milliseconds',
    onchange: () => setClip({ fade_out: msToFrames(iFadeOut.value) }) });
  const iMute = h('input', { type: 'checkbox', 'aria-label': 'Mute clip', onchange: () => setClip({ mute: iMute.checked }) });
  const iFields = h('div.ifields', {},
    h('label', {}, 'Clip', iName), h('label', {}, 'Gain', iGain, 'dB'), h('label', {}, 'Fade in', iFadeIn, 'ms'),
    h('label', {}, 'Fade out', iFadeOut, 'ms'), h('label.check', {}, iMute, 'Mute'),
    h('button', { 'aria-label': 'Split at the playhead', title: 'Split (S)', onclick: () => splitAtPlayhead(S) }, 'Split'),
    h('button', { 'aria-label': 'Duplicate clip', title: 'Duplicate (Ctrl/⌘+D)', onclick: () => duplicateSelected(S) }, 'Duplicate'),
    h('button.danger', { 'aria-label': 'Delete clip', title: 'Delete (Del)', onclick: () => deleteSelected(S) }, 'Delete'));
  const iHint = h('div.ihint', {}, 'Click a clip to select it · drag to move · edges trim · top corners fade · double-click to rename · drop audio files to import');
  const inspector = h('div.inspector', { role: 'region', 'aria-label': 'Clip inspector' }, iHint, iFields,
    h('div.group.panels', {}, commentsBtn, historyBtn, exportBtn));
  const msToFrames = (ms) => Math.max(0, Math.round((Number(ms) || 0) * S.doc.rate / 1000));
  function setClip(fields) {
    const c = selectedClip();
    if (!c) return;
    if (fields.fade_in !== undefined) fields.fade_in = Math.min(fields.fade_in, c.length - c.fade_out);
    if (fields.fade_out !== undefined) fields.fade_out = Math.min(fields.fade_out, c.length - c.fade_in);
    session.push([{ op: 'set', id: c.id, fields }]);
  }
  const selectedClip = () => {
    const ids = [...S.selection].filter((id) => S.doc.get(id)?.kind === 'clip');
    return ids.length === 1 ? S.doc.get(ids[0]) : null;
  };
  function renderInspector() {
    const c = selectedClip();
    iFields.classList.toggle('hidden', !c);
    iHint.classList.toggle('hidden', !!c);
    if (!c) return;
    setVal(iName, c.name);
    setVal(iGain, c.gain === null ? '' : c.gain);
    iGain.title = fmtDb(c.gain);
    setVal(iFadeIn, Math.round(c.fade_in * 1000 / S.doc.rate));
    setVal(iFadeOut, Math.round(c.fade_out * 1000 / S.doc.rate));
    iMute.checked = !!c.mute;
    for (const el of iFields.querySelectorAll('input,button')) el.disabled = !S.canEdit;
  }

  // ---- layout ----
  const banner = h('div.banner.hidden', { role: 'alert' });
  const main = h('div.studio', {}, topbar, banner, inspector, h('main.mid', {}, h('div.tlwrap.has-overview', {}, overview.el, tl.el), side), mixer.el, uploads.el);
  root.replaceChildren(main);
  S.layout = installLayout(S, main, banner, comments, () => showPanel('comments')); // the phone view (layout.js)
  session.addEventListener('comment', () => S.layout.render());

  function renderTop() {
    const p = S.doc.project;
    setVal(title, p.name || '');
    setVal(tempo, p.tempo);
    setVal(meterN, (p.meter || [4, 4])[0]);
    setVal(meterD, (p.meter || [4, 4])[1]);
    document.title = `${p.name || 'project'} — mixroom`;
    roleTag.textContent = session.role;
    const ro = !S.canEdit;
    main.classList.toggle('readonly', ro);
    for (const el of [title, tempo, meterN, meterD, undoBtn, redoBtn, addTrackBtn, addBusBtn]) el.disabled = ro;
    for (const el of topbar.querySelectorAll('.edit button')) el.disabled = ro;
    shareBtn.classList.toggle('hidden', session.role !== 'owner');

    linksBtn.classList.toggle('hidden', session.role !== 'owner');
  }

  function refresh(touched, remote) {
    for (const id of [...S.selection]) if (!S.doc.get(id)) S.selection.delete(id);
    renderTop();
    tl.render(touched, remote);
    S.layout.render();
    mixer.render();
    renderInspector();
    describeLimits(S, { exportBtn, edit: [title, tempo, meterN, meterD, undoBtn, redoBtn, ...topbar.querySelectorAll('.edit button')], root: main });
    presence.renderMarks();
    if (panel === 'comments') comments.render(); else comments.renderPins();
  }

  // ---- session events ----
  session.addEventListener('change', (e) => {
    const d = e.detail || {};
    if (d.remote) refresh(d.touched, d.remote);
    else if (!raf) raf = requestAnimationFrame(() => { raf = 0; refresh(); });
  });
  let fitted = false; // the studio opens showing the whole song
  session.addEventListener('welcome', () => {
    presence.render(); refresh();
    if (!fitted) fitted = tl.zoomToFit(); // synchronous: no test or hand sees the old zoom
    if (!fitted) requestAnimationFrame(() => { fitted = tl.zoomToFit(); });
  });
  session.addEventListener('presence', () => presence.renderMarks());
  session.addEventListener('reject', (e) => toast(`Your change was undone by the server: ${e.detail.message}`, 'error', 6000));
  session.addEventListener('error', (e) => {
    const m = e.detail;
    if (!session.welcomed && (m.code === 'forbidden' || m.code === 'unauthorized')) {
      root.replaceChildren(h('div.center', {}, h('div.card', {}, h('h1', {}, 'This project cannot be opened'),
        h('p.error', { role: 'alert' }, m.message), h('a', { href: '/projects' }, 'Your projects'))));
      return;
    }
    toast(m.message || 'Something went wrong', m.code === 'conflict' ? 'info' : 'error');
  });
  session.addEventListener('status', (e) => {
    const s = e.detail;
    status.textContent = s === 'online' ? 'live' : s;
    status.className = `status ${s}`;
    const down = s === 'offline' || s === 'reconnecting';
    banner.classList.toggle('hidden', !down);
    banner.textContent = down ? `Connection lost — reconnecting… ${session.pending.length ? `${session.pending.length} change(s) will be sent when it is back.` : 'Your edits are kept.'}` : '';
    if (s === 'online' && session.rev !== null) banner.textContent = '';
  });

  // ---- commands ----
  function addTrack(role) {
    if (!S.canEdit) return;
    const ts = S.doc.tracks();
    const id = newId('t_');
    const n = ts.filter((t) => t.role === role).length + 1;
    session.push([{ op: 'create', id, kind: 'track', fields: {
      name: role === 'bus' ? `Bus ${n}` : `Track ${n}`, role,
      order: orderBetween(ts.length ? ts[ts.length - 1].order : null, null) || 'V', color: S.nextColor() } }]);
  }
  async function undo() { if (S.canEdit) await session.undo(); }
  async function redo() { if (S.canEdit) await session.redo(); }
  function toggleSnap() {
    S.snap = !S.snap;
    snapBtn.setAttribute('aria-pressed', String(S.snap));
  }
  function toggleMixer() {
    const hidden = mixer.el.classList.toggle('hidden');
    mixBtn.setAttribute('aria-pressed', String(!hidden));
    tl.schedule();
  }
  function addMarker() {
    if (!S.canEdit) return;
    session.push([{ op: 'create', id: newId('m_'), kind: 'marker', fields: { at: S.playhead, name: `Marker ${S.doc.markers().length + 1}` } }]);
  }
  // ---- keyboard ----
  function onKey(e) {
    if (document.querySelector('.backdrop')) return; // a dialog has the keyboard
    const t = e.target;
    const typing = t && (t.tagName === 'INPUT' && !['range', 'checkbox', 'color', 'button'].includes(t.type) || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
    const mod = e.ctrlKey || e.metaKey;
    if (mod && (e.key === 'z' || e.key === 'Z')) {
      if (typing) return;
      e.preventDefault();
      if (e.shiftKey) redo(); else undo();
      return;
    }
    if (mod && (e.key === 'y' || e.key === 'Y') && !typing) { e.preventDefault(); redo(); return; }
    if (typing) return;
    if (mod && (e.key === 'd' || e.key === 'D')) { e.preventDefault(); duplicateSelected(S); return; }
    if (mod || e.altKey) return;
    const beat = gridStep(S.doc, S.zoom).beat;
    const keys = {
      ' ': () => transport.toggle(), Home: () => S.setPlayhead(0),
      c: () => comments.compose(), C: () => comments.compose(),
      l: () => transport.setLoop(!S.loop), L: () => transport.setLoop(!S.loop),
      ArrowLeft: () => S.setPlayhead(Math.max(0, Math.round((S.playhead - beat) / beat) * beat)),
      ArrowRight: () => S.setPlayhead(Math.round((S.playhead + beat) / beat) * beat),
      s: () => splitAtPlayhead(S), S: () => splitAtPlayhead(S),
      Delete: () => deleteSelected(S), Backspace: () => deleteSelected(S),
      F2: () => { const c = selectedClip(); if (c) renameClip(S, c.id); },
      t: () => addTrack('audio'), T: () => addTrack('audio'), b: () => addTrack('bus'), B: () => addTrack('bus'),
      k: addMarker, K: addMarker, g: toggleSnap, G: toggleSnap, i: () => S.addInstrumentTrack(), I: () => S.addInstrumentTrack(),
      '+': () => tl.zoomBy(1.5), '=': () => tl.zoomBy(1.5), '-': () => tl.zoomBy(1 / 1.5), _: () => tl.zoomBy(1 / 1.5),
      x: toggleMixer, X: toggleMixer, '?': () => showHelp(), f: () => tl.zoomToFit(), F: () => tl.zoomToFit(),
      Escape: () => { if (transport.player.following) transport.follow(null); else if (S.range) transport.setRange(null); else S.select([]); },
    };
    const f = keys[e.key];
    if (f) {
      if (e.key === ' ' && t && t.tagName === 'BUTTON') return;
      e.preventDefault();
      f();
    }
  }
  document.addEventListener('keydown', onKey);

  renderTop();
  session.connect();
  window.mixroom = { session, S, tl, player: transport.player, transport, comments, history: hist, recorder };
  return {
    close() {
      transport.close();
      S.layout.close();
      recorder.close();
      notes.close();
      if (S.noteEditor) S.noteEditor.close();
      document.removeEventListener('keydown', onKey);
      editing.close();
      session.close();
      if (window.mixroom && window.mixroom.session === session) delete window.mixroom;
    },
  };
}
