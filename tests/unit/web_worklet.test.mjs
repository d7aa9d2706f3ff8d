// web_worklet.test.mjs -- the player's AudioWorklet (web/worklet.js) in
// Node, driven quantum by quantum with AudioWorklet globals the test defines, so
// the jitter buffer's rules are checked exactly and without a browser or
// a clock: the start at 80 ms, growth on an underrun (by half, at least
// 20 ms, up to the ceiling) and the slow shrink down to the floor; a
// fixed buffer does not move; the samples played are exactly the
// positions queued, in order, across an underrun, a cut inside the queue
// (A/B, an edit's re-rendered audio, which takes over at `at`) and a late
// cut whose first chunks were already played past (no position twice);
// gaps and repeats are counted; the level watch reports the first sample
// that crosses its threshold. Run by tests/unit/web_worklet.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const RATE = 48000;
globalThis.sampleRate = RATE;
globalThis.currentTime = 0;
globalThis.AudioWorkletProcessor = class {
  constructor() { this.sent = []; this.port = { postMessage: (m) => this.sent.push(m), onmessage: null }; }
};
let Proc = null;
globalThis.registerProcessor = (name, cls) => { assert.equal(name, 'mixroom-player'); Proc = cls; };
await import('../../web/worklet.js');

/** A worklet reading at exactly the context rate (lock), so each output sample is one queued sample. */
function make(config = null, record = true) {
  const w = new Proc();
  const send = (m) => w.port.onmessage({ data: m });
  send({ type: 'config', lock: true });
  if (config) send({ type: 'config', ...config });
  const out = [];       // [L, R] per sample played (0, 0 = silence), when recording
  const seen = { last: null, bad: null }; // continuity of everything played, recorded or not
  const run = (quanta) => {
    for (let i = 0; i < quanta; i++) {
      const L = new Float32Array(128), R = new Float32Array(128);
      w.process([], [[L, R]]);
      globalThis.currentTime += 128 / RATE;
      for (let j = 0; j < 128; j++) {
        if (record) out.push([L[j], R[j]]);
        if (L[j] === 0) continue;
        if (seen.last !== null && L[j] !== seen.last + 1 && !seen.bad) seen.bad = `${seen.last} then ${L[j]}`;
        seen.last = L[j];
      }
    }
  };
  // a chunk whose left samples are their own positions and right samples the source tag
  const chunk = (pos, n = 960, src = 1, extra = {}) => {
    const l = new Float32Array(n), r = new Float32Array(n);
    for (let i = 0; i < n; i++) { l[i] = pos + i; r[i] = src; }
    send({ type: 'chunk', l, r, pos, step: 1, ...extra });
  };
  const report = () => [...w.sent].reverse().find((m) => m.type === 'pos');
  return { w, send, run, chunk, out, report, seen };
}

/** The positions played (silence left out) and whether each follows the one before. */
function contiguous(out) {
  const pos = out.filter(([l]) => l !== 0).map(([l]) => l);
  for (let i = 1; i < pos.length; i++) if (pos[i] !== pos[i - 1] + 1) return `${pos[i - 1]} then ${pos[i]}`;
  return null;
}

test('starts once 80 ms are queued; plays the queued positions in order', () => {
  const t = make();
  t.chunk(1000); t.chunk(1960); t.chunk(2920);
  t.run(4);
  assert.equal(t.out.filter(([l]) => l !== 0).length, 0, '60 ms queued: not started');
  t.chunk(3880);
  t.run(8);
  assert.equal(t.out[512][0], 1000, 'the first sample after 80 ms arrived is the first queued');
  assert.equal(contiguous(t.out), null);
  const r = t.report();
  assert.equal(r.target, 3840);
  assert.equal(r.underruns, 0);
});

test('an underrun grows the target by half (at least 20 ms) up to 500 ms; playing on stays contiguous', () => {
  const t = make();
  let pos = 1000;
  const feed = (k) => { for (let i = 0; i < k; i++) { t.chunk(pos); pos += 960; } };
  feed(4);
  t.run(40); // 5120 frames: runs dry after 3840
  let r = t.report();
  assert.equal(r.underruns, 1);
  assert.equal(r.target, 3840 + 1920, '80 -> 120 ms');
  feed(5); // 100 ms: under 120, not started
  t.run(8);
  assert.equal(t.w.started, false);
  feed(2);
  t.run(16);
  assert.equal(t.w.started, true);
  assert.equal(contiguous(t.out), null, 'the positions continue across the underrun');
  assert.equal(t.report().gaps, 0);
  assert.equal(t.report().dups, 0);
  // repeated underruns stop at the ceiling
  for (let i = 0; i < 12; i++) { t.run(400); feed(Math.ceil(t.w.prebuffer / 960) + 1); }
  r = t.report();
  assert.ok(r.underruns >= 6);
  assert.equal(r.target, 24000, 'never past 500 ms');
  assert.equal(contiguous(t.out), null);
});

test('a stable stream shrinks the target by an eighth (at least 10 ms) every 5 s, down to 60 ms', () => {
  const t = make({ buffer: { start: 200 * 48 } }, false);
  let pos = 1000;
  const feed = (k) => { for (let i = 0; i < k; i++) { t.chunk(pos); pos += 960; } };
  feed(12);
  const targets = [];
  for (let q = 0; q < 375 * 60; q++) { // 60 s of quanta, the queue kept near 200 ms
    if (t.w.queued < 9600) feed(1);
    t.run(1);
    if (targets[targets.length - 1] !== t.w.prebuffer) targets.push(t.w.prebuffer);
  }
  assert.deepEqual(targets.slice(0, 3), [9600, 8400, 7350], '200 ms, then 175, then 153');
  assert.equal(targets[targets.length - 1], 2880, 'ends at the 60 ms floor');
  assert.equal(t.report().underruns, 0);
  assert.equal(t.seen.bad, null);
});

test('a fixed buffer (config prebuffer) neither grows nor shrinks', () => {
  const t = make({ prebuffer: 11520 });
  let pos = 1000;
  for (let i = 0; i < 12; i++) { t.chunk(pos); pos += 960; }
  t.run(200);
  assert.equal(t.report().underruns, 1);
  assert.equal(t.w.prebuffer, 11520);
  for (let i = 0; i < 20; i++) { t.chunk(pos); pos += 960; }
  t.run(10);
  assert.equal(t.w.prebuffer, 11520);
});

test('a cut inside the queue takes over at `at`: the old source up to it, the new one from it, no gap', () => {
  const t = make();
  for (let i = 0; i < 8; i++) t.chunk(1000 + 960 * i, 960, 1);
  t.run(10); // 1280 played: 1000..2279
  // the re-rendered packet at 5000, decoded 312 samples earlier
  t.chunk(5000 - 312, 960, 2, { cut: true, at: 5000 });
  t.chunk(5000 - 312 + 960, 960, 2);
  t.run(60);
  const played = t.out.filter(([l]) => l !== 0);
  assert.equal(contiguous(t.out), null);
  const first2 = played.findIndex(([, r]) => r === 2);
  assert.equal(played[first2][0], 5000, 'the new source starts exactly at the cut');
  assert.equal(played[first2 - 1][0], 4999);
  assert.equal(played[first2 - 1][1], 1);
  assert.equal(t.report().gaps, 0);
  assert.equal(t.report().dups, 0);
});

test('a late cut (its frame already played) continues from the position reached, across chunks, with nothing played twice', () => {
  const t = make();
  for (let i = 0; i < 5; i++) t.chunk(1000 + 960 * i, 960, 1);
  t.run(45); // 5760 frames: all 4800 queued played, then an underrun
  assert.equal(t.report().underruns, 1);
  // the cut's packets were rendered from 2000: the first two chunks lie wholly behind 5800
  t.chunk(2000 - 312, 960, 2, { cut: true, at: 2000 });
  t.chunk(2000 - 312 + 960, 960, 2);
  t.chunk(2000 - 312 + 1920, 960, 2);
  for (let i = 3; i < 12; i++) t.chunk(2000 - 312 + 960 * i, 960, 2);
  t.run(80);
  assert.equal(contiguous(t.out), null, 'no position twice, no gap');
  assert.equal(t.report().dups, 0);
  const played = t.out.filter(([l]) => l !== 0);
  const first2 = played.find(([, r]) => r === 2);
  assert.equal(first2[0], 5800, 'the new source continues where the old one stopped');
});

test('gaps and repeats in what is played are counted; a flush starts a new epoch', () => {
  const t = make();
  t.chunk(1000); t.chunk(1960); t.chunk(2920); t.chunk(3880);
  t.chunk(4840 + 480);         // a gap of 480
  t.chunk(5800 + 480 - 100);   // 100 frames again
  t.run(60);
  let r = t.report();
  assert.equal(r.gaps, 1);
  assert.equal(r.dups, 1);
  assert.deepEqual([r.jump.at, r.jump.by], [6280, -100]);
  t.chunk(90000, 960, 1, { flush: true });
  for (let i = 1; i < 8; i++) t.chunk(90000 + 960 * i);
  t.run(40);
  r = t.report();
  assert.ok(t.out.some(([l]) => l === 90000), 'the new epoch plays');
  assert.equal(r.gaps, 1, 'a flush is not a gap');
  assert.equal(r.dups, 1);
});

test('the level watch reports the first played sample crossing its threshold', () => {
  const t = make();
  const send = (pos, v) => { const l = new Float32Array(960).fill(v), r = new Float32Array(960).fill(v); t.send({ type: 'chunk', l, r, pos, step: 1 }); };
  for (let i = 0; i < 4; i++) send(1000 + 960 * i, 0.5);
  t.send({ type: 'watch', id: 7, dir: 'down', thr: 0.01, run: 240 });
  send(4840, 0.5);
  send(5800, 0.5);
  // 6760..6959 loud, quiet from 6960 on
  t.send({ type: 'chunk', l: new Float32Array(960).fill(0.5).fill(0, 200), r: new Float32Array(960), pos: 6760, step: 1 });
  for (let i = 0; i < 4; i++) send(7720 + 960 * i, 0);
  t.run(80);
  const h = t.w.sent.find((m) => m.type === 'heard');
  assert.ok(h, 'reported');
  assert.equal(h.id, 7);
  assert.equal(h.pos, 6960, 'the first of the quiet run');
  assert.ok(Number.isFinite(h.t));
  assert.equal(t.w.sent.filter((m) => m.type === 'heard').length, 1, 'once');
  t.send({ type: 'watch', id: 8, dir: 'up', thr: 0.05 });
  for (let i = 0; i < 8; i++) send(11560 + 960 * i, 0.3);
  t.run(60);
  const u = t.w.sent.find((m) => m.type === 'heard' && m.id === 8);
  assert.equal(u.pos, 11560);
});
