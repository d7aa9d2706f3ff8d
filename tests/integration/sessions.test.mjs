// sessions.test.mjs -- the hardening of sessions end to end: an open
// WebSocket closes (4401) when its session ends (logout, `mixroom user
// passwd` and `mixroom token revoke` from another process, a session row
// deleted or expired in the database, expiry seen on the next message)
// while other sessions stay; the login limits per account and per client
// address (behind a trusted proxy, X-Forwarded-For); and the cross-site
// refusal of cookie requests that change state (Origin, Sec-Fetch-Site),
// the login and an upload included, leaving the database and data/tmp as
// they were.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  addMember, cli, http, join, makeProject, makeUser, sleep, startServer,
} from './harness.mjs';
import { cookieOf, dump, login, sql } from './auth_lib.mjs';

/** Resolves with {code, reason} when c closes; rejects after ms. */
function closedWithin(c, ms, what) {
  let timer;
  return Promise.race([
    c.closed.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms); }),
  ]);
}

/** The socket is open and answered: a ping gets its pong. */
async function alive(c, what) {
  const r = await c.request({ type: 'ping' });
  assert.equal(r.type, 'pong', what);
}

test('an open WebSocket closes with 4401 when its session ends; other sessions stay', async () => {
  const s = await startServer();
  try {
    const ana = makeUser(s, 'ana', 'ana-password-1');
    const bob = makeUser(s, 'bob', 'bob-password-1');
    const pid = makeProject(s, 'Song', 'ana');
    addMember(s, pid, 'bob', 'editor');

    // Two sessions of ana (the CLI token and a login), one of bob.
    const li = await login(s, 'ana', 'ana-password-1');
    assert.equal(li.status, 200);
    const viaLogin = { token: li.json.token };
    const a1 = (await join(s, ana, pid)).client;
    const a2 = (await join(s, viaLogin, pid)).client;
    const b1 = (await join(s, bob, pid)).client;

    // Logout ends that session's socket at once; ana's other session stays.
    const out = await http(s, 'POST', '/api/logout', { cookie: cookieOf(li) });
    assert.equal(out.status, 200);
    const c2 = await closedWithin(a2, 3000, 'the logged-out socket');
    assert.equal(c2.code, 4401);
    assert.match(c2.reason, /logged out/);
    await alive(a1, 'the other session of the same user');
    await alive(b1, 'another user');

    // `mixroom user passwd` in another process deletes ana's sessions: the
    // tick finds it and closes her sockets; bob's stays.
    const pw = cli(['user', 'passwd', 'ana', '--password-stdin'], { dataDir: s.dataDir, input: 'ana-password-2\n' });
    assert.equal(pw.status, 0, pw.stderr);
    const c1 = await closedWithin(a1, 5000, 'the socket of a changed password');
    assert.equal(c1.code, 4401);
    assert.match(c1.reason, /session ended/);
    await alive(b1, 'another user after the password change');

    // `mixroom token revoke` (another process) ends one session of bob.
    const bob2 = { token: cli(['token', 'create', 'bob'], { dataDir: s.dataDir }).stdout.trim() };
    const b2 = (await join(s, bob2, pid)).client;
    const rv = cli(['token', 'revoke', '-'], { dataDir: s.dataDir, input: `${bob2.token}\n` });
    assert.equal(rv.status, 0, rv.stderr);
    const cb2 = await closedWithin(b2, 5000, 'the socket of a revoked session');
    assert.equal(cb2.code, 4401);
    assert.match(cb2.reason, /revoked/);
    await alive(b1, 'the other session of bob');
    // Revoking it again, or a malformed token, fails and changes nothing.
    const before = dump(s);
    const again = cli(['token', 'revoke', '-'], { dataDir: s.dataDir, input: `${bob2.token}\n` });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no session has this token/);
    const bad = cli(['token', 'revoke', 'short'], { dataDir: s.dataDir });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /a token is 43 characters/);
    assert.equal(dump(s), before);

    // A session row deleted from the database by any other process.
    const bob3 = { token: cli(['token', 'create', 'bob'], { dataDir: s.dataDir }).stdout.trim() };
    const b3 = (await join(s, bob3, pid)).client;
    const n = Number(sql(s, 'SELECT count(*) FROM sessions'));
    sql(s, `DELETE FROM sessions WHERE created_at = (SELECT max(created_at) FROM sessions)`);
    assert.equal(Number(sql(s, 'SELECT count(*) FROM sessions')), n - 1);
    const cb3 = await closedWithin(b3, 5000, 'the socket of a deleted session');
    assert.equal(cb3.code, 4401);
    await alive(b1, 'the first session of bob');

    // A session whose expiry the database moves into the past.
    sql(s, `UPDATE sessions SET expires_at = 1 WHERE user_id = (SELECT id FROM users WHERE name = 'bob')`);
    const cb1 = await closedWithin(b1, 5000, 'the socket of an expired session');
    assert.equal(cb1.code, 4401);
    assert.match(cb1.reason, /expired/);
  } finally {
    await s.stop();
  }
});

test('an expired session closes on its next message with 4401', async () => {
  const s = await startServer();
  try {
    makeUser(s, 'ana', 'ana-password-1');
    const pid = makeProject(s, 'Song', 'ana');
    const r = cli(['token', 'create', 'ana', '--expires-in', '4'], { dataDir: s.dataDir });
    assert.equal(r.status, 0, r.stderr);
    const { client } = await join(s, { token: r.stdout.trim() }, pid);
    await alive(client, 'before the expiry');
    const exp = Number(sql(s, 'SELECT min(expires_at) FROM sessions'));
    assert.ok(exp > Date.now(), 'the short session is still live');
    while (Date.now() <= exp) await sleep(100);
    client.send({ type: 'ping', id: 99 });
    const c = await closedWithin(client, 3000, 'the socket of an expired session');
    assert.equal(c.code, 4401);
    assert.match(c.reason, /expired/);
    assert.equal(client.inbox.find((m) => m.id === 99), undefined, 'no pong after the expiry');
  } finally {
    await s.stop();
  }
});

/** n failed logins, in parallel batches (each verifies a hash). */
async function failMany(s, names, headers) {
  const statuses = [];
  for (let i = 0; i < names.length; i += 8) {
    const batch = names.slice(i, i + 8).map((n) => login(s, n, 'not-the-password', { headers }));
    for (const r of await Promise.all(batch)) statuses.push(r.status);
  }
  return statuses;
}

test('login limits: per account and per address, separately', async () => {
  const s = await startServer();
  try {
    makeUser(s, 'ana', 'ana-password-1');
    makeUser(s, 'bob', 'bob-password-1');
    // Eleven failures for ana: ten are counted, the eleventh is refused.
    const st = [];
    for (let i = 0; i < 11; i++) st.push((await login(s, 'ana', `wrong-${i}-password`)).status);
    assert.deepEqual(st, [...Array(10).fill(401), 429]);
    // Bob, from the same address, still logs in.
    assert.equal((await login(s, 'bob', 'bob-password-1')).status, 200);
    // Ana's right password is refused while her limit holds.
    const a = await login(s, 'ANA', 'ana-password-1');
    assert.equal(a.status, 429);
    assert.equal(a.json.code, 'rate_limited');
    assert.match(a.json.message, /for this account \(the limit is 10 per 900 s\)/);
    const after = Number(a.headers.get('retry-after'));
    assert.ok(after >= 1 && after <= 900, `Retry-After ${after}`);
    assert.equal(a.headers.get('set-cookie'), null);
  } finally {
    await s.stop();
  }
  const s2 = await startServer();
  try {
    makeUser(s2, 'bob', 'bob-password-1');
    // 100 failures on 100 names from one address, then the address is limited.
    const st = await failMany(s2, Array.from({ length: 100 }, (_, i) => `ghost${i}`));
    assert.deepEqual(st, Array(100).fill(401));
    const r = await login(s2, 'ghost100', 'not-the-password');
    assert.equal(r.status, 429);
    assert.match(r.json.message, /from this address \(the limit is 100 per 900 s\)/);
    const b = await login(s2, 'bob', 'bob-password-1');
    assert.equal(b.status, 429);
    assert.ok(Number(b.headers.get('retry-after')) >= 1);
  } finally {
    await s2.stop();
  }
});

test('login limits behind a trusted proxy use X-Forwarded-For; otherwise it is ignored', async () => {
  const xff = (v) => ({ 'x-forwarded-for': v });
  const s = await startServer({ args: ['--trusted-proxy', '127.0.0.1', '--login-address-failures', '3'] });
  try {
    makeUser(s, 'bob', 'bob-password-1');
    assert.deepEqual(await failMany(s, ['g1', 'g2', 'g3'], xff('203.0.113.1')), [401, 401, 401]);
    assert.equal((await login(s, 'bob', 'bob-password-1', { headers: xff('203.0.113.1') })).status, 429);
    // A client cannot escape by prepending an address: the right-most
    // untrusted entry counts (the proxy appended it).
    assert.equal((await login(s, 'bob', 'bob-password-1', { headers: xff('198.51.100.7, 203.0.113.1') })).status, 429);
    // Another client behind the same proxy, and the proxy's own address.
    assert.equal((await login(s, 'bob', 'bob-password-1', { headers: xff('203.0.113.2') })).status, 200);
    assert.equal((await login(s, 'bob', 'bob-password-1', { headers: xff('203.0.113.2, 127.0.0.1') })).status, 200);
    assert.equal((await login(s, 'bob', 'bob-password-1')).status, 200);
  } finally {
    await s.stop();
  }
  const s2 = await startServer({ args: ['--login-address-failures', '3'] });
  try {
    makeUser(s2, 'bob', 'bob-password-1');
    assert.deepEqual(await failMany(s2, ['g1', 'g2', 'g3'], xff('203.0.113.1')), [401, 401, 401]);
    // Not a trusted proxy: the header is ignored, the peer is limited.
    assert.equal((await login(s2, 'bob', 'bob-password-1', { headers: xff('203.0.113.2') })).status, 429);
  } finally {
    await s2.stop();
  }
});

test('cookie requests that change state are refused from another site', async () => {
  const s = await startServer({ args: ['--allowed-origin', 'https://studio.example'] });
  try {
    const ana = makeUser(s, 'ana', 'ana-password-1');
    const li = await login(s, 'ana', 'ana-password-1');
    const cookie = cookieOf(li);
    const pid = makeProject(s, 'Song', 'ana');
    const evil = { origin: 'http://evil.example' };
    const own = { origin: `http://127.0.0.1:${s.port}` };
    const tmp = path.join(s.dataDir, 'tmp');
    const tmpFiles = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp) : []);

    const before = dump(s);
    const refused = [
      ['POST', '/api/projects', { body: { name: 'Evil' }, headers: evil }],
      ['POST', '/api/projects', { body: { name: 'Evil' }, headers: { 'sec-fetch-site': 'cross-site' } }],
      ['POST', `/api/projects/${pid}/invites`, { body: { role: 'owner' }, headers: evil }],
      ['PATCH', `/api/projects/${pid}/members/ana`, { body: { role: 'viewer' }, headers: evil }],
      ['DELETE', `/api/projects/${pid}`, { headers: evil }],
      ['POST', '/api/logout', { headers: evil }],
      ['POST', `/api/projects/${pid}/assets?name=x.wav`, { raw: Buffer.alloc(65536, 1), headers: evil }],
    ];
    for (const [method, url, opts] of refused) {
      const r = await http(s, method, url, { cookie, ...opts });
      const what = `${method} ${url} ${JSON.stringify(opts.headers)}`;
      assert.equal(r.status, 403, what);
      assert.equal(r.json.code, 'forbidden', what);
      assert.match(r.json.message, opts.headers.origin ? /origin http:\/\/evil\.example/ : /Sec-Fetch-Site/, what);
    }
    assert.equal(dump(s), before, 'nothing changed');
    assert.deepEqual(tmpFiles(), [], 'no upload byte stored');
    assert.equal((await http(s, 'GET', '/api/me', { cookie })).status, 200, 'still logged in');

    // A login from another site is refused too (it would set the cookie).
    const lx = await login(s, 'ana', 'ana-password-1', { headers: evil });
    assert.equal(lx.status, 403);
    assert.equal(lx.headers.get('set-cookie'), null);
    assert.equal(dump(s), before, 'no session made');

    // Allowed: this server's origin, an --allowed-origin, same-site fetch
    // metadata without Origin, reads from anywhere, and Bearer requests.
    assert.equal((await http(s, 'POST', '/api/projects', { cookie, body: { name: 'Own' }, headers: own })).status, 201);
    assert.equal((await http(s, 'POST', '/api/projects', { cookie, body: { name: 'Studio' }, headers: { origin: 'https://studio.example' } })).status, 201);
    assert.equal((await http(s, 'POST', '/api/projects', { cookie, body: { name: 'Same' }, headers: { 'sec-fetch-site': 'same-origin' } })).status, 201);
    assert.equal((await http(s, 'GET', '/api/projects', { cookie, headers: evil })).status, 200);
    assert.equal((await http(s, 'POST', '/api/projects', { token: ana.token, body: { name: 'Script' }, headers: evil })).status, 201);
    assert.equal((await login(s, 'ana', 'ana-password-1', { headers: own })).status, 200);
  } finally {
    await s.stop();
  }
});
