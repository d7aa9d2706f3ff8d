// export_missing.test.mjs -- a render over HTTP whose audio is missing is
// refused before any byte of the file goes out, naming the asset (it
// answered 200 with silence where the clip should sound): every audio
// format, stems, the loudness figures and the DAWproject archive answer
// 500 {code, message, asset} when a clip's samples file is gone from the
// data folder and 409 when its asset is not ready; the document and the
// assets are left as they were, and the same export succeeds once the
// file is back.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { http, join, makeProject, makeUser, startServer, storeSql, storeSqlAvailable } from './harness.mjs';
import { RATE, parseWav, pushOps, toneWav, uploadAsset } from './preview_lib.mjs';

let server; let song;

// every route that renders or packs the audio, with what a success is
const ROUTES = [
  ['wav', 'export?format=wav', 'audio/wav'],
  ['wav16', 'export?format=wav16&from=0&to=48000', 'audio/wav'],
  ['flac', 'export?format=flac', 'audio/flac'],
  ['opus', 'export?format=opus', 'audio/ogg'],
  ['stems', 'export?format=wav&stems=1', 'application/zip'],
  ['stems+buses', 'export?format=flac&stems=1&buses=1', 'application/zip'],
  ['normalized', 'export?format=wav&normalize=-16', 'audio/wav'],
  ['loudness', 'loudness', 'application/json'],
  ['dawproject', 'export?format=dawproject', 'application/zip'],
];

before(async () => {
  server = await startServer();
  const user = makeUser(server, 'mia');
  const project = makeProject(server, 'Missing audio', 'mia');
  const { client } = await join(server, user, project);
  const wav = toneWav(523, 2);
  const asset = await uploadAsset(server, user, project, client, 'tone.wav', wav);
  await pushOps(client, [
    { op: 'create', id: 't_a', kind: 'track', fields: { name: 'A', order: 'a5' } },
    { op: 'create', id: 'c_a', kind: 'clip', fields: { track: 't_a', asset, start: 0, length: 2 * RATE } },
  ]);
  const sha = crypto.createHash('sha256').update(wav).digest('hex');
  const samples = path.join(server.dataDir, 'assets', sha.slice(0, 2), sha, `samples-${RATE}`);
  assert.ok(fs.existsSync(samples), `the samples file is at ${samples}`);
  song = { user, project, client, asset, samples };
});
after(async () => {
  if (song) await song.client.close();
  await server.stop();
});

async function get(q) {
  const r = await fetch(`${server.url}/api/projects/${song.project}/${q}`, { headers: { authorization: `Bearer ${song.user.token}` } });
  return { status: r.status, type: r.headers.get('content-type') || '', disp: r.headers.get('content-disposition'), body: Buffer.from(await r.arrayBuffer()) };
}

/** What a refusal must leave alone: the head, the document, the assets. */
async function state() {
  const p = await http(server, 'GET', `/api/projects/${song.project}`, { token: song.user.token });
  const a = await http(server, 'GET', `/api/projects/${song.project}/assets`, { token: song.user.token });
  return JSON.stringify([p.status, p.json, a.status, a.json]);
}

function assertRefused(r, status, what, re) {
  assert.equal(r.status, status, `${what}: ${r.body.toString().slice(0, 300)}`);
  assert.match(r.type, /application\/json/, `${what}: a JSON error, not a file`);
  assert.equal(r.disp, null, `${what}: no attachment`);
  const e = JSON.parse(r.body.toString());
  assert.equal(e.asset, song.asset, `${what}: the error names the asset`);
  assert.match(e.message, new RegExp(`asset ${song.asset}\\b`), `${what}: the message names the asset`);
  assert.match(e.message, re, `${what}: ${e.message}`);
  return e;
}

async function assertSounds(r, what) {
  assert.equal(r.status, 200, `${what}: ${r.body.toString().slice(0, 300)}`);
  if (what === 'loudness') {
    const l = JSON.parse(r.body.toString());
    assert.ok(l.integrated_lufs > -30, `${what}: ${r.body}`);
  }
}

/** The clip sounds in a 32-bit float export (not silence). */
async function assertClipSounds() {
  const w = parseWav((await get('export?format=wav32')).body);
  let peak = 0;
  for (const x of w.samples) peak = Math.max(peak, Math.abs(x));
  assert.ok(peak > 0.1, `the clip sounds (peak ${peak})`);
}

test('the samples file gone from the data folder: every route answers 500 naming the asset and the clip, before any byte of a file', async () => {
  // the first render after the file left (nothing has mapped it yet)
  const before = await state();
  fs.renameSync(song.samples, `${song.samples}.away`);
  try {
    for (const [what, q] of ROUTES) {
      const r = await get(q);
      const e = assertRefused(r, 500, what, /is missing|cannot be read/);
      if (what !== 'dawproject') assert.match(e.message, /clip c_a of project/, `${what}: names the clip`);
      assert.ok(!e.message.includes(server.dataDir), `${what}: the server's paths stay out of the answer`);
    }
  } finally {
    fs.renameSync(`${song.samples}.away`, song.samples);
  }
  assert.equal(await state(), before, 'nothing changed');
  assert.equal((await http(server, 'GET', '/healthz')).status, 200);
  // the file is back: the same exports succeed, and the clip sounds
  for (const [what, q, type] of ROUTES) {
    const r = await get(q);
    await assertSounds(r, what);
    assert.ok(r.type.startsWith(type), `${what}: ${r.type}`);
  }
  await assertClipSounds();
});

test('an asset not ready (still importing): every route answers 409 naming the asset and its state', { skip: !storeSqlAvailable() && 'needs the store\'s command-line client' }, async () => {
  const before = await state();
  storeSql(server.dataDir, `UPDATE assets SET state='importing' WHERE id='${song.asset}'`);
  try {
    for (const [what, q] of ROUTES) {
      const r = await get(q);
      const e = assertRefused(r, 409, what, /is not ready \(importing\)/);
      assert.equal(e.code, 'conflict');
      assert.match(e.message, /clip c_a of project/, `${what}: names the clip`);
    }
  } finally {
    storeSql(server.dataDir, `UPDATE assets SET state='ready' WHERE id='${song.asset}'`);
  }
  assert.equal(await state(), before, 'nothing changed');
  for (const [what, q] of ROUTES) await assertSounds(await get(q), what);
  await assertClipSounds();
});

test('an audio clip naming an asset the project does not have: 409 naming it', { skip: !storeSqlAvailable() && 'needs the store\'s command-line client' }, async () => {
  // the push checks a clip's asset, so only a row gone from the table gets here
  const row = storeSql(server.dataDir, `SELECT project_id FROM assets WHERE id='${song.asset}'`);
  assert.equal(row, song.project);
  const other = makeProject(server, 'Elsewhere', 'mia');
  storeSql(server.dataDir, `UPDATE assets SET project_id='${other}' WHERE id='${song.asset}'`);
  try {
    for (const [what, q] of ROUTES) {
      const r = await get(q);
      assertRefused(r, 409, what, /has no such asset/);
    }
  } finally {
    storeSql(server.dataDir, `UPDATE assets SET project_id='${song.project}' WHERE id='${song.asset}'`);
  }
  await assertClipSounds();
});

test('the MIDI export needs no audio: it still answers 200 while the samples are gone', async () => {
  fs.renameSync(song.samples, `${song.samples}.away`);
  try {
    const r = await get('export?format=mid');
    assert.equal(r.status, 200, r.body.toString().slice(0, 200));
    assert.equal(r.body.subarray(0, 4).toString(), 'MThd');
  } finally {
    fs.renameSync(`${song.samples}.away`, song.samples);
  }
});
