// instruments.test.mjs -- instrument tracks on the real server's engine
// (issue 16): notes pushed over the WebSocket are heard in the preview
// stream at their pitch and time (decoded Opus), an empty instrument track
// is silent, a note pushed while playing is heard in the running stream, and
// `audition` plays one note through the sender's own stream only (another
// listener's stream stays silent), with its errors and roles.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, makeUser, makeProject, addMember, join, sleep } from './harness.mjs';
import { RATE, pushOps, capture, decodeOpus, toneEnergy } from './preview_lib.mjs';

// a pure sine voice: easy to measure
const SINE = { type: 'synth', osc1: 'sine', osc2: 'sine', mix: 0, detune: 0, cutoff: 20000, resonance: 0, env_amount: 0, attack: 0.005, decay: 0.1, sustain: 1, release: 0.05, gain: -6 };
const TPQ = 960; // ticks per quarter note; 120 bpm: one tick = 25 frames at 48 kHz

let server; let owner; let ben; let project; let ed;
before(async () => {
  server = await startServer();
  owner = makeUser(server, 'ana');
  ben = makeUser(server, 'ben');
  project = makeProject(server, 'Beat', 'ana');
  addMember(server, project, 'ben', 'editor');
  ({ client: ed } = await join(server, owner, project));
  await pushOps(ed, [
    { op: 'create', id: 'k_lead', kind: 'track', fields: { name: 'Lead', order: 'a1', role: 'instrument', instrument: SINE } },
    { op: 'create', id: 'k_empty', kind: 'track', fields: { name: 'Empty', order: 'a2', role: 'instrument', instrument: SINE } },
    { op: 'create', id: 't_audio', kind: 'track', fields: { name: 'Audio', order: 'a3' } },
    { op: 'create', id: 'c_lead', kind: 'clip', fields: { track: 'k_lead', start: 0, length: 4 * RATE } },
    { op: 'create', id: 'c_empty', kind: 'clip', fields: { track: 'k_empty', start: 0, length: 4 * RATE } },
    // A4 (440 Hz) for the first second, silence, then A5 at 2 s
    { op: 'create', id: 'n1', kind: 'note', fields: { clip: 'c_lead', at: 0, len: 2 * TPQ, pitch: 69, vel: 120 } },
  ]);
});
after(async () => { await server.stop(); });

/** Plays for ms, pauses; returns the decoded stream and its packets. */
async function listen(client, rec, msg, ms) {
  const reply = await client.request({ type: 'play', ...msg });
  assert.equal(reply.type, 'playing', JSON.stringify(reply));
  await sleep(ms);
  await client.request({ type: 'pause' });
  await sleep(100);
  const pkts = rec.audio.filter((a) => a.stream === reply.stream);
  return { pkts, pcm: decodeOpus(pkts.map((p) => p.packet)) };
}

function rms(pcm, a, b) {
  let s = 0;
  for (let i = a; i < b; i++) s += pcm[2 * i] * pcm[2 * i];
  return Math.sqrt(s / Math.max(1, b - a));
}

/** The decoded frame index where timeline frame `at` is (Opus delay 312). */
const idx = (pkts, at) => at - pkts[0].pos + 312;

test('notes are streamed at their pitch and time; an empty instrument track is silent', async () => {
  const { client } = await join(server, owner, project);
  const rec = capture(client);
  const { pkts, pcm } = await listen(client, rec, { from: 0 }, 1800);
  assert.ok(pkts.length >= 60, `${pkts.length} packets`);
  // the note: 0 .. 1 s at 440 Hz
  const a = idx(pkts, 4800); const b = idx(pkts, 40000);
  const e440 = toneEnergy(pcm, a, b, 440); const e880 = toneEnergy(pcm, a, b, 880);
  console.log(`note: rms ${rms(pcm, a, b).toFixed(3)}, 440 Hz ${e440.toExponential(2)} vs 880 Hz ${e880.toExponential(2)}`);
  assert.ok(rms(pcm, a, b) > 0.05, 'the note sounds');
  assert.ok(e440 > 1000 * e880, 'at 440 Hz');
  // after its release (1 s + 50 ms release): silence
  assert.ok(rms(pcm, idx(pkts, 1.25 * RATE), idx(pkts, 1.7 * RATE)) < 1e-3, 'silent after the note');
  await client.close();

  // the empty track alone (solo) streams silence
  await pushOps(ed, [{ op: 'set', id: 'k_empty', fields: { solo: true } }]);
  const { client: c2 } = await join(server, owner, project);
  const rec2 = capture(c2);
  const q = await listen(c2, rec2, { from: 0 }, 800);
  assert.ok(q.pkts.length >= 20);
  assert.ok(rms(q.pcm, 0, q.pcm.length / 2) < 1e-4, 'an instrument track without notes is silent');
  await pushOps(ed, [{ op: 'set', id: 'k_empty', fields: { solo: false } }]);
  await c2.close();
});

test('a note pushed while playing is heard in the running stream', async () => {
  const { client } = await join(server, owner, project);
  const rec = capture(client);
  const reply = await client.request({ type: 'play', from: RATE + RATE / 2 }); // 1.5 s: silence
  assert.equal(reply.type, 'playing');
  await sleep(300);
  // A5 at 2.5 s for half a second: still ahead of the playhead
  await pushOps(client, [{ op: 'create', id: 'n_live', kind: 'note', fields: { clip: 'c_lead', at: 5 * TPQ, len: TPQ, pitch: 81, vel: 120 } }]);
  await sleep(1700);
  await client.request({ type: 'pause' });
  const pkts = rec.audio.filter((x) => x.stream === reply.stream);
  const pcm = decodeOpus(pkts.map((p) => p.packet));
  const a = idx(pkts, 2.5 * RATE + 2400); const b = idx(pkts, 2.95 * RATE);
  assert.ok(b < pcm.length / 2, 'the stream reached the new note');
  assert.ok(rms(pcm, idx(pkts, 1.6 * RATE), idx(pkts, 2.4 * RATE)) < 1e-3, 'silence before it');
  assert.ok(toneEnergy(pcm, a, b, 880) > 1000 * toneEnergy(pcm, a, b, 440), 'the new note at 880 Hz');
  await pushOps(client, [{ op: 'delete', id: 'n_live' }]);
  await client.close();
});

test('audition is heard in the sender\'s stream only', async () => {
  const { client: a } = await join(server, owner, project);
  // ben (another editor) listens to a silent part of the song
  const { client: listener } = await join(server, ben, project);
  const recB = capture(listener);
  const recA = capture(a);
  const pb = await listener.request({ type: 'play', from: 3 * RATE + RATE / 2 });
  assert.equal(pb.type, 'playing');
  // a is not playing: the audition starts a short stream of its own
  const r = await a.request({ type: 'audition', track: 'k_lead', pitch: 76, vel: 110, ms: 400 });
  assert.equal(r.type, 'auditioning', JSON.stringify(r));
  assert.equal(r.track, 'k_lead');
  assert.equal(r.pitch, 76);
  const stopped = await a.next((m) => m.type === 'stopped' && m.stream === r.stream, 6000);
  assert.equal(stopped.reason, 'end');
  await listener.request({ type: 'pause' });
  const pa = recA.audio.filter((x) => x.stream === r.stream);
  const pcmA = decodeOpus(pa.map((p) => p.packet));
  const f = 440 * 2 ** ((76 - 69) / 12); // E5, 659.3 Hz
  const s = 312 + 960; const e = 312 + Math.round(0.38 * RATE);
  console.log(`audition: ${pa.length} packets, rms ${rms(pcmA, s, e).toFixed(3)}`);
  assert.ok(rms(pcmA, s, e) > 0.05, 'the sender hears the note');
  assert.ok(toneEnergy(pcmA, s, e, f) > 1000 * toneEnergy(pcmA, s, e, 440), 'at its pitch, the timeline silent');
  assert.ok(pa.length < 120, 'the short stream ends by itself');
  const pkB = recB.audio.filter((x) => x.stream === pb.stream);
  assert.ok(pkB.length >= 20, 'the other listener was streaming meanwhile');
  assert.ok(rms(decodeOpus(pkB.map((p) => p.packet)), 0, pkB.length * 960) < 1e-4, 'the other listener hears nothing of it');

  // auditioning while playing: mixed into the running stream
  const recA2 = capture(a);
  const pl = await a.request({ type: 'play', from: 3 * RATE + RATE / 2 });
  await sleep(200);
  const r2 = await a.request({ type: 'audition', track: 'k_lead', pitch: 69, ms: 200 });
  assert.equal(r2.stream, pl.stream, 'the same stream');
  await sleep(600);
  await a.request({ type: 'pause' });
  const p2 = recA2.audio.filter((x) => x.stream === pl.stream);
  assert.ok(rms(decodeOpus(p2.map((p) => p.packet)), 0, p2.length * 960) > 0.01, 'heard in the running stream');
  await a.close();
  await listener.close();
});

test('audition errors name the field; viewers and commenters may not', async () => {
  const { client } = await join(server, owner, project);
  const bad = [
    [{ track: 'nope', pitch: 60 }, 'not_found', /track/],
    [{ track: 't_audio', pitch: 60 }, 'invalid_value', /track/],
    [{ track: 'c_lead', pitch: 60 }, 'not_found', /track/],
    [{ track: 'k_lead', pitch: 128 }, 'invalid_value', /pitch/],
    [{ track: 'k_lead', pitch: -1 }, 'invalid_value', /pitch/],
    [{ track: 'k_lead', pitch: 60.5 }, 'invalid_value', /pitch/],
    [{ track: 'k_lead' }, 'invalid_value', /pitch/],
    [{ track: 'k_lead', pitch: 60, vel: 0 }, 'invalid_value', /vel/],
    [{ track: 'k_lead', pitch: 60, vel: 128 }, 'invalid_value', /vel/],
    [{ track: 'k_lead', pitch: 60, ms: 0 }, 'invalid_value', /ms/],
    [{ track: 'k_lead', pitch: 60, ms: 5001 }, 'invalid_value', /ms/],
    [{ track: 'k_lead', pitch: '60' }, 'invalid_value', /pitch/],
    [{ pitch: 60 }, 'invalid_value', /track/],
  ];
  for (const [msg, code, re] of bad) {
    const r = await client.request({ type: 'audition', ...msg });
    assert.equal(r.type, 'error', JSON.stringify(msg));
    assert.equal(r.code, code, `${JSON.stringify(msg)}: ${JSON.stringify(r)}`);
    assert.match(r.message, re, JSON.stringify(r));
  }
  // nothing started streaming for the refused ones
  await sleep(200);
  assert.equal(client.binary.length, 0, 'no audio for refused auditions');
  await client.close();
  const vic = makeUser(server, 'vic2');
  addMember(server, project, 'vic2', 'viewer');
  const { client: v } = await join(server, vic, project);
  const r = await v.request({ type: 'audition', track: 'k_lead', pitch: 60 });
  assert.equal(r.code, 'forbidden');
  await v.close();
  const com = makeUser(server, 'cora');
  addMember(server, project, 'cora', 'commenter');
  const { client: co } = await join(server, com, project);
  assert.equal((await co.request({ type: 'audition', track: 'k_lead', pitch: 60 })).code, 'forbidden');
  await co.close();
});

test('an exported mix has each note at its pitch, starting on its exact frame', async () => {
  const p2 = makeProject(server, 'Arpeggio', 'ana');
  const { client } = await join(server, owner, p2);
  const pitches = [60, 64, 67, 72]; // C4 E4 G4 C5, one per beat from beat 1
  const ops = [
    { op: 'set', id: 'project', fields: { tempo: 120 } },
    { op: 'create', id: 'k1', kind: 'track', fields: { name: 'Arp', order: 'a1', role: 'instrument', instrument: SINE } },
    // the clip starts at 0.25 s and shows its content from tick 480 on
    { op: 'create', id: 'c1', kind: 'clip', fields: { track: 'k1', start: 12000, length: 3 * RATE, offset: 12000 } },
  ];
  pitches.forEach((p, i) => ops.push({ op: 'create', id: `n${i}`, kind: 'note', fields: { clip: 'c1', at: TPQ * (i + 1), len: Math.round(TPQ * 0.8), pitch: p, vel: 127 } }));
  await pushOps(client, ops);
  const r = await fetch(`${server.url}/api/projects/${p2}/export?format=wav32`, { headers: { authorization: `Bearer ${owner.token}` } });
  assert.equal(r.status, 200, await r.clone().text());
  const { parseWav } = await import('./preview_lib.mjs');
  const w = parseWav(Buffer.from(await r.arrayBuffer()));
  assert.equal(w.rate, RATE);
  const x = w.samples;
  for (let i = 0; i < pitches.length; i++) {
    // origin = start - offset = 0; note i at frame(960 (i+1)) = 24000 (i+1)
    const on = 24000 * (i + 1);
    let first = -1;
    for (let k = on - 1000; k < on + 2400; k++) if (x[2 * k] !== 0) { first = k; break; }
    // a sine from phase 0 with a linear attack: 0 at the note-on frame
    assert.equal(first, on + 1, `note ${i} starts at frame ${on}`);
    const f = 440 * 2 ** ((pitches[i] - 69) / 12);
    const a = on + 1200; const b = on + 18000;
    const others = [-2, -1, 1, 2].map((d) => toneEnergy(x, a, b, f * 2 ** (d / 12)));
    assert.ok(toneEnergy(x, a, b, f) > 100 * Math.max(...others), `note ${i} at ${f.toFixed(1)} Hz`);
  }
  await client.close();
});
