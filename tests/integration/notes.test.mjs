// notes.test.mjs -- notes and instruments on the real server (issue 16,
// the document and MIDI files): instrument tracks, clips and notes pushed
// over the WebSocket; bad notes refused naming the field with the document
// unchanged; a .mid written by the test imports with the right tracks,
// clips, tempo and ticks and `export?format=mid` gives the same notes
// back; broken files are 400 naming the problem and change nothing; the
// roles and the size limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addMember, http, join, makeProject, makeUser, startServer } from './harness.mjs';
import { parseWav, pushOps, toneWav } from './preview_lib.mjs';

let server; let ana; let project; let client;
before(async () => {
  // 10,001 notes are more than the default 1 MiB message and push limits:
  // raised so that max_push_ops is the limit that refuses them
  server = await startServer({ args: ['--max-midi-bytes', '65536', '--max-message-bytes', '8388608', '--max-push-bytes', '8388608'] });
  ana = makeUser(server, 'ana');
  for (const n of ['ben', 'cat', 'dan']) makeUser(server, n);
  project = makeProject(server, 'Notes song', 'ana');
  addMember(server, project, 'cat', 'commenter');
  addMember(server, project, 'dan', 'viewer');
  ({ client } = await join(server, ana, project));
});
after(async () => { await server.stop(); });

/** The document's objects (a fresh snapshot), sorted by id. */
async function objects(user = ana, p = project) {
  const { client: c, welcome } = await join(server, user, p);
  await c.close();
  return { rev: welcome.rev, objects: [...welcome.snapshot.objects].sort((a, b) => (a.id < b.id ? -1 : 1)) };
}

function rejectOf(c, seq) {
  return c.next((m) => (m.type === 'reject' && m.seq === seq) || (m.type === 'delta' && m.seq === seq && m.client === c.clientId), 60000);
}

// rejects are tried on a connection of their own (its seq numbers do not
// mix with pushOps' on `client`)
let seqN = 0; let badClient = null;
async function pushExpectReject(ops) {
  if (!badClient) ({ client: badClient } = await join(server, ana, project));
  const seq = ++seqN;
  badClient.send({ type: 'push', seq, base: 0, ops });
  const m = await rejectOf(badClient, seq);
  assert.equal(m.type, 'reject', `accepted: ${JSON.stringify(ops).slice(0, 200)}`);
  return m;
}

test('instrument track, clip and notes over the WebSocket; bad notes refused naming the field', async () => {
  const d = await pushOps(client, [
    { op: 'create', id: 'k_bass', kind: 'track', fields: { name: 'Bass line', role: 'instrument', instrument: { type: 'synth', preset: 'bass' } } },
    { op: 'create', id: 'n_clip', kind: 'clip', fields: { track: 'k_bass', start: 0, length: 192000 } },
    ...Array.from({ length: 8 }, (_, i) => ({ op: 'create', id: `nt${i}`, kind: 'note', fields: { clip: 'n_clip', at: i * 480, len: 480, pitch: 36 + i, vel: 100 } })),
  ]);
  // the delta carries full objects with defaults
  const track = d.ops.find((o) => o.id === 'k_bass').fields;
  assert.equal(track.instrument.type, 'synth');
  assert.equal(track.instrument.preset, 'bass');
  assert.equal(track.instrument.cutoff, 400);
  assert.equal(d.ops.find((o) => o.id === 'n_clip').fields.asset, null);
  // the history sentence
  const h = await client.request({ type: 'history', limit: 1 });
  assert.equal(h.type, 'history', JSON.stringify(h));
  assert.equal(h.entries[0].summary, 'ana made 10 changes');

  await pushOps(client, Array.from({ length: 8 }, (_, i) => ({ op: 'create', id: `nu${i}`, kind: 'note', fields: { clip: 'n_clip', at: 3840 + i * 240, len: 240, pitch: 48, vel: 90 } })));
  const h2 = await client.request({ type: 'history', limit: 1 });
  assert.equal(h2.entries[0].summary, 'ana added 8 notes to Bass line');

  const wav = toneWav(440, 1);
  const up = await http(server, 'POST', `/api/projects/${project}/assets?name=tone.wav`, { token: ana.token, raw: wav, headers: { 'content-type': 'audio/wav' } });
  assert.equal(up.status, 202, up.text);
  const asset = up.json.asset;
  await client.next((x) => x.type === 'asset' && x.asset.id === asset && x.asset.state === 'ready', 120000);
  await pushOps(client, [
    { op: 'create', id: 't_audio', kind: 'track', fields: { name: 'Vox' } },
    { op: 'create', id: 'c_audio', kind: 'clip', fields: { track: 't_audio', asset, start: 0, length: 48000 } },
  ]);

  // gm needs FluidSynth: with it the type is accepted, without it refused
  // as unsupported, naming FluidSynth
  const gmSeq = ++seqN;
  if (!badClient) ({ client: badClient } = await join(server, ana, project));
  badClient.send({ type: 'push', seq: gmSeq, base: 0, ops: [{ op: 'set', id: 'k_bass', fields: { instrument: { type: 'gm', program: 3 } } }] });
  const gm = await rejectOf(badClient, gmSeq);
  if (gm.type === 'reject') {
    assert.equal(gm.code, 'unsupported'); assert.match(gm.message, /FluidSynth/);
  } else {
    assert.deepEqual(gm.ops[0].fields.instrument, { type: 'gm', program: 3, bank: 0, gain: 0 });
    await pushOps(client, [{ op: 'set', id: 'k_bass', fields: { instrument: { type: 'synth', preset: 'bass' } } }]);
  }

  const before = await objects();
  const note = (f) => [{ op: 'create', id: 'bad', kind: 'note', fields: { clip: 'n_clip', at: 0, len: 960, pitch: 60, vel: 100, ...f } }];
  let m = await pushExpectReject(note({ pitch: 128 }));
  assert.equal(m.code, 'invalid_value'); assert.match(m.message, /pitch must be a whole number from 0 to 127 \(got 128\)/);
  m = await pushExpectReject(note({ len: 0 }));
  assert.equal(m.code, 'invalid_value'); assert.match(m.message, /^len must be/);
  m = await pushExpectReject(note({ vel: 0 }));
  assert.match(m.message, /^vel must be/);
  m = await pushExpectReject(note({ clip: 'c_audio' }));
  assert.equal(m.code, 'invalid_value'); assert.match(m.message, /clip must be a clip on an instrument track/);
  m = await pushExpectReject(note({ clip: 'nope' }));
  assert.equal(m.code, 'not_found'); assert.match(m.message, /'clip'/);
  m = await pushExpectReject([{ op: 'create', id: 'bad_c', kind: 'clip', fields: { track: 'k_bass', asset, start: 0, length: 10 } }]);
  assert.match(m.message, /^asset must be null/);
  m = await pushExpectReject([{ op: 'set', id: 't_audio', fields: { role: 'instrument' } }]);
  assert.match(m.message, /role cannot become instrument while the track holds clips/);
  m = await pushExpectReject([{ op: 'set', id: 'k_bass', fields: { instrument: { type: 'synth', cutoff: 5 } } }]);
  assert.match(m.message, /instrument\.cutoff/);
  m = await pushExpectReject([{ op: 'set', id: 'k_bass', fields: { instrument: { type: 'synth', wobble: 1 } } }]);
  assert.match(m.message, /'wobble'/);
  const many = Array.from({ length: 10001 }, (_, i) => ({ op: 'create', id: `mn${i}`, kind: 'note', fields: { clip: 'n_clip', at: i, len: 1, pitch: 60, vel: 1 } }));
  m = await pushExpectReject(many);
  assert.equal(m.code, 'too_large'); assert.match(m.message, /max_push_ops/); assert.match(m.message, /10001/);
  const afterObjs = await objects();
  assert.equal(afterObjs.rev, before.rev);
  assert.deepEqual(afterObjs.objects, before.objects);
  await badClient.close();
});

test('deleting the clip takes its notes; undo brings them back together', async () => {
  const before = await objects();
  const d = await pushOps(client, [{ op: 'delete', id: 'n_clip' }]);
  assert.equal(d.ops.filter((o) => o.op === 'delete').length, 17);
  const h = await client.request({ type: 'history', limit: 1 });
  assert.equal(h.entries[0].summary, 'ana deleted clip clip on Bass line and its 16 notes');
  const u = await client.request({ type: 'undo' }, 10000);
  assert.equal(u.type, 'delta', JSON.stringify(u));
  assert.equal(u.undo_of, d.rev);
  assert.equal(u.ops.filter((o) => o.op === 'create').length, 17);
  const now = await objects();
  assert.deepEqual(now.objects, before.objects);
});

// ---- MIDI files made by the test ----

const vlq = (n) => { const out = [n & 0x7f]; while ((n >>= 7)) out.unshift(0x80 | (n & 0x7f)); return out; };
const be32 = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const chunk = (id, body) => [...Buffer.from(id, 'latin1'), ...be32(body.length), ...body];
function trackBytes(events) { // events: [{t, bytes}] sorted
  let now = 0; const out = [];
  for (const e of events) { out.push(...vlq(e.t - now), ...e.bytes); now = e.t; }
  out.push(0, 0xff, 0x2f, 0);
  return out;
}
function noteEvents(notes, ch) {
  const ev = [];
  for (const n of notes) {
    ev.push({ t: n.at, o: 1, bytes: [0x90 | ch, n.pitch, n.vel] });
    ev.push({ t: n.at + n.len, o: 0, bytes: [0x80 | ch, n.pitch, 64] });
  }
  return ev.sort((a, b) => a.t - b.t || a.o - b.o);
}
function smf(format, ppq, tracks) {
  return Buffer.from([...chunk('MThd', [0, format, 0, tracks.length, ppq >> 8, ppq & 255]), ...tracks.flatMap((t) => chunk('MTrk', t))]);
}
const name = (s) => ({ t: 0, bytes: [0xff, 0x03, ...vlq(Buffer.byteLength(s)), ...Buffer.from(s)] });

// 480 ppq, 100 bpm (600000 us), 3/4; "Piano" on channel 1 with program 0,
// "Beat" on channel 10.
const PIANO = [
  { at: 0, len: 480, pitch: 60, vel: 100 }, { at: 480, len: 240, pitch: 64, vel: 90 },
  { at: 720, len: 241, pitch: 67, vel: 80 }, { at: 1440, len: 1440, pitch: 72, vel: 127 },
  { at: 1440, len: 1, pitch: 48, vel: 1 },
];
const BEAT = [
  { at: 0, len: 120, pitch: 36, vel: 120 }, { at: 480, len: 120, pitch: 38, vel: 110 },
  { at: 960, len: 60, pitch: 42, vel: 70 }, { at: 1020, len: 60, pitch: 42, vel: 70 },
];
function songMid() {
  const conductor = trackBytes([{ t: 0, bytes: [0xff, 0x51, 3, 0x09, 0x27, 0xc0] }, { t: 0, bytes: [0xff, 0x58, 4, 3, 2, 24, 8] }]);
  const piano = trackBytes([name('Piano'), { t: 0, bytes: [0xc0, 0] }, ...noteEvents(PIANO, 0)]);
  const beat = trackBytes([name('Beat'), ...noteEvents(BEAT, 9)]);
  // an older file's Latin-1 name ("Café") becomes UTF-8
  const latin = trackBytes([{ t: 0, bytes: [0xff, 0x03, 4, 0x43, 0x61, 0x66, 0xe9] }, ...noteEvents([{ at: 0, len: 10, pitch: 50, vel: 5 }], 3)]);
  return smf(1, 480, [conductor, piano, beat, latin]);
}

/** A small SMF parser (format 0/1): {ppq, tempo, tracks: [{name, channel, program, notes}]}. */
function parseMid(buf) {
  assert.equal(buf.toString('latin1', 0, 4), 'MThd');
  const ppq = buf.readUInt16BE(12); const ntr = buf.readUInt16BE(10);
  let pos = 8 + buf.readUInt32BE(4); let tempo = null; let meter = null;
  const tracks = [];
  for (let t = 0; t < ntr; t++) {
    assert.equal(buf.toString('latin1', pos, pos + 4), 'MTrk');
    const end = pos + 8 + buf.readUInt32BE(pos + 4); let p = pos + 8; let now = 0; let status = 0;
    const tr = { name: '', channel: null, program: null, notes: [] }; const open = new Map();
    const rd = () => { let v = 0; for (;;) { const b = buf[p++]; v = v * 128 + (b & 0x7f); if (!(b & 0x80)) return v; } };
    while (p < end) {
      now += rd();
      let b = buf[p];
      if (b === 0xff) { const type = buf[p + 1]; p += 2; const l = rd(); const d = buf.subarray(p, p + l); p += l;
        if (type === 0x03) tr.name = d.toString(); if (type === 0x51 && tempo === null) tempo = d.readUIntBE(0, 3);
        if (type === 0x58 && meter === null) meter = [d[0], 1 << d[1]]; if (type === 0x2f) break; continue; }
      if (b & 0x80) { status = b; p++; } b = status;
      const ch = b & 15; const k = b & 0xf0; const d1 = buf[p++]; const d2 = (k === 0xc0 || k === 0xd0) ? 0 : buf[p++];
      if (k === 0xc0) tr.program = d1;
      if (k === 0x90 && d2 > 0) { tr.channel = ch; const key = `${ch}:${d1}`; if (!open.has(key)) open.set(key, []); open.get(key).push({ at: now, vel: d2 }); }
      if (k === 0x80 || (k === 0x90 && d2 === 0)) { const q = open.get(`${ch}:${d1}`); const o = q.shift(); tr.notes.push({ at: o.at, len: now - o.at, pitch: d1, vel: o.vel }); }
    }
    tr.notes.sort((a, b) => a.at - b.at || a.pitch - b.pitch);
    tracks.push(tr); pos = end;
  }
  return { ppq, tempo, meter, tracks };
}

const sortNotes = (ns) => [...ns].sort((a, b) => a.at - b.at || a.pitch - b.pitch);
const x2 = (ns) => sortNotes(ns.map((n) => ({ ...n, at: n.at * 2, len: n.len * 2 })));

async function upload(user, p, body, fileName = 'song.mid') {
  return http(server, 'POST', `/api/projects/${p}/midi?name=${encodeURIComponent(fileName)}`, { token: user.token, raw: body, headers: { 'content-type': 'audio/midi' } });
}

test('a .mid imports with the right tracks, clips, tempo and ticks, and exports back equal', async () => {
  const p2 = makeProject(server, 'Midi song', 'ana');
  const r = await upload(ana, p2, songMid());
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.tracks.length, 3);
  assert.ok(r.json.rev >= 1);
  const { objects: objs, rev } = await objects(ana, p2);
  assert.equal(rev, r.json.rev);
  {
    const { client: hc } = await join(server, ana, p2);
    const h = await hc.request({ type: 'history', limit: 1 });
    assert.equal(h.entries[0].kind, 'import');
    assert.equal(h.entries[0].summary, 'ana imported song.mid: 3 tracks, 10 notes');
    await hc.close();
  }
  const proj = objs.find((o) => o.id === 'project');
  assert.equal(proj.tempo, 100); assert.deepEqual(proj.meter, [3, 4]);
  const tracks = r.json.tracks.map((id) => objs.find((o) => o.id === id));
  assert.deepEqual(tracks.map((t) => t.name), ['Piano', 'Beat', 'Caf\u00e9']);
  assert.ok(tracks.every((t) => t.role === 'instrument'));
  assert.ok(['gm', 'synth'].includes(tracks[0].instrument.type));
  if (tracks[0].instrument.type === 'gm') assert.equal(tracks[0].instrument.program, 0);
  else assert.equal(tracks[0].instrument.preset, 'keys');
  assert.equal(tracks[1].instrument.type, 'drums');
  for (const [i, want] of [[0, PIANO], [1, BEAT]]) {
    const clips = objs.filter((o) => o.kind === 'clip' && o.track === tracks[i].id);
    assert.equal(clips.length, 1);
    assert.equal(clips[0].start, 0); assert.equal(clips[0].asset, null);
    // the clip spans its notes, rounded up to whole 3/4 bars (2880 ticks at
    // 960 ppq, 86400 frames at 100 bpm and 48 kHz)
    const last = Math.max(...want.map((n) => (n.at + n.len) * 2));
    assert.equal(clips[0].length, Math.ceil(last / 2880) * 86400);
    const notes = objs.filter((o) => o.kind === 'note' && o.clip === clips[0].id).map(({ at, len, pitch, vel }) => ({ at, len, pitch, vel }));
    assert.deepEqual(sortNotes(notes), x2(want));
  }
  const h = await http(server, 'GET', `/api/projects/${p2}/export?format=mid`, { token: ana.token });
  assert.equal(h.status, 200, h.text);
  assert.equal(h.headers.get('content-type'), 'audio/midi');
  assert.match(h.headers.get('content-disposition'), /filename="Midi song r\d+\.mid"/);
  const e = await fetch(`${server.url}/api/projects/${p2}/export?format=mid`, { headers: { authorization: `Bearer ${ana.token}` } });
  const mid = parseMid(Buffer.from(await e.arrayBuffer()));
  assert.equal(mid.ppq, 960); assert.equal(mid.tempo, 600000); assert.deepEqual(mid.meter, [3, 4]);
  assert.equal(mid.tracks.length, 4);
  assert.deepEqual(mid.tracks.slice(1).map((t) => t.name), ['Piano', 'Beat', 'Caf\u00e9']);
  assert.equal(mid.tracks[2].channel, 9);
  assert.notEqual(mid.tracks[1].channel, 9);
  assert.deepEqual(mid.tracks[1].notes, x2(PIANO));
  assert.deepEqual(mid.tracks[2].notes, x2(BEAT));
  // and the exported file imports again to the same notes (to the tick)
  const again = await upload(ana, p2, Buffer.from(await (await fetch(`${server.url}/api/projects/${p2}/export?format=mid`, { headers: { authorization: `Bearer ${ana.token}` } })).arrayBuffer()), 'again.mid');
  assert.equal(again.status, 201, again.text);
  const o2 = (await objects(ana, p2)).objects;
  const c2 = o2.find((o) => o.kind === 'clip' && o.track === again.json.tracks[0]);
  assert.deepEqual(sortNotes(o2.filter((o) => o.kind === 'note' && o.clip === c2.id).map(({ at, len, pitch, vel }) => ({ at, len, pitch, vel }))), x2(PIANO));
});

test('with clips already there the project tempo stays and notes keep their beats; format 0 splits per channel', async () => {
  const p3 = makeProject(server, 'Tempo song', 'ana');
  const { client: c } = await join(server, ana, p3);
  await pushOps(c, [{ op: 'set', id: 'project', fields: { tempo: 140 } },
    { op: 'create', id: 'k1', kind: 'track', fields: { role: 'instrument' } },
    { op: 'create', id: 'c1', kind: 'clip', fields: { track: 'k1', start: 0, length: 1000 } }]);
  // format 0, 96 ppq, 60 bpm, running status, two channels
  const body = trackBytes([{ t: 0, bytes: [0xff, 0x51, 3, 0x0f, 0x42, 0x40] },
    { t: 0, bytes: [0x90, 60, 100] }, { t: 96, bytes: [60, 0] }, { t: 96, bytes: [0x91, 62, 50] }, { t: 144, bytes: [0x81, 62, 0] }]);
  const r = await upload(ana, p3, smf(0, 96, [body]), 'loop.mid');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.tracks.length, 2);
  const objs = (await objects(ana, p3)).objects;
  assert.equal(objs.find((o) => o.id === 'project').tempo, 140);
  const names = r.json.tracks.map((id) => objs.find((o) => o.id === id).name);
  assert.deepEqual(names, ['loop (channel 1)', 'loop (channel 2)']);
  const clip = objs.find((o) => o.kind === 'clip' && o.track === r.json.tracks[1]);
  const n = objs.filter((o) => o.kind === 'note' && o.clip === clip.id);
  assert.deepEqual(n.map(({ at, len, pitch, vel }) => ({ at, len, pitch, vel })), [{ at: 960, len: 480, pitch: 62, vel: 50 }]);
  // one 4/4 bar at 140 bpm: 3840 ticks = 4 beats = 82286 frames
  assert.equal(clip.length, Math.round(3840 * 60 * 48000 / (140 * 960)));
  await c.close();
});

test('broken .mid files are 400 naming the problem and change nothing', async () => {
  const p4 = makeProject(server, 'Broken song', 'ana');
  const good = songMid();
  const before = await objects(ana, p4);
  const cases = [
    [good.subarray(0, good.length - 10), /track 4: the chunk length \d+ runs past the end of the file/],
    [Buffer.concat([Buffer.from('MThx'), good.subarray(4)]), /does not start with an MThd/],
    [Buffer.from([...good.subarray(0, 8), 0, 2, ...good.subarray(10)]), /format 2 is not supported/],
    [(() => { const b = Buffer.from(good); b.writeUInt32BE(100000, 18); return b; })(), /track 1: the chunk length 100000 runs past the end/],
    [smf(1, 96, [[0x00, 60, 100, 0, 0xff, 0x2f, 0]]), /running status without a status byte/],
    [good.subarray(0, 14), /the header says 4 tracks but the file ends after 0/],
    [smf(1, 96, [[0, 0xff, 0x2f, 0]]), /no notes/],
  ];
  for (const [body, re] of cases) {
    const r = await upload(ana, p4, body);
    assert.equal(r.status, 400, `${re}: ${r.status} ${r.text}`);
    assert.equal(r.json.code, 'bad_request');
    assert.match(r.json.message, re);
  }
  const r = await upload(ana, p4, Buffer.alloc(70000));
  assert.equal(r.status, 413); assert.match(r.json.message, /max_midi_bytes/);
  const afterObjs = await objects(ana, p4);
  assert.equal(afterObjs.rev, before.rev);
  assert.deepEqual(afterObjs.objects, before.objects);
});

test('a viewer or commenter may neither upload a .mid nor export one; nor push notes', async () => {
  const cat = { token: (await import('./harness.mjs')).cli(['token', 'create', 'cat'], { dataDir: server.dataDir }).stdout.trim() };
  const dan = { token: (await import('./harness.mjs')).cli(['token', 'create', 'dan'], { dataDir: server.dataDir }).stdout.trim() };
  const before = await objects();
  for (const u of [cat, dan]) {
    const r = await upload(u, project, songMid());
    assert.equal(r.status, 403, r.text);
    const e = await http(server, 'GET', `/api/projects/${project}/export?format=mid`, { token: u.token });
    assert.equal(e.status, 403);
    const { client: c } = await join(server, u, project);
    c.send({ type: 'push', seq: 1, base: 0, ops: [{ op: 'create', id: 'zz', kind: 'note', fields: { clip: 'n_clip', at: 0, len: 1, pitch: 1 } }] });
    const m = await c.next((x) => x.type === 'error' || x.type === 'reject');
    assert.equal(m.code, 'forbidden');
    await c.close();
  }
  const afterObjs = await objects();
  assert.deepEqual(afterObjs.objects, before.objects);
});

// ---- rendering (h16-engine's synth, measured from the exported WAV) ----

/** Frequency of a mono Float64Array window by zero crossings with linear
 * interpolation between the first and the last upward crossing. */
function zeroCrossFreq(x, rate) {
  const ups = [];
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) ups.push(i - 1 + (-x[i - 1]) / (x[i] - x[i - 1]));
  assert.ok(ups.length > 10, `only ${ups.length} crossings`);
  return ((ups.length - 1) * rate) / (ups[ups.length - 1] - ups[0]);
}

test('notes pushed over the WebSocket, exported as WAV, sound at the expected pitches and times', async () => {
  const p5 = makeProject(server, 'Render song', 'ana');
  const { client: c } = await join(server, ana, p5);
  // a pure sine voice: both oscillators sine, no detune, the filter open
  const sine = { type: 'synth', preset: 'keys', osc1: 'sine', osc2: 'sine', detune: 0, octave2: 0, mix: 0, cutoff: 20000, resonance: 0, env_amount: 0, attack: 0.001, decay: 0.001, sustain: 1, release: 0.01, gain: -6 };
  // 120 bpm, 48 kHz: a quarter note is 24000 frames; each note lasts 3/4
  // of a beat (18000 frames) from beat k; the clip starts at 1 s and its
  // content 0.5 s before that (offset 24000 frames: the first beat is cut)
  const pitches = [57, 69, 76, 72, 81];
  await pushOps(c, [
    { op: 'create', id: 'k1', kind: 'track', fields: { name: 'Sine', role: 'instrument', instrument: sine } },
    { op: 'create', id: 'c1', kind: 'clip', fields: { track: 'k1', start: 48000, offset: 24000, length: 96000 } },
    ...pitches.map((p, k) => ({ op: 'create', id: `n${k}`, kind: 'note', fields: { clip: 'c1', at: k * 960, len: 720, pitch: p, vel: 127 } })),
  ]);
  const r = await fetch(`${server.url}/api/projects/${p5}/export?format=wav32&from=0&to=192000`, { headers: { authorization: `Bearer ${ana.token}` } });
  assert.equal(r.status, 200);
  const w = parseWav(Buffer.from(await r.arrayBuffer()));
  const frames = w.frames; const mono = new Float64Array(frames);
  assert.ok(w.samples, 'a float WAV');
  for (let i = 0; i < frames; i++) mono[i] = w.samples[i * w.channels];
  const rms = (a, b) => { let s = 0; for (let i = a; i < b; i++) s += mono[i] * mono[i]; return Math.sqrt(s / (b - a)); };
  // timeline frame of note k: clip.start - offset + k * 24000
  const onset = (k) => 48000 - 24000 + k * 24000;
  // note 0 starts before the clip's start: it does not sound
  assert.ok(rms(0, 47990) < 1e-4, `silence before the clip, rms ${rms(0, 47990)}`);
  // notes 1..3 sound inside the clip; note 4 starts at the clip's end
  for (let k = 1; k <= 3; k++) {
    const f0 = 440 * 2 ** ((pitches[k] - 69) / 12);
    const a = onset(k);
    const f = zeroCrossFreq(mono.subarray(a + 1000, a + 17000), w.rate);
    assert.ok(Math.abs(f - f0) < 1, `note ${k}: ${f.toFixed(2)} Hz, wanted ${f0.toFixed(2)}`);
    assert.ok(rms(a + 1000, a + 17000) > 0.05, `note ${k} is quiet`);
    // the onset lands on its frame: silence just before, sound just after
    assert.ok(rms(a - 4000, a - 10) < 1e-3, `note ${k}: sound before its onset (${rms(a - 4000, a - 10)})`);
    let first = a - 10; while (first < a + 200 && Math.abs(mono[first]) < 1e-3) first++;
    assert.ok(Math.abs(first - a) <= 48, `note ${k} starts at ${first}, wanted ${a}`);
  }
  assert.ok(rms(144000 + 1000, 192000) < 1e-3, 'nothing sounds after the clip ends');
  await c.close();
});
