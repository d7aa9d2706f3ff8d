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
import { RATE, makeSong, parseWav, pushOps } from './preview_lib.mjs';

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

test('an export and an API answer carry one Cache-Control: no-store', async () => {
  const r = await get('format=wav16&from=0&to=4800');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${song.user.token}` } });
  assert.equal(me.headers.get('cache-control'), 'no-store');
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

// Stems over HTTP (?stems=1): a zip with one file per audio track (and per
// bus with buses=1), every stem as long as the mix. A second project so the
// song above keeps its routing: "Low" sends to the bus "FX / Verb" (post,
// -6 dB) and goes to the master; "High" goes only through the bus, which
// has a delay. Everything after the tracks (the bus's delay, the master
// gain) is linear and nothing is soloed, so the track stems sum to the mix:
// with 32-bit float files the residual stays below 1e-6 (-120 dBFS; it is
// float rounding, ~1e-7 here). A compressor or limiter on a bus, or a bus stem
// added to the sum (it repeats what feeds it), would break that.
async function zipEntries(file) {
  const py = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nz.extractall(sys.argv[2])\nprint(json.dumps([[i.filename, i.file_size, i.compress_type] for i in z.infolist()]))';
  const out = `${file}.d`;
  const r = spawnSync('python3', ['-c', py, file, out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { dir: out, entries: JSON.parse(r.stdout) };
}

test('stems: a zip of one WAV per track (and bus), soxi lengths, the sum nulls against the mix', async () => {
  const s = await makeSong(server, 'stemmy', 1);
  const d = await pushOps(s.client, [
    { op: 'create', id: 'b_fx', kind: 'track', fields: { name: 'FX / Verb', order: 'a9', role: 'bus' } },
    { op: 'set', id: 't_high', fields: { output: 'b_fx' } },
    { op: 'create', id: 's_low', kind: 'send', fields: { track: 't_low', target: 'b_fx', level: -6 } },
    { op: 'create', id: 'e_dly', kind: 'effect', fields: { track: 'b_fx', type: 'delay', params: { time: 120, feedback: 0.4, mix: 0.5 } } },
  ]);
  const fetchExport = async (q) => {
    const r = await fetch(`${server.url}/api/projects/${s.project}/export?${q}`, { headers: { authorization: `Bearer ${s.user.token}` } });
    return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
  };
  // tail=1: the delay rings on past the last clip (without it the file is
  // exactly the song: protocol-additions.md, Listening and delivery)
  const exact = parseWav((await fetchExport('format=wav32')).body);
  assert.equal(exact.frames, s.frames, 'without tail=1 the file is exactly the song');
  const mix = await fetchExport('format=wav32&tail=1');
  assert.equal(mix.status, 200);
  const m = parseWav(mix.body);
  assert.ok(m.frames > s.frames, 'the delay adds a tail');

  const z = await fetchExport('format=wav32&stems=1&tail=1');
  assert.equal(z.status, 200);
  assert.equal(z.headers.get('content-type'), 'application/zip');
  assert.match(z.headers.get('content-disposition'), new RegExp(`filename="Demo song r${d.rev} stems\\.zip"`));
  const zf = path.join(dir, 'stems.zip');
  fs.writeFileSync(zf, z.body);
  const uz = tool('unzip', ['-tqq', zf]);
  if (uz) assert.equal(uz.status, 0, uz.stdout + uz.stderr);
  const { dir: out, entries } = await zipEntries(zf);
  assert.deepEqual(entries.map((e) => e[0]), ['01 Low.wav', '02 High.wav']);
  const sum = new Float32Array(m.samples.length);
  for (const [name, size, method] of entries) {
    assert.equal(method, 0, 'stored');
    const f = path.join(out, name);
    const w = parseWav(fs.readFileSync(f));
    assert.equal(size, fs.statSync(f).size);
    assert.equal(w.bits, 32); assert.equal(w.channels, 2); assert.equal(w.rate, RATE);
    assert.equal(w.frames, m.frames, `${name} is as long as the mix`);
    const sx = tool('soxi', ['-s', f]);
    if (sx) { assert.equal(sx.status, 0, sx.stderr); assert.equal(Number(sx.stdout.trim()), m.frames); }
    let peak = 0;
    for (let i = 0; i < sum.length; i++) { sum[i] += w.samples[i]; peak = Math.max(peak, Math.abs(w.samples[i])); }
    assert.ok(peak > 0.05, `${name} is not silent`);
  }
  let resid = 0;
  for (let i = 0; i < sum.length; i++) resid = Math.max(resid, Math.abs(sum[i] - m.samples[i]));
  assert.ok(resid < 1e-6, `stems sum to the mix: residual ${resid}`);

  // 24-bit WAV with the bus submix too; the unsafe '/' replaced
  const zb = await fetchExport('format=wav&stems=1&buses=1&tail=1');
  assert.equal(zb.status, 200);
  const zbf = path.join(dir, 'stems-buses.zip');
  fs.writeFileSync(zbf, zb.body);
  const b = await zipEntries(zbf);
  assert.deepEqual(b.entries.map((e) => e[0]), ['01 Low.wav', '02 High.wav', '03 FX _ Verb.wav']);
  for (const [name] of b.entries) {
    const w = parseWav(fs.readFileSync(path.join(b.dir, name)));
    assert.equal(w.bits, 24);
    assert.equal(w.frames, m.frames, `${name} is as long as the mix`);
  }
  // FLAC stems pass flac -t; a range applies to every stem
  const zf2 = await fetchExport('format=flac&stems=1&from=0&to=24000');
  const zf2f = path.join(dir, 'stems-flac.zip');
  fs.writeFileSync(zf2f, zf2.body);
  const fl = await zipEntries(zf2f);
  assert.deepEqual(fl.entries.map((e) => e[0]), ['01 Low.flac', '02 High.flac']);
  for (const [name] of fl.entries) {
    const t = tool('flac', ['-t', '-s', path.join(fl.dir, name)]);
    if (t) assert.equal(t.status, 0, t.stderr);
    // a streamed FLAC cannot go back to fill in its total length
    // (STREAMINFO says 0, so soxi does too): count the decoded frames
    const dec = spawnSync('flac', ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', path.join(fl.dir, name)], { maxBuffer: 1 << 26 });
    if (!dec.error) { assert.equal(dec.status, 0); assert.equal(dec.stdout.length, 24000 * 2 * 3); }
  }
  assert.equal((await fetchExport('format=mp3&stems=1')).status, 422);
});
