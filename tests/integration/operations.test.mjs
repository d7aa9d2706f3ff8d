// operations.test.mjs -- running it: `mixroom backup` taken while a client
// pushes, restored and checked; `mixroom check` finding a missing or
// altered asset file; /readyz flipping to 503 on a full disk (SQLite's page
// limit through the MIXROOM_TEST_PAGE_LIMIT_FILE hook) and back, with the
// push refused clearly and nothing acknowledged lost across a restart;
// /metrics carrying every name docs/operations.md lists; metrics_token;
// the database of release 0.1.0 migrating forward.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  ON_PG, SRCDIR, cli, connect, http, join, makeProject, makeUser, sleep, startServer, tempDir,
} from './harness.mjs';
import { assetFiles, cliAsync, makeSmallProject } from './operations_lib.mjs';

/** Polls /readyz until pred(status, json) holds (at most ~15 s). */
async function readyzUntil(srv, pred) {
  let last;
  for (let i = 0; i < 150; i++) {
    last = await http(srv, 'GET', '/readyz');
    if (pred(last.status, last.json)) return last;
    await sleep(100);
  }
  throw new Error(`/readyz stayed ${last.status} ${last.text}`);
}

// Under the harness's MXT_STORE=pg these tests are about the SQLite file
// itself and are skipped, saying why; the PostgreSQL store's answer to
// backup and restore (its own tools) is tested below instead.
const SQLITE_FILE = (what) => (ON_PG ? `${what}: the SQLite file itself (MXT_STORE=pg: the store is PostgreSQL)` : false);

test('a backup taken under a stream of pushes restores every revision acknowledged before it',
  { skip: SQLITE_FILE('the online backup of mixroom.db') }, async () => {
  const srv = await startServer();
  let srv2;
  try {
    const { ana, pid, client } = await makeSmallProject(srv);
    // a pusher that never waits long: each push as soon as the last is acked
    const acked = []; // {seq, rev}
    let seq = 10;
    let pushing = true;
    const pusher = (async () => {
      while (pushing) {
        seq++;
        client.send({ type: 'push', seq, ops: [{ op: 'set', id: 't_1', fields: { name: `Take ${seq}` } }] });
        const d = await client.next((m) => (m.type === 'delta' || m.type === 'reject') && m.seq === seq, 10000);
        assert.equal(d.type, 'delta', JSON.stringify(d));
        acked.push({ seq, rev: d.rev });
      }
    })();
    while (acked.length < 20) await sleep(10);
    const before = acked[acked.length - 1].rev; // acked before the backup started
    const dest = path.join(tempDir('mixroom-backup-'), 'bk');
    const b = await cliAsync(['backup', dest, '--data', srv.dataDir]);
    const during = acked.filter((a) => a.rev > before).length;
    pushing = false;
    await pusher;
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /copied the database/);
    assert.ok(during > 0, 'pushes were acknowledged while the backup ran');
    assert.deepEqual(assetFiles(dest), assetFiles(srv.dataDir));

    // a backup into a folder that is not empty is refused, leaving it alone
    const again = cli(['backup', dest, '--data', srv.dataDir]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /not empty/);

    const restored = path.join(tempDir('mixroom-restore-'), 'data');
    const r = cli(['restore', dest, '--data', restored]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok: .*sound/);
    assert.deepEqual(assetFiles(restored), assetFiles(srv.dataDir));
    const notEmpty = cli(['restore', dest, '--data', restored]);
    assert.equal(notEmpty.status, 1);
    assert.match(notEmpty.stderr, /not empty/);

    await client.close();
    await srv.stop();
    srv2 = await startServer({ dataDir: restored });
    const { client: c2, welcome } = await join(srv2, ana, pid, { since: 0 });
    assert.ok(welcome.rev >= before, `restored head ${welcome.rev} >= ${before}`);
    const revs = new Map(welcome.deltas.map((d) => [d.rev, d]));
    for (const a of acked.filter((x) => x.rev <= before)) {
      assert.ok(revs.has(a.rev), `revision ${a.rev} is in the restored log`);
      assert.equal(revs.get(a.rev).seq, a.seq);
    }
    await c2.close();
  } finally {
    await srv.stop();
    if (srv2) await srv2.stop();
  }
});

test('mixroom check finds a missing or altered asset file and names it', async () => {
  const srv = await startServer();
  try {
    const { client } = await makeSmallProject(srv);
    await client.close();
    let r = cli(['check', '--data', srv.dataDir]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const files = assetFiles(srv.dataDir);
    const original = path.join(srv.dataDir, files.find((f) => f.endsWith('/original')));
    const peaks = path.join(srv.dataDir, files.find((f) => /\/peaks-48000$/.test(f)));
    const samples = path.join(srv.dataDir, files.find((f) => /\/samples-48000$/.test(f)));

    const bytes = fs.readFileSync(original);
    const altered = Buffer.from(bytes);
    altered[100] ^= 0xff;
    fs.writeFileSync(original, altered);
    r = cli(['check', '--data', srv.dataDir]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`${original.replace(/[/.]/g, '\\$&')} is altered`));
    fs.writeFileSync(original, bytes);

    fs.renameSync(peaks, `${peaks}.away`);
    fs.truncateSync(samples, 1000);
    r = cli(['check', '--data', srv.dataDir]);
    assert.equal(r.status, 1);
    assert.ok(r.stdout.includes(`${peaks} is missing`), r.stdout);
    assert.ok(r.stdout.includes(`${samples} is damaged`), r.stdout);
    assert.match(r.stderr, /2 problems found/);
    fs.renameSync(`${peaks}.away`, peaks);

    const none = cli(['check', '--data', tempDir()]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no database/);
    // a loopback port nothing listens on: refused at once, no DNS lookup
    const store = cli(['check', '--store', 'postgresql://127.0.0.1:1/x']);
    assert.equal(store.status, 2, 'a PostgreSQL store that cannot be reached: exit status 2 (cannot connect)');
  } finally {
    await srv.stop();
  }
});

test('a full disk: the push is refused clearly, /readyz says why, nothing acknowledged is lost',
  { skip: SQLITE_FILE("SQLite's page limit (MIXROOM_TEST_PAGE_LIMIT_FILE)") }, async () => {
  const hook = path.join(tempDir('mixroom-pages-'), 'max_pages');
  const srv = await startServer({ env: { MIXROOM_TEST_PAGE_LIMIT_FILE: hook } });
  let srv2;
  try {
    const ana = makeUser(srv, 'ana');
    const pid = makeProject(srv, 'Full', 'ana');
    await readyzUntil(srv, (s) => s === 200);
    const { client } = await join(srv, ana, pid, { client: 'c-full' });
    const track = (n) => ({ op: 'create', id: `t_${n}`, kind: 'track', fields: { name: `${'x'.repeat(150)} ${n}` } });
    for (let n = 1; n <= 5; n++) {
      client.send({ type: 'push', seq: n, ops: [track(n)] });
      assert.equal((await client.next((m) => m.seq === n)).type, 'delta');
    }

    fs.writeFileSync(hook, '0\n'); // no growth from now on
    let seq = 5;
    let reject;
    for (let i = 0; i < 50 && !reject; i++) {
      seq++;
      client.send({ type: 'push', seq, ops: Array.from({ length: 40 }, (_, k) => track(seq * 100 + k)) });
      const m = await client.next((x) => x.seq === seq && (x.type === 'delta' || x.type === 'reject'));
      if (m.type === 'reject') reject = m;
    }
    assert.ok(reject, 'a push is refused once the database cannot grow');
    assert.equal(reject.code, 'internal');
    assert.equal(reject.message, "the server's disk is full; the edit was not saved");
    const err = await client.next((m) => m.type === 'error');
    assert.match(err.message, /disk is full/);
    assert.equal((await client.closed).code, 1011);
    const lastAcked = seq - 1;

    const nr = await readyzUntil(srv, (s) => s === 503);
    assert.equal(nr.json.status, 'not_ready');
    assert.match(nr.json.reason, /^disk full/);
    assert.equal((await http(srv, 'GET', '/healthz')).status, 200, 'the server stays up');
    const m = await http(srv, 'GET', '/metrics');
    assert.match(m.text, /^mixroom_store_disk_full 1$/m);

    fs.rmSync(hook); // space comes back
    await readyzUntil(srv, (s, j) => s === 200 && j.status === 'ready');
    const again = await join(srv, ana, pid, { client: 'c-full' });
    assert.equal(again.welcome.last_seq, lastAcked);
    again.client.send({ type: 'push', seq: seq + 1, ops: [track(9999)] });
    assert.equal((await again.client.next((x) => x.seq === seq + 1)).type, 'delta');
    await again.client.close();

    srv2 = await srv.restart();
    const after = await join(srv2, ana, pid);
    const ids = new Set(after.welcome.snapshot.objects.map((o) => o.id));
    for (let n = 1; n <= 5; n++) assert.ok(ids.has(`t_${n}`), `t_${n} survived`);
    for (let s = 6; s <= lastAcked; s++) assert.ok(ids.has(`t_${s * 100}`), `push ${s} survived`);
    assert.ok(!ids.has(`t_${seq * 100}`), 'the refused push was not stored');
    assert.ok(ids.has('t_9999'));
    await after.client.close();
    assert.equal(cli(['check', '--data', srv.dataDir]).status, 0);
  } finally {
    await srv.stop();
    if (srv2) await srv2.stop();
  }
});

test('/readyz: 503 with the reason when the data folder has less than min_free_disk free', async () => {
  const srv = await startServer({ args: ['--min-free-disk', String(1024 ** 4)] });
  try {
    const r = await readyzUntil(srv, (s, j) => s === 503 && /^low disk space/.test(j?.reason || ''));
    assert.match(r.json.reason, /min_free_disk/);
  } finally {
    await srv.stop();
  }
});

test('/metrics has every name docs/operations.md lists', async () => {
  const doc = fs.readFileSync(path.join(SRCDIR, 'docs', 'operations.md'), 'utf8');
  const names = [...doc.matchAll(/^\| `(mixroom_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((x) => [x[1], x[2]]);
  assert.ok(names.length >= 25, `the table lists the metrics (${names.length})`);
  const srv = await startServer();
  try {
    const { client } = await makeSmallProject(srv);
    await http(srv, 'POST', '/api/login', { body: { name: 'ana', password: 'wrong-password-1' } });
    const text = (await http(srv, 'GET', '/metrics')).text;
    for (const [n, type] of names) assert.match(text, new RegExp(`^# TYPE ${n} ${type}$`, 'm'), n);
    const typed = [...text.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]);
    for (const n of typed) assert.ok(names.some(([d]) => d === n), `${n} is documented`);
    const get = (n) => Number(new RegExp(`^${n} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(get('mixroom_connections'), 1);
    assert.equal(get('mixroom_pushes_total'), 1);
    assert.equal(get('mixroom_imports_started_total'), 1);
    assert.equal(get('mixroom_imports_finished_total'), 1);
    assert.equal(get('mixroom_login_failures_total'), 1);
    assert.ok(get('mixroom_store_commit_seconds_count') >= 3);
    assert.equal(get('mixroom_store_commit_seconds_count'),
      Number(/^mixroom_store_commit_seconds_bucket\{le="\+Inf"\} (\d+)$/m.exec(text)[1]));
    await client.close();
  } finally {
    await srv.stop();
  }
});

test('metrics_token: /metrics needs the bearer token; /healthz and /readyz do not', async () => {
  const token = 'metrics-secret-0123456789';
  const srv = await startServer({ env: { MIXROOM_METRICS_TOKEN: token } });
  try {
    assert.equal((await http(srv, 'GET', '/metrics')).status, 401);
    assert.equal((await http(srv, 'GET', '/metrics', { token: `${token}x` })).status, 401);
    assert.equal((await http(srv, 'GET', '/metrics', { token: token.slice(1) })).status, 401);
    const ok = await http(srv, 'GET', '/metrics', { token });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /^mixroom_uptime_seconds /m);
    assert.equal((await http(srv, 'GET', '/healthz')).status, 200);
    await readyzUntil(srv, (s) => s === 200);
  } finally {
    await srv.stop();
  }
  const short = cli(['check', '--data', tempDir()], { env: { MIXROOM_METRICS_TOKEN: 'short' } });
  assert.equal(short.status, 2);
  assert.match(short.stderr, /metrics_token.*16 to 127/);
});

test('the database of release 0.1.0 migrates forward, checks sound and serves its project',
  { skip: SQLITE_FILE('the 0.1.0 fixture is an SQLite file') }, async () => {
  const data = path.join(tempDir('mixroom-upgrade-'), 'data');
  fs.mkdirSync(data);
  fs.copyFileSync(path.join(SRCDIR, 'tests', 'fixtures', 'mixroom-0.1.0.db'), path.join(data, 'mixroom.db'));
  fs.cpSync(path.join(SRCDIR, 'tests', 'fixtures', 'mixroom-0.1.0-assets'), path.join(data, 'assets'), { recursive: true });
  const m = cli(['migrate', '--data', data]);
  assert.equal(m.status, 0, m.stderr);
  const c = cli(['check', '--data', data]);
  assert.equal(c.status, 0, c.stdout + c.stderr);
  const srv = await startServer({ dataDir: data });
  try {
    const tok = cli(['token', 'create', 'ana', '--data', data]);
    assert.equal(tok.status, 0, tok.stderr);
    const ana = { name: 'ana', token: tok.stdout.trim() };
    const projects = await http(srv, 'GET', '/api/projects', { token: ana.token });
    assert.equal(projects.status, 200);
    const p = projects.json.projects.find((x) => x.name === 'Fixture');
    assert.ok(p, projects.text);
    const ws = await connect(srv);
    const welcome = await ws.request({ type: 'hello', token: ana.token, project: p.id, client: 'c-up' });
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    const kinds = welcome.snapshot.objects.map((o) => `${o.kind}:${o.id}`);
    assert.ok(kinds.includes('track:t_1') && kinds.includes('clip:c_1'), kinds.join(' '));
    assert.equal(welcome.snapshot.comments[0].body, 'a kept comment');
    assert.equal(welcome.assets[0].state, 'ready');
    const versions = await ws.request({ type: 'version.list' });
    assert.ok(JSON.stringify(versions).includes('Mix v1'), JSON.stringify(versions));
    await ws.close();
  } finally {
    await srv.stop();
  }
});

test('on PostgreSQL, backup and restore point to PostgreSQL\'s own tools and touch nothing', { skip: ON_PG ? false : 'needs the PostgreSQL store (run_pg.sh)' }, async () => {
  const srv = await startServer();
  try {
    await makeSmallProject(srv);
    const dest = path.join(tempDir('mixroom-backup-'), 'bk');
    for (const args of [['backup', dest, '--data', srv.dataDir], ['restore', dest, '--data', srv.dataDir]]) {
      const r = cli(args);
      assert.equal(r.status, 2, `${args[0]}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`mixroom ${args[0]}: the store is PostgreSQL: back it up and restore it with PostgreSQL's tools \\(pg_dump / pg_restore`));
      assert.match(r.stderr, /copy the data folder's assets\//);
      assert.ok(!fs.existsSync(dest), `${args[0]} created nothing`);
    }
    const c = cli(['check', '--data', srv.dataDir]);
    assert.equal(c.status, 0, c.stdout + c.stderr);
    assert.match(c.stdout, /the store is PostgreSQL: its integrity is PostgreSQL's \(back it up with pg_dump \/ pg_restore\)/);
  } finally {
    await srv.stop();
  }
});
