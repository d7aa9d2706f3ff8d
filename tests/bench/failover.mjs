// failover.mjs -- how long a project is without a node when its node dies
// (BENCHMARKS.md, "Failover (h20-cluster)"). Each round brings a fresh
// local deployment up (tests/cluster/cluster.sh: PostgreSQL, three nodes,
// HAProxy), keeps two clients pushing into one project through HAProxy,
// kills the owning node with SIGKILL and measures, from the kill:
//   - the first welcome from another node (reconnect + lease + room load),
//   - the first push acknowledged by the new node (the figure of the aim),
// and checks that every push acknowledged before the kill is stored once.
// Mode `lease` (h20-cluster2) cuts the owner's lease session instead
// (pg_terminate_backend of "mixroom-lease-<node>"): the node closes the
// project's sockets with 4009 and the clients come back through HAProxy
// (to the same node once its session is back, or another); measured from
// the cut to the first welcome and the first ack after it, and every push
// acknowledged at all (also by the old node after the cut) must be stored
// once.
// Prints figures only; never fails on time.
// Usage: node tests/bench/failover.mjs [ROUNDS] [BUILD_DIR] [kill|lease]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..', '..');
const rounds = Number(process.argv[2] || 5);
const build = path.resolve(process.argv[3] || path.join(top, 'build'));
const sh = path.join(top, 'tests', 'cluster', 'cluster.sh');
const mode = process.argv[4] || 'kill';
if (mode !== 'kill' && mode !== 'lease') throw new Error(`mode: kill or lease, not ${mode}`);
process.env.MXT_BIN = path.join(build, 'mixroom'); // the harness's CLI

function up(dir) {
  const r = spawnSync(sh, ['up', dir], { encoding: 'utf8', env: { ...process.env, MXC_BIN: path.join(build, 'mixroom'), MXC_NODE_ARGS: '--room-unload 0' } });
  if (r.status !== 0) throw new Error(`cluster.sh up failed: ${r.stderr}`);
  const env = {};
  for (const l of r.stdout.split('\n')) { const i = l.indexOf('='); if (i > 0) env[`MXC_${l.slice(0, i)}`] = l.slice(i + 1); }
  return env;
}

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

const welcomeMs = [];
const ackMs = [];
let lost = 0;
let double = 0;
let lateAcks = 0; // lease mode: acked by the old owner between the cut and the 4009
for (let r = 0; r < rounds; r++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixroom-failover-'));
  fs.chmodSync(dir, 0o755);
  try {
    const env = up(dir);
    Object.assign(process.env, env);
    const { cluster, user, project, psql, storedOps, until, Pusher } = await import('../cluster/cluster_lib.mjs');
    const C = cluster(env);
    const u = user(C, `bench${r}`);
    const p = project(C, `Failover ${r}`, u.name);
    const pushers = [new Pusher(C.proxy, u, p, `f1r${r}`), new Pusher(C.proxy, u, p, `f2r${r}`)];
    const runs = pushers.map((x) => x.run());
    await until(() => pushers.every((x) => x.acked.size >= 50), 60000, 'pushes before the kill');
    const owner = pushers[0].welcomes[0].node;
    const before = pushers.map((x) => [...x.acked.keys()]);
    const t0 = Date.now();
    if (mode === 'kill') {
      process.kill(C.nodes[owner].pid, 'SIGKILL');
      await until(() => pushers.every((x) => x.ackedOn(owner, false).length >= 10), 120000, 'pushes after the kill');
    } else {
      psql(C.pgurl, `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name='mixroom-lease-${owner}'`);
      const back = (x) => x.welcomes.find((w) => w.at > t0);
      await until(() => pushers.every((x) => back(x) && [...x.acked.values()].filter((t) => t > back(x).at).length >= 10), 120000, 'pushes after the cut');
    }
    for (const x of pushers) x.stop();
    await Promise.all(runs);
    if (mode === 'kill') {
      welcomeMs.push(Math.min(...pushers.map((x) => x.welcomes.find((w) => w.node !== owner).at)) - t0);
      ackMs.push(Math.min(...pushers.flatMap((x) => x.ackedOn(owner, false).map(([, t]) => t))) - t0);
    } else {
      const back = pushers.map((x) => x.welcomes.find((w) => w.at > t0).at);
      welcomeMs.push(Math.min(...back) - t0);
      ackMs.push(Math.min(...pushers.flatMap((x, i) => [...x.acked.values()].filter((t) => t > back[i]))) - t0);
      // every acknowledged push counts, also those the old owner acked after the cut
      pushers.forEach((x, i) => { before[i] = [...x.acked.keys()]; });
      lateAcks += pushers.reduce((n, x, i) => n + [...x.acked.values()].filter((t) => t > t0 && t < back[i]).length, 0);
    }
    const rows = storedOps(C, p);
    pushers.forEach((x, i) => {
      for (const seq of before[i]) {
        const n = rows.filter((row) => row.client === x.clientId && row.seq === seq).length;
        if (n === 0) lost++;
        if (n > 1) double++;
      }
    });
    console.log(`round ${r + 1}: owner ${owner} ${mode === 'kill' ? 'killed' : 'lost its lease session'}; welcome from ${pushers[0].welcomes.at(-1).node} after ${welcomeMs.at(-1)} ms, first ack there after ${ackMs.at(-1)} ms`);
  } finally {
    spawnSync(sh, ['down', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
if (mode === 'kill') {
  console.log(`failover over ${rounds} rounds (kill -9 of the owning node, 2 clients pushing through HAProxy):`);
  console.log(`  kill -> first welcome on the new node: median ${pct(welcomeMs, 0.5)} ms, max ${Math.max(...welcomeMs)} ms`);
  console.log(`  kill -> first acknowledged push on the new node: median ${pct(ackMs, 0.5)} ms, max ${Math.max(...ackMs)} ms`);
  console.log(`  pushes acknowledged before the kill: ${lost} lost, ${double} stored twice`);
} else {
  console.log(`lease loss over ${rounds} rounds (the owner's lease session terminated, 2 clients pushing through HAProxy):`);
  console.log(`  cut -> first welcome after it: median ${pct(welcomeMs, 0.5)} ms, max ${Math.max(...welcomeMs)} ms`);
  console.log(`  cut -> first acknowledged push after that welcome: median ${pct(ackMs, 0.5)} ms, max ${Math.max(...ackMs)} ms`);
  console.log(`  pushes acked by the old owner between the cut and its 4009: ${lateAcks} in all (each stored, checked below)`);
  console.log(`  pushes acknowledged at all: ${lost} lost, ${double} stored twice`);
}
