// worklet.js -- the AudioWorklet end of the player: a queue of decoded
// stereo chunks (the ring buffer), each tagged with the timeline frame of
// its first sample, played out 128 frames at a time. Playback starts once
// `prebuffer` frames are queued (and again after an underrun), so the
// buffer absorbs network jitter. Messages from the page:
//   {type:'chunk', l, r, pos, step, flush?, cut?}  queue a chunk; flush drops
//       everything queued first (seek, new play); cut drops queued audio at
//       or after `pos` so the chunk continues seamlessly (A/B switch)
//   {type:'stop'}                                   drop everything, silence
//   {type:'config', prebuffer}
//   {type:'config', lock}   lock: read at exactly the context rate (no drift
//       following) so the heard timeline runs with the recorder's sample clock
// Every ~23 ms it posts {type:'pos', pos, t, queued, started, underruns}:
// `pos` is the timeline frame of the next sample it will render and `t` the
// context time at which that sample is rendered, so the page can compute
// the position actually heard (adding the output latency).

class MixroomPlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.q = [];          // {l, r, pos, step, off, len}
    this.queued = 0;      // frames queued
    this.started = false;
    this.prebuffer = 11520; // 240 ms at 48 kHz
    this.pos = null;
    this.underruns = 0;
    this.tick = 0;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(m) {
    if (m.type === 'config') {
      if (m.prebuffer > 0) this.prebuffer = m.prebuffer;
      if (m.lock !== undefined) this.lock = !!m.lock;
    } else if (m.type === 'stop') {
      this.q = [];
      this.queued = 0;
      this.started = false;
    } else if (m.type === 'chunk') {
      if (m.flush) {
        this.q = [];
        this.queued = 0;
        this.started = false;
      } else if (m.cut) {
        this.cutAt(m.pos);
      }
      const c = { l: m.l, r: m.r, pos: m.pos, step: m.step, off: 0, len: m.l.length };
      if (m.cut && this.started && this.pos !== null && this.q.length === 0 && this.pos > m.pos) {
        // arrived late: skip what has already been played past
        c.off = Math.min(c.len, Math.round((this.pos - m.pos) / m.step));
      }
      this.q.push(c);
      this.queued += c.len - c.off;
    }
  }

  // Drops n frames from the head of the queue: after the audio thread was
  // starved (data kept coming while nothing played) the queue holds far
  // more than the prebuffer; playing it all would stay that much behind.
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

  process(inputs, outputs) {
    const out = outputs[0];
    const L = out[0];
    const R = out[1] || out[0];
    const n = L.length;
    let i = 0;
    if (!this.started && this.queued >= this.prebuffer) { this.started = true; this.frac = 0; }
    if (this.started && this.queued > 1.5 * this.prebuffer) this.skip(this.queued - this.prebuffer);
    if (this.started) {
      // Clock drift between the server's pacing and this audio clock: read
      // slightly faster or slower (linear interpolation) to hold the queue
      // near the prebuffer level; at most 1 % (inaudible as pitch).
      const err = (this.queued - this.prebuffer) / this.prebuffer;
      const rate = this.lock ? 1 : 1 + Math.max(-0.01, Math.min(0.01, err * 0.05));
      let frac = this.frac || 0;
      while (i < n && this.q.length) {
        const c = this.q[0];
        const a0 = c.off;
        let l1, r1;
        if (a0 + 1 < c.len) { l1 = c.l[a0 + 1]; r1 = c.r[a0 + 1]; } else if (this.q.length > 1) { const d = this.q[1]; l1 = d.l[d.off]; r1 = d.r[d.off]; } else { l1 = c.l[a0]; r1 = c.r[a0]; }
        L[i] = c.l[a0] + (l1 - c.l[a0]) * frac;
        if (R !== L) R[i] = c.r[a0] + (r1 - c.r[a0]) * frac;
        i++;
        frac += rate;
        while (frac >= 1 && this.q.length) {
          frac -= 1;
          const h = this.q[0];
          h.off++;
          this.queued--;
          if (h.off >= h.len) this.q.shift();
        }
        const h = this.q[0];
        if (h) this.pos = h.pos + (h.off + frac) * h.step;
      }
      this.frac = frac;
      if (i < n) { this.started = false; this.underruns++; }
    }
    for (let j = i; j < n; j++) { L[j] = 0; if (R !== L) R[j] = 0; }
    if (++this.tick % 8 === 0) {
      this.port.postMessage({ type: 'pos', pos: this.pos, t: currentTime + n / sampleRate,
        queued: this.queued, started: this.started, underruns: this.underruns, skips: this.skipped || 0 });
    }
    return true;
  }
}

registerProcessor('mixroom-player', MixroomPlayer);
