// takes.mjs -- recording benchmark (prints figures, never fails on time).
// Starts the real server, records one take of N seconds of 48 kHz stereo
// in 1 s chunks (192,000 bytes each, as the studio sends them) and prints:
//   - the chunk acknowledgement latency (PUT -> 200, which waits for the
//     append's fsync and the row's commit), p50 / p99 / max, next to the
//     baseline of the same run: GET of the same take on the same server
//     (no disk), so the ratio shows what durability costs;
//   - the server's CPU time per chunk (utime+stime from /proc);
//   - finishing: wall time from POST finish to its answer (WAV, import,
//     peaks, the revision) as × realtime of the take's length.
//
// Usage (from the build directory):
//   make mixroom
//   MXT_BIN=./mixroom node ../tests/bench/takes.mjs [seconds]
import fs from 'node:fs';
import { http, makeProject, makeUser, startServer } from '../integration/harness.mjs';

const SECONDS = Number(process.argv[2] || 60);
const RATE = 48000;
const TICK = 100; // USER_HZ

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

const pct = (v, p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
const ms = (x) => `${x.toFixed(2)} ms`;

const server = await startServer();
try {
  const ana = makeUser(server, 'ana');
  const project = makeProject(server, 'Bench', 'ana');
  const r0 = await http(server, 'POST', `/api/projects/${project}/takes`, { token: ana.token, body: { track: null, at: 0, rate: RATE, channels: 2 } });
  const id = r0.json.take.id;
  const chunk = Buffer.alloc(RATE * 4);
  for (let i = 0; i < RATE * 2; i++) chunk.writeInt16LE(Math.round(8000 * Math.sin(i / 20)), i * 2);
  const put = []; const get = [];
  const cpu0 = cpuTicks(server.proc.pid);
  for (let s = 0; s < SECONDS; s++) {
    let t = process.hrtime.bigint();
    const r = await http(server, 'PUT', `/api/projects/${project}/takes/${id}/chunks/${s}?rate=${RATE}&channels=2`, { token: ana.token, raw: chunk });
    if (r.status !== 200) throw new Error(r.text);
    put.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await http(server, 'GET', `/api/projects/${project}/takes/${id}`, { token: ana.token });
    get.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const cpu = (cpuTicks(server.proc.pid) - cpu0) / TICK;
  put.sort((a, b) => a - b); get.sort((a, b) => a - b);
  const t0 = process.hrtime.bigint();
  const f = await http(server, 'POST', `/api/projects/${project}/takes/${id}/finish`, { token: ana.token, body: {} });
  if (f.status !== 200) throw new Error(f.text);
  const fin = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`take of ${SECONDS} s, 48 kHz stereo, 1 s chunks of ${chunk.length} bytes`);
  console.log(`chunk PUT -> ack (fsync + commit): p50 ${ms(pct(put, 0.5))}, p99 ${ms(pct(put, 0.99))}, max ${ms(put[put.length - 1])}`);
  console.log(`baseline GET of the take:          p50 ${ms(pct(get, 0.5))}, p99 ${ms(pct(get, 0.99))}, max ${ms(get[get.length - 1])}`);
  console.log(`ratio p50 PUT/GET: ${(pct(put, 0.5) / pct(get, 0.5)).toFixed(1)}x`);
  console.log(`server CPU for the chunks and GETs: ${(cpu * 1000 / SECONDS).toFixed(2)} ms per chunk`);
  console.log(`finish (WAV, import, peaks, revision): ${fin.toFixed(2)} s = ${(SECONDS / fin).toFixed(0)}x realtime`);
} finally {
  await server.stop();
}
