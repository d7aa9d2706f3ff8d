// coedit.mjs -- co-editing benchmark (prints figures, never fails on time).
// Starts the real server (synchronous=FULL), opens R rooms with 20 clients
// each, and measures durable pushes per second (a push counts when its
// delta, sent only after commit, reaches the author) and push->delta
// latency to all 20 clients (p50/p99), at R = 1, 10 and 100 busy rooms;
// then a paced run at 1,000 pushes/s in one room for latency under load.
// Usage: MXT_BIN=build/mixroom node tests/bench/coedit.mjs [seconds]
import { addMember, join, makeProject, makeUser, sleep, startServer } from '../integration/harness.mjs';

const SECONDS = Number(process.argv[2] || 5);
const CLIENTS = 20;

function pct(a, p) {
  if (!a.length) return NaN;
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function makeRooms(s, users, n) {
  const rooms = [];
  for (let r = 0; r < n; r++) {
    const p = makeProject(s, `Bench ${r}`, 'u0');
    for (let i = 1; i < CLIENTS; i++) addMember(s, p, `u${i}`, 'editor');
    const clients = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { client } = await join(s, users[i], p, { client: `r${r}c${i}` });
      clients.push(client);
    }
    rooms.push({ p, clients });
  }
  // A shared track per room.
  for (const room of rooms) {
    room.clients[0].send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 'trk', kind: 'track', fields: { name: 'Bench' } }] });
  }
  await sleep(500);
  return rooms;
}

/** Runs pushes for `seconds`: `pushers` clients per room, `window`
 * outstanding each, or paced at `rate` pushes/s total. */
async function run(rooms, { seconds, pushers = 2, window = 16, rate = 0 }) {
  const lat = [];
  let acked = 0;
  const sentAt = new Map(); // `${client}/${seq}` -> ms
  const state = [];
  for (const room of rooms) {
    for (const c of room.clients) {
      c.inbox.length = 0;
      c.ws.removeAllListeners('message');
      c.ws.on('message', (data) => {
        const text = data.toString();
        if (!text.startsWith('{"client"')) return; // deltas sort "client" first
        const m = JSON.parse(text);
        if (m.type !== 'delta' || m.seq === undefined) return;
        const key = `${m.client}/${m.seq}`;
        const t0 = sentAt.get(key);
        if (t0 !== undefined) lat.push(performance.now() - t0);
        if (m.client === c.clientId) {
          acked++;
          const st = c.bench;
          if (st) { st.out--; if (!rate) st.pump(); }
        }
      });
    }
    for (let k = 0; k < pushers; k++) {
      const c = room.clients[k];
      const st = { out: 0, seq: c.benchSeq || 1 };
      st.pump = () => {
        while (running && st.out < window) {
          st.seq++;
          st.out++;
          sentAt.set(`${c.clientId}/${st.seq}`, performance.now());
          c.send({ type: 'push', seq: st.seq, ops: [{ op: 'set', id: 'trk', fields: { gain: -(st.seq % 60) / 2 } }] });
          if (rate) break;
        }
        c.benchSeq = st.seq;
      };
      c.bench = st;
      state.push(st);
    }
  }
  let running = true;
  const t0 = performance.now();
  let timer;
  if (rate) {
    let i = 0;
    const perTick = rate / 1000; // ms ticks
    let credit = 0;
    timer = setInterval(() => {
      credit += perTick * 5;
      while (credit >= 1) { state[i++ % state.length].pump(); credit--; }
    }, 5);
  } else {
    for (const st of state) st.pump();
  }
  await sleep(seconds * 1000);
  running = false;
  if (timer) clearInterval(timer);
  const elapsed = (performance.now() - t0) / 1000;
  const ackedAtStop = acked;
  await sleep(1000);
  for (const room of rooms) for (const c of room.clients) c.bench = null;
  return { pushesPerS: ackedAtStop / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), samples: lat.length };
}

async function main() {
  const s = await startServer();
  try {
    const users = [];
    for (let i = 0; i < CLIENTS; i++) users.push(makeUser(s, `u${i}`));
    console.log(`coedit benchmark: ${CLIENTS} clients per room, synchronous=FULL, ${SECONDS} s per run`);
    console.log('rooms  pushes/s(durable)  latency p50 ms  p99 ms  (deltas measured)');
    let all = [];
    for (const n of [1, 10, 100]) {
      const more = await makeRooms(s, users, n - all.length);
      all = all.concat(more);
      const rooms = all.slice(0, n);
      const r = await run(rooms, { seconds: SECONDS, pushers: n >= 100 ? 1 : 2, window: n >= 100 ? 4 : 16 });
      console.log(`${String(n).padStart(5)}  ${r.pushesPerS.toFixed(0).padStart(17)}  ${r.p50.toFixed(2).padStart(14)}  ${r.p99.toFixed(2).padStart(6)}  (${r.samples})`);
    }
    const paced = await run(all.slice(0, 1), { seconds: SECONDS, pushers: 2, rate: 1000 });
    console.log(`paced 1 room at 1000 pushes/s: ${paced.pushesPerS.toFixed(0)} durable/s, p50 ${paced.p50.toFixed(2)} ms, p99 ${paced.p99.toFixed(2)} ms (${paced.samples} deltas)`);
    for (const room of all) for (const c of room.clients) c.ws.terminate();
  } finally {
    await s.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
