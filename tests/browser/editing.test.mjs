// editing.test.mjs -- the studio's editing gestures and commands in
// headless Chromium on the real server: trimming a clip's edges, dragging
// its fade handle, split at the playhead, duplicate, delete, clip gain
// and name in the inspector, markers, reordering tracks by drag, moving a
// clip to another track, an effect with its parameter editor, a send to a
// bus, and a push the server rejects (a routing cycle) rolled back with
// the reason shown. The server's document must match at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, serverDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';

let F, browser, page;
const view = () => page.evaluate(() => Object.fromEntries(window.mixroom.session.view.objects));
const settled = () => waitDoc(page, () => window.mixroom.session.pending.length === 0);
const clipOf = async (id) => (await view())[id];

before(async () => {
  F = await setupStudio();
  browser = await launch();
  page = await newPage(browser, F.server);
  await signIn(page, F.ana);
  await openProject(page, F.project);
  await page.waitForSelector(`.clip[data-clip="${F.clip}"]`);
  await page.waitForTimeout(300);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

async function drag(locator, dx, dy = 0, at = 'center') {
  const b = await locator.boundingBox();
  const x = at === 'left' ? b.x + 2 : at === 'right' ? b.x + b.width - 2 : b.x + b.width / 2;
  const y = b.y + b.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 8 });
  await page.mouse.up();
  await settled();
}

test('trim, fade, split, duplicate, delete, inspector and markers', async () => {
  const c0 = await clipOf(F.clip);
  const el = page.locator(`.clip[data-clip="${F.clip}"]`);
  // trim the right edge 100 px left (snapped to the grid)
  await drag(el.locator('.trim-r'), -100);
  let c = await clipOf(F.clip);
  assert.ok(c.length < c0.length && c.start === c0.start, `trimmed the end (${c0.length} -> ${c.length})`);
  // trim the left edge 50 px right: start and offset move together
  await drag(el.locator('.trim-l'), 50);
  const c1 = await clipOf(F.clip);
  assert.ok(c1.start > c.start, 'the start moved');
  assert.equal(c1.offset - c.offset, c1.start - c.start, 'offset follows the start');
  assert.equal(c1.start + c1.length, c.start + c.length, 'the end stayed');
  // fade in handle 40 px
  await drag(el.locator('.fade-in'), 40);
  c = await clipOf(F.clip);
  assert.ok(c.fade_in > 0, `fade in set (${c.fade_in})`);
  // select, gain and name in the inspector
  await el.click();
  await page.fill('input[aria-label="Clip gain in dB"]', '-6');
  await page.press('input[aria-label="Clip gain in dB"]', 'Enter');
  await page.fill('input[aria-label="Clip name"]', 'groove');
  await page.press('input[aria-label="Clip name"]', 'Enter');
  await settled();
  c = await clipOf(F.clip);
  assert.equal(c.gain, -6);
  assert.equal(c.name, 'groove');
  // playhead into the middle of the clip (click the ruler), split with S
  const rb = await page.locator('canvas.ruler').boundingBox();
  const cb = await el.boundingBox();
  await page.mouse.click(cb.x + cb.width / 2, rb.y + 10);
  const ph = await page.evaluate(() => window.mixroom.S.playhead);
  await page.locator('.scroller').focus();
  await page.keyboard.press('s');
  await settled();
  let clips = (await page.evaluate(() => window.mixroom.session.view.ofKind('clip')));
  assert.equal(clips.length, 2, 'split made two clips');
  const right = clips.find((x) => x.id !== F.clip);
  c = await clipOf(F.clip);
  assert.equal(c.start + c.length, ph, 'left part ends at the playhead');
  assert.equal(right.start, ph, 'right part starts at the playhead');
  assert.equal(right.offset, c.offset + c.length, 'right part continues the audio');
  // duplicate the right part with Ctrl+D, then delete the copy
  await page.locator(`.clip[data-clip="${right.id}"]`).click();
  await page.keyboard.press('Control+d');
  await settled();
  clips = await page.evaluate(() => window.mixroom.session.view.ofKind('clip'));
  assert.equal(clips.length, 3, 'duplicated');
  const copy = clips.find((x) => x.id !== F.clip && x.id !== right.id);
  assert.equal(copy.start, right.start + right.length, 'the copy follows the original');
  await page.keyboard.press('Delete');
  await settled();
  assert.equal((await page.evaluate(() => window.mixroom.session.view.ofKind('clip'))).length, 2, 'deleted the copy');
  // a marker at the playhead with K
  await page.keyboard.press('k');
  await settled();
  const markers = await page.evaluate(() => window.mixroom.session.view.markers());
  assert.equal(markers.length, 1);
  assert.equal(markers[0].at, ph);
  await page.waitForSelector('.marker');
  await shot(page, 'editing');
  assertNoErrors(page);
});

test('reorder tracks by drag and move a clip to another track', async () => {
  await page.click('button[aria-label="Add track"]');
  await settled();
  let order = await page.evaluate(() => window.mixroom.session.view.tracks().map((t) => t.id));
  const last = order[order.length - 1];
  // drag the last track's grip to the top
  const grip = page.locator(`.trackrow[data-track="${last}"] .grip`);
  const gb = await grip.boundingBox();
  const top = await page.locator('.rows').boundingBox();
  await page.mouse.move(gb.x + 4, gb.y + 4);
  await page.mouse.down();
  await page.mouse.move(gb.x + 4, top.y + 5, { steps: 6 });
  await page.mouse.up();
  await settled();
  order = await page.evaluate(() => window.mixroom.session.view.tracks().map((t) => t.id));
  assert.equal(order[0], last, 'the dragged track is first');
  // the clip moves from Drums down into the new first track? Drag it onto the new track row
  const el = page.locator(`.clip[data-clip="${F.clip}"]`);
  const target = await page.locator(`.trackrow[data-track="${last}"] .lane`).boundingBox();
  const b = await el.boundingBox();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, target.y + target.height / 2, { steps: 8 });
  await page.mouse.up();
  await settled();
  assert.equal((await clipOf(F.clip)).track, last, 'the clip moved across tracks');
  assertNoErrors(page);
});

test('effects, sends, and a rejected routing cycle rolled back', async () => {
  // a compressor on Drums, threshold changed in its editor
  await page.selectOption(`.strip[data-track="${F.track}"] select[aria-label="Add an effect"]`, 'compressor');
  await page.waitForSelector('.modal.fx-editor');
  const thr = page.locator('.modal.fx-editor input[aria-label^="threshold"]');
  await thr.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  await settled();
  const fx = await page.evaluate((t) => window.mixroom.session.view.effectsOf(t), F.track);
  assert.equal(fx.length, 1);
  assert.equal(fx[0].type, 'compressor');
  assert.ok(fx[0].params.threshold < -18, `threshold lowered (${fx[0].params.threshold})`);
  await shot(page, 'effect-editor');
  await page.keyboard.press('Escape');
  // a send from Drums to the FX bus
  await page.selectOption(`.strip[data-track="${F.track}"] select[aria-label="Add a send to a bus"]`, 'b_fx');
  await settled();
  const sends = await page.evaluate((t) => window.mixroom.session.view.sendsOf(t), F.track);
  assert.equal(sends.length, 1);
  assert.equal(sends[0].target, 'b_fx');
  // a second bus routed into FX bus, then FX bus into it: a cycle, rejected
  await page.click('button[aria-label="Add bus"]');
  await settled();
  const bus2 = await page.evaluate(() => window.mixroom.session.view.buses().find((b) => b.id !== 'b_fx').id);
  await page.selectOption(`.strip[data-track="${bus2}"] select[aria-label="Output"]`, 'b_fx');
  await settled();
  await page.selectOption(`.strip[data-track="b_fx"] select[aria-label="Output"]`, bus2);
  await page.waitForSelector('.toast.error');
  assert.match(await page.locator('.toast.error').first().textContent(), /undone by the server/);
  await settled();
  assert.equal((await view())['b_fx'].output, 'master', 'the rejected change was rolled back');
  await waitDoc(page, () => document.querySelector('.strip[data-track="b_fx"] select[aria-label="Output"]').value === 'master');
  // the page's document equals the server's
  const s = await serverDoc(F.server, F.ana, F.project);
  const v = await view();
  for (const [id, o] of s.objects) assert.deepEqual(v[id], o, `object ${id} equals the server's`);
  assert.equal(Object.keys(v).length, s.objects.size);
  await shot(page, 'mixer');
  assertNoErrors(page);
});
