// clipboard.test.mjs -- selection, clipboard and the context menu in
// headless Chromium on the real server: copy and paste at the playhead
// onto the selected track, cut, duplicate of a multi-selection made with
// shift-click, a rubber-band selection across tracks pasted onto another
// track (the relative track layout kept), each one revision (one history
// entry) that one undo takes back to the exact previous document; the clip
// menu and the track menu by mouse and by keyboard (arrows, submenu,
// Escape, focus back). The server's document must match at the end.
// Screenshots: artifacts/clipboard-selection.png, clipboard-menu.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, assertNoErrors, waitDoc, serverDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { join } from '../integration/harness.mjs';
import { pushOps, studioPage } from './tones.mjs';

let F, browser, page;
const view = () => page.evaluate(() => Object.fromEntries(window.mixroom.session.view.objects));
const rev = () => page.evaluate(() => window.mixroom.session.rev);
const settled = () => waitDoc(page, () => window.mixroom.session.pending.length === 0 && window.mixroom.session.status === 'online');
const clipsNow = () => page.evaluate(() => window.mixroom.session.view.ofKind('clip'));
const T2 = 't_keys', T3 = 't_bass', C2 = 'c_keys';

before(async () => {
  F = await setupStudio();
  // two more audio tracks below Drums (the bus is above, order 'k'), a clip on the second
  const { client } = await join(F.server, F.ana, F.project);
  await pushOps(client, [
    { op: 'create', id: T2, kind: 'track', fields: { name: 'Keys', order: 'X', color: '#64b5f6' } },
    { op: 'create', id: T3, kind: 'track', fields: { name: 'Bass', order: 'Y', color: '#81c784' } },
    { op: 'create', id: C2, kind: 'clip', fields: { track: T2, asset: F.asset, start: 96000, length: 96000, name: 'keys' } },
  ]);
  client.close();
  browser = await launch();
  page = await studioPage(browser, F, F.ana, C2);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

/** Runs act (one gesture); asserts it made exactly one revision and that one undo restores the document before it. */
async function oneStep(act, check) {
  await settled();
  const before = await view();
  const r0 = await rev();
  await act();
  await settled();
  assert.equal(await rev(), r0 + 1, 'the gesture is one push: one revision, one history entry');
  const after = await view();
  await check(after, before);
  await page.locator('.scroller').focus();
  await page.keyboard.press('Control+z');
  await waitDoc(page, (r) => window.mixroom.session.rev === r + 2 && window.mixroom.session.pending.length === 0, r0);
  assert.deepEqual(await view(), before, 'one undo restores the previous document');
  return after;
}

/** Clicks the empty lane of track id at timeline frame f (sets the playhead and the selected track). */
async function clickLane(id, f) {
  await page.evaluate((f) => { const { S, tl } = window.mixroom; tl.el.scrollLeft = Math.max(0, f / S.zoom - 300); }, f);
  await page.waitForTimeout(100);
  const lane = page.locator(`.trackrow[data-track="${id}"] > .lane`);
  const b = await lane.boundingBox();
  const x = await page.evaluate(({ f, bx }) => bx + f / window.mixroom.S.zoom, { f, bx: b.x }); // the lane box moves with the scroll
  await page.mouse.click(x, b.y + 6);
}

test('copy and paste at the playhead onto the selected track, one undo each', async () => {
  await page.locator(`.clip[data-clip="${F.clip}"]`).click();
  await page.keyboard.press('Control+c');
  const src = (await view())[F.clip];
  await clickLane(T3, 480000);
  const ph = await page.evaluate(() => window.mixroom.S.playhead);
  assert.ok(ph > 0);
  await oneStep(() => page.keyboard.press('Control+v'), async (after, before) => {
    const added = Object.values(after).filter((o) => !before[o.id]);
    assert.equal(added.length, 1, 'one clip pasted');
    const c = added[0];
    assert.equal(c.track, T3, 'on the selected track');
    assert.equal(c.start, ph, 'at the playhead');
    for (const k of ['asset', 'offset', 'length', 'gain', 'fade_in', 'fade_out', 'name']) assert.deepEqual(c[k], src[k], `${k} copied`);
  });
  assertNoErrors(page);
});

test('cut removes the clip in one push; paste puts it back elsewhere', async () => {
  await page.locator(`.clip[data-clip="${C2}"]`).click();
  await oneStep(() => page.keyboard.press('Control+x'), async (after) => {
    assert.equal(after[C2], undefined, 'cut deleted the clip');
  });
  // cut again (kept this time), then paste at the playhead on Bass
  await page.locator(`.clip[data-clip="${C2}"]`).click();
  await page.keyboard.press('Control+x');
  await settled();
  await clickLane(T3, 960000);
  await oneStep(() => page.keyboard.press('Control+v'), async (after, before) => {
    const added = Object.values(after).filter((o) => !before[o.id]);
    assert.equal(added.length, 1);
    assert.equal(added[0].track, T3);
    assert.equal(added[0].start, 960000);
    assert.equal(added[0].name, 'keys');
  });
  // redo the paste: the keys clip lives on. The next tests start from that
  // document, so wait for the redo's own revision, not just an empty queue.
  const r1 = await rev();
  await page.keyboard.press('Control+y');
  await waitDoc(page, (r) => window.mixroom.session.rev === r + 1 && window.mixroom.session.pending.length === 0
    && window.mixroom.session.view.ofKind('clip').some((c) => c.name === 'keys'), r1);
});

test('shift-click multi-selection duplicated after itself, one undo', async () => {
  const all = await clipsNow();
  const keys = all.find((c) => c.name === 'keys');
  assert.ok(keys, 'the keys clip the previous test pasted and redid');
  await page.locator(`.clip[data-clip="${F.clip}"]`).click();
  await page.locator(`.clip[data-clip="${keys.id}"]`).click({ modifiers: ['Shift'] });
  assert.deepEqual(new Set(await page.evaluate(() => [...window.mixroom.S.selection])), new Set([F.clip, keys.id]));
  await shot(page, 'clipboard-selection');
  const a = all.find((c) => c.id === F.clip);
  const span = Math.max(a.start + a.length, keys.start + keys.length) - Math.min(a.start, keys.start);
  await oneStep(() => page.keyboard.press('Control+d'), async (after, before) => {
    const added = Object.values(after).filter((o) => !before[o.id]);
    assert.equal(added.length, 2, 'two copies');
    const ca = added.find((c) => c.track === a.track), ck = added.find((c) => c.track === keys.track);
    assert.equal(ca.start, a.start + span, 'after the selection, same track');
    assert.equal(ck.start, keys.start + span, 'relative offsets kept');
  });
  // shift-click adds, and again removes a clip from the selection
  await page.locator(`.clip[data-clip="${F.clip}"]`).click();
  await page.locator(`.clip[data-clip="${keys.id}"]`).click({ modifiers: ['Shift'] });
  assert.equal(await page.evaluate(() => window.mixroom.S.selection.size), 2);
  await page.locator(`.clip[data-clip="${keys.id}"]`).click({ modifiers: ['Shift'] });
  assert.deepEqual(await page.evaluate(() => [...window.mixroom.S.selection]), [F.clip]);
});

test('rubber band across tracks, pasted onto another track keeps the track layout', async () => {
  let keys = (await clipsNow()).find((c) => c.name === 'keys');
  // the keys clip back onto Keys near the start (it was pasted onto Bass above)
  await page.evaluate(([id, t]) => window.mixroom.session.push([{ op: 'set', id, fields: { track: t, start: 96000 } }]), [keys.id, T2]);
  await settled();
  const all = await clipsNow();
  keys = all.find((c) => c.name === 'keys');
  const a = all.find((c) => c.id === F.clip);
  // a band from the empty Drums lane left of the clip down into Bass, over both clips
  await page.evaluate(() => { window.mixroom.tl.el.scrollLeft = 0; });
  await page.waitForTimeout(100);
  const drums = await page.locator(`.trackrow[data-track="${F.track}"] > .lane`).boundingBox();
  const bass = await page.locator(`.trackrow[data-track="${T3}"] > .lane`).boundingBox();
  const x0 = drums.x + 5, y0 = drums.y + 10;
  const x1 = await page.evaluate(({ f, bx }) => bx + f / window.mixroom.S.zoom, { f: 48000 + 60000, bx: drums.x });
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, bass.y + 20, { steps: 10 });
  await page.waitForSelector('.rubberband');
  await shot(page, 'clipboard-rubberband');
  await page.mouse.up();
  const sel = new Set(await page.evaluate(() => [...window.mixroom.S.selection]));
  assert.ok(sel.has(F.clip) && sel.has(keys.id), `both clips selected by the band (${[...sel]})`);
  assert.equal(sel.size, 2, 'only the clips under the band');
  await page.keyboard.press('Control+c');
  // paste with the top at Keys: the Drums clip goes to Keys, the Keys clip to Bass
  await clickLane(T2, 1440000);
  await oneStep(() => page.keyboard.press('Control+v'), async (after, before) => {
    const added = Object.values(after).filter((o) => !before[o.id]);
    assert.equal(added.length, 2);
    const fromDrums = added.find((c) => c.name === a.name), fromKeys = added.find((c) => c.name === 'keys');
    assert.equal(fromDrums.track, T2, 'the top clip on the target track');
    assert.equal(fromKeys.track, T3, 'the next track down for the clip one track lower');
    assert.equal(fromDrums.start, 1440000 + (a.start - Math.min(a.start, keys.start)));
    assert.equal(fromKeys.start - fromDrums.start, keys.start - a.start, 'relative offsets kept');
  });
  assertNoErrors(page);
});

test('the clip menu by mouse and by keyboard; the track menu', async () => {
  await page.evaluate(() => { window.mixroom.tl.el.scrollLeft = 0; });
  const el = page.locator(`.clip[data-clip="${F.clip}"]`);
  await el.click({ button: 'right' });
  const menu = page.locator('.ctxmenu[role="menu"]');
  await menu.waitFor();
  const labels = await menu.locator('[role^="menuitem"] .ctxlabel').allTextContents();
  assert.deepEqual(labels, ['Cut', 'Copy', 'Paste', 'Duplicate', 'Delete', 'Rename', 'Fade shape', 'Mute']);
  await shot(page, 'clipboard-menu');
  await oneStep(() => menu.locator('[role="menuitemcheckbox"]', { hasText: 'Mute' }).click(), async (after) => {
    assert.equal(after[F.clip].mute, true, 'muted from the menu');
  });
  assert.equal(await menu.count(), 0, 'the menu closed');
  // keyboard: Shift+F10 on the focused clip, arrows to Fade shape, Right opens it, Enter picks
  await el.focus();
  await page.keyboard.press('Shift+F10');
  await menu.first().waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'CutCtrl+X', 'focus on the first item');
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowDown');
  assert.match(await page.evaluate(() => document.activeElement.textContent), /^Fade shape/);
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('.ctxmenu[aria-label="Fade shape"]');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Fade in: Linear');
  await shot(page, 'clipboard-submenu');
  await page.keyboard.press('Enter');
  await settled();
  assert.equal((await view())[F.clip].fade_in_shape, 'linear', 'shape picked from the keyboard');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.clip), F.clip, 'focus back on the clip');
  // Escape closes without doing anything
  const r0 = await rev();
  await page.keyboard.press('ContextMenu');
  await menu.first().waitFor();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.ctxmenu').count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.clip), F.clip, 'focus back after Escape');
  assert.equal(await rev(), r0, 'Escape changed nothing');
  // the track menu: Duplicate track copies the track and its clips in one push
  await page.locator(`.trackrow[data-track="${T2}"] > .head`).click({ button: 'right', position: { x: 150, y: 70 } });
  const tlabels = await menu.locator('[role^="menuitem"] .ctxlabel').allTextContents();
  assert.deepEqual(tlabels, ['Rename', 'Show automation', 'Duplicate track', 'Delete', 'Add track']);
  await oneStep(() => menu.locator('[role="menuitem"]', { hasText: 'Duplicate track' }).click(), async (after, before) => {
    const added = Object.values(after).filter((o) => !before[o.id]);
    const t = added.find((o) => o.kind === 'track');
    assert.equal(t.name, 'Keys copy');
    const src = Object.values(before).filter((o) => o.kind === 'clip' && o.track === T2);
    const copies = added.filter((o) => o.kind === 'clip');
    assert.equal(copies.length, src.length, 'its clips copied');
    assert.ok(copies.every((c) => c.track === t.id));
  });
  // the page's document equals the server's
  await settled();
  const s = await serverDoc(F.server, F.ana, F.project);
  const v = await view();
  assert.equal(Object.keys(v).length, s.objects.size);
  for (const [id, o] of s.objects) assert.deepEqual(v[id], o, `object ${id} equals the server's`);
  assertNoErrors(page);
});
