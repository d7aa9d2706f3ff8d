// dawproject_cli.test.mjs -- `mixroom import-dawproject FILE --owner USER
// [--name NAME]`, the counterpart of export-dawproject, without going
// through a server: a project written by `mixroom export-dawproject`
// imports back to the same document (tracks, mix, devices, sends, clips,
// notes, markers, automation; its audio as ready assets), which a running
// server then opens, plays and exports like any project. A broken zip,
// XML that does not validate, an unknown owner, a file over a limit: exit
// status 1, a message naming the problem, nothing created (no project,
// no asset row, no file under assets/ or tmp/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, join, makeProject, makeUser, startServer, storeSql, tempDir } from './harness.mjs';
import { RATE, parseWav, pushOps, toneWav, uploadAsset } from './preview_lib.mjs';
import { comparable } from './dawproject_lib.mjs';

let server; let dana; let src; let exported;
const work = tempDir('mixroom-dpcli-');

before(async () => {
  server = await startServer();
  dana = makeUser(server, 'dana');
  src = makeProject(server, 'CLI Session', 'dana');
  const { client } = await join(server, dana, src);
  const aVox = await uploadAsset(server, dana, src, client, 'vox take.wav', toneWav(440, 3, 0.4));
  const aGtr = await uploadAsset(server, dana, src, client, 'gtr.wav', toneWav(300, 2, 0.3));
  await pushOps(client, [
    { op: 'create', id: 't_vox', kind: 'track', fields: { name: 'Vocals', order: 'a1', gain: -6, pan: -0.5, color: '#cc3344' } },
    { op: 'create', id: 't_gtr', kind: 'track', fields: { name: 'Guitar', order: 'a2', gain: -1 } },
    { op: 'create', id: 'k_keys', kind: 'track', fields: { name: 'Keys', order: 'a3', role: 'instrument', instrument: { type: 'synth', preset: 'pad', cutoff: 1234 } } },
    { op: 'create', id: 'b_verb', kind: 'track', fields: { name: 'Verb', order: 'a4', role: 'bus' } },
  ]);
  await pushOps(client, [
    { op: 'set', id: 'project', fields: { tempo: 96, meter: [3, 4], master_gain: -1 } },
    { op: 'create', id: 'c_vox', kind: 'clip', fields: { track: 't_vox', asset: aVox, start: 48000, offset: 4800, length: 96000, fade_in: 2400, gain: -3, name: 'Verse vox' } },
    { op: 'create', id: 'c_gtr', kind: 'clip', fields: { track: 't_gtr', asset: aGtr, start: 0, length: 96000 } },
    { op: 'create', id: 'c_keys', kind: 'clip', fields: { track: 'k_keys', start: 0, length: 240000, name: 'Pad' } },
    { op: 'create', id: 'n_1', kind: 'note', fields: { clip: 'c_keys', at: 0, len: 480, pitch: 60, vel: 100 } },
    { op: 'create', id: 'n_2', kind: 'note', fields: { clip: 'c_keys', at: 960, len: 960, pitch: 64, vel: 127 } },
    { op: 'create', id: 'm_intro', kind: 'marker', fields: { at: 0, name: 'Intro' } },
    { op: 'create', id: 's_vox', kind: 'send', fields: { track: 't_vox', target: 'b_verb', level: -10, pre: true } },
    { op: 'create', id: 'e_eq', kind: 'effect', fields: { track: 't_vox', type: 'eq', order: 'a1', params: { bands: [{ type: 'peak', freq: 2500, gain: 3, q: 1.2 }] } } },
    { op: 'create', id: 'e_rev', kind: 'effect', fields: { track: 'b_verb', type: 'reverb', params: { size: 0.7, mix: 1 } } },
    { op: 'create', id: 'au_gain', kind: 'automation', fields: { track: 't_vox', param: 'gain', points: [[0, -6], [48000, 0]] } },
  ]);
  await client.close();
  exported = path.join(work, 'session.dawproject');
  const r = cli(['export-dawproject', src, exported], { dataDir: server.dataDir });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => { await server.stop(); });

/** The projects, asset rows and files: what a refused import must leave alone. */
function state() {
  const walk = (d) => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])) : []);
  return JSON.stringify({
    rows: storeSql(server.dataDir, 'SELECT id, name, head_rev FROM projects ORDER BY id; SELECT id, project_id, state FROM assets ORDER BY id; SELECT count(*) FROM ops; SELECT count(*) FROM objects'),
    files: walk(path.join(server.dataDir, 'assets')).sort(),
    tmp: walk(path.join(server.dataDir, 'tmp')).sort(),
  });
}

async function welcomeOf(project) {
  const { client, welcome } = await join(server, dana, project);
  await client.close();
  return welcome;
}

test('export-dawproject, then import-dawproject: the same document, audio as ready assets, and the server opens, plays and exports it', async () => {
  const r = cli(['import-dawproject', exported, '--owner', 'dana', '--name', 'CLI Session back'], { dataDir: server.dataDir });
  assert.equal(r.status, 0, r.stderr);
  const m = /imported .* as project (\S+) \(4 tracks, 3 clips, 2 notes, 1 markers, 2 audio files\), owner dana/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const pid = m[1];
  assert.notEqual(pid, src);
  assert.doesNotMatch(r.stdout, /dropped:/, 'nothing of a mixroom project is dropped');
  // the running server opens it from the store (revision 1, kind import)
  const a = await welcomeOf(src);
  const b = await welcomeOf(pid);
  assert.equal(b.rev, 1);
  const want = comparable(a); const got = comparable(b);
  assert.equal(want.tracks.length, 4);
  assert.equal(want.clips.find((c) => c.name === 'Verse vox').gain, -3);
  for (const k of Object.keys(want)) {
    if (k === 'project') continue; // the name differs (--name)
    assert.deepEqual(got[k], want[k], `${k} differ`);
  }
  assert.equal(b.snapshot.objects.find((o) => o.kind === 'project').name, 'CLI Session back');
  assert.deepEqual(b.assets.map((x) => x.state), ['ready', 'ready']);
  const hist = storeSql(server.dataDir, `SELECT rev, kind, summary FROM ops WHERE project_id='${pid}'`);
  assert.match(hist, /^1\|import\|.*imported a DAWproject file: 4 tracks, 3 clips, 2 notes$/);
  assert.equal(storeSql(server.dataDir, `SELECT m.role FROM members m JOIN users u ON u.id=m.user_id WHERE m.project_id='${pid}' AND u.name='dana'`), 'owner');
  // the mixes of both projects are the same samples
  const mix = async (p) => {
    const x = await fetch(`${server.url}/api/projects/${p}/export?format=wav32`, { headers: { authorization: `Bearer ${dana.token}` } });
    assert.equal(x.status, 200, await x.clone().text());
    return parseWav(Buffer.from(await x.arrayBuffer()));
  };
  const ma = await mix(src); const mb = await mix(pid);
  assert.equal(mb.frames, ma.frames);
  let diff = 0; let peak = 0;
  for (let i = 0; i < ma.samples.length; i++) { diff = Math.max(diff, Math.abs(ma.samples[i] - mb.samples[i])); peak = Math.max(peak, Math.abs(ma.samples[i])); }
  assert.ok(peak > 0.05, `the mix sounds (${peak})`);
  assert.ok(diff < 1e-6, `the mixes differ by ${diff}`);
  // without --name: metadata.xml's Title
  const r2 = cli(['import-dawproject', exported, '--owner', 'dana'], { dataDir: server.dataDir });
  assert.equal(r2.status, 0, r2.stderr);
  const pid2 = /as project (\S+)/.exec(r2.stdout)[1];
  assert.equal(storeSql(server.dataDir, `SELECT name FROM projects WHERE id='${pid2}'`), 'CLI Session');
});

test('refusals name the problem, exit 1 (2 for usage) and create nothing', async () => {
  const notZip = path.join(work, 'not.dawproject');
  fs.writeFileSync(notZip, 'this is not a zip file at all');
  // project.xml that does not validate against Project.xsd
  const badXml = path.join(work, 'badxml.dawproject');
  const py = spawnSync('python3', ['-c', `import zipfile,sys
with zipfile.ZipFile(sys.argv[1],'w') as z: z.writestr('project.xml','<Project version="1.0"><Nonsense/></Project>')`, badXml]);
  assert.equal(py.status, 0, String(py.stderr));
  const before = state();
  const cases = [
    [[notZip, '--owner', 'dana'], 1, /not a zip archive.*nothing was created/],
    [[badXml, '--owner', 'dana'], 1, /project\.xml.*nothing was created/],
    [[exported, '--owner', 'nobody'], 1, /no user named 'nobody'/],
    [[path.join(work, 'absent.dawproject'), '--owner', 'dana'], 1, /absent\.dawproject: No such file/],
    [[exported], 2, /--owner USER is required/],
    [[exported, '--owner', 'dana', '--name', ''], 2, /--name must be 1 to 200 characters/],
  ];
  for (const [args, status, re] of cases) {
    const r = cli(['import-dawproject', ...args], { dataDir: server.dataDir });
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(state(), before, `${args.join(' ')}: nothing created`);
  }
  // a limit: the file over max_dawproject_bytes, named
  const r = cli(['import-dawproject', exported, '--owner', 'dana'], { dataDir: server.dataDir, env: { MIXROOM_MAX_DAWPROJECT_BYTES: '2048' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /larger than the limit of 2048 bytes \(setting max_dawproject_bytes\)/);
  // an audio file past max_upload_seconds: refused after its import began; its files are removed
  const r2 = cli(['import-dawproject', exported, '--owner', 'dana'], { dataDir: server.dataDir, env: { MIXROOM_MAX_UPLOAD_SECONDS: '1' } });
  assert.equal(r2.status, 1, r2.stderr);
  assert.match(r2.stderr, /audio file "audio\/.*\.wav" cannot be imported: .*max_upload_seconds/);
  assert.equal(state(), before, 'nothing created');
  assert.equal(RATE, 48000);
});
