// review.test.mjs -- comments, versions, restore and diff over the real
// server: a comment thread from three users with permissions per role,
// changed_since when the clip moves, restore then catch-up of a late
// client, diff between two versions, the version workflow and the
// approved lock, comments surviving undo and restore, and documents
// rebuilt at past revisions (through diff from revision 0) equal to what
// the clients held at each revision.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addMember, join, makeProject, makeUser, startServer } from './harness.mjs';
import { canon as canonJson } from './coedit_lib.mjs';
import { toneWav, uploadAsset } from './preview_lib.mjs';

const RATE = 48000;

async function setup() {
  const server = await startServer();
  const ana = makeUser(server, 'ana');
  const ben = makeUser(server, 'ben');
  const cat = makeUser(server, 'cat');
  const dan = makeUser(server, 'dan');
  const project = makeProject(server, 'Review', 'ana');
  addMember(server, project, 'ben', 'editor');
  addMember(server, project, 'cat', 'commenter');
  addMember(server, project, 'dan', 'viewer');
  const a = await join(server, ana, project);
  ana.id = a.welcome.user.id;
  let seq = 0;
  const push = async (ops) => {
    seq += 1;
    const my = seq;
    a.client.send({ type: 'push', seq: my, base: 0, ops });
    const d = await a.client.next((m) => (m.type === 'delta' && m.seq === my) || (m.type === 'reject' && m.seq === my), 20000);
    assert.equal(d.type, 'delta', JSON.stringify(d));
    return d.rev;
  };
  return { server, ana, ben, cat, dan, project, a: a.client, push };
}

async function withClip(s) {
  const asset = await uploadAsset(s.server, s.ana, s.project, s.a, 'tone.wav', toneWav(440, 4));
  await s.push([
    { op: 'create', id: 't_bass', kind: 'track', fields: { name: 'Bass', order: 'a5' } },
    { op: 'create', id: 't_keys', kind: 'track', fields: { name: 'Keys', order: 'a6' } },
    { op: 'create', id: 'c_1', kind: 'clip', fields: { track: 't_bass', asset, start: 0, length: RATE * 2 } },
  ]);
  return asset;
}

test('a comment thread from three users, with permissions per role', async () => {
  const s = await setup();
  try {
    await withClip(s);
    const b = await join(s.server, s.ben, s.project);
    const c = await join(s.server, s.cat, s.project);
    const d = await join(s.server, s.dan, s.project);
    const benId = b.welcome.user.id;
    const catId = c.welcome.user.id;

    // cat comments at 1:42 on the clip, mentioning ben
    const r1 = await c.client.request({ type: 'comment.add', at: RATE * 102, clip: 'c_1', body: '@ben the snare is loud here, @nobody.' });
    assert.equal(r1.type, 'comment', JSON.stringify(r1));
    const root = r1.comment;
    assert.equal(root.author, catId);
    assert.equal(root.track, 't_bass');
    assert.deepEqual(root.mentions, [benId]);
    assert.equal(root.parent, null);
    assert.equal(r1.rev, root.rev);
    const seen = await b.client.next((m) => m.type === 'comment' && m.comment.id === root.id);
    assert.equal(seen.id, undefined);
    assert.equal(seen.rev, r1.rev);

    // ben replies; ana replies to ben's reply: it joins the thread root
    const r2 = await b.client.request({ type: 'comment.add', at: RATE * 102, parent: root.id, body: 'agreed' });
    assert.equal(r2.comment.parent, root.id);
    const r3 = await s.a.request({ type: 'comment.add', at: RATE * 102, parent: r2.comment.id, body: 'fixing it' });
    assert.equal(r3.comment.parent, root.id);

    // the viewer cannot comment
    const r4 = await d.client.request({ type: 'comment.add', at: 0, body: 'hi' });
    assert.equal(r4.code, 'forbidden');

    // validation names the field
    for (const [msg, field] of [
      [{ at: 0, body: '' }, 'body'],
      [{ at: 0, body: 'x'.repeat(4001) }, 'body'],
      [{ at: -1, body: 'x' }, 'at'],
      [{ at: 100, end: 50, body: 'x' }, 'end'],
      [{ at: 0, clip: 'c_nope', body: 'x' }, 'clip'],
      [{ at: 0, track: 'c_1', body: 'x' }, 'track'],
      [{ at: 0, parent: 'cm_nope', body: 'x' }, 'parent'],
    ]) {
      const e = await c.client.request({ type: 'comment.add', ...msg });
      assert.equal(e.code, 'invalid_value', JSON.stringify(e));
      assert.match(e.message, new RegExp(field));
    }
    const ok4000 = await c.client.request({ type: 'comment.add', at: 0, end: 10, body: 'é'.repeat(4000) });
    assert.equal(ok4000.type, 'comment');

    // edit: author only, keeps edited_at
    const e1 = await c.client.request({ type: 'comment.edit', comment: root.id, body: 'the snare is too loud' });
    assert.equal(e1.comment.body, 'the snare is too loud');
    assert.ok(e1.comment.edited_at > 0);
    assert.deepEqual(e1.comment.mentions, []);
    const e2 = await b.client.request({ type: 'comment.edit', comment: root.id, body: 'mine now' });
    assert.equal(e2.code, 'forbidden');
    const e3 = await s.a.request({ type: 'comment.edit', comment: root.id, body: 'owner edit' });
    assert.equal(e3.code, 'forbidden');

    // resolve / reopen by anyone who may comment
    const v1 = await b.client.request({ type: 'comment.resolve', comment: root.id });
    assert.equal(v1.comment.resolved, true);
    assert.equal((await b.client.request({ type: 'comment.resolve', comment: root.id })).code, 'conflict');
    const v2 = await c.client.request({ type: 'comment.reopen', comment: root.id });
    assert.equal(v2.comment.resolved, false);
    assert.equal((await d.client.request({ type: 'comment.resolve', comment: root.id })).code, 'forbidden');

    // delete: the commenter cannot delete others', the owner can
    assert.equal((await c.client.request({ type: 'comment.delete', comment: r2.comment.id })).code, 'forbidden');
    const del = await s.a.request({ type: 'comment.delete', comment: r2.comment.id });
    assert.equal(del.comment.deleted, true);
    assert.equal((await b.client.request({ type: 'comment.edit', comment: r2.comment.id, body: 'x' })).code, 'not_found');
    const own = await c.client.request({ type: 'comment.delete', comment: ok4000.comment.id });
    assert.equal(own.comment.deleted, true);

    // list with filters
    const all = await d.client.request({ type: 'comment.list' });
    assert.deepEqual(all.comments.map((x) => x.id).sort(), [root.id, r3.comment.id].sort());
    const byCat = await d.client.request({ type: 'comment.list', author: catId });
    assert.deepEqual(byCat.comments.map((x) => x.id), [root.id]);
    await b.client.request({ type: 'comment.resolve', comment: r3.comment.id });
    const open = await d.client.request({ type: 'comment.list', status: 'open' });
    assert.deepEqual(open.comments.map((x) => x.id), [root.id]);
    const resolved = await d.client.request({ type: 'comment.list', status: 'resolved' });
    assert.deepEqual(resolved.comments.map((x) => x.id), [r3.comment.id]);
    const onBass = await d.client.request({ type: 'comment.list', track: 't_bass' });
    assert.deepEqual(onBass.comments.map((x) => x.id), [root.id]);
    const early = await d.client.request({ type: 'comment.list', from: 0, to: RATE * 60 });
    assert.deepEqual(early.comments, []);
    const late = await d.client.request({ type: 'comment.list', from: RATE * 100, to: RATE * 110 });
    assert.equal(late.comments.length, 2);

    // a new connection gets the live comments in its welcome
    const w = await join(s.server, s.dan, s.project);
    assert.deepEqual(w.welcome.snapshot.comments.map((x) => x.id).sort(), [root.id, r3.comment.id].sort());

    // history reads like sentences
    const h = await s.a.request({ type: 'history', limit: 50 });
    const sums = h.entries.filter((e) => e.kind === 'comment').map((e) => e.summary);
    assert.ok(sums.includes('cat commented at 1:42'), sums.join(' | '));
    assert.ok(sums.includes('ben replied at 1:42'), sums.join(' | '));
    for (const x of [b, c, d, w]) await x.client.close();
  } finally {
    await s.server.stop();
  }
});

test('changed_since turns on when the clip moves and names the field', async () => {
  const s = await setup();
  try {
    await withClip(s);
    const onClip = (await s.a.request({ type: 'comment.add', at: 1000, clip: 'c_1', body: 'nice' })).comment;
    const onKeys = (await s.a.request({ type: 'comment.add', at: 1000, track: 't_keys', body: 'quiet' })).comment;
    let l = await s.a.request({ type: 'comment.list' });
    assert.ok(l.comments.every((x) => x.changed_since === false));
    await s.push([{ op: 'set', id: 'c_1', fields: { start: 4800 } }]);
    l = await s.a.request({ type: 'comment.list' });
    const byId = Object.fromEntries(l.comments.map((x) => [x.id, x]));
    assert.equal(byId[onClip.id].changed_since, true);
    assert.deepEqual(byId[onClip.id].changed_fields, ['start']);
    assert.equal(byId[onKeys.id].changed_since, false);
    // a deleted track
    await s.push([{ op: 'delete', id: 't_keys' }]);
    const w = await join(s.server, s.ana, s.project);
    const k = w.welcome.snapshot.comments.find((x) => x.id === onKeys.id);
    assert.equal(k.changed_since, true);
    assert.deepEqual(k.changed_fields, ['deleted']);
    await w.client.close();
  } finally {
    await s.server.stop();
  }
});

test('restore to an old revision, then catch-up of a late client; comments survive undo and restore', async () => {
  const s = await setup();
  try {
    const r1 = await s.push([{ op: 'create', id: 't_1', kind: 'track', fields: { name: 'Drums', order: 'a5', gain: -3 } }]);
    const late = await join(s.server, s.ben, s.project);
    const since = late.welcome.rev;
    const lateObjects = late.welcome.snapshot.objects;
    await late.client.close();

    await s.push([{ op: 'set', id: 't_1', fields: { gain: -6 } }]);
    const cm = (await s.a.request({ type: 'comment.add', at: 0, track: 't_1', body: 'too quiet now' })).comment;
    await s.push([{ op: 'create', id: 'm_1', kind: 'marker', fields: { at: 100, name: 'Chorus' } }]);

    // undo skips the comment and undoes the marker; the comment stays
    const u = await s.a.request({ type: 'undo' });
    assert.equal(u.type, 'delta');
    assert.deepEqual(u.ops, [{ op: 'delete', id: 'm_1' }]);
    // restore to r1: gain back to -3, the comment untouched
    const rs = await s.a.request({ type: 'restore', rev: r1 });
    assert.equal(rs.type, 'delta', JSON.stringify(rs));
    assert.equal(rs.restore_of, r1);
    assert.equal(rs.kind, 'restore');
    assert.deepEqual(rs.ops, [{ op: 'set', id: 't_1', fields: { gain: -3 } }]);
    const again = await s.a.request({ type: 'restore', rev: r1 });
    assert.equal(again.code, 'conflict');
    const l = await s.a.request({ type: 'comment.list' });
    assert.deepEqual(l.comments.map((x) => x.id), [cm.id]);
    assert.equal(l.comments[0].body, 'too quiet now');

    // the late client catches up: comment revisions in order among deltas
    const back = await join(s.server, s.ben, s.project, { since });
    const ds = back.welcome.deltas;
    assert.deepEqual(ds.map((x) => x.rev), Array.from({ length: ds.length }, (_, i) => since + 1 + i));
    assert.equal(ds[ds.length - 1].rev, back.welcome.rev);
    const kinds = ds.map((x) => (x.type === 'comment' ? 'comment' : x.kind || (x.undo_of ? 'undo' : 'push')));
    assert.deepEqual(kinds, ['push', 'comment', 'push', 'undo', 'restore']);
    assert.equal(ds[1].comment.id, cm.id);
    const doc = new Map(lateObjects.map((o) => [o.id, { ...o }]));
    for (const x of ds) {
      if (x.type === 'comment') continue;
      for (const op of x.ops) {
        if (op.op === 'create') doc.set(op.id, { id: op.id, kind: op.kind, ...op.fields });
        else if (op.op === 'set') Object.assign(doc.get(op.id), op.fields);
        else doc.delete(op.id);
      }
    }
    const fresh = await join(s.server, s.ana, s.project);
    const canon = (objs) => canonJson([...objs].sort((x, y) => (x.id < y.id ? -1 : 1)));
    assert.equal(canon([...doc.values()]), canon(fresh.welcome.snapshot.objects));
    assert.equal(fresh.welcome.snapshot.objects.find((o) => o.id === 't_1').gain, -3);

    // history says what happened
    const h = await s.a.request({ type: 'history', limit: 3 });
    assert.equal(h.entries[0].summary, `ana restored revision ${r1}`);
    await back.client.close();
    await fresh.client.close();
  } finally {
    await s.server.stop();
  }
});

test('versions: workflow, approved lock, broadcast, diff between two versions', async () => {
  const s = await setup();
  try {
    await s.push([{ op: 'create', id: 't_b', kind: 'track', fields: { name: 'Bass', order: 'a5', gain: -3 } }]);
    const b = await join(s.server, s.ben, s.project);
    const c = await join(s.server, s.cat, s.project);
    const v1 = await b.client.request({ type: 'version.create', name: 'Mix v1', note: 'first pass' });
    assert.equal(v1.type, 'version', JSON.stringify(v1));
    assert.equal(v1.version.status, 'draft');
    const bc = await s.a.next((m) => m.type === 'version' && m.version.id === v1.version.id);
    assert.equal(bc.id, undefined);
    assert.equal((await c.client.request({ type: 'version.create', name: 'x' })).code, 'forbidden');
    assert.equal((await b.client.request({ type: 'version.create', name: '' })).code, 'invalid_value');

    await s.push([{ op: 'set', id: 't_b', fields: { gain: -5.5 } }]);
    const v2 = (await s.a.request({ type: 'version.create', name: 'Mix v2' })).version;
    const d = await c.client.request({ type: 'diff', from: v1.version.id, to: v2.id });
    assert.equal(d.type, 'diff', JSON.stringify(d));
    assert.deepEqual(d.created, []);
    assert.deepEqual(d.deleted, []);
    assert.equal(d.changed.length, 1);
    assert.deepEqual(d.changed[0].fields.gain, [-3, -5.5]);
    assert.match(d.changed[0].summary, /Bass gain/);
    const d0 = await c.client.request({ type: 'diff', from: 0, to: v2.rev });
    assert.equal(d0.created.length, 1);
    assert.equal((await c.client.request({ type: 'diff', from: 0, to: 99999 })).code, 'invalid_value');

    // workflow
    const id = v1.version.id;
    const set = (cl, status) => cl.request({ type: 'version.set_status', version: id, status });
    assert.equal((await set(b.client, 'approved')).code, 'conflict'); // draft -> approved
    assert.equal((await set(c.client, 'in_review')).code, 'forbidden'); // commenter
    assert.equal((await set(b.client, 'in_review')).version.status, 'in_review');
    assert.equal((await set(b.client, 'approved')).code, 'forbidden'); // editors do not approve
    const ch = await set(s.a, 'changes_requested');
    assert.equal(ch.version.status, 'changes_requested');
    assert.equal((await set(b.client, 'in_review')).version.status, 'in_review');
    const ap = await set(s.a, 'approved');
    assert.equal(ap.version.status, 'approved');
    assert.equal(ap.version.status_by, s.ana.id);
    assert.ok(ap.version.status_at > 0);
    assert.equal((await set(s.a, 'draft')).code, 'conflict');
    // the approved lock
    const rn = await s.a.request({ type: 'version.rename', version: id, name: 'Final' });
    assert.equal(rn.code, 'conflict');
    assert.equal((await s.a.request({ type: 'version.delete', version: id })).code, 'conflict');
    // a draft may be renamed and removed
    assert.equal((await b.client.request({ type: 'version.rename', version: v2.id, name: 'Mix 2b' })).version.name, 'Mix 2b');
    const rm = await b.client.request({ type: 'version.delete', version: v2.id });
    assert.equal(rm.version.deleted, true);
    const list = await c.client.request({ type: 'version.list' });
    assert.deepEqual(list.versions.map((v) => [v.id, v.status]), [[id, 'approved']]);
    // a comment records the version current then
    const cm = await c.client.request({ type: 'comment.add', at: 0, body: 'lovely' });
    assert.equal(cm.comment.version, id);
    await b.client.close();
    await c.client.close();
  } finally {
    await s.server.stop();
  }
});

test('the document rebuilt at every past revision equals what the clients held', async () => {
  const s = await setup();
  try {
    // a random history: tracks and markers, sets and deletes, comments
    let x = 7;
    const rnd = (n) => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
    const held = new Map(); // rev -> canonical objects (not the project)
    const doc = new Map();
    const canon = (objs) => canonJson([...objs].sort((a, b) => (a.id < b.id ? -1 : 1)));
    let rev = 0;
    for (let i = 0; i < 120; i++) {
      const ids = [...doc.keys()];
      const k = rnd(6);
      let d;
      if (k === 0 && ids.length) {
        rev = (await s.a.request({ type: 'comment.add', at: rnd(1000), body: `note ${i}` })).rev;
        held.set(rev, canon(doc.values()));
        continue;
      }
      if (ids.length === 0 || k === 1) {
        const id = `t_${i}`;
        const ops = [{ op: 'create', id, kind: 'track', fields: { name: `T${i}`, order: 'a5' } }];
        rev = await s.push(ops);
      } else if (k === 2) {
        const id = ids[rnd(ids.length)];
        rev = await s.push([{ op: 'delete', id }]);
      } else {
        const id = ids[rnd(ids.length)];
        rev = await s.push([{ op: 'set', id, fields: { gain: -rnd(30), mute: rnd(2) === 1 } }]);
      }
      // what the server applied: read it back from the history entry
      d = (await s.a.request({ type: 'history', limit: 1 })).entries[0];
      assert.equal(d.rev, rev);
      for (const op of d.ops) {
        if (op.op === 'create') doc.set(op.id, { id: op.id, kind: op.kind, ...op.fields });
        else if (op.op === 'set') Object.assign(doc.get(op.id), op.fields);
        else doc.delete(op.id);
      }
      held.set(rev, canon(doc.values()));
    }
    for (const [r, want] of held) {
      const diff = await s.a.request({ type: 'diff', from: 0, to: r });
      assert.equal(diff.type, 'diff', JSON.stringify(diff));
      assert.equal(canon(diff.created), want, `revision ${r}`);
    }
    // past stored snapshots (every 500 revisions): a marker moved to
    // `at = rev` by each push, pipelined
    const m0 = await s.push([{ op: 'create', id: 'm_walk', kind: 'marker', fields: { at: 0, name: 'walk' } }]);
    let last = m0;
    while (last < 1010) {
      const n = 1010 - last;
      const revs = [];
      for (let i = 0; i < n; i++) revs.push(s.push([{ op: 'set', id: 'm_walk', fields: { at: last + 1 + i } }]));
      last = Math.max(...(await Promise.all(revs)));
    }
    for (const r of [m0 + 1, 999, 1000, 1001, 1009, 1010]) {
      const diff = await s.a.request({ type: 'diff', from: 0, to: r });
      const m = diff.created.find((o) => o.id === 'm_walk');
      assert.equal(m.at, r, `marker at revision ${r}`);
    }
  } finally {
    await s.server.stop();
  }
});
