// convergence.test.mjs -- the room under stress and crashes: 8 clients
// pushing 500 random pushes each at the same time all end with the same
// document as the server's snapshot and as a fresh load after a restart;
// and `kill -9` right after acknowledgements loses no acknowledged revision
// and leaves no push half-applied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMember, join, makeProject, makeUser, sleep, startServer } from './harness.mjs';
import { Doc } from './coedit_lib.mjs';

function rnd(n) { return Math.floor(Math.random() * n); }
function pick(a) { return a[rnd(a.length)]; }

/** A random push against the client's view of the document. */
function randomOps(doc, me, counter) {
  const ops = [];
  const n = 1 + rnd(3);
  const tracks = [...doc.objects.values()].filter((o) => o.kind === 'track' && o.role !== 'bus');
  const all = [...doc.objects.values()].filter((o) => o.id !== 'project' && !/^b[01]$/.test(o.id));
  for (let i = 0; i < n; i++) {
    const id = `${me}_${counter}_${i}`;
    const r = rnd(10);
    if (r < 4 && tracks.length) {
      const t = pick(tracks);
      const f = pick([{ gain: Math.round((Math.random() * 26 - 20) * 10) / 10 }, { pan: Math.round((Math.random() * 2 - 1) * 100) / 100 },
        { mute: Math.random() < 0.5 }, { name: `n${rnd(100)}` }, { color: pick(['#ff0000', '#00ff00', '#123456']) },
        { output: pick(['master', 'b0', 'b1']) }]);
      ops.push({ op: 'set', id: t.id, fields: f });
    } else if (r < 6) {
      ops.push({ op: 'create', id, kind: 'track', fields: { name: `T ${id}`, order: 'a' + rnd(9 + 1) } });
    } else if (r < 7) {
      ops.push({ op: 'create', id, kind: 'marker', fields: { at: rnd(480000) } });
    } else if (r < 8 && tracks.length) {
      const t = pick(tracks);
      ops.push(pick([
        { op: 'create', id, kind: 'send', fields: { track: t.id, target: pick(['b0', 'b1']), level: -6 } },
        { op: 'create', id, kind: 'automation', fields: { track: t.id, param: 'gain', points: [[0, 0], [48000, -6]] } },
        { op: 'create', id, kind: 'effect', fields: { track: t.id, type: 'eq' } }]));
    } else if (all.length) {
      ops.push({ op: 'delete', id: pick(all).id });
    }
  }
  return ops.length ? ops : [{ op: 'create', id: `${me}_${counter}_m`, kind: 'marker', fields: { at: 0 } }];
}

test('8 clients x 500 random pushes converge with the server and a fresh load', { timeout: 240000 }, async () => {
  let s = await startServer();
  try {
    const owner = makeUser(s, 'owner');
    const p = makeProject(s, 'Busy', 'owner');
    const users = [];
    for (let i = 0; i < 8; i++) {
      const u = makeUser(s, `u${i}`);
      addMember(s, p, `u${i}`, 'editor');
      users.push(u);
    }
    const o = await join(s, owner, p);
    const setupOps = [
      { op: 'create', id: 'b0', kind: 'track', fields: { name: 'Bus A', role: 'bus' } },
      { op: 'create', id: 'b1', kind: 'track', fields: { name: 'Bus B', role: 'bus' } }];
    for (let i = 0; i < 5; i++) setupOps.push({ op: 'create', id: `t${i}`, kind: 'track', fields: { name: `Shared ${i}` } });
    o.client.send({ type: 'push', seq: 1, ops: setupOps });
    await o.client.next((m) => m.type === 'delta');
    await o.client.close();

    const PUSHES = 500;
    const clients = await Promise.all(users.map((u, i) => join(s, u, p, { client: `conv-${i}` })));
    let rejects = 0;
    await Promise.all(clients.map(async ({ client, welcome }, i) => {
      const doc = new Doc();
      doc.loadWelcome(welcome);
      client.doc = doc;
      let sent = 0; let done = 0;
      await new Promise((resolve, reject) => {
        const pump = () => {
          while (sent < PUSHES && sent - done < 8) {
            sent++;
            client.send({ type: 'push', seq: sent, base: doc.rev, ops: randomOps(doc, `c${i}`, sent) });
          }
        };
        client.ws.on('message', (data, isBinary) => {
          if (isBinary) return;
          const m = JSON.parse(data.toString());
          try {
            if (m.type === 'delta') {
              doc.applyDelta(m);
              if (m.client === `conv-${i}`) done++;
            } else if (m.type === 'reject') {
              done++; rejects++;
            } else if (m.type === 'error') {
              throw new Error(JSON.stringify(m));
            }
          } catch (e) { reject(e); return; }
          if (done === PUSHES) resolve(); else pump();
        });
        pump();
      });
    }));
    // Let the last deltas reach everyone.
    const head = Math.max(...clients.map((c) => c.client.doc.rev));
    for (let t = 0; t < 100 && clients.some((c) => c.client.doc.rev < head); t++) await sleep(50);
    const fresh = await join(s, owner, p);
    assert.equal(fresh.welcome.rev, head);
    const server = new Doc();
    server.loadWelcome(fresh.welcome);
    for (const c of clients) assert.equal(c.client.doc.canonical(), server.canonical());
    assert.ok(head > 1000, `only ${head} revisions applied (${rejects} rejects)`);
    for (const c of clients) await c.client.close();
    await fresh.client.close();

    s = await s.restart();
    const again = await join(s, owner, p);
    assert.equal(again.welcome.rev, head);
    const reloaded = new Doc();
    reloaded.loadWelcome(again.welcome);
    assert.equal(reloaded.canonical(), server.canonical());
    await again.client.close();
  } finally {
    await s.stop();
  }
});

test('kill -9 right after acks: every acknowledged revision survives, no half push', { timeout: 120000 }, async () => {
  let s = await startServer();
  try {
    const ana = makeUser(s, 'ana');
    const p = makeProject(s, 'Crash', 'ana');
    const a = await join(s, ana, p, { client: 'crash-a' });
    const doc = new Doc();
    doc.loadWelcome(a.welcome);
    let acked = 0;
    let killed = false;
    // Each push creates a track and a marker with the same number: a push
    // is all there or not at all.
    let seq = 0;
    const killAt = 150;
    await new Promise((resolve) => {
      a.client.ws.on('message', async (data) => {
        const m = JSON.parse(data.toString());
        if (m.type !== 'delta' || killed) return;
        doc.applyDelta(m);
        if (m.client === 'crash-a') acked = Math.max(acked, m.seq);
        if (acked >= killAt) {
          killed = true;
          await s.kill9();
          resolve();
        }
      });
      const pump = setInterval(() => {
        if (killed) { clearInterval(pump); return; }
        for (let k = 0; k < 20 && seq < 400; k++) {
          seq++;
          a.client.send({ type: 'push', seq, ops: [
            { op: 'create', id: `t${seq}`, kind: 'track', fields: { name: `T${seq}` } },
            { op: 'create', id: `m${seq}`, kind: 'marker', fields: { at: seq } }] });
        }
      }, 2);
    });
    s = await s.restart();
    const b = await join(s, ana, p, { client: 'crash-a', since: doc.rev });
    assert.ok(b.welcome.rev >= doc.rev, `server at ${b.welcome.rev}, acked ${doc.rev}`);
    assert.ok(b.welcome.last_seq >= acked);
    doc.loadWelcome(b.welcome); // deltas committed but not yet sent when killed
    const snap = await join(s, ana, p);
    const server = new Doc();
    server.loadWelcome(snap.welcome);
    assert.equal(server.canonical(), doc.canonical());
    for (let i = 1; i <= acked; i++) {
      assert.ok(server.objects.has(`t${i}`) && server.objects.has(`m${i}`), `push ${i} lost`);
    }
    for (let i = 1; i <= 400; i++) {
      assert.equal(server.objects.has(`t${i}`), server.objects.has(`m${i}`), `push ${i} half applied`);
    }
    // Resending everything after the crash applies each push once.
    for (let i = b.welcome.last_seq + 1; i <= seq; i++) {
      b.client.send({ type: 'push', seq: i, ops: [
        { op: 'create', id: `t${i}`, kind: 'track', fields: { name: `T${i}` } },
        { op: 'create', id: `m${i}`, kind: 'marker', fields: { at: i } }] });
    }
    for (let i = 1; i <= b.welcome.last_seq; i++) {
      b.client.send({ type: 'push', seq: i, ops: [{ op: 'delete', id: `t${i}` }] });
    }
    await b.client.next((m) => m.type === 'delta' && m.seq === seq, 10000);
    const fin = await join(s, ana, p);
    const finDoc = new Doc();
    finDoc.loadWelcome(fin.welcome);
    for (let i = 1; i <= seq; i++) assert.ok(finDoc.objects.has(`t${i}`), `t${i}`);
    await b.client.close();
    await fin.client.close();
    await snap.client.close();
  } finally {
    await s.stop();
  }
});
