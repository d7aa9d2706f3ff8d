// record.test.mjs -- recording in headless Chromium on the real server,
// with Chromium's fake capture device fed from WAV files this test writes:
//   - the pure parts (web/latency.js: correlation, the round trip modulo a
//     period, the take's placement; web/takes.js: the pick ops) from Node;
//   - a ~4 s take onto a new track: the record panel's meter moves before
//     recording, the second user sees the region grow, the clip arrives for
//     both users, and its audio (an export of its range) correlates with
//     the fed file (normalised cross-correlation peak, printed);
//   - a take onto that track with one chunk's PUT aborted once: the user is
//     told ("Connection lost — …") and the take arrives with every
//     recorded frame, once; it stacks with the first as alternatives and
//     the Takes picker picks one in one push;
//   - a commenter's Record button is disabled with the reason;
//   - a take left open (tab closed) is offered at start and finished;
//   - calibration: a click file at the project's beat period, "Measure
//     latency" (the clicks found), then a take along it: one click per
//     beat, and the onsets of the take placed at its `at` against the beat
//     grid printed (mean / max error; not asserted: the fake device does
//     not follow the heard grid, see BENCHMARKS.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, serverDoc, shot } from './lib.mjs';
import { startServer, makeUser, makeProject, addMember, http, join } from '../integration/harness.mjs';
import { makeWav } from './lib.mjs';
import * as L from '../../web/latency.js';
import { pickOps, takeGroups } from '../../web/takes.js';

const RATE = 48000;
const BEAT = 24000; // 120 BPM at 48 kHz
let server, ana, ben, cara, project, calProject;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mixroom-rec-'));

// ---- the fed files ----

/** A 16-bit stereo WAV (both channels equal) of Float32 samples. */
function wav(samples, rate = RATE) {
  const n = samples.length;
  const buf = Buffer.alloc(44 + n * 4);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 4, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 4, 28); buf.writeUInt16LE(4, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 4, 40);
  for (let i = 0; i < n; i++) {
    const s = Math.max(-32767, Math.min(32767, Math.round(samples[i] * 32767)));
    buf.writeInt16LE(s, 44 + i * 4);
    buf.writeInt16LE(s, 46 + i * 4);
  }
  return buf;
}

/** 3 s of a melody of decaying tones with a little noise: distinctive at every lag. */
function musicSignal() {
  const n = 3 * RATE;
  const x = new Float32Array(n);
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff - 0.5; };
  const notes = [220, 277, 330, 392, 440, 349, 294, 262, 247, 370, 415, 196];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / (RATE / 4));
    const f = notes[k % notes.length];
    const t = (i % (RATE / 4)) / RATE;
    x[i] = 0.5 * Math.sin(2 * Math.PI * f * i / RATE) * Math.exp(-t * 8) + 0.05 * rnd();
  }
  return x;
}

/** 2 s of clicks (latency.js's click) every beat, the first at frame 0: loops seamlessly. */
function clickSignal() {
  const x = new Float32Array(4 * BEAT);
  const c = L.clickWave(RATE);
  for (let k = 0; k < 4; k++) x.set(c, k * BEAT);
  return x;
}

const music = musicSignal();
const musicFile = path.join(tmp, 'music.wav');
const clickFile = path.join(tmp, 'clicks.wav');
fs.writeFileSync(musicFile, wav(music));
fs.writeFileSync(clickFile, wav(clickSignal()));
const fake = (file) => ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${file}`];

/** Channel 0 of a 16-bit PCM WAV (a streamed export: the data chunk runs to the end). */
function readWav(buf) {
  let o = 12, ch = 2, bits = 16, data = null;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    const len = buf.readUInt32LE(o + 4);
    if (id === 'fmt ') { ch = buf.readUInt16LE(o + 10); bits = buf.readUInt16LE(o + 22); }
    if (id === 'data') { data = buf.subarray(o + 8, Math.min(buf.length, o + 8 + (len || buf.length))); break; }
    o += 8 + len + (len & 1);
  }
  assert.ok(data && bits === 16, 'a 16-bit WAV');
  const frames = Math.floor(data.length / (2 * ch));
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = data.readInt16LE(i * 2 * ch) / 32768;
  return x;
}

/** The mix of [from, to) as samples (channel 0). */
async function exportRange(proj, from, to) {
  const r = await fetch(`${server.url}/api/projects/${proj}/export?format=wav16&from=${from}&to=${to}`, { headers: { authorization: `Bearer ${ana.token}` } });
  assert.equal(r.status, 200, `export ${r.status}`);
  return readWav(Buffer.from(await r.arrayBuffer()));
}

/** Normalised correlation of a against b at offset lag (b[lag + i] ~ a[i]). */
function nccAt(a, b, lag) {
  let s = 0, ea = 0, eb = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i], y = b[lag + i]; s += x * y; ea += x * x; eb += y * y; }
  return ea > 0 && eb > 0 ? s / Math.sqrt(ea * eb) : 0;
}

/**
 * How well x matches the looped signal, in windows of 0.5 s: the first
 * window's lag is searched over the whole loop (coarse on a decimated copy,
 * then exact), each next window near where the previous one ended (the fake
 * device's clock steps by a few ms now and then, see docs/recording.md).
 * Returns {peaks, min, median}.
 */
function loopCorrelation(x, loop) {
  const W = RATE / 2;
  const tiled = new Float32Array(loop.length + W + 2048);
  for (let i = 0; i < tiled.length; i++) tiled[i] = loop[i % loop.length];
  const d = 4;
  const seg0 = x.subarray(0, W);
  const coarse = L.correlate(tiled.filter((_, i) => i % d === 0), seg0.filter((_, i) => i % d === 0), Math.floor(loop.length / d));
  let lag = coarse.raw * d;
  const peaks = [];
  for (let w = 0; w + W <= x.length; w += W) {
    const seg = x.subarray(w, w + W);
    let best = { v: -1, lag };
    const c = ((lag % loop.length) + loop.length) % loop.length;
    for (let l = Math.max(0, c - (w ? 400 : 16)); l <= Math.min(tiled.length - W, c + (w ? 400 : 16)); l++) {
      const v = nccAt(seg, tiled, l);
      if (v > best.v) best = { v, lag: l };
    }
    peaks.push(best.v);
    lag = best.lag + W;
  }
  const sorted = [...peaks].sort((p, q) => p - q);
  return { peaks, min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], peak: sorted[Math.floor(sorted.length / 2)] };
}

// ---- the pure parts ----

test('latency.js: the round trip is found modulo the period, the take is placed, takes pick in one push', () => {
  const ck = L.clickWave(RATE);
  const rec = new Float32Array(BEAT * 10);
  for (let k = 0; k < 9; k++) rec.set(ck, k * BEAT + 1234);
  // emitted at context time 1.0, the recording starts at 0.9 (index 4800): echo 1234 - 4800 mod 24000
  const r = L.measureRoundTrip(rec, 0.9, 1.0, BEAT, RATE);
  assert.ok(Math.abs(r.seconds * RATE - (((1234 - 4800) % BEAT) + BEAT) % BEAT) < 0.01, `round trip ${r.seconds * RATE} frames`);
  assert.ok(r.peak > 0.99);
  // a fractional echo position is found to a fraction of a frame
  const sub = new Float32Array(BEAT * 4);
  for (let k = 0; k < 3; k++) for (let i = 0; i < ck.length; i++) {
    const t = i / RATE; // the click delayed by 0.5 frame
    sub[k * BEAT + 500 + i] = Math.sin(2 * Math.PI * 1500 * (t - 0.5 / RATE)) * Math.exp(-(t - 0.5 / RATE) * 500) * 0.9 * (i > 0);
  }
  const rs = L.measureRoundTrip(sub, 0, 0, BEAT, RATE);
  assert.ok(Math.abs(rs.seconds * RATE - 500.5) < 0.2, `sub-sample lag ${rs.seconds * RATE}`);
  // silence: no echo
  assert.ok(L.measureRoundTrip(new Float32Array(BEAT * 3), 0, 0, BEAT, RATE).peak < 0.3);
  // placement: the frame rendered round-trip earlier, plus the offset, trimmed to the punch-in
  const report = { pos: 96000, t: 10 };
  assert.deepEqual(L.takePlacement({ report, t0: 10.5, roundTrip: 0.1, rate: RATE }), { at: 96000 + 0.4 * RATE, trim: 0 });
  assert.deepEqual(L.takePlacement({ report, t0: 10.5, roundTrip: 0.1, manualMs: 10, rate: RATE }), { at: 96000 + 0.41 * RATE, trim: 0 });
  assert.deepEqual(L.takePlacement({ report, t0: 10, roundTrip: 0.1, rate: RATE, punchIn: 96000 }), { at: 96000, trim: 0.1 * RATE });
  assert.equal(L.latencyKey('u1', 'dev'), 'mixroom.latency.u1.dev');
  // takes: one push unmutes the chosen and mutes the others, nothing when already so
  const clips = [{ id: 'a', kind: 'clip', track: 't', take_group: 'g', name: 'Take 2 - ana', mute: false },
    { id: 'b', kind: 'clip', track: 't', take_group: 'g', name: 'Take 10 - ana', mute: true },
    { id: 'c', kind: 'clip', track: 't', take_group: '', name: 'x', mute: false }];
  const g = takeGroups({ ofKind: () => clips }).get('t\u0000g');
  assert.deepEqual(g.map((c) => c.id), ['a', 'b'], 'numeric order of take names');
  assert.deepEqual(pickOps(g, 'b'), [{ op: 'set', id: 'a', fields: { mute: true } }, { op: 'set', id: 'b', fields: { mute: false } }]);
  assert.deepEqual(pickOps(g, 'a'), []);
});

// ---- in the browser ----

before(async () => {
  server = await startServer();
  ana = makeUser(server, 'ana');
  ben = makeUser(server, 'ben');
  cara = makeUser(server, 'cara');
  project = makeProject(server, 'Takes', 'ana');
  calProject = makeProject(server, 'Click', 'ana');
  for (const p of [project, calProject]) { addMember(server, p, 'ben', 'editor'); addMember(server, p, 'cara', 'commenter'); }
  // a muted backing track, so the mix plays while the exports hold only the takes
  for (const p of [project, calProject]) {
    const { client } = await join(server, ana, p);
    const up = await http(server, 'POST', `/api/projects/${p}/assets?name=beat.wav`, { token: ana.token, raw: makeWav(20), headers: { 'content-type': 'audio/wav' } });
    assert.equal(up.status, 202, up.text);
    const asset = typeof up.json.asset === 'string' ? up.json.asset : up.json.asset.id;
    await client.next((m) => m.type === 'asset' && m.asset.id === asset && m.asset.state === 'ready', 20000);
    client.send({ type: 'push', seq: 1, base: null, ops: [
      { op: 'create', id: 't_beat', kind: 'track', fields: { name: 'Beat', order: 'V', color: '#64b5f6', mute: true } },
      { op: 'create', id: 'c_beat', kind: 'clip', fields: { track: 't_beat', asset, start: 0, length: 20 * RATE, name: 'beat' } }] });
    const d = await client.next((m) => m.type === 'delta' || m.type === 'reject');
    assert.equal(d.type, 'delta');
    await client.close();
  }
});

after(async () => {
  if (server) await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const recState = (page) => page.evaluate(() => {
  const r = window.mixroom.recorder.state;
  return { recording: r.recording, stopping: r.stopping, frames: r.frames, last: window.mixroom.S.lastTake || null };
});

/** Records about `seconds` with the R key, returns the finished take (S.lastTake). */
async function recordTake(page, seconds) {
  const before = await recState(page);
  await page.locator('.scroller').focus();
  await page.keyboard.press('r');
  await waitDoc(page, () => window.mixroom.recorder.state.recording && window.mixroom.recorder.state.frames > 0, null, 15000);
  await waitDoc(page, (f) => window.mixroom.recorder.state.frames >= f, Math.round(seconds * RATE), (seconds + 10) * 1000);
  await page.keyboard.press('r');
  await waitDoc(page, (prev) => { const t = window.mixroom.S.lastTake; return !window.mixroom.recorder.state.stopping && t && t.id !== prev; }, before.last && before.last.id, 20000);
  return (await recState(page)).last;
}

test('a take onto a new track: meter, count-in, the clip for both users, its audio is the fed audio', { timeout: 300000 }, async () => {
  const browser = await launch(fake(musicFile));
  try {
    const pa = await newPage(browser, server);
    const pb = await newPage(browser, server);
    await signIn(pa, ana);
    await signIn(pb, ben);
    await openProject(pa, project);
    await openProject(pb, project);
    // the panel arms the microphone: the meter shows the input before recording
    await pa.getByRole('button', { name: 'Input, count-in and latency' }).click();
    await waitDoc(pa, () => Number(document.querySelector('.recmeter')?.dataset.peak) > -30, null, 10000);
    const peak = await pa.evaluate(() => Number(document.querySelector('.recmeter').dataset.peak));
    await pa.selectOption('select[aria-label="Count-in"]', '1');
    await shot(pa, 'record-panel');
    await pa.evaluate(() => { window.mixroom.S.select([]); window.mixroom.S.setPlayhead(2 * 48000); });
    // while recording, ben sees the region grow (on the new-track row)
    const taking = recordTake(pa, 6); // the count-in bar (2 s) and 4 s
    await waitDoc(pb, () => { const r = document.querySelector('.recregion'); return r && r.getBoundingClientRect().width > 20; }, null, 20000);
    const w0 = await pb.evaluate(() => document.querySelector('.recregion').getBoundingClientRect().width);
    await pb.waitForTimeout(1500);
    const w1 = await pb.evaluate(() => document.querySelector('.recregion')?.getBoundingClientRect().width || 0);
    const take = await taking;
    assert.ok(w1 > w0, `the region grew (${w0} -> ${w1} px)`);
    assert.equal(take.state, 'done');
    assert.ok(take.placement.at >= 2 * RATE, `the take starts at the punch-in or later (${take.placement.at})`);
    // the clip and a new track are in both studios and on the server
    for (const p of [pa, pb]) await waitDoc(p, (c) => !!window.mixroom.session.view.get(c), take.clip, 10000);
    await waitDoc(pb, () => !document.querySelector('.recregion'), null, 5000);
    const doc = await serverDoc(server, ana, project);
    const clip = doc.objects.get(take.clip);
    const asset = doc.objects.get(take.asset) || null;
    assert.ok(clip, 'the clip is in the server document');
    assert.equal(clip.start, take.placement.at);
    assert.equal(doc.objects.get(clip.track).name, `Take ${take.n}`);
    assert.ok(clip.take_group, 'the clip has a take group');
    const frames = clip.length;
    assert.equal(take.frames, take.recordedFrames, 'every recorded frame reached the server, once');
    assert.equal(clip.length, take.recordedFrames - take.placement.trim, 'the clip is the take after the trim');
    // its audio against the fed file
    const x = await exportRange(project, clip.start, clip.start + clip.length);
    const c = loopCorrelation(x, music);
    console.log(`# take ${take.n}: ${(frames / RATE).toFixed(2)} s, input peak ${peak} dBFS, normalised cross-correlation with the fed file per 0.5 s: median ${c.median.toFixed(4)}, min ${c.min.toFixed(4)}`);
    assert.ok(c.median > 0.9, `the take correlates with the fed file (${c.peaks.map((v) => v.toFixed(3)).join(' ')})`);
    assertNoErrors(pa);
    assertNoErrors(pb);

    // ---- a second take onto that track, one chunk's PUT aborted once ----
    await pa.evaluate((id) => { window.mixroom.S.select([id]); window.mixroom.S.setPlayhead(window.mixroom.session.view.get(id).start); }, take.clip);
    await pa.selectOption('select[aria-label="Count-in"]', '0');
    let aborted = 0;
    await pa.route(/\/chunks\/2\?/, (route) => { if (aborted++ === 0) route.abort('connectionreset'); else route.continue(); });
    const messages = [];
    const puts = [];
    pa.on('request', (r) => { if (/\/chunks\//.test(r.url())) puts.push(r.url().replace(/^.*\/chunks\//, '')); });
    await pa.exposeFunction('__sawText', (t) => messages.push(t));
    await pa.evaluate(() => new MutationObserver(() => {
      for (const el of document.querySelectorAll('.toast, .recstatus')) if (/Connection lost/.test(el.textContent)) window.__sawText(el.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true }));
    const taking2 = recordTake(pa, 4);
    await waitDoc(pb, (t) => !!document.querySelector(`.trackrow[data-track="${t}"] .recbadge`), clip.track, 20000);
    await pb.waitForTimeout(1200);
    await shot(pb, 'record-seen-by-ben');
    const take2 = await taking2;
    assert.ok(aborted >= 2, `chunk 2 was aborted once and resent (${aborted} requests; ${puts.join(', ')})`);
    // the aborted request is the one console error expected
    const resets = pa.errors.filter((e) => /ERR_CONNECTION_RESET/.test(e));
    assert.equal(resets.length, 1, 'one request failed');
    pa.errors = pa.errors.filter((e) => !/ERR_CONNECTION_RESET/.test(e));
    assert.ok(messages.some((m) => /Connection lost — \d+ s of the take are safe, resending…/.test(m)), `the user was told: ${messages[0]}`);
    assert.equal(take2.frames, take2.recordedFrames, 'the take is complete: nothing lost, nothing doubled');
    const len2 = take2.frames - take2.placement.trim;
    const x2 = await exportRange(project, take2.placement.at, take2.placement.at + len2);
    const c2 = loopCorrelation(x2, music);
    console.log(`# take ${take2.n} (chunk 2 dropped once): ${take2.frames} frames on the server of ${take2.recordedFrames} recorded (trim ${take2.placement.trim}), correlation per 0.5 s: median ${c2.median.toFixed(4)}, min ${c2.min.toFixed(4)}`);
    assert.ok(c2.median > 0.9, `the resent take is the fed audio (${c2.peaks.map((v) => v.toFixed(3)).join(' ')})`);
    // the two takes stack: same group, the newest plays
    const doc2 = await serverDoc(server, ana, project);
    const a = doc2.objects.get(take.clip), b = doc2.objects.get(take2.clip);
    assert.equal(b.track, a.track);
    assert.equal(b.take_group, a.take_group);
    assert.equal(a.mute, true);
    assert.equal(b.mute, false);

    // ---- the Takes picker ----
    await pa.evaluate(() => window.mixroom.S.select([]));
    await pa.mouse.click(640, 700); // outside: the options panel closes
    await waitDoc(pa, () => document.querySelector('.recpanel').classList.contains('hidden'), null, 3000);
    const btn = pa.locator(`.clip[data-clip="${take2.clip}"] .takesbtn`);
    await btn.waitFor({ timeout: 5000 });
    await btn.click();
    await pa.getByRole('dialog', { name: 'Takes' }).waitFor();
    await shot(pa, 'record-takes-picker');
    await pa.getByRole('button', { name: `Use Take ${take.n}`, exact: true }).click();
    await waitDoc(pb, ([x, y]) => { const v = window.mixroom.session.view; return v.get(x).mute === false && v.get(y).mute === true; }, [take.clip, take2.clip], 5000);
    const doc3 = await serverDoc(server, ana, project);
    assert.equal(doc3.objects.get(take.clip).mute, false, 'the picked take plays');
    assert.equal(doc3.objects.get(take2.clip).mute, true, 'the other is muted');
    assert.equal(doc3.rev, doc2.rev + 1, 'one push');
    assertNoErrors(pa);
    assertNoErrors(pb);
  } finally {
    await browser.close();
  }
});

test('a commenter cannot record: the Record button is disabled with the reason', async () => {
  const browser = await launch(fake(musicFile));
  try {
    const pc = await newPage(browser, server);
    await signIn(pc, cara);
    await openProject(pc, project);
    const rec = pc.getByRole('button', { name: 'Record' });
    await waitDoc(pc, () => document.querySelector('button.record').disabled, null, 5000);
    assert.equal(await rec.isDisabled(), true);
    const why = await pc.evaluate(() => document.getElementById(document.querySelector('button.record').getAttribute('aria-describedby')).textContent);
    assert.match(why, /Only editors and owners can record/);
    const before = (await serverDoc(server, ana, project)).rev;
    await pc.locator('.scroller').focus();
    await pc.keyboard.press('r');
    await pc.waitForTimeout(500);
    assert.equal(await pc.evaluate(() => window.mixroom.recorder.state.recording), false);
    assert.equal((await serverDoc(server, ana, project)).rev, before, 'nothing changed');
    assertNoErrors(pc);
  } finally {
    await browser.close();
  }
});

test('a take left open (its tab closed) is offered at start and finished from the dialog', { timeout: 60000 }, async () => {
  // ben starts a take over HTTP and sends one chunk of 0.5 s, then "closes the tab"
  const start = await http(server, 'POST', `/api/projects/${project}/takes`, { token: ben.token, body: { track: null, at: 4 * RATE, rate: RATE, channels: 1 } });
  assert.equal(start.status, 201, start.text);
  const id = start.json.take.id;
  const pcm = Buffer.alloc(RATE); // 0.5 s of mono s16le
  for (let i = 0; i < RATE / 2; i++) pcm.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 330 * i / RATE)), i * 2);
  const put = await http(server, 'PUT', `/api/projects/${project}/takes/${id}/chunks/0?rate=${RATE}&channels=1`, { token: ben.token, raw: pcm, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 200, put.text);
  const browser = await launch(fake(musicFile));
  try {
    const pb = await newPage(browser, server);
    await signIn(pb, ben);
    await openProject(pb, project);
    const dlg = pb.getByRole('dialog', { name: 'Unfinished takes' });
    await dlg.waitFor({ timeout: 10000 });
    await pb.getByRole('button', { name: `Finish Take ${start.json.take.n}`, exact: true }).click();
    await dlg.waitFor({ state: 'detached', timeout: 10000 });
    const t = await http(server, 'GET', `/api/projects/${project}/takes/${id}`, { token: ben.token });
    assert.equal(t.json.take.state, 'done');
    await waitDoc(pb, (c) => !!window.mixroom.session.view.get(c), t.json.take.clip, 10000);
    const doc = await serverDoc(server, ana, project);
    assert.equal(doc.objects.get(t.json.take.clip).start, 4 * RATE, 'at the frame the take started');
    assert.equal(doc.objects.get(t.json.take.clip).length, RATE / 2, 'with what the server acknowledged');
    assertNoErrors(pb);
  } finally {
    await browser.close();
  }
});

test('calibrated: a take along a click file has one click per beat; its onset errors against the grid are printed', { timeout: 300000 }, async () => {
  const browser = await launch(fake(clickFile));
  try {
    const pa = await newPage(browser, server);
    await signIn(pa, ana);
    await openProject(pa, calProject);
    await pa.getByRole('button', { name: 'Input, count-in and latency' }).click();
    await pa.selectOption('select[aria-label="Count-in"]', '0');
    await waitDoc(pa, () => Number(document.querySelector('.recmeter')?.dataset.peak) > -30, null, 10000);
    // play, measure while the mix plays, then punch in on the same playback
    await pa.evaluate(() => window.mixroom.transport.play(0));
    await waitDoc(pa, () => window.mixroom.player.sounding, null, 10000);
    const u0 = await pa.evaluate(() => [window.mixroom.player.stats.underruns || 0, window.mixroom.player.stats.skips || 0]);
    const res = await pa.evaluate(() => window.mixroom.recorder.measure());
    assert.ok(res && res.peak > 0.5, `the clicks were found (${JSON.stringify(res)})`);
    const rt = await pa.evaluate(() => window.mixroom.recorder.roundTrip());
    assert.ok(Math.abs(rt - res.seconds) < 1e-9, 'the measured round trip is the one used');
    const take = await recordTake(pa, 4);
    const u1 = await pa.evaluate(() => [window.mixroom.player.stats.underruns || 0, window.mixroom.player.stats.skips || 0]);
    const x = await exportRange(calProject, take.placement.at, take.placement.at + take.frames - take.placement.trim);
    // each click's start (sub-sample, by correlation around the threshold crossing) on the timeline
    const ck = L.clickWave(RATE);
    const at = [];
    for (const i of L.onsets(x, 0.2, BEAT / 2)) {
      if (i < 200 || i + ck.length + 400 > x.length) continue;
      const r = L.correlate(x.subarray(i - 200, i + ck.length + 200), ck, 400);
      at.push(take.placement.at + i - 200 + r.lag);
    }
    assert.ok(at.length >= 6, `${at.length} clicks in the take`);
    const errs = at.map((f) => (f - Math.round(f / BEAT) * BEAT) / RATE * 1000);
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    const max = Math.max(...errs.map(Math.abs));
    const spread = Math.max(...errs) - Math.min(...errs);
    const stalls = (u1[0] - u0[0]) + (u1[1] - u0[1]);
    // the heard grid's own shift between the measurement and the take (the
    // player's stalls move it; a performer follows it, the looping file
    // cannot): the error that is the placement's is the rest
    const calibMap = await pa.evaluate(() => window.mixroom.recorder.state.calibMap);
    const rep = take.placedWith.report;
    const shiftMs = calibMap === null ? 0 : ((rep.pos - rep.t * 48000 * (RATE / 48000)) - calibMap) / RATE * 1000;
    const beatMs = BEAT / RATE * 1000;
    const own = errs.map((e) => { const d = e - shiftMs; return d - Math.round(d / beatMs) * beatMs; });
    const ownMean = own.reduce((a, b) => a + b, 0) / own.length;
    const ownMax = Math.max(...own.map(Math.abs));
    console.log(`# calibrated take, the placement's own error (the heard grid moved ${shiftMs.toFixed(3)} ms between the measurement and the take): mean ${ownMean.toFixed(3)} ms, max |error| ${ownMax.toFixed(3)} ms`);
    console.log(`# calibrated take: round trip (mod one beat) ${(rt * 1000).toFixed(2)} ms; ${errs.length} onsets against the grid: mean ${mean.toFixed(3)} ms, max |error| ${max.toFixed(3)} ms, spread ${spread.toFixed(3)} ms; player underruns+skips meanwhile ${stalls}; errors ${errs.map((e) => e.toFixed(2)).join(' ')}`);
    await shot(pa, 'record-calibrated');
    // the take is continuous and linear: one click per beat, the spacing
    // within the fake device's own clock steps (it does not follow the
    // heard grid, see docs/recording.md); the absolute error is the figure
    for (let k = 1; k < at.length; k++) {
      const gap = at[k] - at[k - 1];
      assert.ok(Math.abs(gap - BEAT) < 0.03 * RATE, `click ${k} follows one beat after the previous (${gap} frames)`);
    }
    assert.ok(spread < 50, `the onsets keep their phase (spread ${spread.toFixed(2)} ms)`);
    assertNoErrors(pa);
  } finally {
    await browser.close();
  }
});
