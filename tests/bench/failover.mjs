// failover.mjs -- how long a project is without a node when its node dies
// (BENCHMARKS.md, "Failover (h20-cluster)"). Each round brings a fresh
// local deployment up (tests/cluster/cluster.sh: PostgreSQL, three nodes,
// HAProxy), keeps two clients pushing into one project through HAProxy,
// kills the owning node with SIGKILL and measures, from the kill:
//   - the first welcome from another node (reconnect + lease + room load),
//   - the first push acknowledged by the new node (the figure of the aim),
// and checks that every push acknowledged before the kill is stored once.
// Prints figures only; never fails on time.
// Usage: node tests/bench/failover.mjs [ROUNDS] [BUILD_DIR]
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
for (let r = 0; r < rounds; r++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixroom-failover-'));
  fs.chmodSync(dir, 0o755);
  try {
    const env = up(dir);
    Object.assign(process.env, env);
    const { cluster, user, project, storedOps, until, Pusher } = await import('../cluster/cluster_lib.mjs');
    const C = cluster(env);
    const u = user(C, `bench${r}`);
    const p = project(C, `Failover ${r}`, u.name);
    const pushers = [new Pusher(C.proxy, u, p, `f1r${r}`), new Pusher(C.proxy, u, p, `f2r${r}`)];
    const runs = pushers.map((x) => x.run());
    await until(() => pushers.every((x) => x.acked.size >= 50), 60000, 'pushes before the kill');
    const owner = pushers[0].welcomes[0].node;
    const before = pushers.map((x) => [...x.acked.keys()]);
    const t0 = Date.now();
    process.kill(C.nodes[owner].pid, 'SIGKILL');
    await until(() => pushers.every((x) => x.ackedOn(owner, false).length >= 10), 120000, 'pushes after the kill');
    for (const x of pushers) x.stop();
    await Promise.all(runs);
    welcomeMs.push(Math.min(...pushers.map((x) => x.welcomes.find((w) => w.node !== owner).at)) - t0);
    ackMs.push(Math.min(...pushers.flatMap((x) => x.ackedOn(owner, false).map(([, t]) => t))) - t0);
    const rows = storedOps(C, p);
    pushers.forEach((x, i) => {
      for (const seq of before[i]) {
        const n = rows.filter((row) => row.client === x.clientId && row.seq === seq).length;
        if (n === 0) lost++;
        if (n > 1) double++;
      }
    });
    console.log(`round ${r + 1}: owner ${owner} killed; welcome from ${pushers[0].welcomes.at(-1).node} after ${welcomeMs.at(-1)} ms, first ack there after ${ackMs.at(-1)} ms`);
  } finally {
    spawnSync(sh, ['down', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`failover over ${rounds} rounds (kill -9 of the owning node, 2 clients pushing through HAProxy):`);
console.log(`  kill -> first welcome on the new node: median ${pct(welcomeMs, 0.5)} ms, max ${Math.max(...welcomeMs)} ms`);
console.log(`  kill -> first acknowledged push on the new node: median ${pct(ackMs, 0.5)} ms, max ${Math.max(...ackMs)} ms`);
console.log(`  pushes acknowledged before the kill: ${lost} lost, ${double} stored twice`);
