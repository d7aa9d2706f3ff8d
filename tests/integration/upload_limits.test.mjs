// upload_limits.test.mjs -- the decoded-size limits of uploads through the
// real server: a small FLAC of two hours of 8 kHz silence (1.38 GB once
// decoded) ends `failed` naming max_upload_seconds with nothing of it on
// disk; --max-upload-seconds refuses a longer WAV and takes a shorter one;
// an MP3 without a length is stopped while decoding; --max-upload-decoded
// and --max-project-decoded refuse what would pass them, naming the
// setting, while what is already ready stays ready. Inputs made with sox
// and lame.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { http, join, makeProject, makeUser, startServer, tempDir } from './harness.mjs';

const work = tempDir('mixroom-limits-in-');
function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}
/** A sine file made by sox: name, seconds, rate, channels, frequency. */
function sine(name, secs, rate, channels, freq = 440) {
  const p = path.join(work, name);
  if (!fs.existsSync(p)) {
    run('sox', ['-n', '-r', String(rate), '-c', String(channels), '-b', '16', p,
      'synth', String(secs), 'sine', String(freq), 'vol', '0.5']);
  }
  return p;
}

async function upload(s, user, project, file) {
  return http(s, 'POST', `/api/projects/${project}/assets?name=${encodeURIComponent(path.basename(file))}`,
    { token: user.token, raw: fs.readFileSync(file), headers: { 'content-type': 'application/octet-stream' } });
}

/** Uploads file and waits for its final `asset` message. */
async function uploadAndWait(s, client, user, project, file) {
  const r = await upload(s, user, project, file);
  assert.equal(r.status, 202, r.text);
  const id = r.json.asset;
  const m = await client.next((x) => x.type === 'asset' && x.asset.id === id &&
    ['ready', 'failed'].includes(x.asset.state), 60000);
  return m.asset;
}

/** Every file under dir, with its size. */
function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p)); else out.push({ p, size: fs.statSync(p).size });
  }
  return out;
}
const bytesUnder = (dir) => filesUnder(dir).reduce((n, f) => n + f.size, 0);

async function setup(args = []) {
  const s = await startServer({ args });
  const owner = makeUser(s, 'olga');
  const project = makeProject(s, 'Song', 'olga', 48000);
  const { client } = await join(s, owner, project);
  return { s, owner, project, client };
}

const list = async (s, owner, project) =>
  (await http(s, 'GET', `/api/projects/${project}/assets`, { token: owner.token })).json.assets;

test('two hours of 8 kHz silence: failed naming max_upload_seconds, nothing on disk', async () => {
  const flac = path.join(work, 'silence-2h.flac');
  run('sox', ['-n', '-r', '8000', '-c', '1', flac, 'trim', '0', '7200']);
  assert.ok(fs.statSync(flac).size < 4 * 1024 * 1024);
  const { s, owner, project, client } = await setup();
  try {
    const a = await uploadAndWait(s, client, owner, project, flac);
    assert.equal(a.state, 'failed');
    assert.equal(a.error, 'this file is 2 h 0 min long; uploads may be at most 30 min (setting max_upload_seconds)');
    assert.equal(a.frames, 0);
    // nothing of it stays: no samples, peaks or original; the upload removed
    assert.deepEqual(filesUnder(path.join(s.dataDir, 'assets')), []);
    assert.equal(bytesUnder(path.join(s.dataDir, 'assets')), 0);
    assert.deepEqual(filesUnder(path.join(s.dataDir, 'tmp')), []);
    // the row is a failed one, as for any failed import
    const rows = await list(s, owner, project);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].state, 'failed');
    assert.equal(rows[0].frames, 0);
    assert.match(rows[0].error, /max_upload_seconds/);
    // the server carries on
    assert.equal((await http(s, 'GET', '/healthz')).status, 200);
    const ok = await uploadAndWait(s, client, owner, project, sine('after.wav', 0.5, 48000, 1, 880));
    assert.equal(ok.state, 'ready');
  } finally {
    client.close();
    assert.equal((await s.stop()).code, 0);
  }
});

test('--max-upload-seconds 5: a 6 s WAV is refused, a 4 s WAV imports, an MP3 without a length is stopped', async () => {
  const { s, owner, project, client } = await setup(['--max-upload-seconds', '5']);
  try {
    const long = await uploadAndWait(s, client, owner, project, sine('six.wav', 6, 44100, 2));
    assert.equal(long.state, 'failed');
    assert.equal(long.error, 'this file is 6 s long; uploads may be at most 5 s (setting max_upload_seconds)');
    const short = await uploadAndWait(s, client, owner, project, sine('four.wav', 4, 44100, 2));
    assert.equal(short.state, 'ready', JSON.stringify(short));
    assert.equal(short.frames, 4 * 48000);
    // lame -t: no Xing/LAME header, so no length before decoding
    const mp3 = path.join(work, 'eight.mp3');
    run('lame', ['--silent', '-t', '-b', '64', sine('eight.wav', 8, 44100, 1, 330), mp3]);
    const m = await uploadAndWait(s, client, owner, project, mp3);
    assert.equal(m.state, 'failed');
    assert.equal(m.error, 'this file is more than 5 s long (found while decoding it); uploads may be at most 5 s (setting max_upload_seconds)');
    // only the 4 s file is in the store
    const names = filesUnder(path.join(s.dataDir, 'assets')).map((f) => path.basename(f.p)).sort();
    assert.deepEqual(names, ['original', 'peaks-48000', 'samples-48000']);
    assert.deepEqual(filesUnder(path.join(s.dataDir, 'tmp')), []);
  } finally {
    client.close();
    assert.equal((await s.stop()).code, 0);
  }
});

test('--max-upload-decoded and --max-project-decoded name their setting; the first upload stays ready', async () => {
  // 3 s stereo at 48 kHz: 64 + 3 * 48000 * 2 * 4 bytes decoded
  const one = 64 + 3 * 48000 * 2 * 4;
  {
    const { s, owner, project, client } = await setup(['--max-upload-decoded', String(one - 1)]);
    try {
      const a = await uploadAndWait(s, client, owner, project, sine('three-a.wav', 3, 48000, 2, 440));
      assert.equal(a.state, 'failed');
      assert.equal(a.error, `this file takes ${one} bytes once decoded; one upload may take at most ${one - 1} bytes decoded (setting max_upload_decoded)`);
      assert.deepEqual(filesUnder(path.join(s.dataDir, 'assets')), []);
    } finally {
      client.close();
      assert.equal((await s.stop()).code, 0);
    }
  }
  const { s, owner, project, client } = await setup(['--max-project-decoded', String(one + 1000)]);
  try {
    const first = await uploadAndWait(s, client, owner, project, sine('three-a.wav', 3, 48000, 2, 440));
    assert.equal(first.state, 'ready', JSON.stringify(first));
    const storeBefore = filesUnder(path.join(s.dataDir, 'assets')).map((f) => f.p).sort();
    const second = await uploadAndWait(s, client, owner, project, sine('three-b.wav', 3, 48000, 2, 330));
    assert.equal(second.state, 'failed');
    assert.equal(second.error, 'with this file the project\'s audio would take 2.2 MiB once decoded, 1.1 MiB without it; a project may take at most 1.1 MiB decoded (setting max_project_decoded)');
    // the first is untouched; the store holds only its files
    const rows = await list(s, owner, project);
    assert.deepEqual(rows.map((r) => [r.id, r.state]), [[first.id, 'ready'], [second.id, 'failed']]);
    assert.equal(rows[0].frames, 3 * 48000);
    assert.deepEqual(filesUnder(path.join(s.dataDir, 'assets')).map((f) => f.p).sort(), storeBefore);
    assert.deepEqual(filesUnder(path.join(s.dataDir, 'tmp')), []);
    const pk = await fetch(`${s.url}/api/assets/${first.id}/peaks`, { headers: { authorization: `Bearer ${owner.token}` } });
    assert.equal(pk.status, 200);
  } finally {
    client.close();
    assert.equal((await s.stop()).code, 0);
  }
});
