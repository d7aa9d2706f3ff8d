// crossfade.test.mjs -- crossfades in headless Chromium on the real
// server: dragging one constant tone clip over the end of another on the
// same track draws the crossfade (an X over the overlap) and the exported
// mix has no gap and no bump across it (the RMS of every 10 ms window of
// the overlap within 1 dB of the level outside; 1000 Hz and 1500 Hz tones
// make whole cycles in 10 ms, so the windows are uncorrelated); a fade-out
// shape changed from the clip's context menu is heard in the export (the
// middle of the fade at -3 dB with equal power, about -18.5 dB with the
// exponential shape). Screenshot: artifacts/crossfade.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, assertNoErrors, waitDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { join } from '../integration/harness.mjs';
import { toneWav, uploadReady, exportMix, rmsDb, pushOps, studioPage } from './tones.mjs';

let F, browser, page;
const T = 't_pad', A = 'c_a', B = 'c_b';
const SR = 48000;
const settled = () => waitDoc(page, () => window.mixroom.session.pending.length === 0 && window.mixroom.session.status === 'online');
const clip = (id) => page.evaluate((i) => window.mixroom.session.view.get(i), id);

before(async () => {
  F = await setupStudio();
  const { client } = await join(F.server, F.ana, F.project);
  const t1 = await uploadReady(F.server, client, F.ana, F.project, 'a1000.wav', toneWav(1000, 2, 0.5));
  const t2 = await uploadReady(F.server, client, F.ana, F.project, 'b1500.wav', toneWav(1500, 3, 0.5));
  await pushOps(client, [
    { op: 'set', id: F.track, fields: { mute: true } },
    { op: 'create', id: T, kind: 'track', fields: { name: 'Pad', order: 'X', color: '#ba68c8' } },
    { op: 'create', id: A, kind: 'clip', fields: { track: T, asset: t1, start: 0, length: 2 * SR, name: 'A 1 kHz' } },
    { op: 'create', id: B, kind: 'clip', fields: { track: T, asset: t2, start: 3 * SR, length: 2 * SR, name: 'B 1.5 kHz' } },
  ]);
  client.close();
  browser = await launch();
  page = await studioPage(browser, F, F.ana, B);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

test('overlapping two clips draws a crossfade and the export has no gap or bump', async () => {
  assert.equal(await page.locator('.xfade').count(), 0, 'no overlap, no crossfade');
  // drag B left by 1.5 s: it starts at 1.5 s, over the last 0.5 s of A
  const el = page.locator(`.clip[data-clip="${B}"]`);
  const b = await el.boundingBox();
  const zoom = await page.evaluate(() => window.mixroom.S.zoom);
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 - (1.5 * SR) / zoom, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
  await settled();
  assert.equal((await clip(B)).start, 1.5 * SR, 'B starts at 1.5 s (snapped to the beat)');
  const x = page.locator(`.trackrow[data-track="${T}"] .xfade`);
  await x.waitFor();
  const xb = await x.boundingBox();
  assert.ok(Math.abs(xb.width - (0.5 * SR) / zoom) < 2, `the X covers the overlap (${xb.width} px)`);
  assert.match(await x.getAttribute('aria-label'), /^Crossfade from 0:01\.500 to 0:02\.000/);
  await shot(page, 'crossfade');

  const mix = await exportMix(F.server, F.ana, F.project, 0, 3.5 * SR);
  const win = 480; // 10 ms
  const outside = rmsDb(mix.left, 0.5 * SR, 1.4 * SR);
  const after = rmsDb(mix.left, 2.1 * SR, 3.0 * SR);
  let lo = Infinity, hi = -Infinity;
  for (let f = 1.5 * SR; f + win <= 2 * SR; f += win) {
    const l = rmsDb(mix.left, f, f + win) - outside;
    lo = Math.min(lo, l);
    hi = Math.max(hi, l);
  }
  console.log(`crossfade export: level outside ${outside.toFixed(2)} dB, after ${after.toFixed(2)} dB; 10 ms windows across the overlap from ${lo.toFixed(3)} to ${hi.toFixed(3)} dB of the outside level`);
  assert.ok(Math.abs(after - outside) < 0.1, 'both tones at the same level');
  assert.ok(lo > -1 && hi < 1, `no gap and no bump: ${lo.toFixed(2)}..${hi.toFixed(2)} dB`);
  assertNoErrors(page);
});

test('a fade shape picked from the context menu is heard in the export', async () => {
  // a 500 ms fade-out on B from the inspector (equal power by default)
  await page.locator(`.clip[data-clip="${B}"]`).click();
  await page.fill('input[aria-label="Fade out in milliseconds"]', '500');
  await page.press('input[aria-label="Fade out in milliseconds"]', 'Enter');
  await settled();
  const c = await clip(B);
  assert.equal(c.fade_out, 0.5 * SR);
  const end = c.start + c.length;
  const mid = end - 0.25 * SR; // the middle of the fade-out
  const level = async () => {
    const mix = await exportMix(F.server, F.ana, F.project, 0, end);
    return rmsDb(mix.left, mid - 240, mid + 240) - rmsDb(mix.left, 2.2 * SR, 2.8 * SR);
  };
  const ep = await level();
  // Fade shape > Fade out: Exponential, from the clip's menu
  await page.locator(`.clip[data-clip="${B}"]`).click({ button: 'right' });
  await page.locator('.ctxmenu [role="menuitem"]', { hasText: 'Fade shape' }).click();
  await page.locator('.ctxmenu[aria-label="Fade shape"] [role="menuitemradio"]', { hasText: 'Fade out: Exponential' }).click();
  await settled();
  assert.equal((await clip(B)).fade_out_shape, 'exp');
  const ex = await level();
  console.log(`fade shape export: middle of a 500 ms fade-out ${ep.toFixed(2)} dB (equal power), ${ex.toFixed(2)} dB (exponential)`);
  assert.ok(Math.abs(ep - 20 * Math.log10(Math.SQRT1_2)) < 1, `equal power: -3 dB in the middle (${ep.toFixed(2)})`);
  assert.ok(Math.abs(ex - 20 * Math.log10(Math.expm1(2) / Math.expm1(4))) < 1, `exponential: about -18.5 dB (${ex.toFixed(2)})`);
  await page.locator(`.clip[data-clip="${B}"]`).click();
  await shot(page, 'crossfade-shape');
  assertNoErrors(page);
});
