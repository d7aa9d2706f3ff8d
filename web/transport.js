// transport.js -- the studio's transport on top of player.js: play/pause
// (button and Space), loop over the selected range, the ruler gestures
// (click seeks, drag selects a range shown as a band over the lanes),
// the playhead following the audio actually heard, meters fed by the
// level frames as their audio is heard, following a collaborator (click
// their avatar; click again or Esc to stop), and the A/B source (A: the
// head or a version, B: a version) switched while playing without a gap,
// loudness-matched by default (play ... match: true: the server gains a
// version to the head's integrated loudness; the LU difference is shown,
// and the "Match" switch turns it off to hear true levels).

import { h, toast, fmtTime } from './ui.js';
import { Player } from './player.js';
import { HEAD_W } from './timeline.js';

export function createTransport(S, tl, mixer) {
  const player = new Player(S.session, S.doc.rate);
  S.player = player;
  S.range = null;   // [a, b] frames, selected on the ruler
  S.loop = false;
  S.aRev = null;    // the revision heard as A (null: the head)
  S.abRev = null;   // the version revision used as B (null: none chosen)
  S.abSide = 'A';   // 'A' = S.aRev, 'B' = S.abRev
  S.abMatch = true; // A/B heard loudness-matched to the head
  S.loudDiff = new Map(); // rev -> LU louder than the head (from match_gain_db)
  player.match = S.abMatch;
  let raf = 0;

  const playBtn = h('button.play', { 'aria-label': 'Play', title: 'Play / pause (Space)', onclick: () => toggle() }, '▶');
  const loopBtn = h('button.toggle.loop', { 'aria-label': 'Loop the selected range', title: 'Loop the selected range (L)', 'aria-pressed': 'false',
    onclick: () => setLoop(!S.loop) }, '⟲');
  const abBtn = h('button.ab', { 'aria-label': 'A/B: switch between the head and the chosen version', title: 'A/B compare (choose a version in History)',
    disabled: true, onclick: () => toggleAB() }, 'A/B');
  const abInfo = h('span.abinfo', { 'aria-live': 'polite' });
  const matchBtn = h('button.toggle.abmatch', { 'aria-label': 'Match loudness (A/B)', 'aria-pressed': 'true',
    title: 'A/B at matched loudness (each version gained to the head\'s integrated loudness); off: true levels',
    onclick: () => setMatch(!S.abMatch) }, 'Match');
  const followTag = h('span.follow.hidden', { role: 'status' });
  // shown only after an underrun (the adaptive buffer grew), for 6 s
  const dropTag = h('span.dropout.hidden', { role: 'status', title: 'The audio ran dry for a moment; the player now buffers more' });
  const el = h('div.group.transport', {}, playBtn, loopBtn, abBtn, matchBtn, abInfo, followTag, dropTag);
  const band = h('div.range.hidden', { 'aria-hidden': 'true' });
  tl.overlay.append(band);

  player.addEventListener('state', () => { renderState(); run(); });
  let dropTimer = 0;
  player.addEventListener('underrun', (e) => {
    dropTag.textContent = `dropout · buffer ${e.detail.buffer} ms`;
    dropTag.classList.remove('hidden');
    clearTimeout(dropTimer);
    dropTimer = setTimeout(() => dropTag.classList.add('hidden'), 6000);
  });
  player.addEventListener('error', (e) => toast(e.detail?.message || 'Playback failed', 'error'));
  player.addEventListener('match', (e) => {
    if (e.detail.rev !== null) S.loudDiff.set(e.detail.rev, -e.detail.gain);
    renderState();
  });
  player.addEventListener('stopped', (e) => {
    S.setPlayhead(player.position(), true);
    if (e.detail.reason === 'leader_left') toast('The person you followed has left', 'info');
  });

  // An edit changes the head, so every difference against it is stale: drop
  // them and measure the chosen versions again once editing pauses (1 s).
  let rewarm = 0;
  S.session.addEventListener('change', () => {
    if (!S.loudDiff.size && S.abRev === null && S.aRev === null) return;
    S.loudDiff.clear();
    renderState();
    clearTimeout(rewarm);
    rewarm = setTimeout(() => { warmLoudness(S.abRev); if (S.aRev !== S.abRev) warmLoudness(S.aRev); }, 1000);
  });

  // The server forgets this connection's stream when it drops: stop locally.
  S.session.addEventListener('status', (e) => {
    if (e.detail !== 'online' && (player.playing || player.following)) player.disconnected();
  });

  function renderState() {
    const on = player.playing;
    playBtn.textContent = on ? '❚❚' : '▶';
    playBtn.setAttribute('aria-label', on ? 'Pause' : 'Play');
    playBtn.classList.toggle('on', on);
    loopBtn.setAttribute('aria-pressed', String(S.loop));
    loopBtn.disabled = !S.range;
    abBtn.disabled = S.abRev === null;
    abBtn.classList.toggle('b', S.abSide === 'B');
    const aName = S.aRev === null ? 'head' : `r${S.aRev}`;
    abInfo.textContent = S.abRev === null ? (S.aRev === null ? '' : `A: ${aName}`) : S.abSide === 'B' ? `B: r${S.abRev}` : `A: ${aName}`;
    matchBtn.setAttribute('aria-pressed', String(S.abMatch));
    matchBtn.disabled = S.abRev === null && S.aRev === null;
    // the chosen version's loudness against the head (B, else a version as A)
    const ver = S.abRev !== null ? S.abRev : S.aRev;
    const diff = ver === null ? null : S.loudDiff.get(ver);
    if (diff !== undefined && diff !== null && abInfo.textContent) {
      const lu = `${diff >= 0 ? '+' : '−'}${Math.abs(diff).toFixed(1)} LU`;
      const who = srcRev() === ver ? '' : S.abRev !== null ? 'B ' : 'A ';
      abInfo.textContent += ` · ${who}${lu} vs head, ${S.abMatch ? 'matched' : 'true levels'}`;
    }
    abInfo.dataset.lu = diff === undefined || diff === null ? '' : diff.toFixed(2);
    const f = player.following;
    followTag.classList.toggle('hidden', !f);
    if (f) {
      const p = S.session.presence.get(f);
      const m = p && S.session.member(p.user);
      followTag.textContent = `following ${m ? m.display_name || m.name : f}`;
    }
    S.onTransport && S.onTransport();
  }

  const loopRange = () => (S.loop && S.range ? S.range : null);
  const srcRev = () => (S.abSide === 'B' ? S.abRev : S.aRev);

  async function play(from = S.playhead) {
    const loop = loopRange();
    if (loop && (from < loop[0] || from >= loop[1])) from = loop[0];
    S.setPlayhead(from, true);
    await player.play(from, { loop, rev: srcRev() });
  }
  async function pause() {
    await player.pause();
    S.setPlayhead(player.position(), true);
  }
  function toggle() {
    if (player.following) { player.follow(null); return; }
    if (player.playing) pause(); else play();
  }

  /** Seeks (when playing, the stream jumps there). */
  function seekTo(f) {
    if (player.playing) player.seek(f);
    else player.base = f;
  }

  function setLoop(on) {
    S.loop = on && !!S.range;
    renderState();
    if (player.playing) play(S.loop ? S.range[0] : player.position());
  }

  async function toggleAB(side) {
    if (S.abRev === null) return;
    S.abSide = side || (S.abSide === 'A' ? 'B' : 'A');
    renderState();
    if (player.playing) await player.switchRev(srcRev());
  }

  /** Loudness-matched A/B on or off (off: true levels); switches in place while playing. */
  async function setMatch(on) {
    S.abMatch = !!on;
    renderState();
    await player.setMatch(S.abMatch);
  }

  /**
   * Measures a version and the head over HTTP (the whole song, no tails:
   * the same cache the server's matched play uses, so the first switch is
   * not kept waiting) and shows the LU difference before it is heard.
   */
  async function warmLoudness(rev) {
    if (rev === null || rev === undefined || !S.projectId) return;
    const get = (q) => fetch(`/api/projects/${encodeURIComponent(S.projectId)}/loudness?${q}`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null)).catch(() => null);
    const [v, hd] = await Promise.all([get(`rev=${rev}&tail=0`), get('tail=0')]);
    if (v && hd && Number.isFinite(v.integrated_lufs) && Number.isFinite(hd.integrated_lufs) && !S.loudDiff.has(rev)) {
      S.loudDiff.set(rev, v.integrated_lufs - hd.integrated_lufs);
      renderState();
    }
  }

  /** Chooses the revision heard as A (null: the head); switches at once if A is playing. */
  function setA(rev) {
    S.aRev = rev;
    warmLoudness(rev);
    renderState();
    if (player.playing && S.abSide === 'A') player.switchRev(rev);
  }

  /** Chooses the revision used as B (null: none). */
  function setB(rev) {
    S.abRev = rev;
    warmLoudness(rev);
    if (rev === null && S.abSide === 'B') toggleAB('A');
    renderState();
  }

  // ---- ruler: click seeks, drag selects a range ----
  S.onRulerDown = (e) => {
    if (e.button !== 0) return;
    const f0 = tl.snap(tl.frameAt(e.clientX));
    const x0 = e.clientX;
    let dragging = false;
    const move = (ev) => {
      if (!dragging && Math.abs(ev.clientX - x0) < 5) return;
      dragging = true;
      const f1 = tl.snap(tl.frameAt(ev.clientX));
      setRange([Math.min(f0, f1), Math.max(f0, f1)]);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (!dragging) { S.setPlayhead(f0); return; }
      if (S.range && S.range[1] - S.range[0] < 1) setRange(null);
      else if (S.loop && player.playing) play(S.range[0]);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  function setRange(r) {
    S.range = r && r[1] > r[0] ? r : null;
    if (!S.range) S.loop = false;
    placeBand();
    renderState();
  }

  function placeBand() {
    band.classList.toggle('hidden', !S.range);
    band.classList.toggle('looping', !!S.loop);
    if (!S.range) return;
    band.style.left = `${HEAD_W + S.range[0] / S.zoom}px`;
    band.style.width = `${Math.max(1, (S.range[1] - S.range[0]) / S.zoom)}px`;
    band.title = `${fmtTime(S.range[0], S.doc.rate)} – ${fmtTime(S.range[1], S.doc.rate)}`;
  }

  // ---- the heard playhead and the meters ----
  function run() {
    if (raf) return;
    const step = () => {
      raf = 0;
      const live = player.playing || player.following;
      if (live) {
        if (player.sounding) S.setPlayhead(player.position(), true);
        const [a, b] = tl.visible();
        if (S.playhead > b || S.playhead < a) tl.el.scrollLeft = Math.max(0, S.playhead / S.zoom - 40);
      }
      const lv = player.takeLevels();
      mixer.setLevels(lv, live);
      if (live || mixer.metersActive()) raf = requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
  }

  return {
    el, player, play, pause, toggle, seekTo, setLoop, toggleAB, setA, setB, setMatch, setRange, placeBand, renderState,
    follow: (client) => player.follow(client),
    close() { if (raf) cancelAnimationFrame(raf); clearTimeout(rewarm); clearTimeout(dropTimer); player.close(); },
  };
}
