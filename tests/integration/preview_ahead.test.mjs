// preview_ahead.test.mjs -- render ahead (h15-listen3, docs/preview.md
// "Render ahead"): a server that renders five packets per block
// (stream_render_ahead 5, the default) sends the same Opus bytes at the
// same positions as one that renders one packet at a time
// (stream_render_ahead 1), from an odd start, after a seek and across a
// loop, through effects whose state crosses blocks; its level frames
// still come 20 times a second and carry the meters; the same at 44.1 kHz
// (882-frame packets, the compressor's 8-sample steps straddle blocks,
// automation of the compressor's threshold and a track's gain; h15-comp);
// under load (h15-listen4) render ahead grows to 20 packets per block at
// the complexity floor and the bytes stay those of one packet at a time;
// a bad setting is refused with the limit named.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, join, cli, makeUser, makeProject } from './harness.mjs';
import { makeSong, pushOps, capture, toneWav, uploadAsset, metricsOf } from './preview_lib.mjs';

const blocks = (srv) => metricsOf(srv, { blocks: 'mixroom_preview_render_blocks_total', encodes: 'mixroom_preview_encodes_total' });

// fixed Opus complexity (no stepping under load), each listener its own source
const ARGS = ['--stream-share', '0', '--opus-complexity-min', '8', '--opus-complexity', '8'];
let ahead; let one;
before(async () => {
  ahead = await startServer({ args: [...ARGS, '--stream-render-ahead', '5'] });
  one = await startServer({ args: [...ARGS, '--stream-render-ahead', '1'] });
});
after(async () => { await ahead.stop(); await one.stop(); });

/** Resolves once cond() holds, checked on each message c receives (after
 * capture's handler has recorded it); rejects after 30 s naming what. */
function onMessages(c, cond, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { c.ws.off('message', check); reject(new Error(`timed out waiting for ${what}`)); }, 30000);
    function check() {
      if (!cond()) return;
      clearTimeout(timer);
      c.ws.off('message', check);
      resolve();
    }
    c.ws.on('message', check);
    check();
  });
}

/** The song of preview_lib with an EQ and a compressor on the low track
 * and both tracks into a bus with a reverb and a delay. */
async function song(srv, name) {
  const s = await makeSong(srv, name);
  await pushOps(s.client, [
    { op: 'create', id: 'bus', kind: 'track', fields: { name: 'Bus', order: 'z5', role: 'bus' } },
    { op: 'create', id: 'rv', kind: 'effect', fields: { track: 'bus', type: 'reverb', order: 'a', params: { size: 0.6, mix: 0.3 } } },
    { op: 'create', id: 'dl', kind: 'effect', fields: { track: 'bus', type: 'delay', order: 'b', params: { feedback: 0.4 } } },
    { op: 'create', id: 'eq_low', kind: 'effect', fields: { track: 't_low', type: 'eq', order: 'a', params: { bands: [{ type: 'peak', freq: 500, gain: 4, q: 1.2 }] } } },
    { op: 'create', id: 'cp_low', kind: 'effect', fields: { track: 't_low', type: 'compressor', order: 'b', params: { threshold: -20, ratio: 3 } } },
    { op: 'set', id: 't_low', fields: { output: 'bus' } },
    { op: 'set', id: 't_high', fields: { output: 'bus' } },
  ]);
  return s;
}

/** One listener of s: play `play`, take `count` packets, then (if seekTo)
 * seek and take `count` more. Packets by position (hex) for each part,
 * and the level frames. */
async function listen(srv, s, play, count, seekTo) {
  const c = (await join(srv, s.user, s.project)).client;
  const rec = capture(c);
  const r = await c.request({ type: 'play', ...play });
  assert.equal(r.type, 'playing');
  const pk = () => rec.audio.filter((x) => x.stream === r.stream);
  await onMessages(c, () => pk().length >= count, `${count} packets`);
  const parts = [pk().slice(0, count)];
  if (seekTo !== undefined) {
    const n0 = pk().length;
    const sk = await c.request({ type: 'seek', to: seekTo });
    assert.equal(sk.type, 'seeked');
    // the packets of the seek start at seekTo
    await onMessages(c, () => pk().slice(n0).some((x) => x.pos === seekTo), 'the seek\'s first packet');
    const from = () => pk().findIndex((x, i) => i >= n0 && x.pos === seekTo);
    await onMessages(c, () => pk().length - from() >= count, `${count} packets after the seek`);
    parts.push(pk().slice(from(), from() + count));
  }
  await c.request({ type: 'pause' });
  const levels = rec.levels.filter((x) => x.stream === r.stream);
  await c.close();
  return { parts: parts.map((p) => p.map((x) => [x.pos, x.packet.toString('hex')])), levels, count: pk().length };
}

function assertSame(a, b, what) {
  assert.equal(a.length, b.length, `${what}: as many packets`);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i][0], b[i][0], `${what}: position of packet ${i}`);
    assert.equal(a[i][1], b[i][1], `${what}: packet ${i} at ${a[i][0]}`);
  }
}

test('rendering five packets per block sends the same bytes as one at a time: odd start, seek, loop', async () => {
  const sA = await song(ahead, 'ra_same'); const s1 = await song(one, 'ra_same');
  // from an odd frame, 50 packets, then a seek to another odd frame
  const a = await listen(ahead, sA, { from: 12345 }, 50, 100001);
  const b = await listen(one, s1, { from: 12345 }, 50, 100001);
  assertSame(a.parts[0], b.parts[0], 'from 12345');
  assertSame(a.parts[1], b.parts[1], 'after the seek to 100001');
  // a loop of 0.5 s (25 packets): 60 packets cross its end twice
  const la = await listen(ahead, sA, { from: 3000, loop: [3000, 27000] }, 60);
  const l1 = await listen(one, s1, { from: 3000, loop: [3000, 27000] }, 60);
  assertSame(la.parts[0], l1.parts[0], 'looping');
  assert.ok(la.parts[0].filter(([pos]) => pos === 3000).length >= 2, 'the loop wrapped');
  // level frames: 20 a second (one per 2.5 packets), with the meters
  for (const [what, l] of [['ahead', a], ['one', b]]) {
    const per = l.levels.length / l.count;
    assert.ok(per > 0.3 && per < 0.5, `${what}: ${l.levels.length} level frames for ${l.count} packets`);
  }
  const loud = a.levels.filter((x) => x.master.peak > 0.01).length;
  assert.ok(loud >= a.levels.length - 2, `ahead: ${loud} of ${a.levels.length} level frames carry the meters`);
  assert.equal(a.levels[3].tracks.length, b.levels[3].tracks.length, 'the same tracks metered');
});

/** A 44.1 kHz song: two tones with EQ + compressor (threshold automated)
 * on one, gain automation on the other, both into a bus with a reverb and
 * a delay. */
async function song44(srv, name) {
  const rate = 44100; const frames = 4 * rate;
  const user = makeUser(srv, name);
  const project = makeProject(srv, 'Song 44', name, rate);
  const { client } = await join(srv, user, project);
  const a1 = await uploadAsset(srv, user, project, client, 'low.wav', toneWav(440, 4, 0.6, rate));
  const a2 = await uploadAsset(srv, user, project, client, 'high.wav', toneWav(1000, 4, 0.4, rate));
  await pushOps(client, [
    { op: 'create', id: 'bus', kind: 'track', fields: { name: 'Bus', order: 'z5', role: 'bus' } },
    { op: 'create', id: 'rv', kind: 'effect', fields: { track: 'bus', type: 'reverb', order: 'a', params: { size: 0.6, mix: 0.3 } } },
    { op: 'create', id: 'dl', kind: 'effect', fields: { track: 'bus', type: 'delay', order: 'b', params: { feedback: 0.4 } } },
    { op: 'create', id: 't_low', kind: 'track', fields: { name: 'Low', order: 'a5', output: 'bus' } },
    { op: 'create', id: 't_high', kind: 'track', fields: { name: 'High', order: 'a7', output: 'bus' } },
    { op: 'create', id: 'c_low', kind: 'clip', fields: { track: 't_low', asset: a1, start: 0, length: frames } },
    { op: 'create', id: 'c_high', kind: 'clip', fields: { track: 't_high', asset: a2, start: 7, length: frames - 7 } },
    { op: 'create', id: 'eq_low', kind: 'effect', fields: { track: 't_low', type: 'eq', order: 'a', params: { bands: [{ type: 'peak', freq: 500, gain: 4, q: 1.2 }] } } },
    { op: 'create', id: 'cp_low', kind: 'effect', fields: { track: 't_low', type: 'compressor', order: 'b', params: { threshold: -20, ratio: 3, attack: 1 } } },
    { op: 'create', id: 'a_thr', kind: 'automation', fields: { track: 't_low', param: 'cp_low.threshold', points: [[0, -30], [rate, -10]] } },
    { op: 'create', id: 'a_gain', kind: 'automation', fields: { track: 't_high', param: 'gain', points: [[0, 0], [2 * rate, -12]] } },
  ]);
  return { user, project, client };
}

test('at 44.1 kHz five packets per block send the same bytes as one at a time: odd start, seek, loop', async () => {
  const sA = await song44(ahead, 'ra44'); const s1 = await song44(one, 'ra44');
  const mA0 = await blocks(ahead); const m10 = await blocks(one);
  const a = await listen(ahead, sA, { from: 12345 }, 50, 100001);
  const b = await listen(one, s1, { from: 12345 }, 50, 100001);
  const mA1 = await blocks(ahead); const m11 = await blocks(one);
  // it did render ahead: a block per five packets (two seeks cut blocks)
  const perA = (mA1.blocks - mA0.blocks) / (mA1.encodes - mA0.encodes);
  const per1 = (m11.blocks - m10.blocks) / (m11.encodes - m10.encodes);
  console.log(`44.1 kHz: ${perA.toFixed(2)} blocks per packet rendering ahead, ${per1.toFixed(2)} one at a time`);
  assert.ok(perA > 0 && perA <= 0.3, `44.1 kHz renders ahead (${perA} blocks per packet)`);
  // (at 44.1 kHz the resampler's delay takes a block more at a seek)
  assert.ok(per1 >= 0.95 && per1 <= 1.1, `stream_render_ahead 1: a block per packet (${per1})`);
  assertSame(a.parts[0], b.parts[0], '44.1 kHz from 12345');
  assertSame(a.parts[1], b.parts[1], '44.1 kHz after the seek to 100001');
  assert.equal(a.parts[0][1][0] - a.parts[0][0][0], 882, '882-frame packets');
  const la = await listen(ahead, sA, { from: 3000, loop: [3000, 27000] }, 60);
  const l1 = await listen(one, s1, { from: 3000, loop: [3000, 27000] }, 60);
  assertSame(la.parts[0], l1.parts[0], '44.1 kHz looping');
  assert.ok(la.parts[0].filter(([pos]) => pos === 3000).length >= 2, 'the loop wrapped');
  const loud = a.levels.filter((x) => x.master.peak > 0.01).length;
  assert.ok(loud >= a.levels.length - 2, `44.1 kHz: ${loud} of ${a.levels.length} level frames carry the meters`);
});

/** Polls srv's metric `name` until ok(value), every 50 ms for up to 30 s. */
async function waitMetric(srv, name, ok, what) {
  const end = Date.now() + 30000;
  for (;;) {
    const v = (await metricsOf(srv, { v: name })).v;
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${name} ${v})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('under load render ahead grows to stream_render_ahead_max at the complexity floor and sends the same bytes as one packet at a time', async () => {
  // one pacing thread each; the grown one believes it is 50 % over a core
  // (stream_test_load 150): complexity falls to its floor 0, then render
  // ahead doubles 5 -> 10 -> 20; the reference renders one packet at a
  // time at complexity 0
  const grown = await startServer({ args: ['--stream-share', '0', '--workers', '1', '--opus-complexity', '8', '--opus-complexity-min', '0', '--stream-test-load', '150'] });
  const ref = await startServer({ args: ['--stream-share', '0', '--workers', '1', '--opus-complexity', '0', '--opus-complexity-min', '0', '--stream-render-ahead', '1'] });
  try {
    const sG = await song(grown, 'ra_grow'); const sR = await song(ref, 'ra_grow');
    assert.equal((await metricsOf(ref, { a: 'mixroom_preview_render_ahead' })).a, -1, 'no thread before the first stream');
    // a listener keeps the grown server's thread busy meanwhile
    const warm = (await join(grown, sG.user, sG.project)).client;
    assert.equal((await warm.request({ type: 'play', from: 0, loop: [0, 150000] })).type, 'playing');
    await waitMetric(grown, 'mixroom_preview_render_ahead', (v) => v === 20, 'render ahead 20');
    assert.equal((await metricsOf(grown, { c: 'mixroom_preview_opus_complexity' })).c, 0, 'at the floor');
    const m0 = await blocks(grown);
    const g = await listen(grown, sG, { from: 12345 }, 60, 100001);
    const m1 = await blocks(grown);
    const r = await listen(ref, sR, { from: 12345 }, 60, 100001);
    assertSame(g.parts[0], r.parts[0], 'grown: from 12345');
    assertSame(g.parts[1], r.parts[1], 'grown: after the seek to 100001');
    const lg = await listen(grown, sG, { from: 3000, loop: [3000, 27000] }, 60);
    const lr = await listen(ref, sR, { from: 3000, loop: [3000, 27000] }, 60);
    assertSame(lg.parts[0], lr.parts[0], 'grown: looping');
    // it rendered 20 packets per block: far fewer blocks than packets
    const per = (m1.blocks - m0.blocks) / (m1.encodes - m0.encodes);
    console.log(`grown: ${per.toFixed(3)} blocks per packet at render ahead 20`);
    assert.ok(per > 0 && per <= 0.12, `blocks per packet ${per}`);
    // the reference, stream_render_ahead 1, never grows
    assert.equal((await metricsOf(ref, { a: 'mixroom_preview_render_ahead' })).a, 1, 'one at a time stays one');
    await warm.close();
  } finally { await grown.stop(); await ref.stop(); }
});

test('a bad stream_render_ahead_max is refused with the limit named', () => {
  for (const bad of ['0', '21', 'x']) {
    const r = cli(['serve', '--stream-render-ahead-max', bad]);
    assert.notEqual(r.status, 0, `${bad} refused`);
    assert.match(r.stderr, /stream_render_ahead_max: '[^']*' is not valid; expected a whole number from 1 to 20/);
  }
});

test('a bad stream_render_ahead is refused with the limit named', () => {
  for (const bad of ['0', '6', 'five']) {
    const r = cli(['serve', '--stream-render-ahead', bad]);
    assert.notEqual(r.status, 0, `${bad} refused`);
    assert.match(r.stderr, /stream_render_ahead: '[^']*' is not valid; expected a whole number from 1 to 5/);
  }
});
