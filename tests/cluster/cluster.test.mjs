// cluster.test.mjs -- a room on exactly one node, routing, and events
// across nodes, on the local deployment of tests/cluster/cluster.sh (three
// nodes behind HAProxy with deploy/haproxy.cfg, PostgreSQL for leases and
// events). Run by tests/cluster/run.sh. The tests run in order; the last
// one kills a node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, http, join } from '../integration/harness.mjs';
import { Pusher, closeOf, cluster, hello, memberJoined, otherNode, project, psql, storedOps, until, user } from './cluster_lib.mjs';

const C = cluster();
const otherThan = (name) => otherNode(C, name);
const uid = Math.random().toString(36).slice(2, 8);

test('every node names itself in /healthz, and through HAProxy too', async () => {
  for (const [name, n] of Object.entries(C.nodes)) {
    const r = await http(n, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.json.node, name);
  }
  const r = await http(C.proxy, 'GET', '/healthz');
  assert.ok(Object.keys(C.nodes).includes(r.json.node), JSON.stringify(r.json));
});

test('two clients of one project land on the same node, which holds its lease', async () => {
  const ana = user(C, `ana${uid}`);
  const bob = user(C, `bob${uid}`);
  for (let i = 0; i < 6; i++) { // several projects: they spread over the nodes
    const p = project(C, `Song ${i}`, ana.name);
    const a = await join(C.proxy, ana, p);
    const b = await join(C.proxy, ana, p);
    assert.ok(a.welcome.node, 'welcome carries node');
    assert.equal(a.welcome.node, b.welcome.node, `project ${p}`);
    const rows = psql(C.pgurl, `SELECT node FROM project_leases WHERE project='${p}'`);
    assert.deepEqual(rows, [[a.welcome.node]]);
    await a.client.close();
    await b.client.close();
    // the room unloads (room_unload 0) and the lease row goes with it
    await until(() => psql(C.pgurl, `SELECT count(*) FROM project_leases WHERE project='${p}'`)[0][0] === '0', 30000, 'the lease release');
  }
  void bob;
});

test('a misrouted hello gets wrong_node with the owner and close 4009; nothing changes', async () => {
  const ana = user(C, `cara${uid}`);
  const p = project(C, 'Misroute', ana.name);
  const a = await join(C.proxy, ana, p);
  const owner = a.welcome.node;
  const other = otherThan(owner);
  const before = psql(C.pgurl, 'SELECT project, node, since FROM project_leases ORDER BY project');
  const c = await connect(other, { project: p });
  const r = await c.request({ type: 'hello', token: ana.token, project: p, client: 'c-mis', since: null });
  assert.equal(r.type, 'error');
  assert.equal(r.code, 'wrong_node');
  assert.equal(r.owner, owner);
  const closed = await c.closed;
  assert.equal(closed.code, 4009);
  assert.equal(closed.reason, 'wrong_node');
  assert.deepEqual(psql(C.pgurl, 'SELECT project, node, since FROM project_leases ORDER BY project'), before);
  // the owner still serves the project
  a.client.send({ type: 'push', seq: 1, base: a.welcome.rev, ops: [{ op: 'create', id: 'm_x', kind: 'marker', fields: { at: 1, name: 'x' } }] });
  const d = await a.client.next((m) => m.seq === 1 && (m.type === 'delta' || m.type === 'reject'), 15000);
  assert.equal(d.type, 'delta', JSON.stringify(d));
  await a.client.close();
});

test('pushes are acknowledged only once their revision is stored', async () => {
  const ana = user(C, `dan${uid}`);
  const p = project(C, 'Durable', ana.name);
  const { client } = await join(C.proxy, ana, p, { client: 'c-dur' });
  for (let seq = 1; seq <= 20; seq++) {
    client.send({ type: 'push', seq, base: 0, ops: [{ op: 'create', id: `m_${seq}`, kind: 'marker', fields: { at: seq, name: `m${seq}` } }] });
    const d = await client.next((m) => m.type === 'delta' && m.seq === seq, 15000);
    // read through a connection of its own, right after the ack
    const rows = storedOps(C, p);
    assert.ok(rows.some((r) => r.rev === d.rev && r.client === 'c-dur' && r.seq === seq), `rev ${d.rev} stored before its ack`);
  }
  await client.close();
});

test('removing a member closes their socket on the node that holds it, from any node', async () => {
  const { own, mem, p, m, other } = await memberJoined(C, `eve${uid}`, `fay${uid}`, 'Members');
  // the removal is committed on another node: only the event reaches the holder
  const r = await http(other, 'DELETE', `/api/projects/${p}/members/${mem.name}`, { token: own.token });
  assert.equal(r.status, 200, r.text);
  assert.equal((await closeOf(m.client, 'the member socket')).code, 4403);
});

test('ending a session closes its sockets on every node', async () => {
  const u = user(C, `gus${uid}`);
  const p1 = project(C, 'S1', u.name);
  const j = await join(C.proxy, u, p1);
  const other = otherThan(j.welcome.node);
  const r = await http(other, 'POST', '/api/logout', { token: u.token });
  assert.equal(r.status, 200, r.text);
  assert.equal((await closeOf(j.client, 'the session socket')).code, 4401);
});

test('revoking a share link closes its guests\' sockets on the node that holds them', async () => {
  const own = user(C, `ivy${uid}`);
  const p = project(C, 'Links', own.name);
  let r = await http(C.proxy, 'POST', `/api/projects/${p}/links`, { token: own.token, body: {} });
  assert.equal(r.status, 201, r.text);
  const link = r.json.link;
  r = await http(C.proxy, 'POST', `/api/links/${link.token}/session`, { body: { name: 'Guest' } });
  assert.equal(r.status, 200, r.text);
  const guest = { token: r.json.token };
  const g = await join(C.proxy, guest, p);
  const other = otherThan(g.welcome.node);
  r = await http(other, 'DELETE', `/api/projects/${p}/links/${link.id}`, { token: own.token });
  assert.equal(r.status, 200, r.text);
  assert.equal((await closeOf(g.client, 'the guest socket')).code, 4403);
});

test('kill -9 of the owning node while pushes flow: every acked push survives, resends apply once', async () => {
  const ana = user(C, `hal${uid}`);
  const p = project(C, 'Failover', ana.name);
  const pushers = [new Pusher(C.proxy, ana, p, `k1${uid}`), new Pusher(C.proxy, ana, p, `k2${uid}`)];
  const runs = pushers.map((x) => x.run());
  await until(() => pushers.every((x) => x.acked.size >= 20), 30000, 'pushes before the kill');
  const owner = pushers[0].welcomes[0].node;
  assert.equal(pushers[1].welcomes[0].node, owner);
  const victim = C.nodes[owner];
  const ackedBefore = pushers.map((x) => new Set(x.acked.keys()));
  process.kill(victim.pid, 'SIGKILL');
  const killedAt = Date.now();
  // both clients reconnect through HAProxy to another node, which takes the lease
  await until(() => pushers.every((x) => x.welcomes.length >= 2 && x.acked.size >= ackedBefore[0].size + 20), 60000, 'pushes after the kill');
  const newNode = pushers[0].welcomes.at(-1).node;
  // while the clients are still in the room (it unloads when they leave)
  assert.deepEqual(psql(C.pgurl, `SELECT node FROM project_leases WHERE project='${p}'`), [[newNode]]);
  for (const x of pushers) x.stop();
  await Promise.all(runs);
  assert.notEqual(newNode, owner);
  assert.equal(pushers[1].welcomes.at(-1).node, newNode);
  // every acknowledged push is stored exactly once, and is in the new node's document
  const rows = storedOps(C, p);
  const check = await join(C.nodes[newNode], ana, p);
  const markers = new Set(check.welcome.snapshot.objects.map((o) => o.id).filter((id) => id.startsWith('m_')));
  for (const x of pushers) {
    for (const seq of x.acked.keys()) {
      const n = rows.filter((r) => r.client === x.clientId && r.seq === seq).length;
      assert.equal(n, 1, `client ${x.clientId} seq ${seq} stored ${n} times`);
      assert.ok(markers.has(`m_${x.clientId}_${seq}`), `seq ${seq} in the document`);
    }
  }
  const firstAck = Math.min(...pushers.flatMap((x) => x.ackedOn(newNode).map(([, t]) => t)));
  console.log(`# failover: kill -> first ack on ${newNode} after ${firstAck - killedAt} ms`);
  await check.client.close();
});
