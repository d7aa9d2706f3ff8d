// worklet.js -- the AudioWorklet end of the player: a queue of decoded
// stereo chunks (the ring buffer), each tagged with the timeline frame of
// its first sample, played out 128 frames at a time, behind an adaptive
// jitter buffer. Playback starts once `target` frames are queued (and
// again after an underrun). The target starts at `start` (80 ms), grows
// by half (at least 20 ms) on every underrun up to `ceiling` (500 ms), and
// shrinks by an eighth (at least 10 ms) after every `stable` seconds (5)
// without one, down to `floor` (60 ms); the read rate
// (±1 %, drift following) brings the queue to it without a gap. With
// `adaptive: false` the target stays where it is (the old fixed 240 ms
// buffer, for comparisons). Messages from the page:
//   {type:'chunk', l, r, pos, step, flush?, cut?, at?}  queue a chunk; flush
//       drops everything queued first (seek, new play); cut drops queued
//       audio at or after `at` (default `pos`) and plays the chunk from
//       there, so it continues seamlessly (A/B switch, re-rendered audio
//       after an edit); a cut that comes after `at` was played continues
//       from the position reached
//   {type:'stop'}                                   drop everything, silence
//   {type:'config', prebuffer}  a fixed target (frames; adaptation off)
//   {type:'config', buffer: {start, floor, ceiling, stable, adaptive}}
//       frames, frames, frames, seconds, boolean: the jitter buffer
//   {type:'config', lock}   lock: read at exactly the context rate (no drift
//       following) so the heard timeline runs with the recorder's sample clock
//   {type:'watch', id, dir:'up'|'down', thr, run}  (tests, benchmarks) report
//       the first played sample whose level crosses thr: 'up' the first with
//       |L| > thr, 'down' the first of `run` consecutive samples with
//       |L| < thr; answered once with {type:'heard', id, pos, t}
// Every ~23 ms it posts {type:'pos', pos, t, queued, started, underruns,
// skips, target, gaps, dups, jump}: `pos` is the timeline frame of the next
// sample it will render and `t` the context time at which that sample is
// rendered, so the page can compute the position actually heard (adding
// the output latency); `gaps`/`dups` count discontinuities in the played
// positions within an epoch (a chunk that does not start where the audio
// played before it ended), `jump` the last one {at, by} in frames.

const MS = sampleRate / 1000;

class MixroomPlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.q = [];          // {l, r, pos, step, off, len, begun}
    this.queued = 0;      // frames queued
    this.started = false;
    this.adaptive = true;
    this.floor = Math.round(60 * MS);
    this.ceiling = Math.round(500 * MS);
    this.stableFrames = Math.round(5000 * MS); // 5 s without an underrun: shrink
    this.prebuffer = Math.round(80 * MS);      // the target
    this.calm = 0;        // frames played since the last underrun or shrink
    this.pos = null;
    this.playedEnd = null; // timeline position right after the last sample played (null: new epoch)
    this.lateTo = null;    // a late cut: chunks are played from here on (what precedes was played past)
    this.underruns = 0;
    this.gaps = 0;
    this.dups = 0;
    this.jump = null;
    this.watch = null;
    this.tick = 0;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(m) {
    if (m.type === 'config') {
      if (m.prebuffer > 0) { this.prebuffer = m.prebuffer; this.adaptive = false; }
      if (m.buffer) this.configure(m.buffer);
      if (m.lock !== undefined) this.lock = !!m.lock;
    } else if (m.type === 'stop') {
      this.lateTo = null;
      this.q = [];
      this.queued = 0;
      this.started = false;
      this.playedEnd = null;
    } else if (m.type === 'watch') {
      this.watch = { id: m.id, dir: m.dir === 'down' ? 'down' : 'up', thr: m.thr, run: Math.max(1, m.run | 0), n: 0, pos: 0, t: 0 };
    } else if (m.type === 'chunk') {
      if (m.flush) {
        this.q = [];
        this.queued = 0;
        this.started = false;
        this.playedEnd = null;
      }
      // a cut at `at` (default: the chunk's first sample) drops the queued
      // audio from there; the chunk is played from there too
      const at = m.cut && Number.isFinite(m.at) ? m.at : m.pos;
      if (m.cut) this.cutAt(at);
      const c = { l: m.l, r: m.r, pos: m.pos, step: m.step, off: 0, len: m.l.length, begun: false };
      if (at > m.pos) c.off = Math.min(c.len, Math.round((at - m.pos) / m.step));
      c.why = m.flush ? 'flush' : m.cut ? 'cut' : null; // named in the jump report
      // arrived late (the audio before it ran out past `at`): skip what has
      // already been played past, in this chunk and the ones after it
      if (m.cut && this.playedEnd !== null && this.q.length === 0 && this.playedEnd > at) this.lateTo = this.playedEnd;
      else if (m.cut || m.flush) this.lateTo = null;
      if (this.lateTo !== null && this.lateTo !== undefined) {
        const skip = Math.round((this.lateTo - m.pos) / m.step);
        if (skip >= c.len) return; // entirely played past
        c.off = Math.max(c.off, skip);
        this.lateTo = null;
      }
      this.q.push(c);
      this.queued += c.len - c.off;
    }
  }

  configure(b) {
    const ms = (v, d) => (Number.isFinite(v) && v > 0 ? Math.round(v) : d);
    this.floor = ms(b.floor, this.floor);
    this.ceiling = Math.max(this.floor, ms(b.ceiling, this.ceiling));
    if (Number.isFinite(b.stable) && b.stable > 0) this.stableFrames = Math.round(b.stable * sampleRate);
    if (b.adaptive !== undefined) this.adaptive = !!b.adaptive;
    const start = ms(b.start, this.prebuffer);
    this.prebuffer = this.adaptive ? Math.min(this.ceiling, Math.max(this.floor, start)) : start;
    this.calm = 0;
  }

  // An underrun: the next start waits for half as much again (adaptive).
  grow() {
    this.underruns++;
    this.calm = 0;
    if (this.adaptive) this.prebuffer = Math.min(this.ceiling, this.prebuffer + Math.max(Math.round(20 * MS), Math.round(this.prebuffer / 2)));
  }

  // Drops n frames from the head of the queue: after the audio thread was
  // starved (data kept coming while nothing played) the queue holds far
  // more than the target; playing it all would stay that much behind.
  skip(n) {
    while (n > 0 && this.q.length) {
      const c = this.q[0];
      const k = Math.min(n, c.len - c.off);
      c.off += k;
      n -= k;
      this.queued -= k;
      if (c.off >= c.len) this.q.shift();
    }
    this.skipped = (this.skipped || 0) + 1;
  }

  // Drops queued samples whose timeline position is >= at.
  cutAt(at) {
    while (this.q.length) {
      const c = this.q[this.q.length - 1];
      const keep = Math.ceil((at - c.pos) / c.step);
      if (keep <= c.off) { this.queued -= c.len - c.off; this.q.pop(); continue; }
      if (keep < c.len) { this.queued -= c.len - keep; c.len = keep; }
      break;
    }
  }

  // The first sample of chunk c is about to be played: does it continue
  // the audio played before it (within one frame)?
  begin(c) {
    c.begun = true;
    const at = c.pos + c.off * c.step;
    if (this.playedEnd !== null) {
      const by = at - this.playedEnd;
      if (Math.abs(by) >= c.step) {
        if (by > 0) this.gaps++; else this.dups++;
        this.jump = { at: this.playedEnd, by, why: c.why || null, started: this.started, queued: this.queued };
        if (by < 0) this.lastDup = this.jump;
      }
    }
  }

  // Level watch on the played sample L[i] at timeline position p.
  look(v, p, i) {
    const w = this.watch;
    const a = Math.abs(v);
    let hit = false;
    if (w.dir === 'up') {
      if (a > w.thr) { w.pos = p; w.t = currentTime + i / sampleRate; hit = true; }
    } else if (a < w.thr) {
      if (w.n++ === 0) { w.pos = p; w.t = currentTime + i / sampleRate; }
      hit = w.n >= w.run;
    } else {
      w.n = 0;
    }
    if (hit) {
      this.port.postMessage({ type: 'heard', id: w.id, pos: w.pos, t: w.t });
      this.watch = null;
    }
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const L = out[0];
    const R = out[1] || out[0];
    const n = L.length;
    let i = 0;
    if (!this.started && this.queued >= this.prebuffer) { this.started = true; this.frac = 0; this.level = this.queued; }
    // far more than the target (a starved audio thread): skip ahead
    if (this.started && this.queued > this.prebuffer + 200 * MS) this.skip(this.queued - this.prebuffer);
    if (this.started) {
      // Clock drift between the server's pacing and this audio clock, and a
      // target that shrank: read slightly faster or slower (linear
      // interpolation) to hold the queue near the target; at most 1 %
      // (inaudible as pitch).
      // The level is smoothed (~270 ms: packets arrive 20 ms at a time) and
      // the error scaled to 240 ms, so a small target reads no less steadily.
      this.level = this.level === undefined ? this.queued : this.level + (this.queued - this.level) * 0.01;
      const err = (this.level - this.prebuffer) / (240 * MS);
      const rate = this.lock ? 1 : 1 + Math.max(-0.01, Math.min(0.01, err * 0.1));
      let frac = this.frac || 0;
      while (i < n && this.q.length) {
        const c = this.q[0];
        if (!c.begun) this.begin(c);
        const a0 = c.off;
        let l1, r1;
        if (a0 + 1 < c.len) { l1 = c.l[a0 + 1]; r1 = c.r[a0 + 1]; } else if (this.q.length > 1) { const d = this.q[1]; l1 = d.l[d.off]; r1 = d.r[d.off]; } else { l1 = c.l[a0]; r1 = c.r[a0]; }
        L[i] = c.l[a0] + (l1 - c.l[a0]) * frac;
        if (R !== L) R[i] = c.r[a0] + (r1 - c.r[a0]) * frac;
        if (this.watch) this.look(L[i], c.pos + (a0 + frac) * c.step, i);
        i++;
        frac += rate;
        while (frac >= 1 && this.q.length) {
          frac -= 1;
          const h = this.q[0];
          h.off++;
          this.queued--;
          this.playedEnd = h.pos + h.off * h.step;
          if (h.off >= h.len) this.q.shift();
        }
        const h = this.q[0];
        if (h) this.pos = h.pos + (h.off + frac) * h.step;
      }
      this.frac = frac;
      if (i < n) { this.started = false; this.grow(); }
      else if (this.adaptive && (this.calm += n) >= this.stableFrames) {
        this.calm = 0;
        const less = Math.max(Math.round(10 * MS), Math.round(this.prebuffer / 8));
        if (this.prebuffer > this.floor) this.prebuffer = Math.max(this.floor, this.prebuffer - less);
      }
    }
    for (let j = i; j < n; j++) { L[j] = 0; if (R !== L) R[j] = 0; }
    if (++this.tick % 8 === 0) {
      this.port.postMessage({ type: 'pos', pos: this.pos, t: currentTime + n / sampleRate,
        queued: this.queued, started: this.started, underruns: this.underruns, skips: this.skipped || 0,
        target: this.prebuffer, gaps: this.gaps, dups: this.dups, jump: this.jump, lastDup: this.lastDup || null });
    }
    return true;
  }
}

registerProcessor('mixroom-player', MixroomPlayer);
