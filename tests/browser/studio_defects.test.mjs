// studio_defects.test.mjs -- one test per defect of issue #19 that the
// studio had, in headless Chromium against the real server: an import
// never lands on an existing clip; the studio opens showing the whole song,
// "Zoom to fit" (button and F) works after zooming in, and the ruler's
// labels never overlap (bounding boxes of what it drew); window.prompt,
// confirm and alert are never called (they throw here) while renaming,
// restoring and deleting; a fader drag is one push and one history entry,
// and repeated entries are shown once; the empty Open list says how many
// are resolved; a commenter sees Export disabled with the reason, a viewer
// the editing controls; soloing a track dims the others; the project list
// renames, duplicates and deletes. Screenshots: artifacts/defects-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, serverDoc, shot, makeWav } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { addMember, join, makeUser } from '../integration/harness.mjs';

const RATE = 48000;
let F, browser, pa, dora;

const settled = (page) => waitDoc(page, () => window.mixroom.session.pending.length === 0 && window.mixroom.session.status === 'online');

/** Makes window.prompt/confirm/alert throw and remember that they were called. */
async function forbidNativeDialogs(page) {
  await page.addInitScript(() => {
    window.__native = [];
    for (const k of ['prompt', 'confirm', 'alert']) {
      window[k] = (...a) => { window.__native.push([k, ...a]); throw new Error(`window.${k} must not be used`); };
    }
  });
}
const nativeCalls = (page) => page.evaluate(() => window.__native);

before(async () => {
  F = await setupStudio();
  dora = makeUser(F.server, 'dora');
  addMember(F.server, F.project, 'dora', 'commenter');
  // a second audio track with a clip, so solo has something to dim
  const { client } = await join(F.server, F.ana, F.project);
  client.send({ type: 'push', seq: 1, base: null, ops: [
    { op: 'create', id: 't_keys', kind: 'track', fields: { name: 'Keys', order: 'X', color: '#64b5f6' } },
    { op: 'create', id: 'c_keys', kind: 'clip', fields: { track: 't_keys', asset: F.asset, start: 20 * RATE, length: 4 * RATE, name: 'keys' } },
  ] });
  const d = await client.next((m) => m.type === 'delta' || m.type === 'reject');
  assert.equal(d.type, 'delta', JSON.stringify(d));
  client.close();
  browser = await launch();
  pa = await newPage(browser, F.server);
  await forbidNativeDialogs(pa);
  await signIn(pa, F.ana);
  await openProject(pa, F.project);
  await pa.waitForSelector(`.clip[data-clip="${F.clip}"]`);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

/** [from, to] frames the timeline shows, the song's end and the zoom. */
const viewState = (page) => page.evaluate(() => {
  const { tl, S, session } = window.mixroom;
  const [a, b] = tl.visible();
  return { a, b, end: session.view.end(), zoom: S.zoom, scroll: tl.el.scrollLeft };
});

test('the studio opens showing the whole song; zoom to fit works after zooming in (button and F)', async () => {
  const v0 = await viewState(pa);
  assert.equal(v0.a, 0);
  assert.ok(v0.b >= v0.end, `the whole song (${v0.end} frames) is visible: ${v0.a}..${v0.b}`);
  assert.ok(v0.b <= v0.end * 1.5, `and it fills the view (not a speck): ${v0.b} for ${v0.end}`);
  // the overview strip is there and shows where the view is
  const ov = pa.getByRole('region', { name: 'Overview' });
  assert.ok(await ov.isVisible());
  for (let i = 0; i < 6; i++) await pa.getByRole('button', { name: 'Zoom in' }).click();
  let v = await viewState(pa);
  assert.ok(v.b - v.a < v0.end / 4, 'zoomed in, only part of the song is visible');
  // the overview moves the view: click near its right end
  const ob = await ov.boundingBox();
  await pa.mouse.click(ob.x + ob.width * 0.85, ob.y + ob.height / 2);
  v = await viewState(pa);
  assert.ok(v.a > v0.end * 0.5, `the view moved right: ${v.a}`);
  await pa.getByRole('button', { name: 'Zoom to fit' }).click();
  v = await viewState(pa);
  assert.ok(v.a === 0 && v.b >= v.end && v.b <= v.end * 1.5, JSON.stringify(v));
  for (let i = 0; i < 5; i++) await pa.keyboard.press('+');
  assert.ok((await viewState(pa)).b < v.end);
  await pa.locator('.scroller').focus();
  await pa.keyboard.press('f');
  v = await viewState(pa);
  assert.ok(v.a === 0 && v.b >= v.end && v.b <= v.end * 1.5, JSON.stringify(v));
  await shot(pa, 'defects-zoom-to-fit');
  assertNoErrors(pa);
});

/** The ruler's drawn labels (tl.rulerLabels) after the next frame. */
const rulerLabels = async (page) => {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate(() => window.mixroom.tl.rulerLabels);
};
function assertNoOverlap(labels, what) {
  for (const row of [...new Set(labels.map((l) => l.y))]) {
    const ls = labels.filter((l) => l.y === row).sort((p, q) => p.x - q.x);
    for (let i = 1; i < ls.length; i++) {
      assert.ok(ls[i - 1].x + ls[i - 1].w + 2 <= ls[i].x, `${what}: "${ls[i - 1].text}" (${ls[i - 1].x}+${ls[i - 1].w}) runs into "${ls[i].text}" (${ls[i].x})`);
    }
  }
}

test('ruler labels never overlap, at the widest zoom-out and in between', async () => {
  await pa.locator('.scroller').focus();
  for (let i = 0; i < 40; i++) await pa.keyboard.press('-'); // as far out as it goes
  const far = await rulerLabels(pa);
  assert.ok(far.filter((l) => l.y === 3).length >= 5, `bar labels are drawn: ${JSON.stringify(far.slice(0, 5))}`);
  assert.ok(far.some((l) => l.text.length >= 3), 'three-digit bar numbers are in view');
  assertNoOverlap(far, 'widest zoom-out');
  await shot(pa, 'defects-ruler-zoomed-out');
  for (let i = 0; i < 12; i++) {
    await pa.keyboard.press('+');
    assertNoOverlap(await rulerLabels(pa), `zoom step ${i}`);
  }
  await pa.keyboard.press('f');
});

test('an import never lands on an existing clip: a new track, or the selected track where it is free', async () => {
  const before = await serverDoc(F.server, F.ana, F.project);
  const tracks0 = [...before.objects.values()].filter((o) => o.kind === 'track').length;
  // the playhead inside the Drums clip (1 s .. 5 s), nothing selected: a new track
  await pa.evaluate(() => { window.mixroom.S.select([]); window.mixroom.S.setPlayhead(2 * 48000); });
  await pa.setInputFiles('input[type=file][aria-label="Choose audio files"]', { name: 'bass.wav', mimeType: 'audio/wav', buffer: makeWav(2) });
  await waitDoc(pa, () => [...window.mixroom.session.view.objects.values()].some((o) => o.kind === 'clip' && o.name === 'bass.wav'), null, 20000);
  // the Drums clip selected, the playhead inside it: still a new track
  await pa.evaluate((c) => { window.mixroom.S.select([c]); window.mixroom.S.setPlayhead(3 * 48000); }, F.clip);
  await pa.setInputFiles('input[type=file][aria-label="Choose audio files"]', { name: 'pad.wav', mimeType: 'audio/wav', buffer: makeWav(2) });
  await waitDoc(pa, () => [...window.mixroom.session.view.objects.values()].some((o) => o.kind === 'clip' && o.name === 'pad.wav'), null, 20000);
  // the Drums clip selected, the playhead after it (6 s): on Drums, where it is free
  await pa.evaluate((c) => { window.mixroom.S.select([c]); window.mixroom.S.setPlayhead(6 * 48000); }, F.clip);
  await pa.setInputFiles('input[type=file][aria-label="Choose audio files"]', { name: 'fill.wav', mimeType: 'audio/wav', buffer: makeWav(1) });
  await waitDoc(pa, () => [...window.mixroom.session.view.objects.values()].some((o) => o.kind === 'clip' && o.name === 'fill.wav'), null, 20000);
  await settled(pa);
  const after = await serverDoc(F.server, F.ana, F.project);
  const clips = [...after.objects.values()].filter((o) => o.kind === 'clip');
  const by = (n) => clips.find((c) => c.name === n);
  assert.equal([...after.objects.values()].filter((o) => o.kind === 'track').length, tracks0 + 2, 'two new tracks');
  assert.notEqual(by('bass.wav').track, F.track);
  assert.notEqual(by('pad.wav').track, F.track);
  assert.notEqual(by('pad.wav').track, by('bass.wav').track);
  assert.equal(by('fill.wav').track, F.track, 'the selected track where it is free');
  assert.equal(by('fill.wav').start, 6 * RATE);
  for (const a of clips) {
    for (const b of clips) {
      if (a.id < b.id && a.track === b.track) assert.ok(a.start + a.length <= b.start || b.start + b.length <= a.start, `${a.name} and ${b.name} overlap`);
    }
  }
  assertNoErrors(pa);
});

test('a fader drag is one push and one history entry; repeated entries are shown once', async () => {
  await settled(pa);
  const rev0 = await pa.evaluate(() => window.mixroom.session.rev);
  await pa.evaluate(() => {
    const s = window.mixroom.session;
    window.__pushes = 0;
    const orig = s.push.bind(s);
    s.push = (...a) => { window.__pushes++; return orig(...a); };
  });
  const fader = pa.locator(`.strip[data-track="${F.track}"] input.fader`);
  const box = await fader.boundingBox();
  const x = box.x + box.width / 2;
  await pa.mouse.move(x, box.y + box.height * 0.3);
  await pa.mouse.down();
  for (let i = 1; i <= 25; i++) await pa.mouse.move(x, box.y + box.height * (0.3 + i * 0.02));
  await pa.mouse.up();
  await settled(pa);
  assert.equal(await pa.evaluate(() => window.__pushes), 1, 'one push for the drag');
  assert.equal(await pa.evaluate(() => window.mixroom.session.rev), rev0 + 1, 'one revision');
  // twice the same change by ana, then the history
  await pa.evaluate((t) => { const s = window.mixroom.session; s.push([{ op: 'set', id: t, fields: { mute: true } }]); s.push([{ op: 'set', id: t, fields: { mute: true } }]); }, 't_keys');
  await settled(pa);
  await pa.getByRole('button', { name: 'History and versions' }).click();
  await pa.waitForFunction(() => document.querySelectorAll('li.hentry').length > 0);
  await pa.waitForFunction((r) => Number(document.querySelector('li.hentry').dataset.rev) >= r, rev0 + 3);
  const entries = await pa.$$eval('li.hentry', (ls) => ls.map((l) => ({ rev: Number(l.dataset.rev), text: l.querySelector('.hsum').textContent, name: l.querySelector('b').className })));
  const gain = entries.filter((e) => /Drums (gain|volume)/i.test(e.text) && e.rev > rev0);
  assert.equal(gain.length, 1, `one history entry for the drag: ${JSON.stringify(entries.slice(0, 5))}`);
  const muted = entries.filter((e) => e.rev > rev0 + 1);
  assert.equal(muted.length, 1, `the two identical entries shown once: ${JSON.stringify(entries.slice(0, 5))}`);
  assert.match(muted[0].text, /×2/);
  // one person's run: the name is shown on the first line only
  assert.equal(entries[0].name, '');
  assert.equal(entries[1].name, 'visually-hidden');
  await shot(pa, 'defects-history');
  await pa.getByRole('button', { name: 'History and versions' }).click();
  await pa.evaluate((t) => window.mixroom.session.push([{ op: 'set', id: t, fields: { mute: false } }]), 't_keys');
  assertNoErrors(pa);
});

test('the empty Open list says how many comments are resolved', async () => {
  const { client } = await join(F.server, F.ana, F.project);
  const ids = [];
  for (const body of ['Kick too loud', 'Hats are late', 'Nice fill']) {
    const r = await client.request({ type: 'comment.add', at: RATE, body });
    assert.equal(r.type, 'comment', JSON.stringify(r));
    ids.push(r.comment.id);
  }
  for (const id of ids) assert.equal((await client.request({ type: 'comment.resolve', comment: id })).type, 'comment');
  client.close();
  await pa.getByRole('button', { name: 'Comments' }).click();
  await pa.waitForFunction(() => /No open comments — 3 resolved/.test(document.querySelector('.empty')?.textContent || ''), null, { timeout: 3000 });
  assert.ok(await pa.locator('.empty').isVisible());
  await pa.getByRole('button', { name: 'Comments' }).click();
});

test('a commenter sees Export disabled with the reason; a viewer sees editing disabled with the reason', async () => {
  const pd = await newPage(browser, F.server);
  await signIn(pd, dora);
  await openProject(pd, F.project);
  const exp = pd.getByRole('button', { name: 'Export' });
  assert.ok(await exp.isDisabled(), 'Export is disabled for a commenter');
  const why = await exp.evaluate((b) => ({ title: b.title, desc: document.getElementById(b.getAttribute('aria-describedby'))?.textContent }));
  assert.match(why.title, /Export needs the editor or owner role; you are a commenter/);
  assert.equal(why.desc, why.title, 'the reason is also its accessible description');
  await pd.context_.close();
  const pc = await newPage(browser, F.server);
  await signIn(pc, F.cara);
  await openProject(pc, F.project);
  for (const name of ['Add track', 'Undo', 'Export']) {
    const b = pc.getByRole('button', { name, exact: true });
    assert.ok(await b.isDisabled(), `${name} is disabled for a viewer`);
    assert.match(await b.getAttribute('title'), /needs the editor or owner role; you are a viewer/);
  }
  // a track header's and a mixer strip's controls say it too
  for (const sel of [`.trackrow[data-track="${F.track}"] button.solo`, `.trackrow[data-track="${F.track}"] input.tgain`, `.strip[data-track="${F.track}"] input.fader`]) {
    const el = pc.locator(sel);
    assert.ok(await el.isDisabled(), `${sel} is disabled for a viewer`);
    assert.match(await el.getAttribute('title'), /Editing needs the editor or owner role; you are a viewer/, sel);
    assert.equal(await el.getAttribute('aria-describedby'), 'why-edit');
  }
  // the owner's are enabled, with their own tooltips
  assert.ok(await pa.getByRole('button', { name: 'Export' }).isEnabled());
  assert.equal(await pa.getByRole('button', { name: 'Export' }).getAttribute('title'), 'Export the mix');
  await shot(pc, 'defects-viewer');
  await pc.context_.close();
});

test('soloing a track dims the others, header and clips', async () => {
  await pa.locator(`.trackrow[data-track="${F.track}"] button.solo`).click();
  await waitDoc(pa, (t) => window.mixroom.session.view.get(t).solo === true, F.track);
  const op = (sel) => pa.locator(sel).first().evaluate((e) => Number(getComputedStyle(e).opacity));
  await pa.waitForFunction(() => document.querySelector('.trackrow[data-track="t_keys"]').classList.contains('solo-dimmed'));
  assert.ok(await op('.trackrow[data-track="t_keys"] > .head') < 0.5, 'the other track\'s header is dimmed');
  assert.ok(await op('.trackrow[data-track="t_keys"] .clip') < 0.5, 'and its clips');
  assert.equal(await op(`.trackrow[data-track="${F.track}"] > .head`), 1, 'the soloed one is not');
  assert.equal(await op(`.trackrow[data-track="${F.track}"] .clip`), 1);
  assert.ok(await op('.strip[data-track="t_keys"]') < 0.5, 'the mixer strip too');
  await shot(pa, 'defects-solo');
  await pa.locator(`.trackrow[data-track="${F.track}"] button.solo`).click();
  await pa.waitForFunction(() => !document.querySelector('.solo-dimmed'));
  assertNoErrors(pa);
});

test('no native dialog: renaming a clip, restoring a revision in the studio', async () => {
  await pa.evaluate((c) => window.mixroom.S.select([c]), F.clip);
  await pa.locator('.scroller').focus();
  await pa.keyboard.press('F2');
  const dlg = pa.getByRole('dialog', { name: 'Rename clip' });
  await dlg.getByRole('textbox').fill('loop A');
  await dlg.getByRole('button', { name: 'Rename' }).click();
  await waitDoc(pa, (c) => window.mixroom.session.view.get(c).name === 'loop A', F.clip);
  await pa.getByRole('button', { name: 'History and versions' }).click();
  await pa.locator('li.hentry button', { hasText: 'Restore' }).first().click();
  const rd = pa.getByRole('dialog', { name: 'Restore' });
  await rd.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await rd.count(), 0);
  await pa.getByRole('button', { name: 'History and versions' }).click();
  assert.deepEqual(await nativeCalls(pa), []);
  assertNoErrors(pa);
});

test('the project list renames, duplicates and deletes, with the studio\'s own dialogs', async () => {
  await pa.goto('/projects');
  await pa.waitForSelector(`tr[data-project="${F.project}"]`);
  const menuOf = (name) => pa.getByRole('button', { name: `Actions for ${name}`, exact: true });
  // duplicate (any member could; ana is the owner here)
  await menuOf('Session').click();
  const menu = pa.getByRole('menu', { name: 'Actions for Session' });
  assert.deepEqual(await menu.getByRole('menuitem').allTextContents(), ['Rename…', 'Duplicate', 'Delete…']);
  await shot(pa, 'defects-project-menu');
  await menu.getByRole('menuitem', { name: 'Duplicate' }).click();
  await pa.waitForSelector('tr >> text="Session copy"');
  // rename the copy (keyboard: Enter opens the menu, arrows move, Enter picks)
  await menuOf('Session copy').focus();
  await pa.keyboard.press('Enter');
  await pa.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitem');
  assert.equal(await pa.evaluate(() => document.activeElement.textContent), 'Rename…');
  await pa.keyboard.press('Enter');
  const rn = pa.getByRole('dialog', { name: 'Rename project' });
  await rn.getByRole('textbox').fill('Session B-side');
  await rn.getByRole('button', { name: 'Rename' }).click();
  await pa.waitForSelector('tr >> text="Session B-side"');
  // delete it: the studio's confirm dialog, Cancel keeps it, Delete removes it
  await menuOf('Session B-side').click();
  await pa.getByRole('menuitem', { name: 'Delete…' }).click();
  const del = pa.getByRole('dialog', { name: 'Delete project?' });
  assert.match(await del.textContent(), /cannot be undone/);
  await shot(pa, 'defects-project-delete');
  await del.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await pa.locator('tr >> text="Session B-side"').count(), 1);
  await menuOf('Session B-side').click();
  await pa.getByRole('menuitem', { name: 'Delete…' }).click();
  await pa.getByRole('dialog', { name: 'Delete project?' }).getByRole('button', { name: 'Delete project' }).click();
  await pa.waitForFunction(() => ![...document.querySelectorAll('tr')].some((r) => r.textContent.includes('Session B-side')));
  assert.equal(await pa.locator(`tr[data-project="${F.project}"]`).count(), 1, 'the original stays');
  // a commenter's menu has Duplicate only
  const pd = await newPage(browser, F.server);
  await signIn(pd, dora);
  await pd.getByRole('button', { name: 'Actions for Session', exact: true }).click();
  assert.deepEqual(await pd.getByRole('menuitem').allTextContents(), ['Duplicate']);
  await pd.context_.close();
  assert.deepEqual(await nativeCalls(pa), []);
  assertNoErrors(pa);
});
