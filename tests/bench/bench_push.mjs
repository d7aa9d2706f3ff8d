// bench_push.mjs -- server CPU per durable push with 20 clients in one
// room (issue #15, "pushes at half the cost"), the build under test against
// a baseline binary in the same run (prints figures, never fails on time).
//
// One data folder is prepared (20 users, one project with all of them as
// editors); each run copies it, starts `mixroom serve` from one binary and
// runs the C load generator bench_coedit against it (one room, 20 clients,
// 2 pushers with 16 pushes outstanding each, closed loop). The server's CPU
// time (utime+stime from /proc/<pid>/stat) over the measured interval
// divided by the durable pushes is the figure; the rounds alternate the two
// binaries (ABBA order) so both see the same machine load.
//
// With MXT_CALLGRIND=1 each server runs under valgrind --tool=callgrind
// and the figure is instructions per push (callgrind_control zeroes the
// counts when the pushes start and dumps them when they stop): independent
// of how busy the machine is.
//
// With MXT_ATTACH='perf stat -e instructions -p {pid}' (any command; {pid}
// is the server's pid) that command runs over the measured interval and is
// stopped with SIGINT when it ends: perf record/stat, strace -c -f.
//
// Usage (from the build directory):
//   make mixroom tests/bench/bench_coedit
//   MXT_BIN=./mixroom MXT_BIN_BEFORE=/path/to/main/mixroom \
//     MXT_BENCH_DIR=./tests/bench node ../tests/bench/bench_push.mjs [seconds] [rounds] [rate]
//   MXT_PUSHERS=20 MXT_WINDOW=4 ... (every client pushes, 4 outstanding each)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, freePort, http, makeUser, sleep, startServer, tempDir } from '../integration/harness.mjs';

const SECONDS = Number(process.argv[2] || 5);
const ROUNDS = Number(process.argv[3] || 2);
// pushes per second in total (0: closed loop). A fixed rate gives both
// binaries the same batching and the same idle cost per push, so their
// figures compare even when the machine is busy.
const RATE = Number(process.argv[4] || 0);
const CLIENTS = 20;
// MXT_PUSHERS / MXT_WINDOW: how many of the clients push and how many
// pushes each keeps outstanding (default 2 x 16; 20 x 4: everybody pushes)
const PUSHERS = Number(process.env.MXT_PUSHERS || 2);
const WINDOW = Number(process.env.MXT_WINDOW || 16);
const BENCH_DIR = process.env.MXT_BENCH_DIR || path.resolve('tests/bench');
const LOADGEN = path.join(BENCH_DIR, 'bench_coedit');
const BEFORE = process.env.MXT_BIN_BEFORE || '';
const CALLGRIND = process.env.MXT_CALLGRIND === '1';
const ATTACH = process.env.MXT_ATTACH || '';
const SRCDIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const TICK = 100; // USER_HZ

/** [user, system] clock ticks of pid so far. */
function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return [Number(rest[11]), Number(rest[12])];
}

async function prepare() {
  const s = await startServer();
  const users = [];
  for (let i = 0; i < CLIENTS; i++) users.push(makeUser(s, `u${i}`));
  const p = await http(s, 'POST', '/api/projects', { token: users[0].token, body: { name: 'Push bench' } });
  const id = p.json.id || p.json.project?.id;
  for (let i = 1; i < CLIENTS; i++) {
    const m = await http(s, 'POST', `/api/projects/${id}/members/${users[i].name}`, { token: users[0].token, body: { role: 'editor' } });
    if (m.status >= 300) throw new Error(`add member: ${m.status} ${m.text}`);
  }
  await s.stop();
  return { dataDir: s.dataDir, line: [id, ...users.map((u) => u.token)].join(' ') };
}

function callgrindTotal(file) {
  const r = spawnSync('callgrind_annotate', [file], { encoding: 'utf8' });
  const m = (r.stdout || '').match(/([0-9,]+) \(100\.0%\)\s+PROGRAM TOTALS/);
  return m ? Number(m[1].replace(/,/g, '')) : NaN;
}

async function runOnce(bin, prepared, setupFile, label) {
  const dataDir = tempDir('mixroom-pushbench-');
  fs.cpSync(prepared.dataDir, dataDir, { recursive: true });
  const port = await freePort();
  const out = path.join(dataDir, 'callgrind.out');
  const serve = [bin, 'serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir,
    '--web', path.join(SRCDIR, 'web'), '--no-demo'];
  const cmd = CALLGRIND
    ? ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-instr=no', ...serve]
    : serve;
  const proc = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const deadline = Date.now() + 120000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${log}`);
    try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('server did not start');
    await sleep(100);
  }
  let c0 = [0, 0], c1 = [0, 0], t0 = 0, t1 = 0, attached = null, attachOut = '';
  let m0 = null, m1 = null;
  // the store writer's commits and jobs over the measured interval: how
  // many revisions each group commit (one fsync) carried
  const storeFigures = async () => {
    const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const get = (k) => Number((t.match(new RegExp(`^${k} ([0-9.]+)`, 'm')) || [])[1] || NaN);
    return { commits: get('mixroom_store_commits_total'), jobs: get('mixroom_store_jobs_total') };
  };
  const r = await new Promise((resolve, reject) => {
    const p = spawn(LOADGEN, [String(port), setupFile, '1', String(SECONDS), String(PUSHERS), RATE ? '64' : String(WINDOW), String(RATE), '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let o = '', e = '', running = false, stopped = false;
    p.stderr.on('data', (d) => { e += d; });
    p.stdout.on('data', (d) => {
      o += d;
      if (!running && o.includes('running\n')) {
        running = true;
        if (CALLGRIND) spawnSync('callgrind_control', ['--zero', String(proc.pid)]);
        c0 = cpuTicks(proc.pid); t0 = performance.now();
        m0 = storeFigures();
        if (ATTACH) {
          const a = ATTACH.replaceAll('{pid}', String(proc.pid)).split(/\s+/);
          attached = spawn(a[0], a.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
          attached.stdout.on('data', (d) => { attachOut += d; });
          attached.stderr.on('data', (d) => { attachOut += d; });
        }
      }
      if (!stopped && o.includes('stopped\n')) {
        stopped = true;
        c1 = cpuTicks(proc.pid); t1 = performance.now();
        m1 = storeFigures();
        if (attached) attached.kill('SIGINT');
        if (CALLGRIND) spawnSync('callgrind_control', ['--dump=measured', String(proc.pid)]);
      }
    });
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench_coedit failed: ${e}`));
      const res = {};
      for (const kv of o.trim().split('\n').pop().split(/\s+/)) {
        const [k, v] = kv.split('=');
        res[k] = v.includes('/') ? v : Number(v);
      }
      resolve(res);
    });
  });
  const [s0, s1] = [await m0, await m1];
  if (attached) {
    if (attached.exitCode === null && attached.signalCode === null) await new Promise((res) => attached.on('exit', res));
    console.log(`[${label}] ${ATTACH}:\n${attachOut.trim()}`);
  }
  proc.kill('SIGTERM');
  await new Promise((res) => proc.on('exit', res));
  const pushes = r.pushes_per_s * ((t1 - t0) / 1000);
  const userS = (c1[0] - c0[0]) / TICK;
  const sysS = (c1[1] - c0[1]) / TICK;
  const cpuS = userS + sysS;
  const row = { label, pushes, pps: r.pushes_per_s, cpuS, userS, sysS, usPerPush: (cpuS * 1e6) / Math.max(1, pushes), p99: r.p99_ms,
    commitsPerPush: (s1.commits - s0.commits) / Math.max(1, pushes), jobsPerCommit: (s1.jobs - s0.jobs) / Math.max(1, s1.commits - s0.commits) };
  if (CALLGRIND) {
    const dumps = fs.readdirSync(dataDir).filter((f) => f.startsWith('callgrind.out') && !f.endsWith('callgrind.out'));
    const measuredDump = dumps.map((f) => path.join(dataDir, f)).find((f) => fs.readFileSync(f, 'utf8').includes('measured'));
    row.irPerPush = measuredDump ? callgrindTotal(measuredDump) / Math.max(1, pushes) : NaN;
    // MXT_CALLGRIND_KEEP=<dir>: keep the measured dump for callgrind_annotate
    if (measuredDump && process.env.MXT_CALLGRIND_KEEP) {
      fs.copyFileSync(measuredDump, path.join(process.env.MXT_CALLGRIND_KEEP, `callgrind.${label}.${Date.now()}`));
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  return row;
}

async function main() {
  const prepared = await prepare();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-'));
  const setupFile = path.join(tmp, 'rooms.txt');
  fs.writeFileSync(setupFile, `${prepared.line}\n`);
  const bins = BEFORE ? [['before', BEFORE], ['after', BIN]] : [['after', BIN]];
  console.log(`push cost: 1 room, ${CLIENTS} clients, ${PUSHERS} pushers, ${RATE ? `paced at ${RATE} pushes/s` : `closed loop, ${WINDOW} outstanding each`}, ${SECONDS} s per run, ${ROUNDS} rounds${CALLGRIND ? ', under callgrind' : ''}`);
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cores`);
  console.log('run          pushes/s  server CPU s  us/push (user+sys)  pushes/s per core  p99 ms  commits/push  jobs/commit' + (CALLGRIND ? '  instructions/push' : ''));
  const sums = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...bins].reverse() : bins;
    for (const [label, bin] of order) {
      const r = await runOnce(bin, prepared, setupFile, label);
      sums[label] = sums[label] || { cpuS: 0, userS: 0, sysS: 0, pushes: 0, ir: 0, n: 0 };
      sums[label].cpuS += r.cpuS;
      sums[label].userS += r.userS;
      sums[label].sysS += r.sysS;
      sums[label].pushes += r.pushes;
      sums[label].ir += r.irPerPush || 0;
      sums[label].n++;
      const split = `${r.usPerPush.toFixed(1)} (${((r.userS * 1e6) / Math.max(1, r.pushes)).toFixed(0)}+${((r.sysS * 1e6) / Math.max(1, r.pushes)).toFixed(0)})`;
      console.log(`${label.padEnd(10)} ${r.pps.toFixed(0).padStart(10)}  ${r.cpuS.toFixed(2).padStart(12)}  ${split.padStart(18)}  ${(1e6 / r.usPerPush).toFixed(0).padStart(17)}  ${r.p99.toFixed(1).padStart(6)}  ${r.commitsPerPush.toFixed(3).padStart(12)}  ${r.jobsPerCommit.toFixed(2).padStart(11)}` +
        (CALLGRIND ? `  ${r.irPerPush.toFixed(0).padStart(17)}` : ''));
    }
  }
  console.log('totals (server CPU over all rounds / durable pushes):');
  for (const [label] of bins) {
    const s = sums[label];
    const us = (s.cpuS * 1e6) / Math.max(1, s.pushes);
    const uu = (s.userS * 1e6) / Math.max(1, s.pushes), su = (s.sysS * 1e6) / Math.max(1, s.pushes);
    console.log(`  ${label}: ${us.toFixed(1)} us/push (user ${uu.toFixed(1)} + system ${su.toFixed(1)}) = ${(1e6 / us).toFixed(0)} pushes/s per core of server CPU` +
      (CALLGRIND ? `, ${(s.ir / s.n).toFixed(0)} instructions/push` : ''));
  }
  if (BEFORE) {
    const b = sums.before, a = sums.after;
    const ratio = (a.cpuS / a.pushes) / (b.cpuS / b.pushes);
    const uratio = (a.userS / a.pushes) / (b.userS / b.pushes);
    console.log(`  after/before: ${ratio.toFixed(2)} of the CPU per push, ${uratio.toFixed(2)} of the user-space CPU` + (CALLGRIND ? `, ${((a.ir / a.n) / (b.ir / b.n)).toFixed(2)} of the instructions` : ''));
  }
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(prepared.dataDir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
