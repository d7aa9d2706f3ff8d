// coedit.test.mjs -- co-editing on the real server with real WebSocket
// clients: hello/welcome, push -> delta to everyone (the author's carrying
// its seq), reject to the author alone, idempotent resend, catch-up with
// `since`, undo/redo across two users, presence and `left`, history.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMember, connect, join, makeProject, makeUser, sleep, startServer } from './harness.mjs';
import { Doc, ackOf, canon } from './coedit_lib.mjs';

async function setup() {
  const s = await startServer();
  const ana = makeUser(s, 'ana');
  const ben = makeUser(s, 'ben');
  const viewer = makeUser(s, 'vic');
  const p = makeProject(s, 'Song', 'ana');
  addMember(s, p, 'ben', 'editor');
  addMember(s, p, 'vic', 'viewer');
  return { s, ana, ben, viewer, p };
}

test('hello: bad token, non-member, welcome shape and byte-identical snapshots', async () => {
  const { s, ana, p } = await setup();
  try {
    const stranger = makeUser(s, 'zed');
    const c = await connect(s);
    let r = await c.request({ type: 'hello', token: 'nope', project: p, client: 'c1' });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'unauthorized');
    r = await c.request({ type: 'hello', token: stranger.token, project: p, client: 'c1' });
    assert.equal(r.code, 'forbidden');
    r = await c.request({ type: 'hello', token: ana.token, project: p, client: 'bad id!' });
    assert.equal(r.code, 'bad_request');
    r = await c.request({ type: 'push', seq: 1, ops: [] });
    assert.equal(r.code, 'unauthorized');
    const w = await c.request({ type: 'hello', token: ana.token, project: p, client: 'c1', since: null });
    assert.equal(w.type, 'welcome');
    assert.equal(w.rev, 0);
    assert.equal(w.role, 'owner');
    assert.equal(w.user.name, 'ana');
    assert.equal(w.last_seq, 0);
    assert.deepEqual(w.members.map((m) => m.name), ['ana', 'ben', 'vic']);
    assert.ok(Array.isArray(w.presence));
    assert.ok(Array.isArray(w.assets));
    assert.equal(w.snapshot.project.id, p);
    assert.ok(w.snapshot.objects.find((o) => o.id === 'project'));
    assert.deepEqual(w.snapshot.comments, []);
    r = await c.request({ type: 'hello', token: ana.token, project: p, client: 'c1' });
    assert.equal(r.code, 'conflict');

    // Two welcomes of the same state: the same document bytes.
    const raw = [];
    for (let i = 0; i < 2; i++) {
      const x = await connect(s);
      const text = await new Promise((resolve) => {
        x.ws.once('message', (d) => resolve(d.toString()));
        x.send({ type: 'hello', id: 9, token: ana.token, project: p, client: `cx${i}` });
      });
      raw.push(text.match(/"snapshot":(\{.*\})\s*[,}]/)[1].slice(0, 10000));
      await x.close();
    }
    assert.equal(raw[0], raw[1]);
    await c.close();
  } finally {
    await s.stop();
  }
});

test('a push reaches every client; an invalid push is rejected to its author alone', async () => {
  const { s, ana, ben, viewer, p } = await setup();
  try {
    const a = await join(s, ana, p);
    const b = await join(s, ben, p);
    const v = await join(s, viewer, p);
    a.client.send({ type: 'push', seq: 1, base: 0, ops: [
      { op: 'create', id: 't_bass', kind: 'track', fields: { name: 'Bass', order: 'a5' } },
      { op: 'create', id: 'm_1', kind: 'marker', fields: { at: 48000, name: 'Verse' } }] });
    const da = await ackOf(a.client, 1);
    assert.equal(da.rev, 1);
    assert.equal(da.user.length > 0, true);
    assert.equal(da.ops.length, 2);
    assert.equal(da.ops[0].fields.gain, 0); // defaults filled in
    for (const x of [b, v]) {
      const d = await x.client.next((m) => m.type === 'delta');
      assert.equal(d.rev, 1);
      assert.equal(d.seq, 1);
      assert.equal(d.client, a.client.clientId);
    }

    // Invalid: second op refers to a missing object. Nobody else hears.
    a.client.send({ type: 'push', seq: 2, base: 1, ops: [
      { op: 'set', id: 't_bass', fields: { gain: -3.5 } },
      { op: 'set', id: 'c_missing', fields: { gain: 1 } }] });
    const rej = await a.client.next((m) => m.type === 'reject');
    assert.equal(rej.seq, 2);
    assert.equal(rej.op, 1);
    assert.ok(['not_found', 'invalid_value'].includes(rej.code));
    assert.match(rej.message, /c_missing/);
    a.client.send({ type: 'push', seq: 3, ops: [{ op: 'set', id: 't_bass', fields: { gain: 99 } }] });
    const rej2 = await a.client.next((m) => m.type === 'reject');
    assert.equal(rej2.code, 'invalid_value');
    assert.equal(rej2.op, 0);
    assert.match(rej2.message, /gain/);
    await b.client.none((m) => m.type === 'delta' || m.type === 'reject');
    await v.client.none((m) => m.type === 'delta' || m.type === 'reject');

    // The viewer may not push.
    v.client.send({ type: 'push', seq: 1, ops: [{ op: 'delete', id: 'm_1' }] });
    const ve = await v.client.next((m) => m.type === 'error' || m.type === 'reject');
    assert.equal(ve.code, 'forbidden');

    // The document is unchanged by the rejects: gain still 0.
    const fresh = await join(s, ben, p);
    const t = fresh.welcome.snapshot.objects.find((o) => o.id === 't_bass');
    assert.equal(t.gain, 0);
    assert.equal(fresh.welcome.rev, 1);
    for (const x of [a, b, v, fresh]) await x.client.close();
  } finally {
    await s.stop();
  }
});

test('resend after reconnect applies once; since gets exactly the missed deltas', async () => {
  const { s, ana, ben, p } = await setup();
  try {
    const a = await join(s, ana, p, { client: 'tab-a' });
    const b = await join(s, ben, p, { client: 'tab-b' });
    const docB = new Doc();
    docB.loadWelcome(b.welcome);
    a.client.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 't1', kind: 'track', fields: { name: 'One' } }] });
    await ackOf(a.client, 1);
    docB.applyDelta(await b.client.next((m) => m.type === 'delta'));
    await b.client.close();

    // While ben is away: three revisions.
    for (let i = 2; i <= 4; i++) {
      a.client.send({ type: 'push', seq: i, ops: [{ op: 'set', id: 't1', fields: { pan: i / 10 } }] });
      await ackOf(a.client, i);
    }
    // ana resends seq 3 and 4 (as after a reconnect): acknowledged, not applied.
    await a.client.close();
    const a2 = await join(s, ana, p, { client: 'tab-a', since: 4 });
    assert.equal(a2.welcome.last_seq, 4);
    assert.deepEqual(a2.welcome.deltas, []);
    a2.client.clientId = 'tab-a';
    a2.client.send({ type: 'push', seq: 3, ops: [{ op: 'set', id: 't1', fields: { pan: 0.3 } }] });
    const again = await ackOf(a2.client, 3);
    assert.equal(again.rev, 3);
    a2.client.send({ type: 'push', seq: 5, ops: [{ op: 'set', id: 't1', fields: { mute: true } }] });
    const d5 = await ackOf(a2.client, 5);
    assert.equal(d5.rev, 5);

    const b2 = await join(s, ben, p, { client: 'tab-b', since: docB.rev });
    assert.deepEqual(b2.welcome.deltas.map((d) => d.rev), [2, 3, 4, 5]);
    assert.deepEqual(b2.welcome.deltas.map((d) => d.seq), [2, 3, 4, 5]);
    docB.loadWelcome(b2.welcome);
    const snap = await join(s, ben, p);
    const docS = new Doc();
    docS.loadWelcome(snap.welcome);
    assert.equal(docB.canonical(), docS.canonical());
    assert.equal(snap.welcome.rev, 5);
    // since ahead of the server: a snapshot.
    const far = await join(s, ben, p, { since: 999 });
    assert.ok(far.welcome.snapshot);
    for (const x of [a2, b2, snap, far]) await x.client.close();
  } finally {
    await s.stop();
  }
});

test('undo and redo per user: the other user\'s later change survives', async () => {
  const { s, ana, ben, p } = await setup();
  try {
    const a = await join(s, ana, p);
    const b = await join(s, ben, p);
    const r0 = await a.client.request({ type: 'undo' });
    assert.equal(r0.type, 'error');
    assert.equal(r0.code, 'conflict');

    a.client.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 't1', kind: 'track', fields: { name: 'Bass' } }] });
    await ackOf(a.client, 1);
    a.client.send({ type: 'push', seq: 2, ops: [{ op: 'set', id: 't1', fields: { gain: -6, pan: 0.5 } }] });
    await ackOf(a.client, 2);
    // ben changes pan afterwards.
    b.client.send({ type: 'push', seq: 1, ops: [{ op: 'set', id: 't1', fields: { pan: -0.25 } }] });
    await ackOf(b.client, 1);

    // ana undoes her set: gain back to 0, ben's pan survives.
    const u = await a.client.request({ type: 'undo' });
    assert.equal(u.type, 'delta');
    assert.equal(u.undo_of, 2);
    const ub = await b.client.next((m) => m.type === 'delta' && m.undo_of === 2);
    assert.equal(ub.rev, u.rev);
    let w = (await join(s, ben, p)).welcome;
    let t = w.snapshot.objects.find((o) => o.id === 't1');
    assert.equal(t.gain, 0);
    assert.equal(t.pan, -0.25);

    // redo puts her gain back.
    const r = await a.client.request({ type: 'redo' });
    assert.equal(r.type, 'delta');
    assert.equal(r.redo_of, u.rev);
    w = (await join(s, ben, p)).welcome;
    t = w.snapshot.objects.find((o) => o.id === 't1');
    assert.equal(t.gain, -6);
    assert.equal(t.pan, -0.25);

    // undo twice: the set, then the create (the track goes).
    assert.equal((await a.client.request({ type: 'undo' })).type, 'delta');
    const u2 = await a.client.request({ type: 'undo' });
    assert.equal(u2.undo_of, 1);
    assert.ok(u2.ops.some((o) => o.op === 'delete' && o.id === 't1'));
    // ben's undo is his own: his set targets a track that is gone -> skipped -> conflict.
    const bu = await b.client.request({ type: 'undo' });
    assert.equal(bu.type, 'error');
    assert.equal(bu.code, 'conflict');
    // A new push clears ana's redo stack.
    a.client.send({ type: 'push', seq: 3, ops: [{ op: 'create', id: 'm1', kind: 'marker', fields: { at: 0 } }] });
    await ackOf(a.client, 3);
    const rr = await a.client.request({ type: 'redo' });
    assert.equal(rr.code, 'conflict');
    await a.client.close();
    await b.client.close();
  } finally {
    await s.stop();
  }
});

test('presence is relayed, coalesced, and `left` follows a disconnect', async () => {
  const { s, ana, ben, p } = await setup();
  try {
    const a = await join(s, ana, p, { client: 'pa' });
    const b = await join(s, ben, p, { client: 'pb' });
    for (let i = 0; i < 50; i++) a.client.send({ type: 'presence', cursor: i, playhead: i * 10, selection: ['t1'], view: [0, 480000] });
    await sleep(400);
    const got = b.client.inbox.filter((m) => m.type === 'presence');
    assert.ok(got.length >= 1 && got.length <= 10, `coalesced to ${got.length}`);
    assert.equal(got[got.length - 1].cursor, 49);
    assert.equal(got[0].client, 'pa');
    const bad = await a.client.request({ type: 'presence', cursor: -5 });
    assert.equal(bad.code, 'invalid_value');
    // A newcomer sees ana's presence in its welcome.
    const c = await join(s, ben, p, { client: 'pc' });
    const pr = c.welcome.presence.find((x) => x.client === 'pa');
    assert.equal(pr.cursor, 49);
    await a.client.close();
    const left = await b.client.next((m) => m.type === 'left');
    assert.equal(left.client, 'pa');
    await b.client.close();
    await c.client.close();
  } finally {
    await s.stop();
  }
});

test('history pages newest first with summaries, filtered by user', async () => {
  const { s, ana, ben, p } = await setup();
  try {
    const a = await join(s, ana, p);
    const b = await join(s, ben, p);
    a.client.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 't1', kind: 'track', fields: { name: 'Bass' } }] });
    await ackOf(a.client, 1);
    b.client.send({ type: 'push', seq: 1, ops: [{ op: 'set', id: 't1', fields: { gain: -3.5 } }] });
    await ackOf(b.client, 1);
    a.client.send({ type: 'push', seq: 2, ops: [{ op: 'create', id: 'm1', kind: 'marker', fields: { at: 0 } }] });
    await ackOf(a.client, 2);
    let h = await a.client.request({ type: 'history', before: null, limit: 50, user: null });
    assert.equal(h.type, 'history');
    assert.deepEqual(h.entries.map((e) => e.rev), [3, 2, 1]);
    assert.equal(h.entries[1].user_name, 'ben');
    assert.ok(h.entries.every((e) => typeof e.summary === 'string' && typeof e.ts === 'number' && Array.isArray(e.ops)));
    h = await a.client.request({ type: 'history', before: 3, limit: 1 });
    assert.deepEqual(h.entries.map((e) => e.rev), [2]);
    assert.equal(h.more, true);
    const anaId = h.entries.length && (await a.client.request({ type: 'history', limit: 1 })).entries[0].user;
    h = await a.client.request({ type: 'history', user: anaId });
    assert.deepEqual(h.entries.map((e) => e.rev), [3, 1]);
    const e = await a.client.request({ type: 'history', limit: 500 });
    assert.equal(e.code, 'invalid_value');
    await a.client.close();
    await b.client.close();
  } finally {
    await s.stop();
  }
});

export { canon };
