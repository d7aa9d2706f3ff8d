// preview_lib.mjs -- helpers for the preview and export tests: WAV
// synthesis and parsing, uploading assets, a song of two tone tracks,
// capturing a stream's audio/level frames, decoding Opus with the C helper
// (tests/integration/opus_decode), SNR with best alignment, tone energy,
// reading /metrics figures and waiting for a condition.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BIN, http, makeUser, makeProject, join, sleep } from './harness.mjs';

export const RATE = 48000;

/** A mono 16-bit WAV of a sine at `freq` Hz, `seconds` long, amplitude `amp`. */
export function toneWav(freq, seconds, amp = 0.4, rate = RATE) {
  const n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(32767 * amp * Math.sin(2 * Math.PI * freq * i / rate)), 44 + 2 * i);
  return b;
}

/** Parses a WAV: {format, channels, rate, bits, frames, samples(Float32Array|null)}. */
export function parseWav(buf) {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a WAV');
  let off = 12; let fmt;
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4); const len = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { format: buf.readUInt16LE(off + 8), channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
    if (id === 'data') {
      const data = buf.subarray(off + 8, off + 8 + len);
      const frames = len / (fmt.channels * fmt.bits / 8);
      let samples = null;
      if (fmt.bits === 32 && (fmt.format === 3 || fmt.format === 0xfffe)) {
        samples = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      }
      return { ...fmt, frames, dataLen: len, declared: len, samples };
    }
    off += 8 + len + (len & 1);
  }
  throw new Error('WAV without data');
}

/** Uploads a WAV as an asset and waits until it is ready; returns its id. */
export async function uploadAsset(server, user, project, client, name, wav) {
  const r = await http(server, 'POST', `/api/projects/${project}/assets?name=${encodeURIComponent(name)}`, { token: user.token, raw: wav, headers: { 'content-type': 'audio/wav' } });
  if (r.status !== 202) throw new Error(`upload: ${r.status} ${r.text}`);
  const id = r.json.asset;
  await client.next((m) => m.type === 'asset' && m.asset.id === id && m.asset.state === 'ready', 20000);
  return id;
}

/**
 * A server-side song: two tracks, "low" (440 Hz) and "high" (1000 Hz),
 * each with a 4 s clip at 0. Returns {user, project, client, rev}.
 */
export async function makeSong(server, name = 'ana', seconds = 4) {
  const user = makeUser(server, name);
  const project = makeProject(server, 'Demo song', name);
  const { client } = await join(server, user, project);
  const a1 = await uploadAsset(server, user, project, client, 'low.wav', toneWav(440, seconds));
  const a2 = await uploadAsset(server, user, project, client, 'high.wav', toneWav(1000, seconds));
  const frames = Math.round(seconds * RATE);
  const d = await pushOps(client, [
    { op: 'create', id: 't_low', kind: 'track', fields: { name: 'Low', order: 'a5' } },
    { op: 'create', id: 't_high', kind: 'track', fields: { name: 'High', order: 'a7' } },
    { op: 'create', id: 'c_low', kind: 'clip', fields: { track: 't_low', asset: a1, start: 0, length: frames } },
    { op: 'create', id: 'c_high', kind: 'clip', fields: { track: 't_high', asset: a2, start: 0, length: frames } },
  ]);
  return { user, project, client, rev: d.rev, frames };
}

let seqs = new WeakMap();
/** Pushes ops and waits for the acknowledging delta. */
export async function pushOps(client, ops) {
  const seq = (seqs.get(client) || 0) + 1;
  seqs.set(client, seq);
  client.send({ type: 'push', seq, base: 0, ops });
  const m = await client.next((x) => (x.type === 'delta' && x.seq === seq && x.client === client.clientId) || (x.type === 'reject' && x.seq === seq), 10000);
  if (m.type === 'reject') throw new Error(`push rejected: ${m.message}`);
  return m;
}

/** Records every frame of a client: audio {stream, seq, pos, packet, t}, levels, and text markers. */
export function capture(client) {
  const rec = { audio: [], levels: [], events: [] };
  client.ws.on('message', (data, isBinary) => {
    const t = performance.now();
    if (!isBinary) { rec.events.push({ t, msg: JSON.parse(data.toString()), nAudio: rec.audio.length }); return; }
    const b = Buffer.from(data);
    if (b[0] === 1) rec.audio.push({ stream: b.readUInt32LE(1), seq: b.readUInt32LE(5), pos: Number(b.readBigUInt64LE(9)), packet: b.subarray(17), t });
    else if (b[0] === 2) {
      const n = b.readUInt16LE(13);
      const tracks = [];
      for (let i = 0; i < n; i++) tracks.push({ peak: b.readFloatLE(23 + 8 * i), rms: b.readFloatLE(27 + 8 * i) });
      rec.levels.push({ stream: b.readUInt32LE(1), pos: Number(b.readBigUInt64LE(5)), master: { peak: b.readFloatLE(15), rms: b.readFloatLE(19) }, tracks, t });
    }
  });
  return rec;
}

/** Decodes packets with the C helper; returns interleaved stereo Float32Array. */
export function decodeOpus(packets) {
  const parts = [];
  for (const p of packets) { const l = Buffer.alloc(4); l.writeUInt32LE(p.length); parts.push(l, p); }
  const helper = path.join(path.dirname(BIN), 'tests', 'integration', 'opus_decode');
  const r = spawnSync(helper, [], { input: Buffer.concat(parts), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`opus_decode failed (${helper}): ${r.stderr}`);
  return new Float32Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + r.stdout.length));
}

/** SNR (dB) of `test` against `ref` (both interleaved stereo), at the best lag 0..maxLag frames of test behind ref. */
export function bestSnr(ref, test, maxLag = 1200) {
  const frames = Math.min(ref.length, test.length) / 2 - maxLag;
  let best = { snr: -Infinity, lag: 0 };
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0; let e = 0;
    for (let i = 0; i < frames * 2; i++) { const r = ref[i]; const d = test[i + 2 * lag] - r; s += r * r; e += d * d; }
    const snr = 10 * Math.log10(s / Math.max(e, 1e-20));
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

/** Energy of a frequency (Goertzel magnitude², normalised) in frames [a, b) of interleaved stereo (left). */
export function toneEnergy(pcm, a, b, freq, rate = RATE) {
  const w = 2 * Math.PI * freq / rate; const c = 2 * Math.cos(w);
  let s1 = 0; let s2 = 0;
  for (let i = a; i < b; i++) { const s0 = pcm[2 * i] + c * s1 - s2; s2 = s1; s1 = s0; }
  const n = b - a;
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (n * n);
}

/** Figures of srv's /metrics: for each key of `names`, the value of the
 * unlabelled line of that metric (asserted present), as a number. */
export async function metricsOf(srv, names) {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  const out = {};
  for (const [key, name] of Object.entries(names)) {
    const m = text.match(new RegExp(`^${name} (-?\\d+)$`, 'm'));
    assert.ok(m, `${name} in /metrics`);
    out[key] = Number(m[1]);
  }
  return out;
}

/** Polls cond() every 20 ms until it is true; throws naming `what` after
 * `ms` (a generous deadline: no test fails on time under load). */
export async function waitFor(cond, what, ms = 30000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
