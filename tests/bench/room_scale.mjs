// room_scale.mjs -- push->delta latency in a large room (issue #15,
// h15-room; prints figures, never fails on time). For each size it starts
// the real server (MXT_BIN), makes 20 users and one project with all 20 as
// members, fills the project with N objects (tracks, effects, sends,
// automation, markers; pushes of 1,000 ops), then runs the C load
// generator bench_coedit with 20 clients in the room, 2 of them pushing at
// RATE pushes/s in total for SECONDS, and prints p50/p99 push->delta at
// all 20 clients, the server's CPU (utime+stime from /proc) per push and
// how many of the writer's commits took over 50 ms (from /metrics), and
// per second of the run: the loop thread's CPU time, its time waiting on
// the run queue for a core, and the other threads' CPU time (schedstat;
// h15-p99). p99.9 and max come from bench_coedit too.
// At 1,000 pushes/s a full snapshot falls due every 500 revisions, twice a
// second.
//
// Usage (from a build directory):
//   make mixroom tests/bench/bench_coedit
//   MXT_BIN=./mixroom MXT_BENCH_DIR=./tests/bench \
//     node ../tests/bench/room_scale.mjs [seconds] [rate] [sizes...]
// tests/bench/room_scale.sh runs it for main's binary and this one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { http, join, makeUser, startServer } from '../integration/harness.mjs';

const SECONDS = Number(process.argv[2] || 5);
const RATE = Number(process.argv[3] || 1000);
const SIZES = process.argv.length > 4 ? process.argv.slice(4).map(Number) : [100, 1000, 10000, 50000];
const CLIENTS = 20;
const BENCH_DIR = process.env.MXT_BENCH_DIR || path.resolve('tests/bench');
const LOADGEN = path.join(BENCH_DIR, 'bench_coedit');
const TICK = 100; // USER_HZ

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/* Per thread of pid: [tid, ns on a CPU, ns waiting on the run queue]
 * (/proc/PID/task/TID/schedstat): whether the loop thread's tail is its
 * own work or waiting for a core. */
function schedStats(pid) {
  const out = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, [run, wait, name]);
    } catch { /* the thread ended */ }
  }
  return out;
}

/* Loop thread (tid == pid) run and run-queue wait, and the other threads'
 * run time, in ms per second of the measured interval; then the others by
 * thread name (mx-writer, mx-checkpoint, mx-job, ...). */
function schedDelta(pid, a, b, seconds) {
  let otherRun = 0;
  let loop = [0, 0];
  const byName = new Map();
  for (const [tid, [run, wait, name]] of b) {
    const [run0, wait0] = a.get(tid) || [0, 0];
    if (tid === String(pid)) loop = [run - run0, wait - wait0];
    else {
      otherRun += run - run0;
      byName.set(name, (byName.get(name) || 0) + run - run0);
    }
  }
  const ms = (ns) => (ns / 1e6 / seconds).toFixed(0);
  const names = [...byName].filter(([, ns]) => ns > 0).map(([n, ns]) => `${n}:${ms(ns)}`).join(' ');
  return `${ms(loop[0])}/${ms(loop[1])}/${ms(otherRun)} ${names}`;
}

/* About n objects: one track per 50, the rest effects, sends, automation
 * and markers spread over the tracks. */
function fillOps(n) {
  const tracks = Math.max(4, Math.floor(n / 50));
  const all = [{ op: 'create', id: 'b0', kind: 'track', fields: { role: 'bus' } }];
  for (let t = 0; t < tracks; t++) all.push({ op: 'create', id: `t${t}`, kind: 'track', fields: {} });
  for (let i = 0; all.length < n; i++) {
    const t = `t${i % tracks}`;
    const w = i % 10;
    if (w < 4) all.push({ op: 'create', id: `e${i}`, kind: 'effect', fields: { track: t, type: 'eq' } });
    else if (w < 5) all.push({ op: 'create', id: `s${i}`, kind: 'send', fields: { track: t, target: 'b0' } });
    else if (w < 6) all.push({ op: 'create', id: `u${i}`, kind: 'automation', fields: { track: t, param: 'gain', points: [[0, 0]] } });
    else all.push({ op: 'create', id: `m${i}`, kind: 'marker', fields: { at: i } });
  }
  const pushes = [];
  for (let i = 0; i < all.length; i += 1000) pushes.push(all.slice(i, i + 1000));
  return pushes;
}

async function fill(s, user, project, n) {
  const { client } = await join(s, user, project, { client: 'c-fill' });
  let seq = 0;
  for (const ops of fillOps(n)) {
    seq++;
    client.send({ type: 'push', seq, base: null, ops });
    const d = await client.next((m) => (m.type === 'delta' || m.type === 'reject') && m.seq === seq, 120000);
    if (d.type !== 'delta') throw new Error(`fill: ${JSON.stringify(d).slice(0, 300)}`);
  }
  await client.close();
}

function runLoadgen(s, setupFile, onRunning, onStopped) {
  return new Promise((resolve, reject) => {
    const p = spawn(LOADGEN, [String(s.port), setupFile, '1', String(SECONDS), '2', '64', String(RATE), '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('running\n') && onRunning) { onRunning(); onRunning = null; }
      if (out.includes('stopped\n') && onStopped) { onStopped(); onStopped = null; }
    });
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench_coedit failed: ${err}`));
      const r = {};
      for (const kv of out.trim().split('\n').pop().split(/\s+/)) {
        const [k, v] = kv.split('=');
        r[k] = v.includes('/') ? v : Number(v);
      }
      resolve(r);
    });
  });
}

/* The store writer's commits over the whole run that took longer than
 * 50 ms from submission to commit (mixroom_store_commit_seconds), of all:
 * what holds acks and deltas back. */
async function slowCommits(s) {
  const m = await http(s, 'GET', '/metrics');
  const le = (b) => Number((m.text.match(new RegExp(`mixroom_store_commit_seconds_bucket\\{le="${b}"\\} (\\d+)`)) || [])[1]);
  const count = Number((m.text.match(/mixroom_store_commit_seconds_count (\d+)/) || [])[1]);
  if (!Number.isFinite(count)) return 'n/a';
  return `${count - le('0.05')}/${count}`;
}

async function one(n) {
  const s = await startServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'room-scale-'));
  try {
    const users = [];
    for (let i = 0; i < CLIENTS; i++) users.push(makeUser(s, `u${i}`));
    const p = await http(s, 'POST', '/api/projects', { token: users[0].token, body: { name: `Scale ${n}` } });
    const id = p.json.id || p.json.project?.id;
    for (let i = 1; i < CLIENTS; i++) {
      const m = await http(s, 'POST', `/api/projects/${id}/members/${users[i].name}`, { token: users[0].token, body: { role: 'editor' } });
      if (m.status >= 300) throw new Error(`add member: ${m.status} ${m.text}`);
    }
    await fill(s, users[0], id, n);
    const setupFile = path.join(tmp, 'rooms.txt');
    fs.writeFileSync(setupFile, [id, ...users.map((u) => u.token)].join(' ') + '\n');
    let c0 = 0, c1 = 0, t0 = 0, t1 = 0, s0 = null, s1 = null;
    const r = await runLoadgen(s, setupFile,
      () => { c0 = cpuTicks(s.proc.pid); s0 = schedStats(s.proc.pid); t0 = performance.now(); },
      () => { c1 = cpuTicks(s.proc.pid); s1 = schedStats(s.proc.pid); t1 = performance.now(); });
    const sched = schedDelta(s.proc.pid, s0, s1, (t1 - t0) / 1000);
    const slow = await slowCommits(s);
    const cpuS = (c1 - c0) / TICK;
    const usPerPush = (cpuS * 1e6) / Math.max(1, r.pushes_per_s * SECONDS);
    console.log(`${String(n).padStart(7)} ${String(Math.round(r.pushes_per_s)).padStart(9)} ${r.p50_ms.toFixed(2).padStart(8)} ${r.p99_ms.toFixed(2).padStart(8)} ${(r.p999_ms ?? NaN).toFixed(2).padStart(8)} ${(r.max_ms ?? NaN).toFixed(1).padStart(7)} ${(cpuS / ((t1 - t0) / 1000)).toFixed(2).padStart(7)} ${usPerPush.toFixed(0).padStart(8)}  ${r.connected}  ${slow.padEnd(12)}  ${sched}`);
  } finally {
    await s.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`room_scale: ${process.env.MXT_BIN || 'mixroom'}, ${CLIENTS} clients, 2 pushers, ${RATE} pushes/s, ${SECONDS} s per size; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('objects  pushes/s   p50 ms   p99 ms p99.9 ms  max ms  srvCPU  us/push  clients  commits>50ms  loop run/wait/others ms per s');
  for (const n of SIZES) await one(n);
}

main().catch((e) => { console.error(e); process.exit(1); });
