// notifications.test.mjs -- the notifications panel in headless Chromium on
// the real server, with two users: ben works in one project's studio
// while ana (a WebSocket client from Node) mentions him in a comment in
// another project at 2.5 s; ben's unread count shows 1 without a reload;
// the panel lists the mention, and clicking it opens the other project
// with the playhead at the comment's position and its thread highlighted;
// "Mark all read" clears the count, on the server too. The projects page
// shows the count as well. A version's status log (who, from -> to, the
// note) shows in the versions panel. Screenshot:
// artifacts/notifications.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { http, join, makeProject } from '../integration/harness.mjs';

let F, browser, pb, other;
const AT = 120000; // 2.5 s at 48 kHz

before(async () => {
  F = await setupStudio();
  other = makeProject(F.server, 'Other song', 'ben');
  browser = await launch();
  pb = await newPage(browser, F.server);
  pb.on('dialog', (d) => { d.dismiss(); throw new Error(`native ${d.type()} dialog: ${d.message()}`); });
  await signIn(pb, F.ben);
  await openProject(pb, other);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

test('a mention shows live as an unread count, and its item opens the project at the comment', async () => {
  const bell = pb.locator('button.nbtn');
  await bell.waitFor();
  assert.equal(await bell.getAttribute('data-unread'), '0');
  assert.ok(await pb.locator('.nbadge').isHidden());

  const { client } = await join(F.server, F.ana, F.project);
  const r = await client.request({ type: 'comment.add', at: AT, body: '@ben listen to the fill here' });
  assert.equal(r.type, 'comment', JSON.stringify(r));
  const cid = r.comment.id;
  client.close();

  // live: no reload
  await pb.waitForFunction(() => document.querySelector('button.nbtn').dataset.unread === '1', null, { timeout: 5000 });
  assert.equal((await pb.locator('.nbadge').textContent()).trim(), '1');
  assert.equal(await pb.evaluate(() => window.mixroom.S.projectId), other);

  await bell.click();
  const item = pb.locator('.npanel .nitem.unread');
  await item.first().waitFor();
  assert.equal(await item.count(), 1);
  assert.match(await item.textContent(), /ana mentioned you: @ben listen to the fill here/);
  assert.match(await item.textContent(), /Session/);
  await shot(pb, 'notifications');
  await item.locator('button.nopen').click();

  // the other project opens at the comment's position, its thread highlighted
  await pb.waitForFunction((p) => window.mixroom && window.mixroom.S.projectId === p && window.mixroom.session.status === 'online', F.project, { timeout: 10000 });
  assert.equal(new URL(pb.url()).pathname, `/p/${F.project}`);
  assert.equal(new URL(pb.url()).searchParams.get('comment'), cid);
  await pb.waitForSelector(`li.thread.open[data-comment="${cid}"]`, { timeout: 5000 });
  assert.equal(await pb.evaluate(() => window.mixroom.S.playhead), AT);
  assert.ok(await pb.locator(`li.thread.open[data-comment="${cid}"]`).isVisible());

  // mark all read: the count goes, on the server too
  await pb.locator('button.nbtn').click();
  await pb.locator('button[aria-label="Mark all read"]').click();
  await pb.waitForFunction(() => document.querySelector('button.nbtn').dataset.unread === '0', null, { timeout: 5000 });
  assert.ok(await pb.locator('.nbadge').isHidden());
  const feed = await http(F.server, 'GET', '/api/activity', { token: F.ben.token });
  assert.equal(feed.json.unread, 0);
  assert.ok(feed.json.items.every((i) => i.read));

  // the projects page shows the count (a new mention, no socket there)
  await pb.goto('/projects');
  await pb.waitForSelector('main.projects');
  const again = await join(F.server, F.ana, F.project);
  await again.client.request({ type: 'comment.add', at: 0, body: 'and @ben this one' });
  again.client.close();
  await pb.reload();
  await pb.waitForFunction(() => document.querySelector('button.nbtn')?.dataset.unread === '1', null, { timeout: 5000 });
  assertNoErrors(pb);
});

test("the versions panel shows a version's status log", async () => {
  const { client } = await join(F.server, F.ana, F.project);
  const v = await client.request({ type: 'version.create', name: 'Mix 7' });
  assert.equal(v.type, 'version', JSON.stringify(v));
  const st = await client.request({ type: 'version.set_status', version: v.version.id, status: 'in_review', note: 'for the label' });
  assert.equal(st.version.status_log.length, 1);
  client.close();
  await openProject(pb, F.project);
  await pb.locator('button[aria-label="History and versions"]').click();
  const log = pb.locator(`li.version[data-version="${v.version.id}"] details.vlog`);
  await log.waitFor({ timeout: 5000 });
  await log.locator('summary').click();
  assert.match(await log.textContent(), /Status log \(1\)/);
  assert.match(await log.textContent(), /ana: draft → in_review · .* — for the label/);
  assertNoErrors(pb);
});
