// projects.test.mjs -- the pages around the studio in headless Chromium on
// the real server: signing in (a wrong password is refused), the project
// list with role and last activity, creating a project, the owner's share
// dialog making an invite link that another user opens to join, the
// members list and role change, the help overlay, and signing out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, makeProject } from '../integration/harness.mjs';
import { launch, newPage, assertNoErrors, signIn, shot } from './lib.mjs';

let server, browser, ana, dan;

before(async () => {
  server = await startServer();
  ana = makeUser(server, 'ana');
  dan = makeUser(server, 'dan');
  makeProject(server, 'Old song', 'ana');
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('sign in, list and create projects, share by invite link, sign out', async () => {
  const pa = await newPage(browser, server);
  const pd = await newPage(browser, server);
  // a wrong password says why (the 401 is expected: not counted as an error)
  await pa.goto('/login');
  await pa.fill('#login-name', 'ana');
  await pa.fill('#login-password', 'wrong-password');
  await pa.click('button[type=submit]');
  await pa.waitForSelector('.login .error:not(:empty)');
  pa.errors = pa.errors.filter((e) => !/status of 401/.test(e));

  await signIn(pa, ana);
  const row = pa.locator('tr', { hasText: 'Old song' });
  await row.waitFor();
  assert.match(await row.textContent(), /owner/);
  assert.match(await row.textContent(), /just now|min ago/);
  await shot(pa, 'projects');

  // create a project: the studio opens on it
  await pa.fill('#new-project-name', 'New tune');
  await pa.click('button:has-text("Create project")');
  await pa.waitForFunction(() => window.mixroom && window.mixroom.session.status === 'online');
  const pid = await pa.evaluate(() => window.mixroom.session.projectId);
  assert.equal(await pa.locator('input.ptitle').inputValue(), 'New tune');
  assert.equal(await pa.evaluate(() => window.mixroom.session.role), 'owner');

  // help overlay
  await pa.locator('.scroller').focus();
  await pa.keyboard.press('?');
  await pa.waitForSelector('.modal.help');
  assert.match(await pa.locator('.modal.help').textContent(), /Undo/);
  await pa.keyboard.press('Escape');
  await pa.waitForSelector('.modal.help', { state: 'detached' });

  // share: an editor invite link
  await pa.click('button[aria-label="Members and invites"]');
  await pa.selectOption('select[aria-label="Role for the invite"]', 'editor');
  await pa.click('button:has-text("Create link")');
  await pa.waitForFunction(() => document.querySelector('input.link').value.includes('/invite/'));
  const link = await pa.locator('input.link').inputValue();
  await shot(pa, 'share-dialog');

  // dan opens the link, signs in, joins as editor
  await pd.goto(new URL(link).pathname);
  await pd.waitForSelector('#login-name');
  assert.match(await pd.locator('.login').textContent(), /invited/);
  await pd.fill('#login-name', dan.name);
  await pd.fill('#login-password', dan.password);
  await pd.click('button[type=submit]');
  await pd.waitForFunction(() => window.mixroom && window.mixroom.session.status === 'online');
  assert.equal(await pd.evaluate(() => window.mixroom.session.projectId), pid);
  assert.equal(await pd.evaluate(() => window.mixroom.session.role), 'editor');

  // the owner sees dan among the members and makes him a viewer
  await pa.keyboard.press('Escape');
  await pa.click('button[aria-label="Members and invites"]');
  const role = pa.locator('select[aria-label="Role of dan"]');
  await role.waitFor();
  assert.equal(await role.inputValue(), 'editor');
  await role.selectOption('viewer');
  await pa.waitForFunction(() => document.querySelector('select[aria-label="Role of dan"]')?.value === 'viewer');
  await pa.keyboard.press('Escape');

  // sign out goes back to the form
  await pa.click('button[aria-label="Sign out"]');
  await pa.waitForSelector('#login-name');
  assertNoErrors(pa);
  assertNoErrors(pd);
  await pa.context_.close();
  await pd.context_.close();
});
