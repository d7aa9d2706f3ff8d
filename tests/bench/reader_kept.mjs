// reader_kept.mjs -- what a catch-up welcome with a few deltas costs the
// server (h-reader: the worker's reader kept between jobs instead of a
// store_open per welcome; prints figures, never fails on time). It starts
// the real server (MXT_BIN; the store of the harness's switch: SQLite, or
// PostgreSQL with MXT_STORE=pg MXT_PGURL=...), makes a project of REVS
// revisions, then K times: connects, says hello with `since: REVS - 1`
// (a welcome carrying one delta, read on a worker) and closes. It prints
// the wall time of the hello (request to welcome, client side) as median
// and mean, and the server process's CPU per hello (all threads, from
// /proc/PID/task/*/schedstat). Run main's binary and this one in the same
// minutes for before/after.
//
// Usage (from a build directory):
//   MXT_BIN=./mixroom node ../tests/bench/reader_kept.mjs [k] [revs]
import fs from 'node:fs';
import os from 'node:os';
import { connect, http, join, makeUser, startServer } from '../integration/harness.mjs';

const K = Number(process.argv[2] || 300);
const REVS = Number(process.argv[3] || 20);

/* CPU ns of every thread of pid. */
function cpuNs(pid) {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch { /* a thread that just ended */ }
  }
  return ns;
}

async function main() {
  const s = await startServer();
  try {
    const u = makeUser(s, 'bench');
    const p = await http(s, 'POST', '/api/projects', { token: u.token, body: { name: 'Readers' } });
    const id = p.json.id || p.json.project?.id;
    const { client } = await join(s, u, id, { client: 'c-fill' });
    for (let i = 1; i <= REVS; i++) {
      client.send({ type: 'push', seq: i, base: null, ops: [{ op: 'create', id: `m${i}`, kind: 'marker', fields: { at: i, name: `M${i}` } }] });
      const r = await client.next((m) => m.type === 'reject' || (m.type === 'delta' && m.seq === i));
      if (r.type === 'reject') throw new Error(JSON.stringify(r));
    }
    const walls = [];
    let cpu = 0;
    for (let i = 0; i < K; i++) {
      const c = await connect(s, { project: s.wsProject ? id : undefined });
      const a = cpuNs(s.proc.pid);
      const t0 = process.hrtime.bigint();
      const w = await c.request({ type: 'hello', token: u.token, project: id, client: `c-k${i}`, since: REVS - 1 });
      walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
      cpu += cpuNs(s.proc.pid) - a;
      if (w.type !== 'welcome' || !w.deltas || w.deltas.length < 1) throw new Error(`not a catch-up welcome: ${JSON.stringify(w).slice(0, 200)}`);
      await c.close();
    }
    await client.close();
    walls.sort((x, y) => x - y);
    const mean = walls.reduce((x, y) => x + y, 0) / K;
    console.log(`reader_kept: ${process.env.MXT_BIN || 'mixroom'}, store ${process.env.MXT_STORE === 'pg' ? 'postgresql' : 'sqlite'}, ${K} catch-up hellos (1 delta each); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`  wall per hello: median ${walls[K >> 1].toFixed(2)} ms, mean ${mean.toFixed(2)} ms; server CPU per hello ${(cpu / K / 1e6).toFixed(3)} ms`);
  } finally {
    await s.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
