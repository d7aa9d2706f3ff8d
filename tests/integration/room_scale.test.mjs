// room_scale.test.mjs -- large rooms on the real server (issue #15,
// h15-room): a restore of a project of a few thousand objects, computed
// off the loop (a job-pool worker diffs a shared view of the room's
// document against the document at the revision), gives the same document
// and the same delta, byte for byte, as the plain path that does it all on
// the loop (the test hook MIXROOM_TEST_RESTORE_ON_LOOP=1); and a restore
// requested while another client keeps pushing still lands on exactly the
// revision's document (diff from the restore's revision to it is empty),
// with every push acknowledged; and a welcome catching up on thousands of
// revisions, read from the log on a worker while another client pushes,
// is complete, in order, followed by exactly the later deltas, and equal
// to the plain path's (MIXROOM_TEST_CATCHUP_ON_LOOP=1), as are history
// pages read on a worker. The store writer, its checkpointer and the job
// workers carry thread names (h15-p99), which tests/bench/room_scale.mjs
// reads to attribute CPU time per thread.
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ON_PG, addMember, join, makeProject, makeUser, startServer } from './harness.mjs';

const TRACKS = 40;

/* The ops that build the project: TRACKS tracks and 2 buses, then per
 * track effects, sends and gain automation, and markers: about 3,000
 * objects in pushes of at most 500 ops. */
function buildOps() {
  const all = [];
  all.push({ op: 'create', id: 'b0', kind: 'track', fields: { name: 'Bus 0', role: 'bus' } });
  all.push({ op: 'create', id: 'b1', kind: 'track', fields: { name: 'Bus 1', role: 'bus' } });
  for (let t = 0; t < TRACKS; t++) all.push({ op: 'create', id: `t${t}`, kind: 'track', fields: { name: `Track ${t}` } });
  for (let i = 0; i < 1200; i++) all.push({ op: 'create', id: `e${i}`, kind: 'effect', fields: { track: `t${i % TRACKS}`, type: i % 2 ? 'eq' : 'compressor' } });
  for (let i = 0; i < 400; i++) all.push({ op: 'create', id: `s${i}`, kind: 'send', fields: { track: `t${i % TRACKS}`, target: `b${i % 2}`, level: -6 } });
  for (let i = 0; i < 400; i++) all.push({ op: 'create', id: `u${i}`, kind: 'automation', fields: { track: `t${i % TRACKS}`, param: 'gain', points: [[0, 0], [48000, -6]] } });
  for (let i = 0; i < 1000; i++) all.push({ op: 'create', id: `m${i}`, kind: 'marker', fields: { at: i * 480, name: `M${i}` } });
  const pushes = [];
  for (let i = 0; i < all.length; i += 500) pushes.push(all.slice(i, i + 500));
  return pushes;
}

/* What happens after the version: effects bypassed, tracks deleted with
 * everything on them, tracks routed to a bus, markers added and moved. */
function changeOps() {
  const p = [];
  p.push(Array.from({ length: 100 }, (_, i) => ({ op: 'set', id: `e${i * 3}`, fields: { bypass: true } })));
  p.push([0, 7, 13, 21, 33].map((t) => ({ op: 'delete', id: `t${t}` })));
  p.push([1, 2, 3, 4, 5, 6, 8, 9, 10, 11].map((t) => ({ op: 'set', id: `t${t}`, fields: { output: 'b0' } })));
  p.push(Array.from({ length: 50 }, (_, i) => ({ op: 'create', id: `n${i}`, kind: 'marker', fields: { at: i, name: 'new' } })));
  p.push(Array.from({ length: 80 }, (_, i) => ({ op: 'set', id: `m${i * 7}`, fields: { at: 5 + i } })));
  return p;
}

/* Pushes ops as seq on c and resolves with its ack (the delta carrying
 * c's client id and seq) or its reject. */
function push(c, seq, ops) {
  c.send({ type: 'push', seq, base: null, ops });
  return c.next((m) => (m.type === 'delta' && m.client === c.clientId && m.seq === seq) ||
    (m.type === 'reject' && m.seq === seq), 30000);
}

async function pushAll(c, pushes, seq0) {
  let seq = seq0;
  let rev = 0;
  for (const ops of pushes) {
    const d = await push(c, ++seq, ops);
    assert.equal(d.type, 'delta', JSON.stringify(d).slice(0, 300));
    rev = d.rev;
  }
  return { seq, rev };
}

const byId = (objs) => [...objs].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

/* Builds the project, changes it, restores the version; returns the
 * restore's delta ops (as JSON text) and the documents. */
async function restoreRun(env) {
  const server = await startServer({ env });
  try {
    const ana = makeUser(server, 'ana');
    const project = makeProject(server, 'Scale', 'ana');
    const { client: a } = await join(server, ana, project, { client: 'c-ana' });
    let { seq, rev: version } = await pushAll(a, buildOps(), 0);
    const at = await join(server, ana, project, { client: 'c-look' });
    const versionDoc = at.welcome.snapshot.objects;
    assert.ok(versionDoc.length > 3000, `${versionDoc.length} objects`);
    await at.client.close();
    ({ seq } = await pushAll(a, changeOps(), seq));

    const rs = await a.request({ type: 'restore', rev: version }, 30000);
    assert.equal(rs.type, 'delta', JSON.stringify(rs).slice(0, 300));
    assert.equal(rs.kind, 'restore');
    assert.equal(rs.restore_of, version);
    const fresh = await join(server, ana, project, { client: 'c-after' });
    assert.deepEqual(byId(fresh.welcome.snapshot.objects), byId(versionDoc));
    // a second restore to the same revision has nothing to do
    const again = await a.request({ type: 'restore', rev: version }, 30000);
    assert.equal(again.code, 'conflict');
    await fresh.client.close();
    await a.close();
    return { ops: JSON.stringify(rs.ops), doc: JSON.stringify(byId(versionDoc)), n: rs.ops.length };
  } finally {
    await server.stop();
  }
}

test('a large restore off the loop gives the same document and delta as on the loop', async () => {
  const off = await restoreRun({});
  const plain = await restoreRun({ MIXROOM_TEST_RESTORE_ON_LOOP: '1' });
  assert.ok(off.n > 200, `${off.n} restore ops`);
  assert.equal(off.doc, plain.doc);
  assert.equal(off.ops, plain.ops);
});

test('a restore while another client keeps pushing lands on the revision', async () => {
  const server = await startServer();
  try {
    const ana = makeUser(server, 'ana');
    const project = makeProject(server, 'Busy', 'ana');
    const { client: a } = await join(server, ana, project, { client: 'c-ana' });
    const { client: b } = await join(server, ana, project, { client: 'c-bob' });
    const { rev: version } = await pushAll(a, buildOps(), 0);
    await pushAll(a, changeOps().slice(0, 3), 100);

    // b renames a marker while a restores: some pushes land before the
    // restore is committed (its diff is then computed again)
    const acks = [];
    let bseq = 0;
    const rsP = a.request({ type: 'restore', rev: version }, 30000);
    for (let i = 0; i < 40; i++) acks.push(push(b, ++bseq, [{ op: 'set', id: 'm999', fields: { name: `busy ${i}` } }]));
    const rs = await rsP;
    assert.equal(rs.type, 'delta', JSON.stringify(rs).slice(0, 300));
    for (const d of await Promise.all(acks)) assert.equal(d.type, 'delta');
    // the document right after the restore equals the version's
    const d = await a.request({ type: 'diff', from: rs.rev, to: version }, 30000);
    assert.equal(d.type, 'diff');
    const changes = ['created', 'deleted', 'changed'].map((k) => (d[k] || []).length);
    assert.deepEqual(changes, [0, 0, 0], JSON.stringify(d).slice(0, 400));
    await a.close();
    await b.close();
  } finally {
    await server.stop();
  }
});

/* Pushes n one-op pushes from seq0+1 on c, up to 64 in flight; resolves
 * with their acks (deltas) in seq order. */
function pushMany(c, seq0, n, opsOf) {
  return new Promise((resolve, reject) => {
    const acks = [];
    let sent = 0;
    const onMsg = (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'reject') reject(new Error(JSON.stringify(m)));
      if (m.type !== 'delta' || m.client !== c.clientId || m.seq <= seq0 || m.seq > seq0 + n) return;
      acks.push(m);
      if (acks.length === n) {
        c.ws.off('message', onMsg);
        resolve(acks);
      } else pump();
    };
    const pump = () => {
      while (sent < n && sent - acks.length < 64) {
        sent++;
        c.send({ type: 'push', seq: seq0 + sent, base: null, ops: opsOf(seq0 + sent) });
      }
    };
    c.ws.on('message', onMsg);
    pump();
  });
}

const markerOps = (s) => [{ op: 'create', id: `k${s}`, kind: 'marker', fields: { at: s, name: `Marker ${s} é"\\` } }];

/* The revisions a client saw: the welcome's deltas, then the deltas that
 * followed, as {rev, ...} without the transport's id. */
function strip(d) {
  const { id: _id, ...rest } = d;
  return rest;
}

/* History pages (read on a worker, or on the loop with the test hook):
 * the newest 200, the 200 before rev 1000, ana's newest 50, a bad limit. */
async function historyPages(c) {
  const out = [];
  for (const q of [{ limit: 200 }, { before: 1000, limit: 200 }, { user: 'nobody', limit: 5 }, { limit: 0 }]) {
    const r = await c.request({ type: 'history', ...q }, 30000);
    const { id: _id, ...rest } = r;
    out.push(rest);
  }
  assert.equal(out[0].entries.length, 200);
  assert.equal(out[0].entries[0].rev, 3300);
  assert.equal(out[0].more, true);
  assert.equal(out[1].entries[0].rev, 999);
  assert.deepEqual(out[2].entries, []);
  assert.equal(out[3].type, 'error');
  return out;
}

test('a catch-up of thousands of revisions read off the loop while another client pushes: complete, ordered, equal to the plain path', async () => {
  const server = await startServer();
  let seen, last, project, ana, bob, pages;
  try {
    ana = makeUser(server, 'ana');
    bob = makeUser(server, 'bob');
    project = makeProject(server, 'Log', 'ana');
    addMember(server, project, 'bob', 'editor');
    const { client: a } = await join(server, ana, project, { client: 'c-ana' });
    await pushMany(a, 0, 3000, markerOps);
    // bob catches up from 0 while ana pushes 300 more
    const more = pushMany(a, 3000, 300, markerOps);
    const { client: b, welcome } = await join(server, bob, project, { client: 'c-bob', since: 0 });
    assert.ok(welcome.rev >= 3000, `welcome at ${welcome.rev}`);
    assert.equal(welcome.deltas.length, welcome.rev);
    const acks = await more;
    assert.equal(acks.length, 300);
    last = acks[acks.length - 1].rev;
    assert.equal(last, 3300);
    const after = [];
    while (welcome.rev + after.length < last) after.push(await b.next((m) => m.type === 'delta', 30000));
    seen = [...welcome.deltas, ...after].map(strip);
    assert.deepEqual(seen.map((d) => d.rev), Array.from({ length: last }, (_, i) => i + 1));
    pages = await historyPages(b);
    await b.close();
    await a.close();
  } finally {
    await server.stop();
  }
  // the plain path (all on the loop) on the same data: the same deltas
  const plain = await startServer({ dataDir: server.dataDir, env: { MIXROOM_TEST_CATCHUP_ON_LOOP: '1' } });
  try {
    const { client, welcome } = await join(plain, bob, project, { client: 'c-bob', since: 0 });
    assert.equal(welcome.rev, last);
    assert.deepEqual(welcome.deltas.map(strip), seen);
    assert.deepEqual(await historyPages(client), pages);
    await client.close();
  } finally {
    await plain.stop();
  }
});

test('the server names its store writer, checkpoint and job threads', async () => {
  const server = await startServer();
  try {
    const pid = server.proc.pid;
    const names = fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
      try { return fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(); } catch { return ''; }
    });
    assert.ok(names.includes('mx-writer'), `threads: ${names.join(',')}`);
    // the checkpointer is SQLite's (WAL); a PostgreSQL store has none
    if (!ON_PG) assert.ok(names.includes('mx-checkpoint'), `threads: ${names.join(',')}`);
    else assert.ok(!names.includes('mx-checkpoint'), `threads: ${names.join(',')}`);
    assert.ok(names.includes('mx-job'), `threads: ${names.join(',')}`);
  } finally {
    await server.stop();
  }
});
