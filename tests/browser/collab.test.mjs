// collab.test.mjs -- who is here, in headless Chromium against the real
// server: a late joiner appears by name in the others' studios within a
// second without a reload (two, then three contexts), also one who became
// a member after the others' welcome; every cursor is labelled with a
// display name only (no user or client id); the colours of the people
// present are pairwise clearly distinct (computed styles, hue distance),
// the same on avatars, cursors and history. Screenshot of the studio with
// three people present: artifacts/collab-three-people.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, assertNoErrors, signIn, openProject, waitDoc, shot } from './lib.mjs';
import { setupStudio } from './fixture.mjs';
import { addMember, makeUser } from '../integration/harness.mjs';
import { hueDistance, assignHues, HUES, SAT, LIGHT } from '../../web/colors.js';

let F, browser, pa, pb, pc, pd, dora;

before(async () => {
  F = await setupStudio();
  dora = makeUser(F.server, 'dora');
  browser = await launch();
  pa = await newPage(browser, F.server);
  pb = await newPage(browser, F.server);
  pc = await newPage(browser, F.server);
  await signIn(pa, F.ana);
  await signIn(pb, F.ben);
  await signIn(pc, F.cara);
  await openProject(pa, F.project);
  await pa.waitForSelector(`.clip[data-clip="${F.clip}"]`);
});

after(async () => {
  if (browser) await browser.close();
  if (F) await F.server.stop();
});

/** Waits (at most 1 s) until the page lists userName online; returns ms taken. */
async function appearsWithin1s(page, userName) {
  const t0 = Date.now();
  await page.waitForFunction((n) => [...document.querySelectorAll('.avatars .avatar.online')]
    .some((a) => a.getAttribute('aria-label').startsWith(`${n},`)), userName, { timeout: 1000, polling: 20 });
  return Date.now() - t0;
}

/** The hue (0..360) of a CSS colour as the browser computes it. */
function hueOf(rgb) {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map((x) => Number(x) / 255);
  const mx = Math.max(r, g, b); const mn = Math.min(r, g, b); const d = mx - mn;
  if (d === 0) return 0;
  let hh = mx === r ? ((g - b) / d) % 6 : mx === g ? (b - r) / d + 2 : (r - g) / d + 4;
  hh *= 60;
  return hh < 0 ? hh + 360 : hh;
}

/** Online avatars of a page: [{label, user, bg}] with computed colours. */
const onlineAvatars = (page) => page.evaluate(() => [...document.querySelectorAll('.avatars .avatar.online')]
  .map((a) => ({ label: a.getAttribute('aria-label'), user: a.dataset.user, bg: getComputedStyle(a).backgroundColor })));

test('a late joiner appears by name within a second, in two and then three studios', async () => {
  // two contexts: ben joins while ana is in the studio
  await openProject(pb, F.project);
  const t1 = await appearsWithin1s(pa, 'ben');
  // three: cara joins; both others see her without a reload
  await openProject(pc, F.project);
  const t2 = await appearsWithin1s(pa, 'cara');
  const t3 = await appearsWithin1s(pb, 'cara');
  assert.ok(t1 <= 1000 && t2 <= 1000 && t3 <= 1000, `${t1} ${t2} ${t3} ms`);
  // the late joiner sees the two who were there
  await appearsWithin1s(pc, 'ana');
  await appearsWithin1s(pc, 'ben');
  for (const p of [pa, pb, pc]) assertNoErrors(p);
});

test('cursors are labelled with display names only, colours pairwise distinct and the same everywhere', async () => {
  // everybody moves the mouse over the timeline
  const pages = [pa, pb, pc];
  for (const [i, p] of pages.entries()) {
    const lane = await p.locator('.trackrow .lane').first().boundingBox();
    await p.mouse.move(lane.x + 100 + i * 150, lane.y + 20);
    await p.mouse.move(lane.x + 110 + i * 150, lane.y + 25);
  }
  // ana sees two cursors, labelled "ben" and "cara"
  await pa.waitForFunction(() => {
    const tags = [...document.querySelectorAll('.rcursor')].filter((c) => c.style.display !== 'none').map((c) => c.textContent);
    return tags.includes('ben') && tags.includes('cara');
  }, null, { timeout: 2000 });
  for (const p of pages) {
    const tags = await p.evaluate(() => [...document.querySelectorAll('.rcursor .tag')].map((t) => t.textContent));
    for (const t of tags) {
      assert.ok(['ana', 'ben', 'cara'].includes(t), `a cursor label is a display name: "${t}"`);
      assert.doesNotMatch(t, /u_|c-|[0-9a-f]{8}/, 'no id in a label');
    }
  }
  // colours: three people present -> three hues at least 60 degrees apart, and
  // each person's colour is the same in every studio (avatars and cursors)
  const seen = new Map();
  for (const p of pages) {
    const av = await onlineAvatars(p);
    assert.equal(av.length, 3, JSON.stringify(av));
    const hues = av.map((a) => hueOf(a.bg));
    for (let i = 0; i < hues.length; i++) {
      for (let j = i + 1; j < hues.length; j++) {
        assert.ok(hueDistance(hues[i], hues[j]) >= 59, `${av[i].label} ${av[i].bg} vs ${av[j].label} ${av[j].bg}`);
      }
    }
    for (const a of av) {
      if (seen.has(a.user)) assert.equal(a.bg, seen.get(a.user), `${a.label} has one colour in every studio`);
      seen.set(a.user, a.bg);
    }
    const cursors = await p.evaluate(() => [...document.querySelectorAll('.rcursor')].map((c) => ({ user: c.dataset.user, color: getComputedStyle(c).borderLeftColor })));
    for (const c of cursors) assert.equal(c.color, seen.get(c.user), 'the cursor has its avatar\'s colour');
  }
  // contrast: an avatar's text is dark on its colour, the colour is light (readable on the dark studio)
  for (const a of await onlineAvatars(pa)) {
    const [r, g, b] = a.bg.match(/\d+/g).slice(0, 3).map(Number);
    assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * b > 120, `${a.label} ${a.bg} is light enough`);
  }
  await shot(pa, 'collab-three-people');
});

test('colours stay pairwise distinct for a bigger room (the assignment itself)', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `u_${(i * 7919).toString(36)}x${i}`);
  const hues = [...assignHues(ids).values()];
  assert.equal(new Set(hues).size, 12, 'twelve people, twelve hues');
  const four = [...assignHues(ids.slice(0, 4)).values()];
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) assert.ok(hueDistance(four[i], four[j]) >= 60);
  // stable: the same ids give the same hues
  assert.deepEqual([...assignHues(ids.slice(0, 4)).values()], four);
  // readable (WCAG contrast): each colour as text on the studio's panels,
  // and an avatar's dark text on each colour
  const hsl = (h, s, l) => { s /= 100; l /= 100; const k = (n) => (n + h / 30) % 12; const a = s * Math.min(l, 1 - l); return [0, 8, 4].map((n) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))); };
  const lum = (c) => c.map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4)).reduce((acc, x, i) => acc + x * [0.2126, 0.7152, 0.0722][i], 0);
  const hex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16) / 255);
  const contrast = (p, q) => { const [x, y] = [lum(p), lum(q)].sort((u, v) => v - u); return (x + 0.05) / (y + 0.05); };
  for (const h of HUES) {
    for (const bg of ['#14161b', '#1c1f26', '#232730']) assert.ok(contrast(hsl(h, SAT, LIGHT), hex(bg)) >= 4.5, `hue ${h} on ${bg}`);
    assert.ok(contrast(hsl(h, SAT, LIGHT), hex('#10131a')) >= 4.5, `dark text on hue ${h}`);
  }
});

test('someone who became a member after the others opened the studio appears by name, then leaves', async () => {
  addMember(F.server, F.project, 'dora', 'commenter');
  pd = await newPage(browser, F.server);
  await signIn(pd, dora);
  await openProject(pd, F.project);
  await appearsWithin1s(pa, 'dora');
  const lane = await pd.locator('.trackrow .lane').first().boundingBox();
  await pd.mouse.move(lane.x + 300, lane.y + 30);
  await pd.mouse.move(lane.x + 320, lane.y + 30);
  await pa.waitForFunction(() => [...document.querySelectorAll('.rcursor .tag')].some((t) => t.textContent === 'dora'), null, { timeout: 2000 });
  // the role arrives with the member list read again
  await pa.waitForFunction(() => [...document.querySelectorAll('.avatars .avatar')].some((a) => a.getAttribute('aria-label') === 'dora, commenter, online'), null, { timeout: 3000 });
  // four present: still pairwise distinct
  const hues = (await onlineAvatars(pa)).map((a) => hueOf(a.bg));
  assert.equal(hues.length, 4);
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) assert.ok(hueDistance(hues[i], hues[j]) >= 59, `${hues}`);
  // leaving: dora's cursor goes away in the others' studios
  await pd.context_.close();
  await waitDoc(pa, () => ![...document.querySelectorAll('.rcursor .tag')].some((t) => t.textContent === 'dora'), null, 3000);
  await pa.waitForFunction(() => ![...document.querySelectorAll('.avatars .avatar.online')].some((a) => a.getAttribute('aria-label').startsWith('dora,')), null, { timeout: 3000 });
  for (const p of [pa, pb, pc]) assertNoErrors(p);
});
