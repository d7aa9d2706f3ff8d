// a11y.test.mjs -- accessibility in headless Chromium on the real server:
// axe-core (node_modules/axe-core, run by lib.mjs runAxe) reports no
// serious or critical violation on the sign-in page, the project list,
// the studio (desktop, with a dialog open, and the phone view) -- the
// counts per page are printed; and a keyboard-only pass: from load, Tab
// reaches Play and Space plays; the help dialog opens from the keyboard,
// keeps Tab inside it, Escape closes it and focus returns to the button
// that opened it; the timeline's basic actions work from the keys
// (select a clip and its track, seek with the arrow keys, open the
// comments).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, newPageAt, assertNoErrors, signIn, openProject, waitDoc, runAxe, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';

let F, browser;
const counts = [];

/** Runs axe on the page, prints the counts, and fails on serious/critical violations. */
async function axeClean(page, name) {
  const r = await runAxe(page);
  counts.push(`${name}: ${r.serious.length} serious/critical, ${r.moderate.length} moderate/minor rules violated`);
  console.log(`axe ${name}: ${r.serious.length} serious/critical, ${r.moderate.length} moderate/minor${r.moderate.length ? `\n  ${r.moderate.join('\n  ')}` : ''}`);
  assert.deepEqual(r.serious, [], `axe on ${name}`);
}

before(async () => {
  F = await setupStudio();
  browser = await launch();
});

after(async () => {
  console.log(`axe-core summary:\n  ${counts.join('\n  ')}`);
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

test('axe: the sign-in page, the project list, the studio and a dialog have no serious or critical violations', async () => {
  const p = await newPage(browser, F.server);
  try {
    await p.goto('/login');
    await p.waitForSelector('#login-name');
    await axeClean(p, 'login');
    await p.fill('#login-password', 'wrong');
    await p.fill('#login-name', F.ana.name);
    await p.click('button[type=submit]');
    await p.waitForFunction(() => document.querySelector('p.error')?.textContent.length > 0);
    await axeClean(p, 'login with an error');
    p.errors.length = 0; // the refused sign-in's 401 is what this step wanted
    await signIn(p, F.ana);
    await p.waitForSelector(`tr[data-project="${F.project}"]`);
    await axeClean(p, 'projects');
    await openProject(p, F.project);
    await p.waitForSelector(`.clip[data-clip="${F.clip}"]`);
    await axeClean(p, 'studio');
    await p.click(`.clip[data-clip="${F.clip}"]`);
    await p.click('button[aria-label="Comments"]');
    await p.click('button[aria-label="New comment"]');
    await axeClean(p, 'studio, clip selected, comments open');
    await p.click(`.clip[data-clip="${F.clip}"]`, { button: 'right' });
    await p.waitForSelector('[role="menu"]');
    await axeClean(p, 'studio, clip context menu');
    await p.keyboard.press('Escape');
    await p.click('button[aria-label="New comment"]');
    await p.fill('textarea[aria-label="Write a comment — @ to mention"]', 'Check the intro');
    await p.click('button[aria-label="Post comment"]');
    await p.waitForSelector('li.thread >> text=Check the intro');
    await p.click('button[aria-label="History and versions"]');
    await axeClean(p, 'studio, history open');
    await p.click('button[aria-label="Export"]');
    await p.waitForSelector('.backdrop [role="dialog"]');
    await axeClean(p, 'studio, export dialog');
    await p.keyboard.press('Escape');
    await p.click('button[aria-label="Members and invites"]');
    await p.waitForSelector('.backdrop [role="dialog"] table.list tr');
    await axeClean(p, 'studio, members dialog');
    await shot(p, 'a11y-members-dialog');
    await p.keyboard.press('Escape');
    assertNoErrors(p);
  } finally { await p.context_.close(); }
});

test('axe: the phone view of the studio has no serious or critical violations', async () => {
  const p = await newPageAt(browser, F.server, { width: 390, height: 844 }, { isMobile: true, hasTouch: true });
  try {
    await p.goto('/login');
    await p.waitForSelector('#login-name');
    await axeClean(p, 'login at 390 px');
    await signIn(p, F.ben);
    await axeClean(p, 'projects at 390 px');
    await openProject(p, F.project);
    await waitDoc(p, () => document.querySelector('.studio').classList.contains('phone'));
    await axeClean(p, 'studio at 390 px');
    await p.tap('button[aria-label="New comment"]');
    await p.fill('textarea[aria-label="Write a comment — @ to mention"]', 'Lovely fill');
    await axeClean(p, 'studio at 390 px, composer open');
    await p.tap('button[aria-label="Post comment"]');
    await waitDoc(p, () => document.querySelectorAll('.lpin').length === 2);
    const tops = await p.$$eval('.lpin', (els) => els.map((e) => e.getBoundingClientRect().top));
    assert.notEqual(tops[0], tops[1], 'two pins at the same time stack in rows, each tappable');
    await p.tap('.lpin[aria-label*="Lovely fill"]');
    await p.tap('li.thread.open button[aria-label="Reply"]');
    await axeClean(p, 'studio at 390 px, reply open');
    assertNoErrors(p);
  } finally { await p.context_.close(); }
});

test('keyboard only: Tab reaches Play, Space plays; a dialog traps Tab, Escape closes it and focus returns', async () => {
  const p = await newPage(browser, F.server);
  try {
    await signIn(p, F.ana);
    await openProject(p, F.project);
    await p.waitForSelector(`.clip[data-clip="${F.clip}"]`);
    await p.evaluate(() => { document.activeElement?.blur(); window.mixroom.S.setPlayhead(48000); });
    // from the top of the page, Tab until Play has the focus (it is early in the order)
    let steps = 0;
    const focused = () => p.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.tagName);
    while ((await focused()) !== 'Play' && steps < 30) { await p.keyboard.press('Tab'); steps++; }
    assert.equal(await focused(), 'Play', `Tab reaches Play (${steps} presses)`);
    console.log(`Tab reaches Play in ${steps} presses`);
    const outline = await p.evaluate(() => { const cs = getComputedStyle(document.activeElement); return `${cs.outlineStyle} ${cs.outlineWidth}`; });
    assert.match(outline, /^solid [23]px$/, 'the focused control shows a visible outline');
    await p.keyboard.press(' ');
    await waitDoc(p, () => window.mixroom.player.playing && window.mixroom.player.sounding, null, 8000);
    await p.waitForTimeout(500);
    assert.ok((await p.evaluate(() => window.mixroom.player.stats.maxRms)) > 0.02, 'Space on Play plays audio');
    assert.equal(await focused(), 'Pause', 'the focus stays on the button, now Pause');
    await p.keyboard.press(' ');
    await waitDoc(p, () => !window.mixroom.player.playing);

    // the help dialog: open from its button with Enter, Tab stays inside, Escape closes, focus returns
    const help = p.locator('button[aria-label="Keyboard shortcuts"]');
    await help.focus();
    await p.keyboard.press('Enter');
    await p.waitForSelector('.backdrop [role="dialog"][aria-label="Keyboard shortcuts"]');
    await waitDoc(p, () => document.querySelector('.backdrop [role="dialog"]').contains(document.activeElement));
    for (let i = 0; i < 4; i++) {
      await p.keyboard.press('Tab');
      assert.ok(await p.evaluate(() => document.querySelector('.backdrop [role="dialog"]').contains(document.activeElement)), `Tab ${i + 1} stays in the dialog`);
    }
    await p.keyboard.press('Shift+Tab');
    assert.ok(await p.evaluate(() => document.querySelector('.backdrop [role="dialog"]').contains(document.activeElement)), 'Shift+Tab stays in the dialog');
    await p.keyboard.press('Escape');
    await waitDoc(p, () => !document.querySelector('.backdrop [role="dialog"]'));
    assert.equal(await focused(), 'Keyboard shortcuts', 'focus returns to the button that opened the dialog');

    // the studio's own question dialog (ui.js ask): a clip rename with F2, Escape cancels, focus returns to the clip
    const clip = p.locator(`.clip[data-clip="${F.clip}"]`);
    await clip.focus();
    await p.keyboard.press('Enter');
    assert.deepEqual(await p.evaluate(() => [...window.mixroom.S.selection]), [F.clip], 'Enter on a focused clip selects it');
    await p.keyboard.press('F2');
    await p.waitForSelector('.backdrop [role="dialog"] input');
    await p.keyboard.press('Escape');
    await waitDoc(p, () => !document.querySelector('.backdrop [role="dialog"]'));
    assert.equal(await p.evaluate((id) => document.activeElement?.dataset.clip, F.clip), F.clip, 'focus returns to the clip');

    // seek with the arrow keys, open the comments with C
    await p.evaluate(() => window.mixroom.S.setPlayhead(0));
    await p.keyboard.press('ArrowRight');
    assert.ok((await p.evaluate(() => window.mixroom.S.playhead)) > 0, 'ArrowRight moves the playhead a beat');
    await p.keyboard.press('c');
    await waitDoc(p, () => document.activeElement?.getAttribute('aria-label') === 'Write a comment — @ to mention');
    await p.keyboard.press('Escape');
    assertNoErrors(p);
  } finally { await p.context_.close(); }
});
