// cluster_lib.mjs -- helpers of the cluster tests and the failover
// benchmark: the deployment that tests/cluster/run.sh brought up (its
// KEY=value lines arrive as MXC_* variables), "server" handles for HAProxy
// and each node in the shape tests/integration/harness.mjs expects, a
// separate store connection to read what was committed (psql), the
// set-up the cluster tests share (another node, a socket's close, a member
// joined through HAProxy), and a pusher that keeps pushes flowing and
// resends across reconnects.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cli, connect, http, join, sleep } from '../integration/harness.mjs';

/** The deployment: {proxy, nodes: {name: server}, pgurl, env}. */
export function cluster(env = process.env) {
  const dataDir = env.MXC_MIXROOM_DATA;
  const handle = (url) => ({ url, wsUrl: `${url.replace(/^http/, 'ws')}/ws`, dataDir, wsProject: true });
  const nodes = {};
  for (const k of Object.keys(env)) {
    const m = /^MXC_NODE_(.+)_URL$/.exec(k);
    if (m) nodes[m[1]] = { ...handle(env[k]), name: m[1], pid: Number(env[`MXC_NODE_${m[1]}_PID`]) };
  }
  if (!env.MXC_URL) throw new Error('no MXC_URL: run through tests/cluster/run.sh');
  // the CLI reaches the same store as the nodes
  process.env.MIXROOM_STORE = env.MXC_MIXROOM_STORE;
  return { proxy: handle(env.MXC_URL), nodes, pgurl: env.MXC_PGURL, dataDir };
}

/** Runs SQL through psql on a connection of its own; rows as arrays of strings. */
export function psql(pgurl, sql) {
  const r = spawnSync('psql', [pgurl, '-X', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

/** Whether the documents live in PostgreSQL (h20-db's store) or in the shared SQLite file. */
export function docsInPg(pgurl) {
  return psql(pgurl, "SELECT count(*) FROM information_schema.tables WHERE table_name='ops'")[0][0] !== '0';
}

/** The stored revision rows (rev, client, seq) of a project, read outside the server. */
export function storedOps(c, project) {
  const q = `SELECT rev, client, seq FROM ops WHERE project_id='${project}' ORDER BY rev`;
  // the documents are in PostgreSQL (the nodes run with MIXROOM_STORE=PGURL)
  if (!docsInPg(c.pgurl)) throw new Error('the ops table is not in PostgreSQL: the nodes do not use it as their store');
  return psql(c.pgurl, q).map(([rev, client, seq]) => ({ rev: +rev, client, seq: +seq }));
}

/** Opens a socket (through `server`, with ?project=) and says hello. Resolves to {client, reply}. */
export async function hello(server, user, project, clientId, since = null) {
  const c = await connect(server, { project });
  const reply = await c.request({ type: 'hello', token: user.token, project, client: clientId, since }, 15000);
  c.clientId = clientId;
  return { client: c, reply };
}

/** Waits until fn() is truthy (polling), at most `ms`. */
export async function until(fn, ms = 30000, what = 'a condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A user with a session token made by the CLI on the cluster's store. */
export function user(c, name) {
  const password = `pw-${name}-12345`;
  let r = cli(['user', 'add', name, '--password-stdin'], { dataDir: c.dataDir, input: `${password}\n` });
  if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  r = cli(['token', 'create', name], { dataDir: c.dataDir });
  if (r.status !== 0) throw new Error(`token create ${name}: ${r.stderr}`);
  return { name, password, token: r.stdout.trim() };
}

/** A project owned by `owner` (name); returns its id. */
export function project(c, name, owner) {
  const r = cli(['project', 'create', name, '--owner', owner], { dataDir: c.dataDir });
  if (r.status !== 0) throw new Error(`project create: ${r.stderr}`);
  return r.stdout.trim().split(/\s+/).pop();
}

/** A node of the deployment other than the one named. */
export function otherNode(c, name) {
  return Object.values(c.nodes).find((n) => n.name !== name);
}

/** The close {code, reason} of client's socket, failing after a generous 20 s. */
export async function closeOf(client, what) {
  const closed = await Promise.race([client.closed, sleep(20000).then(() => null)]);
  assert.ok(closed, `${what} was closed`);
  return closed;
}

/** A new project `title` of a new owner with a new editor, who joins it
 * through HAProxy: {own, mem, p, m (join's {client, welcome}), holder (the
 * name of the node m is on), other (another node)}. */
export async function memberJoined(c, ownName, memName, title) {
  const own = user(c, ownName);
  const mem = user(c, memName);
  const p = project(c, title, own.name);
  const r = await http(c.proxy, 'POST', `/api/projects/${p}/members/${mem.name}`, { token: own.token, body: { role: 'editor' } });
  assert.equal(r.status, 200, r.text);
  const m = await join(c.proxy, mem, p);
  return { own, mem, p, m, holder: m.welcome.node, other: otherNode(c, m.welcome.node) };
}

/**
 * Pushes one marker per seq through the proxy and follows the protocol's
 * resend rule across reconnects: after a new welcome it drops pending seqs
 * at or below last_seq and resends the others with the same client id and
 * seq. acked: seq -> time of its ack (Date.now()).
 */
export class Pusher {
  constructor(server, u, projectId, clientId) {
    Object.assign(this, { server, user: u, project: projectId, clientId });
    this.next = 1;
    this.pending = new Map(); // seq -> push message
    this.acked = new Map();
    this.ackNode = new Map(); // seq -> the node whose welcome the ack came after
    this.welcomes = [];
    this.rev = 0;
    this.stopped = false;
  }
  msg(seq) {
    return { type: 'push', seq, base: this.rev, ops: [{ op: 'create', id: `m_${this.clientId}_${seq}`, kind: 'marker', fields: { at: seq, name: `m${seq}` } }] };
  }
  async attach() {
    for (;;) {
      try {
        const { client, reply } = await hello(this.server, this.user, this.project, this.clientId, this.rev);
        if (reply.type === 'welcome') {
          this.welcomes.push({ node: reply.node, at: Date.now(), last_seq: reply.last_seq });
          this.rev = reply.rev;
          this.node = reply.node;
          for (const s of [...this.pending.keys()]) if (s <= reply.last_seq) { this.ack(s); }
          this.client = client;
          client.ws.on('message', (d, bin) => {
            if (bin) return;
            const m = JSON.parse(d.toString());
            if (m.type === 'delta') this.rev = Math.max(this.rev, m.rev);
            if (m.type === 'delta' && m.client === this.clientId) this.ack(m.seq);
          });
          for (const [s, m] of [...this.pending].sort((a, b) => a[0] - b[0])) client.send({ ...m, base: this.rev, seq: s });
          return client;
        }
        client.ws.terminate();
      } catch { /* the node went away, or the proxy has no server yet */ }
      if (this.stopped) return null;
      await sleep(100);
    }
  }
  ack(seq) {
    if (!this.pending.has(seq)) return;
    this.pending.delete(seq);
    this.acked.set(seq, Date.now());
    this.ackNode.set(seq, this.node);
  }
  /** [seq, time] of the acks that came from `node` (on = true) or from any other node (on = false). */
  ackedOn(node, on = true) {
    return [...this.acked].filter(([s]) => (this.ackNode.get(s) === node) === on);
  }
  /** Keeps `window` pushes in flight until stop(); reconnects when the socket closes. */
  async run(window = 4) {
    let c = await this.attach();
    let closed = false;
    const watch = (cl) => cl.closed.then(() => { closed = true; });
    watch(c);
    while (!this.stopped) {
      if (closed) {
        closed = false;
        c = await this.attach();
        if (!c) break;
        watch(c);
      }
      if (this.pending.size < window) {
        const s = this.next++;
        const m = this.msg(s);
        this.pending.set(s, m);
        try { c.send(m); } catch { /* closed: resent after the reconnect */ }
      } else {
        await sleep(5);
      }
    }
    if (c) c.ws.terminate(); // an open socket would keep the test process alive
  }
  stop() { this.stopped = true; }
}
