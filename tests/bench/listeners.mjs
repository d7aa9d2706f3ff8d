// listeners.mjs -- listeners per core on the real server (issue 15,
// BENCHMARKS.md "Listeners per core (h15-listen)"): a 16-track project
// (EQ + compressor on every track, 4 buses with reverb and delay) and N
// real WebSocket listeners, 3/4 of them in groups of 8 pressing play at
// the same position at once, 1/4 at positions of their own. Prints the
// server's CPU time (/proc/PID/stat, utime + stime: every thread) per
// stream-second (per second of audio sent: packets / 50), streams per
// core and late packets (/metrics), for the
// server as it is and, in the same run, with stream_share = 0 and the
// complexity fixed at 8 (the before figure). Never fails on time.
// Mode `independent` (h15-listen3): no groups, every listener plays from a
// position of its own (nobody can share), which is issue 15's "a hundred
// listeners per core" when nothing is shared; the lowest complexity seen
// during the measurement is printed too. Run it with MXT_BIN set to the
// binary of main for the before figure of the same run.
// Whole run and steady (h15-listen4): the figures over the whole run (from
// the first play to the end) and over the steady interval (after a
// warm-up of WARM_S s from the last play's answer), CPU and late packets
// over the same interval each. `together` (6th argument): every listener
// presses play at once (100 listeners joining an idle server together).
// Usage (from the build directory):
//   MXT_BIN=./mixroom node ../tests/bench/listeners.mjs [N=100] [seconds=10] [mix|independent] [after-only|both] [together]
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, sleep, startServer } from '../integration/harness.mjs';
import { makeUser, makeProject } from '../integration/harness.mjs';
import { pushOps, toneWav, uploadAsset } from '../integration/preview_lib.mjs';

const N = Number(process.argv[2] || 100);
const SECONDS = Number(process.argv[3] || 10);
const GROUP = 8;
const INDEPENDENT = process.argv[4] === 'independent';
const TOGETHER = process.argv[6] === 'together';
const WARM_S = 2;
const TICK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICK; // utime, stime
}

async function metric(srv, name) {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  return Number(text.match(new RegExp(`^${name} (-?\\d+)$`, 'm'))[1]);
}

async function makeProject16(srv) {
  const user = makeUser(srv, 'bench');
  const project = makeProject(srv, 'Sixteen', 'bench');
  const { client } = await join(srv, user, project);
  const ops = [];
  for (let b = 0; b < 4; b++) {
    ops.push({ op: 'create', id: `b${b}`, kind: 'track', fields: { name: `Bus ${b}`, order: `z${b}5`, role: 'bus' } });
    ops.push({ op: 'create', id: `rv${b}`, kind: 'effect', fields: { track: `b${b}`, type: 'reverb', order: 'a', params: { size: 0.6, mix: 0.3 } } });
    ops.push({ op: 'create', id: `dl${b}`, kind: 'effect', fields: { track: `b${b}`, type: 'delay', order: 'b', params: { feedback: 0.4 } } });
  }
  for (let t = 0; t < 16; t++) {
    const a = await uploadAsset(srv, user, project, client, `t${t}.wav`, toneWav(55 * 2 ** (t / 4), 60, 0.3));
    ops.push({ op: 'create', id: `t${t}`, kind: 'track', fields: { name: `T${t}`, order: `a${String(t).padStart(2, '0')}5`, gain: -6, output: `b${t % 4}` } });
    ops.push({ op: 'create', id: `eq${t}`, kind: 'effect', fields: { track: `t${t}`, type: 'eq', order: 'a', params: { bands: [{ type: 'highpass', freq: 40, q: 0.7 }, { type: 'peak', freq: 200 + 100 * t, gain: 3, q: 1.2 }] } } });
    ops.push({ op: 'create', id: `cp${t}`, kind: 'effect', fields: { track: `t${t}`, type: 'compressor', order: 'b', params: { threshold: -20, ratio: 3 } } });
    ops.push({ op: 'create', id: `c${t}`, kind: 'clip', fields: { track: `t${t}`, asset: a, start: 0, length: 60 * 48000 } });
  }
  await pushOps(client, ops);
  return { user, project, client };
}

async function run(label, args) {
  const srv = await startServer({ args });
  try {
    const p = await makeProject16(srv);
    const clients = [];
    for (let i = 0; i < N; i++) clients.push((await join(srv, p.user, p.project)).client);
    let received = 0;
    for (const c of clients) c.ws.on('message', (d, bin) => { if (bin && d[0] === 1) received++; });
    const grouped = INDEPENDENT ? 0 : Math.floor((N * 3) / 4 / GROUP) * GROUP;
    const w0 = { c: cpuSeconds(srv.proc.pid), l: await metric(srv, 'mixroom_preview_late_packets_total'),
      p: await metric(srv, 'mixroom_preview_packets_total'), t: performance.now() };
    // groups press play together; the others one by one at their own place
    for (let g = 0; g < grouped; g += GROUP) {
      await Promise.all(clients.slice(g, g + GROUP).map((c) => c.request({ type: 'play', from: (g / GROUP) * 96000, loop: [0, 50 * 48000] }, 20000)));
    }
    // i * 4801: no two listeners' positions are a whole number of 960-frame
    // packets apart, so none can ever stand where another's source is
    // (with i * 4800 a listener whose play was applied 100 ms after the
    // one before it would join that one's source)
    const play = (i) => clients[i].request({ type: 'play', from: i * 4801 + 1, loop: [0, 50 * 48000] }, 20000);
    if (TOGETHER) await Promise.all(clients.slice(grouped).map((c, j) => play(grouped + j)));
    else for (let i = grouped; i < N; i++) await play(i);
    await sleep(WARM_S * 1000);
    const c0 = cpuSeconds(srv.proc.pid); const l0 = await metric(srv, 'mixroom_preview_late_packets_total');
    const e0 = await metric(srv, 'mixroom_preview_encodes_total'); const p0 = await metric(srv, 'mixroom_preview_packets_total');
    const r0 = received; const t0 = performance.now();
    let cxMin = await metric(srv, 'mixroom_preview_opus_complexity'); let cxMax = cxMin;
    while (performance.now() - t0 < SECONDS * 1000) {
      await sleep(500);
      const c = await metric(srv, 'mixroom_preview_opus_complexity');
      cxMin = Math.min(cxMin, c); cxMax = Math.max(cxMax, c);
    }
    const wall = (performance.now() - t0) / 1000;
    const c1 = cpuSeconds(srv.proc.pid); const l1 = await metric(srv, 'mixroom_preview_late_packets_total');
    const e1 = await metric(srv, 'mixroom_preview_encodes_total'); const p1 = await metric(srv, 'mixroom_preview_packets_total');
    const cx = await metric(srv, 'mixroom_preview_opus_complexity');
    let ahead = -2;
    try { ahead = await metric(srv, 'mixroom_preview_render_ahead'); } catch { /* main: no such gauge */ }
    const wholeMs = ((c1 - w0.c) * 1000) / ((p1 - w0.p) / 50);
    // per second of audio actually sent: a server that falls behind (a
    // loaded machine) sends fewer packets and is not credited for them
    const streamSeconds = (p1 - p0) / 50;
    const ms = ((c1 - c0) * 1000) / streamSeconds;
    console.log(`${label.padEnd(38)} ${N} listeners, ${wall.toFixed(1)} s: ${ms.toFixed(2)} server CPU ms per stream-second = ${(1000 / ms).toFixed(0)} streams per core; ` +
      `packets ${p1 - p0} (received ${received - r0}), encodes ${e1 - e0}, late ${l1 - l0}; complexity now ${cx} (${cxMin}..${cxMax} while measured)`);
    console.log(`${''.padEnd(38)} steady = the above (first ${WARM_S} s after the last play left out); whole run ${((performance.now() - w0.t) / 1000).toFixed(1)} s: ${wholeMs.toFixed(2)} ms per stream-second, ` +
      `late ${l1 - w0.l} of ${p1 - w0.p}; render ahead now ${ahead === -2 ? 'n/a' : ahead} packets per block`);
    for (const c of clients) c.ws.terminate();
    p.client.ws.terminate();
  } finally { await srv.stop(); }
}

console.log(`listeners.mjs: ${N} listeners, ${SECONDS} s measured; ${INDEPENDENT ? 'all independent (each at its own position)' : `groups of ${GROUP} for 3/4 of them`}${TOGETHER ? ', all pressing play at once' : ''}; load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
if (process.argv[5] !== 'after-only') await run('before: stream_share=0, complexity 8', ['--stream-share', '0', '--opus-complexity-min', '8']);
// MXT_ARGS: server flags for the "after" run (e.g. --stream-render-ahead-max 5)
const EXTRA = (process.env.MXT_ARGS || '').split(' ').filter(Boolean);
await run(`after: the server as configured${EXTRA.length ? ` (${EXTRA.join(' ')})` : ''}`, EXTRA);
