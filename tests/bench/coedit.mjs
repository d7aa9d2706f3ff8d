// coedit.mjs -- co-editing benchmark driver (prints figures, never fails on
// time). Starts the real server (synchronous=FULL, the default), creates
// 20 users and up to 100 projects with all 20 as members, then runs the C
// load generator bench_coedit (libwebsockets clients over several threads,
// 20 clients per room) for each configuration:
//   - closed loop at 1, 10 and 100 busy rooms: durable pushes per second (a
//     push counts when its delta, sent only after commit, reaches its
//     author) and push->delta latency at all 20 clients (p50/p99);
//   - open loop: one room paced at 1,000 pushes/s, and 10 rooms at
//     1,000 pushes/s in total.
// For each run it also reports the server's CPU use (utime+stime from
// /proc/<pid>/stat, in cores) and the writer's group-commit figures from
// /metrics (commits, jobs per commit, largest batch). At the end it runs
// bench_sqlite_single: one SQLite row per transaction, the baseline that
// shows what group commit buys.
//
// Usage (from the build directory):
//   make mixroom tests/bench/bench_sqlite_single tests/bench/bench_coedit
//   MXT_BIN=./mixroom MXT_BENCH_DIR=./tests/bench \
//     node /work/main/tests/bench/coedit.mjs [seconds] [threads]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { http, makeUser, sleep, startServer } from '../integration/harness.mjs';

const SECONDS = Number(process.argv[2] || 5);
const THREADS = Number(process.argv[3] || 2);
const CLIENTS = 20;
const BENCH_DIR = process.env.MXT_BENCH_DIR || path.resolve('tests/bench');
const LOADGEN = path.join(BENCH_DIR, 'bench_coedit');
const SQLITE_BENCH = path.join(BENCH_DIR, 'bench_sqlite_single');
const TICK = 100; // USER_HZ (clock ticks per second) on Linux

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime
}

/** http() once more if the server dropped a kept-alive connection. */
async function http2(...args) {
  try { return await http(...args); } catch { await sleep(50); return http(...args); }
}

async function metrics(s) {
  const r = await http2(s, 'GET', '/metrics');
  const get = (name) => {
    const m = r.text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
  return {
    commits: get('mixroom_store_commits_total'),
    jobs: get('mixroom_store_jobs_total'),
    batchMax: get('mixroom_store_batch_max'),
  };
}

async function setup(s, users, n) {
  const lines = [];
  for (let r = 0; r < n; r++) {
    const p = await http2(s, 'POST', '/api/projects', { token: users[0].token, body: { name: `Bench ${r}` } });
    if (p.status !== 201 && p.status !== 200) throw new Error(`project create: ${p.status} ${p.text}`);
    const id = p.json.id || p.json.project?.id;
    for (let i = 1; i < CLIENTS; i++) {
      const m = await http2(s, 'POST', `/api/projects/${id}/members/${users[i].name}`, { token: users[0].token, body: { role: 'editor' } });
      if (m.status >= 300) throw new Error(`add member: ${m.status} ${m.text}`);
    }
    lines.push([id, ...users.map((u) => u.token)].join(' '));
  }
  return lines;
}

/** Runs bench_coedit; calls onRunning/onStopped when it prints those
 * markers (the measured interval); resolves to its figures. */
function runLoadgen(s, setupFile, { rooms, pushers, window, rate = 0 }, onRunning, onStopped) {
  return new Promise((resolve, reject) => {
    const p = spawn(LOADGEN, [String(s.port), setupFile, String(rooms), String(SECONDS),
      String(pushers), String(window), String(rate), String(THREADS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('running\n') && onRunning) { onRunning(p.pid); onRunning = null; }
      if (out.includes('stopped\n') && onStopped) { onStopped(p.pid); onStopped = null; }
    });
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench_coedit failed: ${err}`));
      if (err.trim()) process.stderr.write(err);
      const r = {};
      const last = out.trim().split('\n').pop();
      for (const kv of last.split(/\s+/)) {
        const [k, v] = kv.split('=');
        r[k] = v.includes('/') ? v : Number(v);
      }
      resolve(r);
    });
  });
}

async function measured(s, setupFile, label, opts) {
  // MXT_PERF=<dir>: profile the server during each run (perf, cpu-clock).
  let perf = null;
  if (process.env.MXT_PERF) {
    const out = path.join(process.env.MXT_PERF, `${label.replace(/[^a-z0-9]+/gi, '_')}.data`);
    perf = spawn('perf', ['record', '-e', 'cpu-clock', '-g', '-p', String(s.proc.pid), '-o', out], { stdio: 'ignore' });
    await sleep(300);
  }
  let c0 = 0, c1 = 0, t0 = 0, t1 = 0, g0 = 0, g1 = 0;
  const m0 = await metrics(s);
  const r = await runLoadgen(s, setupFile, opts,
    (pid) => { c0 = cpuTicks(s.proc.pid); g0 = cpuTicks(pid); t0 = performance.now(); },
    (pid) => { c1 = cpuTicks(s.proc.pid); g1 = cpuTicks(pid); t1 = performance.now(); });
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((res) => perf.on('exit', res));
  }
  const m1 = await metrics(s);
  const commits = m1.commits - m0.commits;
  const jobs = m1.jobs - m0.jobs;
  // Server CPU over the measured interval, in cores, and per durable push.
  const cpuS = (c1 - c0) / TICK;
  const cpu = cpuS / ((t1 - t0) / 1000);
  const gen = (g1 - g0) / TICK / ((t1 - t0) / 1000); // the load generator's
  const usPerPush = (cpuS * 1e6) / Math.max(1, r.pushes_per_s * SECONDS);
  console.log(`${label.padEnd(22)} ${String(Math.round(r.pushes_per_s)).padStart(8)}  ${r.p50_ms.toFixed(2).padStart(7)}  ${r.p99_ms.toFixed(2).padStart(7)}  ${cpu.toFixed(2).padStart(5)}  ${String(commits).padStart(7)}  ${(jobs / Math.max(1, commits)).toFixed(1).padStart(6)}  ${String(m1.batchMax).padStart(5)}  ${usPerPush.toFixed(0).padStart(6)}  ${gen.toFixed(2).padStart(6)}  ${r.connected}`);
  return r;
}

async function main() {
  const s = await startServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coedit-bench-'));
  try {
    const users = [];
    for (let i = 0; i < CLIENTS; i++) users.push(makeUser(s, `u${i}`));
    const lines = await setup(s, users, 100);
    const setupFile = path.join(tmp, 'rooms.txt');
    fs.writeFileSync(setupFile, lines.join('\n') + '\n');
    console.log(`coedit benchmark: ${CLIENTS} clients per room, synchronous=FULL, ${SECONDS} s per run, load generator: ${THREADS} threads (C, libwebsockets)`);
    console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cores`);
    console.log('columns: durable pushes/s; push->delta latency at all clients; server CPU (cores) over the');
    console.log('measured interval; writer commits, writer jobs (room batches) per commit, largest batch so far;');
    console.log('server CPU us per durable push; load generator CPU (cores)');
    console.log('run                    pushes/s   p50 ms   p99 ms  srvCPU  commits  jobs/c  bmax  us/push genCPU  clients');
    await measured(s, setupFile, '1 room closed', { rooms: 1, pushers: 2, window: 16 });
    await measured(s, setupFile, '10 rooms closed', { rooms: 10, pushers: 2, window: 16 });
    await measured(s, setupFile, '100 rooms closed', { rooms: 100, pushers: 1, window: 8 });
    await measured(s, setupFile, '1 room @1000/s', { rooms: 1, pushers: 2, window: 64, rate: 1000 });
    await measured(s, setupFile, '10 rooms @1000/s', { rooms: 10, pushers: 2, window: 64, rate: 1000 });
    console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await s.stop();
  }
  const b = spawnSync(SQLITE_BENCH, [tmp, String(Math.min(SECONDS, 3))], { encoding: 'utf8' });
  process.stdout.write(b.stdout || `bench_sqlite_single failed: ${b.stderr}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
