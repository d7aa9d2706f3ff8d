// foundation.test.mjs -- the server skeleton end to end: /healthz, static
// files, 404s, the WebSocket rules (subprotocol, invalid JSON, missing and
// unknown type, 1 MiB limit, hello first), clean SIGTERM, migrations once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ON_PG, cli, connect, http, join, makeProject, makeUser, startServer, tempDir } from './harness.mjs';

test('healthz, static files and 404', async () => {
  const s = await startServer();
  try {
    const h = await http(s, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.json.status, 'ok');
    assert.match(h.json.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof h.json.uptime_s, 'number');

    const page = await http(s, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.match(page.text, /mixroom/i);

    const js = await http(s, 'GET', '/app.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /^text\/javascript/);

    const css = await http(s, 'GET', '/style.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type'), /^text\/css/);

    for (const p of ['/nope', '/api/nope', '/nope.js']) {
      const r = await http(s, 'GET', p);
      assert.equal(r.status, 404, p);
      assert.equal(r.json.code, 'not_found');
      assert.match(r.json.message, /nothing at/);
    }
    const trav = await http(s, 'GET', '/..%2f..%2fetc/passwd');
    assert.ok([400, 404].includes(trav.status));

    const m = await http(s, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /^# HELP mixroom_uptime_seconds/m);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
});

test('the WebSocket upgrade needs /ws and the mixroom.v1 subprotocol', async () => {
  const s = await startServer();
  try {
    await assert.rejects(connect(s, { protocol: null }), (e) => e.status >= 400);
    await assert.rejects(connect(s, { protocol: 'other.v1' }));
    await assert.rejects(new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${s.port}/elsewhere`, ['mixroom.v1']);
      ws.on('open', resolve);
      ws.on('error', reject);
    }));
    const c = await connect(s);
    const pong = await c.request({ type: 'ping' });
    assert.equal(pong.type, 'pong');
    await c.close();
  } finally {
    await s.stop();
  }
});

test('bad messages get an error and the socket stays open', async () => {
  const s = await startServer();
  try {
    const c = await connect(s);
    c.send('{not json');
    let e = await c.next();
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'bad_request');
    assert.match(e.message, /JSON/);

    c.send('[1,2]');
    e = await c.next();
    assert.equal(e.code, 'bad_request');

    c.send(JSON.stringify({ id: 7, hello: 1 }));
    e = await c.next();
    assert.equal(e.code, 'bad_request');
    assert.equal(e.id, 7);
    assert.match(e.message, /type/);

    c.send(JSON.stringify({ id: 'x', type: 42 }));
    e = await c.next();
    assert.equal(e.code, 'bad_request');
    assert.equal(e.id, 'x');

    e = await c.request({ type: 'frobnicate' });
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'bad_request');
    assert.match(e.message, /unknown message type 'frobnicate'/);

    e = await c.request({ type: 'push', seq: 1, ops: [] });
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'unauthorized');
    assert.match(e.message, /hello/);

    // Still open and answering.
    assert.equal((await c.request({ type: 'ping' })).type, 'pong');
    await c.close();
  } finally {
    await s.stop();
  }
});

test('a text frame over 1 MiB closes with 1009; one just under is read', async () => {
  const s = await startServer();
  try {
    const c = await connect(s);
    const under = JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(1024 * 1024 - 64) });
    assert.ok(under.length <= 1024 * 1024);
    c.send(under);
    assert.equal((await c.next((m) => m.id === 1)).type, 'pong');
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(1024 * 1024) }));
    const { code } = await c.closed;
    assert.equal(code, 1009);
    // The server is fine.
    assert.equal((await http(s, 'GET', '/healthz')).status, 200);
  } finally {
    await s.stop();
  }
});

test('SIGTERM stops cleanly; a second start applies no migration', async () => {
  const dataDir = tempDir();
  let s = await startServer({ dataDir });
  assert.match(s.log(), /applied migration 0001_initial/);
  const r = await s.stop();
  assert.equal(r.code, 0);
  assert.match(s.log(), /stopped/);
  s = await startServer({ dataDir });
  assert.doesNotMatch(s.log(), /applied migration/);
  await s.stop();
  const m = cli(['migrate'], { dataDir });
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /applied 0 migrations/);
  // the embedded store is <data>/mixroom.db; with PostgreSQL (the harness's
  // MXT_STORE=pg) the data folder holds no SQLite file at all
  if (ON_PG) assert.ok(!fs.existsSync(path.join(dataDir, 'mixroom.db')), 'no SQLite file beside a PostgreSQL store');
  else assert.ok(fs.existsSync(path.join(dataDir, 'mixroom.db')));
});

test('bad flags and settings exit 2 naming the problem', () => {
  let r = cli(['serve', '--bogus']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option '--bogus'/);
  r = cli(['serve', '--listen', 'nowhere']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--listen/);
  r = cli(['serve'], { env: { MIXROOM_LOG_LEVEL: 'loud' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /MIXROOM_LOG_LEVEL/);
  r = cli(['nosuch']);
  assert.equal(r.status, 2);
  r = cli(['serve', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--listen/);
  r = cli(['version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^mixroom \d/);
});

// The server binds exactly the address it is given: on 127.0.0.1 it does
// not answer on 127.0.0.2 (another loopback address of this machine).
test('--listen 127.0.0.1 binds only 127.0.0.1', async () => {
  const srv = await startServer();
  try {
    const own = await fetch(`${srv.url}/healthz`);
    assert.equal(own.status, 200);
    await assert.rejects(
      fetch(`http://127.0.0.2:${srv.port}/healthz`, { signal: AbortSignal.timeout(3000) }),
      (e) => /ECONNREFUSED/.test(String(e.cause && e.cause.code)) || /ECONNREFUSED/.test(String(e.cause)),
    );
  } finally {
    await srv.stop();
  }
});

// /metrics carries the modules' figures: rooms and their connections,
// revisions committed, pushes rejected, preview streams.
test('/metrics counts rooms, connections, revisions and rejects', async () => {
  const srv = await startServer();
  try {
    const ana = makeUser(srv, 'ana');
    const pid = makeProject(srv, 'Metrics', 'ana');
    const { client } = await join(srv, ana, pid);
    client.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 't_1', kind: 'track', fields: { name: 'A' } }] });
    await client.next((m) => m.type === 'delta' && m.seq === 1);
    client.send({ type: 'push', seq: 2, ops: [{ op: 'set', id: 'nope', fields: { gain: 0 } }] });
    await client.next((m) => m.type === 'reject' && m.seq === 2);
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const get = (n) => Number(new RegExp(`^${n} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(get('mixroom_rooms'), 1);
    assert.equal(get('mixroom_room_connections'), 1);
    assert.equal(get('mixroom_revisions_total'), 1);
    assert.equal(get('mixroom_push_rejects_total'), 1);
    assert.equal(get('mixroom_preview_streams'), 0);
    assert.ok(Number.isFinite(get('mixroom_preview_late_packets_total')));
    await client.close();
  } finally {
    await srv.stop();
  }
});
