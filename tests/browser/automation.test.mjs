// automation.test.mjs -- automation lanes in headless Chromium on the real
// server, with two users: ana opens "Show automation" on a track holding a
// constant tone, draws three gain points (three clicks), moves one (a
// drag) and deletes one (Delete), each gesture exactly one push (one
// revision) with the points array replaced once; ben, with the lane open
// in his own context, sees every change live; the exported mix follows
// the automation (levels measured at three times against the curve the
// points make); a lane for an effect parameter is picked and drawn too.
// Screenshot: artifacts/automation-lanes.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, openProject, waitDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { join } from '../integration/harness.mjs';
import { toneWav, uploadReady, exportMix, rmsDb, pushOps, signInPatient } from './tones.mjs';

let F, browser, pa, pb;
const T = 't_tone', FX = 'e_comp';
const rev = (p) => p.evaluate(() => window.mixroom.session.rev);
const settled = (p) => waitDoc(p, () => window.mixroom.session.pending.length === 0 && window.mixroom.session.status === 'online');
const gainAuto = (p) => p.evaluate((t) => window.mixroom.session.view.ofKind('automation').find((a) => a.track === t && a.param === 'gain') || null, T);
const lane = (p, param = 'gain') => p.locator(`.trackrow[data-track="${T}"] .autolane[data-param="${param}"] .alane`);
const points = (p, param = 'gain') => lane(p, param).locator('.apoint');

before(async () => {
  F = await setupStudio();
  const { client } = await join(F.server, F.ana, F.project);
  const tone = await uploadReady(F.server, client, F.ana, F.project, 'tone.wav', toneWav(440, 4, 0.5));
  await pushOps(client, [
    { op: 'set', id: F.track, fields: { mute: true } }, // the drums stay out of the measured mix
    { op: 'create', id: T, kind: 'track', fields: { name: 'Tone', order: 'X', color: '#4dd0e1' } },
    { op: 'create', id: 'c_tone', kind: 'clip', fields: { track: T, asset: tone, start: 0, length: 4 * 48000, name: 'tone' } },
    { op: 'create', id: FX, kind: 'effect', fields: { track: T, type: 'compressor', order: 'V' } },
  ]);
  client.close();
  browser = await launch();
  pa = await newPage(browser, F.server);
  pb = await newPage(browser, F.server);
  await signInPatient(pa, F.ana);
  await signInPatient(pb, F.ben);
  for (const p of [pa, pb]) {
    await openProject(p, F.project);
    await p.waitForSelector('.clip[data-clip="c_tone"]');
    await p.click(`.trackrow[data-track="${T}"] button[aria-label="Show automation"]`);
    await lane(p).waitFor();
  }
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

/** Clicks ana's gain lane at timeline frame f, y px from its top. */
async function clickAt(f, y) {
  const b = await lane(pa).boundingBox();
  const zoom = await pa.evaluate(() => window.mixroom.S.zoom);
  await pa.mouse.click(b.x + f / zoom, b.y + y);
}

/** Runs one gesture in ana's page; asserts it was exactly one revision. */
async function oneRevision(act) {
  await settled(pa);
  const r0 = await rev(pa);
  await act();
  await settled(pa);
  assert.equal(await rev(pa), r0 + 1, 'one gesture, one push');
}

test('three points drawn, one moved, one deleted: one push each, seen live by the other user', async () => {
  assert.equal(await pa.getAttribute(`.trackrow[data-track="${T}"] button[aria-label="Show automation"]`, 'aria-pressed'), 'true');
  const frames = [24000, 72000, 120000]; // beats: the grid snaps them exactly
  const ys = [10, 40, 25];
  for (let i = 0; i < 3; i++) {
    await oneRevision(() => clickAt(frames[i], ys[i]));
    await waitDoc(pb, ([t, n]) => document.querySelectorAll(`.trackrow[data-track="${t}"] .autolane[data-param="gain"] .apoint`).length === n, [T, i + 1], 2000);
  }
  let a = await gainAuto(pa);
  assert.deepEqual(a.points.map((p) => p[0]), frames, 'points at the clicked (snapped) frames');
  assert.ok(a.points[0][1] > a.points[2][1] && a.points[2][1] > a.points[1][1], `values follow the heights (${JSON.stringify(a.points)})`);
  // the value is shown in dB on the handle
  assert.match(await points(pa).nth(0).getAttribute('aria-label'), /Volume point at .*dB/);
  // drag the middle point right by a beat and down: one push for the whole drag
  const h = await points(pa).nth(1).boundingBox();
  const zoom = await pa.evaluate(() => window.mixroom.S.zoom);
  await oneRevision(async () => {
    await pa.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await pa.mouse.down();
    await pa.mouse.move(h.x + h.width / 2 + 24000 / zoom, h.y + h.height / 2 + 8, { steps: 12 });
    await pa.mouse.up();
  });
  a = await gainAuto(pa);
  assert.equal(a.points[1][0], 96000, 'moved one beat later (snapped)');
  await waitDoc(pb, (t) => document.querySelectorAll(`.trackrow[data-track="${t}"] .autolane[data-param="gain"] .apoint`)[1]?.dataset.frame === '96000', T, 2000);
  // delete the last point with the keyboard
  await points(pa).nth(2).focus();
  await oneRevision(() => pa.keyboard.press('Delete'));
  a = await gainAuto(pa);
  assert.equal(a.points.length, 2);
  await waitDoc(pb, (t) => document.querySelectorAll(`.trackrow[data-track="${t}"] .autolane[data-param="gain"] .apoint`).length === 2, T, 2000);
  const b = await pb.evaluate((t) => window.mixroom.session.view.ofKind('automation').find((x) => x.track === t && x.param === 'gain'), T);
  assert.deepEqual(b.points, a.points, "ben's document has the same points");
  await shot(pa, 'automation-lanes');
  assertNoErrors(pa);
  assertNoErrors(pb);
});

test('the exported mix follows the automation', async () => {
  const a = await gainAuto(pa);
  const [[f0, v0], [f1, v1]] = a.points;
  const curve = (f) => (f <= f0 ? v0 : f >= f1 ? v1 : v0 + (v1 - v0) * ((f - f0) / (f1 - f0)));
  const mix = await exportMix(F.server, F.ana, F.project, 0, 150000);
  const win = 1200;
  const at = [8000, Math.round((f0 + f1) / 2), 130000]; // before the first point, on the ramp, after the last
  const got = at.map((f) => rmsDb(mix.left, f - win / 2, f + win / 2));
  const want = at.map(curve);
  console.log(`automation export: points ${JSON.stringify(a.points)}; measured ${got.map((x) => x.toFixed(2)).join(', ')} dB; curve ${want.map((x) => x.toFixed(2)).join(', ')} dB`);
  for (let i = 1; i < at.length; i++) {
    assert.ok(Math.abs((got[i] - got[0]) - (want[i] - want[0])) < 0.5,
      `level at frame ${at[i]} relative to frame ${at[0]}: ${(got[i] - got[0]).toFixed(2)} dB, the automation says ${(want[i] - want[0]).toFixed(2)} dB`);
  }
  assert.ok(Math.abs(got[2] - got[0]) > 6, 'the levels differ audibly');
});

test('an effect parameter lane: picked, drawn, one push', async () => {
  await pa.click(`.trackrow[data-track="${T}"] .autolane[data-param="gain"] button[aria-label="Add an automation lane"]`);
  const picker = pa.locator(`.trackrow[data-track="${T}"] .autolane[data-param="pan"] select[aria-label="Automation parameter"]`);
  await picker.waitFor();
  const options = await picker.locator('option').allTextContents();
  assert.ok(options.includes('Compressor threshold (dB)'), `the compressor's parameters are offered (${options})`);
  await picker.selectOption(`${FX}.threshold`);
  await lane(pa, `${FX}.threshold`).waitFor();
  const b = await lane(pa, `${FX}.threshold`).boundingBox();
  await oneRevision(() => pa.mouse.click(b.x + 48000 / 256, b.y + 30));
  const a = await pa.evaluate((p) => window.mixroom.session.view.ofKind('automation').find((x) => x.param === p), `${FX}.threshold`);
  assert.equal(a.points.length, 1);
  assert.ok(a.points[0][1] >= -60 && a.points[0][1] <= 0, 'a threshold in its range');
  assert.match(await points(pa, `${FX}.threshold`).first().getAttribute('aria-label'), /Compressor threshold point at .* dB/);
  await shot(pa, 'automation-lanes-fx');
  assertNoErrors(pa);
});
