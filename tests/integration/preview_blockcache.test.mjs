// preview_blockcache.test.mjs -- the preview's block cache (issue 15,
// docs/engine.md "The block cache"): with block_cache_bytes set, the live
// preview's packets are byte-identical to a server without the cache, for
// listeners that take their unchanged tracks' blocks from the cache (hits
// counted in /metrics) and after an edit of one track, in 20 ms blocks
// (stream_render_ahead 1: the hit counts below are per packet) and in the
// 100 ms blocks of render ahead (the default, h15-comp: blocks on the
// timeline's grid, so listeners at the same position share them); a bad
// setting is refused with the limit named.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, join, sleep, cli } from './harness.mjs';
import { makeSong, pushOps, capture, metricsOf, waitFor } from './preview_lib.mjs';

// fixed Opus complexity (no stepping under load), each listener its own source
const ARGS = ['--stream-share', '0', '--opus-complexity-min', '8', '--opus-complexity', '8'];
let on; let off; let onAhead;
before(async () => {
  // `on` renders one packet per block, so its blocks are 20 ms (what the
  // first two tests count); `onAhead` renders ahead (the default: 100 ms)
  on = await startServer({ args: [...ARGS, '--block-cache-bytes', String(64 << 20), '--stream-render-ahead', '1'] });
  off = await startServer({ args: [...ARGS, '--block-cache-bytes', '0'] });
  onAhead = await startServer({ args: [...ARGS, '--block-cache-bytes', String(64 << 20)] });
});
after(async () => { await on.stop(); await off.stop(); await onAhead.stop(); });

const cacheMetrics = (srv) => metricsOf(srv, { hits: 'mixroom_preview_block_cache_hits_total', misses: 'mixroom_preview_block_cache_misses_total', blocks: 'mixroom_preview_block_cache_blocks' });

/** The song of preview_lib with an EQ and a compressor on the low track. */
async function song(srv, name) {
  const s = await makeSong(srv, name);
  await pushOps(s.client, [
    { op: 'create', id: 'eq_low', kind: 'effect', fields: { track: 't_low', type: 'eq', order: 'a', params: { bands: [{ type: 'peak', freq: 500, gain: 4, q: 1.2 }] } } },
    { op: 'create', id: 'cp_low', kind: 'effect', fields: { track: 't_low', type: 'compressor', order: 'b', params: { threshold: -20, ratio: 3 } } },
  ]);
  return s;
}

/** n listeners of s play from 0 at once until each has `count` packets;
 * returns each one's packets by position (hex). */
async function listen(srv, s, n, count = 40) {
  const ls = [];
  for (let i = 0; i < n; i++) {
    const c = (await join(srv, s.user, s.project)).client;
    ls.push({ c, rec: capture(c) });
  }
  const rs = await Promise.all(ls.map((l) => l.c.request({ type: 'play', from: 0 })));
  const pk = (i) => ls[i].rec.audio.filter((x) => x.stream === rs[i].stream);
  await waitFor(() => ls.every((l, i) => pk(i).length >= count), `${count} packets each`);
  await Promise.all(ls.map((l) => l.c.request({ type: 'pause' })));
  const out = ls.map((l, i) => new Map(pk(i).slice(0, count).map((x) => [x.pos, x.packet.toString('hex')])));
  await Promise.all(ls.map((l) => l.c.close()));
  return out;
}

function assertSame(a, b, what) {
  let common = 0;
  for (const [pos, hex] of a) {
    if (!b.has(pos)) continue;
    common++;
    assert.equal(hex, b.get(pos), `${what}: packet at ${pos}`);
  }
  assert.ok(common >= 30, `${what}: ${common} positions in common`);
}

// The cache is made by a thread of its own once the first stream starts:
// play something first and wait until /metrics shows it.
async function cacheReady(srv) {
  const s = await song(srv, 'bc_warm');
  await listen(srv, s, 1, 5);
  const end = Date.now() + 30000;
  while ((await cacheMetrics(srv)).blocks < 0) {
    if (Date.now() > end) throw new Error('the block cache never came up');
    await sleep(50);
  }
}

test('with the block cache the packets are byte-identical to a server without it, and blocks come from the cache', async () => {
  await cacheReady(on);
  const sOn = await song(on, 'bc_same'); const sOff = await song(off, 'bc_same');
  const m0 = await cacheMetrics(on);
  // one after the other: B's blocks were all rendered by A before
  const [a] = await listen(on, sOn, 1);
  const [b] = await listen(on, sOn, 1);
  const [c] = await listen(off, sOff, 1);
  const m1 = await cacheMetrics(on);
  assertSame(a, c, 'cache on (A) against cache off');
  assertSame(b, c, 'cache on (B) against cache off');
  console.log(`block cache: ${m1.hits - m0.hits} hits, ${m1.misses - m0.misses} misses, ${m1.blocks} blocks held`);
  assert.ok(m1.hits - m0.hits >= 2 * 30, 'the second listener took both tracks\' blocks from the cache');
  assert.ok(m1.blocks > 0);
  assert.equal((await cacheMetrics(off)).blocks, -1, 'no cache with block_cache_bytes = 0');
});

test('after an edit of one track the cached server plays what the uncached one plays; the other track comes from the cache', async () => {
  const sOn = await song(on, 'bc_edit'); const sOff = await song(off, 'bc_edit');
  const [before] = await listen(on, sOn, 1);
  const [beforeOff] = await listen(off, sOff, 1);
  assertSame(before, beforeOff, 'before the edit');
  // the same edit on both servers: an effect parameter of the low track
  for (const s of [sOn, sOff])
    await pushOps(s.client, [{ op: 'set', id: 'eq_low', fields: { params: { bands: [{ type: 'peak', freq: 500, gain: -12, q: 1.2 }] } } }]);
  const m0 = await cacheMetrics(on);
  const [after1] = await listen(on, sOn, 1);
  const [afterOff] = await listen(off, sOff, 1);
  const m1 = await cacheMetrics(on);
  assertSame(after1, afterOff, 'after the edit');
  let changed = 0;
  for (const [pos, hex] of after1) if (before.has(pos) && before.get(pos) !== hex) changed++;
  assert.ok(changed >= 30, `the edit is heard (${changed} packets differ from before)`);
  // the high track did not change: its blocks come from the first play;
  // the low track's are rendered again
  console.log(`after the edit: ${m1.hits - m0.hits} hits, ${m1.misses - m0.misses} misses`);
  assert.ok(m1.hits - m0.hits >= 30, 'the unchanged track from the cache');
  assert.ok(m1.misses - m0.misses >= 30, 'the edited track rendered');
});

test('rendering ahead (100 ms blocks) with the block cache: the same bytes as without it; the second listener\'s blocks and an unedited track\'s come from the cache', async () => {
  await cacheReady(onAhead);
  const sOn = await song(onAhead, 'bc_ahead'); const sOff = await song(off, 'bc_ahead');
  const m0 = await cacheMetrics(onAhead);
  const r0 = await metricsOf(onAhead, { blocks: 'mixroom_preview_render_blocks_total', encodes: 'mixroom_preview_encodes_total' });
  const [a] = await listen(onAhead, sOn, 1);
  const [b] = await listen(onAhead, sOn, 1);
  const [c] = await listen(off, sOff, 1);
  const m1 = await cacheMetrics(onAhead);
  const r1 = await metricsOf(onAhead, { blocks: 'mixroom_preview_render_blocks_total', encodes: 'mixroom_preview_encodes_total' });
  const per = (r1.blocks - r0.blocks) / (r1.encodes - r0.encodes);
  assert.ok(per > 0 && per <= 0.3, `with the block cache the sources render ahead (${per} blocks per packet)`);
  assertSame(a, c, 'render ahead, cache on (A) against cache off');
  assertSame(b, c, 'render ahead, cache on (B) against cache off');
  console.log(`render ahead: ${m1.hits - m0.hits} hits, ${m1.misses - m0.misses} misses, ${m1.blocks} blocks held`);
  // 40 packets are 8 blocks of 5 packets: B's two tracks, at least 6 each
  assert.ok(m1.hits - m0.hits >= 2 * 6, 'the second listener took both tracks\' 100 ms blocks from the cache');
  // an edit of the low track: the high track's blocks still come from it
  for (const s of [sOn, sOff])
    await pushOps(s.client, [{ op: 'set', id: 'eq_low', fields: { params: { bands: [{ type: 'peak', freq: 500, gain: -12, q: 1.2 }] } } }]);
  const [after1] = await listen(onAhead, sOn, 1);
  const [afterOff] = await listen(off, sOff, 1);
  const m2 = await cacheMetrics(onAhead);
  assertSame(after1, afterOff, 'render ahead, after the edit');
  console.log(`render ahead, after the edit: ${m2.hits - m1.hits} hits, ${m2.misses - m1.misses} misses`);
  assert.ok(m2.hits - m1.hits >= 6, 'the unchanged track from the cache');
  assert.ok(m2.misses - m1.misses >= 6, 'the edited track rendered');
});

test('a bad block_cache_bytes is refused with the limit named', () => {
  for (const bad of ['-1', '99999999999999', 'lots']) {
    const r = cli(['serve', '--block-cache-bytes', bad]);
    assert.notEqual(r.status, 0, `${bad} refused`);
    assert.match(r.stderr, /block_cache_bytes: '[^']*' is not valid; expected a whole number of bytes from 0 to 68719476736/);
  }
});
