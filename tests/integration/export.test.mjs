// export.test.mjs -- exports over HTTP and `mixroom render` (issue 7's
// server glue): every format passes a third-party tool (soxi, flac -t,
// opusinfo), headers and lengths are right, loudness is reported, and the
// CLI writes the file, stems and the loudness figures.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, http, cli, tempDir } from './harness.mjs';
import { RATE, makeSong, parseWav } from './preview_lib.mjs';

let server; let song; let dir;
before(async () => {
  server = await startServer();
  song = await makeSong(server, 'eve', 2);
  dir = tempDir('mixroom-export-');
});
after(async () => { await server.stop(); });

async function get(q) {
  const r = await fetch(`${server.url}/api/projects/${song.project}/export?${q}`, { headers: { authorization: `Bearer ${song.user.token}` } });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') return null;
  return r;
}

test('WAV 16/24/32: headers, lengths, soxi', async () => {
  for (const [fmt, bits] of [['wav16', 16], ['wav24', 24], ['wav32', 32]]) {
    const r = await get(`format=${fmt}&from=0&to=48000`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-disposition'), new RegExp(`filename="Demo song r${song.rev}\\.wav"`));
    const w = parseWav(r.body);
    assert.equal(w.rate, RATE); assert.equal(w.channels, 2); assert.equal(w.bits, bits);
    assert.equal(w.frames, 48000);
    const f = path.join(dir, `a-${fmt}.wav`);
    fs.writeFileSync(f, r.body);
    const s = tool('soxi', ['-s', f]);
    if (s) { assert.equal(s.status, 0, s.stderr); assert.equal(s.stdout.trim(), '48000'); }
  }
  // the whole project: the clips' end plus the effect tail (no effects: none)
  const whole = parseWav((await get('format=wav16')).body);
  assert.ok(whole.frames >= song.frames && whole.frames <= song.frames + 5 * RATE);
});

test('FLAC passes flac -t; Opus passes opusinfo', async () => {
  const fl = await get('format=flac');
  assert.equal(fl.status, 200);
  assert.equal(fl.body.toString('latin1', 0, 4), 'fLaC');
  const ff = path.join(dir, 'a.flac');
  fs.writeFileSync(ff, fl.body);
  const t = tool('flac', ['-t', '-s', ff]);
  if (t) assert.equal(t.status, 0, t.stderr);
  const op = await get('format=opus&from=0&to=96000');
  assert.equal(op.status, 200);
  assert.equal(op.body.toString('latin1', 0, 4), 'OggS');
  assert.match(op.headers.get('content-disposition'), /\.opus"/);
  const of = path.join(dir, 'a.opus');
  fs.writeFileSync(of, op.body);
  const i = tool('opusinfo', [of]);
  if (i) assert.equal(i.status, 0, i.stderr + i.stdout);
});

test('errors: bad format, unknown revision, empty range', async () => {
  assert.equal((await get('format=mp3')).status, 422);
  assert.equal((await get('format=wav&rev=9999')).status, 404);
  assert.equal((await get('format=wav&from=100&to=50')).status, 422);
});

test('loudness of the head and of a revision', async () => {
  const r = await http(server, 'GET', `/api/projects/${song.project}/loudness`, { token: song.user.token });
  assert.equal(r.status, 200, r.text);
  // two sines at 0.4 and pan law -3 dB: loud but below 0 dBFS
  assert.ok(r.json.integrated_lufs < -3 && r.json.integrated_lufs > -20, JSON.stringify(r.json));
  assert.ok(r.json.sample_peak_dbfs <= 0.5 && r.json.true_peak_dbtp >= r.json.sample_peak_dbfs - 0.01);
  assert.equal(typeof r.json.range_lu, 'number');
  const r0 = await http(server, 'GET', `/api/projects/${song.project}/loudness?rev=0`, { token: song.user.token });
  assert.ok(r0.status === 422 || r0.json.integrated_lufs === null, 'revision 0 is silent');
});

test('mixroom render: file, loudness figures, normalisation, stems', async () => {
  const out = path.join(dir, 'cli.wav');
  let r = cli(['render', song.project, out, '--format', 'wav16'], { dataDir: server.dataDir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /integrated -?\d+\.\d LUFS, range \d+\.\d LU, sample peak -?\d+\.\d dBFS, true peak -?\d+\.\d dBTP/);
  assert.equal(parseWav(fs.readFileSync(out)).bits, 16);
  const norm = path.join(dir, 'norm.flac');
  r = cli(['render', song.project, norm, '--normalize', '-20', '--rev', String(song.rev)], { dataDir: server.dataDir });
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/integrated (-?\d+\.\d) LUFS/);
  assert.ok(Math.abs(Number(m[1]) + 20) <= 0.5, r.stdout);
  const stems = path.join(dir, 'stems');
  r = cli(['render', song.project, path.join(dir, 'mix.wav'), '--stems', stems], { dataDir: server.dataDir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readdirSync(stems).length, 2);
  assert.equal(cli(['render', song.project], { dataDir: server.dataDir }).status, 2);
  assert.equal(cli(['render', 'p_nope', out], { dataDir: server.dataDir }).status, 1);
});
