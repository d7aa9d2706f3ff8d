// guest.test.mjs -- a share link in headless Chromium on the real server:
// the owner makes a link in the studio's Share links dialog; a fresh
// browser context with no account opens /l/<token>, enters a name, sees
// the waveform overview, plays (the server's Opus stream decoded into
// non-silent audio) and leaves a comment that the owner, signed in in
// another context, sees live, marked as a guest; the guest replies; the
// owner revokes the link in the dialog and the guest page says so at
// once; a link with a password asks for it and says when it is wrong.
// Screenshots: guest-join, guest-page, share-dialog, guest-password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { http } from '../integration/harness.mjs';

let F, browser, owner, guest;
const RATE = 48000;

before(async () => {
  F = await setupStudio();
  browser = await launch();
  owner = await newPage(browser, F.server);
  guest = await newPage(browser, F.server); // its own context: no cookie, no account
  await signIn(owner, F.ana);
  await openProject(owner, F.project);
  await owner.waitForSelector(`.clip[data-clip="${F.clip}"]`);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

let url;

test('the owner creates a share link in the Share links dialog', async () => {
  await owner.getByRole('button', { name: 'Share links' }).click();
  const dlg = owner.locator('.modal.share-links');
  await dlg.waitFor();
  await dlg.getByLabel('Comment').check();
  await dlg.getByLabel('Label').fill('For the label');
  await dlg.getByRole('button', { name: 'Create the share link' }).click();
  const input = dlg.getByLabel('Share link address');
  await owner.waitForFunction(() => /\/l\/[A-Za-z0-9_-]{43}$/.test(document.querySelector('.share-links input.link').value));
  url = await input.inputValue();
  await dlg.locator('tbody tr[data-link]').first().waitFor();
  assert.match(await dlg.locator('tbody tr[data-link]').first().innerText(), /For the label[\s\S]*listen, comment[\s\S]*0 uses/);
  await shot(owner, 'share-dialog');
  await dlg.getByRole('button', { name: 'Close' }).click();
  assertNoErrors(owner);
});

test('a guest without an account opens the link, plays, and comments; the owner sees it live, marked as a guest', async () => {
  assert.ok(url, 'the link of the first test');
  const path = new URL(url).pathname;
  await guest.goto(path);
  await guest.waitForSelector('#guest-name');
  assert.equal(await guest.evaluate(() => document.cookie), '');
  await shot(guest, 'guest-join');
  await guest.fill('#guest-name', 'Sam');
  await guest.getByRole('button', { name: 'Open' }).click();
  await waitDoc(guest, () => window.mixroom && window.mixroom.session.status === 'online' && window.mixroom.session.role === 'guest', null, 10000);
  // the overview shows the mix (the clip from 1 s to 5 s)
  await guest.waitForFunction(() => Number(document.querySelector('.overview')?.dataset.drawn || 0) > 100, null, { timeout: 10000 });
  // click at 40 % (2 s, inside the clip) and play
  const box = await guest.locator('.overview').boundingBox();
  await guest.mouse.click(box.x + box.width * 0.4, box.y + box.height / 2);
  await guest.getByRole('button', { name: 'Play', exact: true }).click();
  await waitDoc(guest, () => window.mixroom.player.playing && window.mixroom.player.sounding, null, 8000);
  const s0 = await guest.evaluate(() => ({ ...window.mixroom.player.stats }));
  await guest.waitForTimeout(1200);
  const s1 = await guest.evaluate(() => ({ ...window.mixroom.player.stats, pos: window.mixroom.player.position() }));
  assert.ok(s1.decoded - s0.decoded >= 30, `decoded ${s1.decoded - s0.decoded} packets`);
  assert.ok(s1.maxRms > 0.02, `the decoded audio is not silent (max RMS ${s1.maxRms})`);
  assert.ok(s1.pos > 2 * RATE, `heard from the clicked position on (at ${s1.pos / RATE} s)`);
  await guest.getByRole('button', { name: 'Pause' }).click();
  await waitDoc(guest, () => !window.mixroom.player.playing, null, 5000);
  // comment at the playhead
  await guest.getByLabel('Comment at the playhead').fill('The chorus needs more bass');
  await guest.getByRole('button', { name: 'Send comment' }).click();
  await guest.locator('.gthread', { hasText: 'The chorus needs more bass' }).waitFor();
  // the owner sees it live, marked as a guest
  await waitDoc(owner, () => [...window.mixroom.session.comments.values()].some((c) => c.body === 'The chorus needs more bass' && c.guest && c.author_name === 'Sam (guest)'), null, 5000);
  await owner.getByRole('button', { name: 'Comments' }).click();
  const author = owner.locator('.cmsg .author.guest', { hasText: 'Sam (guest)' });
  await author.first().waitFor();
  // the guest replies to the thread
  await guest.locator('.gthread', { hasText: 'The chorus needs more bass' }).getByLabel('Reply', { exact: true }).fill('Or less kick');
  await guest.getByRole('button', { name: 'Send reply' }).click();
  await waitDoc(owner, () => [...window.mixroom.session.comments.values()].some((c) => c.body === 'Or less kick' && c.parent && c.guest), null, 5000);
  await guest.locator('.greplies', { hasText: 'Or less kick' }).waitFor();
  await shot(guest, 'guest-page');
  assertNoErrors(guest);
  assertNoErrors(owner);
});

test('revoking the link in the dialog ends the guest page at once', async () => {
  await owner.getByRole('button', { name: 'Share links' }).click();
  const dlg = owner.locator('.modal.share-links');
  const row = dlg.locator('tbody tr[data-link]').first();
  await row.waitFor();
  assert.match(await row.innerText(), /1 uses/);
  await row.getByRole('button', { name: /Revoke/ }).click();
  await owner.locator('.ask-ok').click();
  await owner.waitForFunction(() => /revoked/.test(document.querySelector('.share-links tbody tr[data-link]')?.innerText || ''));
  await guest.getByText('This link cannot be opened').waitFor({ timeout: 5000 });
  assertNoErrors(owner);
});

test('a link with a password: the page asks for it, says when it is wrong, opens with the right one', async () => {
  const r = await http(F.server, 'POST', `/api/projects/${F.project}/links`, { token: F.ana.token, body: { rights: ['listen'], password: 'open sesame', label: 'Locked' } });
  assert.equal(r.status, 201, r.text);
  const page = await newPage(browser, F.server);
  try {
    await page.goto(r.json.link.url);
    await page.waitForSelector('#guest-password');
    await page.fill('#guest-name', 'Rita');
    await page.fill('#guest-password', 'open sesame?');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText(/wrong password/).waitFor();
    await shot(page, 'guest-password');
    assert.equal(await page.evaluate(() => !!window.mixroom), false, 'no session with a wrong password');
    await page.fill('#guest-password', 'open sesame');
    await page.getByRole('button', { name: 'Open' }).click();
    await waitDoc(page, () => window.mixroom && window.mixroom.session.status === 'online', null, 10000);
    assert.equal(await page.locator('.gcomposer').count(), 0, 'no composer without the comment right');
    assert.equal(await page.getByRole('button', { name: 'Download' }).count(), 0, 'no download without the right');
    // a reload keeps the guest session (sessionStorage), without asking again
    await page.reload();
    await waitDoc(page, () => window.mixroom && window.mixroom.session.status === 'online', null, 10000);
    assert.equal(await page.locator('#guest-name').count(), 0);
    // the 401 of the wrong password is the only console error (a failed fetch)
    page.errors = page.errors.filter((e) => !/401/.test(e));
    assertNoErrors(page);
  } finally { await page.context_.close(); }
});
