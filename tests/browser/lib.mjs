// lib.mjs -- helpers for the browser tests: Debian's headless Chromium
// driven by playwright-core, pages that fail the test on any console error
// or page error, signing in through the real form, waiting on the
// studio's state, a generated WAV file, and a Node client that reads the
// server's document over the WebSocket (via the integration harness).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { join } from '../integration/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, 'artifacts');
export const CHROMIUM = process.env.MXT_CHROMIUM || '/usr/bin/chromium';

/** Launches headless Chromium with the flags this machine needs (and `extra` flags, e.g. a fake capture device). */
export async function launch(extra = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required', ...extra],
  });
}

/**
 * A new browser context + page at 1280x800 whose console errors and page
 * errors are collected in page.errors (check with assertNoErrors).
 */
export async function newPage(browser, server) {
  return newPageAt(browser, server, { width: 1280, height: 800 });
}

/** Throws if the page logged an error. */
export function assertNoErrors(page) {
  if (page.errors.length) throw new Error(`browser errors:\n${page.errors.join('\n')}`);
}

/** Signs in through the form and waits for the project list (up to 30 s: Argon2id on a loaded machine). */
export async function signIn(page, user) {
  await page.goto('/login');
  await page.fill('#login-name', user.name);
  await page.fill('#login-password', user.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('main.projects', { timeout: 30000 });
}

/** Opens a project's studio and waits for the welcome. */
export async function openProject(page, projectId) {
  await page.goto(`/p/${projectId}`);
  await page.waitForFunction(() => window.mixroom && window.mixroom.session.status === 'online');
}

/**
 * Waits until pred(arg) is true in the page (a page-side function that
 * reads window.mixroom.session: view, rev, pending, ...).
 */
export async function waitDoc(page, pred, arg, timeout = 15000) {
  return page.waitForFunction(pred, arg, { timeout });
}

/** The server's current document as a Map id -> object (a fresh hello from Node). */
export async function serverDoc(server, user, project) {
  const { client, welcome } = await join(server, user, project);
  client.close();
  return { rev: welcome.rev, objects: new Map(welcome.snapshot.objects.map((o) => [o.id, o])) };
}

/** Saves a screenshot in tests/browser/artifacts/NAME.png. */
export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/**
 * A 16-bit PCM WAV: seconds long, stereo, at rate, a decaying tone with
 * some rhythm (so the waveform shows), as a Buffer.
 */
export function makeWav(seconds = 2, rate = 48000, freq = 220) {
  const frames = Math.round(seconds * rate);
  const ch = 2;
  const buf = Buffer.alloc(44 + frames * ch * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + frames * ch * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(ch, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * ch * 2, 28); buf.writeUInt16LE(ch * 2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(frames * ch * 2, 40);
  const beat = rate / 2;
  for (let i = 0; i < frames; i++) {
    const env = Math.exp(-((i % beat) / rate) * 6);
    const v = Math.sin((2 * Math.PI * freq * i) / rate) * env * 0.8;
    const s = Math.max(-32767, Math.min(32767, Math.round(v * 32767)));
    buf.writeInt16LE(s, 44 + i * 4);
    buf.writeInt16LE(s, 46 + i * 4);
  }
  return buf;
}

/**
 * Drops a file on the page at (x, y) with a real DataTransfer (the page
 * sees dragenter/dragover/drop events carrying a File).
 */
export async function dropFile(page, x, y, name, bytes, type = 'audio/wav') {
  await page.evaluate(({ x, y, name, b64, type }) => {
    const bin = atob(b64);
    const arr = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([arr], name, { type }));
    const target = document.elementFromPoint(x, y);
    for (const t of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(t, { bubbles: true, cancelable: true, clientX: x, clientY: y, dataTransfer: dt }));
    }
  }, { x, y, name, b64: Buffer.from(bytes).toString('base64'), type });
}

/**
 * A new page like newPage but at a given viewport ({width, height}) and
 * context options (e.g. {isMobile: true, hasTouch: true} for a phone).
 */
export async function newPageAt(browser, server, viewport, options = {}) {
  const context = await browser.newContext({ viewport, baseURL: server.url, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}\n${e.stack || ''}`));
  page.context_ = context;
  return page;
}

/**
 * Runs axe-core (node_modules/axe-core/axe.min.js, WCAG 2.0/2.1 A and AA rules and
 * best practices) over the page; returns {serious, moderate, all} where
 * serious holds the serious and critical violations, each as
 * "rule (impact): help -- target, ..." lines ready to print.
 */
export async function runAxe(page, context = null) {
  const axePath = path.join(here, '..', '..', 'node_modules', 'axe-core', 'axe.min.js');
  // evaluated through the DevTools protocol, not a <script> tag: the
  // server's CSP (script-src 'self') refuses inline scripts, and the tests
  // keep the CSP on
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(fs.readFileSync(axePath, 'utf8'));
  const res = await page.evaluate(async (ctx) => {
    const r = await window.axe.run(ctx || document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 6).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.split('\n').slice(1, 2).join('').trim()}]` : ''}`), count: v.nodes.length }));
  }, context);
  const line = (v) => `${v.id} (${v.impact}, ${v.count}): ${v.help} -- ${v.targets.join(', ')}`;
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return { serious: bad.map(line), moderate: res.filter((v) => !bad.includes(v)).map(line), all: res };
}
