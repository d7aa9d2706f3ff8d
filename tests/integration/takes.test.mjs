// takes.test.mjs -- recording on the real server (issue 17, the chunk
// protocol of docs/protocol.md "Recording"): a ~3 s take sent in 1 s
// chunks survives a socket destroyed mid-PUT, a dropped WebSocket and a
// resent acknowledged chunk, and finishes into an asset whose decoded
// samples are exactly the PCM sent, in one revision that a second client
// sees (with `recording` messages of growing frames before it); a second
// take over the same range stacks as an alternative (older one muted) and
// picking the other is one push; roles; every malformed chunk is refused
// naming the problem with the take unchanged; a full disk stops the take
// with 507 and keeps what was acknowledged; a take whose tab closed (and
// whose server was killed) is finished later from a new session.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { addMember, http, join, makeProject, makeUser, startServer, tempDir } from './harness.mjs';
import { pushOps } from './preview_lib.mjs';

const RATE = 48000;
let server; let ana; let ben; let cat; let dan; let eve; let project; let spaceFile;

before(async () => {
  spaceFile = path.join(tempDir('mixroom-takes-'), 'space');
  server = await startServer({
    args: ['--max-take-seconds', '5', '--max-open-takes-per-user', '3'],
    env: { MIXROOM_TEST_TAKE_SPACE_FILE: spaceFile },
  });
  ana = makeUser(server, 'ana');
  ben = makeUser(server, 'ben');
  cat = makeUser(server, 'cat');
  dan = makeUser(server, 'dan');
  eve = makeUser(server, 'eve');
  project = makeProject(server, 'Takes song', 'ana');
  addMember(server, project, 'ben', 'editor');
  addMember(server, project, 'cat', 'commenter');
  addMember(server, project, 'dan', 'viewer');
  addMember(server, project, 'eve', 'editor');
});
after(async () => { await server.stop(); });

/** `seconds` of mono (or stereo) s16le PCM: a sine with a little noise, so
 *  two takes never have the same bytes. */
function pcm(seconds, freq, channels = 1, seed = 1) {
  const n = Math.round(seconds * RATE);
  const b = Buffer.alloc(n * channels * 2);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const v = Math.round(12000 * Math.sin(2 * Math.PI * freq * i / RATE)) + (x % 200) - 100;
    for (let c = 0; c < channels; c++) b.writeInt16LE(c ? -v : v, (i * channels + c) * 2);
  }
  return b;
}

const base = (p = project) => `/api/projects/${p}/takes`;

async function createTake(user, fields, p = project) {
  return http(server, 'POST', base(p), { token: user.token, body: fields });
}

// No retry: a chunk refused early (413) is drained and its connection
// stays open for the next request (http_keepalive.test.mjs); the server
// used to hang up on that kept-alive socket, and the request sent on it
// next failed with "other side closed" under load.
function putChunk(user, take, seq, body, { rate = RATE, channels = 1, query } = {}) {
  const q = query ?? `rate=${rate}&channels=${channels}`;
  return http(server, 'PUT', `${base()}/${take}/chunks/${seq}?${q}`, {
    token: user.token, raw: body, headers: { 'content-type': 'application/octet-stream' },
  });
}

const getTake = async (user, take) => (await http(server, 'GET', `${base()}/${take}`, { token: user.token }));

/** Sends the headers and part of a PUT's body on a raw socket, then
 *  destroys the socket (a connection lost mid-chunk). */
function putHalfThenDrop(user, take, seq, body) {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1', () => {
      s.write(`PUT ${base()}/${take}/chunks/${seq}?rate=${RATE}&channels=1 HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${user.token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.write(body.subarray(0, body.length >> 1), () => setTimeout(() => { s.destroy(); resolve(); }, 100));
    });
    s.on('error', reject);
  });
}

/** The decoded samples of an asset made from `wav` (its content address). */
function assetSamples(wav) {
  const sha = crypto.createHash('sha256').update(wav).digest('hex');
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes(sha) && e.name === `samples-${RATE}`) found.push(p);
    }
  };
  walk(path.join(server.dataDir, 'assets'));
  assert.equal(found.length, 1, `samples of ${sha}`);
  const b = fs.readFileSync(found[0]);
  assert.equal(b.toString('latin1', 0, 8), 'MXSAMP01');
  const channels = b.readUInt32LE(8); const frames = Number(b.readBigUInt64LE(16));
  return { channels, frames, f32: new Float32Array(b.buffer.slice(b.byteOffset + 64, b.byteOffset + 64 + frames * channels * 4)) };
}

/** The WAV the server makes of a take (to find its asset). */
function wavOf(data, channels = 1) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(RATE, 24); h.writeUInt32LE(RATE * channels * 2, 28); h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Asserts that the asset's decoded samples are exactly the s16 PCM sent. */
function assertSamplesEqual(sent, channels = 1) {
  const s = assetSamples(wavOf(sent, channels));
  assert.equal(s.channels, channels);
  assert.equal(s.frames, sent.length / (2 * channels));
  let bad = 0;
  for (let i = 0; i < s.frames * channels; i++) if (Math.round(s.f32[i] * 32768) !== sent.readInt16LE(2 * i)) bad++;
  assert.equal(bad, 0, `${bad} samples differ from the PCM sent`);
}

test('a take over a dropped connection resumes without loss or duplication and lands in one revision', async () => {
  const { client: watcher } = await join(server, ben, project);
  let { client: anaWs } = await join(server, ana, project);
  const r0 = await createTake(ana, { track: null, at: RATE, rate: RATE, channels: 1, device: 'Built-in mic' });
  assert.equal(r0.status, 201, r0.text);
  const take = r0.json.take;
  assert.deepEqual({ ...take, id: undefined, user: undefined, name: undefined },
    { id: undefined, user: undefined, name: undefined, n: 1, track: null, at: RATE, rate: RATE, channels: 1, state: 'recording', next: 0, frames: 0, device: 'Built-in mic' });
  const started = await watcher.next((m) => m.type === 'recording' && m.take === take.id);
  assert.equal(started.state, 'recording');
  assert.equal(started.frames, 0);
  assert.equal(started.user, take.user);
  assert.equal(started.name, 'ana');

  const audio = pcm(3, 220);
  const chunk = (i) => audio.subarray(i * RATE * 2, (i + 1) * RATE * 2);
  let r = await putChunk(ana, take.id, 0, chunk(0));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { next: 1, frames: RATE });
  const grow1 = await watcher.next((m) => m.type === 'recording' && m.take === take.id);
  assert.equal(grow1.frames, RATE);

  // the connection drops in the middle of chunk 1, and the WebSocket too
  await putHalfThenDrop(ana, take.id, 1, chunk(1));
  await anaWs.close();
  r = await getTake(ana, take.id);
  assert.equal(r.status, 200);
  assert.equal(r.json.take.next, 1);
  assert.equal(r.json.take.frames, RATE);
  // the client resends from what it last knew: chunk 0 again (acknowledged)
  r = await putChunk(ana, take.id, 0, chunk(0));
  assert.deepEqual([r.status, r.json], [200, { next: 1, frames: RATE }]);
  for (const i of [1, 2]) {
    r = await putChunk(ana, take.id, i, chunk(i));
    assert.deepEqual([r.status, r.json], [200, { next: i + 1, frames: (i + 1) * RATE }]);
  }
  // a resend of the last chunk doubles nothing
  r = await putChunk(ana, take.id, 2, chunk(2));
  assert.deepEqual([r.status, r.json], [200, { next: 3, frames: 3 * RATE }]);
  const frames = [];
  for (;;) {
    const m = await watcher.next((x) => x.type === 'recording' && x.take === take.id);
    frames.push(m.frames);
    if (m.frames === 3 * RATE) break;
  }
  assert.deepEqual(frames, [2 * RATE, 3 * RATE]);

  // finish from a new session
  ({ client: anaWs } = await join(server, ana, project));
  r = await http(server, 'POST', `${base()}/${take.id}/finish`, { token: ana.token, body: {} });
  assert.equal(r.status, 200, r.text);
  const done = r.json.take;
  assert.equal(done.state, 'done');
  assert.ok(done.asset && done.clip && done.track && done.revision > 0, JSON.stringify(done));
  const delta = await watcher.next((m) => m.type === 'delta' && m.rev === done.revision, 10000);
  const created = delta.ops.filter((o) => o.op === 'create');
  assert.deepEqual(created.map((o) => o.kind).sort(), ['clip', 'track']);
  const clip = created.find((o) => o.kind === 'clip');
  assert.equal(clip.id, done.clip);
  assert.equal(clip.fields.track, done.track);
  assert.equal(clip.fields.asset, done.asset);
  assert.equal(clip.fields.start, RATE);
  assert.equal(clip.fields.length, 3 * RATE);
  assert.equal(clip.fields.mute, false);
  assert.equal(clip.fields.name, 'Take 1');
  assert.ok(clip.fields.take_group);
  assert.equal(created.find((o) => o.kind === 'track').fields.name, 'Take 1');
  const end = await watcher.next((m) => m.type === 'recording' && m.take === take.id);
  assert.equal(end.state, 'done');
  // no other revision came with it
  await watcher.none((m) => m.type === 'delta' && m.rev !== done.revision, 300);
  const hist = await watcher.request({ type: 'history', before: null, limit: 5, user: null });
  assert.equal(hist.entries[0].rev, done.revision);
  assert.equal(hist.entries[0].summary, 'ana recorded Take 1 on a new track');
  assert.equal(hist.entries.filter((e) => e.rev >= done.revision).length, 1);
  const assets = await http(server, 'GET', `/api/projects/${project}/assets`, { token: ana.token });
  const asset = assets.json.assets.find((a) => a.id === done.asset);
  assert.equal(asset.name, 'Take 1 - ana');
  assert.equal(asset.frames, 3 * RATE);
  assertSamplesEqual(audio);
  // finishing again answers the same
  r = await http(server, 'POST', `${base()}/${take.id}/finish`, { token: ana.token, body: {} });
  assert.deepEqual([r.status, r.json.take.clip, r.json.take.revision], [200, done.clip, done.revision]);

  // a second take over the same range stacks: same group, the older muted
  const r2 = await createTake(ana, { track: done.track, at: RATE / 2, rate: RATE, channels: 1 });
  assert.equal(r2.status, 201, r2.text);
  assert.equal(r2.json.take.n, 2);
  const audio2 = pcm(2, 330, 1, 7);
  for (const i of [0, 1]) {
    r = await putChunk(ana, r2.json.take.id, i, audio2.subarray(i * RATE * 2, (i + 1) * RATE * 2));
    assert.equal(r.status, 200, r.text);
  }
  r = await http(server, 'POST', `${base()}/${r2.json.take.id}/finish`, { token: ana.token, body: {} });
  assert.equal(r.status, 200, r.text);
  const done2 = r.json.take;
  assert.equal(done2.track, done.track);
  const d2 = await watcher.next((m) => m.type === 'delta' && m.rev === done2.revision, 10000);
  const clip2 = d2.ops.find((o) => o.op === 'create' && o.kind === 'clip');
  assert.equal(clip2.fields.take_group, clip.fields.take_group);
  assert.equal(clip2.fields.mute, false);
  assert.equal(clip2.fields.name, 'Take 2');
  const muted = d2.ops.find((o) => o.op === 'set' && o.id === done.clip);
  assert.equal(muted.fields.mute, true);
  assert.equal(d2.ops.length, 2);
  assertSamplesEqual(audio2);
  // picking take 1 again is one push
  const pick = await pushOps(anaWs, [
    { op: 'set', id: done.clip, fields: { mute: false } },
    { op: 'set', id: done2.clip, fields: { mute: true } },
  ]);
  assert.equal(pick.rev, done2.revision + 1);
  await watcher.close();
  await anaWs.close();
});

test('commenters and viewers cannot record; nothing is created', async () => {
  const before = await http(server, 'GET', base(), { token: ana.token });
  for (const u of [cat, dan]) {
    const r = await createTake(u, { track: null, at: 0, rate: RATE, channels: 1 });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.code, 'forbidden');
  }
  const afterList = await http(server, 'GET', base(), { token: ana.token });
  assert.deepEqual(afterList.json, before.json);
  // a viewer may read the takes, not write them
  const r = await http(server, 'GET', base(), { token: dan.token });
  assert.equal(r.status, 200);
});

test('bad create bodies are refused naming the field', async () => {
  const cases = [
    [{ track: null, at: -1, rate: RATE, channels: 1 }, 400, /at must be/],
    [{ track: null, at: 1.5, rate: RATE, channels: 1 }, 400, /at must be/],
    [{ track: null, at: 0, rate: 22050, channels: 1 }, 400, /rate must be 44100 or 48000/],
    [{ track: null, at: 0, rate: RATE, channels: 3 }, 400, /channels must be 1 or 2/],
    [{ track: null, at: 0, rate: RATE, channels: 1, device: 'x'.repeat(201) }, 400, /device must be/],
    [{ track: 'nope', at: 0, rate: RATE, channels: 1 }, 404, /track nope does not exist/],
    [{ track: 5, at: 0, rate: RATE, channels: 1 }, 400, /track must be/],
    [{ track: null, at: 0, rate: RATE, channels: 1, extra: 1 }, 400, /unknown field "extra"/],
  ];
  const before = await http(server, 'GET', base(), { token: ana.token });
  for (const [body, status, re] of cases) {
    const r = await createTake(eve, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.message, re);
  }
  let r = await http(server, 'POST', base(), { token: eve.token, body: '{"at":' });
  assert.equal(r.status, 400);
  r = await http(server, 'GET', base(), { token: ana.token });
  assert.deepEqual(r.json, before.json);
});

test('malformed chunks are refused naming the problem and leave the take intact', async () => {
  const r0 = await createTake(ana, { track: null, at: 0, rate: RATE, channels: 1 });
  assert.equal(r0.status, 201);
  const id = r0.json.take.id;
  const audio = pcm(2, 440, 1, 3);
  const c0 = audio.subarray(0, RATE * 2);
  assert.equal((await putChunk(ana, id, 0, c0)).status, 200);
  const before = (await getTake(ana, id)).json;
  const bad = [
    [() => putChunk(ana, id, 5, c0), 409, 'out_of_order', /chunk 5 is out of order: the next chunk is 1/],
    [() => putChunk(ana, id, 0, c0.subarray(0, 1000)), 409, 'conflict', /chunk 0 was acknowledged with 96000 bytes; this resend has 1000/],
    [() => putChunk(ana, id, 1, Buffer.alloc(1024 * 1024 + 2)), 413, 'too_large', /max_take_chunk_bytes/],
    [() => putChunk(ana, id, 1, c0, { rate: 44100 }), 400, 'invalid_value', /^rate must be/],
    [() => putChunk(ana, id, 1, c0, { query: 'channels=1' }), 400, 'invalid_value', /^rate must be/],
    [() => putChunk(ana, id, 1, c0, { channels: 2 }), 400, 'invalid_value', /^channels must be/],
    [() => putChunk(ana, id, 1, c0.subarray(0, 1001)), 400, 'invalid_value', /^body must be whole frames/],
    [() => putChunk(ana, id, 1, Buffer.alloc(0)), 400, 'invalid_value', /^body must be whole frames/],
    [() => putChunk(ana, id, 'x', c0), 400, 'invalid_value', /^seq must be/],
    [() => putChunk(ana, 't_nosuchtake', 1, c0), 404, 'not_found', /take t_nosuchtake does not exist/],
    [() => putChunk(ben, id, 1, c0), 403, 'forbidden', /only the user who records a take/],
    [() => putChunk(cat, id, 1, c0), 403, 'forbidden', /./],
  ];
  for (const [f, status, code, re] of bad) {
    const r = await f();
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.code, code, r.text);
    assert.match(r.json.message, re);
    if (code === 'out_of_order') assert.equal(r.json.next, 1);
    assert.deepEqual((await getTake(ana, id)).json, before, 'the take changed');
  }
  assert.equal((await http(server, 'POST', `${base()}/${id}/finish`, { token: ben.token, body: {} })).status, 403);
  assert.equal((await http(server, 'DELETE', `${base()}/${id}`, { token: ben.token })).status, 403);
  assert.equal((await http(server, 'POST', `${base()}/${id}/finish`, { token: ana.token, body: { trim: 48000 } })).status, 400);
  assert.equal((await http(server, 'POST', `${base()}/${id}/finish`, { token: ana.token, body: { at: 'x' } })).status, 400);
  assert.deepEqual((await getTake(ana, id)).json, before);
  // the good chunk goes on; the asset is exactly the good chunks
  assert.equal((await putChunk(ana, id, 1, audio.subarray(RATE * 2))).status, 200);
  const r = await http(server, 'POST', `${base()}/${id}/finish`, { token: ana.token, body: { at: 96000 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.take.at, 96000);
  assertSamplesEqual(audio);
});

test('a take longer than max_take_seconds is refused at the chunk that passes it', async () => {
  const r0 = await createTake(ana, { track: null, at: 0, rate: RATE, channels: 1 });
  const id = r0.json.take.id;
  const sec = pcm(1, 100, 1, 9);
  for (let i = 0; i < 5; i++) assert.equal((await putChunk(ana, id, i, sec)).status, 200);
  const r = await putChunk(ana, id, 5, sec.subarray(0, 2));
  assert.equal(r.status, 413);
  assert.match(r.json.message, /longer than 5 s \(setting max_take_seconds\)/);
  assert.equal((await getTake(ana, id)).json.take.frames, 5 * RATE);
  const d = await http(server, 'DELETE', `${base()}/${id}`, { token: ana.token });
  assert.equal(d.status, 200);
  assert.equal(d.json.take.state, 'discarded');
  assert.equal(fs.existsSync(path.join(server.dataDir, 'takes', `${id}.s16`)), false);
  assert.equal((await putChunk(ana, id, 5, sec)).status, 409);
});

test('max_open_takes_per_user bounds unfinished takes', async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const r = await createTake(eve, { track: null, at: 0, rate: RATE, channels: 2 });
    assert.equal(r.status, 201, r.text);
    ids.push(r.json.take.id);
  }
  const r = await createTake(eve, { track: null, at: 0, rate: RATE, channels: 2 });
  assert.equal(r.status, 409);
  assert.match(r.json.message, /max_open_takes_per_user/);
  const open = await http(server, 'GET', `${base()}?open=1`, { token: eve.token });
  assert.deepEqual(open.json.takes.map((t) => t.id), ids);
  for (const id of ids) assert.equal((await http(server, 'DELETE', `${base()}/${id}`, { token: eve.token })).status, 200);
  assert.deepEqual((await http(server, 'GET', `${base()}?open=1`, { token: eve.token })).json.takes, []);
});

test('a full disk stops the take with 507; the acknowledged audio is kept and finishable', async () => {
  const r0 = await createTake(ben, { track: null, at: 0, rate: RATE, channels: 2 });
  const id = r0.json.take.id;
  const audio = pcm(3, 523, 2, 5);
  const c = (i) => audio.subarray(i * RATE * 4, (i + 1) * RATE * 4);
  assert.equal((await putChunk(ben, id, 0, c(0), { channels: 2 })).status, 200);
  assert.equal((await putChunk(ben, id, 1, c(1), { channels: 2 })).status, 200);
  fs.writeFileSync(spaceFile, String(2 * RATE * 4 + 1000)); // a part of chunk 2 fits
  try {
    let r = await putChunk(ben, id, 2, c(2), { channels: 2 });
    assert.equal(r.status, 507, r.text);
    assert.equal(r.json.code, 'disk_full');
    assert.match(r.json.message, /disk is full/);
    const t = (await getTake(ben, id)).json.take;
    assert.equal(t.state, 'stopped');
    assert.equal(t.next, 2);
    assert.equal(t.frames, 2 * RATE);
    // the torn tail is gone: the file holds exactly the acknowledged chunks
    assert.equal(fs.statSync(path.join(server.dataDir, 'takes', `${id}.s16`)).size, 2 * RATE * 4);
    r = await putChunk(ben, id, 2, c(2), { channels: 2 });
    assert.equal(r.status, 409);
    // an acknowledged chunk is still answered
    r = await putChunk(ben, id, 1, c(1), { channels: 2 });
    assert.deepEqual([r.status, r.json], [200, { next: 2, frames: 2 * RATE }]);
  } finally {
    fs.rmSync(spaceFile, { force: true });
  }
  const r = await http(server, 'POST', `${base()}/${id}/finish`, { token: ben.token });
  assert.equal(r.status, 200, r.text);
  assertSamplesEqual(audio.subarray(0, 2 * RATE * 4), 2);
});

test('a take whose tab closed (and whose server was killed) is finished from a new session', async () => {
  let { client: ws } = await join(server, eve, project);
  const r0 = await createTake(eve, { track: null, at: 4800, rate: RATE, channels: 1 });
  const id = r0.json.take.id;
  const audio = pcm(2, 660, 1, 11);
  for (const i of [0, 1]) assert.equal((await putChunk(eve, id, i, audio.subarray(i * RATE * 2, (i + 1) * RATE * 2))).status, 200);
  // a torn tail after a crash: bytes past the acknowledged ones
  const file = path.join(server.dataDir, 'takes', `${id}.s16`);
  await ws.close();
  await server.kill9();
  fs.appendFileSync(file, Buffer.alloc(777, 1));
  server = await server.restart();
  const open = await http(server, 'GET', `${base()}?open=1`, { token: eve.token });
  assert.deepEqual(open.json.takes.map((t) => [t.id, t.state, t.next, t.frames]), [[id, 'recording', 2, 2 * RATE]]);
  ({ client: ws } = await join(server, eve, project));
  // one more chunk after the restart: appended after the acknowledged audio
  const more = pcm(1, 880, 1, 13);
  assert.equal((await putChunk(eve, id, 2, more)).status, 200);
  assert.equal(fs.statSync(file).size, 3 * RATE * 2);
  const r = await http(server, 'POST', `${base()}/${id}/finish`, { token: eve.token, body: { trim: 4800 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.take.state, 'done');
  // trimmed without a new `at`: the rest stays where it was heard
  assert.equal(r.json.take.at, 4800 + 4800);
  assertSamplesEqual(Buffer.concat([audio, more]).subarray(4800 * 2));
  // the activity item is written by the writer after the revision's commit
  // (its fan-out is not part of the answer): wait for it, up to 10 s
  const seen = (a) => a.json.items.some((i) => i.kind === 'take' && /eve recorded a take: Take \d+ on a new track/.test(i.text));
  let act = await http(server, 'GET', `/api/activity?project=${project}`, { token: ana.token });
  for (let k = 0; k < 100 && !seen(act); k++) {
    await new Promise((res) => setTimeout(res, 100));
    act = await http(server, 'GET', `/api/activity?project=${project}`, { token: ana.token });
  }
  assert.ok(seen(act), JSON.stringify(act.json));
  await ws.close();
});
