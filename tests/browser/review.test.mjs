// review.test.mjs -- comments, history and versions in headless Chromium
// on the real server, with two users in two contexts: a comment made with
// the C key at the playhead (with an @mention completed from the member
// list) appears as a pin in the other context within a second; clicking
// the pin opens the thread, seeks there and plays; reply, edit, resolve,
// reopen and delete travel both ways; a comment on a clip gets the
// "changed since" badge when the clip moves, with what changed; the
// filters; the history list with summaries and authors, filtered by
// person; a named version with its status; restoring it updates both
// contexts. Screenshots: artifacts/comments.png, artifacts/history.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, serverDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { join } from '../integration/harness.mjs';

let F, browser, pa, pb;
const missing = []; // review requests the server does not answer
/** Fails t when the server lacks one of the request types. */
const needs = (t, ...types) => {
  const m = types.filter((x) => missing.some((y) => y.startsWith(x)));
  assert.deepEqual(m, [], `the server answers ${m.join(', ')}`);
  return true;
};
const RATE = 48000;
const settled = (page) => waitDoc(page, () => window.mixroom.session.pending.length === 0 && window.mixroom.session.status === 'online');
/** Opens a side panel by its toggle button unless it is open already. */
async function openPanel(page, label) {
  const b = page.locator(`button[aria-label="${label}"]`);
  if ((await b.getAttribute('aria-pressed')) !== 'true') await b.click();
}
const comments = (page) => page.evaluate(() => [...window.mixroom.session.comments.values()]);

before(async () => {
  F = await setupStudio();
  browser = await launch();
  pa = await newPage(browser, F.server);
  pb = await newPage(browser, F.server);
  // the studio asks with its own dialogs; a native one would be a bug
  for (const p of [pa, pb]) p.on('dialog', (d) => { d.dismiss(); throw new Error(`native ${d.type()} dialog: ${d.message()}`); });
  // comments, versions and restore come with the review module of the server
  const { client } = await join(F.server, F.ana, F.project);
  for (const type of ['comment.list', 'version.list']) {
    const r = await client.request({ type });
    if (r.type === 'error' && r.code === 'unsupported') missing.push(type);
  }
  client.close();
  await signIn(pa, F.ana);
  await signIn(pb, F.ben);
  await openProject(pa, F.project);
  await openProject(pb, F.project);
  await pa.waitForSelector(`.clip[data-clip="${F.clip}"]`);
  await pb.waitForSelector(`.clip[data-clip="${F.clip}"]`);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

test('a comment at a time appears as a pin for the other user within a second; its thread works', async (t) => {
  if (!needs(t, 'comment')) return;
  // ana: playhead at 2 s, C opens the composer there
  await pa.evaluate((f) => window.mixroom.S.setPlayhead(f), 2 * RATE);
  await pa.locator('.scroller').focus();
  await pa.keyboard.press('c');
  const box = pa.locator('.composer textarea');
  await box.waitFor();
  assert.match(await pa.locator('.composer .cwhere').textContent(), /0:02\.000/);
  await box.type('Kick too loud here, @be');
  await pa.locator('ul.mentions li', { hasText: '@ben' }).waitFor();
  await box.press('Enter'); // completes the mention
  assert.equal(await box.inputValue(), 'Kick too loud here, @ben ');
  await box.type('what do you think?');
  await box.press('Enter'); // posts
  await waitDoc(pa, () => [...window.mixroom.session.comments.values()].length === 1);
  const c = (await comments(pa))[0];
  assert.equal(c.at, 2 * RATE);
  assert.equal(c.body, 'Kick too loud here, @ben what do you think?');
  const t0 = Date.now();
  await pb.waitForSelector(`.cpin[data-comment="${c.id}"]`, { timeout: 1000 });
  const seen = Date.now() - t0;
  console.log(`the pin appeared for ben ${seen} ms after ana saw her comment`);
  // the pin sits at 2 s on ben's ruler, in ana's colour
  const x = await pb.evaluate((id) => {
    const pin = document.querySelector(`.cpin[data-comment="${id}"]`);
    const s = window.mixroom.tl.el;
    const r = pin.getBoundingClientRect();
    return { left: r.left + r.width / 2 - s.getBoundingClientRect().left - 224 + s.scrollLeft, zoom: window.mixroom.S.zoom };
  }, c.id);
  assert.ok(Math.abs(x.left * x.zoom - 2 * RATE) <= 2 * x.zoom, 'the pin is at 2 s');

  // ben clicks the pin: the thread opens, the transport plays from 2 s
  await pb.click(`.cpin[data-comment="${c.id}"]`);
  await pb.waitForSelector(`li.thread.open[data-comment="${c.id}"]`);
  await waitDoc(pb, () => window.mixroom.player.playing, null, 3000);
  const ph = await pb.evaluate(() => window.mixroom.S.playhead);
  assert.ok(ph >= 2 * RATE && ph < 3 * RATE, `playing from the comment (${ph})`);
  assert.match(await pb.locator(`li.thread[data-comment="${c.id}"] .ctext`).textContent(), /@ben/);
  await pb.evaluate(() => window.mixroom.transport.pause());

  // ben replies, mentioning ana; ana sees the reply in the thread
  await pb.click(`li.thread[data-comment="${c.id}"] button[aria-label="Reply"]`);
  const rb = pb.locator(`li.thread[data-comment="${c.id}"] .replybox textarea`);
  await rb.type('Agreed, @an');
  await rb.press('Tab');
  await rb.type('I will fix it');
  await pb.click(`li.thread[data-comment="${c.id}"] button[aria-label="Send reply"]`);
  await openPanel(pa, 'Comments');
  await pa.waitForSelector(`li.thread[data-comment="${c.id}"] .replies .cmsg`, { timeout: 2000 });
  assert.match(await pa.locator(`li.thread[data-comment="${c.id}"] .replies .ctext`).textContent(), /Agreed, @ana I will fix it/);
  const reply = (await comments(pa)).find((x) => x.parent === c.id);
  assert.ok(reply, 'the reply is a comment with parent');

  // ana edits her comment; ben sees the new text
  await pa.click(`li.thread[data-comment="${c.id}"] > .cmsg button[aria-label="Edit comment"]`);
  const ed = pa.locator(`li.thread[data-comment="${c.id}"] .cedit textarea`);
  await ed.fill('Kick too loud from here to the chorus');
  await pa.click(`li.thread[data-comment="${c.id}"] button[aria-label="Save comment"]`);
  await waitDoc(pb, (id) => window.mixroom.session.comments.get(id)?.body === 'Kick too loud from here to the chorus', c.id, 2000);
  await pb.waitForSelector(`li.thread[data-comment="${c.id}"] >> text=(edited)`);

  // ben resolves: it leaves the "open" filter for both; ana reopens it
  await pb.click(`li.thread[data-comment="${c.id}"] button[aria-label="Resolve"]`);
  await waitDoc(pa, (id) => window.mixroom.session.comments.get(id)?.resolved === true, c.id, 2000);
  await pa.waitForSelector(`li.thread[data-comment="${c.id}"]`, { state: 'detached' });
  await pa.selectOption('select[aria-label="Show comments"]', 'resolved');
  await pa.click(`li.thread[data-comment="${c.id}"] button[aria-label="Reopen"]`);
  await waitDoc(pb, (id) => window.mixroom.session.comments.get(id)?.resolved === false, c.id, 2000);
  await pa.selectOption('select[aria-label="Show comments"]', 'open');

  // ben deletes his reply; it disappears for ana
  await pb.click(`.cmsg[data-comment="${reply.id}"] button[aria-label="Delete comment"]`);
  await pb.click('.modal button.ask-ok'); // the studio's own confirmation
  await waitDoc(pa, (id) => !window.mixroom.session.comments.has(id), reply.id, 2000);
  await pa.waitForSelector(`.cmsg[data-comment="${reply.id}"]`, { state: 'detached' });
  assertNoErrors(pa);
  assertNoErrors(pb);
});

test('a comment on a clip, changed since, filters', async (t) => {
  if (!needs(t, 'comment')) return;
  // ana selects the clip and comments over a range selected on the ruler
  await pa.click(`.clip[data-clip="${F.clip}"]`);
  await pa.evaluate(() => window.mixroom.transport.setRange([3 * 48000, 4 * 48000]));
  await pa.keyboard.press('c');
  assert.equal(await pa.locator('.composer select[aria-label="Comment on"]').inputValue(), `clip:${F.clip}`);
  await pa.locator('.composer textarea').type('Fade this out');
  await pa.click('button[aria-label="Post comment"]');
  await waitDoc(pa, (clip) => [...window.mixroom.session.comments.values()].some((c) => c.clip === clip), F.clip);
  const cc = (await comments(pa)).find((c) => c.clip === F.clip);
  assert.equal(cc.end, 4 * RATE);
  assert.equal(cc.track, F.track);
  await pb.waitForSelector(`.cpin.range[data-comment="${cc.id}"]`, { timeout: 1000 });
  // ben moves the clip: ana's comment says it changed since, and what
  const start = await pb.evaluate((id) => window.mixroom.session.view.get(id).start, F.clip);
  await pb.evaluate(({ id, start }) => window.mixroom.session.push([{ op: 'set', id, fields: { start: start + 48000 } }]), { id: F.clip, start });
  await settled(pb);
  await waitDoc(pa, (id) => window.mixroom.session.comments.get(id)?.changed_since === true, cc.id, 3000);
  const badge = pa.locator(`li.thread[data-comment="${cc.id}"] button.badge.changed`);
  await badge.click();
  await pa.waitForSelector(`li.thread[data-comment="${cc.id}"] ul.changes li`);
  assert.match(await pa.locator(`li.thread[data-comment="${cc.id}"] ul.changes`).textContent(), /r\d+/);
  // filters: track, mine
  await pa.selectOption('select[aria-label="Comments on track"]', 'b_fx');
  assert.equal(await pa.locator('li.thread').count(), 0, 'no comment on the bus');
  await pa.selectOption('select[aria-label="Comments on track"]', F.track);
  assert.equal(await pa.locator('li.thread').count(), 1, 'one comment on the drums');
  await pa.selectOption('select[aria-label="Comments on track"]', '');
  await openPanel(pb, 'Comments');
  await pb.check('input[aria-label="Only mine"]');
  const benMine = await pb.locator('li.thread').count();
  assert.equal(benMine, 0, 'ben wrote no thread (his reply was deleted)');
  await pb.uncheck('input[aria-label="Only mine"]');
  await pa.locator('.side').evaluate((el) => { el.scrollTop = 0; });
  await shot(pa, 'comments');
  assertNoErrors(pa);
  assertNoErrors(pb);
});

test('the history lists revisions with summaries and authors, filtered by person', async () => {
  // ben makes an edit so that two people appear
  await pb.evaluate((id) => window.mixroom.session.push([{ op: 'set', id, fields: { gain: -3 } }]), F.track);
  await settled(pb);
  await openPanel(pa, 'History and versions');
  await pa.waitForSelector('li.hentry');
  const entries = await pa.locator('li.hentry').count();
  assert.ok(entries >= 2, `history lists ${entries} revisions`);
  assert.ok((await pa.locator('li.hentry').allTextContents()).some((t) => /ben/.test(t)), 'ben\'s edit is listed with his name');
  // filter by person
  const benId = await pb.evaluate(() => window.mixroom.session.user.id);
  await pa.selectOption('select[aria-label="History of"]', benId);
  await waitDoc(pa, () => [...document.querySelectorAll('li.hentry')].every((li) => /ben/.test(li.querySelector('.hhead').textContent)));
  await pa.selectOption('select[aria-label="History of"]', '');
  await waitDoc(pa, () => [...document.querySelectorAll('li.hentry')].some((li) => /ana/.test(li.textContent)));
  assert.match(await pa.locator('li.hentry').last().locator('.hsum').textContent(), /ana/, 'summaries are sentences');
  await shot(pa, 'history');
  assertNoErrors(pa);
});

test('a named version with a status; restoring it updates both users', async (t) => {
  if (!needs(t, 'version')) return;
  // name the current revision
  await pa.fill('input[aria-label="Version name"]', 'Mix v1');
  await pa.fill('input[aria-label="Version note"]', 'before the rename');
  await pa.click('button[aria-label="Save version"]');
  await pa.waitForSelector('li.version >> text=Mix v1');
  const vrev = Number(await pa.locator('li.version', { hasText: 'Mix v1' }).getAttribute('data-rev'));
  await openPanel(pb, 'History and versions');
  await pb.waitForSelector('li.version >> text=Mix v1', { timeout: 2000 });
  await pa.selectOption('select[aria-label="Status of Mix v1"]', 'in_review');
  await waitDoc(pb, () => document.querySelector('select[aria-label="Status of Mix v1"]')?.value === 'in_review', null, 2000);

  // change something, then restore the version: both contexts go back
  const name0 = await pa.evaluate((id) => window.mixroom.session.view.get(id).name, F.track);
  await pa.evaluate((id) => window.mixroom.session.push([{ op: 'set', id, fields: { name: 'Renamed drums' } }]), F.track);
  await settled(pa);
  await waitDoc(pb, (id) => window.mixroom.session.view.get(id).name === 'Renamed drums', F.track);
  await pa.click('button[aria-label="Restore Mix v1"]');
  await pa.click('.modal button.ask-ok'); // the studio's own confirmation
  await waitDoc(pa, (a) => window.mixroom.session.view.get(a.id).name === a.name, { id: F.track, name: name0 }, 3000);
  await waitDoc(pb, (a) => window.mixroom.session.view.get(a.id).name === a.name, { id: F.track, name: name0 }, 3000);
  await pb.waitForSelector(`.trackrow[data-track="${F.track}"] input.tname`);
  assert.equal(await pb.locator(`.trackrow[data-track="${F.track}"] input.tname`).inputValue(), name0);
  // the server agrees, and the comments survived the restore
  const s = await serverDoc(F.server, F.ana, F.project);
  const v = await pb.evaluate(() => Object.fromEntries(window.mixroom.session.view.objects));
  for (const [id, o] of s.objects) assert.deepEqual(v[id], o, `object ${id} equals the server's`);
  if (!missing.length) assert.ok((await comments(pb)).length >= 2, 'comments are untouched by the restore');
  assert.ok(vrev > 0);
  // the restore shows in the history
  await pa.waitForSelector('li.hentry >> text=/restore/i', { timeout: 3000 });
  await shot(pa, 'history-versions');
  assertNoErrors(pa);
  assertNoErrors(pb);
});
