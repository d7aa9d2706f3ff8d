// push_shared.test.mjs -- a revision's delta is encoded once and its one
// frame is shared by every connection's send queue (h15-push): twenty
// clients of one room receive byte-identical deltas; the author's copy is
// the same bytes (an undo's answer: with its request "id" in key order); a resent push, which
// the server answers by encoding the stored row with jansson (the
// per-client path), gets exactly the bytes the shared frame carried; a
// client that stops reading does not hold back the others and, once it
// reads again, gets every delta intact and in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMember, connect, makeProject, makeUser, sleep, startServer } from './harness.mjs';

const CLIENTS = 20;

/** Waits until cond() holds (generous deadline, no timing assertion). */
async function until(cond, what, ms = 60000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** 20 connections of 4 users in one new project, each keeping the raw text
 * of every delta it receives by revision. */
async function room() {
  const s = await startServer();
  const users = ['ana', 'ben', 'cy', 'dee'].map((n) => makeUser(s, n));
  const p = makeProject(s, 'Shared frames', 'ana');
  for (const u of users.slice(1)) addMember(s, p, u.name, 'editor');
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = await connect(s);
    c.raw = new Map();
    c.ws.on('message', (d, bin) => {
      if (bin) return;
      const t = d.toString();
      const m = JSON.parse(t);
      if (m.type === 'delta') c.raw.set(m.rev, t);
    });
    const w = await c.request({ type: 'hello', token: users[i % 4].token, project: p, client: `c${i}`, since: null });
    assert.equal(w.type, 'welcome');
    clients.push(c);
  }
  return { s, clients };
}

// gains and pans whose text takes each path of the encoder: short binary
// fractions (written without printf) and decimals jansson writes itself
const GAINS = [-14.5, -0.1, 0.1, -3.25, 6, -0.0, -59.99, 1e-7, -99.123456789, 11.999999999999998];
const PANS = [0.25, -1, 0.3, 1, -0.7071067811865476, 0];

test('20 clients get the same bytes; the undo answer is them with its id; a resend is byte-identical', async () => {
  const { s, clients } = await room();
  try {
    const author = clients[0];
    author.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 'trk', kind: 'track', fields: { name: 'Caf\u00e9 "bus" \\ 1' } }] });
    // a push's acknowledgement is its delta (no id, as before); undo's
    // answer carries the request id
    let seq = 1;
    for (let i = 0; i < 40; i++) {
      seq++;
      const fields = { gain: GAINS[i % GAINS.length], pan: PANS[i % PANS.length] };
      author.send({ type: 'push', ...(i % 2 ? { id: 1000 + i } : {}), seq, ops: [{ op: 'set', id: 'trk', fields }] });
    }
    const u = await author.request({ type: 'undo' });
    assert.equal(u.type, 'delta');
    const last = u.rev;
    assert.equal(last, 42);
    await until(() => clients.every((c) => c.raw.size === last), 'every client has every delta');

    for (let rev = 1; rev <= last; rev++) {
      const other = clients[1].raw.get(rev);
      for (const c of clients.slice(2)) assert.equal(c.raw.get(rev), other, `rev ${rev}: the same bytes at every client`);
      const mine = author.raw.get(rev);
      const m = JSON.parse(other);
      // keys in byte order, compact: "id" goes right after "client"
      const id = rev === last ? u.id : undefined;
      if (id === undefined) {
        assert.equal(mine, other, `rev ${rev}: no id, the shared bytes`);
      } else {
        assert.equal(mine, other.replace(`{"client":"c0",`, `{"client":"c0","id":${id},`), `rev ${rev}: the author's copy`);
      }
      assert.equal(m.type, 'delta');
      assert.equal(m.rev, rev);
    }
    assert.match(clients[5].raw.get(2), /"gain":-14\.5,/);
    assert.match(clients[5].raw.get(4), /"gain":0\.10000000000000001,/);
    assert.equal(JSON.parse(clients[5].raw.get(last)).undo_of, last - 1);

    // A resend of applied pushes is answered from the log, encoded by
    // jansson per connection: the same bytes as the shared frame.
    for (const old of [2, 3, 7, 12]) {
      author.raw.delete(old);
      author.send({ type: 'push', seq: old, ops: [{ op: 'set', id: 'trk', fields: { gain: 1 } }] });
      await until(() => author.raw.has(old), `the resend of ${old}`);
      assert.equal(author.raw.get(old), clients[3].raw.get(old), `resend of seq ${old}`);
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await s.stop();
  }
});

test('a client that stops reading does not hold back the others and gets its deltas intact', async () => {
  const { s, clients } = await room();
  try {
    const author = clients[0];
    const slow = clients[7];
    author.send({ type: 'push', seq: 1, ops: [{ op: 'create', id: 'trk', kind: 'track', fields: { name: 'Slow' } }] });
    await until(() => slow.raw.size === 1, 'the slow client has the first delta');
    slow.ws._socket.pause(); // reads nothing more for now
    const N = 1000; // ~400 KB of deltas while it is paused
    for (let i = 0; i < N; i++) {
      author.send({ type: 'push', seq: 2 + i, ops: [{ op: 'set', id: 'trk', fields: { gain: -(i % 48) / 4, name: `take ${i} ${'x'.repeat(150)}` } }] });
    }
    const others = clients.filter((c) => c !== slow);
    await until(() => others.every((c) => c.raw.size === N + 1), 'every reading client has every delta');
    assert.ok(slow.raw.size < N + 1, 'the paused client has not read them all yet');
    slow.ws._socket.resume();
    await until(() => slow.raw.size === N + 1, 'the slow client catches up');
    for (let rev = 1; rev <= N + 1; rev++) assert.equal(slow.raw.get(rev), clients[1].raw.get(rev), `rev ${rev} intact`);
    // in order: the revisions arrived as 1..N+1
    assert.deepEqual([...slow.raw.keys()], Array.from({ length: N + 1 }, (_, i) => i + 1));
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await s.stop();
  }
});
