// limits.test.mjs -- the room's hardening on the real server: push and
// document limits (too_large naming the setting, nothing changed), a large
// room loaded off the event loop (/healthz keeps answering while it loads),
// its memory given back when it unloads, `left` coalesced when hundreds of
// sockets close at once, and the small refusals (duplicate keys in a
// message, a gain below -144 dB, `history before` below 1).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { connect, http, join, makeProject, makeUser, sleep, startServer, storeSql } from './harness.mjs';

const track = (id, name = id) => ({ op: 'create', id, kind: 'track', fields: { name } });

// The state a refusal must leave alone: a fresh welcome's rev and objects.
async function state(s, user, p) {
  const { client, welcome } = await join(s, user, p);
  await client.close();
  return JSON.stringify({ rev: welcome.rev, objects: welcome.snapshot.objects });
}

test('push limits: too_large naming the setting, document and log unchanged', async () => {
  const s = await startServer({ args: ['--max-push-ops', '3', '--max-doc-objects', '10'] });
  try {
    const ana = makeUser(s, 'ana');
    const p = makeProject(s, 'Song', 'ana');
    const { client: a } = await join(s, ana, p);
    a.send({ type: 'push', seq: 1, ops: [track('t1'), track('t2')] });
    assert.equal((await a.next((m) => m.type === 'delta')).rev, 1);
    const before = await state(s, ana, p);
    a.send({ type: 'push', seq: 2, ops: [track('t3'), track('t4'), track('t5'), track('t6')] });
    let r = await a.next((m) => m.type === 'reject');
    assert.equal(r.code, 'too_large');
    assert.match(r.message, /at most 3 ops \(setting max_push_ops\)/);
    assert.equal(await state(s, ana, p), before);
    // 3 objects now; 10 at most: 8 more do not fit even in pushes of 3
    for (let seq = 3; seq <= 5; seq++) {
      a.send({ type: 'push', seq, ops: [0, 1, 2].map((i) => track(`x${seq}_${i}`)) });
      r = await a.next((m) => m.type === 'delta' || m.type === 'reject');
      if (seq < 5) assert.equal(r.type, 'delta');
    }
    assert.equal(r.type, 'reject');
    assert.equal(r.code, 'too_large');
    assert.match(r.message, /at most 10 objects \(setting max_doc_objects\)/);
    await a.close();
  } finally {
    await s.stop();
  }
});

test('small refusals: duplicate keys, gain below -144 dB, history before < 1', async () => {
  const s = await startServer();
  try {
    const ana = makeUser(s, 'ana');
    const p = makeProject(s, 'Song', 'ana');
    const { client: a } = await join(s, ana, p);
    a.send({ type: 'push', seq: 1, ops: [track('t1')] });
    await a.next((m) => m.type === 'delta');
    const before = await state(s, ana, p);
    a.send('{"type":"push","seq":2,"seq":3,"ops":[{"op":"set","id":"t1","fields":{"gain":-6}}]}');
    let r = await a.next((m) => m.type === 'error');
    assert.equal(r.code, 'bad_request');
    assert.match(r.message, /duplicate object key.*"seq"/);
    a.send({ type: 'push', seq: 4, ops: [{ op: 'set', id: 't1', fields: { gain: -1e308 } }] });
    r = await a.next((m) => m.type === 'reject');
    assert.equal(r.code, 'invalid_value');
    assert.match(r.message, /from -144/);
    a.send({ type: 'push', seq: 5, ops: [{ op: 'set', id: 'project', fields: { master_gain: -145 } }] });
    r = await a.next((m) => m.type === 'reject');
    assert.equal(r.code, 'invalid_value');
    assert.equal(await state(s, ana, p), before);
    for (const before of [-5, 0]) {
      r = await a.request({ type: 'history', before });
      assert.equal(r.code, 'invalid_value', JSON.stringify(r));
      assert.match(r.message, /before/);
    }
    r = await a.request({ type: 'history', before: null });
    assert.equal(r.type, 'history');
    await a.close();
  } finally {
    await s.stop();
  }
});

// Inserts n track objects straight into the database (as a project
// restored from a large backup would be), with the store's own client
// (sqlite3, or psql under MXT_STORE=pg): the body is built with || in the
// SQL both engines take (the text SQLite's json_object gave).
function insertTracks(s, p, n) {
  const text = [
    'BEGIN;',
    'WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM k WHERE i<' + n + ')',
    "INSERT INTO objects(project_id, id, kind, body, rev) SELECT '" + p + "', 'tk' || i, 'track',",
    ` '{"id":"tk' || i || '","kind":"track","name":"Track number ' || i || '","order":"V","color":"#808080",'`,
    ` || '"gain":0.0,"pan":0.0,"mute":false,"solo":false,"output":"master","role":"audio"}', 0 FROM k;`,
    'COMMIT;',
  ].join('\n');
  storeSql(s.dataDir, text);
}

function rssKiB(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]);
}

async function healthz(s) {
  const t0 = performance.now();
  const r = await http(s, 'GET', '/healthz');
  assert.equal(r.status, 200);
  return performance.now() - t0;
}

test('a large room loads off the loop and gives its memory back when it unloads', async () => {
  const s = await startServer({ args: ['--room-unload', '0'] });
  try {
    const ana = makeUser(s, 'ana');
    const big = makeProject(s, 'Big', 'ana');
    const small = makeProject(s, 'Small', 'ana');
    insertTracks(s, big, 50000);
    // the idle baseline, in this run
    const idle = [];
    for (let i = 0; i < 20; i++) idle.push(await healthz(s));
    const baseline = Math.max(...idle);
    const rss0 = rssKiB(s.proc.pid);

    // open the big room while /healthz and another project keep being used
    const c = await connect(s);
    const t0 = performance.now();
    let welcomed = false;
    const welcome = c.request({ type: 'hello', token: ana.token, project: big, client: 'c-big' }, 60000)
      .then((w) => { welcomed = true; return w; });
    const during = [];
    while (!welcomed) during.push(await healthz(s));
    const opened = performance.now() - t0;
    const w = await welcome;
    assert.equal(w.type, 'welcome');
    assert.equal(w.snapshot.objects.length, 50001);
    // Loading on the loop held one /healthz for about the whole open (91 %
    // of it when measured). The welcome of so large a room is still encoded
    // on the loop (docs/security.md), which holds /healthz for a part of
    // the open that grows with the machine's load: hence three quarters.
    const worst = Math.max(...during);
    assert.ok(during.length >= 3, `only ${during.length} /healthz answered in ${opened.toFixed(0)} ms`);
    assert.ok(worst < opened * 0.75 && worst < baseline + opened * 0.75,
      `/healthz took up to ${worst.toFixed(1)} ms (idle ${baseline.toFixed(1)} ms) while the room took ${opened.toFixed(0)} ms to open`);
    const other = await join(s, ana, small);
    await other.client.close();

    const rss1 = rssKiB(s.proc.pid);
    await c.close();
    // unloaded at the next tick (room_unload 0): wait for the RSS to fall
    let rss2 = rss1;
    for (let i = 0; i < 50 && rss1 - rss2 < (rss1 - rss0) / 2; i++) {
      await sleep(100);
      rss2 = rssKiB(s.proc.pid);
    }
    assert.ok(rss1 - rss0 > 20000, `loading 50,000 objects added only ${rss1 - rss0} KiB`);
    assert.ok(rss1 - rss2 >= (rss1 - rss0) / 2,
      `RSS ${rss0} KiB idle, ${rss1} KiB loaded, ${rss2} KiB after unloading`);
    // and it loads again (slowly on a busy machine: a long timeout)
    const again = await connect(s);
    const w2 = await again.request({ type: 'hello', token: ana.token, project: big, client: 'c-big2' }, 60000);
    assert.equal(w2.snapshot.objects.length, 50001);
    await again.close();
  } finally {
    await s.stop();
  }
});

test('500 sockets closing at once: one coalesced `left`, the server stays responsive', async () => {
  const s = await startServer();
  try {
    const ana = makeUser(s, 'ana');
    const p = makeProject(s, 'Song', 'ana');
    const watcher = await join(s, ana, p, { client: 'c-watch' });
    const many = [];
    for (let i = 0; i < 500; i++) {
      const j = await join(s, ana, p, { client: `c-${i}` });
      j.client.send({ type: 'presence', cursor: i });
      many.push(j.client);
    }
    await sleep(300);
    watcher.client.inbox.length = 0;
    for (const c of many) c.ws.terminate();
    const gone = new Set();
    let messages = 0;
    const t0 = performance.now();
    while (gone.size < 500 && performance.now() - t0 < 20000) {
      const m = await watcher.client.next(() => true, 20000);
      if (m.type !== 'left') continue;
      messages++;
      for (const id of m.clients || [m.client]) gone.add(id);
    }
    assert.equal(gone.size, 500);
    assert.ok(messages <= 10, `${messages} left messages for 500 closes`);
    assert.equal((await http(s, 'GET', '/healthz')).status, 200);
    await watcher.client.close();
  } finally {
    await s.stop();
  }
});
