// soak.mjs -- the soak benchmark (prints figures; never fails on time):
// the real server under SECONDS (default 1800 = 30 min) of mixed use by
// CLIENTS (default 50) clients in 5 projects: pushes (most of the load),
// preview play/seek/pause with the audio read, WAV uploads, WAV exports
// over HTTP, and reconnects that catch up with `since`. Every 30 s it
// prints the server's resident memory and CPU; at the end:
//   - RSS over time (first, peak, last) and server CPU seconds;
//   - push -> acknowledging delta latency (p50, p99, max) and pushes/s;
//   - preview packets and late packets (from /metrics);
//   - uploads, exports and reconnects done, and errors by kind;
//   - lost acknowledged edits: every (client, seq) whose delta the client
//     received must be in the ops table after the server stopped (the
//     figure must be 0; it is the one thing this benchmark asserts).
//
// Usage (from the build directory, after `make`):
//   MXT_BIN=./mixroom node ../tests/bench/soak.mjs [seconds] [clients]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { addMember, connect, http, makeProject, makeUser, sleep, startServer } from '../integration/harness.mjs';
import { toneWav } from '../integration/preview_lib.mjs';

const SECONDS = Number(process.argv[2] || 1800);
const CLIENTS = Number(process.argv[3] || 50);
const PROJECTS = 5;
// SOAK_ONLY=preview|export|upload|reconnect: pushes plus that one kind of
// action only (to find which one a latency figure comes from).
const ONLY = process.env.SOAK_ONLY || '';
const RATE = 48000;
const TICK = 100; // USER_HZ

function procStat(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) * 1024;
  return { cpu: (Number(rest[11]) + Number(rest[12])) / TICK, rss };
}

async function metric(s, name) {
  const r = await http(s, 'GET', '/metrics');
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text);
  return m ? Number(m[1]) : NaN;
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.floor(p * a.length))];
};
const mib = (b) => (b / 1048576).toFixed(1);

/** One simulated musician: a WebSocket session that pushes edits to its own
 * track and now and then previews, uploads, exports or reconnects. */
class Musician {
  constructor(s, user, project, n, stats) {
    Object.assign(this, { s, user, project, n, stats });
    this.clientId = `soak-${n}`;
    this.seq = 0;
    this.rev = 0;
    this.pending = new Map(); // seq -> sent time
    this.acked = [];          // seqs whose delta came back
    this.track = `t_soak_${n}`;
  }

  async open() {
    this.c = await connect(this.s);
    this.c.ws.on('message', (data, isBinary) => {
      if (isBinary) { if (data[0] === 1) this.stats.audio++; return; }
      const m = JSON.parse(data.toString());
      if (m.type === 'delta' && typeof m.rev === 'number') this.rev = Math.max(this.rev, m.rev);
      if (m.type === 'delta' && m.client === this.clientId && this.pending.has(m.seq)) {
        this.stats.latency.push(performance.now() - this.pending.get(m.seq));
        this.pending.delete(m.seq);
        this.acked.push(m.seq);
      } else if (m.type === 'reject' && this.pending.has(m.seq)) {
        this.pending.delete(m.seq);
        this.stats.errors.reject = (this.stats.errors.reject || 0) + 1;
      }
    });
    const w = await this.c.request({ type: 'hello', token: this.user.token, project: this.project,
      client: this.clientId, since: this.rev || null }, 30000);
    if (w.type !== 'welcome') throw new Error(`hello: ${JSON.stringify(w)}`);
    this.rev = Math.max(this.rev, w.rev);
    this.seq = Math.max(this.seq, w.last_seq || 0);
    // pushes in flight across a reconnect are resent or counted by last_seq
    for (const [seq] of this.pending) if (seq <= (w.last_seq || 0)) { this.pending.delete(seq); this.acked.push(seq); }
    this.pending.clear();
  }

  push(ops) {
    const seq = ++this.seq;
    this.pending.set(seq, performance.now());
    this.c.send({ type: 'push', seq, ops });
    this.stats.pushes++;
  }

  async step(rnd) {
    if (ONLY && rnd >= 0.80 && rnd < 0.91) {
      const kinds = { preview: 0.80, export: 0.86, upload: 0.88, reconnect: 0.89 };
      if (!(ONLY in kinds)) throw new Error(`SOAK_ONLY=${ONLY}: preview, export, upload or reconnect`);
      rnd = kinds[ONLY] + 0.001;
    }
    if (!this.created) {
      this.created = true;
      this.push([{ op: 'create', id: this.track, kind: 'track', fields: { name: `Soak ${this.n}` } }]);
      return;
    }
    if (rnd < 0.80) {
      this.push([{ op: 'set', id: this.track, fields: { gain: -Math.round(Math.random() * 240) / 10, pan: Math.round(Math.random() * 20 - 10) / 10 } }]);
    } else if (rnd < 0.86) {
      const r = await this.c.request({ type: 'play', from: Math.floor(Math.random() * RATE * 2) }, 15000);
      if (r.type === 'error') this.stats.errors.play = (this.stats.errors.play || 0) + 1;
      await sleep(1000);
      await this.c.request({ type: 'seek', to: 0 }, 15000).catch(() => {});
      await sleep(500);
      await this.c.request({ type: 'pause' }, 15000).catch(() => {});
      this.stats.previews++;
    } else if (rnd < 0.88) {
      const r = await http(this.s, 'GET', `/api/projects/${this.project}/export?format=wav&from=0&to=${RATE * 2}`, { token: this.user.token });
      if (r.status !== 200) this.stats.errors.export = (this.stats.errors.export || 0) + 1;
      else this.stats.exports++;
    } else if (rnd < 0.89) {
      const r = await http(this.s, 'POST', `/api/projects/${this.project}/assets?name=soak-${this.n}-${Date.now()}.wav`,
        { token: this.user.token, raw: toneWav(200 + Math.random() * 800, 1), headers: { 'content-type': 'audio/wav' } });
      if (r.status !== 202) this.stats.errors.upload = (this.stats.errors.upload || 0) + 1;
      else this.stats.uploads++;
    } else if (rnd < 0.91) {
      await this.c.close();
      await this.open();
      this.stats.reconnects++;
    } else {
      await sleep(200);
    }
  }
}

async function main() {
  const s = await startServer({ args: ['--log-level', 'warn'] });
  const users = [];
  const projects = [];
  for (let p = 0; p < PROJECTS; p++) {
    const owner = makeUser(s, `owner${p}`);
    users.push(owner);
    projects.push(makeProject(s, `Soak ${p}`, owner.name));
  }
  const stats = { latency: [], pushes: 0, previews: 0, exports: 0, uploads: 0, reconnects: 0, audio: 0, errors: {} };
  const musicians = [];
  for (let i = 0; i < CLIENTS; i++) {
    const u = makeUser(s, `m${i}`);
    const project = projects[i % PROJECTS];
    addMember(s, project, u.name, 'editor');
    musicians.push(new Musician(s, u, project, i, stats));
  }
  for (const m of musicians) await m.open();
  // a clip per project so that previews and exports render audio
  for (let p = 0; p < PROJECTS; p++) {
    const m = musicians[p];
    const r = await http(s, 'POST', `/api/projects/${projects[p]}/assets?name=bed.wav`, { token: m.user.token, raw: toneWav(110, 4), headers: { 'content-type': 'audio/wav' } });
    const id = r.json.asset;
    await m.c.next((x) => x.type === 'asset' && x.asset.id === id && x.asset.state === 'ready', 30000).catch(() => {});
    m.push([{ op: 'create', id: `t_bed_${p}`, kind: 'track', fields: { name: 'Bed' } },
      { op: 'create', id: `c_bed_${p}`, kind: 'clip', fields: { track: `t_bed_${p}`, asset: id, start: 0, length: RATE * 4 } }]);
  }

  const t0 = performance.now();
  const first = procStat(s.proc.pid);
  const samples = [{ t: 0, ...first }];
  const late0 = await metric(s, 'mixroom_preview_late_packets_total');
  const packets0 = await metric(s, 'mixroom_preview_packets_total');
  const deadline = t0 + SECONDS * 1000;
  const sampler = setInterval(() => {
    const st = procStat(s.proc.pid);
    samples.push({ t: (performance.now() - t0) / 1000, ...st });
    console.log(`t=${Math.round((performance.now() - t0) / 1000)} s  rss ${mib(st.rss)} MiB  cpu ${(st.cpu - first.cpu).toFixed(1)} s  pushes ${stats.pushes}  p99 ${pct(stats.latency, 0.99)?.toFixed(1)} ms`);
  }, 30000);
  await Promise.all(musicians.map(async (m) => {
    while (performance.now() < deadline) {
      try {
        await m.step(Math.random());
      } catch (e) {
        stats.errors.client = (stats.errors.client || 0) + 1;
        try { await m.c.close(); } catch { /* gone */ }
        try { await m.open(); } catch { await sleep(1000); }
      }
      await sleep(50 + Math.random() * 150);
    }
  }));
  clearInterval(sampler);
  await sleep(2000); // the last acks
  const last = procStat(s.proc.pid);
  const late = (await metric(s, 'mixroom_preview_late_packets_total')) - late0;
  const packets = (await metric(s, 'mixroom_preview_packets_total')) - packets0;
  for (const m of musicians) await m.c.close().catch(() => {});
  await s.stop();

  // lost acknowledged edits: read the ops log of the stopped server
  const db = path.join(s.dataDir, 'mixroom.db');
  const q = spawnSync('sqlite3', [db, 'SELECT client, seq FROM ops WHERE client IS NOT NULL'],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (q.status !== 0 || q.error) throw new Error(`reading the ops log: ${q.error || q.stderr}`);
  const stored = new Set(q.stdout.split('\n').filter(Boolean));
  let acked = 0, lost = 0;
  for (const m of musicians) for (const seq of m.acked) { acked++; if (!stored.has(`${m.clientId}|${seq}`)) lost++; }

  const secs = (performance.now() - t0) / 1000;
  const peak = Math.max(...samples.map((x) => x.rss));
  console.log(`\nsoak: ${CLIENTS} clients in ${PROJECTS} projects for ${secs.toFixed(0)} s`);
  console.log(`  RSS: start ${mib(first.rss)} MiB, peak ${mib(peak)} MiB, end ${mib(last.rss)} MiB`);
  console.log(`  RSS over time (MiB): ${samples.map((x) => `${Math.round(x.t)}s=${mib(x.rss)}`).join(' ')}`);
  console.log(`  server CPU: ${(last.cpu - first.cpu).toFixed(1)} s (${((last.cpu - first.cpu) / secs).toFixed(2)} cores)`);
  console.log(`  pushes: ${stats.pushes} sent, ${acked} acknowledged (${(acked / secs).toFixed(0)}/s); push->ack p50 ${pct(stats.latency, 0.5)?.toFixed(1)} ms, p99 ${pct(stats.latency, 0.99)?.toFixed(1)} ms, max ${pct(stats.latency, 1)?.toFixed(1)} ms`);
  console.log(`  previews: ${stats.previews} (${stats.audio} audio frames received); packets ${packets}, late ${late}`);
  console.log(`  uploads ${stats.uploads}, exports ${stats.exports}, reconnects ${stats.reconnects}; errors ${JSON.stringify(stats.errors)}`);
  console.log(`  lost acknowledged edits: ${lost} of ${acked}`);
  if (lost > 0) {
    console.log(`  (the data is kept for a look: ${s.dataDir})`);
    process.exit(1);
  }
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(2); });
