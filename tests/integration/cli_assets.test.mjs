// cli_assets.test.mjs -- the commands that read audio take the asset
// store like serve does (`--assets s3://BUCKET` with --s3-endpoint,
// --s3-region, --s3-access-key and MIXROOM_S3_SECRET_KEY): with a server's
// audio only in S3 (its data folder's cache emptied), `mixroom render`
// with an EMPTY data folder renders the server's export byte for byte,
// `mixroom backup` fetches every file into the backup (which `mixroom
// check` then finds whole without S3), and `mixroom check` checks from S3;
// an unreachable S3 makes each fail naming the asset store (render writes
// nothing), and --assets without its S3 settings is a usage error.
// Without --assets, a render whose audio is not in the data folder fails
// naming the clip and the asset (it rendered silence once).
// S3: tests/s3/s3.sh (s3rver), as in s3_assets.test.mjs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, SRCDIR, freePort, join, makeProject, makeUser, startServer, storeEnv, storeSql, storeSqlAvailable, tempDir } from './harness.mjs';
import { RATE, pushOps, toneWav, uploadAsset } from './preview_lib.mjs';

const pg = process.env.MXT_STORE === 'pg';
let s3; let s3dir; let song;

before(() => {
  s3dir = tempDir('mixroom-s3-cli-');
  const r = spawnSync(path.join(SRCDIR, 'tests', 's3', 's3.sh'), ['start', s3dir], { encoding: 'utf8', timeout: 90000 });
  assert.equal(r.status, 0, `s3.sh start: ${r.stderr}`);
  const kv = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  s3 = { endpoint: kv.S3_ENDPOINT, bucket: kv.S3_BUCKET, region: kv.S3_REGION, access: kv.S3_ACCESS_KEY, secret: kv.S3_SECRET_KEY };
});

after(() => {
  if (s3dir) spawnSync(path.join(SRCDIR, 'tests', 's3', 's3.sh'), ['stop', s3dir]);
});

const flags = (endpoint = s3.endpoint) => ['--assets', `s3://${s3.bucket}`, '--s3-endpoint', endpoint, '--s3-region', s3.region, '--s3-access-key', s3.access];
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** `mixroom ARGS` on the song's store (not its data folder: that is given in args). */
function run(args, env = {}) {
  const storeArgs = pg ? [] : ['--store', `sqlite:${path.join(song.dataDir, 'mixroom.db')}`];
  const r = spawnSync(BIN, [...args, ...storeArgs], {
    encoding: 'utf8', timeout: 60000,
    env: { ...process.env, ...storeEnv(song.dataDir), MIXROOM_S3_SECRET_KEY: s3.secret, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a server keeps its audio in S3; its data folder\'s cache is emptied', async () => {
  const s = await startServer({ args: flags(), env: { MIXROOM_S3_SECRET_KEY: s3.secret } });
  const user = makeUser(s, 'cla');
  const project = makeProject(s, 'CLI assets', 'cla');
  const { client } = await join(s, user, project);
  const wav = toneWav(330, 2);
  const id = await uploadAsset(s, user, project, client, 'tone.wav', wav);
  await pushOps(client, [
    { op: 'create', id: 't_a', kind: 'track', fields: { name: 'A', order: 'a5' } },
    { op: 'create', id: 'c_a', kind: 'clip', fields: { track: 't_a', asset: id, start: 0, length: 2 * RATE } },
  ]);
  const r = await fetch(`${s.url}/api/projects/${project}/export?format=wav32`, { headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(r.status, 200);
  song = { dataDir: s.dataDir, project, asset: id, sha: sha256(wav), export: Buffer.from(await r.arrayBuffer()) };
  await client.close();
  await s.stop();
  fs.rmSync(path.join(s.dataDir, 'assets'), { recursive: true, force: true });
});

test('render --assets with an empty data folder renders the server\'s export from S3', () => {
  assert.ok(song, 'needs the first test');
  const data = tempDir('mixroom-cli-render-');
  const out = path.join(tempDir('mixroom-cli-out-'), 'song.wav');
  const r = run(['render', song.project, out, '--format', 'wav32', '--data', data, ...flags()]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.readFileSync(out).equals(song.export), 'the render equals the export');
  // S3 cannot be reached: the render fails naming it, and writes nothing
  return freePort().then((port) => {
    const r2 = run(['render', song.project, `${out}.2`, '--format', 'wav32', '--data', tempDir('mixroom-cli-dead-'), ...flags(`http://127.0.0.1:${port}`)]);
    assert.equal(r2.status, 1, r2.stderr);
    assert.match(r2.stderr, /asset store cannot give .*cannot be reached/);
    assert.ok(!fs.existsSync(`${out}.2`));
  });
});

test('render without the audio (its file gone from the data folder, no --assets) fails naming the clip and the asset, writing nothing', () => {
  assert.ok(song, 'needs the first test');
  const out = path.join(tempDir('mixroom-cli-out-'), 'silent.wav');
  const r = run(['render', song.project, out, '--data', song.dataDir]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`clip c_a of project ${song.project}: asset ${song.asset} \\("tone\\.wav"\\) is missing: no \\S*samples-${RATE}`));
  assert.ok(!fs.existsSync(out), 'nothing written');
  assert.doesNotMatch(r.stdout, /rendered/);
  // an asset that is not ready (still importing) is named as such
  if (!storeSqlAvailable()) return;
  storeSql(song.dataDir, `UPDATE assets SET state='importing' WHERE id='${song.asset}'`);
  try {
    const r2 = run(['render', song.project, out, '--data', song.dataDir]);
    assert.equal(r2.status, 1, r2.stdout + r2.stderr);
    assert.match(r2.stderr, new RegExp(`clip c_a of project ${song.project}: asset ${song.asset} \\("tone\\.wav"\\) is not ready \\(importing\\)`));
    assert.ok(!fs.existsSync(out), 'nothing written');
  } finally {
    storeSql(song.dataDir, `UPDATE assets SET state='ready' WHERE id='${song.asset}'`);
  }
});

test('check --assets fetches and verifies every file from S3; without it the empty cache is reported', () => {
  assert.ok(song, 'needs the first test');
  const data = tempDir('mixroom-cli-check-');
  let r = run(['check', '--data', data, ...flags()]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /3 asset files are present and verified/);
  const dir = path.join(data, 'assets', song.sha.slice(0, 2), song.sha);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['original', 'peaks-48000', 'samples-48000']);
  r = run(['check', '--data', tempDir('mixroom-cli-check-bare-')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /original is missing/);
});

test('backup --assets copies the audio out of S3 into the backup', { skip: pg ? 'backup copies the embedded SQLite store only' : false }, async () => {
  assert.ok(song, 'needs the first test');
  const dest = path.join(tempDir('mixroom-cli-backup-'), 'copy');
  let r = spawnSync(BIN, ['backup', dest, '--data', song.dataDir, ...flags()], { encoding: 'utf8', env: { ...process.env, MIXROOM_S3_SECRET_KEY: s3.secret } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /and 3 asset files/);
  // the backup is whole on its own: check without S3
  r = spawnSync(BIN, ['check', '--data', dest], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // S3 down: the backup says what it could not fetch and that it is incomplete
  fs.rmSync(path.join(song.dataDir, 'assets'), { recursive: true, force: true });
  const dest2 = path.join(tempDir('mixroom-cli-backup-'), 'copy');
  r = spawnSync(BIN, ['backup', dest2, '--data', song.dataDir, ...flags(`http://127.0.0.1:${await freePort()}`)], { encoding: 'utf8', env: { ...process.env, MIXROOM_S3_SECRET_KEY: s3.secret } });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /asset store cannot give/);
  assert.match(r.stderr, /incomplete/);
});

test('--assets without its S3 settings is a usage error naming the missing one', () => {
  assert.ok(song, 'needs the first test');
  const r = spawnSync(BIN, ['render', song.project, '/dev/null', '--assets', `s3://${s3.bucket}`], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /s3_endpoint/);
  const r2 = spawnSync(BIN, ['check', '--assets'], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--assets needs a value/);
});
