// preview_share.test.mjs -- shared listening (issue 15, docs/preview.md
// "Shared listening"): listeners of the same source at the same position
// get byte-identical packets encoded once; one of them seeking leaves the
// other's stream contiguous and sound; an edit is heard by both; with
// stream_share = 0 each listener has its own encode; the Opus complexity
// steps down under (simulated) load to its floor without breaking the
// stream's positions, seq or sound.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, join, sleep } from './harness.mjs';
import { makeSong, pushOps, capture, decodeOpus, bestSnr, toneEnergy, parseWav, metricsOf, waitFor } from './preview_lib.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const metrics = (srv) => metricsOf(srv, { encodes: 'mixroom_preview_encodes_total', packets: 'mixroom_preview_packets_total', complexity: 'mixroom_preview_opus_complexity' });

async function exportF32(srv, song, rev, from, to) {
  const r = await fetch(`${srv.url}/api/projects/${song.project}/export?format=wav32&rev=${rev}&from=${from}&to=${to}`, { headers: { authorization: `Bearer ${song.user.token}` } });
  assert.equal(r.status, 200);
  return parseWav(Buffer.from(await r.arrayBuffer())).samples;
}

function assertContiguous(pkts, what) {
  for (let i = 1; i < pkts.length; i++) {
    assert.equal(pkts[i].seq, pkts[i - 1].seq + 1, `${what}: seq contiguous at ${i}`);
    assert.equal(pkts[i].pos, pkts[i - 1].pos + 960, `${what}: positions contiguous at ${i}`);
  }
}

/** Two listeners of one song who both play `msg` at once. */
async function pair(srv, song) {
  const a = (await join(srv, song.user, song.project)).client;
  const b = (await join(srv, song.user, song.project)).client;
  const recA = capture(a); const recB = capture(b);
  const [ra, rb] = await Promise.all([a.request({ type: 'play', from: 0 }), b.request({ type: 'play', from: 0 })]);
  assert.equal(ra.type, 'playing'); assert.equal(rb.type, 'playing');
  assert.notEqual(ra.stream, rb.stream, 'each listener has its own stream id');
  const pa = () => recA.audio.filter((x) => x.stream === ra.stream);
  const pb = () => recB.audio.filter((x) => x.stream === rb.stream);
  return { a, b, recA, recB, pa, pb };
}

function samePayloads(pa, pb) {
  const byPos = new Map(pb.map((x) => [x.pos, x.packet.toString('hex')]));
  let common = 0; let same = 0;
  for (const x of pa) {
    if (!byPos.has(x.pos)) continue;
    common++;
    if (byPos.get(x.pos) === x.packet.toString('hex')) same++;
  }
  return { common, same };
}

test('two listeners at the same position get byte-identical packets, encoded once', async () => {
  const song = await makeSong(server, 'sh_ident');
  const m0 = await metrics(server);
  const { a, b, recA, recB, pa, pb } = await pair(server, song);
  await waitFor(() => pa().length >= 40 && pb().length >= 40, '40 packets each');
  await Promise.all([a.request({ type: 'pause' }), b.request({ type: 'pause' })]);
  const m1 = await metrics(server);
  assertContiguous(pa(), 'A'); assertContiguous(pb(), 'B');
  assert.equal(pa()[0].pos, 0); assert.equal(pb()[0].pos, 0);
  const { common, same } = samePayloads(pa(), pb());
  assert.ok(common >= 40, `${common} positions in common`);
  assert.equal(same, common, 'every packet at the same position is byte-identical');
  // the level frames too (after their stream id)
  assert.ok(recA.levels.length >= 10 && recB.levels.length >= 10);
  const lvB = new Map(recB.levels.map((l) => [l.pos, JSON.stringify([l.master, l.tracks])]));
  const lvCommon = recA.levels.filter((l) => lvB.has(l.pos));
  assert.ok(lvCommon.length >= 10);
  for (const l of lvCommon) assert.equal(JSON.stringify([l.master, l.tracks]), lvB.get(l.pos), `levels at ${l.pos}`);
  const enc = m1.encodes - m0.encodes; const sent = m1.packets - m0.packets;
  console.log(`two listeners: ${sent} packets sent, ${enc} encoded`);
  assert.ok(sent >= 80, `${sent} packets sent`);
  assert.ok(enc <= sent / 2 + 2, `${enc} encodes for ${sent} packets: encoded once`);
  await a.close(); await b.close();
});

test('one listener seeking leaves the other\'s stream contiguous and sound', async () => {
  const song = await makeSong(server, 'sh_seek');
  const { a, b, pa, pb } = await pair(server, song);
  await waitFor(() => pb().length >= 25, 'B plays');
  const seek = await b.request({ type: 'seek', to: 96000 });
  assert.equal(seek.type, 'seeked');
  await waitFor(() => pb().filter((x) => x.pos >= 96000).length >= 25 && pa().length >= 70, 'both play on');
  await Promise.all([a.request({ type: 'pause' }), b.request({ type: 'pause' })]);
  const A = pa(); const B = pb();
  assertContiguous(A, 'A (not seeking)');
  const at = B.findIndex((x) => x.pos === 96000);
  assert.ok(at > 0, 'B has a packet at the seek target');
  assertContiguous(B.slice(0, at), 'B before the seek');
  assertContiguous(B.slice(at), 'B after the seek');
  for (let i = 1; i < B.length; i++) assert.equal(B[i].seq, B[i - 1].seq + 1, 'B: seq contiguous across the seek');
  // A sounds like the export all along: no glitch when B left
  const pcm = decodeOpus(A.map((x) => x.packet));
  const ref = await exportF32(server, song, song.rev, 0, A.length * 960);
  const { snr } = bestSnr(ref, pcm);
  console.log(`the listener that stayed: ${A.length} packets, SNR ${snr.toFixed(1)} dB against the export`);
  assert.ok(snr >= 20, `SNR ${snr}`);
  // B after the seek sounds like the export from there
  const after = B.slice(at);
  const pcmB = decodeOpus(after.map((x) => x.packet));
  const refB = await exportF32(server, song, song.rev, 96000, 96000 + after.length * 960);
  assert.ok(bestSnr(refB, pcmB).snr >= 20, 'B after its seek');
  await a.close(); await b.close();
});

test('an edit is heard by both listeners of a shared source', async () => {
  const song = await makeSong(server, 'sh_edit');
  const m0 = await metrics(server);
  const { a, b, recA, pa, pb } = await pair(server, song);
  await waitFor(() => pa().length >= 20 && pb().length >= 20, 'both play');
  const d = await pushOps(a, [{ op: 'set', id: 't_high', fields: { mute: true } }]);
  const ev = recA.events.find((e) => e.msg.type === 'delta' && e.msg.rev === d.rev);
  const posAtDelta = recA.audio[ev.nAudio - 1].pos;
  await waitFor(() => pa().length >= 80 && pb().length >= 80, 'both play on');
  await Promise.all([a.request({ type: 'pause' }), b.request({ type: 'pause' })]);
  for (const [name, pkts] of [['A', pa()], ['B', pb()]]) {
    assertContiguous(pkts, name);
    const pcm = decodeOpus(pkts.map((x) => x.packet));
    let firstQuiet = null;
    for (let i = 0; i < pkts.length; i++) {
      if (pkts[i].pos <= posAtDelta - 20 * 960) continue;
      const s0 = i * 960 + 312; const s1 = s0 + 960;
      if (s1 > pcm.length / 2) break;
      if (toneEnergy(pcm, s0, s1, 1000) < toneEnergy(pcm, s0, s1, 440) * 1e-3) { firstQuiet = pkts[i].pos; break; }
    }
    assert.ok(firstQuiet !== null, `${name} hears the 1 kHz track muted`);
    assert.ok(firstQuiet - posAtDelta <= 0.15 * 48000, `${name}: muted ${(firstQuiet - posAtDelta) / 48} ms of stream after the delta`);
  }
  const m1 = await metrics(server);
  const { common, same } = samePayloads(pa(), pb());
  assert.ok(common >= 60);
  assert.equal(same, common, 'the same packets after the edit');
  const enc = m1.encodes - m0.encodes; const sent = m1.packets - m0.packets;
  assert.ok(enc <= sent / 2 + 2, `${enc} encodes for ${sent} packets: still one encode for both after the edit`);
  await a.close(); await b.close();
});

test('listeners at different positions, and stream_share = 0, encode their own', async () => {
  const solo = await startServer({ args: ['--stream-share', '0'] });
  try {
    const song = await makeSong(solo, 'sh_off');
    const m0 = await metrics(solo);
    const { a, b, pa, pb } = await pair(solo, song);
    await waitFor(() => pa().length >= 30 && pb().length >= 30, '30 packets each');
    await Promise.all([a.request({ type: 'pause' }), b.request({ type: 'pause' })]);
    const m1 = await metrics(solo);
    assertContiguous(pa(), 'A'); assertContiguous(pb(), 'B');
    assert.equal(m1.encodes - m0.encodes, m1.packets - m0.packets, 'one encode per packet sent');
    const { common } = samePayloads(pa(), pb());
    assert.ok(common >= 30, 'the same positions were played');
    await a.close(); await b.close();
  } finally { await solo.stop(); }
  // on the sharing server: a listener at another position has its own
  const song = await makeSong(server, 'sh_apart');
  const a = (await join(server, song.user, song.project)).client;
  const b = (await join(server, song.user, song.project)).client;
  const recA = capture(a); const recB = capture(b);
  const m0 = await metrics(server);
  const [ra, rb] = await Promise.all([a.request({ type: 'play', from: 0 }), b.request({ type: 'play', from: 48000 })]);
  const pa = () => recA.audio.filter((x) => x.stream === ra.stream);
  const pb = () => recB.audio.filter((x) => x.stream === rb.stream);
  await waitFor(() => pa().length >= 30 && pb().length >= 30, '30 packets each');
  await Promise.all([a.request({ type: 'pause' }), b.request({ type: 'pause' })]);
  const m1 = await metrics(server);
  assert.equal(m1.encodes - m0.encodes, m1.packets - m0.packets, 'apart: one encode per packet sent');
  assert.equal(pb()[0].pos, 48000);
  assertContiguous(pa(), 'A'); assertContiguous(pb(), 'B');
  await a.close(); await b.close();
});

test('under load the Opus complexity steps down to its floor; positions, seq and sound stay intact', async () => {
  const loaded = await startServer({ args: ['--stream-test-load', '100', '--opus-complexity-min', '3', '--opus-complexity', '8'] });
  try {
    const song = await makeSong(loaded, 'sh_load');
    const { client } = await join(loaded, song.user, song.project);
    const rec = capture(client);
    const seen = [];
    const r = await client.request({ type: 'play', from: 0 });
    const pk = () => rec.audio.filter((x) => x.stream === r.stream);
    const end = Date.now() + 20000;
    for (;;) {
      const m = await metrics(loaded);
      seen.push(m.complexity);
      if (m.complexity === 3 && pk().length >= 60) break;
      assert.ok(Date.now() < end, `complexity did not reach its floor: ${seen.join(',')}`);
      await sleep(50);
    }
    await client.request({ type: 'pause' });
    console.log(`complexity under simulated load: ${[...new Set(seen)].join(' -> ')}`);
    assert.ok(seen.includes(8) || seen.some((c) => c > 3), 'it started above the floor');
    for (const c of seen) assert.ok(c >= 3 && c <= 8, `complexity ${c} within [3, 8]`);
    const pkts = pk();
    assertContiguous(pkts, 'the stream across the steps');
    const pcm = decodeOpus(pkts.map((x) => x.packet));
    const ref = await exportF32(loaded, song, song.rev, 0, pkts.length * 960);
    const { snr } = bestSnr(ref, pcm);
    console.log(`stream across complexity steps: SNR ${snr.toFixed(1)} dB`);
    assert.ok(snr >= 20, `SNR ${snr}`);
    await client.close();
  } finally { await loaded.stop(); }
});
