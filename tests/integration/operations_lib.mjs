// operations_lib.mjs -- helpers of operations.test.mjs and of the fixture
// maker (tests/fixtures/make-fixture.mjs): a small project with a track, a
// clip on an uploaded asset, a comment and a version; asset files of a
// data folder; running a CLI command without blocking the event loop.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, dataDirOf, http, join, makeProject, makeUser, storeEnv, tempDir } from './harness.mjs';

/** A 0.25 s mono sine WAV made with sox; returns its path. */
export function smallWav(dir = tempDir('mixroom-ops-in-')) {
  const p = path.join(dir, 'tone.wav');
  const r = spawnSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', p,
    'synth', '0.25', 'sine', '440', 'vol', '0.5'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sox: ${r.stderr}`);
  return p;
}

/**
 * Makes user ana, project "Fixture" with a track, a clip on an uploaded
 * (ready) asset, a comment and a version. Returns {ana, pid, asset, client}.
 */
export async function makeSmallProject(srv) {
  const ana = makeUser(srv, 'ana');
  const pid = makeProject(srv, 'Fixture', 'ana');
  const { client, welcome } = await join(srv, ana, pid);
  const up = await http(srv, 'POST', `/api/projects/${pid}/assets?name=tone.wav`,
    { token: ana.token, raw: fs.readFileSync(smallWav()), headers: { 'content-type': 'application/octet-stream' } });
  if (up.status !== 202) throw new Error(`upload: ${up.status} ${up.text}`);
  const asset = up.json.asset;
  await client.next((m) => m.type === 'asset' && m.asset.id === asset && m.asset.state === 'ready', 20000);
  client.send({ type: 'push', seq: 1, base: welcome.rev, ops: [
    { op: 'create', id: 't_1', kind: 'track', fields: { name: 'Tone' } },
    { op: 'create', id: 'c_1', kind: 'clip', fields: { track: 't_1', asset, start: 0, length: 12000 } },
  ] });
  const d = await client.next((m) => (m.type === 'delta' || m.type === 'reject') && m.seq === 1);
  if (d.type !== 'delta') throw new Error(`push: ${JSON.stringify(d)}`);
  const c = await client.request({ type: 'comment.add', at: 0, clip: 'c_1', body: 'a kept comment' });
  if (c.type !== 'comment') throw new Error(`comment: ${JSON.stringify(c)}`);
  const v = await client.request({ type: 'version.create', name: 'Mix v1', note: 'kept' });
  if (v.type === 'error') throw new Error(`version: ${JSON.stringify(v)}`);
  return { ana, pid, asset, client };
}

/** Every file under dir/assets, as paths relative to dir. */
export function assetFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(path.join(dir, 'assets'))) walk(path.join(dir, 'assets'));
  return out.sort();
}

/** Runs `mixroom ARGS` without blocking; resolves to {status, stdout, stderr}. */
export function cliAsync(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...storeEnv(dataDirOf(args)) } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
