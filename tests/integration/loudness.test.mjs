// loudness.test.mjs -- listening and delivery (issue 18), measured from
// outside: loudness-matched A/B between two revisions 12 dB apart, decoded
// from the preview stream (libopus through tests/integration/opus_decode)
// and measured with ffmpeg's ebur128 filter, agrees within 0.1 LU; the
// level frames carry true peaks; `normalize=-14` exports land within
// 0.5 LU of the target with the true peak at or under -1 dBTP by ffmpeg's
// ebur128 (peak=true), and /loudness with the same parameters reports
// what the file holds; an export is exactly its range, tail=1 is longer;
// bad values are refused by name and change nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { http, join, makeProject, startServer, tempDir } from './harness.mjs';
import { RATE, makeSong, pushOps, capture, decodeOpus, parseWav, toneWav, uploadAsset } from './preview_lib.mjs';

let server, song, dir;

function ffmpeg(args) {
  const r = spawnSync('ffmpeg', ['-nostats', '-hide_banner', ...args, '-filter_complex', 'ebur128=peak=true', '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'ffmpeg is needed (Debian package ffmpeg)');
  assert.equal(r.status, 0, r.stderr);
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  const num = (re) => Number(summary.match(re)[1]);
  return { integrated: num(/I:\s+(-?[\d.]+) LUFS/), truePeak: num(/Peak:\s+(-?[\d.]+) dBFS/) };
}

/** ffmpeg's reading of interleaved stereo float PCM at 48 kHz. */
function measurePcm(pcm, name) {
  const f = path.join(dir, `${name}.f32`);
  fs.writeFileSync(f, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  return ffmpeg(['-f', 'f32le', '-ar', '48000', '-ac', '2', '-i', f]);
}

function measureFile(buf, name) {
  const f = path.join(dir, name);
  fs.writeFileSync(f, buf);
  return ffmpeg(['-i', f]);
}

/**
 * A 16-bit mono WAV: a quiet 220 Hz tone with a hot hit every 100 ms (a
 * 4 ms burst of 1.1, 3.3 and 6.9 kHz, decaying: a high crest factor, band
 * limited like a recording). Full-band single-sample clicks are avoided:
 * ffmpeg's 192 kHz resampler reads them ~0.6 dB above a 16x long-sinc
 * reconstruction (docs/engine.md "True-peak limiter").
 */
function clickyWav(seconds) {
  const b = toneWav(220, seconds, 0.05);
  const n = Math.round(seconds * RATE);
  for (let i = 0; i < n; i++) {
    const k = i % 4800;
    if (k >= 192) continue;
    const t = k / RATE, env = Math.exp(-k / 40);
    const v = 0.05 * Math.sin(2 * Math.PI * 220 * i / RATE) +
      0.9 * env * (0.5 * Math.sin(2 * Math.PI * 1100 * t) + 0.3 * Math.sin(2 * Math.PI * 3300 * t) + 0.2 * Math.sin(2 * Math.PI * 6900 * t));
    b.writeInt16LE(Math.round(32767 * v), 44 + 2 * i);
  }
  return b;
}

async function get(project, q, token = song.user.token) {
  const r = await fetch(`${server.url}/api/projects/${project}/${q}`, { headers: { authorization: `Bearer ${token}` } });
  const body = Buffer.from(await r.arrayBuffer());
  let json = null;
  try { json = JSON.parse(body.toString()); } catch { /* audio */ }
  return { status: r.status, body, json };
}

/** Plays msg to the end of the song; returns {reply, pcm, levels}. */
async function playToEnd(client, rec, msg) {
  const a0 = rec.audio.length, l0 = rec.levels.length;
  const reply = await client.request({ type: 'play', ...msg }, 20000);
  assert.equal(reply.type, 'playing', JSON.stringify(reply));
  await client.next((m) => m.type === 'stopped' && m.stream === reply.stream, 20000);
  const packets = rec.audio.slice(a0).filter((p) => p.stream === reply.stream).map((p) => p.packet);
  return { reply, pcm: decodeOpus(packets), levels: rec.levels.slice(l0) };
}

before(async () => {
  server = await startServer();
  dir = tempDir('mx-loud-');
  song = await makeSong(server, 'lou', 3);
});
after(async () => { await server.stop(); });

test('A/B with match: a revision 12 dB louder is heard at the head\'s loudness within 0.1 LU', async () => {
  const loud = song.rev;
  const d = await pushOps(song.client, [
    { op: 'set', id: 't_low', fields: { gain: -12 } },
    { op: 'set', id: 't_high', fields: { gain: -12 } },
  ]);
  assert.ok(d.rev > loud);
  const { client } = await join(server, song.user, song.project);
  const rec = capture(client);

  const head = await playToEnd(client, rec, { from: 0, match: true });
  assert.equal(head.reply.match_gain_db, 0, 'the head is its own reference');
  const matched = await playToEnd(client, rec, { from: 0, rev: loud, match: true });
  assert.ok(Math.abs(matched.reply.match_gain_db + 12) < 0.05, `match_gain_db ${matched.reply.match_gain_db}`);
  const plain = await playToEnd(client, rec, { from: 0, rev: loud });
  assert.equal(plain.reply.match_gain_db, undefined, 'no match: no gain field');

  const lh = measurePcm(head.pcm, 'head'), lm = measurePcm(matched.pcm, 'matched'), lp = measurePcm(plain.pcm, 'plain');
  console.log(`head ${lh.integrated} LUFS, r${loud} matched ${lm.integrated} LUFS, r${loud} true level ${lp.integrated} LUFS`);
  assert.ok(lh.integrated > -60, 'the head is not silent');
  assert.ok(Math.abs(lm.integrated - lh.integrated) <= 0.1, `matched: ${lm.integrated} vs head ${lh.integrated} LUFS`);
  assert.ok(Math.abs(lp.integrated - lh.integrated - 12) <= 0.3, `true levels stay 12 LU apart: ${lp.integrated} vs ${lh.integrated}`);

  // the level frames end with the true peaks: the master's, then each track's
  const raw = [];
  client.ws.on('message', (data, bin) => { if (bin && data[0] === 2) raw.push(Buffer.from(data)); });
  const r = await client.request({ type: 'play', from: 0, rev: loud });
  assert.equal(r.type, 'playing');
  await client.next((m) => m.type === 'stopped', 20000);
  const loudest = raw.reduce((best, b) => {
    const n = b.readUInt16LE(13);
    assert.equal(b.length, 23 + 8 * n + 4 + 4 * n, 'levels + true peaks');
    const mtp = b.readFloatLE(23 + 8 * n);
    assert.ok(mtp >= b.readFloatLE(15) - 1e-6, 'a true peak is at least the sample peak');
    return Math.max(best, mtp);
  }, 0);
  assert.ok(loudest > 0.5, `the master's true peak is reported (${loudest})`);

  // a bad match value is refused by name
  const bad = await client.request({ type: 'play', from: 0, match: 'yes' });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'invalid_value');
  assert.match(bad.message, /match/);
  await client.close();
});

test('normalize=-14: within 0.5 LU of the target, true peak <= -1 dBTP (ffmpeg agrees); /loudness reports the file', async () => {
  const project = makeProject(server, 'Clicks', 'lou');
  const { client } = await join(server, song.user, project);
  const a = await uploadAsset(server, song.user, project, client, 'clicks.wav', clickyWav(4));
  await pushOps(client, [
    { op: 'create', id: 't_c', kind: 'track', fields: { name: 'Clicks', order: 'a5', gain: 9 } },
    { op: 'create', id: 'c_c', kind: 'clip', fields: { track: 't_c', asset: a, start: 0, length: 4 * RATE } },
  ]);
  const before = await get(project, 'loudness?tail=0');
  assert.equal(before.status, 200);
  assert.ok(before.json.integrated_lufs < -16, `quiet with hot peaks: ${JSON.stringify(before.json)}`);
  assert.ok(before.json.true_peak_dbtp > -1, `peaks over -1 dBTP before: ${JSON.stringify(before.json)}`);

  for (const fmt of ['wav32', 'wav16', 'flac']) {
    const r = await get(project, `export?format=${fmt}&normalize=-14&tail=0`);
    assert.equal(r.status, 200, r.body.toString().slice(0, 200));
    const m = measureFile(r.body, `norm.${fmt === 'flac' ? 'flac' : 'wav'}`);
    console.log(`${fmt}: normalize=-14 -> ffmpeg ${m.integrated} LUFS, true peak ${m.truePeak} dBTP`);
    assert.ok(Math.abs(m.integrated + 14) <= 0.5, `${fmt}: ${m.integrated} LUFS`);
    assert.ok(m.truePeak <= -1.0, `${fmt}: true peak ${m.truePeak} dBTP`);
    if (fmt === 'wav32') assert.equal(parseWav(r.body).frames, 4 * RATE, 'exactly the song');
  }
  const l = await get(project, 'loudness?tail=0&normalize=-14');
  assert.equal(l.status, 200);
  assert.ok(Math.abs(l.json.integrated_lufs + 14) <= 0.5, JSON.stringify(l.json));
  assert.ok(l.json.true_peak_dbtp <= -1.0, JSON.stringify(l.json));
  // -23 (EBU R128): reached by gain alone, within 0.1
  const e = measureFile((await get(project, 'export?format=wav32&normalize=-23&tail=0')).body, 'ebu.wav');
  assert.ok(Math.abs(e.integrated + 23) <= 0.5, `-23: ${e.integrated}`);
  assert.ok(e.truePeak <= -1.0);
});

test('an export is exactly its range; tail=1 rings on; bad values are refused by name and change nothing', async () => {
  const d = await pushOps(song.client, [
    { op: 'create', id: 'e_dly', kind: 'effect', fields: { track: 't_low', type: 'delay', params: { time: 200, feedback: 0.5, mix: 0.5 } } },
  ]);
  const whole = await get(song.project, 'export?format=wav16&tail=0');
  assert.equal(whole.status, 200);
  assert.equal(parseWav(whole.body).frames, song.frames, 'the whole song is the song: the clips\' end');
  const tail = await get(song.project, 'export?format=wav16&tail=1');
  assert.ok(parseWav(tail.body).frames > song.frames, 'tail=1 lets the delay ring on');
  const range = await get(song.project, 'export?format=wav16&from=12000&to=60000&normalize=-16');
  assert.equal(parseWav(range.body).frames, 48000, 'a normalised range is exactly its range too');

  const refusals = [
    ['export?format=wav&normalize=-100', /normalize/],
    ['export?format=wav&normalize=x', /normalize/],
    ['export?format=wav&normalize=', /normalize/],
    ['export?format=wav&normalize=-14dB', /normalize/],
    ['loudness?normalize=0', /normalize/],
    ['export?format=wav&tail=2', /tail/],
    ['export?format=wav&from=0&to=1000&tail=1', /tail/],
    [`export?format=wav&normalize=-14&to=${song.frames + 601 * RATE}`, /render_tail/],
  ];
  for (const [q, re] of refusals) {
    const r = await get(song.project, q);
    assert.equal(r.status, 422, `${q}: ${r.status}`);
    assert.equal(r.json.code, 'invalid_value', q);
    assert.match(r.json.message, re, q);
  }
  // nothing changed: the head and the export are as before
  const again = await get(song.project, 'export?format=wav16&tail=0');
  assert.ok(again.body.equals(whole.body), 'the same file as before the refusals');
  const lo = await get(song.project, 'loudness');
  assert.equal(lo.json.rev, d.rev);
});
