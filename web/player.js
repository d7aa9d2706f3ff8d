// player.js -- listening to the server's mix: the transport requests
// (play/pause/seek/follow over the session), the binary preview frames
// (0x01 audio: u32 stream, u32 seq, u64 position, one Opus packet; 0x02
// levels, with the true peaks after them), decoding (decoder.js) into the AudioWorklet queue (worklet.js),
// the position actually heard (worklet position + output latency), and
// the level frames delayed to the moment their audio is heard.
//
// Epochs: after play/seek/follow the player waits for the packet whose
// position is the requested start ("expect") and drops older packets; it
// is queued with `flush`. An A/B switch asks for the new source at a
// position half a packet inside the audio already queued, so the old
// source keeps playing until the new one's first packet arrives, which is
// queued with `cut` at exactly that position: no gap, no jump.
//
// Jitter buffer (worklet.js): adaptive by default, starting at 80 ms,
// growing on underruns (up to 500 ms), shrinking slowly when stable (down
// to 60 ms), so an edit is heard about 80 ms (plus the output latency)
// after its packet arrives instead of 240 ms. `?buffer=MS` on the page's address (or localStorage
// 'mixroom.buffer' = MS) fixes it at MS ms (20..2000; 240 = the old
// player); `?buffer=auto` or nothing: adaptive.
//
// Edits re-render the queued audio: when a delta arrives while this
// connection plays its own stream of the head, the player seeks its stream
// to CUT_AHEAD (40 ms; the buffer's target less 100 ms when that is more:
// the seek's first burst brings 120 ms) past the frame the worklet renders
// now, and queues the packet at that frame with `cut` (as A/B does), so
// the queued audio of the old document is replaced and the edit is heard
// after about that much plus the output latency. At most one such seek per
// CUT_GAP ms (the last delta of a burst is always followed by one); none
// while following, playing a fixed revision, or when the queue wraps a
// loop. `?cut=0` (or localStorage 'mixroom.cut' = '0') turns it off.
// Followers of a leader that seeks inside the audio they have queued cut
// there too instead of starting over.
//
// Events: 'state' (playing/paused/following changed), 'levels' {detail},
// 'stopped' {detail: message}, 'underrun' {detail: {buffer: ms now}}.

import { pickDecoder, createDecoder } from './decoder.js';

const OPUS_DELAY = 312; // decoder look-ahead at 48 kHz (not compensated by the server)
const BUFFER = { start: 80, floor: 60, ceiling: 500, stable: 5 }; // ms, ms, ms, s
const CUT_AHEAD = 40; // ms past the frame being rendered where re-rendered audio takes over
const CUT_GAP = 250;  // ms between two re-rendering seeks at most

/** Whether an edit re-renders the queued audio: `?cut=0` or localStorage 'mixroom.cut' = '0' turns it off. */
export function cutSetting(search = globalThis.location ? location.search : '') {
  let v = new URLSearchParams(search).get('cut');
  if (v === null) { try { v = localStorage.getItem('mixroom.cut'); } catch { v = null; } }
  return v !== '0';
}

/**
 * The jitter buffer setting from `search` (the page's query: buffer=MS or
 * buffer=auto) or localStorage 'mixroom.buffer': {adaptive, start, floor,
 * ceiling, stable} in ms (stable in s). A fixed MS outside 20..2000 or not
 * a number is ignored (adaptive).
 */
export function bufferSetting(search = globalThis.location ? location.search : '') {
  let v = new URLSearchParams(search).get('buffer');
  if (v === null) { try { v = localStorage.getItem('mixroom.buffer'); } catch { v = null; } }
  const ms = Number(v);
  if (v !== null && v !== 'auto' && Number.isInteger(ms) && ms >= 20 && ms <= 2000) {
    return { ...BUFFER, adaptive: false, start: ms };
  }
  return { ...BUFFER, adaptive: true };
}

export class Player extends EventTarget {
  constructor(session, rate) {
    super();
    this.session = session;
    this.rate = rate;
    this.ctx = null;
    this.node = null;
    this.decoder = null;
    this.decoderKind = null;
    this.forced = null;
    this.stream = null;          // stream id whose packets we accept
    this.expect = null;          // {pos, mode:'flush'|'cut'} until its packet arrives
    this.playing = false;
    this.following = null;       // client id
    this.rev = null;             // revision being heard (null = head)
    this.match = false;          // A/B: ask the server to match loudness to the head
    this.matchGain = null;       // match_gain_db of the last playing reply (null: none)
    this.loop = null;
    this.lastPacketPos = null;
    this.base = 0;               // position while not playing
    this.auditionStream = null;  // the server's audition-only stream heard while stopped
    this.report = null;          // last worklet report
    this.levels = [];            // queued level frames {pos, master, tracks}
    this.stats = { packets: 0, decoded: 0, frames: 0, rms: 0, peak: 0, underruns: 0, decoder: null, levelFrames: 0,
      buffer: null, gaps: 0, dups: 0, jump: null, streamJumps: 0 };
    this.buffer = bufferSetting();
    this.cutOnEdit = cutSetting();
    this.cutTimer = 0;
    this.lastCut = -Infinity;
    this.stats.cuts = 0;
    this.watches = new Map();    // level watch id -> resolve (watchLevel)
    this.watchId = 0;
    this.readyP = null;
    session.onBinary = (buf) => this.onBinary(buf);
    session.addEventListener('message', (e) => this.onMessage(e.detail));
    session.addEventListener('change', (e) => { if (e.detail && e.detail.delta) this.onEdit(); });
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /** Forces the decoder ('webcodecs' | 'wasm' | null = automatic); before the first play. */
  setDecoder(kind) { this.forced = kind; }

  /** Creates the AudioContext, the worklet and the decoder (once). */
  ready() {
    if (!this.readyP) this.readyP = this.init();
    return this.readyP;
  }

  async init() {
    this.ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
    await this.ctx.audioWorklet.addModule('/worklet.js');
    this.node = new AudioWorkletNode(this.ctx, 'mixroom-player', { numberOfInputs: 0, outputChannelCount: [2] });
    this.node.connect(this.ctx.destination);
    this.node.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'pos') this.onReport(m);
      else if (m.type === 'heard') this.onHeard(m);
    };
    const b = this.buffer;
    this.node.port.postMessage({ type: 'config', buffer: { start: b.start * 48, floor: b.floor * 48,
      ceiling: b.ceiling * 48, stable: b.stable, adaptive: b.adaptive } });
    this.decoderKind = this.forced || await pickDecoder();
    this.decoder = await createDecoder(this.decoderKind, (l, r, tag) => this.onPcm(l, r, tag),
      (e) => console.warn('opus decode:', e && e.message));
    this.stats.decoder = this.decoderKind;
  }

  /** Whether an edit may re-render what is queued now (own stream of the head, sounding, no epoch pending). */
  get cuttable() {
    return this.cutOnEdit && this.playing && !this.following && (this.rev === null || this.rev === undefined)
      && !this.expect && this.stream !== null && this.lastPacketPos !== null && this.sounding && !!this.ctx;
  }

  /** A delta arrived: re-render the queued audio (at most once per CUT_GAP ms, the last one always). */
  onEdit() {
    if (!this.cuttable || this.cutTimer) return;
    const wait = Math.max(0, this.lastCut + CUT_GAP - performance.now());
    this.cutTimer = setTimeout(() => { this.cutTimer = 0; this.recut(); }, wait);
  }

  recut() {
    if (!this.cuttable) return;
    const lat = (this.ctx.outputLatency || 0) + (this.ctx.baseLatency || 0);
    const rendering = this.position() + Math.round(lat * 48000 * this.step);
    // the seek's first burst brings 120 ms: cut far enough ahead that the
    // queue stays at the buffer's target (a grown buffer keeps protecting)
    const ahead = Math.max(CUT_AHEAD, (this.report ? this.report.target / 48 : 0) - 100);
    const at = rendering + Math.round(ahead * 48 * this.step);
    const end = this.lastPacketPos + this.packetFrames;
    if (end - at < this.packetFrames) return; // nothing worth replacing
    if (this.loop && (at < this.loop[0] || at >= this.loop[1] || end > this.loop[1] || this.lastPacketPos < rendering)) return;
    this.lastCut = performance.now();
    this.stats.cuts++;
    this.expect = { pos: at, mode: 'cut', rerender: true };
    this.session.request({ type: 'seek', to: at }).then((r) => {
      if (r.type !== 'seeked' && this.expect && this.expect.pos === at) this.expect = null;
    });
  }

  /** A worklet report: the heard position's anchor and the buffer's figures; 'underrun' when it ran dry. */
  onReport(m) {
    this.report = m;
    const more = m.underruns > this.stats.underruns;
    Object.assign(this.stats, { underruns: m.underruns, skips: m.skips, buffer: Math.round(m.target / 48),
      gaps: m.gaps, dups: m.dups, jump: m.jump, lastDup: m.lastDup });
    if (more) this.emit('underrun', { buffer: this.stats.buffer });
  }

  /**
   * Test and benchmark hook: resolves with the first sample played from now
   * on whose level crosses thr ('up': |L| > thr; 'down': the first of run
   * samples with |L| < thr) as {pos, t, heard, out}: its timeline frame,
   * the context time it was rendered at, and the performance.now() time it
   * reaches the output, from the output latency the context reports
   * (`heard`) and from getOutputTimestamp (`out`).
   */
  async watchLevel({ dir = 'up', thr = 0.05, run = 240 } = {}) {
    await this.ready();
    const id = ++this.watchId;
    return new Promise((resolve) => {
      this.watches.set(id, resolve);
      this.node.port.postMessage({ type: 'watch', id, dir, thr, run });
    });
  }

  onHeard(m) {
    const resolve = this.watches.get(m.id);
    if (!resolve) return;
    this.watches.delete(m.id);
    const ctx = this.ctx;
    const lat = (ctx.outputLatency || 0) + (ctx.baseLatency || 0);
    const heard = performance.now() - (ctx.currentTime - m.t) * 1000 + lat * 1000;
    const ts = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : null;
    const out = ts && ts.performanceTime ? ts.performanceTime + (m.t - ts.contextTime) * 1000 : null;
    resolve({ pos: m.pos, t: m.t, heard, out, latency: lat });
  }

  get step() { return this.rate / 48000; }           // timeline frames per 48 kHz sample
  get packetFrames() { return Math.round(960 * this.step); }

  /** The timeline frame being heard now (the resting position when stopped). */
  position() {
    const r = this.report;
    if (!this.playing && !this.following) return this.base;
    if (!r || r.pos === null || !this.ctx) return this.base;
    if (!r.started) return Math.round(r.pos); // waiting for data: the sound stands still
    const lat = (this.ctx.outputLatency || 0) + (this.ctx.baseLatency || 0);
    const ahead = (this.ctx.currentTime - lat - r.t) * 48000 * this.step;
    // never past the audio that was queued when the report was made (a
    // stalled audio thread), never more than that back
    const room = r.queued * this.step;
    const at = Math.max(0, Math.round(r.pos + Math.max(-room, Math.min(ahead, room))));
    // just after a play or a seek, the output latency is still playing what
    // came before: the heard position stands at the start, never before it
    // (with a loop, positions below the start are the loop's and are left alone)
    const from = this.epochFrom;
    return from !== null && from !== undefined && !this.loop && at < from ? from : at;
  }

  /** True once audio for the current epoch is coming out. */
  get sounding() { return !!(this.report && this.report.started); }

  async play(from, { loop = null, rev = null, match = this.match } = {}) {
    await this.ready();
    if (this.ctx.state !== 'running') await this.ctx.resume();
    if (this.following) await this.follow(null);
    this.auditionStream = null;
    this.expect = { pos: from, mode: 'flush' };
    this.node.port.postMessage({ type: 'stop' });
    this.report = null;
    this.base = from;
    this.epochFrom = from;
    this.stats.rms = 0;
    this.stats.peak = 0;
    this.loop = loop;
    this.rev = rev;
    this.match = !!match;
    const msg = { type: 'play', from };
    if (loop) msg.loop = loop;
    if (rev !== null && rev !== undefined) msg.rev = rev;
    if (this.match) msg.match = true;
    this.playing = true;
    this.emit('state');
    const r = await this.session.request(msg);
    if (r.type !== 'playing') { this.expect = null; this.playing = false; this.emit('state'); this.emit('error', r); return r; }
    this.stream = r.stream;
    this.gotMatch(r, rev);
    return r;
  }

  async pause() {
    const at = this.position();
    this.playing = false;
    this.expect = null;
    this.base = at;
    if (this.node) this.node.port.postMessage({ type: 'stop' });
    this.report = null;
    this.emit('state');
    return this.session.request({ type: 'pause' });
  }

  /**
   * `auditioning` reply while stopped: hears that stream (auditions only,
   * the timeline silent) without moving the playhead, until its `stopped`.
   */
  async audition(reply) {
    if (this.playing || this.following || !reply || reply.type !== 'auditioning') return;
    if (this.auditionStream !== reply.stream) this.expect = { pos: null, mode: 'flush' };
    this.auditionStream = reply.stream;
    this.stream = reply.stream;
    await this.ready();
    if (this.ctx.state !== 'running') await this.ctx.resume();
  }

  /** Moves the transport; while playing the server's stream jumps there. */
  async seek(to) {
    this.base = to;
    this.epochFrom = to;
    if (!this.playing) return null;
    if (this.loop && (to < this.loop[0] || to >= this.loop[1])) return this.play(to, { rev: this.rev });
    this.expect = { pos: to, mode: 'flush' };
    return this.session.request({ type: 'seek', to });
  }

  /**
   * A/B: switches what is heard to revision rev (null = head) at the same
   * position, without a gap. Not playing: just remembers it.
   */
  async switchRev(rev) {
    this.rev = rev;
    if (!this.playing || this.lastPacketPos === null) return null;
    let at = this.lastPacketPos + Math.round(this.packetFrames / 2);
    if (this.loop && (at < this.loop[0] || at >= this.loop[1])) at = this.loop[0];
    this.expect = { pos: at, mode: 'cut' };
    const msg = { type: 'play', from: at };
    if (this.loop) msg.loop = this.loop;
    if (rev !== null && rev !== undefined) msg.rev = rev;
    if (this.match) msg.match = true;
    const r = await this.session.request(msg);
    if (r.type === 'playing') { this.stream = r.stream; this.gotMatch(r, rev); }
    else { this.expect = null; this.emit('error', r); }
    this.emit('state');
    return r;
  }

  /** Remembers a playing reply's loudness-match gain and tells the transport ('match' {rev, gain}). */
  gotMatch(r, rev) {
    this.matchGain = typeof r.match_gain_db === 'number' ? r.match_gain_db : null;
    if (this.matchGain !== null) this.emit('match', { rev: rev ?? null, gain: this.matchGain });
  }

  /** Turns loudness matching on or off; while playing a revision, switches in place. */
  async setMatch(on) {
    this.match = !!on;
    if (this.playing && this.rev !== null && this.rev !== undefined) return this.switchRev(this.rev);
    return null;
  }

  /** Follows another client's transport (null stops following). */
  async follow(client) {
    if (client) {
      await this.ready();
      if (this.ctx.state !== 'running') await this.ctx.resume();
      this.playing = false;
      this.node.port.postMessage({ type: 'stop' });
      this.report = null;
    }
    const r = await this.session.request({ type: 'follow', client: client || null });
    if (r.type !== 'following') { this.emit('error', r); return r; }
    this.following = r.client || null;
    if (this.following) {
      this.stream = r.stream ?? null;
      this.expect = { pos: null, mode: 'flush' }; // join the leader's stream wherever it is
    } else {
      this.base = this.position();
      this.expect = null;
      this.stream = null;
      if (this.node) this.node.port.postMessage({ type: 'stop' });
      this.report = null;
    }
    this.emit('state');
    return r;
  }

  /** The socket closed: the stream (and following) ended on the server. */
  disconnected() {
    this.base = this.position();
    this.playing = false;
    this.following = null;
    this.expect = null;
    this.stream = null;
    if (this.node) this.node.port.postMessage({ type: 'stop' });
    this.report = null;
    this.emit('state');
  }

  // Messages the session did not consume: follow-mode transport of the leader, stops.
  onMessage(m) {
    if (m.id !== undefined) return; // our own replies are handled where requested
    if (m.type === 'stopped' && this.auditionStream !== null && !this.playing && !this.following) {
      this.auditionStream = null; // the audition stream ended: the playhead stays
      this.expect = null;
      if (this.node) this.node.port.postMessage({ type: 'stop' });
      this.report = null;
      return;
    }
    if (m.type === 'stopped') {
      if (m.reason === 'leader_left') { this.following = null; this.stream = null; }
      this.base = m.position ?? this.position();
      this.playing = false;
      this.expect = null;
      if (this.node) this.node.port.postMessage({ type: 'stop' });
      this.report = null;
      this.emit('stopped', m);
      this.emit('state');
      return;
    }
    if (!this.following) return;
    if (m.type === 'playing') { this.stream = m.stream; this.expect = { pos: m.from, mode: 'flush' }; this.loop = m.loop || null; this.emit('state'); }
    else if (m.type === 'seeked') {
      // inside the audio queued: the leader re-renders from there (an edit)
      const inside = this.sounding && this.lastPacketPos !== null && m.to > this.position() && m.to <= this.lastPacketPos + this.packetFrames;
      this.expect = { pos: m.to, mode: inside ? 'cut' : 'flush', rerender: inside };
    }
    else if (m.type === 'paused') {
      this.base = this.position();
      this.expect = null;
      if (this.node) this.node.port.postMessage({ type: 'stop' });
      this.report = null;
      this.emit('state');
    }
  }

  onBinary(buf) {
    if (buf.byteLength < 13) return;
    const dv = new DataView(buf);
    const tag = dv.getUint8(0);
    const stream = dv.getUint32(1, true);
    if (this.stream !== null && stream !== this.stream) return;
    if (!this.playing && !this.following && (this.auditionStream === null || stream !== this.auditionStream)) return;
    if (tag === 0x01 && buf.byteLength > 17) {
      const pos = Number(dv.getBigUint64(9, true));
      this.stats.packets++;
      let mode = null, rerender = false;
      if (this.expect) {
        const e = this.expect;
        const hit = e.mode === 'flush' ? pos >= e.pos && pos < e.pos + this.packetFrames : pos === e.pos;
        if (e.pos === null || hit) { mode = e.mode; rerender = !!e.rerender; this.expect = null; if (this.stream === null) this.stream = stream; }
        else if (e.mode === 'flush') return; // a packet from before the seek
      }
      // a packet that does not follow the previous one in the same epoch
      // (lost on the way, or a loop's wrap): tells stream gaps from playback ones
      if (mode === null && this.lastPacketPos !== null && pos !== this.lastPacketPos + this.packetFrames) this.stats.streamJumps++;
      this.lastPacketPos = pos;
      if (!this.decoder) return;
      this.decoder.decode(new Uint8Array(buf.slice(17)), { pos, mode, rerender });
    } else if (tag === 0x02 && buf.byteLength >= 23) {
      const pos = Number(dv.getBigUint64(5, true));
      const n = dv.getUint16(13, true);
      if (buf.byteLength < 23 + 8 * n) return;
      const tracks = [];
      for (let i = 0; i < n; i++) tracks.push({ peak: dv.getFloat32(23 + 8 * i, true), rms: dv.getFloat32(27 + 8 * i, true) });
      const master = { peak: dv.getFloat32(15, true), rms: dv.getFloat32(19, true) };
      // true peaks follow (master, then each track); older servers send none: the sample peak
      const tpAt = 23 + 8 * n, hasTp = buf.byteLength >= tpAt + 4 + 4 * n;
      master.tp = hasTp ? dv.getFloat32(tpAt, true) : master.peak;
      tracks.forEach((t, i) => { t.tp = hasTp ? dv.getFloat32(tpAt + 4 + 4 * i, true) : t.peak; });
      this.stats.levelFrames++;
      this.levels.push({ pos, master, tracks });
      if (this.levels.length > 100) this.levels.shift();
    }
  }

  onPcm(l, r, tag) {
    if (!tag) this.stats.untagged = (this.stats.untagged || 0) + 1;
    if (!tag || !this.node) return;
    this.stats.decoded++;
    this.stats.frames += l.length;
    let sum = 0, peak = 0;
    for (let i = 0; i < l.length; i++) {
      const a = l[i], b = r[i];
      sum += a * a + b * b;
      const m = Math.max(Math.abs(a), Math.abs(b));
      if (m > peak) peak = m;
    }
    const rms = Math.sqrt(sum / (2 * l.length));
    this.stats.rms = Math.max(rms, this.stats.rms * 0.8);
    this.stats.peak = Math.max(peak, this.stats.peak * 0.8);
    this.stats.maxRms = Math.max(this.stats.maxRms || 0, rms);
    const pos = tag.pos - OPUS_DELAY * this.step;
    // a re-rendering seek's first packet takes over at its own position (its
    // first OPUS_DELAY samples are the encoder's look-ahead of the old audio)
    const at = tag.mode === 'cut' && tag.rerender ? tag.pos : undefined;
    this.node.port.postMessage({ type: 'chunk', l, r, pos, step: this.step, flush: tag.mode === 'flush', cut: tag.mode === 'cut', at },
      [l.buffer, r.buffer]);
  }

  /** The level frames now heard (dropped from the queue); the newest one or null. */
  takeLevels() {
    const at = this.position() + OPUS_DELAY * this.step;
    let last = null;
    while (this.levels.length && (this.levels[0].pos <= at || this.levels.length > 40)) last = this.levels.shift();
    return last;
  }

  close() {
    this.session.onBinary = null;
    if (this.decoder) this.decoder.close();
    if (this.ctx) this.ctx.close();
  }
}
