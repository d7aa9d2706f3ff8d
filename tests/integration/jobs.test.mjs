// jobs.test.mjs -- the engine job pool under abuse (issue "Hardening"):
// export and loudness ranges are bounded by the song's end plus
// render_tail; a render whose client leaves is cancelled; render jobs
// leave import_workers threads to imports; a job past job_deadline stops
// with an error naming the deadline; SIGTERM during a render exits with 0.
// No wall-clock thresholds except generous ones ("within 10 s").
import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import { test } from 'node:test';
import { startServer, http, storeSql, storeSqlAvailable } from './harness.mjs';
import { RATE, makeSong, toneWav, uploadAsset } from './preview_lib.mjs';

const SECONDS = 2;              // the song: two clips of 2 s at frame 0
const END = SECONDS * RATE;     // the song's end (frames)
const DAY = 86400;              // the largest render_tail: a long render

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The mixroom_jobs_* figures: {running: {import, render}, queued, cancelled}. */
async function jobFigures(server) {
  const r = await fetch(`${server.url}/metrics`);
  const text = await r.text();
  const get = (re) => { const m = text.match(re); return m ? Number(m[1]) : NaN; };
  return {
    running: { import: get(/^mixroom_jobs_running\{class="import"\} (\d+)$/m), render: get(/^mixroom_jobs_running\{class="render"\} (\d+)$/m) },
    queued: { import: get(/^mixroom_jobs_queued\{class="import"\} (\d+)$/m), render: get(/^mixroom_jobs_queued\{class="render"\} (\d+)$/m) },
    gone: get(/^mixroom_jobs_cancelled_total\{class="render",reason="gone"\} (\d+)$/m),
    deadline: get(/^mixroom_jobs_cancelled_total\{class="render",reason="deadline"\} (\d+)$/m),
  };
}

/** Polls until pred(figures) holds (at most `ms`); returns the figures. */
async function waitFigures(server, pred, what, ms = 10000) {
  const until = Date.now() + ms;
  let f;
  for (;;) {
    f = await jobFigures(server);
    if (pred(f)) return f;
    if (Date.now() > until) throw new Error(`${what}: ${JSON.stringify(f)}`);
    await sleep(50);
  }
}

const idle = (f) => f.running.render === 0 && f.queued.render === 0 && f.running.import === 0 && f.queued.import === 0;

/** The rows that matter, read straight from the store (sqlite3, or psql
 * under MXT_STORE=pg). */
function dbState(server) {
  if (!storeSqlAvailable()) return null; // no client: the figures still say "no job left"
  return storeSql(server.dataDir,
    'SELECT id, head_rev FROM projects ORDER BY id; SELECT id, state FROM assets ORDER BY id; SELECT count(*) FROM ops; SELECT count(*) FROM objects;');
}

/** GET with a bearer token; never hangs for more than 20 s. */
async function get(server, song, what, q) {
  const r = await fetch(`${server.url}/api/projects/${song.project}/${what}?${q}`, {
    headers: { authorization: `Bearer ${song.user.token}` }, signal: AbortSignal.timeout(20000),
  });
  const text = Buffer.from(await r.arrayBuffer()).toString('latin1');
  let json = null;
  try { json = JSON.parse(text); } catch { /* audio */ }
  return { status: r.status, json, text };
}

/** Starts a GET and resolves once the response headers (and, for a
 * stream, its first bytes) are in: {res, req, first}. */
function startStream(server, song, what, q) {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.get(`${server.url}/api/projects/${song.project}/${what}?${q}`, { headers: { authorization: `Bearer ${song.user.token}` } }, (res) => {
      res.once('data', (first) => { res.pause(); resolve({ res, req, first }); });
      res.once('error', () => {});
    });
    req.on('error', reject);
  });
}

/** Starts a deferred GET (loudness) that we may abandon: {req, done}. */
function startDeferred(server, song, q) {
  const req = nodeHttp.get(`${server.url}/api/projects/${song.project}/loudness?${q}`, { headers: { authorization: `Bearer ${song.user.token}` } });
  const done = new Promise((resolve) => {
    req.on('response', (res) => {
      let b = ''; let ended = false;
      res.on('data', (d) => { b += d; });
      res.on('end', () => { ended = true; });
      res.on('error', () => {});
      res.on('close', () => resolve({ status: res.statusCode, text: b, complete: ended && res.complete }));
    });
    req.on('error', () => resolve({ status: 0 }));
  });
  return { req, done };
}

test('ranges past the song end plus render_tail are refused by name; nothing changes, no job left', async () => {
  const server = await startServer();
  try {
    const song = await makeSong(server, 'rita', SECONDS);
    await waitFigures(server, idle, 'imports settle');
    const before = dbState(server);
    const limit = END + 600 * RATE;
    const cases = [
      ['loudness', 'to=9000000000000000000'],
      ['loudness', 'to=99999999999999999999999'],
      ['loudness', 'to=1e23'],
      ['loudness', `from=${limit + 1}`],
      ['loudness', `to=${limit + 1}`],
      ['export', 'format=wav&to=9000000000000000000'],
      ['export', 'format=wav&to=1e23'],
      ['export', `format=flac&from=0&to=${limit + 1}`],
      ['export', 'format=wav&stems=1&to=1e23'],
    ];
    for (const [what, q] of cases) {
      const r = await get(server, song, what, q);
      assert.equal(r.status, 422, `${what}?${q}: ${r.text}`);
      assert.equal(r.json.code, 'invalid_value', `${what}?${q}`);
      assert.match(r.json.message, new RegExp(`at most frame ${limit} .*frame ${END}.*render_tail = 600 s`), `${what}?${q}: ${r.json.message}`);
    }
    // not whole numbers: refused too, naming the rule and the setting
    const frac = await get(server, song, 'export', 'to=1.5e3');
    assert.equal(frac.status, 200, 'a whole number in floating notation is a number');
    const bad = await get(server, song, 'loudness', 'to=12.5');
    assert.equal(bad.status, 422);
    assert.match(bad.json.message, /whole numbers.*render_tail = 600 s/);
    // a range inside the limit still works
    assert.equal((await get(server, song, 'loudness', `from=0&to=${END}`)).status, 200);
    const f = await waitFigures(server, idle, 'no job left running');
    assert.equal(f.running.render, 0);
    assert.deepEqual(dbState(server), before);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

test('a render whose client goes away is cancelled, and an upload right after completes', async () => {
  const server = await startServer({ args: ['--render-tail', String(DAY)] });
  try {
    const song = await makeSong(server, 'gus', SECONDS);
    const to = END + DAY * RATE; // just inside the limit: a day of audio
    // an export stream: the close callback cancels it
    const s = await startStream(server, song, 'export', `format=wav16&from=0&to=${to}`);
    assert.equal(s.res.statusCode, 200);
    assert.equal(s.first.toString('latin1', 0, 4), 'RIFF');
    await waitFigures(server, (f) => f.running.render === 1, 'the export runs');
    s.req.destroy();
    let f = await waitFigures(server, (x) => x.running.render === 0 && x.gone >= 1, 'the export is cancelled');
    // a loudness request (deferred: no bytes before the end) left behind
    const l = startDeferred(server, song, `from=0&to=${to}`);
    await waitFigures(server, (x) => x.running.render === 1, 'the measurement runs');
    l.req.destroy();
    f = await waitFigures(server, (x) => x.running.render === 0 && x.gone >= 2, 'the measurement is cancelled');
    assert.ok(idle(f), JSON.stringify(f));
    const id = await uploadAsset(server, song.user, song.project, song.client, 'after.wav', toneWav(330, 1));
    assert.match(id, /\S/);
    song.client.close();
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

test('with --workers 2 --import-workers 1 two long measurements run one at a time and an upload still becomes ready', async () => {
  const server = await startServer({ args: ['--workers', '2', '--import-workers', '1', '--render-tail', String(DAY)] });
  try {
    const song = await makeSong(server, 'ivy', SECONDS);
    const to = END + DAY * RATE;
    const a = startDeferred(server, song, `from=0&to=${to}`);
    const b = startDeferred(server, song, `from=0&to=${to}`);
    const f = await waitFigures(server, (x) => x.running.render === 1 && x.queued.render === 1, 'one measurement runs, one waits');
    assert.equal(f.running.render, 1);
    // the reserved worker takes the import at once
    const id = await uploadAsset(server, song.user, song.project, song.client, 'during.wav', toneWav(550, 1));
    assert.match(id, /\S/);
    const g = await jobFigures(server);
    assert.equal(g.running.render + g.queued.render, 2, 'both measurements were still in flight');
    a.req.destroy();
    b.req.destroy();
    await waitFigures(server, idle, 'both cancelled');
    song.client.close();
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

test('SIGTERM while an export streams and a measurement runs: exit 0 within 10 s', async () => {
  const server = await startServer({ args: ['--workers', '3', '--import-workers', '1', '--render-tail', String(DAY)] });
  const song = await makeSong(server, 'sam', SECONDS);
  const to = END + DAY * RATE;
  const s = await startStream(server, song, 'export', `format=wav&from=0&to=${to}`);
  s.res.on('error', () => {});
  s.req.on('error', () => {});
  const l = startDeferred(server, song, `from=0&to=${to}`);
  await waitFigures(server, (x) => x.running.render === 2, 'both run');
  song.client.close();
  const t0 = Date.now();
  const r = await server.stop();
  assert.equal(r.signal, null, 'not killed');
  assert.equal(r.code, 0);
  assert.ok(Date.now() - t0 < 10000, `stopped in ${Date.now() - t0} ms`);
  const lr = await l.done;
  assert.doesNotMatch(lr.text, /integrated_lufs/, 'the measurement did not pretend to finish');
});

test('--job-deadline 1: a longer measurement gets an error naming the deadline; a longer export is cut short and logged', async () => {
  const server = await startServer({ args: ['--job-deadline', '1', '--render-tail', String(DAY)] });
  try {
    const song = await makeSong(server, 'dee', SECONDS);
    const to = END + DAY * RATE;
    // a measurement: its headers went out once the range was checked, so
    // the answer (white space so far: not JSON) is cut short, the log says why
    const l = await startDeferred(server, song, `from=0&to=${to}`).done;
    assert.equal(l.status, 200);
    assert.equal(l.text.trim(), '', 'no figures');
    assert.match(server.log(), /loudness of \S+ stopped \(the answer is cut short\): it ran past the job deadline of 1 s \(job_deadline\)/);
    // an export: the headers went out, so the stream ends early with an error
    const e = await fetch(`${server.url}/api/projects/${song.project}/export?format=wav16&from=0&to=${to}`, { headers: { authorization: `Bearer ${song.user.token}` }, signal: AbortSignal.timeout(20000) });
    assert.equal(e.status, 200);
    let bytes = 0; let failed = false;
    try {
      for await (const chunk of e.body) bytes += chunk.length;
    } catch { failed = true; }
    assert.ok(failed || bytes < 44 + (to * 4), `cut short: ${bytes} bytes`);
    await waitFigures(server, (x) => x.deadline >= 2 && idle(x), 'both stopped at the deadline');
    assert.match(server.log(), /export of \S+ stopped \(the file is cut short\): it ran past the job deadline of 1 s/);
    // short jobs still work
    assert.equal((await get(server, song, 'loudness', `from=0&to=${END}`)).status, 200);
    song.client.close();
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});
