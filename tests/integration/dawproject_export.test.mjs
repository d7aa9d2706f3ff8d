// dawproject_export.test.mjs -- the DAWproject export (issue 22) on the
// real server: a project with audio tracks (uploads made here: a mono
// 48 kHz WAV and a stereo 44.1 kHz one from sox), an instrument track with
// notes, fades and a gain on a clip, markers, a bus fed by a pre-fader
// send with a reverb, a submix bus with a limiter, EQ and compressor on a
// track, automation of gain, pan and the compressor's threshold, tempo and
// meter; exported with format=dawproject over HTTP and with `mixroom
// export-dawproject`. Both schemas validate with xmllint; every referenced
// file is in the zip and is 32-bit float WAV of the asset's length with
// its samples; fields are read back from the XML with xmllint --xpath; a
// viewer is 403, an unknown project or revision 404; and a long asset is
// streamed (the server's peak RSS grows by far less than the archive).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SRCDIR, addMember, cli, http, join, makeProject, makeUser, startServer, tempDir } from './harness.mjs';
import { RATE, parseWav, pushOps, toneWav, uploadAsset } from './preview_lib.mjs';

// The schemas sit beside the project (shared/reference/dawproject): one
// folder above the checkout, or two for a worktree under wt/.
const SCHEMAS = process.env.MXT_DAWPROJECT_XSD_DIR ||
  [1, 2, 3].map((up) => path.resolve(SRCDIR, ...Array(up).fill('..'), 'shared', 'reference', 'dawproject'))
    .find((d) => fs.existsSync(path.join(d, 'Project.xsd'))) ||
  path.resolve(SRCDIR, '..', 'shared', 'reference', 'dawproject');
const PROJECT_XSD = path.join(SCHEMAS, 'Project.xsd');
const META_XSD = path.join(SCHEMAS, 'MetaData.xsd');

let server; let dir; let owner; let viewer; let project; let client; let aVox; let aGtr; let revBeforeTempo;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (is it installed? see bootstrap TEST_PKGS)`);
  return r;
}

/** The value of an XPath expression over an XML file (xmllint --xpath). */
function xp(file, expr) {
  const r = run('xmllint', ['--xpath', expr, file]);
  assert.equal(r.status, 0, `xpath ${expr}: ${r.stderr}`);
  return r.stdout.trim();
}
const num = (file, expr) => Number(xp(file, `string(${expr})`));
const str = (file, expr) => xp(file, `string(${expr})`);

/** Unzips (python's zipfile: also tests every CRC) into dir; returns the entries [[name, size]]. */
function unzip(file, into) {
  const py = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nz.extractall(sys.argv[2])\nprint(json.dumps([[i.filename, i.file_size] for i in z.infolist()]))';
  const r = run('python3', ['-c', py, file, into]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function exportHttp(q = '', token = owner.token, id = project) {
  const r = await fetch(`${server.url}/api/projects/${id}/export?format=dawproject${q}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

before(async () => {
  assert.ok(fs.existsSync(PROJECT_XSD) && fs.existsSync(META_XSD), `the DAWproject schemas are missing at ${SCHEMAS}`);
  server = await startServer();
  dir = tempDir('mixroom-dawproject-');
  let r = cli(['user', 'add', 'dana', '--password-stdin', '--display', 'Dana Ortiz'], { dataDir: server.dataDir, input: 'pw-dana-123456\n' });
  assert.equal(r.status, 0, r.stderr);
  r = cli(['token', 'create', 'dana'], { dataDir: server.dataDir });
  owner = { name: 'dana', token: r.stdout.trim() };
  viewer = makeUser(server, 'vic');
  project = makeProject(server, 'Mix Session', 'dana');
  addMember(server, project, 'vic', 'viewer');
  ({ client } = await join(server, owner, project));
  aVox = await uploadAsset(server, owner, project, client, 'vox take.wav', toneWav(440, 3, 0.4));
  const st = path.join(dir, 'gtr.wav');
  r = run('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', st, 'synth', '2', 'sine', '300', 'sine', '500', 'vol', '0.5']);
  assert.equal(r.status, 0, r.stderr);
  aGtr = await uploadAsset(server, owner, project, client, 'gtr.wav', fs.readFileSync(st));
  const d0 = await pushOps(client, [
    { op: 'create', id: 't_vox', kind: 'track', fields: { name: 'Vocals', order: 'a1', gain: -6, pan: -0.5, solo: true, color: '#cc3344' } },
    { op: 'create', id: 't_gtr', kind: 'track', fields: { name: 'Guitar', order: 'a2', mute: true } },
    { op: 'create', id: 'k_keys', kind: 'track', fields: { name: 'Keys', order: 'a3', role: 'instrument', instrument: { type: 'synth', preset: 'pad' } } },
    { op: 'create', id: 'b_verb', kind: 'track', fields: { name: 'Verb', order: 'a4', role: 'bus' } },
    { op: 'create', id: 'b_sub', kind: 'track', fields: { name: 'Group', order: 'a5', role: 'bus', gain: -2 } },
  ]);
  revBeforeTempo = d0.rev;
  await pushOps(client, [
    { op: 'set', id: 'project', fields: { tempo: 96, meter: [3, 4], master_gain: -1 } },
    { op: 'set', id: 't_gtr', fields: { output: 'b_sub' } },
    { op: 'create', id: 'c_vox', kind: 'clip', fields: { track: 't_vox', asset: aVox, start: 48000, offset: 4800, length: 96000, fade_in: 2400, fade_out: 4800, gain: -3, name: 'Verse vox' } },
    { op: 'create', id: 'c_vox2', kind: 'clip', fields: { track: 't_vox', asset: aVox, start: 240000, length: 48000 } },
    { op: 'create', id: 'c_gtr', kind: 'clip', fields: { track: 't_gtr', asset: aGtr, start: 0, length: 96000 } },
    { op: 'create', id: 'c_keys', kind: 'clip', fields: { track: 'k_keys', start: 0, length: 240000 } },
    { op: 'create', id: 'n_1', kind: 'note', fields: { clip: 'c_keys', at: 0, len: 480, pitch: 60, vel: 100 } },
    { op: 'create', id: 'n_2', kind: 'note', fields: { clip: 'c_keys', at: 960, len: 960, pitch: 64, vel: 127 } },
    { op: 'create', id: 'm_intro', kind: 'marker', fields: { at: 0, name: 'Intro' } },
    { op: 'create', id: 'm_chorus', kind: 'marker', fields: { at: 96000, name: 'Chorus' } },
    { op: 'create', id: 's_vox', kind: 'send', fields: { track: 't_vox', target: 'b_verb', level: -10, pre: true } },
    { op: 'create', id: 'e_eq', kind: 'effect', fields: { track: 't_vox', type: 'eq', order: 'a1', params: { bands: [{ type: 'peak', freq: 2500, gain: 3, q: 1.2 }, { type: 'highpass', freq: 80, gain: 0, q: 0.707 }] } } },
    { op: 'create', id: 'e_comp', kind: 'effect', fields: { track: 't_vox', type: 'compressor', order: 'a2', params: { threshold: -20, ratio: 3, attack: 5, release: 120, knee: 4, makeup: 2 } } },
    { op: 'create', id: 'e_rev', kind: 'effect', fields: { track: 'b_verb', type: 'reverb', params: { size: 0.7, mix: 1 } } },
    { op: 'create', id: 'e_lim', kind: 'effect', fields: { track: 'b_sub', type: 'limiter', bypass: true, params: { ceiling: -1.5, release: 60 } } },
    { op: 'create', id: 'au_gain', kind: 'automation', fields: { track: 't_vox', param: 'gain', points: [[0, -6], [48000, 0]] } },
    { op: 'create', id: 'au_pan', kind: 'automation', fields: { track: 't_vox', param: 'pan', points: [[0, -1], [96000, 1]] } },
    { op: 'create', id: 'au_thr', kind: 'automation', fields: { track: 't_vox', param: 'e_comp.threshold', points: [[0, -30], [48000, -10]] } },
    { op: 'create', id: 'au_mix', kind: 'automation', fields: { track: 'b_verb', param: 'e_rev.mix', points: [[0, 0.5]] } },
  ]);
});
after(async () => { await server.stop(); });

/** Checks one unzipped export; returns the path of its project.xml. */
function checkExport(into, entries) {
  const names = entries.map((e) => e[0]);
  assert.deepEqual(names.slice(0, 2), ['project.xml', 'metadata.xml']);
  assert.deepEqual(names.slice(2).sort(), [`audio/${aGtr}.wav`, `audio/${aVox}.wav`].sort(), 'each asset once');
  const px = path.join(into, 'project.xml'); const mx = path.join(into, 'metadata.xml');
  let r = run('xmllint', ['--noout', '--schema', PROJECT_XSD, px]);
  assert.equal(r.status, 0, `project.xml does not validate: ${r.stderr}`);
  r = run('xmllint', ['--noout', '--schema', META_XSD, mx]);
  assert.equal(r.status, 0, `metadata.xml does not validate: ${r.stderr}`);
  // every referenced file is in the archive, and is the asset as float WAV
  const refs = xp(px, '//File/@path').split(/\s+/).map((a) => a.replace(/^path="|"$/g, ''));
  assert.equal(refs.length, 3, 'three audio clips');
  for (const ref of refs) assert.ok(names.includes(ref), `${ref} is in the zip`);
  const vox = parseWav(fs.readFileSync(path.join(into, `audio/${aVox}.wav`)));
  assert.deepEqual([vox.format, vox.bits, vox.channels, vox.rate, vox.frames], [3, 32, 1, RATE, 3 * RATE]);
  for (const i of [0, 11, 1000, 143999]) assert.ok(Math.abs(vox.samples[i] - 0.4 * Math.sin(2 * Math.PI * 440 * i / RATE)) < 1e-3, `vox sample ${i}`);
  const gtr = parseWav(fs.readFileSync(path.join(into, `audio/${aGtr}.wav`)));
  assert.deepEqual([gtr.format, gtr.bits, gtr.channels, gtr.rate, gtr.frames], [3, 32, 2, RATE, 2 * RATE], 'resampled to the project rate');
  const sox = run('soxi', ['-s', path.join(into, `audio/${aGtr}.wav`)]);
  assert.equal(sox.status, 0, sox.stderr);
  assert.equal(sox.stdout.trim(), String(2 * RATE));
  assert.equal(num(px, `//Clip[Audio/File/@path="audio/${aVox}.wav"][1]/Audio/@duration`), 3);
  assert.equal(num(px, `//Clip[Audio/File/@path="audio/${aGtr}.wav"]/Audio/@channels`), 2);
  // metadata
  assert.equal(str(mx, '/MetaData/Title'), 'Mix Session');
  assert.equal(str(mx, '/MetaData/Artist'), 'Dana Ortiz');
  assert.match(str(mx, '/MetaData/Comment'), /mixroom .*revision \d+/);
  return px;
}

function checkFields(px) {
  assert.equal(str(px, '/Project/Application/@name'), 'mixroom');
  // tempo and meter
  assert.equal(num(px, '/Project/Transport/Tempo/@value'), 96);
  assert.equal(str(px, '/Project/Transport/Tempo/@unit'), 'bpm');
  assert.equal(num(px, '/Project/Transport/TimeSignature/@numerator'), 3);
  assert.equal(num(px, '/Project/Transport/TimeSignature/@denominator'), 4);
  // tracks in order, with their channels
  assert.equal(xp(px, 'count(/Project/Structure/Track)'), '6');
  assert.equal(str(px, '/Project/Structure/Track[1]/@name'), 'Vocals');
  assert.equal(str(px, '/Project/Structure/Track[3]/@contentType'), 'notes');
  const vox = '/Project/Structure/Track[@id="trk_t_vox"]/Channel';
  assert.ok(Math.abs(num(px, `${vox}/Volume/@value`) - 10 ** (-6 / 20)) < 1e-9);
  assert.equal(str(px, `${vox}/Volume/@unit`), 'linear');
  assert.equal(num(px, `${vox}/Pan/@value`), 0.25);
  assert.equal(str(px, `${vox}/Pan/@unit`), 'normalized');
  assert.equal(str(px, `${vox}/Mute/@value`), 'false');
  assert.equal(str(px, `${vox}/@solo`), 'true');
  assert.equal(str(px, `${vox}/@destination`), 'ch.master');
  assert.equal(str(px, '/Project/Structure/Track[@id="trk_t_gtr"]/Channel/Mute/@value'), 'true');
  assert.equal(str(px, '/Project/Structure/Track[@id="trk_t_gtr"]/Channel/@destination'), 'ch_b_sub');
  assert.equal(str(px, '/Project/Structure/Track[@id="trk_b_sub"]/Channel/@role'), 'submix');
  assert.equal(str(px, '/Project/Structure/Track[@id="trk_b_verb"]/Channel/@role'), 'effect');
  assert.equal(str(px, '//Channel[@role="master"]/@id'), 'ch.master');
  assert.ok(Math.abs(num(px, '//Channel[@role="master"]/Volume/@value') - 10 ** (-1 / 20)) < 1e-9);
  // the send
  assert.equal(str(px, `${vox}/Sends/Send/@destination`), 'ch_b_verb');
  assert.equal(str(px, `${vox}/Sends/Send/@type`), 'pre');
  assert.ok(Math.abs(num(px, `${vox}/Sends/Send/Volume/@value`) - 10 ** (-10 / 20)) < 1e-9);
  // devices: EQ, compressor, limiter in the schema's units; the reverb as a comment
  assert.equal(str(px, `${vox}/Devices/Equalizer/Band[1]/@type`), 'bell');
  assert.equal(num(px, `${vox}/Devices/Equalizer/Band[1]/Freq/@value`), 2500);
  assert.equal(num(px, `${vox}/Devices/Equalizer/Band[1]/Gain/@value`), 3);
  assert.equal(num(px, `${vox}/Devices/Equalizer/Band[1]/Q/@value`), 1.2);
  assert.equal(str(px, `${vox}/Devices/Equalizer/Band[2]/@type`), 'highPass');
  assert.equal(num(px, `${vox}/Devices/Compressor/Threshold/@value`), -20);
  assert.equal(num(px, `${vox}/Devices/Compressor/Ratio/@value`), 3);
  assert.equal(num(px, `${vox}/Devices/Compressor/Attack/@value`), 0.005);
  assert.equal(str(px, `${vox}/Devices/Compressor/Attack/@unit`), 'seconds');
  assert.equal(num(px, `${vox}/Devices/Compressor/OutputGain/@value`), 2);
  assert.equal(num(px, `${vox}/Devices/Compressor/Parameters/RealParameter[@name="knee"]/@value`), 4);
  const sub = '/Project/Structure/Track[@id="trk_b_sub"]/Channel';
  assert.equal(num(px, `${sub}/Devices/Limiter/Threshold/@value`), -1.5);
  assert.equal(num(px, `${sub}/Devices/Limiter/Release/@value`), 0.06);
  assert.equal(str(px, `${sub}/Devices/Limiter/Enabled/@value`), 'false', 'bypassed');
  const verb = xp(px, '/Project/Structure/Track[@id="trk_b_verb"]/Channel/Devices/comment()');
  assert.match(verb, /mixroom effect reverb fx_e_rev \{"bypass":false,"params":\{.*"size":0\.7/);
  // the instrument as a named device with its preset
  const keys = '/Project/Structure/Track[@id="trk_k_keys"]/Channel/Devices/BuiltinDevice';
  assert.equal(str(px, `${keys}/@deviceRole`), 'instrument');
  assert.equal(str(px, `${keys}/@name`), 'pad');
  assert.equal(str(px, `${keys}/@deviceName`), 'mixroom synth');
  assert.equal(str(px, `${keys}/Parameters/RealParameter[@name="cutoff"]/@unit`), 'hertz');
  // an audio clip: start, offset, fades (seconds), gain as a comment
  const clip = '//Lanes[@track="trk_t_vox"]/Clips/Clip[@name="Verse vox"]';
  assert.equal(num(px, `${clip}/@time`), 1);
  assert.equal(num(px, `${clip}/@duration`), 2);
  assert.equal(num(px, `${clip}/@playStart`), 0.1);
  assert.equal(num(px, `${clip}/@fadeInTime`), 0.05);
  assert.equal(num(px, `${clip}/@fadeOutTime`), 0.1);
  assert.equal(str(px, `${clip}/@fadeTimeUnit`), 'seconds');
  assert.match(str(px, `${clip}/@comment`), /^mixroom: gain=-3 dB(;|$)/);
  assert.equal(str(px, '//Lanes[@track="trk_t_gtr"]/Clips/Clip/@enable'), 'true');
  // notes in beats
  const notes = '//Lanes[@track="trk_k_keys"]/Clips/Clip/Notes';
  assert.equal(str(px, '//Lanes[@track="trk_k_keys"]/Clips/Clip/@contentTimeUnit'), 'beats');
  assert.equal(num(px, `${notes}/Note[2]/@key`), 64);
  assert.equal(num(px, `${notes}/Note[2]/@time`), 1);
  assert.equal(num(px, `${notes}/Note[2]/@duration`), 1);
  assert.equal(num(px, `${notes}/Note[2]/@vel`), 1);
  assert.equal(num(px, `${notes}/Note[1]/@duration`), 0.5);
  // markers (seconds)
  assert.equal(num(px, '//Arrangement/Markers/Marker[@name="Chorus"]/@time'), 2);
  // automation on the right targets, in the targets' units
  const lane = '//Lanes[@track="trk_t_vox"]';
  assert.equal(str(px, `${lane}/Points[Target/@parameter="vol_t_vox"]/@unit`), 'linear');
  assert.ok(Math.abs(num(px, `${lane}/Points[Target/@parameter="vol_t_vox"]/RealPoint[1]/@value`) - 10 ** (-6 / 20)) < 1e-9);
  assert.equal(num(px, `${lane}/Points[Target/@parameter="vol_t_vox"]/RealPoint[2]/@time`), 1);
  assert.equal(num(px, `${lane}/Points[Target/@parameter="pan_t_vox"]/RealPoint[1]/@value`), 0);
  assert.equal(num(px, `${lane}/Points[Target/@parameter="pan_t_vox"]/RealPoint[2]/@value`), 1);
  assert.equal(num(px, `${lane}/Points[Target/@parameter="fxp_e_comp.threshold"]/RealPoint[1]/@value`), -30);
  assert.equal(str(px, `${vox}/Devices/Compressor/Threshold/@id`), 'fxp_e_comp.threshold', 'the target is the device parameter');
  assert.match(xp(px, '//Lanes[@track="trk_b_verb"]/comment()'), /automation of e_rev\.mix .* left out/);
}

test('format=dawproject over HTTP: a zip whose XML validates against both schemas, with every file, field by field', async () => {
  const r = await exportHttp();
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(r.headers.get('content-type'), 'application/zip');
  assert.match(r.headers.get('content-disposition'), /filename="Mix Session r\d+\.dawproject"/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const f = path.join(dir, 'http.dawproject');
  fs.writeFileSync(f, r.body);
  const into = path.join(dir, 'http');
  const px = checkExport(into, unzip(f, into));
  checkFields(px);
  // unzip(1) agrees that the archive is sound
  const u = run('unzip', ['-tq', f]);
  assert.equal(u.status, 0, u.stdout + u.stderr);
});

test('mixroom export-dawproject writes the same project.xml; bad arguments are refused and leave no file', async () => {
  const out = path.join(dir, 'cli.dawproject');
  let r = cli(['export-dawproject', project, out], { dataDir: server.dataDir });
  assert.equal(r.status, 0, r.stderr);
  const into = path.join(dir, 'cli');
  const px = checkExport(into, unzip(out, into));
  const h = await exportHttp();
  const hf = path.join(dir, 'http2.dawproject');
  fs.writeFileSync(hf, h.body);
  unzip(hf, path.join(dir, 'http2'));
  assert.equal(fs.readFileSync(px, 'utf8'), fs.readFileSync(path.join(dir, 'http2', 'project.xml'), 'utf8'));
  const gone = path.join(dir, 'nope.dawproject');
  r = cli(['export-dawproject', 'p_nope', gone], { dataDir: server.dataDir });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /p_nope/);
  assert.equal(fs.existsSync(gone), false);
  r = cli(['export-dawproject', project, gone, '--rev', 'x'], { dataDir: server.dataDir });
  assert.equal(r.status, 2);
  assert.equal(cli(['export-dawproject', project], { dataDir: server.dataDir }).status, 2);
});

test('a revision exports the document as it was then', async () => {
  const r = await exportHttp(`&rev=${revBeforeTempo}`);
  assert.equal(r.status, 200);
  const f = path.join(dir, 'old.dawproject');
  fs.writeFileSync(f, r.body);
  const into = path.join(dir, 'old');
  const entries = unzip(f, into);
  assert.deepEqual(entries.map((e) => e[0]), ['project.xml', 'metadata.xml'], 'no clips yet: no audio');
  const px = path.join(into, 'project.xml');
  assert.equal(run('xmllint', ['--noout', '--schema', PROJECT_XSD, px]).status, 0);
  assert.equal(num(px, '/Project/Transport/Tempo/@value'), 120);
  assert.match(str(path.join(into, 'metadata.xml'), '/MetaData/Comment'), new RegExp(`revision ${revBeforeTempo} `));
});

test('refusals: a viewer 403, an unknown project 404, an unknown revision 404, a bad rev 422; other formats unchanged', async () => {
  let r = await exportHttp('', viewer.token);
  assert.equal(r.status, 403, r.body.toString());
  r = await exportHttp('', owner.token, 'p_nope');
  assert.equal(r.status, 404);
  r = await exportHttp('&rev=99999');
  assert.equal(r.status, 404);
  assert.match(JSON.parse(r.body).message, /revision 99999/);
  r = await exportHttp('&rev=-1');
  assert.equal(r.status, 422);
  assert.match(JSON.parse(r.body).message, /rev/);
  r = await fetch(`${server.url}/api/projects/${project}/export?format=mid`, { headers: { authorization: `Bearer ${owner.token}` } });
  assert.equal(r.status, 200);
  assert.equal(Buffer.from(await r.arrayBuffer()).toString('latin1', 0, 4), 'MThd');
  r = await http(server, 'GET', `/api/projects/${project}/export?format=dawprojec`, { token: owner.token });
  assert.equal(r.status, 422, 'an unknown format is still refused by the export route');
});

test('a share link\'s guest with the download right is refused: the file holds every source recording', async () => {
  const l = await http(server, 'POST', `/api/projects/${project}/links`, { token: owner.token, body: { rights: ['listen', 'download'] } });
  assert.equal(l.status, 201, l.text);
  const sess = await http(server, 'POST', `/api/links/${l.json.link.token}/session`, { body: { name: 'Sam' } });
  assert.equal(sess.status, 200, sess.text);
  const r = await exportHttp('', sess.json.token);
  assert.equal(r.status, 403, r.body.toString());
  assert.match(JSON.parse(r.body).message, /share link/);
  const wav = await fetch(`${server.url}/api/projects/${project}/export?format=wav&from=0&to=4800`, { headers: { authorization: `Bearer ${sess.json.token}` } });
  assert.equal(wav.status, 200, 'the mix itself stays downloadable');
  await wav.arrayBuffer();
});

/** The server's peak resident set in KiB (VmHWM), after resetting it when reset is set. */
function peakKiB(pid, reset) {
  if (reset) fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Number(m[1]);
}

test('a long asset is streamed: the server never holds the archive (peak RSS grows by far less than its size)', async () => {
  const long = makeProject(server, 'Long one', 'dana');
  const { client: c2 } = await join(server, owner, long);
  const wav = path.join(dir, 'long.wav');
  const s = run('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', wav, 'synth', '240', 'sine', '220', 'vol', '0.3']);
  assert.equal(s.status, 0, s.stderr);
  const asset = await uploadAsset(server, owner, long, c2, 'long.wav', fs.readFileSync(wav));
  await pushOps(c2, [
    { op: 'create', id: 't_long', kind: 'track', fields: { name: 'Long' } },
    { op: 'create', id: 'c_long', kind: 'clip', fields: { track: 't_long', asset, start: 0, length: 240 * RATE } },
  ]);
  const pid = server.proc.pid;
  const before = peakKiB(pid, true);
  const r = await fetch(`${server.url}/api/projects/${long}/export?format=dawproject`, { headers: { authorization: `Bearer ${owner.token}` } });
  assert.equal(r.status, 200);
  // read slowly at first, so the worker has to wait for the client
  const reader = r.body.getReader();
  let total = 0; let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (n++ < 20) await new Promise((res) => setTimeout(res, 20));
  }
  const after = peakKiB(pid, false);
  const wavBytes = 240 * RATE * 2 * 4;
  assert.ok(total > wavBytes, `the archive holds the 240 s stereo float WAV (${total} bytes)`);
  const grew = (after - before) * 1024;
  console.log(`# dawproject export of a ${(total / 1048576).toFixed(1)} MiB archive: server peak RSS ${before} -> ${after} KiB (+${(grew / 1048576).toFixed(1)} MiB)`);
  assert.ok(grew < wavBytes / 8, `peak RSS grew by ${grew} bytes for a ${total}-byte archive: it must be streamed`);
});
