// auth.test.mjs -- accounts, sessions, roles and invites end to end: login,
// logout, /api/me, expiry, bad cookies, the login rate limit, the body
// limit, the Origin check, each invite case, the last-owner rule, every
// operator CLI command, and the walk of the whole permission table (every
// HTTP endpoint and WebSocket message type, every role and no login; a
// refused request changes nothing in the database).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  addMember, cli, connect, http, makeProject, makeUser, sleep, startServer, storeBytes, tempDir,
} from './harness.mjs';
import { cookieOf, dump, login, sql } from './auth_lib.mjs';

const BAD_LOGIN = 'wrong user name or password';

/** "FIELD/REV" of a `rev|body` row: the JSON body read here rather than
 * with json_extract, which PostgreSQL does not have. */
function fieldAndRev(row, field) {
  const bar = row.indexOf('|');
  return `${JSON.parse(row.slice(bar + 1))[field]}/${row.slice(0, bar)}`;
}

test('login, /api/me, logout, bad cookies, the body limit', async () => {
  const s = await startServer();
  try {
    const ana = makeUser(s, 'ana', 'ana-password-1');
    makeUser(s, 'bob', 'bob-password-1');

    const wrongPw = await login(s, 'ana', 'not-her-password');
    const noUser = await login(s, 'nobody', 'whatever-password');
    const badName = await login(s, 'no body!', 'whatever-password');
    for (const r of [wrongPw, noUser, badName]) {
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { code: 'unauthorized', message: BAD_LOGIN });
      assert.equal(r.headers.get('set-cookie'), null);
    }
    assert.equal((await http(s, 'POST', '/api/login', { body: { name: 'ana' } })).status, 400);
    assert.equal((await http(s, 'POST', '/api/login', { body: 'not json' })).status, 400);

    const ok = await login(s, 'ANA', 'ana-password-1'); // names are case-insensitive
    assert.equal(ok.status, 200);
    assert.match(ok.json.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(ok.json.user.name, 'ana');
    assert.match(ok.json.user.id, /^u_/);
    const sc = ok.headers.get('set-cookie');
    assert.match(sc, new RegExp(`^mixroom_session=${ok.json.token};`));
    assert.match(sc, /HttpOnly/);
    assert.match(sc, /SameSite=Strict/);
    assert.match(sc, /Path=\//);
    assert.doesNotMatch(sc, /Secure/); // no TLS here
    const cookie = cookieOf(ok);

    // The token is stored only as its hash.
    assert.ok(!storeBytes(s.dataDir).includes(Buffer.from(ok.json.token)));

    let me = await http(s, 'GET', '/api/me', { cookie });
    assert.equal(me.status, 200);
    assert.deepEqual(me.json.user, ok.json.user);
    me = await http(s, 'GET', '/api/me', { token: ok.json.token });
    assert.equal(me.status, 200);
    me = await http(s, 'GET', '/api/me', { token: ana.token }); // CLI token
    assert.equal(me.status, 200);
    assert.equal(me.json.user.name, 'ana');

    // Bad cookies and tokens.
    for (const c of ['mixroom_session=', 'mixroom_session=garbage', `mixroom_session=${'A'.repeat(43)}`,
      `mixroom_session=${ok.json.token.slice(0, -1)}x`, 'other=1']) {
      const r = await http(s, 'GET', '/api/me', { cookie: c });
      assert.equal(r.status, 401, c);
      assert.equal(r.json.code, 'unauthorized');
    }
    assert.equal((await http(s, 'GET', '/api/me')).status, 401);
    assert.equal((await http(s, 'GET', '/api/me', { token: 'nope' })).status, 401);

    // Over 64 KiB of JSON: 413.
    const big = await http(s, 'POST', '/api/login', { body: { name: 'ana', password: 'x'.repeat(70 * 1024) } });
    assert.equal(big.status, 413);
    assert.equal(big.json.code, 'too_large');
    const bigp = await http(s, 'POST', '/api/projects', { cookie, body: { name: 'x'.repeat(70 * 1024) } });
    assert.equal(bigp.status, 413);

    // Logout ends the session and clears the cookie.
    const out = await http(s, 'POST', '/api/logout', { cookie });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie'), /^mixroom_session=;.*Max-Age=0/);
    assert.equal((await http(s, 'GET', '/api/me', { cookie })).status, 401);
    assert.equal((await http(s, 'POST', '/api/logout', { cookie })).status, 401);
    // The CLI token still works: logout ends one session only.
    assert.equal((await http(s, 'GET', '/api/me', { token: ana.token })).status, 200);

    // Nothing secret in the log.
    const log = s.log();
    for (const secret of ['ana-password-1', 'not-her-password', ok.json.token, ana.token]) {
      assert.ok(!log.includes(secret), 'a secret reached the log');
    }
    assert.doesNotMatch(log, /argon2/);
  } finally {
    await s.stop();
  }
});

test('sessions expire', async () => {
  const s = await startServer({ args: ['--session-days', '1'] });
  try {
    makeUser(s, 'ana', 'ana-password-1');
    const r = cli(['token', 'create', 'ana', '--expires-in', '1'], { dataDir: s.dataDir });
    assert.equal(r.status, 0);
    const token = r.stdout.trim();
    assert.equal((await http(s, 'GET', '/api/me', { token })).status, 200);
    await sleep(1300);
    const gone = await http(s, 'GET', '/api/me', { token });
    assert.equal(gone.status, 401);
    assert.match(gone.json.message, /expired/);

    // session_days sets the lifetime of a login.
    const ok = await login(s, 'ana', 'ana-password-1');
    const maxAge = Number(/Max-Age=(\d+)/.exec(ok.headers.get('set-cookie'))[1]);
    assert.ok(maxAge > 86000 && maxAge <= 86400, `Max-Age ${maxAge}`);
    const exp = Number(sql(s, `SELECT expires_at - created_at FROM sessions ORDER BY created_at DESC LIMIT 1`));
    assert.ok(Math.abs(exp - 86400000) < 5000);
    // An expired row put straight into the database is refused too.
    sql(s, "UPDATE sessions SET expires_at = 1");
    assert.equal((await http(s, 'GET', '/api/me', { token: ok.json.token })).status, 401);
  } finally {
    await s.stop();
  }
});

test('failed logins are rate limited per account and per address', async () => {
  // A one-minute window, and (below) ten failures per address, as the
  // limits were before they became settings (sessions.test.mjs tests the
  // defaults).
  const s = await startServer({ args: ['--login-window', '60'] });
  try {
    makeUser(s, 'ana', 'ana-password-1');
    for (let i = 0; i < 10; i++) {
      const r = await login(s, 'ana', `wrong-${i}-password`);
      assert.equal(r.status, 401, `attempt ${i}`);
    }
    for (const pw of ['wrong-again-password', 'ana-password-1']) {
      const r = await login(s, 'ana', pw);
      assert.equal(r.status, 429);
      assert.equal(r.json.code, 'rate_limited');
      const after = Number(r.headers.get('retry-after'));
      assert.ok(after >= 1 && after <= 60, `Retry-After ${after}`);
    }
  } finally {
    await s.stop();
  }
  const s2 = await startServer({ args: ['--login-window', '60', '--login-address-failures', '10'] });
  try {
    makeUser(s2, 'bob', 'bob-password-1');
    // Ten failures on ten different names from one address.
    for (let i = 0; i < 10; i++) assert.equal((await login(s2, `ghost${i}`, 'whatever-password')).status, 401);
    const r = await login(s2, 'bob', 'bob-password-1');
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally {
    await s2.stop();
  }
});

test('the WebSocket Origin check', async () => {
  const s = await startServer({ args: ['--allowed-origin', 'https://studio.example'] });
  try {
    const own = await connect(s, { headers: { origin: `http://127.0.0.1:${s.port}` } });
    await own.close();
    const none = await connect(s);
    await none.close();
    const allowed = await connect(s, { headers: { origin: 'https://studio.example' } });
    await allowed.close();
    for (const origin of ['http://evil.example', `http://127.0.0.1:${s.port + 1}`, 'null', 'http://studio.example']) {
      await assert.rejects(connect(s, { headers: { origin } }), (e) => e.status === 403, origin);
    }
  } finally {
    await s.stop();
  }
  const s2 = await startServer();
  try {
    await assert.rejects(connect(s2, { headers: { origin: 'https://studio.example' } }), (e) => e.status === 403);
  } finally {
    await s2.stop();
  }
});

test('projects: create, list, members and the last-owner rule', async () => {
  const s = await startServer();
  try {
    const ana = makeUser(s, 'ana', 'ana-password-1');
    const bob = makeUser(s, 'bob', 'bob-password-1');
    const c = await http(s, 'POST', '/api/projects', { token: ana.token, body: { name: 'Song', sample_rate: 44100 } });
    assert.equal(c.status, 201);
    const pid = c.json.project.id;
    assert.equal(c.json.project.role, 'owner');
    assert.equal(fieldAndRev(sql(s, `SELECT rev, body FROM objects WHERE project_id = '${pid}' AND id = 'project'`), 'sample_rate'), '44100/0');
    assert.equal((await http(s, 'POST', '/api/projects', { token: ana.token, body: { name: 'X', sample_rate: 22050 } })).status, 400);
    assert.equal((await http(s, 'POST', '/api/projects', { token: ana.token, body: { name: '' } })).status, 400);
    const list = await http(s, 'GET', '/api/projects', { token: ana.token });
    assert.deepEqual(list.json.projects.map((p) => [p.id, p.role]), [[pid, 'owner']]);
    assert.equal(typeof list.json.projects[0].updated_at, 'number');
    assert.deepEqual((await http(s, 'GET', '/api/projects', { token: bob.token })).json.projects, []);

    const base = `/api/projects/${pid}/members`;
    let r = await http(s, 'PATCH', `${base}/ana`, { token: ana.token, body: { role: 'editor' } });
    assert.equal(r.status, 409);
    assert.match(r.json.message, /last owner/);
    r = await http(s, 'DELETE', `${base}/ana`, { token: ana.token });
    assert.equal(r.status, 409);
    assert.match(r.json.message, /last owner/);
    r = await http(s, 'POST', `${base}/bob`, { token: ana.token, body: { role: 'viewer' } });
    assert.equal(r.status, 200);
    r = await http(s, 'PATCH', `${base}/bob`, { token: ana.token, body: { role: 'boss' } });
    assert.equal(r.status, 400);
    r = await http(s, 'PATCH', `${base}/nobody`, { token: ana.token, body: { role: 'viewer' } });
    assert.equal(r.status, 404);
    r = await http(s, 'PATCH', `${base}/bob`, { token: ana.token, body: { role: 'owner' } });
    assert.equal(r.status, 200);
    // Two owners: ana may step down, then bob is the last owner.
    r = await http(s, 'PATCH', `${base}/ana`, { token: ana.token, body: { role: 'editor' } });
    assert.equal(r.status, 200);
    r = await http(s, 'DELETE', `${base}/bob`, { token: bob.token });
    assert.equal(r.status, 409);
    const m = await http(s, 'GET', base, { token: ana.token });
    assert.deepEqual(m.json.members.map((x) => [x.user.name, x.role]).sort(), [['ana', 'editor'], ['bob', 'owner']]);
    r = await http(s, 'DELETE', `${base}/ana`, { token: bob.token });
    assert.equal(r.status, 200);
    assert.equal((await http(s, 'GET', base, { token: ana.token })).status, 404);
    // The owner deletes the project.
    assert.equal((await http(s, 'DELETE', `/api/projects/${pid}`, { token: bob.token })).status, 200);
    assert.equal(sql(s, `SELECT COUNT(*) FROM objects WHERE project_id = '${pid}'`), '0');
    assert.equal((await http(s, 'GET', `/api/projects/${pid}`, { token: bob.token })).status, 404);
  } finally {
    await s.stop();
  }
});

test('invites: ok, unknown, expired, used up, revoked', async () => {
  const s = await startServer();
  try {
    const ana = makeUser(s, 'ana', 'ana-password-1');
    const bob = makeUser(s, 'bob', 'bob-password-1');
    const cy = makeUser(s, 'cy', 'cy-password-12');
    const pid = makeProject(s, 'Song', 'ana');
    const inv = (body) => http(s, 'POST', `/api/projects/${pid}/invites`, { token: ana.token, body });

    const a = await inv({ role: 'editor', expires_in: 3600, max_uses: 1 });
    assert.equal(a.status, 201);
    assert.match(a.json.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(a.json.url, `/invite/${a.json.token}`);
    assert.equal(a.json.role, 'editor');
    assert.ok(!storeBytes(s.dataDir).includes(Buffer.from(a.json.token)));
    assert.equal((await inv({ role: 'king' })).status, 400);
    assert.equal((await inv({ role: 'viewer', expires_in: 0 })).status, 400);
    assert.equal((await inv({ role: 'viewer', max_uses: -1 })).status, 400);

    // Not logged in: 401, and the invite is not spent.
    assert.equal((await http(s, 'POST', `/api/invites/${a.json.token}`)).status, 401);
    let r = await http(s, 'POST', `/api/invites/${a.json.token}`, { token: bob.token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { project: pid, role: 'editor' });
    assert.equal((await http(s, 'GET', `/api/projects/${pid}`, { token: bob.token })).json.project.role, 'editor');
    r = await http(s, 'POST', `/api/invites/${a.json.token}`, { token: cy.token });
    assert.equal(r.status, 410);
    assert.match(r.json.message, /used up/);

    r = await http(s, 'POST', `/api/invites/${'Q'.repeat(43)}`, { token: cy.token });
    assert.equal(r.status, 404);
    assert.match(r.json.message, /does not exist/);
    assert.equal((await http(s, 'POST', '/api/invites/short', { token: cy.token })).status, 404);

    const e = await inv({ role: 'viewer', expires_in: 1, max_uses: 5 });
    await sleep(1200);
    r = await http(s, 'POST', `/api/invites/${e.json.token}`, { token: cy.token });
    assert.equal(r.status, 410);
    assert.match(r.json.message, /expired/);

    const v = await inv({ role: 'commenter', max_uses: 5 });
    assert.equal((await http(s, 'DELETE', `/api/projects/${pid}/invites/${v.json.id}`, { token: ana.token })).status, 200);
    assert.equal((await http(s, 'DELETE', `/api/projects/${pid}/invites/i_nope`, { token: ana.token })).status, 404);
    r = await http(s, 'POST', `/api/invites/${v.json.token}`, { token: cy.token });
    assert.equal(r.status, 410);
    assert.match(r.json.message, /revoked/);
    assert.equal((await http(s, 'GET', `/api/projects/${pid}`, { token: cy.token })).status, 404);

    const l = await http(s, 'GET', `/api/projects/${pid}/invites`, { token: ana.token });
    assert.equal(l.status, 200);
    const states = Object.fromEntries(l.json.invites.map((i) => [i.id, i.state]));
    assert.equal(states[a.json.id], 'used_up');
    assert.equal(states[e.json.id], 'expired');
    assert.equal(states[v.json.id], 'revoked');
    assert.ok(l.json.invites.every((i) => !('token' in i)));
  } finally {
    await s.stop();
  }
});

test('the operator CLI: user, project, token', async () => {
  const dataDir = tempDir();
  const run = (args, input) => cli(args, { dataDir, input });
  for (const g of [['user'], ['project'], ['token']]) {
    const h = run([...g, '--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /^usage: mixroom/);
    assert.equal(run([...g, 'frobnicate']).status, 2);
  }
  assert.equal(run(['user', 'add', 'ana', '--help']).status, 0);
  assert.equal(run(['user', 'add']).status, 2);

  let r = run(['user', 'add', 'ana', '--password-stdin', '--display', 'Ana A.'], 'ana-password-1\n');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /password:/);
  r = run(['user', 'add', 'bob']);
  assert.equal(r.status, 0);
  const bobPw = /password: (\S+)/.exec(r.stdout)[1];
  assert.ok(bobPw.length >= 16);
  r = run(['user', 'add', 'cy', '--password-stdin'], 'short\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /at least 8 characters/);
  r = run(['user', 'add', 'ANA', '--password-stdin'], 'another-password\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /taken/);
  r = run(['user', 'add', 'bad name']);
  assert.equal(r.status, 2);
  r = run(['user', 'list']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^ana\s+Ana A\./m);
  assert.match(r.stdout, /^bob\s+bob/m);
  assert.doesNotMatch(r.stdout, /argon2/);

  r = run(['project', 'create', 'Song', '--owner', 'ana', '--sample-rate', '44100']);
  assert.equal(r.status, 0, r.stderr);
  const pid = r.stdout.trim();
  assert.match(pid, /^p_/);
  assert.equal(run(['project', 'create', 'Song']).status, 2);
  assert.equal(run(['project', 'create', 'Song', '--owner', 'ana', '--sample-rate', '8000']).status, 2);
  assert.equal(run(['project', 'create', 'Song', '--owner', 'nobody']).status, 1);
  r = run(['project', 'add-member', pid, 'bob', 'commenter']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(run(['project', 'add-member', pid, 'bob', 'boss']).status, 2);
  r = run(['project', 'add-member', pid, 'ana', 'viewer']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /last owner/);
  r = run(['project', 'list']);
  assert.match(r.stdout, new RegExp(`^${pid}\\s+44100\\s+2\\s+Song`, 'm'));

  // Against a running server: tokens, passwords, memberships take effect.
  const s = await startServer({ dataDir });
  try {
    r = run(['token', 'create', 'bob']);
    assert.equal(r.status, 0);
    const tok = r.stdout.trim();
    const p = await http(s, 'GET', '/api/projects', { token: tok });
    assert.deepEqual(p.json.projects.map((x) => [x.id, x.role]), [[pid, 'commenter']]);
    assert.equal(run(['token', 'create', 'nobody']).status, 1);
    assert.equal(run(['token', 'create', 'bob', '--expires-in', 'soon']).status, 2);
    assert.equal((await login(s, 'bob', bobPw)).status, 200);
    r = run(['user', 'passwd', 'bob', '--password-stdin'], 'bob-new-password\n');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await http(s, 'GET', '/api/me', { token: tok })).status, 401); // sessions ended
    assert.equal((await login(s, 'bob', bobPw)).status, 401);
    assert.equal((await login(s, 'bob', 'bob-new-password')).status, 200);
    r = run(['user', 'passwd', 'bob']);
    assert.equal(r.status, 0);
    const gen = /password: (\S+)/.exec(r.stdout)[1];
    assert.equal((await login(s, 'bob', gen)).status, 200);
    assert.equal(run(['user', 'passwd', 'nobody']).status, 1);
    r = run(['project', 'add-member', 'Song', 'bob', 'editor']); // by name
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await http(s, 'GET', `/api/projects/${pid}`, { token: JSON.parse((await login(s, 'bob', gen)).text).token })).json.project.role, 'editor');
    assert.doesNotMatch(s.log(), new RegExp(`${bobPw}|${gen}|bob-new-password|${tok}`));
  } finally {
    await s.stop();
  }
  // MIXROOM_DATA is the default data directory.
  r = cli(['user', 'list'], { env: { MIXROOM_DATA: dataDir } });
  assert.match(r.stdout, /^ana/m);
});

test('the demo user and project on first start', async () => {
  const s = await startServer({ demo: true });
  try {
    const pwFile = path.join(s.dataDir, 'demo-password.txt');
    const pw = fs.readFileSync(pwFile, 'utf8').trim();
    assert.equal(fs.statSync(pwFile).mode & 0o777, 0o600);
    const ok = await login(s, 'demo', pw);
    assert.equal(ok.status, 200);
    const p = await http(s, 'GET', '/api/projects', { token: ok.json.token });
    assert.deepEqual(p.json.projects.map((x) => [x.name, x.role]), [['Demo song', 'owner']]);
    const s2 = await s.restart({ demo: true });
    try {
      const ok2 = await login(s2, 'demo', pw);
      assert.equal(ok2.status, 200);
      assert.equal((await http(s2, 'GET', '/api/projects', { token: ok2.json.token })).json.projects.length, 1);
    } finally {
      await s2.stop();
    }
  } finally {
    await s.stop();
  }
});

// ---- the permission table walk ----

// Identities from no login up to owner; a role's rank is its index - 1.
const IDENTITIES = ['none', 'outsider', 'viewer', 'commenter', 'editor', 'owner'];
const RANK = { viewer: 1, commenter: 2, editor: 3, owner: 4 };

// [method, pattern, scope, least role] -- the table of docs/auth.md.
const HTTP_TABLE = [
  ['POST', '/api/login', 'public'],
  ['POST', '/api/logout', 'login'],
  ['GET', '/api/me', 'login'],
  ['GET', '/api/projects', 'login'],
  ['POST', '/api/projects', 'login'],
  ['GET', '/api/projects/{id}', 'project', 'viewer'],
  ['DELETE', '/api/projects/{id}', 'project', 'owner'],
  ['GET', '/api/projects/{id}/members', 'project', 'viewer'],
  ['PATCH', '/api/projects/{id}/members/{user}', 'project', 'owner'],
  ['POST', '/api/projects/{id}/members/{user}', 'project', 'owner'],
  ['DELETE', '/api/projects/{id}/members/{user}', 'project', 'owner'],
  ['POST', '/api/projects/{id}/invites', 'project', 'owner'],
  ['GET', '/api/projects/{id}/invites', 'project', 'owner'],
  ['DELETE', '/api/projects/{id}/invites/{invite}', 'project', 'owner'],
  ['POST', '/api/invites/{token}', 'login'],
  ['POST', '/api/projects/{id}/links', 'project', 'owner'],
  ['GET', '/api/projects/{id}/links', 'project', 'owner'],
  ['DELETE', '/api/projects/{id}/links/{link}', 'project', 'owner'],
  ['GET', '/api/links/{token}', 'public'],
  ['POST', '/api/links/{token}/session', 'public'],
  ['GET', '/api/guest', 'login'],
  ['POST', '/api/projects/{id}/assets', 'project', 'editor'],
  ['GET', '/api/projects/{id}/assets', 'project', 'viewer'],
  ['GET', '/api/projects/{id}/assets/{asset}/peaks', 'project', 'viewer'],
  ['GET', '/api/projects/{id}/export', 'project', 'editor'],
  ['GET', '/api/projects/{id}/loudness', 'project', 'viewer'],
  ['GET', '/healthz', 'public'],
  ['GET', '/metrics', 'public'],
];
// Endpoints of this module: an allowed request must succeed (2xx).
const OURS = /^\/api\/(login|logout|me|projects(\/\{id\}(\/(members|invites)(\/\{(user|invite)\})?)?)?|invites\/\{token\})$/;

const WS_TABLE = {
  hello: null, ping: null,
  push: 'editor', undo: 'editor', redo: 'editor', restore: 'editor',
  presence: 'viewer', history: 'viewer', diff: 'viewer',
  'version.create': 'editor', 'version.list': 'viewer', 'version.set_status': 'editor',
  'version.rename': 'editor', 'version.delete': 'editor',
  'comment.add': 'commenter', 'comment.edit': 'commenter', 'comment.resolve': 'commenter',
  'comment.reopen': 'commenter', 'comment.delete': 'commenter', 'comment.list': 'viewer',
  play: 'viewer', pause: 'viewer', seek: 'viewer', follow: 'viewer',
};

/** Whether identity may use an entry, and if not the expected status. */
function expected(scope, role, who) {
  if (scope === 'public') return { ok: true };
  if (who === 'none') return { ok: false, status: 401 };
  if (scope === 'login') return { ok: true };
  if (who === 'outsider') return { ok: false, status: 404 };
  return RANK[who] >= RANK[role] ? { ok: true } : { ok: false, status: 403 };
}

test('the permission table walk: every HTTP endpoint, every role, no login', async () => {
  const s = await startServer();
  try {
    const users = {};
    for (const who of IDENTITIES.slice(1)) users[who] = makeUser(s, `w_${who}`, `pw-${who}-123456`);
    makeUser(s, 'w_extra', 'pw-extra-123456');
    const tokenOf = (who, fresh) => {
      if (who === 'none') return undefined;
      if (!fresh) return users[who].token;
      return cli(['token', 'create', `w_${who}`], { dataDir: s.dataDir }).stdout.trim();
    };
    for (const [method, pattern, scope, role] of HTTP_TABLE) {
      // A fresh project per endpoint: owner, the three roles, and w_extra.
      const pid = makeProject(s, `Walk ${method} ${pattern}`, 'w_owner');
      for (const who of ['viewer', 'commenter', 'editor']) addMember(s, pid, `w_${who}`, who);
      addMember(s, pid, 'w_extra', 'viewer');
      for (const who of IDENTITIES) {
        // Per-request fixtures (made before the "before" dump).
        let invite;
        if (pattern.includes('{invite}') || pattern.includes('{token}')) {
          invite = (await http(s, 'POST', `/api/projects/${pid}/invites`, {
            token: users.owner.token, body: { role: 'viewer', max_uses: 100 } })).json;
        }
        const url = pattern.replace('{id}', pid).replace('{user}', 'w_extra')
          .replace('{invite}', invite?.id).replace('{token}', invite?.token)
          .replace('{asset}', 'a_none') + (pattern.endsWith('/export') ? '?format=wav' : '')
          + (pattern.endsWith('/assets') && method === 'POST' ? '?name=x.wav' : '');
        let body;
        if (pattern === '/api/login') body = { name: 'w_viewer', password: 'pw-viewer-123456' };
        else if (pattern === '/api/projects' && method === 'POST') body = { name: 'Made in the walk' };
        else if (pattern.endsWith('{user}') && method !== 'DELETE') body = { role: 'viewer' };
        else if (pattern.endsWith('/invites') && method === 'POST') body = { role: 'viewer' };
        const opts = { token: tokenOf(who, pattern === '/api/logout') };
        if (method === 'POST' && pattern.endsWith('/assets')) opts.raw = Buffer.alloc(64);
        else if (body) opts.body = body;

        const exp = expected(scope, role, who);
        const before = exp.ok ? null : dump(s);
        const r = await http(s, method, url, opts);
        const what = `${method} ${pattern} as ${who} -> ${r.status} ${r.text.slice(0, 200)}`;
        // Every endpoint of the table has a route: a 404 "nothing at" is a bug.
        assert.doesNotMatch(r.json?.message || '', /^nothing at/, `${what}: no route`);
        if (exp.ok) {
          assert.ok(![401, 403].includes(r.status), what);
          if (scope === 'project') assert.doesNotMatch(r.json?.message || '', /not a member/, what);
          if (OURS.test(pattern)) assert.ok(r.status >= 200 && r.status < 300, what);
        } else {
          assert.equal(r.status, exp.status, what);
          assert.equal(r.json.code, { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[exp.status], what);
          assert.equal(dump(s), before, `${what}: the database changed`);
        }
      }
    }
  } finally {
    await s.stop();
  }
});

/** Sends obj with an id; resolves to the reply with that id (or a
 * reject), or null when none comes within a second and a half. */
async function answer(c, obj) {
  const id = c.nextId++;
  c.send({ ...obj, id });
  try {
    return await c.next((m) => m.id === id || m.type === 'reject', 1500);
  } catch {
    return null;
  }
}

/** Does hello give a welcome for this user and project? */
async function helloWorks(s, user, pid) {
  const c = await connect(s);
  try {
    const r = await c.request({ type: 'hello', token: user.token, project: pid, client: 'c-probe', since: null });
    return r.type === 'welcome';
  } finally {
    await c.close();
  }
}

test('the permission table walk: every WebSocket message type, every role, no login', async (t) => {
  const s = await startServer();
  try {
    const users = {};
    for (const who of IDENTITIES.slice(1)) users[who] = makeUser(s, `w_${who}`, `pw-${who}-123456`);
    const pid = makeProject(s, 'WS walk', 'w_owner');
    for (const who of ['viewer', 'commenter', 'editor']) addMember(s, pid, `w_${who}`, who);
    assert.ok(await helloWorks(s, users.owner, pid), 'the owner gets a welcome');
    // No login: hello with a bad token, and anything before welcome.
    const anon = await connect(s);
    let r = await anon.request({ type: 'hello', token: 'A'.repeat(43), project: pid, client: 'c-anon', since: null });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'unauthorized');
    for (const type of Object.keys(WS_TABLE).filter((x) => x !== 'hello')) {
      const before = dump(s);
      r = await anon.request({ type });
      // ws.c answers ping before welcome too (a pong reveals nothing).
      if (type === 'ping' && r.type === 'pong') continue;
      assert.equal(r.code, 'unauthorized', `${type} before welcome: ${JSON.stringify(r)}`);
      assert.equal(dump(s), before);
    }
    await anon.close();
    // A logged-in user who is not a member cannot enter the project.
    const out = await connect(s);
    r = await out.request({ type: 'hello', token: users.outsider.token, project: pid, client: 'c-out', since: null });
    assert.equal(r.type, 'error', JSON.stringify(r));
    assert.ok(['not_found', 'forbidden'].includes(r.code), JSON.stringify(r));
    await out.close();

    for (const who of ['viewer', 'commenter', 'editor', 'owner']) {
      const c = await connect(s);
      const w = await c.request({ type: 'hello', token: users[who].token, project: pid, client: `c-${who}`, since: null });
      assert.equal(w.type, 'welcome');
      assert.equal(w.role, who);
      for (const [type, need] of Object.entries(WS_TABLE)) {
        if (type === 'hello') continue;
        const allowed = need === null || RANK[who] >= RANK[need];
        const before = allowed ? null : dump(s);
        r = await answer(c, { type });
        const what = `${type} as ${who}: ${JSON.stringify(r).slice(0, 200)}`;
        // Every type of the table has a handler.
        assert.ok(!(r?.type === 'error' && r.code === 'unsupported'), `${what}: no handler`);
        if (allowed) {
          if (r === null) continue; // no reply (e.g. a push answered only by delta/reject)
          assert.ok(!(r.type === 'error' && ['forbidden', 'unauthorized'].includes(r.code)), what);
        } else {
          assert.equal(r.type, 'error', what);
          assert.equal(r.code, 'forbidden', what);
          assert.equal(dump(s), before, `${what}: the database changed`);
        }
      }
      await c.close();
    }
  } finally {
    await s.stop();
  }
});

test('a change of role reaches open connections; a removed member is cut off', async (t) => {
  const s = await startServer();
  try {
    const own = makeUser(s, 'ana', 'ana-password-1');
    const bob = makeUser(s, 'bob', 'bob-password-1');
    const pid = makeProject(s, 'Live', 'ana');
    addMember(s, pid, 'bob', 'editor');
    assert.ok(await helloWorks(s, own, pid), 'the owner gets a welcome');
    const c = await connect(s);
    const w = await c.request({ type: 'hello', token: bob.token, project: pid, client: 'c-bob', since: null });
    assert.equal(w.role, 'editor');
    let r = await http(s, 'PATCH', `/api/projects/${pid}/members/bob`, { token: own.token, body: { role: 'viewer' } });
    assert.equal(r.status, 200);
    // The notice "ana made you viewer" is written after the answer (the
    // activity job runs on the store writer); wait for it so that `before`
    // holds it and the comparison below sees only what the push might do.
    for (let i = 0; i < 200 && !dump(s).includes('made you viewer'); i++) await sleep(10);
    const before = dump(s);
    assert.ok(before.includes('made you viewer'), 'the role change is in the activity feed');
    r = await answer(c, { type: 'push', seq: 1, base: 0, ops: [{ op: 'create', id: 't_1', kind: 'track', fields: { name: 'X', order: 'a0' } }] });
    assert.equal(r?.code, 'forbidden', JSON.stringify(r));
    assert.equal(dump(s), before);
    r = await http(s, 'DELETE', `/api/projects/${pid}/members/bob`, { token: own.token });
    assert.equal(r.status, 200);
    const closed = await Promise.race([c.closed, sleep(3000).then(() => null)]);
    assert.ok(closed, 'the connection of a removed member stays open');
    assert.equal(closed.code, 4403);
  } finally {
    await s.stop();
  }
});

test('TLS: HTTPS and WSS with --tls-cert/--tls-key, Secure cookie', async (t) => {
  const dir = tempDir();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const g = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1'], { encoding: 'utf8' });
  if (g.status !== 0) {
    t.skip('openssl is not available');
    return;
  }
  const { spawn } = await import('node:child_process');
  const https = await import('node:https');
  const { default: WebSocket } = await import('ws');
  const { freePort, BIN, SRCDIR, storeEnv } = await import('./harness.mjs');
  const dataDir = path.join(dir, 'data');
  cli(['user', 'add', 'ana', '--password-stdin'], { dataDir, input: 'ana-password-1\n' });
  const port = await freePort();
  const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--no-demo',
    '--web', path.join(SRCDIR, 'web'), '--tls-cert', cert, '--tls-key', key],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...storeEnv(dataDir) } });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const request = (method, p, body) => new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : null;
    // With an explicit Content-Length (a chunked request body is not read).
    const req = https.request({ host: '127.0.0.1', port, path: p, method, rejectUnauthorized: false,
      headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
  try {
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        if ((await request('GET', '/healthz')).status === 200) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no HTTPS server:\n${log}`);
      await sleep(100);
    }
    const r = await request('POST', '/api/login', { name: 'ana', password: 'ana-password-1' });
    assert.equal(r.status, 200, r.text);
    const sc = r.headers['set-cookie'][0];
    assert.match(sc, /HttpOnly/);
    assert.match(sc, /SameSite=Strict/);
    assert.match(sc, /Secure/);
    await new Promise((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, ['mixroom.v1'],
        { rejectUnauthorized: false, headers: { origin: `https://127.0.0.1:${port}` } });
      ws.once('open', () => { ws.close(); resolve(); });
      ws.once('error', reject);
    });
  } finally {
    proc.kill('SIGTERM');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.on('exit', resolve)));
  }
});
