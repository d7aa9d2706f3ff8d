// across.test.mjs -- what must hold when a node's PostgreSQL sessions go
// away while it runs (tests/cluster/cluster.sh's deployment, run by
// run.sh before cluster.test.mjs, whose last test kills a node):
//   - the event listener's connection is terminated, then a member is
//     removed through another node: their socket still closes (events
//     sent while it was away are caught by the re-check on reconnect);
//   - the lease session is terminated: the node stops serving the
//     project at once (its sockets close with 4009 wrong_node), another
//     node takes the lease, nothing acknowledged is lost, every stored
//     revision is there exactly once, and the old node answers
//     wrong_node naming the new owner.
// The node's sessions are found by application_name in pg_stat_activity
// ("mixroom-listen-<node>", "mixroom-lease-<node>").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, http, join, sleep } from '../integration/harness.mjs';
import { closeOf, cluster, hello, memberJoined, otherNode, project, psql, storedOps, until, user } from './cluster_lib.mjs';

const C = cluster();
const uid = Math.random().toString(36).slice(2, 8);
const otherThan = (name) => otherNode(C, name);

/** Says hello through `server` until it is welcomed (a lease may be on its way): {client, welcome}. */
function welcomed(server, u, p, clientId, what) {
  return until(async () => {
    const { client: c, reply: w } = await hello(server, u, p, clientId);
    if (w.type === 'welcome') return { client: c, welcome: w };
    c.ws.terminate();
    return null;
  }, 30000, what);
}

/** The backend pids of a node's session (application_name). */
const backends = (app) => psql(C.pgurl, `SELECT pid FROM pg_stat_activity WHERE application_name='${app}'`).map((r) => r[0]);

/** Terminates a node's session and waits (up to 5 s) for its backend to end. */
function terminate(app) {
  const pids = backends(app);
  assert.equal(pids.length, 1, `one ${app} session: ${pids}`);
  psql(C.pgurl, `SELECT pg_terminate_backend(${pids[0]}, 5000)`);
  return pids[0];
}

async function push(client, seq, base = 0) {
  client.send({ type: 'push', seq, base, ops: [{ op: 'create', id: `m_${client.clientId}_${seq}`, kind: 'marker', fields: { at: seq, name: `m${seq}` } }] });
  const m = await client.next((x) => x.seq === seq && (x.type === 'delta' || x.type === 'reject'), 15000);
  assert.equal(m.type, 'delta', JSON.stringify(m));
  return m;
}

test('the event listener loses its connection, a member is removed meanwhile: their socket still closes', async () => {
  const { own, mem, p, m, holder, other } = await memberJoined(C, `lo${uid}`, `lm${uid}`, 'Listener');
  const old = terminate(`mixroom-listen-${holder}`);
  // at once, while the holder's listener is away: the event is not heard
  const r = await http(other, 'DELETE', `/api/projects/${p}/members/${mem.name}`, { token: own.token });
  assert.equal(r.status, 200, r.text);
  const closed = await closeOf(m.client, 'the removed member\'s socket');
  assert.equal(closed.code, 4403);
  // the listener is back (a new session)
  await until(() => backends(`mixroom-listen-${holder}`).some((pid) => pid !== old), 30000, 'the listener back');
  // and the member stays out: a new hello is refused, nothing changed
  const c = await connect(C.proxy, { project: p });
  const again = await c.request({ type: 'hello', token: mem.token, project: p, client: `c-again${uid}`, since: null });
  assert.equal(again.type, 'error', JSON.stringify(again));
  c.ws.terminate();
  assert.deepEqual(psql(C.pgurl, `SELECT count(*) FROM members WHERE project_id='${p}' AND user_id=(SELECT id FROM users WHERE name='${mem.name}')`), [['0']]);
});

test('the listener\'s re-check keeps members that are still members', async () => {
  const own = user(C, `ko${uid}`);
  const p = project(C, 'Keep', own.name);
  const a = await join(C.proxy, own, p);
  const holder = a.welcome.node;
  const old = terminate(`mixroom-listen-${holder}`);
  await until(() => backends(`mixroom-listen-${holder}`).some((pid) => pid !== old), 30000, 'the listener back');
  // the re-check ran (it follows the reconnect on the loop); the owner's socket works
  await sleep(500);
  const d = await push(a.client, 1);
  assert.ok(d.rev >= 1);
  await a.client.close();
});

test('the lease session is lost: the node stops serving at once (4009), another takes over, nothing acked is lost', async () => {
  const ana = user(C, `ll${uid}`);
  const p = project(C, 'Lease loss', ana.name);
  const a = await join(C.proxy, ana, p, { client: `la${uid}` });
  const owner = a.welcome.node;
  let rev = 0;
  for (let seq = 1; seq <= 5; seq++) rev = (await push(a.client, seq)).rev;
  const acked = [1, 2, 3, 4, 5];
  const other = otherThan(owner);
  terminate(`mixroom-lease-${owner}`);
  // the lock went with the session: another node may take the project now
  const b = await welcomed(other, ana, p, `lb${uid}`, 'another node taking the lease');
  assert.equal(b.welcome.node, other.name);
  // the old owner closed its sockets of the project with wrong_node
  const closed = await closeOf(a.client, 'the socket on the old owner');
  assert.equal(closed.code, 4009);
  assert.equal(closed.reason, 'wrong_node');
  // the new owner has every acknowledged push, and takes new ones
  const have = new Set(b.welcome.snapshot.objects.map((o) => o.id));
  for (const s of acked) assert.ok(have.has(`m_la${uid}_${s}`), `seq ${s} on the new owner`);
  assert.ok(b.welcome.rev >= rev);
  const d = await push(b.client, 1, b.welcome.rev);
  // the old owner does not serve it any more: wrong_node, naming the new owner
  const c = await until(async () => {
    const x = await connect(C.nodes[owner], { project: p });
    const r = await x.request({ type: 'hello', token: ana.token, project: p, client: `lc${uid}`, since: null }, 15000);
    x.ws.terminate();
    return r.code === 'wrong_node' ? r : null; // "lease could not be checked" while its session reconnects
  }, 30000, 'the old owner answering wrong_node');
  assert.equal(c.owner, other.name);
  // every revision is stored once, in order, with no gap
  const rows = storedOps(C, p);
  assert.deepEqual(rows.map((x) => x.rev), rows.map((_, i) => i + 1));
  assert.ok(rows.some((x) => x.rev === d.rev && x.client === `lb${uid}`));
  for (const s of acked) assert.equal(rows.filter((x) => x.client === `la${uid}` && x.seq === s).length, 1, `seq ${s} once`);
  await b.client.close();
});

test('the lease session is lost with nobody else asking: clients reconnect through HAProxy and go on', async () => {
  const ana = user(C, `lr${uid}`);
  const p = project(C, 'Lease back', ana.name);
  const a = await join(C.proxy, ana, p, { client: `ra${uid}` });
  const owner = a.welcome.node;
  for (let seq = 1; seq <= 3; seq++) await push(a.client, seq);
  terminate(`mixroom-lease-${owner}`);
  const closed = await closeOf(a.client, 'the socket of the lost lease');
  assert.equal(closed.code, 4009);
  // through HAProxy again (the same node once its session is back, or another)
  const b = await welcomed(C.proxy, ana, p, `ra${uid}`, 'a welcome after the lease loss');
  assert.equal(b.welcome.last_seq, 3);
  const d = await push(b.client, 4, b.welcome.rev);
  assert.equal(d.rev, 4);
  assert.deepEqual(psql(C.pgurl, `SELECT node FROM project_leases WHERE project='${p}'`), [[b.welcome.node]]);
  const rows = storedOps(C, p);
  assert.deepEqual(rows.map((x) => [x.rev, x.seq]), [[1, 1], [2, 2], [3, 3], [4, 4]]);
  await b.client.close();
});
