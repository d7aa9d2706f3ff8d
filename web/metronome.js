// metronome.js -- the click heard while recording: generated in the
// browser (WebAudio buffers of latency.js's click, scheduled on the
// player's AudioContext), on the project's beat grid (tempo and meter) and
// locked to the position being rendered by the player's worklet, so each
// click sounds exactly with its beat of the mix. It goes to the speakers
// only: it is never part of a take (the take is the microphone) nor of an
// export (the server never hears it). Also plays a count-in and the click
// train of "Measure latency" (see record.js).

import { clickWave, renderedFrame } from './latency.js';

/** The beat length in timeline frames for a project ({tempo, meter}) at rate. */
export function beatFrames(project, rate) {
  const tempo = project.tempo || 120;
  const unit = (project.meter && project.meter[1]) || 4;
  return (rate * 60) / tempo * (4 / unit);
}

export class Metronome {
  /** player: player.js Player (its ctx and worklet reports); getDoc: () => Doc. */
  constructor(player, getDoc) {
    this.player = player;
    this.getDoc = getDoc;
    this.timer = 0;
    this.next = null;     // next beat index to schedule
    this.nodes = new Set();
    this.gain = null;
    this.buffers = null;
    this.level = 0.5;
    this.countInEnd = null; // frame: beats before it are count-in (always sound)
    this.on = false;         // the click during the take
    this.free = null;        // {pos, t, started}: a clock of its own when the mix is silent (an empty song)
  }

  /** The position clock: the player's worklet report while it sounds, else the free clock. */
  report() {
    const r = this.player.report;
    if (r && r.started && r.pos !== null) return r;
    return this.free;
  }

  ensure() {
    const ctx = this.player.ctx;
    if (!this.gain || this.gain.context !== ctx) {
      this.gain = ctx.createGain();
      this.gain.gain.value = this.level;
      this.gain.connect(ctx.destination);
      const mk = (accent) => {
        const w = clickWave(ctx.sampleRate, accent);
        const b = ctx.createBuffer(1, w.length, ctx.sampleRate);
        b.copyToChannel(w, 0);
        return b;
      };
      this.buffers = { beat: mk(false), bar: mk(true) };
    }
  }

  /** Plays one click at context time when (accent: the first beat of a bar). */
  click(when, accent = false) {
    this.ensure();
    const s = this.player.ctx.createBufferSource();
    s.buffer = accent ? this.buffers.bar : this.buffers.beat;
    s.connect(this.gain);
    s.onended = () => { this.nodes.delete(s); s.disconnect(); };
    this.nodes.add(s);
    s.start(when);
  }

  /**
   * Starts clicking along the player's heard position: every beat while
   * `on`, and every beat before countInEnd regardless (the count-in).
   */
  start({ on, countInEnd = null }) {
    this.stop();
    this.on = !!on;
    this.countInEnd = countInEnd;
    this.next = null;
    this.timer = setInterval(() => this.tick(), 25);
    this.tick();
  }

  tick() {
    const p = this.player;
    const r = this.report();
    if (!p.ctx || !r) return;
    const doc = this.getDoc();
    const rate = doc.rate;
    const beat = beatFrames(doc.project, rate);
    const perBar = (doc.project.meter && doc.project.meter[0]) || 4;
    const now = p.ctx.currentTime;
    const fNow = renderedFrame(r, now, p.step);
    const fAhead = renderedFrame(r, now + 0.15, p.step);
    if (this.next === null) this.next = Math.ceil(fNow / beat);
    while (this.next * beat < fAhead) {
      const k = this.next++;
      const f = k * beat;
      if (f < fNow) continue;
      const counting = this.countInEnd !== null && f < this.countInEnd;
      if (!this.on && !counting) continue;
      const when = r.t + (f - r.pos) / (48000 * p.step);
      this.click(when, k % perBar === 0);
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
    for (const s of this.nodes) { try { s.stop(); } catch { /* not started */ } }
    this.nodes.clear();
  }
}
