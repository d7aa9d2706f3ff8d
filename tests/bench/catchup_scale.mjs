// catchup_scale.mjs -- the loop thread's CPU for a welcome of a large room
// (issue #15, "catch-up and welcome data read off the loop"; prints
// figures, never fails on time). It starts the real server (MXT_BIN),
// makes a project of REVS revisions (one marker created per push, so also
// REVS objects), then says hello K times with `since: 0` (a catch-up of
// every revision from the log) and K times with `since: null` (a snapshot
// welcome of every object), one at a time, and prints the CPU time the
// server's loop thread (the main thread) and its other threads (workers,
// writer) spent per welcome, from /proc/PID/task/TID/schedstat
// (nanoseconds on CPU), and the welcome's size. Run it with main's binary
// and this one in the same minutes for before/after.
//
// Usage (from a build directory):
//   make mixroom
//   MXT_BIN=./mixroom node ../tests/bench/catchup_scale.mjs [revs] [k]
import fs from 'node:fs';
import os from 'node:os';
import { http, join, makeUser, startServer } from '../integration/harness.mjs';

const REVS = Number(process.argv[2] || 10000);
const K = Number(process.argv[3] || 10);

/* CPU ns of the loop thread (tid = pid) and of all the others. */
function threadNs(pid) {
  let loop = 0, rest = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let ns = 0;
    try {
      ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch { continue; } // a thread that just ended
    if (Number(tid) === pid) loop += ns;
    else rest += ns;
  }
  return { loop, rest };
}

/* REVS pushes of one marker each, up to 64 in flight. */
async function fill(s, user, project) {
  const { client } = await join(s, user, project, { client: 'c-fill' });
  let sent = 0, acked = 0;
  await new Promise((resolve, reject) => {
    const pump = () => {
      while (sent < REVS && sent - acked < 64) {
        sent++;
        client.send({ type: 'push', seq: sent, base: null, ops: [{ op: 'create', id: `m${sent}`, kind: 'marker', fields: { at: sent, name: `Marker ${sent}` } }] });
      }
    };
    client.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'reject') reject(new Error(JSON.stringify(m)));
      if (m.type === 'delta' && m.client === 'c-fill') {
        acked++;
        if (acked === REVS) resolve();
        else pump();
      }
    });
    pump();
  });
  client.inbox.length = 0;
  await client.close();
}

async function measure(s, user, project, since) {
  let bytes = 0;
  const a = threadNs(s.proc.pid);
  for (let i = 0; i < K; i++) {
    const { client, welcome } = await join(s, user, project, { client: `c-k${i}`, since });
    if (since === 0 && welcome.deltas.length !== REVS) throw new Error(`catch-up: ${welcome.deltas.length} deltas`);
    if (since === null && welcome.snapshot.objects.length < REVS) throw new Error('snapshot: too few objects');
    bytes = JSON.stringify(welcome).length;
    await client.close();
  }
  const b = threadNs(s.proc.pid);
  return { loopUs: (b.loop - a.loop) / K / 1e3, restUs: (b.rest - a.rest) / K / 1e3, bytes };
}

async function main() {
  const s = await startServer();
  try {
    const u = makeUser(s, 'bench');
    const p = await http(s, 'POST', '/api/projects', { token: u.token, body: { name: 'Catch-up' } });
    const id = p.json.id || p.json.project?.id;
    await fill(s, u, id);
    console.log(`catchup_scale: ${process.env.MXT_BIN || 'mixroom'}, ${REVS} revisions / objects, ${K} welcomes each; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log('welcome            loop_us  other_threads_us     bytes');
    for (const [name, since] of [['catch-up since 0', 0], ['snapshot', null]]) {
      const r = await measure(s, u, id, since);
      console.log(`${name.padEnd(17)} ${r.loopUs.toFixed(0).padStart(8)} ${r.restUs.toFixed(0).padStart(17)} ${String(r.bytes).padStart(9)}`);
    }
  } finally {
    await s.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
