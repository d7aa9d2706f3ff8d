// guest.js -- the page of a share link (/l/<token>, guest.html) for people
// without an account: it asks for a name (and the password when the link
// has one), starts a guest session (POST /api/links/{token}/session; the
// guest token is kept in sessionStorage for reloads and sent as
// `Authorization: Bearer` and in `hello`), then shows the song's waveform
// overview (the clips' peaks summed into one envelope), play/pause/seek
// through the server's stream (player.js), A/B between the link's version
// and the head when the link is not pinned, the timestamped comments with
// replies (writing them only with the `comment` right) and a download
// button with the `download` right. Nothing else: a guest has no studio.
//
// Test hook: window.mixroom = {session, player, guest} once welcomed.

import { h, toast, fmtTime, fmtAgo } from './ui.js';
import { Session } from './sync.js';
import { Player } from './player.js';
import { parsePeaks } from './api.js';

const linkToken = decodeURIComponent(location.pathname.split('/')[2] || '');
const KEY = `mixroom.guest.${linkToken}`;
const app = document.getElementById('app');

/** A JSON request; resolves to {status, ok, json}. */
async function call(method, path, { body, token } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  let json = {};
  try { json = await r.json(); } catch { /* empty */ }
  return { status: r.status, ok: r.ok, json };
}

function gone(message) {
  app.replaceChildren(h('div.center', {}, h('div.card.gone', { role: 'alert' },
    h('h1', {}, 'This link cannot be opened'), h('p', {}, message))));
}

async function start() {
  const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  if (saved && saved.token) {
    const me = await call('GET', '/api/guest', { token: saved.token });
    if (me.ok) return open({ ...saved, link: me.json.link });
    sessionStorage.removeItem(KEY);
  }
  const info = await call('GET', `/api/links/${encodeURIComponent(linkToken)}`);
  if (!info.ok) return gone(info.json.message || 'This share link does not exist.');
  return askName(info.json.link);
}

/** "listen", "listen and comment", "listen, comment and download". */
function canDo(rights) {
  const r = ['listen', ...['comment', 'download'].filter((x) => rights.includes(x))];
  return r.length > 1 ? `${r.slice(0, -1).join(', ')} and ${r[r.length - 1]}` : r[0];
}

function askName(link) {
  const name = h('input', { id: 'guest-name', type: 'text', maxlength: 40, required: true, autocomplete: 'name', placeholder: 'Sam' });
  const pw = link.password ? h('input', { id: 'guest-password', type: 'password', autocomplete: 'off' }) : null;
  const err = h('p.error', { role: 'alert' });
  const go = h('button.primary', { type: 'submit' }, 'Open');
  const form = h('form.card.gjoin', { 'aria-label': 'Open the shared mix' },
    h('h1', {}, link.project_name),
    link.label ? h('p.sub', {}, link.label) : null,
    h('p.dim', {}, `You can ${canDo(link.rights)}. Your name is shown with your comments, marked as a guest.`),
    h('label', {}, 'Your name', name),
    pw ? h('label', {}, 'Password', pw) : null,
    err, go);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const n = name.value.trim();
    if (!n) { err.textContent = 'Enter your name.'; return; }
    go.disabled = true;
    const r = await call('POST', `/api/links/${encodeURIComponent(linkToken)}/session`, { body: { name: n, password: pw ? pw.value : null } });
    go.disabled = false;
    if (!r.ok) { err.textContent = r.json.message || `Could not open the link (${r.status}).`; return; }
    const g = { token: r.json.token, project: r.json.project, user: r.json.user, link: r.json.link };
    sessionStorage.setItem(KEY, JSON.stringify({ token: g.token, project: g.project, user: g.user }));
    open(g);
  });
  app.replaceChildren(h('div.center', {}, form));
  name.focus();
}

/** The end of the song in frames: the last clip's end. */
const songEnd = (doc) => Math.max(0, ...doc.ofKind('clip').map((c) => c.start + c.length));

/** The mix envelope: per pixel column, the clips' peak levels (with clip and track gain) summed, at most 1. */
function mixEnvelope(doc, peaks, width, frames) {
  const env = new Float32Array(width);
  const fpp = frames / width;
  const gain = (db) => (db === null || db === undefined ? 1 : Math.pow(10, db / 20));
  for (const c of doc.ofKind('clip')) {
    const t = doc.get(c.track);
    const p = peaks.get(c.asset);
    if (!p || c.mute || (t && t.mute)) continue;
    let lv = p.levels[0];
    for (const l of p.levels) if (l.fpp <= fpp) lv = l;
    const g = gain(c.gain) * gain(t && t.gain);
    const x0 = Math.max(0, Math.floor(c.start / fpp)), x1 = Math.min(width, Math.ceil((c.start + c.length) / fpp));
    for (let x = x0; x < x1; x++) {
      const s0 = (c.offset || 0) + Math.max(0, x * fpp - c.start);
      const s1 = (c.offset || 0) + Math.min(c.length, (x + 1) * fpp - c.start);
      const p0 = Math.floor(s0 / lv.fpp), p1 = Math.min(lv.count, Math.max(p0 + 1, Math.ceil(s1 / lv.fpp)));
      let m = 0;
      for (let k = p0; k < p1; k++) for (let ch = 0; ch < p.channels; ch++) {
        const i = (k * p.channels + ch) * 2;
        m = Math.max(m, -lv.data[i] / 32768, lv.data[i + 1] / 32767);
      }
      env[x] = Math.min(1, env[x] + m * g);
    }
  }
  return env;
}

function open(g) {
  const rights = new Set(g.link.rights);
  const version = g.link.version;
  const session = new Session(g.project);
  session.token = g.token;
  let player = null, doc = null, frames = 0, rate = 48000;
  // the source heard: a pinned link its version; else the head (B) or the link's version (A)
  let side = g.link.pinned ? 'A' : 'B';
  const srcRev = () => (side === 'A' && version ? version.rev : null);
  const peaks = new Map();

  const canvas = h('canvas', { 'aria-hidden': 'true' });
  const head = h('div.gplayhead');
  const pins = h('div');
  const overview = h('div.overview', { role: 'slider', tabindex: 0, 'aria-label': 'Song position', 'aria-valuemin': 0 }, canvas, pins, head);
  const time = h('span.gtime', {}, '0:00.000');
  const playBtn = h('button.primary.gplay', { 'aria-label': 'Play', onclick: () => toggle() }, 'Play');
  const ab = version && !g.link.pinned ? h('div.gab', { role: 'group', 'aria-label': 'Compare' },
    h('button.toggle', { 'aria-pressed': String(side === 'A'), onclick: () => choose('A') }, `A: ${version.name}`),
    h('button.toggle', { 'aria-pressed': String(side === 'B'), onclick: () => choose('B') }, 'B: Latest')) : null;
  const fmtSel = h('select', { 'aria-label': 'Download format' }, h('option', { value: 'wav' }, 'WAV'), h('option', { value: 'flac' }, 'FLAC'), h('option', { value: 'opus' }, 'Opus'));
  const dl = rights.has('download') ? h('span', {}, fmtSel, ' ', h('button', { 'aria-label': 'Download', onclick: () => download() }, 'Download')) : null;
  const list = h('div.gcomments-list');
  const composer = rights.has('comment') ? h('textarea', { rows: 2, maxlength: 4000, 'aria-label': 'Comment at the playhead', placeholder: 'Comment at the playhead…' }) : null;
  const sendBtn = composer ? h('button.primary', { 'aria-label': 'Send comment', onclick: () => addComment(composer, null) }, 'Comment') : null;
  const status = h('span.dim');
  app.replaceChildren(h('div.gpage', {},
    h('header', {}, h('h1', {}, g.link.project_name || 'Shared mix'),
      h('p.sub', {}, g.link.label ? `${g.link.label} · ` : '', version ? `${g.link.pinned ? 'Version' : 'Compare with'} “${version.name}” · ` : '',
        `Listening as ${g.user?.display_name || 'a guest'} `, status)),
    overview,
    h('div.gtransport', {}, playBtn, time, ab, h('span.grow'), dl),
    h('section.gcomments', { 'aria-label': 'Comments' }, h('h2', {}, 'Comments'),
      composer ? h('div.gcomposer', {}, composer, h('div', {}, sendBtn)) : h('p.dim', {}, 'This link lets you listen and read the comments.'),
      list)));

  const position = () => (player ? player.position() : 0);
  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr)), hh = Math.max(1, Math.round(canvas.clientHeight * dpr));
    canvas.width = w; canvas.height = hh;
    const c = canvas.getContext('2d');
    c.clearRect(0, 0, w, hh);
    if (!doc || !frames) return;
    const env = mixEnvelope(doc, peaks, w, frames);
    c.fillStyle = '#5aa9ff';
    for (let x = 0; x < w; x++) {
      const a = Math.max(env[x] * (hh / 2 - 2), 0.5);
      c.fillRect(x, hh / 2 - a, 1, 2 * a);
    }
    overview.dataset.drawn = String(env.reduce((n, v) => n + (v > 0.01 ? 1 : 0), 0));
  }
  function tick() {
    const p = position();
    if (frames) head.style.left = `${Math.min(100, (100 * p) / frames)}%`;
    time.textContent = `${fmtTime(p, rate)} / ${fmtTime(frames, rate)}`;
    overview.setAttribute('aria-valuenow', String(Math.round(p)));
    requestAnimationFrame(tick);
  }
  async function toggle() {
    if (!player) return;
    await player.ready();
    if (player.playing) await player.pause();
    else await player.play(Math.min(player.base, Math.max(0, frames - 1)), { rev: srcRev() });
  }
  async function choose(s) {
    side = s;
    for (const [i, b] of [...ab.children].entries()) b.setAttribute('aria-pressed', String((i === 0 ? 'A' : 'B') === s));
    if (player && player.playing) await player.switchRev(srcRev());
  }
  function seekTo(f) {
    if (!player) return;
    if (player.playing) player.seek(f); else player.base = f;
  }
  overview.addEventListener('click', (e) => {
    const r = overview.getBoundingClientRect();
    seekTo(Math.round(Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * frames));
  });
  overview.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? rate * 5 : e.key === 'ArrowLeft' ? -rate * 5 : 0;
    if (step) { e.preventDefault(); seekTo(Math.max(0, Math.min(frames, position() + step))); }
    if (e.key === ' ') { e.preventDefault(); toggle(); }
  });

  async function addComment(box, parent, at) {
    const body = box.value.trim();
    if (!body) return;
    const r = await session.request({ type: 'comment.add', at: at ?? Math.round(position()), body, ...(parent ? { parent } : {}) });
    if (r.type === 'error') { toast(r.message, 'error'); return; }
    box.value = '';
    session.onComment(r);
  }
  const nameOf = (c) => c.author_name || session.member(c.author)?.display_name || 'someone';
  function msg(c) {
    return h('div.gmsg', { dataset: { comment: c.id } },
      h('div.ghead', {},
        h('button.gat', { 'aria-label': `Play from ${fmtTime(c.at, rate)}`, onclick: () => { seekTo(c.at); if (player && !player.playing) toggle(); } }, fmtTime(c.at, rate)),
        h(`b.gwho${c.guest ? '.guest' : ''}`, {}, nameOf(c)), h('span.dim', {}, fmtAgo(c.created_at))),
      h('p', {}, c.body));
  }
  function renderComments() {
    const all = [...session.comments.values()];
    const roots = all.filter((c) => !c.parent).sort((a, b) => a.at - b.at || a.created_at - b.created_at);
    list.replaceChildren(...(roots.length ? roots.map((c) => {
      const replies = all.filter((x) => x.parent === c.id).sort((a, b) => a.created_at - b.created_at);
      let replyBox = null;
      if (rights.has('comment')) {
        const ta = h('textarea', { rows: 1, maxlength: 4000, 'aria-label': 'Reply', placeholder: 'Reply…' });
        replyBox = h('div.greply', {}, ta, h('button', { 'aria-label': 'Send reply', onclick: () => addComment(ta, c.id, c.at) }, 'Reply'));
      }
      return h('article.gthread', { dataset: { comment: c.id } }, msg(c),
        replies.length ? h('div.greplies', {}, replies.map(msg)) : null, replyBox);
    }) : [h('p.dim', {}, 'No comments yet.')]));
    pins.replaceChildren(...(frames ? roots.map((c) => {
      const p = h('span.gpin', { title: `${nameOf(c)}: ${c.body}` });
      p.style.left = `${(100 * c.at) / frames}%`;
      return p;
    }) : []));
  }

  async function loadPeaks() {
    const ids = new Set(doc.ofKind('clip').map((c) => c.asset));
    await Promise.all([...ids].filter((id) => !peaks.has(id)).map(async (id) => {
      const r = await fetch(`/api/projects/${encodeURIComponent(g.project)}/assets/${encodeURIComponent(id)}/peaks`, { headers: { authorization: `Bearer ${g.token}` } });
      if (r.ok) peaks.set(id, parsePeaks(await r.arrayBuffer()));
    }));
    draw();
  }

  async function download() {
    const rev = srcRev();
    const q = `format=${fmtSel.value}${rev !== null ? `&rev=${rev}` : ''}`;
    const r = await fetch(`/api/projects/${encodeURIComponent(g.project)}/export?${q}`, { headers: { authorization: `Bearer ${g.token}` } });
    if (!r.ok) { let m = ''; try { m = (await r.json()).message; } catch { /* none */ } toast(m || `Download failed (${r.status})`, 'error'); return; }
    const name = /filename="([^"]+)"/.exec(r.headers.get('content-disposition') || '')?.[1] || `mix.${fmtSel.value}`;
    const a = h('a', { href: URL.createObjectURL(await r.blob()), download: name });
    document.body.append(a); a.click(); a.remove();
  }

  session.addEventListener('welcome', () => {
    doc = session.confirmed;
    rate = doc.rate;
    frames = songEnd(doc);
    overview.setAttribute('aria-valuemax', String(frames));
    if (!player) {
      player = new Player(session, rate);
      player.addEventListener('state', () => { playBtn.textContent = player.playing ? 'Pause' : 'Play'; playBtn.setAttribute('aria-label', player.playing ? 'Pause' : 'Play'); });
      player.addEventListener('stopped', () => { playBtn.textContent = 'Play'; });
    }
    window.mixroom = { session, player, guest: g };
    loadPeaks();
    renderComments();
  });
  session.addEventListener('change', () => { if (doc) { frames = songEnd(session.confirmed); draw(); } });
  session.addEventListener('comment', () => renderComments());
  session.addEventListener('status', (e) => {
    status.textContent = e.detail === 'online' ? '' : `· ${e.detail}`;
    if (e.detail === 'closed') {
      sessionStorage.removeItem(KEY);
      if (player) player.close();
      gone('This share link was revoked or has expired. Ask for a new one.');
    }
  });
  session.addEventListener('error', (e) => { if (e.detail?.message) toast(e.detail.message, 'error'); });
  window.addEventListener('resize', () => draw());
  session.connect();
  requestAnimationFrame(tick);
}

start().catch((e) => gone(e.message || String(e)));
