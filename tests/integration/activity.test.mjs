// activity.test.mjs -- the activity feed end to end on the real server:
// who gets an item for a mention, a comment, a reply, a new version, a
// status change, a join and a member change (never the actor); the live
// `activity` message with the unread count; GET /api/activity with its
// filters and paging; POST /api/activity/read; refused requests that name
// the problem and change nothing; the version status log.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addMember, http, join, makeProject, makeUser, startServer } from './harness.mjs';
import { sql } from './auth_lib.mjs';

const RATE = 48000;
const ITEM_KEYS = ['actor', 'id', 'kind', 'project', 'project_name', 'read', 'text', 'ts', 'url'];

async function setup() {
  const server = await startServer();
  const ana = makeUser(server, 'ana');
  const ben = makeUser(server, 'ben');
  const cat = makeUser(server, 'cat');
  const project = makeProject(server, 'Feed', 'ana');
  addMember(server, project, 'ben', 'editor');
  addMember(server, project, 'cat', 'commenter');
  const a = await join(server, ana, project);
  const b = await join(server, ben, project);
  const c = await join(server, cat, project);
  ana.id = a.welcome.user.id;
  ben.id = b.welcome.user.id;
  cat.id = c.welcome.user.id;
  return { server, ana, ben, cat, project, a: a.client, b: b.client, c: c.client };
}

const feed = (s, user, q = '') => http(s.server, 'GET', `/api/activity${q}`, { token: user.token });
const activityTable = (s) => sql(s.server, 'SELECT id, user_id, kind, read FROM activity ORDER BY id');

test('mentions, comments and replies reach the right people, live and in the feed', async () => {
  const s = await setup();
  try {
    // cat comments at 0:03 mentioning ben: ben gets the mention, ana (owner) the comment
    const r1 = await s.c.request({ type: 'comment.add', at: RATE * 3, body: '@ben the snare is loud here' });
    assert.equal(r1.type, 'comment', JSON.stringify(r1));
    const cid = r1.comment.id;
    const mb = await s.b.next((m) => m.type === 'activity');
    assert.equal(mb.item.kind, 'mention');
    assert.equal(mb.item.actor, 'cat');
    assert.equal(mb.item.project, s.project);
    assert.equal(mb.item.url, `/p/${s.project}?t=${RATE * 3}&comment=${cid}`);
    assert.match(mb.item.text, /cat mentioned you: @ben the snare is loud here/);
    assert.equal(mb.item.read, false);
    assert.equal(mb.unread, 1);
    assert.deepEqual(Object.keys(mb.item).sort(), ITEM_KEYS);
    const ma = await s.a.next((m) => m.type === 'activity');
    assert.equal(ma.item.kind, 'comment');
    assert.equal(ma.item.url, mb.item.url);
    await s.c.none((m) => m.type === 'activity');       // never the actor
    await s.b.none((m) => m.type === 'activity' && m.item.kind === 'comment'); // the mention only

    // ben replies: cat (the thread's author) is told; ana is not in the thread
    const r2 = await s.b.request({ type: 'comment.add', at: RATE * 3, parent: cid, body: 'turning it down' });
    assert.equal(r2.type, 'comment');
    const rc = await s.c.next((m) => m.type === 'activity');
    assert.equal(rc.item.kind, 'reply');
    assert.equal(rc.item.url, `/p/${s.project}?t=${RATE * 3}&comment=${r2.comment.id}`);
    await s.a.none((m) => m.type === 'activity');
    // ana replies: cat and ben (an earlier replier) are told
    await s.a.request({ type: 'comment.add', at: RATE * 3, parent: cid, body: 'thanks both' });
    assert.equal((await s.c.next((m) => m.type === 'activity')).item.kind, 'reply');
    const rb = await s.b.next((m) => m.type === 'activity');
    assert.equal(rb.item.kind, 'reply');
    assert.equal(rb.unread, 2);

    // the feed: newest first, the caller's own items only
    let r = await feed(s, s.ben);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items.map((i) => i.kind), ['reply', 'mention']);
    assert.equal(r.json.unread, 2);
    assert.equal(r.json.next_before, null);
    assert.ok(r.json.items[0].id > r.json.items[1].id);
    const mentionId = r.json.items[1].id;
    r = await feed(s, s.ana);
    assert.deepEqual(r.json.items.map((i) => i.kind), ['comment']);
    r = await feed(s, s.cat);
    assert.deepEqual(r.json.items.map((i) => [i.kind, i.actor]), [['reply', 'ana'], ['reply', 'ben']]);

    // filters and paging
    r = await feed(s, s.ben, `?project=${s.project}`);
    assert.equal(r.json.items.length, 2);
    r = await feed(s, s.ben, '?project=p_other');
    assert.deepEqual(r.json.items, []);
    r = await feed(s, s.ben, '?limit=1');
    assert.equal(r.json.items.length, 1);
    assert.equal(r.json.items[0].kind, 'reply');
    assert.equal(r.json.next_before, r.json.items[0].id);
    r = await feed(s, s.ben, `?limit=1&before=${r.json.next_before}`);
    assert.deepEqual(r.json.items.map((i) => i.id), [mentionId]);

    // refused queries name the parameter and change nothing
    const before = activityTable(s);
    for (const [q, name] of [['?limit=0', 'limit'], ['?limit=201', 'limit'], ['?limit=x', 'limit'],
      ['?before=-1', 'before'], ['?before=1e3', 'before'], ['?unread=yes', 'unread'], ['?project=', 'project']]) {
      r = await feed(s, s.ben, q);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.code, 'invalid_value', q);
      assert.match(r.json.message, new RegExp(name), q);
    }
    assert.equal((await http(s.server, 'GET', '/api/activity')).status, 401);

    // read marks: refused bodies first, nothing changes
    const read = (body, user = s.ben) => http(s.server, 'POST', '/api/activity/read', { token: user.token, body });
    r = await read({});
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'bad_request');
    assert.match(r.json.message, /upto/);
    for (const bad of [{ upto: 'x' }, { upto: 0 }, { upto: -5 }, { upto: 1.5 }, { upto: null }]) {
      r = await read(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.json.code, 'invalid_value');
      assert.match(r.json.message, /upto/);
    }
    assert.equal((await read('{"upto":')).status, 400);
    assert.equal((await read('[1]')).status, 400);
    assert.equal(activityTable(s), before);

    // mark the mention read: one item, the other socket hears it
    r = await read({ upto: mentionId });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { ok: true, marked: 1, unread: 1 });
    const rm = await s.b.next((m) => m.type === 'activity.read');
    assert.deepEqual(rm, { type: 'activity.read', upto: mentionId, unread: 1 });
    r = await feed(s, s.ben, '?unread=1');
    assert.deepEqual(r.json.items.map((i) => i.kind), ['reply']);
    // someone else's read mark does not touch ben's items
    r = await read({ upto: 1000000 }, s.cat);
    assert.equal(r.json.marked, 2);
    assert.equal((await feed(s, s.ben)).json.unread, 1);
    // mark all
    r = await read({ upto: (await feed(s, s.ben)).json.items[0].id });
    assert.deepEqual(r.json, { ok: true, marked: 1, unread: 0 });
    assert.ok((await feed(s, s.ben)).json.items.every((i) => i.read === true));
  } finally {
    await s.server.stop();
  }
});

test('versions, status changes with their log, joins and member changes', async () => {
  const s = await setup();
  try {
    // a new version: every member but its author
    const v = await s.a.request({ type: 'version.create', name: 'Mix 1' });
    assert.equal(v.type, 'version', JSON.stringify(v));
    const vid = v.version.id;
    assert.deepEqual(v.version.status_log, []);
    for (const cl of [s.b, s.c]) {
      const m = await cl.next((x) => x.type === 'activity');
      assert.equal(m.item.kind, 'version');
      assert.equal(m.item.url, `/p/${s.project}?version=${vid}`);
      assert.match(m.item.text, /ana saved the version Mix 1/);
    }
    await s.a.none((m) => m.type === 'activity');

    // status: ben moves it to review with a note; ana approves
    const st1 = await s.b.request({ type: 'version.set_status', version: vid, status: 'in_review', note: 'ready for ears' });
    assert.equal(st1.version.status, 'in_review', JSON.stringify(st1));
    const m1 = await s.a.next((x) => x.type === 'activity');
    assert.equal(m1.item.kind, 'status');
    assert.match(m1.item.text, /ben moved the version Mix 1: draft → in_review/);
    await s.c.next((x) => x.type === 'activity' && x.item.kind === 'status');
    const st2 = await s.a.request({ type: 'version.set_status', version: vid, status: 'approved' });
    assert.equal(st2.version.status, 'approved');
    const log = st2.version.status_log;
    assert.equal(log.length, 2);
    assert.deepEqual(log.map((e) => [e.from, e.to, e.by, e.note]),
      [['draft', 'in_review', s.ben.id, 'ready for ears'], ['in_review', 'approved', s.ana.id, null]]);
    assert.equal(log[0].by_name, 'ben');
    assert.ok(log[0].at > 0 && log[1].at >= log[0].at);
    const list = await s.c.request({ type: 'version.list' });
    assert.deepEqual(list.versions[0].status_log, log);
    // a refused move leaves the log alone
    const bad = await s.b.request({ type: 'version.set_status', version: vid, status: 'draft' });
    assert.equal(bad.code, 'conflict');
    const badNote = await s.b.request({ type: 'version.set_status', version: vid, status: 'draft', note: 5 });
    assert.equal(badNote.code, 'invalid_value');
    assert.equal((await s.c.request({ type: 'version.list' })).versions[0].status_log.length, 2);

    // a join by invite: the owner hears it
    const dan = makeUser(s.server, 'dan');
    const inv = await http(s.server, 'POST', `/api/projects/${s.project}/invites`, { token: s.ana.token, body: { role: 'viewer' } });
    assert.equal(inv.status, 201);
    assert.equal((await http(s.server, 'POST', `/api/invites/${inv.json.token}`, { token: dan.token })).status, 200);
    const mj = await s.a.next((x) => x.type === 'activity' && x.item.kind === 'join');
    assert.match(mj.item.text, /dan joined the project \(viewer\)/);
    await s.b.none((x) => x.type === 'activity' && x.item.kind === 'join');

    // a member change: the member hears it
    const pr = await http(s.server, 'PATCH', `/api/projects/${s.project}/members/${s.cat.id}`, { token: s.ana.token, body: { role: 'editor' } });
    assert.equal(pr.status, 200);
    const mm = await s.c.next((x) => x.type === 'activity' && x.item.kind === 'member');
    assert.match(mm.item.text, /ana made you editor of the project/);
    const feedCat = await feed(s, s.cat);
    assert.deepEqual(feedCat.json.items.map((i) => i.kind), ['member', 'status', 'status', 'version']);
  } finally {
    await s.server.stop();
  }
});
