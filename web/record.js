// record.js -- recording in the studio: the Record toggle (button and the
// R key) in the transport group and its options panel (input device, mono
// or stereo, count-in, click, the input meter, the latency calibration
// and the manual offset), capture through getUserMedia (echo cancellation,
// noise suppression and auto gain off) into the recorder worklet
// (recworklet.js) on the player's AudioContext, the take's chunk upload
// (takeupload.js), its placement (latency.js) and the finish; on opening
// the studio, the caller's unfinished takes are offered to finish or
// discard. Others' takes are drawn by recview.js, alternatives by takes.js.
//
// A take records onto the track of the selected clip, or onto a new track
// (track null) when nothing is selected; from the playhead, with the mix
// playing from there (after the count-in). Pressing Record while playing
// punches in at the heard position.

import { h, toast, modal, fmtTime } from './ui.js';
import { Metronome, beatFrames } from './metronome.js';
import { takePlacement, defaultRoundTrip, latencyKey, measureRoundTrip, renderedFrame } from './latency.js';
import { startTake, finishTake, discardTake, openTakes, ChunkUploader } from './takeupload.js';

const NO_RIGHTS = 'Only editors and owners can record in this project.';

/** Mounts recording in the studio S (transport group el); returns {button, panelButton, toggle, state, close}. */
export function createRecorder(S, transportEl) {
  const player = S.player;
  const metro = new Metronome(player, () => S.doc);
  const R = {
    stream: null, source: null, node: null, sink: null, deviceId: '', label: '',
    channels: Number(localStorage.getItem('mixroom.rec.channels')) === 2 ? 2 : 1,
    countIn: Number(localStorage.getItem('mixroom.rec.countin') || 1),
    click: localStorage.getItem('mixroom.rec.click') !== '0',
    take: null, up: null, recording: false, stopping: false, placement: null, punchIn: 0, frames: 0,
    peak: -60, calib: null, onTap: null,
  };

  // ---- controls ----
  const reason = h('span.visually-hidden', { id: 'rec-reason' }, '');
  const button = h('button.toggle.record', { 'aria-label': 'Record', 'aria-pressed': 'false', title: 'Record (R)', onclick: () => toggle() }, '●');
  const panelButton = h('button.recopts', { 'aria-label': 'Input, count-in and latency', 'aria-expanded': 'false', title: 'Recording options: input, count-in, click, latency',
    onclick: () => showPanel(panel.classList.contains('hidden')) }, '▾');
  const device = h('select', { 'aria-label': 'Input device', onchange: () => { R.deviceId = device.value; rearm(); } });
  const channels = h('select', { 'aria-label': 'Channels', onchange: () => { R.channels = Number(channels.value); localStorage.setItem('mixroom.rec.channels', String(R.channels)); rearm(); } },
    h('option', { value: 1 }, 'Mono'), h('option', { value: 2 }, 'Stereo'));
  const countIn = h('select', { 'aria-label': 'Count-in', onchange: () => { R.countIn = Number(countIn.value); localStorage.setItem('mixroom.rec.countin', String(R.countIn)); } },
    h('option', { value: 0 }, 'No count-in'), h('option', { value: 1 }, '1 bar'), h('option', { value: 2 }, '2 bars'));
  const click = h('input', { type: 'checkbox', 'aria-label': 'Metronome click while recording', onchange: () => { R.click = click.checked; localStorage.setItem('mixroom.rec.click', R.click ? '1' : '0'); } });
  const meterBar = h('div.recmeter-bar');
  const meterText = h('span.recmeter-text', {}, '−∞ dBFS');
  const meter = h('div.recmeter', { role: 'meter', 'aria-label': 'Input level', 'aria-valuemin': '-60', 'aria-valuemax': '0', 'aria-valuenow': '-60' }, meterBar);
  const latText = h('span.reclat', { 'aria-live': 'polite' }, '');
  const measureBtn = h('button', { 'aria-label': 'Measure latency', title: 'Plays clicks and records them back to measure the round trip (turn the speakers up, hold the microphone near them)', onclick: () => measure() }, 'Measure latency');
  const offset = h('input', { type: 'number', step: 0.5, min: -500, max: 500, 'aria-label': 'Manual offset in milliseconds', title: 'Moves takes later (+) or earlier (−)',
    onchange: () => { const c = calib(); c.manualMs = Math.max(-500, Math.min(500, Number(offset.value) || 0)); saveCalib(c); renderLatency(); } });
  const recStatus = h('div.recstatus', { role: 'status', 'aria-live': 'polite' }, '');
  const panel = h('div.recpanel.hidden', { role: 'region', 'aria-label': 'Recording options' },
    h('label', {}, 'Input', device), h('label', {}, 'Channels', channels),
    h('label', {}, 'Count-in', countIn), h('label.check', {}, click, 'Click'),
    h('div.recmeter-row', {}, meter, meterText),
    h('div.reclat-row', {}, latText, measureBtn, h('label', {}, 'Offset', offset, 'ms')),
    recStatus);
  const wrap = h('span.recwrap', {}, button, panelButton, panel, reason);
  transportEl.append(wrap);
  // a click elsewhere or Esc closes the panel (the take goes on)
  const onDown = (e) => { if (!panel.classList.contains('hidden') && !wrap.contains(e.target)) showPanel(false); };
  document.addEventListener('pointerdown', onDown, true);
  channels.value = String(R.channels);
  countIn.value = String(R.countIn);
  click.checked = R.click;

  function renderRights() {
    const ok = S.canEdit;
    button.disabled = !ok && !R.recording;
    panelButton.disabled = !ok;
    reason.textContent = ok ? '' : NO_RIGHTS;
    if (ok) { button.removeAttribute('aria-describedby'); button.title = 'Record (R)'; }
    else { button.setAttribute('aria-describedby', 'rec-reason'); button.title = NO_RIGHTS; }
  }
  S.session.addEventListener('welcome', () => { renderRights(); offerOpenTakes(); });
  S.session.addEventListener('change', renderRights);
  renderRights();

  function showPanel(open) {
    panel.classList.toggle('hidden', !open);
    panelButton.setAttribute('aria-expanded', String(open));
    if (open) { // fixed under the button: the top bar clips what overflows it
      const r = button.getBoundingClientRect();
      panel.style.left = `${Math.max(4, Math.min(window.innerWidth - 350, r.left))}px`;
      panel.style.top = `${r.bottom + 6}px`;
    }
    if (open) arm().catch((e) => setStatus(`The microphone cannot be used: ${e.message}`));
  }
  const setStatus = (t) => { recStatus.textContent = t; };

  // ---- calibration: per user and input device ----
  const key = () => latencyKey(S.user && S.user.id, R.deviceId || R.label);
  function calib() {
    try { return JSON.parse(localStorage.getItem(key())) || { roundTrip: null, manualMs: 0 }; } catch { return { roundTrip: null, manualMs: 0 }; }
  }
  function saveCalib(c) { localStorage.setItem(key(), JSON.stringify(c)); }
  function roundTrip() {
    const c = calib();
    if (typeof c.roundTrip === 'number') return c.roundTrip;
    const ctx = player.ctx;
    const t = R.stream && R.stream.getAudioTracks()[0];
    const inLat = t && t.getSettings ? t.getSettings().latency : 0;
    return defaultRoundTrip(ctx && ctx.outputLatency, ctx && ctx.baseLatency, inLat);
  }
  function renderLatency() {
    const c = calib();
    const rt = roundTrip();
    latText.textContent = `Round trip ${(rt * 1000).toFixed(1)} ms ${typeof c.roundTrip === 'number' ? '(measured)' : '(estimated — measure it)'}`;
    latText.dataset.roundTrip = String(rt);
    if (document.activeElement !== offset) offset.value = String(c.manualMs || 0);
  }

  // ---- the microphone ----
  async function arm() {
    await player.ready();
    const ctx = player.ctx;
    if (ctx.state !== 'running') await ctx.resume();
    if (!R.stream) {
      R.stream = await navigator.mediaDevices.getUserMedia({ audio: {
        echoCancellation: false, noiseSuppression: false, autoGainControl: false,
        channelCount: R.channels, ...(R.deviceId ? { deviceId: { exact: R.deviceId } } : {}) } });
      const tr = R.stream.getAudioTracks()[0];
      R.label = (tr && tr.label) || '';
      if (!R.deviceId && tr && tr.getSettings) R.deviceId = tr.getSettings().deviceId || '';
      if (!device.options.length) device.replaceChildren(h('option', { value: R.deviceId }, R.label || 'Default input'));
      listDevices();
    }
    if (!R.node) {
      await ctx.audioWorklet.addModule('/recworklet.js');
      R.node = new AudioWorkletNode(ctx, 'mixroom-recorder', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 2, channelCountMode: 'explicit' });
      R.sink = ctx.createGain();
      R.sink.gain.value = 0; // the worklet must be pulled; it is never heard
      R.node.connect(R.sink).connect(ctx.destination);
      R.node.port.onmessage = (e) => onWorklet(e.data);
    }
    // while the microphone is armed the player reads at exactly the context
    // rate: the heard timeline then runs with the take's sample clock
    player.node.port.postMessage({ type: 'config', lock: true });
    if (!R.source) {
      R.source = ctx.createMediaStreamSource(R.stream);
      R.source.connect(R.node);
    }
    renderLatency();
  }
  function disarm() {
    if (player.node) player.node.port.postMessage({ type: 'config', lock: false });
    if (R.source) R.source.disconnect();
    R.source = null;
    if (R.stream) for (const t of R.stream.getTracks()) t.stop();
    R.stream = null;
  }
  async function rearm() {
    if (R.recording) return;
    disarm();
    if (!panel.classList.contains('hidden')) await arm().catch((e) => setStatus(`The microphone cannot be used: ${e.message}`));
  }
  async function listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const ins = all.filter((d) => d.kind === 'audioinput');
    device.replaceChildren(...ins.map((d, i) => h('option', { value: d.deviceId }, d.label || `Input ${i + 1}`)));
    if (R.deviceId) device.value = R.deviceId;
  }

  function onWorklet(m) {
    if (m.type === 'level') {
      // a peak meter: falls back by 1.5 dB per report (~30 dB/s) after a peak
      const db = Math.max(m.peak > 0 ? Math.max(-60, 20 * Math.log10(m.peak)) : -60, R.peak - 1.5);
      R.peak = db;
      meterBar.style.width = `${((db + 60) / 60) * 100}%`;
      meterBar.classList.toggle('clip', m.peak >= 0.999);
      meterText.textContent = db <= -60 ? '−∞ dBFS' : `${db.toFixed(1)} dBFS`;
      meter.setAttribute('aria-valuenow', db.toFixed(1));
      meter.dataset.peak = db.toFixed(1);
    } else if (m.type === 'begin') {
      onBegin(m);
    } else if (m.type === 'chunk') {
      onChunk(m);
    } else if (m.type === 'tap' && R.onTap) {
      R.onTap(m);
    }
  }

  // ---- a take ----
  function targetTrack() {
    for (const id of S.selection) {
      const o = S.doc.get(id);
      if (o && o.kind === 'clip') return o.track;
      if (o && o.kind === 'track' && o.role !== 'bus') return o.id;
    }
    return null;
  }

  async function toggle() {
    if (R.recording) return stop();
    if (R.stopping || !S.canEdit) return null;
    return start();
  }

  async function start() {
    R.recording = true;
    R.frames = 0; // not the last take's count while this one starts
    renderButton();
    try {
      await arm();
      const ctx = player.ctx;
      const doc = S.doc;
      const wasPlaying = player.playing;
      const punchIn = wasPlaying ? Math.round(player.position()) : S.playhead;
      const bar = beatFrames(doc.project, doc.rate) * ((doc.project.meter && doc.project.meter[0]) || 4);
      const from = wasPlaying ? punchIn : Math.max(0, Math.round(punchIn - R.countIn * bar));
      R.take = await startTake(S.projectId, { track: targetTrack(), at: punchIn, rate: ctx.sampleRate, channels: R.channels, device: R.label.slice(0, 200) });
      R.punchIn = punchIn;
      R.placement = null;
      R.up = new ChunkUploader(S.projectId, R.take);
      R.up.addEventListener('lost', (e) => {
        const msg = `Connection lost — ${Math.floor(e.detail.safeSeconds)} s of the take are safe, resending…`;
        setStatus(msg);
        toast(msg, 'error', 6000);
      });
      R.up.addEventListener('resumed', () => { setStatus('Connection back — the take is complete so far.'); toast('Connection back — resent what was missing', 'info'); });
      R.up.addEventListener('progress', () => renderProgress());
      R.up.addEventListener('failed', (e) => { setStatus(e.detail.message); toast(e.detail.message, 'error', 8000); if (R.recording) stop(true); });
      metro.free = null;
      if (!wasPlaying) await S.transport.play(from);
      // an empty song (or one that ends here) sends no audio: the take then
      // runs on a clock of its own, started at `from` now
      await until(() => player.sounding || !player.playing, 3000).catch(() => {});
      if (!player.sounding) metro.free = { pos: from, t: ctx.currentTime + 0.05, started: true };
      metro.start({ on: R.click, countInEnd: wasPlaying ? null : punchIn });
      R.node.port.postMessage({ type: 'start', channels: R.channels, chunk: ctx.sampleRate });
      setStatus(`Recording Take ${R.take.n}…`);
    } catch (e) {
      toast(`Recording could not start: ${e.message}`, 'error', 6000);
      setStatus(`Recording could not start: ${e.message}`);
      R.recording = false;
      if (R.take && R.up && !R.up.frames) discardTake(S.projectId, R.take.id).catch(() => {});
      R.take = null;
      renderButton();
    }
    return R.take;
  }

  // The take's first sample: placed with the player's report of now (at most ~23 ms old)
  function onBegin(m) {
    const rep = metro.report();
    if (!R.up || R.placement !== null || !rep) return;
    R.placement = takePlacement({ report: rep, t0: m.t0, roundTrip: roundTrip(), manualMs: calib().manualMs || 0,
      rate: S.doc.rate, step: player.step, punchIn: R.punchIn });
    R.t0 = m.t0;
    R.placedWith = { report: { ...rep }, t0: m.t0, now: player.ctx.currentTime, roundTrip: roundTrip(), punchIn: R.punchIn };
  }

  function onChunk(m) {
    if (!R.up) return;
    R.frames += m.frames;
    R.up.add(m.pcm);
    renderProgress();
    if (m.final && R.finalWait) R.finalWait();
  }

  function renderProgress() {
    if (!R.take || !R.up) return;
    const sent = R.up.safeSeconds;
    const txt = `Take ${R.take.n}: ${fmtTime(Math.round(R.frames), R.take.rate)} recorded · ${sent.toFixed(0)} s safe on the server`;
    if (!R.up.lostShown) setStatus(R.recording ? txt : recStatus.textContent);
    button.dataset.frames = String(R.frames);
  }

  async function stop(failed = false) {
    if (!R.recording) return null;
    R.recording = false;
    R.stopping = true;
    renderButton();
    metro.stop();
    metro.free = null;
    const final = new Promise((res) => { R.finalWait = res; setTimeout(res, 2000); });
    R.node.port.postMessage({ type: 'stop' });
    await final;
    R.finalWait = null;
    if (player.playing) await S.transport.pause();
    const take = R.take, up = R.up;
    let done = null;
    try {
      if (failed) throw up.failed || new Error('the take failed');
      setStatus(`Saving Take ${take.n}…`);
      await up.drained();
      const p = R.placement || { at: R.punchIn, trim: 0 };
      done = await finishTake(S.projectId, take.id, { at: p.at, trim: Math.min(p.trim, Math.max(0, up.frames - 1)) });
      setStatus(`Take ${take.n} saved (${fmtTime(up.frames, take.rate)}).`);
      S.lastTake = { ...done, placement: p, recordedFrames: R.frames, t0: R.t0, placedWith: R.placedWith };
    } catch (e) {
      setStatus(`Take ${take.n} was not finished: ${e.message}. What reached the server is kept; finish it later from the studio.`);
      toast(`Take ${take.n} was not finished: ${e.message}`, 'error', 8000);
    } finally {
      R.stopping = false;
      R.take = null;
      R.up = null;
      renderButton();
    }
    return done;
  }

  function renderButton() {
    button.setAttribute('aria-pressed', String(R.recording));
    button.classList.toggle('on', R.recording);
    button.classList.toggle('busy', R.stopping);
    renderRights();
  }

  // ---- "Measure latency": a click train at the beat, recorded back ----
  async function measure() {
    if (R.recording || R.calib) return null;
    measureBtn.disabled = true;
    try {
      await arm();
      const ctx = player.ctx;
      const doc = S.doc;
      const beatSec = beatFrames(doc.project, doc.rate) / doc.rate;
      const period = Math.round(beatSec * ctx.sampleRate);
      const clicks = 8;
      // on the beat grid of the mix when it plays (the click then sounds on
      // the beat, as during a take); otherwise shortly from now
      let first = ctx.currentTime + 0.3;
      const r = player.report;
      // how the heard timeline maps onto the audio clock now (frame at t = 0),
      // so that a test can tell a shift of the heard grid between this
      // measurement and a take (a stall of the player) from an error of the
      // placement: a person follows the shift, a looping test file cannot
      R.calibMap = player.playing && r && r.started ? r.pos - r.t * 48000 * player.step : null;
      if (player.playing && r && r.started) {
        const beat = beatFrames(doc.project, doc.rate);
        const f = Math.ceil(renderedFrame(r, first, player.step) / beat) * beat;
        first = r.t + (f - r.pos) / (48000 * player.step);
      }
      const blocks = [];
      let t0 = null;
      R.calib = true;
      R.onTap = (m) => { if (t0 === null) t0 = m.t; blocks.push(m.data); };
      R.node.port.postMessage({ type: 'tap', on: true });
      setStatus('Measuring the latency: keep quiet for a few seconds…');
      for (let k = 0; k < clicks; k++) metro.click(first + k * period / ctx.sampleRate, false);
      await until(() => t0 !== null && ctx.currentTime > first + (clicks + 0.5) * beatSec, (clicks + 4) * beatSec * 1000);
      R.node.port.postMessage({ type: 'tap', on: false });
      R.onTap = null;
      const n = blocks.reduce((a, b) => a + b.length, 0);
      const rec = new Float32Array(n);
      let o = 0;
      for (const b of blocks) { rec.set(b, o); o += b.length; }
      const res = measureRoundTrip(rec, t0, first, period, ctx.sampleRate);
      if (res.seconds === null || res.peak < 0.3) {
        setStatus('No clear echo of the clicks was heard: turn the speakers up or bring the microphone closer, then measure again.');
        return null;
      }
      const c = calib();
      c.roundTrip = res.seconds;
      c.peak = res.peak;
      c.measured = Date.now();
      saveCalib(c);
      renderLatency();
      setStatus(`Round trip measured: ${(res.seconds * 1000).toFixed(1)} ms.`);
      return res;
    } catch (e) {
      setStatus(`The latency could not be measured: ${e.message}`);
      return null;
    } finally {
      R.calib = null;
      R.onTap = null;
      measureBtn.disabled = false;
    }
  }

  // ---- takes left open (a tab closed while recording) ----
  let offered = false;
  async function offerOpenTakes() {
    if (offered || !S.canEdit) return;
    offered = true;
    const list = await openTakes(S.projectId).catch(() => []);
    const open = list.filter((t) => t.state === 'recording' || t.state === 'stopped');
    if (!open.length) return;
    const m = modal('Unfinished takes');
    m.el.classList.add('opentakes');
    const rows = open.map((t) => {
      const line = h('li', {}, h('span', {}, `Take ${t.n} — ${fmtTime(t.frames || 0, t.rate || S.doc.rate)} kept`),
        h('button', { 'aria-label': `Finish Take ${t.n}`, onclick: async () => {
          try { await finishTake(S.projectId, t.id, {}); line.remove(); toast(`Take ${t.n} added to the song`, 'info'); } catch (e) { toast(e.message, 'error', 6000); }
          if (!ul.querySelector('li')) m.close();
        } }, 'Finish'),
        h('button.danger', { 'aria-label': `Discard Take ${t.n}`, onclick: async () => {
          await discardTake(S.projectId, t.id);
          line.remove();
          if (!ul.querySelector('li')) m.close();
        } }, 'Discard'));
      return line;
    });
    const ul = h('ul.opentakes-list', {}, rows);
    m.body.append(h('p', {}, 'These takes were still recording when their tab closed. What reached the server is kept: add each to the song, or discard it.'), ul,
      h('div.modal-actions', {}, h('button', { onclick: () => m.close() }, 'Later')));
  }

  // ---- R ----
  function onKey(e) {
    if (document.querySelector('.backdrop')) return;
    const t = e.target;
    const typing = t && (t.tagName === 'INPUT' && !['range', 'checkbox', 'color', 'button'].includes(t.type) || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && !panel.classList.contains('hidden')) { showPanel(false); panelButton.focus(); return; }
    if (e.key === 'r' || e.key === 'R') { e.preventDefault(); toggle(); }
  }
  document.addEventListener('keydown', onKey);

  return {
    button, panelButton, toggle, measure, showPanel, roundTrip, state: R,
    close() { document.removeEventListener('keydown', onKey); document.removeEventListener('pointerdown', onDown, true); metro.stop(); disarm(); },
  };
}

function until(pred, ms) {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred()) res();
      else if (Date.now() - t0 > ms) rej(new Error('timed out'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}
