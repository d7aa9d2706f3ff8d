// viewport.test.mjs -- phones and tablets in headless Chromium on the real
// server: at 390x844 (a phone, touch) the sign-in and project pages fit,
// the studio is the listening and review view (transport, the song
// overview with comment pins, the comments; no mixer, inspector, tracks
// or edit buttons), nothing is off-screen or under 44x44 px, Play plays
// decoded audio, a comment and a reply added on the phone reach a desktop
// user in another context, and tapping a pin opens the comment and seeks
// there; at 768x1024 and 1024x768 (tablets) editing stays and Play works;
// from 390 to 1920 px no control of the top bar is cut off or off-screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, newPageAt, assertNoErrors, signIn, openProject, waitDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';

let F, browser, phone, desk;
const RATE = 48000;
const PHONE = { viewport: { width: 390, height: 844 }, options: { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } };

/** Horizontal overflow of the document and of the scroll containers that should not scroll sideways. */
const overflow = (page) => page.evaluate(() => {
  const d = document.scrollingElement;
  const out = { doc: d.scrollWidth - innerWidth, boxes: [] };
  for (const el of document.querySelectorAll('.page, .side, .topbar, .listen, main, .center')) {
    if (el.getClientRects().length && el.scrollWidth > el.clientWidth + 1) out.boxes.push(`${el.className || el.tagName} ${el.scrollWidth}>${el.clientWidth}`);
  }
  return out;
});
const assertNoOverflow = async (page, where) => {
  const o = await overflow(page);
  assert.ok(o.doc <= 0, `${where}: the page is ${o.doc} px wider than the screen`);
  assert.deepEqual(o.boxes, [], `${where}: boxes overflowing sideways`);
};

/**
 * Visible controls in root that are off-screen, cut off by a clipping
 * ancestor, or (minSize) smaller than minSize px: a list of descriptions.
 */
const badControls = (page, root, minSize = 0) => page.evaluate(({ root, minSize }) => {
  const bad = [];
  const r0 = document.querySelector(root);
  if (!r0) return [`${root} missing`];
  for (const el of r0.querySelectorAll('button, select, input, textarea, a[href], [role="slider"], [tabindex="0"]')) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    const name = `${el.tagName.toLowerCase()}[${el.getAttribute('aria-label') || el.textContent.trim().slice(0, 20)}]`;
    if (r.left < -0.5 || r.right > innerWidth + 0.5) bad.push(`${name} off-screen ${Math.round(r.left)}..${Math.round(r.right)}`);
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.overflowX === 'visible') continue;
      if (p.matches('.scroller, .strips, .sends, .fxlist, .side, .page, .modal, .npanel, .lwave, .lbox, .mixer')) break; // scrolls by design
      const pr = p.getBoundingClientRect();
      if (r.right > pr.right + 0.5 || r.left < pr.left - 0.5) { bad.push(`${name} cut off by ${p.className || p.tagName}`); break; }
    }
    // a checkbox is tapped through its label: the label is the target
    const t = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') ? el.closest('label').getBoundingClientRect() : r;
    if (minSize && el.tagName !== 'TEXTAREA' && (t.width < minSize - 0.5 || t.height < minSize - 0.5)) bad.push(`${name} ${Math.round(t.width)}x${Math.round(t.height)}`);
  }
  return bad;
}, { root, minSize });

/** True when the control named label is inside the viewport and is what a tap at its centre hits. */
const reachable = (page, label) => page.evaluate((label) => {
  const el = [...document.querySelectorAll(`[aria-label="${label}"]`)].find((x) => x.getClientRects().length);
  if (!el) return `no visible ${label}`;
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return `${label} off-screen (${Math.round(r.left)},${Math.round(r.top)})`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit && (hit === el || el.contains(hit)) ? 'ok' : `${label} is covered by ${hit && hit.className}`;
}, label);

/** Plays from `from` with a tap or click on Play; asserts decoded, non-silent audio, then pauses. */
async function assertPlays(page, tap) {
  await page.evaluate((f) => window.mixroom.S.setPlayhead(f), RATE);
  const s0 = await page.evaluate(() => ({ ...window.mixroom.player.stats }));
  if (tap) await page.tap('button[aria-label="Play"]'); else await page.click('button[aria-label="Play"]');
  await waitDoc(page, () => window.mixroom.player.playing && window.mixroom.player.sounding, null, 8000);
  await waitDoc(page, (n) => window.mixroom.player.stats.decoded >= n, s0.decoded + 20, 10000);
  const s1 = await page.evaluate(() => ({ ...window.mixroom.player.stats, ph: window.mixroom.S.playhead }));
  assert.ok(s1.decoded - s0.decoded >= 20, `decoded ${s1.decoded - s0.decoded} packets`);
  assert.ok(s1.maxRms > 0.02, `the decoded audio is not silent (max RMS ${s1.maxRms})`);
  assert.ok(s1.ph > RATE, 'the playhead moves with the audio');
  // the 4 s song may have ended meanwhile on a loaded machine: stop it if not
  await page.evaluate(async () => { if (window.mixroom.player.playing) await window.mixroom.transport.pause(); });
  await waitDoc(page, () => !window.mixroom.player.playing);
}

before(async () => {
  F = await setupStudio();
  browser = await launch();
  phone = await newPageAt(browser, F.server, PHONE.viewport, PHONE.options);
  desk = await newPage(browser, F.server);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

test('phone 390x844: the sign-in and project pages fit the screen', async () => {
  await phone.goto('/login');
  await phone.waitForSelector('#login-name');
  await assertNoOverflow(phone, 'login');
  assert.deepEqual(await badControls(phone, 'body', 44), [], 'login controls on screen and touch-sized');
  await shot(phone, 'viewport-login-390');
  await signIn(phone, F.ana);
  await phone.waitForSelector(`tr[data-project="${F.project}"]`);
  await assertNoOverflow(phone, 'projects');
  assert.deepEqual(await badControls(phone, '.page header', 44), [], 'the projects bar fits');
  assert.deepEqual(await badControls(phone, 'main.projects form', 44), [], 'the create form fits');
  assertNoErrors(phone);
});

test('phone 390x844: the studio is a listening and review view; Play plays', async () => {
  await openProject(phone, F.project);
  await waitDoc(phone, () => document.querySelector('.studio').classList.contains('phone'));
  // the overview draws the mix once the clip's peaks are in
  await waitDoc(phone, () => !!document.querySelector('.lcanvas').dataset.drawn, null, 8000);
  await assertNoOverflow(phone, 'studio');
  // editing chrome is hidden (display none), not squeezed
  const shown = await phone.evaluate(() => Object.fromEntries(['.mixer', '.inspector', '.tlwrap', '.topbar .group.edit', '.uploads',
    'button[aria-label="Undo"]', 'input.tempo', 'button[aria-label="Zoom in"]', 'button[aria-label="Show the mixer"]', 'button[aria-label="Record"]', '.listen', '.side', 'section.comments']
    .map((s) => [s, !!document.querySelector(s)?.getClientRects().length])));
  assert.deepEqual(shown, { '.mixer': false, '.inspector': false, '.tlwrap': false, '.topbar .group.edit': false, '.uploads': false,
    'button[aria-label="Undo"]': false, 'input.tempo': false, 'button[aria-label="Zoom in"]': false, 'button[aria-label="Show the mixer"]': false,
    'button[aria-label="Record"]': false, '.listen': true, '.side': true, 'section.comments': true });
  assert.equal(await reachable(phone, 'Play'), 'ok');
  assert.equal(await reachable(phone, 'Song position'), 'ok');
  assert.equal(await reachable(phone, 'New comment'), 'ok');
  assert.deepEqual(await badControls(phone, '.studio', 44), [], 'every studio control on screen and at least 44x44');
  // the overview is a slider: arrow keys seek a second
  await phone.evaluate(() => window.mixroom.S.setPlayhead(0));
  await phone.focus('[aria-label="Song position"]');
  await phone.keyboard.press('ArrowRight');
  await phone.keyboard.press('ArrowRight');
  assert.equal(await phone.evaluate(() => window.mixroom.S.playhead), 2 * RATE);
  assert.equal(await phone.getAttribute('[aria-label="Song position"]', 'aria-valuenow'), '2');
  // a tap on the overview seeks there
  const box = await phone.locator('.lwave').boundingBox();
  const total = await phone.evaluate(() => window.mixroom.S.doc.end());
  await phone.tap('.lwave', { position: { x: box.width * 0.75, y: box.height / 2 } });
  const ph = await phone.evaluate(() => window.mixroom.S.playhead);
  assert.ok(Math.abs(ph - 0.75 * total) < total / box.width * 2, `tap at 75 % seeks to ${ph} of ${total}`);
  await assertPlays(phone, true);
  assertNoErrors(phone);
});

test('phone: a comment and a reply added on the phone reach a desktop user; a pin opens it and seeks', async () => {
  await signIn(desk, F.ben);
  await openProject(desk, F.project);
  await desk.click('button[aria-label="Comments"]');
  const at = Math.round(2.5 * RATE);
  await phone.evaluate((f) => window.mixroom.S.setPlayhead(f), at);
  await phone.tap('button[aria-label="New comment"]');
  await phone.fill('textarea[aria-label="Write a comment — @ to mention"]', 'Snare too loud here');
  await phone.tap('button[aria-label="Post comment"]');
  const c = await waitDoc(desk, () => [...window.mixroom.session.comments.values()].find((x) => x.body === 'Snare too loud here') || null, null, 5000).then((hd) => hd.jsonValue());
  assert.equal(c.at, at, 'at the phone\'s playhead');
  await desk.waitForSelector(`li.thread[data-comment="${c.id}"] >> text=Snare too loud here`);
  // the pin on the phone's overview: tap it -> the thread opens, the playhead seeks to it
  await phone.waitForSelector(`.lpin[data-comment="${c.id}"]`);
  await phone.evaluate(() => window.mixroom.S.setPlayhead(0));
  assert.deepEqual(await badControls(phone, '.listen', 44), [], 'the pin is a touch target');
  await phone.tap(`.lpin[data-comment="${c.id}"]`);
  await waitDoc(phone, (id) => window.mixroom.S.playhead > 0 && !!document.querySelector(`li.thread.open[data-comment="${id}"]`), c.id);
  assert.equal(await phone.evaluate(() => window.mixroom.S.playhead), at, 'the pin seeks to the comment');
  // reply from the phone
  await phone.tap(`li.thread[data-comment="${c.id}"] button[aria-label="Reply"]`);
  await phone.fill(`li.thread[data-comment="${c.id}"] textarea`, 'Agreed, -3 dB');
  await phone.tap(`li.thread[data-comment="${c.id}"] button[aria-label="Send reply"]`);
  await waitDoc(desk, (id) => [...window.mixroom.session.comments.values()].some((x) => x.parent === id && x.body === 'Agreed, -3 dB'), c.id);
  await desk.waitForSelector(`li.thread[data-comment="${c.id}"] >> text=Agreed, -3 dB`);
  await phone.waitForSelector(`li.thread[data-comment="${c.id}"] >> text=Agreed, -3 dB`);
  await assertNoOverflow(phone, 'studio with a comment open');
  await shot(phone, 'viewport-phone-studio');
  assertNoErrors(phone);
  assertNoErrors(desk);
});

for (const vp of [{ width: 768, height: 1024 }, { width: 1024, height: 768 }]) {
  test(`tablet ${vp.width}x${vp.height}: editing stays, nothing overflows, Play plays`, async () => {
    const tab = await newPageAt(browser, F.server, vp, { hasTouch: true });
    try {
      await signIn(tab, F.ana);
      await assertNoOverflow(tab, 'projects');
      await openProject(tab, F.project);
      await tab.waitForSelector(`.clip[data-clip="${F.clip}"]`);
      assert.equal(await tab.evaluate(() => document.querySelector('.studio').classList.contains('phone')), false);
      await assertNoOverflow(tab, 'studio');
      for (const l of ['Play', 'Record', 'Add track', 'Undo', 'Show the mixer', 'Zoom in', 'Comments', 'Sign out']) assert.equal(await reachable(tab, l), 'ok', l);
      assert.ok(await tab.locator('.mixer').isVisible(), 'the mixer stays on a tablet');
      assert.ok(await tab.locator('.tlwrap').isVisible(), 'the tracks stay on a tablet');
      assert.deepEqual(await badControls(tab, '.topbar'), [], 'the top bar wraps: nothing cut off');
      assert.deepEqual(await badControls(tab, '.inspector'), [], 'the inspector wraps');
      await assertPlays(tab, true);
      await tab.locator(`.clip[data-clip="${F.clip}"]`).click();
      assert.deepEqual(await badControls(tab, '.inspector'), [], 'the clip inspector wraps');
      await shot(tab, `viewport-tablet-${vp.width}x${vp.height}`);
      assertNoErrors(tab);
    } finally { await tab.context_.close(); }
  });
}

test('desktop: from 390 to 1920 px no control of the top bar is cut off or off-screen', async () => {
  const p = await newPage(browser, F.server);
  try {
    await signIn(p, F.ana);
    await openProject(p, F.project);
    await p.waitForSelector(`.clip[data-clip="${F.clip}"]`);
    for (const width of [390, 480, 600, 700, 768, 900, 1024, 1100, 1280, 1440, 1920]) {
      await p.setViewportSize({ width, height: 800 });
      await p.waitForTimeout(50);
      await assertNoOverflow(p, `studio at ${width}`);
      assert.deepEqual(await badControls(p, '.topbar'), [], `top bar at ${width} px`);
      assert.equal(await reachable(p, 'Play'), 'ok', `Play at ${width} px`);
    }
    await p.setViewportSize({ width: 1280, height: 800 });
    await p.waitForTimeout(100);
    await assertPlays(p, false);
    await shot(p, 'viewport-desktop-1280');
    assertNoErrors(p);
  } finally { await p.context_.close(); }
});
