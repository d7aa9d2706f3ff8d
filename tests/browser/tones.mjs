// tones.mjs -- helpers for the automation and crossfade browser tests:
// constant-level test tones as WAV files, uploading one as a ready asset,
// a mix export fetched from the server and parsed (16-bit PCM), RMS
// levels (dB) of its left channel in windows, a set-up push from Node and
// a signed-in studio page.
import { http } from '../integration/harness.mjs';
import { newPage, openProject } from './lib.mjs';

/** A stereo 16-bit WAV of a constant sine (freq Hz, peak amp), seconds long. */
export function toneWav(freq, seconds, amp = 0.5, rate = 48000) {
  const frames = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + frames * 4);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + frames * 4, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 4, 28); buf.writeUInt16LE(4, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(frames * 4, 40);
  for (let i = 0; i < frames; i++) {
    const s = Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * amp * 32767);
    buf.writeInt16LE(s, 44 + i * 4);
    buf.writeInt16LE(s, 46 + i * 4);
  }
  return buf;
}

/** Uploads wav as name into project (user's token) and waits until it is ready; returns the asset id. */
export async function uploadReady(server, client, user, project, name, wav) {
  const up = await http(server, 'POST', `/api/projects/${project}/assets?name=${name}`,
    { token: user.token, raw: wav, headers: { 'content-type': 'audio/wav' } });
  if (up.status !== 202) throw new Error(`upload failed: ${up.status} ${up.text}`);
  const asset = typeof up.json.asset === 'string' ? up.json.asset : up.json.asset.id;
  await client.next((m) => m.type === 'asset' && m.asset.id === asset && m.asset.state === 'ready', 20000);
  return asset;
}

/** The mix of frames [from, to) as a 16-bit WAV export, parsed: {rate, channels, left: Float64Array}. */
export async function exportMix(server, user, project, from, to) {
  const r = await fetch(`${server.url}/api/projects/${project}/export?format=wav16&from=${from}&to=${to}`,
    { headers: { authorization: `Bearer ${user.token}` } });
  if (r.status !== 200) throw new Error(`export: ${r.status} ${await r.text()}`);
  const b = Buffer.from(await r.arrayBuffer());
  let off = 12, fmt = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12), bits: b.readUInt16LE(off + 22) };
    if (id === 'data') {
      const n = Math.floor(size / (2 * fmt.channels));
      const left = new Float64Array(n);
      for (let i = 0; i < n; i++) left[i] = b.readInt16LE(off + 8 + i * 2 * fmt.channels) / 32768;
      return { ...fmt, left };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error('export: no data chunk');
}

/** RMS in dB of samples [a, b). */
export function rmsDb(x, a, b) {
  a = Math.round(a);
  b = Math.round(b);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return 10 * Math.log10(s / (b - a) + 1e-30);
}

/** Sends ops as one push on client and throws unless the server answers with a delta. */
export async function pushOps(client, ops) {
  client.send({ type: 'push', seq: 1, base: null, ops });
  const d = await client.next((m) => m.type === 'delta' || m.type === 'reject');
  if (d.type !== 'delta') throw new Error(`set-up push rejected: ${JSON.stringify(d)}`);
}

/**
 * Signs in through the form like lib.mjs signIn, waiting up to 30 s for the
 * project list: on this shared machine (load averages of 30 and more) the
 * first page of a run can take longer than lib's 5 s, which is not what
 * these tests are about.
 */
export async function signInPatient(page, user) {
  await page.goto('/login');
  await page.fill('#login-name', user.name);
  await page.fill('#login-password', user.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('main.projects', { timeout: 30000 });
}

/** A page of browser signed in as user in the studio of F.project, once clip `clipId` is drawn. */
export async function studioPage(browser, F, user, clipId) {
  const page = await newPage(browser, F.server);
  await signInPatient(page, user);
  await openProject(page, F.project);
  await page.waitForSelector(`.clip[data-clip="${clipId}"]`);
  await page.waitForTimeout(300);
  return page;
}
