// operations_logs.test.mjs -- the log as an operator runs it: --log-format
// json gives one JSON object per line (ts, level, msg, fields) for every
// line the server writes, --log-file appends there instead of stderr,
// SIGHUP after logrotate moved the file opens a new one that gets the next
// lines (none lost, none written twice), and bad values are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, tempDir, cli, http, makeUser, join, sleep } from './harness.mjs';

/** Every line of file, parsed; fails naming the line that is not JSON. */
function jsonLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), `${file} ends mid-line`);
  return text.slice(0, -1).split('\n').map((line, i) => {
    let o;
    try { o = JSON.parse(line); } catch (e) { assert.fail(`${file}:${i + 1} is not JSON (${e.message}): ${line}`); }
    assert.equal(typeof o, 'object');
    assert.match(o.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    assert.ok(['error', 'warn', 'info', 'debug'].includes(o.level), line);
    assert.equal(typeof o.msg, 'string', line);
    for (const v of Object.values(o)) assert.equal(typeof v, 'string', line);
    return o;
  });
}

/** Waits (bounded) until pred() is true. */
async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('--log-format json --log-file: every line parses, with fields; nothing on stderr', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'mixroom.log');
  const s = await startServer({ args: ['--log-format', 'json', '--log-file', file, '--log-level', 'debug'] });
  try {
    const ana = makeUser(s, 'ana');
    // a few requests that log: a failed and a good login, a quote and a
    // bad byte in a path, a WebSocket session, a project
    assert.equal((await http(s, 'POST', '/api/login', { body: { name: 'ana', password: 'wrong-password' } })).status, 401);
    assert.equal((await http(s, 'POST', '/api/login', { body: { name: 'ana', password: ana.password } })).status, 200);
    await http(s, 'GET', '/nothing/"here%ff\\');
    const made = await http(s, 'POST', '/api/projects', { token: ana.token, body: { name: 'Song "one"' } });
    assert.equal(made.status, 201, made.text);
    const { client } = await join(s, ana, made.json.project.id);
    await client.close();
  } finally {
    const r = await s.stop();
    assert.equal(r.code, 0);
  }
  const lines = jsonLines(file);
  const listening = lines.find((o) => /^mixroom listening on /.test(o.msg));
  assert.ok(listening, 'the listening line');
  assert.equal(listening.url, `http://127.0.0.1:${s.port}`);
  assert.equal(listening.data, s.dataDir);
  assert.ok(lines.some((o) => o.msg === 'auth: failed login from 127.0.0.1' && o.level === 'info'));
  assert.ok(lines.some((o) => /^auth: ana logged in/.test(o.msg)));
  assert.ok(lines.some((o) => o.level === 'debug'), 'debug lines at --log-level debug');
  assert.equal(lines.at(-1).msg, 'stopped');
  // the log went to the file only
  assert.doesNotMatch(s.log(), /listening|stopped/);
});

test('SIGHUP after the log file was moved: a new file gets the next lines', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'mixroom.log');
  const s = await startServer({ args: ['--log-format', 'json', '--log-file', file] });
  let stopped = false;
  try {
    const ana = makeUser(s, 'ana');
    fs.renameSync(file, `${file}.1`);
    // still the old (moved) file until SIGHUP
    assert.equal((await http(s, 'POST', '/api/login', { body: { name: 'ana', password: 'nope-nope-1' } })).status, 401);
    assert.equal(fs.existsSync(file), false);
    s.proc.kill('SIGHUP');
    await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('reopened'), 'the reopened log file');
    assert.equal((await http(s, 'POST', '/api/login', { body: { name: 'ana', password: ana.password } })).status, 200);
    // the server is still up and serving after the SIGHUP
    assert.equal((await http(s, 'GET', '/healthz')).status, 200);
    const r = await s.stop();
    stopped = true;
    assert.equal(r.code, 0);
  } finally {
    if (!stopped) await s.stop();
  }
  const old = jsonLines(`${file}.1`);
  const now = jsonLines(file);
  assert.ok(old.some((o) => /^mixroom listening/.test(o.msg)));
  assert.ok(old.some((o) => o.msg === 'auth: failed login from 127.0.0.1'));
  assert.ok(!old.some((o) => /logged in|stopped/.test(o.msg)), 'no line after the reopen in the old file');
  assert.equal(now[0].msg, `reopened the log file ${file}`);
  assert.ok(now.some((o) => /^auth: ana logged in/.test(o.msg)));
  assert.equal(now.at(-1).msg, 'stopped');
  assert.ok(!now.some((o) => /listening|failed login/.test(o.msg)), 'no line written twice');
});

test('text stays the default; bad --log-format and an unopenable --log-file are refused by name', async () => {
  const s = await startServer();
  try {
    assert.match(s.log(), /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  mixroom listening on http:\/\/127\.0\.0\.1:\d+ \(data in .*\) url=http:\/\/127\.0\.0\.1:\d+ data=/m);
  } finally {
    await s.stop();
  }
  const dir = tempDir();
  let r = cli(['serve', '--log-format', 'xml'], { dataDir: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--log-format: log_format: 'xml' is not valid; expected text or json/);
  r = cli(['serve'], { dataDir: dir, env: { MIXROOM_LOG_FORMAT: 'yaml' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /MIXROOM_LOG_FORMAT/);
  r = cli(['serve', '--log-file', path.join(dir, 'no', 'such', 'dir.log'), '--listen', '127.0.0.1:0', '--no-demo'], { dataDir: dir });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--log-file: log file .*no\/such\/dir\.log: No such file or directory/);
  // refused before anything was made in the data directory
  assert.deepEqual(fs.readdirSync(dir), []);
});
