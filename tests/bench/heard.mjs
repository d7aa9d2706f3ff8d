// heard.mjs -- browser benchmark for issue #15's fifth aim, "edits heard
// within 150 ms": Debian's headless Chromium (tests/browser/lib.mjs) plays
// a project holding one constant 440 Hz tone from the real server; the
// benchmark clicks the track's Mute button (a push over the studio's own
// session) and the player's AudioWorklet reports the first played sample
// whose level shows the change (player.watchLevel: muted = 240 samples
// below 0.01, unmuted = one sample above 0.05), converted to the moment it
// reaches the output with the output latency the AudioContext reports.
// push -> heard = that moment - performance.now() just before the click.
// Edits alternate mute/unmute, spaced 300-700 ms apart (so they fall at
// every phase of the 20 ms packets). Prints median, p90, max, the
// underruns and discontinuities during the edits, and the buffer level,
// for the old fixed 240 ms buffer (`?buffer=240&cut=0`: the player before
// issue 15), the adaptive buffer alone (`?cut=0`) and the adaptive buffer
// with the re-rendering cut on edits (the default), in the same run, one
// page each, in turn (`rounds` repeats the three); never fails on time.
// MXT_MODES=before,buffer,after picks some; MXT_VERBOSE=1 prints each edit.
//
// Usage (from the build directory, after `make mixroom`):
//   MXT_BIN=./mixroom node ../tests/bench/heard.mjs [edits=10] [rounds=1]
// The figures are wall-clock latencies (what a listener hears), so they
// depend on the machine's load: the load average is printed with them.
import os from 'node:os';
import { startServer, makeUser } from '../integration/harness.mjs';
import { launch, newPage } from '../browser/lib.mjs';
import { signInPatient } from '../browser/tones.mjs';
import { toneProject, TONE_TRACK as TRACK } from '../browser/heard_fixture.mjs';

const EDITS = Number(process.argv[2] || 10);
const ROUNDS = Number(process.argv[3] || 1);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const f1 = (x) => (x === null || x === undefined ? '-' : x.toFixed(1));

/** One page at `query`: plays the tone, makes EDITS mute/unmute edits; returns the figures. */
async function measure(browser, server, user, project, query) {
  const page = await newPage(browser, server);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  try {
    await signInPatient(page, user);
    await page.goto(`/p/${project}${query}`);
    await page.waitForFunction(() => window.mixroom && window.mixroom.session.status === 'online', null, { timeout: 30000 });
    await page.waitForSelector(`.trackrow[data-track="${TRACK}"] button.mute`);
    await page.evaluate(async () => { await window.mixroom.transport.play(0); });
    await page.waitForFunction(() => window.mixroom.player.sounding, null, { timeout: 20000 });
    await page.waitForTimeout(2000); // the buffer settles
    const s0 = await page.evaluate(() => ({ ...window.mixroom.player.stats }));
    const lat = [], latOut = [];
    for (let k = 0; k < EDITS; k++) {
      const dir = k % 2 === 0 ? 'down' : 'up'; // the first edit mutes
      const r = await page.evaluate(async ({ track, dir }) => {
        const P = window.mixroom.player;
        const w = P.watchLevel(dir === 'down' ? { dir, thr: 0.01, run: 240 } : { dir, thr: 0.05 });
        const q = P.report ? Math.round(P.report.queued / 48) : null;
        const t0 = performance.now();
        document.querySelector(`.trackrow[data-track="${track}"] button.mute`).click();
        const got = await Promise.race([w, new Promise((res) => setTimeout(() => res(null), 5000))]);
        return got && { ...got, t0, q, buffer: P.stats.buffer, jump: P.stats.lastDup };
      }, { track: TRACK, dir });
      if (!r) { console.log(`#   edit ${k + 1}: not heard within 5 s`); continue; }
      lat.push(r.heard - r.t0);
      if (process.env.MXT_VERBOSE) console.log(`#   edit ${k + 1}: ${(r.heard - r.t0).toFixed(1)} ms, queued ${r.q} ms, buffer ${r.buffer} ms, last jump ${JSON.stringify(r.jump)}`);
      if (r.out !== null) latOut.push(r.out - r.t0);
      await page.waitForTimeout(300 + Math.round(Math.random() * 400));
    }
    const s1 = await page.evaluate(() => ({ ...window.mixroom.player.stats, outputLatency: window.mixroom.player.ctx.outputLatency, baseLatency: window.mixroom.player.ctx.baseLatency }));
    await page.evaluate(async () => { await window.mixroom.transport.pause(); });
    if (warnings.length) console.log(`#   ${warnings.length} console warnings: ${[...new Set(warnings)].slice(0, 3).join(' | ')}`);
    return {
      lat, latOut, underruns: s1.underruns - s0.underruns, skips: (s1.skips || 0) - (s0.skips || 0),
      gaps: s1.gaps - s0.gaps, streamJumps: s1.streamJumps - s0.streamJumps, dups: s1.dups - s0.dups, buffer: [s0.buffer, s1.buffer],
      cuts: (s1.cuts || 0) - (s0.cuts || 0), untagged: (s1.untagged || 0) - (s0.untagged || 0), undecoded: (s1.packets - s1.decoded) - (s0.packets - s0.decoded),
      latency: ((s1.outputLatency || 0) + (s1.baseLatency || 0)) * 1000,
    };
  } finally {
    await page.context_.close();
  }
}

function line(name, m) {
  const x = m.lat;
  console.log(`${name.padEnd(24)} n=${x.length} median ${f1(pct(x, 50))} ms  p90 ${f1(pct(x, 90))} ms  max ${f1(Math.max(...x))} ms`
    + `  (getOutputTimestamp: median ${f1(m.latOut.length ? pct(m.latOut, 50) : null)} ms)`
    + `  underruns ${m.underruns} skips ${m.skips} cuts ${m.cuts} gaps ${m.gaps} (in the stream ${m.streamJumps}, packets not decoded ${m.undecoded}, untagged ${m.untagged}) dups ${m.dups}`
    + `  buffer ${m.buffer[0]}->${m.buffer[1]} ms  output latency ${f1(m.latency)} ms`);
}

const server = await startServer();
const browser = await launch();
try {
  const ana = makeUser(server, 'ana');
  const project = await toneProject(server, ana, 'Heard', 120);
  console.log(`# push -> changed sample heard, ${EDITS} mute/unmute edits per page, Chromium ${browser.version()}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  const all = { before: { lat: [] }, buffer: { lat: [] }, after: { lat: [] } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [key, name, q] of [['before', 'before: fixed 240 ms', '?buffer=240&cut=0'], ['buffer', 'adaptive buffer only', '?cut=0'],
      ['after', 'after: adaptive + cut', '']].filter(([k]) => !process.env.MXT_MODES || process.env.MXT_MODES.split(',').includes(k))) {
      const m = await measure(browser, server, ana, project, q);
      line(`${name}`, m);
      all[key].lat.push(...m.lat);
    }
  }
  if (ROUNDS > 1) for (const k of ['before', 'buffer', 'after']) console.log(`${k} (all rounds): n=${all[k].lat.length} median ${f1(pct(all[k].lat, 50))} ms p90 ${f1(pct(all[k].lat, 90))} ms max ${f1(Math.max(...all[k].lat))} ms`);
  console.log(`# load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const med = pct(all.after.lat, 50);
  console.log(`# aim: median <= 150 ms: ${med <= 150 ? 'met' : 'NOT met'} (${f1(med)} ms; before ${f1(pct(all.before.lat, 50))} ms)`);
} finally {
  await browser.close();
  await server.stop();
}
