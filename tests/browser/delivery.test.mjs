// delivery.test.mjs -- listening and delivery in headless Chromium on the
// real server (issue 18): a hot track lights the latching true-peak clip
// indicators of its strip and of the master, which stay lit after the
// audio stops and go out on a click; the export dialog measures the song
// first and warns that its true peak is over -1 dBTP, offers the loudness
// targets, and a -14 LUFS WAV of the whole song is exactly the song (the
// length the dialog shows) with its loudness shown at the target and its
// true peak at or under -1 dBTP; A/B against a version 12 dB louder is
// matched by default (the decoded audio of A and B within 3 dB by the
// loudest packets' RMS in the player; tests/integration/loudness
// measures the 0.1 LU), the difference shown as +12.0 LU, and the Match
// switch plays true levels.
// Screenshots: artifacts/delivery-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from '../integration/harness.mjs';
import { launch, newPage, assertNoErrors, signIn, openProject, shot, waitDoc } from './lib.mjs';
import { setupStudio } from './fixture.mjs';

const RATE = 48000;
let F, browser, page, hotRev;

async function push(ops) {
  const { client } = await join(F.server, F.ana, F.project);
  client.send({ type: 'push', seq: 1, base: null, ops });
  const d = await client.next((m) => m.type === 'delta' || m.type === 'reject', 10000);
  await client.close();
  assert.equal(d.type, 'delta', JSON.stringify(d));
  return d.rev;
}

before(async () => {
  F = await setupStudio();
  // the drums 8 dB hot: peaks over 0 dBTP
  hotRev = await push([{ op: 'set', id: F.track, fields: { gain: 8 } }]);
  browser = await launch();
  page = await newPage(browser, F.server);
  await signIn(page, F.ana);
  await openProject(page, F.project);
  await page.waitForSelector(`.clip[data-clip="${F.clip}"]`);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

test('a hot track latches the clip indicators of its strip and the master; a click resets', async () => {
  const strip = page.locator(`.strip[data-track="${F.track}"] .cliplight`);
  const master = page.locator('.strip.master .cliplight');
  assert.equal(await strip.getAttribute('data-clipped'), 'false');
  assert.equal(await master.getAttribute('data-clipped'), 'false');
  await page.evaluate((f) => window.mixroom.S.setPlayhead(f), RATE);
  await page.click('button[aria-label="Play"]');
  await page.waitForSelector(`.strip[data-track="${F.track}"] .cliplight.on`, { timeout: 8000 });
  await page.waitForSelector('.strip.master .cliplight.on', { timeout: 8000 });
  await page.click('button[aria-label="Pause"]');
  await page.waitForTimeout(300);
  // latched: still lit after the audio stopped, with the highest true peak
  assert.equal(await strip.getAttribute('data-clipped'), 'true');
  const tp = Number(await strip.getAttribute('data-tp'));
  assert.ok(tp > 0, `the strip's true peak is over 0 dBTP (${tp})`);
  assert.match(await strip.getAttribute('aria-label'), /dBTP/);
  // the bus carries nothing: it stays dark
  assert.equal(await page.locator('.strip[data-track="b_fx"] .cliplight').getAttribute('data-clipped'), 'false');
  await shot(page, 'delivery-clip');
  await strip.click();
  assert.equal(await strip.getAttribute('data-clipped'), 'false', 'a click resets it');
  assert.equal(await master.getAttribute('data-clipped'), 'true', 'the master keeps its own');
  await master.click();
  assert.equal(await master.getAttribute('data-clipped'), 'false');
  assertNoErrors(page);
});

test('the export dialog warns over -1 dBTP, and a -14 LUFS export of the whole song is the song, limited', async () => {
  await page.evaluate(() => window.mixroom.transport.setRange(null));
  await page.click('button[aria-label="Export"]');
  const dlg = page.locator('.modal[aria-label="Export the mix"]');
  await dlg.waitFor();
  const rangeText = await dlg.locator('select[aria-label="Range"] option[value="all"]').textContent();
  assert.match(rangeText, /0:05\.000/, `the song is 5 s (${rangeText})`);
  // measured before exporting: over -1 dBTP, in red, with a warning
  await dlg.locator(".precheck .tp.over").waitFor({ timeout: 10000 });
  assert.match(await dlg.locator('.precheck .tpwarn').textContent(), /over -1 dBTP/);
  const targets = await dlg.locator('select[aria-label="Loudness target"] option').allTextContents();
  assert.deepEqual(targets.slice(1).map((t) => t.replace(/\s*\(.*/, '')), ['−14 LUFS', '−16 LUFS', '−23 LUFS']);
  assert.match(targets.join(' '), /streaming.*Apple Music.*EBU R128/);
  assert.equal(await dlg.locator('input[aria-label="Include tails"]').isChecked(), false, 'exactly the range by default');
  await dlg.locator('select[aria-label="Format"]').selectOption('wav16');
  await dlg.locator('select[aria-label="Loudness target"]').selectOption('-14');
  await shot(page, 'delivery-export');
  await dlg.locator('button[aria-label="Export"]').click();
  const link = page.locator('a.download');
  await link.waitFor({ timeout: 30000 });
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const bytes = fs.readFileSync(await dl.path());
  let off = 12, size = -1;
  while (off + 8 <= bytes.length) {
    const id = bytes.toString('ascii', off, off + 4);
    const n = bytes.readUInt32LE(off + 4);
    if (id === 'data') { size = n; break; }
    off += 8 + n + (n & 1);
  }
  assert.equal(size, 5 * RATE * 4, 'the file is exactly the 5 s the dialog shows');
  const lufs = Number((await dlg.locator('.loudness .lufs').textContent()).replace(/ LUFS/, ''));
  assert.ok(Math.abs(lufs + 14) <= 0.5, `the file's loudness is shown at the target (${lufs})`);
  const tpText = await dlg.locator('.loudness .tp').textContent();
  const tp = Number(tpText.match(/(-?[\d.]+) dBTP/)[1]);
  assert.ok(tp <= -1, `the file's true peak is limited (${tpText})`);
  assert.equal(await dlg.locator('.loudness .tp.ok').count(), 1, 'and shown as fine');
  // a selection is exported exactly: tails cannot be included
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.mixroom.transport.setRange([48000, 96000]));
  await page.click('button[aria-label="Export"]');
  assert.equal(await dlg.locator('input[aria-label="Include tails"]').isDisabled(), true);
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.mixroom.transport.setRange(null));
  assertNoErrors(page);
});

/**
 * The loudest decoded packet's RMS over ms (the player's follower sampled
 * every 20 ms): each beat's hit, so it does not depend on where the window
 * falls in the rhythm or on a loaded machine's timing.
 */
function peakRms(ms) {
  return page.evaluate(async (ms) => {
    const P = window.mixroom.player;
    let best = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) { best = Math.max(best, P.stats.rms); await new Promise((r) => setTimeout(r, 20)); }
    return best;
  }, ms);
}

test('A/B is loudness-matched by default, shows the LU difference, and Match off plays true levels', async () => {
  // the head 12 dB quieter than the hot version
  await push([{ op: 'set', id: F.track, fields: { gain: -4 } }]);
  await waitDoc(page, (t) => window.mixroom.session.view.get(t).gain === -4, F.track);
  await page.evaluate((r) => window.mixroom.transport.setB(r), hotRev);
  await page.waitForFunction(() => document.querySelector('.abinfo').dataset.lu !== '', null, { timeout: 10000 });
  assert.equal(await page.locator('button[aria-label="Match loudness (A/B)"]').getAttribute('aria-pressed'), 'true');
  // loop the clip so the song does not end while listening
  await page.evaluate(() => { window.mixroom.transport.setRange([48000, 5 * 48000]); window.mixroom.transport.setLoop(true); window.mixroom.S.setPlayhead(48000); });
  await page.click('button[aria-label="Play"]');
  await waitDoc(page, () => window.mixroom.player.sounding, null, 8000);
  await page.waitForTimeout(300);
  const a = await peakRms(1500);
  await page.click('button.ab');
  await page.waitForFunction(() => window.mixroom.S.abSide === 'B' && window.mixroom.player.matchGain !== null, null, { timeout: 8000 });
  const gain = await page.evaluate(() => window.mixroom.player.matchGain);
  assert.ok(Math.abs(gain + 12) < 0.5, `B is gained by ${gain} dB`);
  await page.waitForTimeout(400);
  const bMatched = await peakRms(1500);
  const info = await page.locator('.abinfo').textContent();
  assert.match(info, /B: r\d+ · \+1[12]\.\d LU vs head, matched/, info);
  await shot(page, 'delivery-ab');
  await page.click('button[aria-label="Match loudness (A/B)"]');
  await page.waitForFunction(() => window.mixroom.player.matchGain === null, null, { timeout: 8000 });
  await page.waitForTimeout(400);
  const bTrue = await peakRms(1500);
  assert.match(await page.locator('.abinfo').textContent(), /true levels/);
  await page.click('button[aria-label="Pause"]');
  await page.evaluate(() => { window.mixroom.transport.setLoop(false); window.mixroom.transport.setRange(null); });
  const db = (x, y) => 20 * Math.log10(x / y);
  console.log(`A ${a.toFixed(4)}, B matched ${bMatched.toFixed(4)} (${db(bMatched, a).toFixed(1)} dB), B true ${bTrue.toFixed(4)} (${db(bTrue, a).toFixed(1)} dB)`);
  assert.ok(a > 0.003, `A is heard (${a})`);
  assert.ok(Math.abs(db(bMatched, a)) < 3, `matched: B within 3 dB of A (${db(bMatched, a).toFixed(2)} dB)`);
  assert.ok(db(bTrue, a) > 8, `true levels: B about 12 dB louder (${db(bTrue, a).toFixed(2)} dB)`);
  assertNoErrors(page);
});
