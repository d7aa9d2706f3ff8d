// export.test.mjs -- the Export dialog in headless Chromium on the real
// server: a 16-bit WAV of a range selected on the ruler downloads with a
// correct header and exactly the range's length, the progress bar ends
// full and the loudness (LUFS, true peak) is shown with the download; a
// FLAC of the whole song starts with "fLaC"; stems download as a zip of
// one WAV per track. Screenshot: artifacts/export.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { launch, newPage, assertNoErrors, signIn, openProject, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';

let F, browser, page;

before(async () => {
  F = await setupStudio();
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

async function download() {
  const link = page.locator('a.download');
  await link.waitFor({ timeout: 20000 });
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
}

test('a WAV of the selected range downloads with the right header and length, with its loudness', async () => {
  await page.evaluate(() => window.mixroom.transport.setRange([48000, 48000 + 96000]));
  await page.click('button[aria-label="Export"]');
  const dlg = page.locator('.modal[aria-label="Export the mix"]');
  await dlg.waitFor();
  assert.equal(await dlg.locator('input[aria-label="Stems (one file per track, in a zip)"]').isChecked(), false, 'stems off by default');
  await dlg.locator('select[aria-label="Format"]').selectOption('wav16');
  assert.equal(await dlg.locator('select[aria-label="Range"]').inputValue(), 'sel');
  await dlg.locator('button[aria-label="Export"]').click();
  const { name, bytes } = await download();
  assert.match(name, /\.wav$/);
  assert.equal(bytes.toString('ascii', 0, 4), 'RIFF');
  assert.equal(bytes.toString('ascii', 8, 12), 'WAVE');
  // find the fmt and data chunks
  let off = 12, fmt = null, data = null;
  while (off + 8 <= bytes.length) {
    const id = bytes.toString('ascii', off, off + 4);
    const size = bytes.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: bytes.readUInt16LE(off + 10), rate: bytes.readUInt32LE(off + 12), bits: bytes.readUInt16LE(off + 22) };
    if (id === 'data') { data = { off: off + 8, size }; break; }
    off += 8 + size + (size & 1);
  }
  assert.deepEqual(fmt, { channels: 2, rate: 48000, bits: 16 });
  assert.equal(data.size, 96000 * 4, 'data is exactly the 2 s range');
  assert.equal(bytes.length, data.off + data.size, 'the file ends with the data');
  assert.equal(bytes.readUInt32LE(4), bytes.length - 8, 'RIFF size');
  let peak = 0;
  for (let i = data.off; i < bytes.length; i += 2) peak = Math.max(peak, Math.abs(bytes.readInt16LE(i)));
  assert.ok(peak > 1000, `the export is not silent (peak ${peak})`);
  assert.equal(await dlg.locator('progress').evaluate((p) => p.value), 1, 'the progress bar ends full');
  const lufs = await dlg.locator('.lufs').textContent();
  assert.match(lufs, /^-?\d+\.\d LUFS$/, `loudness shown (${lufs})`);
  assert.match(await dlg.locator('.loudness').textContent(), /true peak -?\d+\.\d dBTP/);
  await shot(page, 'export');
  await page.keyboard.press('Escape');
  assertNoErrors(page);
});

test('a FLAC of the whole song', async () => {
  await page.evaluate(() => window.mixroom.transport.setRange(null));
  await page.click('button[aria-label="Export"]');
  const dlg = page.locator('.modal[aria-label="Export the mix"]');
  await dlg.locator('select[aria-label="Format"]').selectOption('flac');
  assert.equal(await dlg.locator('select[aria-label="Range"]').inputValue(), 'all');
  await dlg.locator('button[aria-label="Export"]').click();
  const { name, bytes } = await download();
  assert.match(name, /\.flac$/);
  assert.equal(bytes.toString('ascii', 0, 4), 'fLaC');
  // streamed, so STREAMINFO has no total: decode it with flac(1) and count
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-flac-'));
  fs.writeFileSync(path.join(tmp, 'a.flac'), bytes);
  const r = spawnSync('flac', ['-d', '-s', '--force-raw-format', '--endian=little', '--sign=signed', '-o', path.join(tmp, 'a.raw'), path.join(tmp, 'a.flac')]);
  assert.equal(r.status, 0, `flac decodes the file: ${r.stderr}`);
  const frames = fs.statSync(path.join(tmp, 'a.raw')).size / 4;
  fs.rmSync(tmp, { recursive: true, force: true });
  // the whole song: the clip's end (1 s + 4 s) plus the effect tail the server adds
  assert.ok(frames >= 5 * 48000 && frames <= 10 * 48000, `FLAC length covers the whole song (${frames / 48000} s)`);
  await page.keyboard.press('Escape');
  assertNoErrors(page);
});

test('stems: one WAV per track in a zip', async () => {
  await page.evaluate(() => window.mixroom.transport.setRange(null));
  await page.click('button[aria-label="Export"]');
  const dlg = page.locator('.modal[aria-label="Export the mix"]');
  await dlg.locator('select[aria-label="Format"]').selectOption('wav16');
  await dlg.locator('input[aria-label="Stems (one file per track, in a zip)"]').check();
  await dlg.locator('button[aria-label="Export"]').click();
  const { name, bytes } = await download();
  assert.match(name, /stems\.zip$/);
  assert.equal(bytes.readUInt32LE(0), 0x04034b50, 'a zip (local file header)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-stems-'));
  fs.writeFileSync(path.join(tmp, 's.zip'), bytes);
  const r = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))', path.join(tmp, 's.zip')], { encoding: 'utf8' });
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split('\n');
  const audioTracks = await page.evaluate(() => window.mixroom.S.doc.tracks().filter((t) => t.role !== 'bus').length);
  assert.equal(names.length, audioTracks, `one entry per audio track: ${names}`);
  assert.ok(names.every((n) => /^\d\d .+\.wav$/.test(n)), names.join(', '));
  await page.keyboard.press('Escape');
  assertNoErrors(page);
});
