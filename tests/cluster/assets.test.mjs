// assets.test.mjs -- the audio across nodes (tests/cluster/cluster.sh's
// deployment: the assets are in its S3 endpoint, each node's data folder
// DIR/data-<node> is only its cache): a WAV uploaded through HAProxy to
// the node that owns the project plays and exports through ANOTHER node,
// whose cache held nothing of it before (the lease moves: the owner's
// room unloads, the other node takes the project); and `mixroom render`
// with --assets s3://... and an empty data folder renders the same bytes
// from S3 alone. Run by run.sh before cluster.test.mjs (which kills a
// node at its end).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cli, freePort, join, tempDir } from '../integration/harness.mjs';
import { RATE, capture, decodeOpus, pushOps, toneEnergy, toneWav, uploadAsset } from '../integration/preview_lib.mjs';
import { cluster, project, psql, until, user } from './cluster_lib.mjs';

const C = cluster();
const uid = Math.random().toString(36).slice(2, 8);
const env = process.env;
const s3 = env.MXC_MIXROOM_ASSETS ? {
  assets: env.MXC_MIXROOM_ASSETS, endpoint: env.MXC_MIXROOM_S3_ENDPOINT, region: env.MXC_MIXROOM_S3_REGION,
  access: env.MXC_MIXROOM_S3_ACCESS_KEY, secret: env.MXC_MIXROOM_S3_SECRET_KEY,
} : null;
const skip = s3 ? false : 'the deployment has no S3 endpoint (tests/s3/s3.sh): the nodes share one data folder';
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
/** The files of asset sha in a node's cache (its data folder). */
const cached = (node, sha) => {
  const d = path.join(env.MXC_DIR, `data-${node}`, 'assets', sha.slice(0, 2), sha);
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => !f.startsWith('.')).sort() : [];
};

async function exportWav(server, u, p) {
  const r = await fetch(`${server.url}/api/projects/${p}/export?format=wav32`, { headers: { authorization: `Bearer ${u.token}` } });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}

let song; // {user, project, sha, export} for the render test

test('an asset uploaded through one node plays and exports through another, whose cache was empty', { skip }, async () => {
  const ana = user(C, `as${uid}`);
  const p = project(C, 'Across nodes', ana.name);
  const wav = toneWav(440, 2);
  const sha = sha256(wav);
  const a = await join(C.proxy, ana, p);
  const owner = a.welcome.node;
  const id = await uploadAsset(C.proxy, ana, p, a.client, 'tone.wav', wav);
  const frames = 2 * RATE;
  await pushOps(a.client, [
    { op: 'create', id: 't_a', kind: 'track', fields: { name: 'A', order: 'a5' } },
    { op: 'create', id: 'c_a', kind: 'clip', fields: { track: 't_a', asset: id, start: 0, length: frames } },
  ]);
  const e1 = await exportWav(C.nodes[owner], ana, p);
  assert.equal(e1.status, 200);
  assert.ok(cached(owner, sha).length > 0, 'the owner has the upload in its cache');
  // the owner lets go of the project (room_unload 0: the lease goes with the room)
  await a.client.close();
  await until(() => psql(C.pgurl, `SELECT count(*) FROM project_leases WHERE project='${p}'`)[0][0] === '0', 30000, 'the lease release');
  const other = Object.values(C.nodes).find((n) => n.name !== owner && cached(n.name, sha).length === 0);
  assert.ok(other, 'a node whose cache has nothing of the asset');
  assert.deepEqual(cached(other.name, sha), []);
  // the other node takes the project and fetches the samples from S3 for the stream
  const b = await join(other, ana, p);
  assert.equal(b.welcome.node, other.name);
  await until(() => cached(other.name, sha).some((f) => f.startsWith('samples-')), 30000, 'the samples on the other node');
  const rec = capture(b.client);
  const reply = await b.client.request({ type: 'play', from: 0 });
  assert.equal(reply.type, 'playing', JSON.stringify(reply));
  await until(() => rec.audio.filter((x) => x.stream === reply.stream).length >= 60, 20000, '60 packets');
  await b.client.request({ type: 'pause' });
  const pcm = decodeOpus(rec.audio.filter((x) => x.stream === reply.stream).slice(0, 60).map((x) => x.packet));
  const tone = toneEnergy(pcm, 9600, 48000, 440);
  const off = toneEnergy(pcm, 9600, 48000, 700);
  assert.ok(tone > 100 * off, `the tone in the other node's stream: 440 Hz ${tone}, 700 Hz ${off}`);
  // its export is byte for byte the owner's
  const e2 = await exportWav(other, ana, p);
  assert.equal(e2.status, 200);
  assert.ok(e2.body.equals(e1.body), 'the export of the other node equals the owner\'s');
  await b.client.close();
  song = { user: ana, project: p, sha, export: e1.body };
});

test('mixroom render --assets s3://... with an empty data folder renders from S3 alone', { skip }, async () => {
  assert.ok(song, 'needs the first test');
  const data = tempDir('mixroom-render-s3-');
  const out = path.join(tempDir('mixroom-render-out-'), 'song.wav');
  const flags = ['--assets', s3.assets, '--s3-endpoint', s3.endpoint, '--s3-region', s3.region, '--s3-access-key', s3.access];
  const renv = { MIXROOM_S3_SECRET_KEY: s3.secret, MIXROOM_STORE: env.MXC_MIXROOM_STORE };
  let r = cli(['render', song.project, out, '--format', 'wav32', '--data', data, ...flags], { env: renv });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.readFileSync(out).equals(song.export), 'the render equals the nodes\' export');
  assert.ok(fs.existsSync(path.join(data, 'assets', song.sha.slice(0, 2), song.sha)), 'fetched into the data folder as its cache');
  // check fetches and verifies every file of the project's assets from S3
  const chk = tempDir('mixroom-check-s3-');
  r = cli(['check', '--data', chk, ...flags], { env: renv });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /asset files are present and verified/);
  assert.ok(fs.existsSync(path.join(chk, 'assets', song.sha.slice(0, 2), song.sha, 'original')), 'check fetched the original');
  // S3 that cannot be reached: the render fails naming the asset store, and writes nothing
  const bad = tempDir('mixroom-render-dead-');
  const deadUrl = `http://127.0.0.1:${await freePort()}`;
  const dead = flags.map((f) => (f === s3.endpoint ? deadUrl : f));
  r = cli(['render', song.project, `${out}.3`, '--format', 'wav32', '--data', bad, ...dead], { env: renv });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /asset store/);
  assert.ok(!fs.existsSync(`${out}.3`), 'no output file');
  // --assets needs its S3 settings: a usage error naming the missing one
  r = cli(['render', song.project, `${out}.4`, '--data', bad, '--assets', s3.assets], { env: { MIXROOM_STORE: env.MXC_MIXROOM_STORE } });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /s3_endpoint|s3-endpoint/);
});
