// projects_meta.test.mjs -- the project list's own actions over the real
// server (docs/auth.md "Rename, duplicate, delete"): PATCH /api/projects/{id}
// renames (owner only; a revision every open studio sees), POST
// .../duplicate copies the document at head with its asset references for
// any member who may read it (the caller owns the copy; members, comments
// and history are not copied), DELETE removes (owner only). Every refusal
// names the problem and leaves the database as it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addMember, http, join, makeUser, startServer } from './harness.mjs';
import { dump, sql } from './auth_lib.mjs';
import { makeSong, pushOps } from './preview_lib.mjs';

let server; let song; let ben; let cat; let vic; let olga;
before(async () => {
  server = await startServer();
  song = await makeSong(server, 'ana', 1);
  ben = makeUser(server, 'ben');
  cat = makeUser(server, 'cat');
  vic = makeUser(server, 'vic');
  olga = makeUser(server, 'olga');
  addMember(server, song.project, 'ben', 'editor');
  addMember(server, song.project, 'cat', 'commenter');
  addMember(server, song.project, 'vic', 'viewer');
});
after(async () => { await server.stop(); });

const P = () => `/api/projects/${song.project}`;
const as = (u, method, p, body) => http(server, method, p, { token: u.token, body });

test('the owner renames a project: the list, the document and open studios follow', async () => {
  const r = await as(song.user, 'PATCH', P(), { name: 'Second single' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.project.name, 'Second single');
  assert.ok(r.json.rev > song.rev);
  // the open studio of the owner (makeSong's socket) gets the revision
  const d = await song.client.next((m) => m.type === 'delta' && m.rev === r.json.rev);
  assert.deepEqual(d.ops, [{ op: 'set', id: 'project', fields: { name: 'Second single' } }]);
  const list = await as(song.user, 'GET', '/api/projects');
  assert.equal(list.json.projects.find((p) => p.id === song.project).name, 'Second single');
  // a new studio reads it from the document, the history names it
  const { client, welcome } = await join(server, ben, song.project);
  assert.equal(welcome.snapshot.project.name, 'Second single');
  const h = await client.request({ type: 'history', limit: 5 });
  assert.ok(JSON.stringify(h).includes('renamed the project to Second single'), JSON.stringify(h).slice(0, 400));
  client.close();
});

test('rename: editors, commenters, viewers and strangers are refused, bad names name "name", nothing changes', async () => {
  const before = dump(server);
  for (const u of [ben, cat, vic]) {
    const r = await as(u, 'PATCH', P(), { name: 'Mine now' });
    assert.equal(r.status, 403, `${u.name}: ${r.text}`);
    assert.equal(r.json.code, 'forbidden');
  }
  const stranger = await as(olga, 'PATCH', P(), { name: 'Mine now' });
  assert.ok([403, 404].includes(stranger.status), stranger.text);
  for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(201) }, { name: 42 }, {}, '{"name":']) {
    const r = await as(song.user, 'PATCH', P(), body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    if (typeof body !== 'string') assert.match(r.json.message, /name/);
  }
  const same = await as(song.user, 'PATCH', P(), { name: 'Second single' });
  assert.equal(same.status, 409, same.text);
  assert.match(same.json.message, /already named/);
  const unknown = await as(song.user, 'PATCH', '/api/projects/p_nosuchproject', { name: 'x' });
  assert.ok([403, 404].includes(unknown.status), unknown.text);
  assert.equal(dump(server), before);
  // 200 characters (multi-byte ones count once) are fine
  const long = 'é'.repeat(200);
  const ok = await as(song.user, 'PATCH', P(), { name: long });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await as(song.user, 'PATCH', P(), { name: 'Second single' })).status, 200);
});

test('duplicate: the copy has the same objects and asset references, the caller owns it, nothing else is copied', async () => {
  // a comment and a version exist in the source; neither is copied
  const { client } = await join(server, ben, song.project);
  await pushOps(client, [{ op: 'set', id: 'c_low', fields: { gain: -3 } }]);
  const cm = await client.request({ type: 'comment.add', at: 0, body: 'Louder here' });
  assert.equal(cm.type, 'comment', JSON.stringify(cm));
  client.close();
  const srcObjects = sql(server, `SELECT id, kind, body FROM objects WHERE project_id='${song.project}' AND id<>'project' ORDER BY id`);
  const srcAssets = sql(server, `SELECT id, sha256, name, frames FROM assets WHERE project_id='${song.project}' ORDER BY id`);
  const files = sql(server, "SELECT count(DISTINCT sha256) FROM assets");

  const r = await as(vic, 'POST', `${P()}/duplicate`);
  assert.equal(r.status, 201, r.text);
  const copy = r.json.project;
  assert.match(copy, /^p_/);
  assert.notEqual(copy, song.project);
  assert.equal(r.json.name, 'Second single copy');
  assert.equal(sql(server, `SELECT id, kind, body FROM objects WHERE project_id='${copy}' AND id<>'project' ORDER BY id`), srcObjects);
  assert.equal(sql(server, `SELECT id, sha256, name, frames FROM assets WHERE project_id='${copy}' ORDER BY id`), srcAssets);
  assert.equal(sql(server, 'SELECT count(DISTINCT sha256) FROM assets'), files, 'no new audio file');
  assert.equal(sql(server, `SELECT u.name || ':' || m.role FROM members m JOIN users u ON u.id=m.user_id WHERE project_id='${copy}'`), 'vic:owner');
  assert.equal(sql(server, `SELECT count(*) FROM comments WHERE project_id='${copy}'`), '0');
  assert.equal(sql(server, `SELECT count(*) FROM ops WHERE project_id='${copy}'`), '0');

  // the copy opens in the studio as its own project, at revision 0
  const { client: vc, welcome } = await join(server, vic, copy);
  assert.equal(welcome.role, 'owner');
  assert.equal(welcome.rev, 0);
  assert.equal(welcome.snapshot.project.name, 'Second single copy');
  const clips = welcome.snapshot.objects.filter((o) => o.kind === 'clip');
  assert.deepEqual(clips.map((c) => c.id).sort(), ['c_high', 'c_low']);
  assert.equal(clips.find((c) => c.id === 'c_low').gain, -3);
  assert.equal(welcome.snapshot.comments.length, 0);
  assert.ok(welcome.assets.every((a) => a.state === 'ready'), JSON.stringify(welcome.assets));
  // and it is editable on its own: the source does not change
  await pushOps(vc, [{ op: 'set', id: 'c_high', fields: { mute: true } }]);
  vc.close();
  // the body read here, not with json_extract (PostgreSQL has none): SQLite's
  // json_extract gave a JSON false as '0'
  assert.equal(String(Number(JSON.parse(sql(server, `SELECT body FROM objects WHERE project_id='${song.project}' AND id='c_high'`)).mute)), '0');
  // the peaks of a shared asset are served in the copy
  const a = welcome.assets[0].id;
  const pk = await http(server, 'GET', `/api/projects/${copy}/assets/${a}/peaks`, { token: vic.token });
  assert.equal(pk.status, 200);
  // the other members of the source are not members of the copy
  const no = await as(ben, 'GET', `/api/projects/${copy}`);
  assert.ok([403, 404].includes(no.status), no.text);
});

test('duplicate: a stranger and an unknown project are refused and nothing is stored', async () => {
  const before = dump(server);
  const r = await as(olga, 'POST', `${P()}/duplicate`);
  assert.ok([403, 404].includes(r.status), r.text);
  const u = await as(olga, 'POST', '/api/projects/p_nosuchproject/duplicate');
  assert.ok([403, 404].includes(u.status), u.text);
  const anon = await http(server, 'POST', `${P()}/duplicate`);
  assert.equal(anon.status, 401, anon.text);
  assert.equal(dump(server), before);
});

test('delete: only the owner deletes; the project leaves the list', async () => {
  const r0 = await as(cat, 'POST', `${P()}/duplicate`);
  assert.equal(r0.status, 201, r0.text);
  const copy = r0.json.project;
  const before = dump(server);
  for (const u of [ben, vic]) {
    const r = await as(u, 'DELETE', `/api/projects/${song.project}`);
    assert.equal(r.status, 403, r.text);
  }
  assert.equal(dump(server), before);
  const del = await as(cat, 'DELETE', `/api/projects/${copy}`);
  assert.equal(del.status, 200, del.text);
  const list = await as(cat, 'GET', '/api/projects');
  assert.ok(!list.json.projects.some((p) => p.id === copy));
  assert.ok(list.json.projects.some((p) => p.id === song.project));
  // the source's assets are untouched by deleting a copy that shared them
  assert.ok(Number(sql(server, `SELECT count(*) FROM assets WHERE project_id='${song.project}' AND state='ready'`)) >= 2);
});
