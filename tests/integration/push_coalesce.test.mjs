// push_coalesce.test.mjs -- coalesced sends give clients exactly what
// one write per message gives (h15-push2): the server packs every queued
// frame of a connection into one buffer and one send; with the test hook
// MIXROOM_TEST_WS_NO_COALESCE=1 it writes each message alone, framed by
// lws. The same script (bursts of pushes from two authors, an undo, a
// push that is rejected) runs against one server of each kind; every
// client's messages, in order, are the same text both ways once the
// values that differ between two servers by nature (timestamps, user ids,
// project id) are replaced by placeholders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMember, connect, makeProject, makeUser, startServer } from './harness.mjs';

const LISTENERS = 6;
const BURST = 40;

/** Resolves once cond() holds, checked after every message any of the
 * clients gets (a generous deadline gives a clear error, not a timing
 * assertion). */
function when(clients, cond, what) {
  return new Promise((resolve, reject) => {
    const check = () => { if (cond()) { stop(); resolve(); } };
    const timer = setTimeout(() => { stop(); reject(new Error(`never happened: ${what}`)); }, 60000);
    const stop = () => { clearTimeout(timer); for (const c of clients) c.ws.off('message', check); };
    for (const c of clients) c.ws.on('message', check);
    check();
  });
}

/** Runs the script on a new server started with env; returns every
 * client's received text messages, normalized, in order. */
async function session(env) {
  const s = await startServer({ env });
  try {
    const ana = makeUser(s, 'ana');
    const ben = makeUser(s, 'ben');
    const p = makeProject(s, 'Coalesce', 'ana');
    addMember(s, p, 'ben', 'editor');
    const users = new Map(); // user id -> U<n>, in order of appearance
    const norm = (t) => t
      .replaceAll(p, 'P')
      .replace(/"ts":\d+/g, '"ts":0')
      .replace(/"user":"([^"]*)"/g, (_, id) => {
        if (!users.has(id)) users.set(id, `U${users.size}`);
        return `"user":"${users.get(id)}"`;
      });
    const clients = [];
    for (let i = 0; i < 2 + LISTENERS; i++) {
      const c = await connect(s);
      const w = await c.request({ type: 'hello', token: (i % 2 ? ben : ana).token, project: p, client: `k${i}`, since: null });
      assert.equal(w.type, 'welcome');
      c.got = [];
      // deltas, rejects and errors (presence and the like are not part of
      // the script)
      c.ws.on('message', (d, bin) => {
        const t = d.toString();
        if (!bin && /"type":"(delta|reject|error)"/.test(t)) c.got.push(norm(t));
      });
      clients.push(c);
    }
    const [a, b] = clients;
    a.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 'trk', kind: 'track', fields: { name: 'Bus \u00e9 "1"' } }] });
    await when(clients, () => clients.every((c) => c.got.length >= 1), 'the create');
    // two authors' bursts, sent without waiting: several deltas queue on
    // every connection per commit
    for (let i = 1; i <= BURST; i++) {
      a.send({ type: 'push', seq: 1 + i, ops: [{ op: 'set', id: 'trk', fields: { gain: -(i % 48) / 4 } }] });
      b.send({ type: 'push', seq: i, ops: [{ op: 'set', id: 'trk', fields: { pan: ((i % 9) - 4) / 8 } }] });
    }
    // a push that cannot apply: its reject goes to its author alone
    b.send({ type: 'push', seq: BURST + 1, ops: [{ op: 'set', id: 'nope', fields: { gain: 0 } }] });
    a.send({ type: 'undo', id: 77 });
    const want = 1 + 2 * BURST + 1; // the deltas every client gets
    await when(clients, () => b.got.some((t) => t.includes('"type":"reject"')) &&
      clients.every((c) => c.got.filter((t) => t.includes('"type":"delta"')).length >= want), 'every delta and the reject');
    // the revisions are in the order the server applied them, which may
    // differ between the two runs (two authors race): compare each
    // client's stream with the revision numbers it carries, and the
    // deltas' text by revision
    return clients.map((c) => c.got);
  } finally {
    await s.stop();
  }
}

/** The deltas of one client by rev, and its other messages in order. */
function split(got) {
  const deltas = new Map();
  const other = [];
  let lastRev = 0;
  for (const t of got) {
    const m = JSON.parse(t);
    if (m.type === 'delta') {
      assert.ok(m.rev > lastRev, `deltas in revision order (${m.rev} after ${lastRev})`);
      lastRev = m.rev;
      deltas.set(m.rev, t);
    } else other.push(t);
  }
  return { deltas, other };
}

test('coalesced sends: every client gets the same messages, in order, as with one write per message', async () => {
  const on = await session({});
  const off = await session({ MIXROOM_TEST_WS_NO_COALESCE: '1' });
  assert.equal(on.length, off.length);
  // within one run every client got the same deltas, byte for byte
  for (const run of [on, off]) {
    const first = split(run[0]).deltas;
    for (const got of run) {
      const d = split(got).deltas;
      assert.equal(d.size, first.size);
      for (const [rev, t] of d) {
        // the author's undo answer carries its id; the others' do not
        if (!t.includes('"id":77')) assert.equal(t, first.get(rev).replace(',"id":77', ''));
      }
    }
  }
  // across the runs: the same revisions with the same content (the order
  // of the two authors' pushes may differ, so compare as multisets of
  // what each revision did, and the non-delta messages exactly)
  for (let i = 0; i < on.length; i++) {
    const a = split(on[i]), b = split(off[i]);
    assert.equal(a.deltas.size, b.deltas.size, `client ${i}: as many deltas`);
    const bodies = (m) => [...m.values()].map((t) => t.replace(/"rev":\d+/, '"rev":0').replace(/"undo_of":\d+/, '"undo_of":0')).sort();
    assert.deepEqual(bodies(a.deltas), bodies(b.deltas), `client ${i}: the same deltas`);
    assert.deepEqual(a.other, b.other, `client ${i}: the same other messages`);
  }
});
