// preview_audition.test.mjs -- render ahead and auditions (h15-comp,
// docs/preview.md "Render ahead"): a playing stream renders five packets
// per block (mixroom_preview_render_blocks_total against
// mixroom_preview_encodes_total); an audition into it makes its source
// render one packet per block for the note's run (so notes are heard at
// once), the note is heard, and afterwards the source renders ahead again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, makeUser, makeProject, join } from './harness.mjs';
import { RATE, pushOps, capture, decodeOpus, metricsOf, waitFor } from './preview_lib.mjs';

const SINE = { type: 'synth', osc1: 'sine', osc2: 'sine', mix: 0, detune: 0, cutoff: 20000, resonance: 0, env_amount: 0, attack: 0.005, decay: 0.1, sustain: 1, release: 0.05, gain: -6 };

let server;
before(async () => { server = await startServer({ args: ['--stream-share', '0'] }); });
after(async () => { await server.stop(); });

const counts = () => metricsOf(server, { blocks: 'mixroom_preview_render_blocks_total', encodes: 'mixroom_preview_encodes_total' });

function rms(pcm, a, b) {
  let s = 0;
  for (let i = a; i < b; i++) s += pcm[2 * i] * pcm[2 * i];
  return Math.sqrt(s / Math.max(1, b - a));
}

test('an audition into a playing stream: one packet per block for the note\'s run, then render ahead again', async () => {
  const owner = makeUser(server, 'aud');
  const project = makeProject(server, 'Audition', 'aud');
  const { client } = await join(server, owner, project);
  await pushOps(client, [
    { op: 'create', id: 'k_lead', kind: 'track', fields: { name: 'Lead', order: 'a1', role: 'instrument', instrument: SINE } },
    { op: 'create', id: 'c_lead', kind: 'clip', fields: { track: 'k_lead', start: 0, length: 60 * RATE } },
  ]);
  const rec = capture(client);
  const pl = await client.request({ type: 'play', from: 0 });
  assert.equal(pl.type, 'playing', JSON.stringify(pl));
  const pk = () => rec.audio.filter((x) => x.stream === pl.stream);
  /** blocks per packet over the next n packets */
  async function window(n, what) {
    const c0 = await counts(); const k0 = pk().length;
    await waitFor(() => pk().length >= k0 + n, `${n} packets (${what})`, 30000);
    const c1 = await counts();
    return (c1.blocks - c0.blocks) / (c1.encodes - c0.encodes);
  }
  await waitFor(() => pk().length >= 10, 'the first packets', 30000);
  const before = await window(40, 'before the audition');
  // a 200 ms note: its run is 200 ms + 1.5 s of tail, 85 packets
  const au = await client.request({ type: 'audition', track: 'k_lead', pitch: 69, vel: 110, ms: 200 });
  assert.equal(au.type, 'auditioning', JSON.stringify(au));
  assert.equal(au.stream, pl.stream, 'into the running stream');
  const kNote = pk().length;
  await waitFor(() => pk().length >= kNote + 10, 'packets after the audition', 30000);
  const during = await window(40, 'during the note\'s run');
  await waitFor(() => pk().length >= kNote + 110, 'the end of the note\'s run', 30000);
  const afterRun = await window(40, 'after the note\'s run');
  await client.request({ type: 'pause' });
  console.log(`blocks per packet: ${before.toFixed(2)} before, ${during.toFixed(2)} during the note's run, ${afterRun.toFixed(2)} after`);
  assert.ok(before <= 0.3, `render ahead before the audition (${before})`);
  assert.ok(during >= 0.9, `one packet per block during the note's run (${during})`);
  assert.ok(afterRun <= 0.3, `render ahead again after it (${afterRun})`);
  // the note is heard (the timeline is silent: the clip has no notes)
  const pkts = pk();
  const pcm = decodeOpus(pkts.map((p) => p.packet));
  // (somewhere in the 30 packets after the reply: the packets in flight
  // and the block rendered ahead come first)
  const from = kNote * 960; const to = (kNote + 30) * 960;
  assert.ok(rms(pcm, from, to) > 0.01, `the note is heard (${rms(pcm, from, to)})`);
  assert.ok(rms(pcm, 312, 5 * 960) < 1e-4, 'silence before it');
  await client.close();
});
