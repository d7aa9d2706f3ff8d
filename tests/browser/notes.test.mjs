// notes.test.mjs -- notes and instruments in headless Chromium on the real
// server, with two users in two contexts: ana adds an instrument track
// (synth, preset bass) and, in its piano roll, draws notes with the mouse
// (dragging draws the length on the snapped grid), moves one, resizes one,
// sets a velocity, moves one with the arrow keys, deletes one; ben's
// document has the same notes, live, and so has the server's. A drum track's
// step sequencer toggles steps that become notes at 240-tick 16ths. The
// instrument panel changes the preset and a parameter; `gm` on a server
// built without FluidSynth is refused and rolled back with the reason
// (with FluidSynth it becomes a GM instrument).
// Pressing a piano key sends `audition` and is heard while stopped. Web MIDI input (a keyboard
// simulated in the page, since headless Chromium refuses Web MIDI) lands
// where the player was heard. Play decodes non-silent audio of the notes.
// A note clip's duplicate copies its notes, a split moves the later ones.
// A viewer's editors are read-only. Screenshots: the piano roll, the step
// sequencer, the instrument panel, the timeline with note clips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, serverDoc, shot } from './lib.mjs';
import { startServer, makeUser, makeProject, addMember } from '../integration/harness.mjs';

let server, ana, ben, cara, project, browser, pa, pb;
const settled = (page) => waitDoc(page, () => window.mixroom.session.pending.length === 0);
const notes = (page) => page.evaluate(() => window.mixroom.session.view.ofKind('note')
  .map(({ id, clip, at, len, pitch, vel }) => ({ id, clip, at, len, pitch, vel })).sort((a, b) => (a.id < b.id ? -1 : 1)));
const sentFrames = [];
const auditioning = []; // the server's auditioning replies to ana

before(async () => {
  server = await startServer();
  ana = makeUser(server, 'ana');
  ben = makeUser(server, 'ben');
  cara = makeUser(server, 'cara');
  project = makeProject(server, 'Beat', 'ana');
  addMember(server, project, 'ben', 'editor');
  addMember(server, project, 'cara', 'viewer');
  browser = await launch();
  pa = await newPage(browser, server);
  pb = await newPage(browser, server);
  pa.on('websocket', (ws) => {
    ws.on('framesent', (f) => { if (typeof f.payload === 'string' && f.payload.includes('"audition"')) sentFrames.push(JSON.parse(f.payload)); });
    ws.on('framereceived', (f) => { if (typeof f.payload === 'string' && f.payload.includes('"auditioning"')) auditioning.push(JSON.parse(f.payload)); });
  });
  await signIn(pa, ana);
  await signIn(pb, ben);
  await openProject(pa, project);
  await openProject(pb, project);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// Page coordinates of (tick, pitch) in the open piano roll (the middle of the row).
async function rollPoint(page, tick, pitch) {
  const g = await page.evaluate(() => window.mixroom.S.noteEditor.geometry());
  const b = await page.locator('.pr-grid').boundingBox();
  return { x: b.x + (tick - g.t0) * g.ppt, y: b.y + (127 - pitch) * g.rowH + g.rowH / 2 };
}

async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
  await settled(page);
}

async function addInstrument(page, type, preset) {
  await page.click('button[aria-label="Add instrument track"]');
  await page.selectOption('.modal select[aria-label="Instrument type"]', type);
  if (preset) await page.selectOption('.modal select[aria-label="Preset"]', preset);
  await page.click('button[aria-label="Create the instrument track"]');
  await settled(page);
  return page.evaluate(() => {
    const ts = window.mixroom.session.view.tracks();
    const t = ts[ts.length - 1];
    return { track: t, clip: window.mixroom.session.view.clipsOf(t.id)[0] };
  });
}

let bass;
test('piano roll: draw, move, resize, velocity, keys and delete; the other user sees the notes live', async () => {
  bass = await addInstrument(pa, 'synth', 'bass');
  assert.equal(bass.track.role, 'instrument');
  assert.equal(bass.track.instrument.type, 'synth');
  assert.equal(bass.track.instrument.preset, 'bass');
  assert.ok(bass.clip && !bass.clip.asset, 'the track came with an empty note clip');
  await pa.waitForSelector('.notepanel.pianoroll');
  const clip = bass.clip.id;

  // draw three notes by dragging: the start snaps down, the end to the nearest 16th
  await drag(pa, await rollPoint(pa, 30, 60), await rollPoint(pa, 960 + 40, 60));
  await drag(pa, await rollPoint(pa, 960 + 100, 64), await rollPoint(pa, 1920 + 60, 64));
  await drag(pa, await rollPoint(pa, 1920 + 10, 67), await rollPoint(pa, 3840 - 20, 67));
  let ns = await notes(pa);
  const shape = (list) => list.map(({ at, len, pitch, vel }) => [at, len, pitch, vel]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(shape(ns), [[0, 960, 60, 100], [960, 960, 64, 100], [1920, 1920, 67, 100]], 'drawn on the grid');
  assert.ok(ns.every((n) => n.clip === clip));
  const id = (at) => ns.find((n) => n.at === at).id;
  const [n1, n2, n3] = [id(0), id(960), id(1920)];

  // move n1 by two 16ths and up two semitones
  await drag(pa, await rollPoint(pa, 300, 60), await rollPoint(pa, 300 + 480, 62));
  // resize n2 by its right edge to 1440 ticks
  const edge = await pa.locator(`.pr-note[data-note="${n2}"] .pr-resize`).boundingBox();
  await drag(pa, { x: edge.x + edge.width / 2, y: edge.y + edge.height / 2 }, await rollPoint(pa, 960 + 1440, 64));
  // velocity of n3 in the toolbar
  await pa.click(`.pr-note[data-note="${n3}"]`, { position: { x: 20, y: 5 } });
  await pa.fill('input[aria-label^="Velocity of the selected notes"]', '64');
  await pa.press('input[aria-label^="Velocity of the selected notes"]', 'Enter');
  await settled(pa);
  // n1 with the keyboard: right one 16th, up a semitone, shift+right longer by a 16th
  await pa.click(`.pr-note[data-note="${n1}"]`, { position: { x: 10, y: 5 } });
  for (const k of ['ArrowRight', 'ArrowUp', 'Shift+ArrowRight']) await pa.keyboard.press(k);
  await settled(pa);
  ns = await notes(pa);
  const by = Object.fromEntries(ns.map((n) => [n.id, n]));
  assert.deepEqual([by[n1].at, by[n1].pitch, by[n1].len], [480 + 240, 63, 960 + 240], 'moved by mouse and keys, resized by shift+right');
  assert.equal(by[n2].len, 1440, 'resized by the edge');
  assert.equal(by[n3].vel, 64, 'velocity set');
  // the other user sees the notes as they are now
  await waitDoc(pb, (want) => JSON.stringify(window.mixroom.session.view.ofKind('note')
    .map(({ id, clip, at, len, pitch, vel }) => ({ id, clip, at, len, pitch, vel })).sort((a, b) => (a.id < b.id ? -1 : 1))) === want, JSON.stringify(ns));
  // N writes a note after the selection (n1 ends at 720 + 1200 = 1920), keys shape it, Delete removes it
  await pa.keyboard.press('n');
  await settled(pa);
  const written = (await notes(pa)).find((n) => !ns.some((o) => o.id === n.id));
  assert.deepEqual([written.at, written.len, written.pitch], [1920, 240, 63], 'N adds a grid step after the selection');
  for (const k of ['ArrowUp', 'ArrowUp', 'Shift+ArrowRight']) await pa.keyboard.press(k);
  await settled(pa);
  assert.deepEqual(await pa.evaluate((id) => { const n = window.mixroom.session.view.get(id); return [n.pitch, n.len]; }, written.id), [65, 480]);
  await pa.keyboard.press('Delete');
  await settled(pa);
  assert.equal((await notes(pa)).length, ns.length);
  // Ctrl+A selects the clip's notes; click n2 alone, Delete deletes it
  await pa.keyboard.press('Control+a');
  assert.equal((await pa.evaluate(() => window.mixroom.S.noteEditor.selection)).length, 3);
  await pa.click(`.pr-note[data-note="${n2}"]`, { position: { x: 10, y: 5 } });
  await pa.keyboard.press('Delete');
  await settled(pa);
  ns = await notes(pa);
  assert.deepEqual(ns.map((n) => n.id).sort(), [n1, n3].sort(), 'n2 deleted');
  await waitDoc(pb, (n) => window.mixroom.session.view.ofKind('note').length === n, ns.length);
  assert.deepEqual(await notes(pb), ns, "ben's document has the same notes");
  const s = await serverDoc(server, ana, project);
  const sn = [...s.objects.values()].filter((o) => o.kind === 'note').map(({ id, clip, at, len, pitch, vel }) => ({ id, clip, at, len, pitch, vel }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.deepEqual(sn, ns, "the server's document has the same notes");
  // the other user's timeline draws the note clip
  await pb.waitForSelector(`.clip.notes[data-clip="${clip}"]`);

  // a key on the roll's keyboard sends audition for that pitch
  await pa.locator('.pr-key[data-pitch="62"]').dispatchEvent('pointerdown', { button: 0 });
  await pa.waitForFunction(() => true);
  await new Promise((r) => setTimeout(r, 200));
  const a = sentFrames.find((f) => f.pitch === 62);
  assert.ok(a, 'audition sent');
  assert.equal(a.track, bass.track.id);
  assert.equal(a.vel, 64, 'with the velocity in the toolbar');

  // a bass line for the screenshot (and for play below)
  await pa.evaluate((clipId) => {
    const ops = [];
    const line = [36, 36, 43, 36, 39, 39, 41, 43];
    line.forEach((p, i) => ops.push({ op: 'create', id: `n_line${i}`, kind: 'note', fields: { clip: clipId, at: 3840 + i * 480, len: 420, pitch: p + 12, vel: 90 + (i % 2) * 30 } }));
    window.mixroom.session.push(ops);
  }, clip);
  await settled(pa);
  await pa.locator('.pr-scroll').evaluate((el) => { el.scrollTop = (127 - 70) * 12; });
  await pa.waitForTimeout(100);
  await shot(pa, 'pianoroll');
  await pa.keyboard.press('Escape');
  await pa.keyboard.press('Escape');
  await pa.waitForSelector('.notepanel', { state: 'detached' });
  assertNoErrors(pa);
  assertNoErrors(pb);
});

let drums;
test('step sequencer: steps become notes at 240-tick 16ths, toggled by click and keyboard, seen live', async () => {
  drums = await addInstrument(pa, 'drums');
  assert.equal(drums.track.instrument.type, 'drums');
  await pa.waitForSelector('.notepanel.stepseq');
  const clip = drums.clip.id;
  const steps = { Kick: [1, 5, 9, 13, 11], Snare: [5, 13], 'Closed hat': [1, 3, 5, 7, 9, 11, 13, 15] };
  for (const [name, list] of Object.entries(steps)) {
    for (const s of list) await pa.click(`button[aria-label="${name} step ${s}"]`);
  }
  await settled(pa);
  // Kick step 11 off again
  await pa.click('button[aria-label="Kick step 11"]');
  // keyboard: from Snare step 13 right twice to step 15, Space toggles it
  await pa.focus('button[aria-label="Snare step 13"]');
  await pa.keyboard.press('ArrowRight');
  await pa.keyboard.press('ArrowRight');
  await pa.keyboard.press('Space');
  await settled(pa);
  assert.equal(await pa.getAttribute('button[aria-label="Snare step 15"]', 'aria-pressed'), 'true');
  const ns = (await notes(pa)).filter((n) => n.clip === clip);
  const got = ns.map((n) => [n.pitch, n.at, n.len]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const want = [
    ...[0, 4, 8, 12].map((s) => [36, s * 240, 240]),
    ...[4, 12, 14].map((s) => [38, s * 240, 240]),
    ...[0, 2, 4, 6, 8, 10, 12, 14].map((s) => [42, s * 240, 240]),
  ].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.deepEqual(got, want);
  await waitDoc(pb, ([c, n]) => window.mixroom.session.view.ofKind('note').filter((x) => x.clip === c).length === n, [clip, want.length]);
  const theirs = (await notes(pb)).filter((n) => n.clip === clip);
  assert.deepEqual(theirs, ns, 'ben sees the same steps');
  // ben's step sequencer of the same clip shows them lit
  await pb.evaluate((c) => window.mixroom.S.openNotes(c), clip);
  await pb.waitForSelector('.notepanel.stepseq');
  assert.equal(await pb.getAttribute('button[aria-label="Kick step 5"]', 'aria-pressed'), 'true');
  assert.equal(await pb.getAttribute('button[aria-label="Kick step 11"]', 'aria-pressed'), 'false');
  await pb.keyboard.press('Escape');
  // accents for the screenshot: shift-click the snare backbeats
  await pa.click('button[aria-label="Snare step 5"]', { modifiers: ['Shift'] });
  await pa.click('button[aria-label="Snare step 13"]', { modifiers: ['Shift'] });
  await settled(pa);
  assert.equal((await notes(pa)).find((n) => n.clip === clip && n.pitch === 38 && n.at === 960).vel, 127, 'shift+click accents');
  await shot(pa, 'stepseq');
  await pa.keyboard.press('Escape');
  assertNoErrors(pa);
  assertNoErrors(pb);
});

test('instrument panel: preset and a parameter; gm accepted, or refused without FluidSynth and rolled back', async () => {
  await pa.click(`.trackrow[data-track="${bass.track.id}"] button[aria-label="Edit the instrument"]`);
  await pa.waitForSelector('.modal.inst-panel');
  await pa.click('button[aria-label="Preset Lead"]');
  await settled(pa);
  let t = await pa.evaluate((id) => window.mixroom.session.view.get(id), bass.track.id);
  assert.equal(t.instrument.preset, 'lead');
  assert.equal(t.instrument.cutoff, 3000);
  const cut = pa.locator('.modal.inst-panel input[aria-label="Cutoff"]');
  await cut.focus();
  for (let i = 0; i < 20; i++) await pa.keyboard.press('ArrowLeft');
  await settled(pa);
  t = await pa.evaluate((id) => window.mixroom.session.view.get(id), bass.track.id);
  assert.ok(t.instrument.cutoff < 3000 && t.instrument.cutoff > 1000, `cutoff lowered (${t.instrument.cutoff})`);
  assert.equal(t.instrument.preset, 'lead');
  await pa.selectOption('.modal.inst-panel select[aria-label="Oscillator 2"]', 'triangle');
  await settled(pa);
  await waitDoc(pb, ([id, c]) => window.mixroom.session.view.get(id)?.instrument?.cutoff === c, [bass.track.id, t.instrument.cutoff]);
  const s = await serverDoc(server, ana, project);
  const mine = await pa.evaluate((id) => window.mixroom.session.view.get(id), bass.track.id);
  assert.equal(mine.instrument.osc2, 'triangle');
  assert.deepEqual(mine, s.objects.get(bass.track.id), "the track equals the server's");
  assert.deepEqual(await pb.evaluate((id) => window.mixroom.session.view.get(id), bass.track.id), mine, "and ben's");
  await shot(pa, 'instrument-panel');
  // gm: refused with the reason on a build without FluidSynth (the view
  // rolls back to the synth), else the track becomes a GM instrument
  await pa.selectOption('.modal.inst-panel select[aria-label="Instrument type"]', 'gm');
  await waitDoc(pa, () => window.mixroom.session.pending.length === 0 || document.querySelector('.toast.error'));
  await settled(pa);
  const after = await pa.evaluate((id) => window.mixroom.session.view.get(id), bass.track.id);
  if (after.instrument.type === 'gm') {
    console.log('# this build has FluidSynth: gm accepted');
    assert.deepEqual(after.instrument, { type: 'gm', program: 0, bank: 0, gain: 0 });
    assert.deepEqual(after, (await serverDoc(server, ana, project)).objects.get(bass.track.id));
    await pa.waitForSelector('.modal.inst-panel input[aria-label="Program"]');
    await pa.selectOption('.modal.inst-panel select[aria-label="Instrument type"]', 'synth');
    await pa.click('button[aria-label="Preset Bass"]');
    await settled(pa);
    assert.deepEqual((await pa.evaluate((id) => window.mixroom.session.view.get(id), bass.track.id)).instrument.preset, 'bass');
  } else {
    console.log('# this build has no FluidSynth: gm refused');
    await pa.waitForSelector('.toast.error');
    assert.match(await pa.locator('.toast.error').last().textContent(), /FluidSynth/);
    assert.deepEqual(after, mine, 'rolled back');
  }
  await pa.keyboard.press('Escape');
  assertNoErrors(pa);
});

test('Web MIDI: notes played on a keyboard land at the tick the player was heard', async () => {
  // What headless Chromium itself offers (reported, not required).
  await pa.context_.grantPermissions(['midi']);
  const real = await pa.evaluate(async () => {
    if (typeof navigator.requestMIDIAccess !== 'function') return 'no navigator.requestMIDIAccess';
    try { const a = await navigator.requestMIDIAccess(); return `${a.inputs.size} inputs`; } catch (e) { return `refused: ${e.message}`; }
  });
  console.log(`# headless Chromium Web MIDI: ${real}`);
  // A MIDI keyboard in the page: requestMIDIAccess answers one input whose
  // messages carry the time stamps we give (an Event subclass).
  await pa.evaluate(() => {
    const input = new EventTarget();
    window.fakeMidi = (data, timeStamp) => {
      class Msg extends Event { get data() { return new Uint8Array(data); } get timeStamp() { return timeStamp; } }
      input.dispatchEvent(new Msg('midimessage'));
    };
    navigator.requestMIDIAccess = async () => ({ inputs: new Map([['kbd', input]]), onstatechange: null });
  });
  await pa.evaluate((c) => window.mixroom.S.openNotes(c), bass.clip.id);
  await pa.waitForSelector('.notepanel.pianoroll');
  const before = (await notes(pa)).length;
  // the heard position is 3 s (tick 5760 at 120 bpm) at time T0 and runs
  // with the clock; a note-on stamped 100 ms before T0 (4800 frames = 192
  // ticks earlier), its note-off at T0, a note-on at T0 + 50 ms held
  const T0 = await pa.evaluate(() => {
    const p = window.mixroom.player;
    const t0 = performance.now();
    p.realPosition = p.position;
    p.position = () => Math.round(48000 * 3 + (performance.now() - t0) * 48);
    return t0;
  });
  await pa.click('button[aria-label="Record from a MIDI keyboard"]');
  assert.equal(await pa.getAttribute('button[aria-label="Record from a MIDI keyboard"]', 'aria-pressed'), 'true');
  await pa.evaluate((t0) => { window.fakeMidi([0x90, 72, 99], t0 - 100); window.fakeMidi([0x80, 72, 0], t0); window.fakeMidi([0x90, 76, 80], t0 + 50); }, T0);
  await pa.click('button[aria-label="Record from a MIDI keyboard"]');
  await pa.evaluate(async () => { const p = window.mixroom.player; p.position = p.realPosition; if (p.playing) await window.mixroom.transport.pause(); });
  await settled(pa);
  const ns = await notes(pa);
  assert.equal(ns.length, before + 2);
  const n = ns.find((x) => x.pitch === 72);
  assert.ok(Math.abs(n.at - (5760 - 192)) <= 1, `note-on at tick ${n.at} (want ${5760 - 192}, as heard)`);
  assert.ok(Math.abs(n.len - 192) <= 1, `length ${n.len}`);
  assert.equal(n.vel, 99);
  const held = ns.find((x) => x.pitch === 76);
  assert.ok(held && Math.abs(held.at - (5760 + 96)) <= 1, `the held note starts where it was heard (${JSON.stringify(held)})`);
  assert.ok(held.len > 0, 'and ends when recording stops');
  await pa.keyboard.press('Escape');
  await pa.keyboard.press('Escape');
  assertNoErrors(pa);
});

test('a note clip: shift+drag selects, duplicate copies its notes, split moves the later ones', async () => {
  const clip = bass.clip.id;
  await pa.evaluate((c) => window.mixroom.S.openNotes(c), clip);
  await pa.waitForSelector('.notepanel.pianoroll');
  // shift+drag a rectangle over the first bar, pitches 58..66: the two notes there
  const first = (await notes(pa)).filter((n) => n.clip === clip && n.at < 3840 && n.pitch >= 58 && n.pitch <= 66);
  assert.ok(first.length >= 1);
  const count0 = (await notes(pa)).length;
  const from = await rollPoint(pa, 10, 66);
  const to = await rollPoint(pa, 3800, 58);
  await pa.keyboard.down('Shift');
  await drag(pa, from, to);
  await pa.keyboard.up('Shift');
  assert.deepEqual((await pa.evaluate(() => window.mixroom.S.noteEditor.selection)).sort(), first.map((n) => n.id).sort(), 'the rectangle selected them');
  assert.equal((await notes(pa)).length, count0, 'shift+drag draws nothing');
  await pa.keyboard.press('Escape');
  await pa.keyboard.press('Escape');
  // duplicate the clip (Ctrl+D): the copy has copies of every note
  const mine = (await notes(pa)).filter((n) => n.clip === clip);
  await pa.evaluate((c) => window.mixroom.S.select([c]), clip);
  await pa.locator('.scroller').focus();
  await pa.keyboard.press('Control+d');
  await settled(pa);
  const copy = await pa.evaluate(([t, c]) => window.mixroom.session.view.clipsOf(t).find((x) => x.id !== c), [bass.track.id, clip]);
  const copied = (await notes(pa)).filter((n) => n.clip === copy.id);
  const shape = (l) => l.map(({ at, len, pitch, vel }) => [at, len, pitch, vel]).sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  assert.deepEqual(shape(copied), shape(mine), 'the copy has the same notes');
  // split the original at bar 2 (tick 3840 = 96000 frames at 120 bpm): later notes go right
  await pa.evaluate((c) => { window.mixroom.S.select([c]); window.mixroom.S.setPlayhead(96000); }, clip);
  await pa.locator('.scroller').focus();
  await pa.keyboard.press('s');
  await settled(pa);
  const right = await pa.evaluate(([t, c, d]) => window.mixroom.session.view.clipsOf(t).find((x) => x.id !== c && x.id !== d), [bass.track.id, clip, copy.id]);
  const ns = await notes(pa);
  assert.deepEqual(shape(ns.filter((n) => n.clip === right.id)), shape(mine.filter((n) => n.at >= 3840)), 'later notes in the right part');
  assert.deepEqual(shape(ns.filter((n) => n.clip === clip)), shape(mine.filter((n) => n.at < 3840)), 'earlier notes stay');
  const s = await serverDoc(server, ana, project);
  for (const n of ns) assert.equal(s.objects.get(n.id)?.clip, n.clip, `server agrees on ${n.id}`);
  // undo both: the clip is whole again with all its notes
  await pa.keyboard.press('Control+z');
  await pa.keyboard.press('Control+z');
  await waitDoc(pa, (n) => window.mixroom.session.view.ofKind('clip').length === n, 2);
  assert.deepEqual(shape((await notes(pa)).filter((n) => n.clip === clip)), shape(mine), 'undone');
  assertNoErrors(pa);
});

test('play decodes non-silent audio of the notes', async () => {
  await pa.evaluate(() => window.mixroom.S.setPlayhead(0));
  await pa.locator('.scroller').focus();
  await pa.keyboard.press(' ');
  await waitDoc(pa, () => window.mixroom.player.playing && window.mixroom.player.sounding, null, 8000);
  await pa.waitForTimeout(1500);
  const st = await pa.evaluate(() => ({ ...window.mixroom.player.stats }));
  assert.ok(st.decoded >= 40, `decoded ${st.decoded} packets`);
  assert.ok(st.maxRms > 0.02, `the notes are heard (max RMS ${st.maxRms})`);
  await pa.evaluate(() => window.mixroom.transport.pause());
  await shot(pa, 'notes-timeline');
  assertNoErrors(pa);
});

test('a piano key is heard while stopped (audition through a short stream), the playhead stays', async () => {
  await pa.evaluate((c) => window.mixroom.S.openNotes(c, 'roll'), bass.clip.id);
  await pa.waitForSelector('.notepanel.pianoroll');
  await pa.waitForTimeout(500); // what play left in the decoder is counted before
  const s0 = await pa.evaluate(() => {
    const p = window.mixroom.player;
    p.stats.maxRms = 0;
    return { decoded: p.stats.decoded, playing: p.playing, ph: window.mixroom.S.playhead };
  });
  assert.equal(s0.playing, false);
  await pa.evaluate(() => {
    const ed = window.mixroom.S.noteEditor;
    ed.el.querySelector('.pr-key[data-pitch="48"]').dispatchEvent(new PointerEvent('pointerdown', { button: 0, bubbles: true }));
  });
  await waitDoc(pa, () => window.mixroom.player.stats.maxRms > 0.02, null, 8000);
  const s1 = await pa.evaluate(() => ({ decoded: window.mixroom.player.stats.decoded, maxRms: window.mixroom.player.stats.maxRms,
    playing: window.mixroom.player.playing, ph: window.mixroom.S.playhead, pos: window.mixroom.player.position() }));
  assert.ok(s1.decoded > s0.decoded, `decoded ${s1.decoded - s0.decoded} packets of the audition`);
  assert.ok(s1.maxRms > 0.02, `the note is heard (max RMS ${s1.maxRms})`);
  assert.equal(s1.playing, false, 'the transport stays stopped');
  assert.equal(s1.pos, s0.ph, 'the heard position stays at the playhead');
  assert.ok(auditioning.some((r) => r.pitch === 48 && r.track === bass.track.id), 'the server answered auditioning');
  // the audition stream ends by itself; the playhead has not moved
  await waitDoc(pa, () => window.mixroom.player.auditionStream === null, null, 8000);
  assert.equal(await pa.evaluate(() => window.mixroom.S.playhead), s0.ph);
  await pa.keyboard.press('Escape');
  await pa.keyboard.press('Escape');
  assertNoErrors(pa);
});

test('a viewer sees the note editors read-only: no drawing, no steps, no audition', async () => {
  const pc = await newPage(browser, server);
  const sent = [];
  pc.on('websocket', (ws) => ws.on('framesent', (f) => { if (typeof f.payload === 'string' && /"(push|audition)"/.test(f.payload)) sent.push(f.payload); }));
  try {
    await signIn(pc, cara);
    await openProject(pc, project);
    const before = await notes(pc);
    assert.ok(before.length > 0);
    await pc.evaluate((c) => window.mixroom.S.openNotes(c, 'roll'), bass.clip.id);
    await pc.waitForSelector('.notepanel.pianoroll');
    const g = await pc.evaluate(() => window.mixroom.S.noteEditor.geometry());
    await pc.locator('.pr-scroll').evaluate((el, top) => { el.scrollTop = top; }, (127 - 61) * g.rowH - 200);
    const b2 = await pc.locator('.pr-grid').boundingBox();
    await pc.mouse.move(b2.x + 3000 * g.ppt, b2.y + (127 - 61) * g.rowH + 6);
    await pc.mouse.down();
    await pc.mouse.move(b2.x + 3600 * g.ppt, b2.y + (127 - 61) * g.rowH + 6, { steps: 4 });
    await pc.mouse.up();
    await pc.keyboard.press('Control+a');
    await pc.keyboard.press('Delete');
    await pc.locator('.pr-key[data-pitch="60"]').dispatchEvent('pointerdown', { button: 0 });
    assert.equal(await pc.locator('input[aria-label^="Velocity of the selected notes"]').isDisabled(), true);
    await pc.keyboard.press('Escape');
    await pc.keyboard.press('Escape');
    await pc.evaluate((c) => window.mixroom.S.openNotes(c), drums.clip.id);
    await pc.waitForSelector('.notepanel.stepseq');
    assert.equal(await pc.locator('button[aria-label="Kick step 2"]').isDisabled(), true);
    await pc.waitForTimeout(200);
    assert.deepEqual(await notes(pc), before, 'nothing changed');
    assert.deepEqual(sent, [], 'no push or audition was sent');
    assertNoErrors(pc);
  } finally {
    await pc.context_.close();
  }
});
