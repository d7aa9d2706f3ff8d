// webhooks.test.mjs -- a project's webhooks on the real server, delivered
// to a receiver on loopback in this test (with webhook_allow_private on):
// the signature is HMAC-SHA256 of the exact body with the secret; a 500 is
// retried after the back-off (which doubles), and the deliveries are
// recorded with their status, attempts and last error; only the events a
// webhook asked for are sent; owners only; bad bodies and refused schemes
// name the problem and change nothing; without the setting, loopback and
// private targets are refused at creation and again at delivery; a
// webhook keeps its newest 100 delivery records.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import nodeHttp from 'node:http';
import { test } from 'node:test';

import { addMember, http, join, makeProject, makeUser, sleep, startServer } from './harness.mjs';
import { sql } from './auth_lib.mjs';

const SECRET = 'a-secret-of-some-length';

/** A loopback HTTP receiver answering with the statuses of `plan` in turn (then 200). */
async function receiver(plan = []) {
  const got = [];
  const waiters = [];
  const srv = nodeHttp.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const status = plan.length ? plan.shift() : 200;
      got.push({ at: Date.now(), method: req.method, url: req.url, headers: req.headers, raw: Buffer.concat(chunks), status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'nope');
      for (const w of [...waiters]) w();
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    got, plan,
    url: `http://127.0.0.1:${srv.address().port}/hook`,
    /** Waits until n requests arrived. */
    async count(n, timeout = 15000) {
      const end = Date.now() + timeout;
      while (got.length < n) {
        if (Date.now() > end) throw new Error(`only ${got.length} of ${n} deliveries arrived`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
      }
    },
    close: () => new Promise((r) => srv.close(r)),
  };
}

const sign = (raw, secret = SECRET) => `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
const hooks = (s, user, pid) => http(s, 'GET', `/api/projects/${pid}/webhooks`, { token: user.token });

/** Waits until the delivery of the list matching pred is no longer pending. */
async function settled(s, user, pid, pred, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const r = await hooks(s, user, pid);
    const d = r.json.webhooks.flatMap((w) => w.deliveries).find(pred);
    if (d && d.status !== 'pending') return d;
    if (Date.now() > end) throw new Error(`delivery still pending: ${JSON.stringify(r.json)}`);
    await sleep(100);
  }
}

test('signed deliveries, retried after a 500 with back-off, recorded; only wanted events; owners only', async () => {
  const rx = await receiver([500, 500]);
  const s = await startServer({ args: ['--webhook-allow-private', '--webhook-backoff', '300', '--webhook-retries', '3'] });
  try {
    const ana = makeUser(s, 'ana');
    const ben = makeUser(s, 'ben');
    const pid = makeProject(s, 'Hooks', 'ana');
    addMember(s, pid, 'ben', 'editor');
    const a = (await join(s, ana, pid)).client;
    const table = () => sql(s, 'SELECT * FROM webhooks ORDER BY id');

    // refused bodies name the problem and change nothing
    const create = (body, user = ana) => http(s, 'POST', `/api/projects/${pid}/webhooks`, { token: user.token, body });
    const before = table();
    let r = await create({ events: ['comment'] });
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'bad_request');
    assert.match(r.json.message, /url/);
    for (const [body, re] of [
      [{ url: 'ftp://127.0.0.1/x', events: ['comment'] }, /http or https/],
      [{ url: 'file:///etc/passwd', events: ['comment'] }, /http or https/],
      [{ url: 'gopher://127.0.0.1:70/', events: ['comment'] }, /http or https/],
      [{ url: 'javascript:alert(1)', events: ['comment'] }, /url/],
      [{ url: 'not a url', events: ['comment'] }, /url/],
      [{ url: 42, events: ['comment'] }, /url must be a string/],
      [{ url: 'http://u:p@127.0.0.1/', events: ['comment'] }, /user name or password/],
      [{ url: `http://127.0.0.1/${'x'.repeat(2001)}`, events: ['comment'] }, /2000/],
      [{ url: rx.url, events: [] }, /events/],
      [{ url: rx.url }, /events/],
      [{ url: rx.url, events: ['comment', 'nope'] }, /events\[1\]/],
      [{ url: rx.url, events: ['comment', 'comment'] }, /events\[1\]/],
      [{ url: rx.url, events: ['comment'], secret: 'short' }, /secret/],
      [{ url: rx.url, events: ['comment'], secret: 7 }, /secret/],
    ]) {
      r = await create(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.code, 'invalid_value', JSON.stringify(body));
      assert.match(r.json.message, re, JSON.stringify(body));
    }
    assert.equal((await create('{"url":')).status, 400);
    // an editor may not manage webhooks
    assert.equal((await create({ url: rx.url, events: ['comment'] }, ben)).status, 403);
    assert.equal((await hooks(s, ben, pid)).status, 403);
    assert.equal(table(), before);

    // the owner adds one for comments and versions
    r = await create({ url: rx.url, events: ['comment', 'version'], secret: SECRET });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const hook = r.json.webhook;
    assert.match(hook.id, /^wh_/);
    assert.equal(hook.secret, SECRET);
    assert.deepEqual(hook.events, ['comment', 'version']);
    // one without a secret gets a made one, shown once
    r = await create({ url: rx.url, events: ['take'] });
    assert.equal(r.status, 201);
    assert.match(r.json.webhook.secret, /^[0-9a-f]{48}$/);
    const other = r.json.webhook.id;
    r = await hooks(s, ana, pid);
    assert.equal(r.json.webhooks.length, 2);
    assert.ok(!JSON.stringify(r.json).includes(SECRET), 'the secret is never listed');

    // a member change is not wanted: no delivery for it
    assert.equal((await http(s, 'PATCH', `/api/projects/${pid}/members/${(await join(s, ben, pid)).welcome.user.id}`,
      { token: ana.token, body: { role: 'commenter' } })).status, 200);

    // a comment: 500, 500, then 200 -- three attempts, the waits doubling
    const c = await a.request({ type: 'comment.add', at: 96000, body: 'hello hooks' });
    assert.equal(c.type, 'comment');
    await rx.count(3);
    const [d1, d2, d3] = rx.got;
    for (const d of rx.got) {
      assert.equal(d.method, 'POST');
      assert.equal(d.url, '/hook');
      assert.equal(d.headers['content-type'], 'application/json');
      assert.equal(d.headers['x-mixroom-event'], 'comment');
      assert.equal(d.headers['x-mixroom-signature'], sign(d.raw));
      assert.notEqual(d.headers['x-mixroom-signature'], sign(d.raw, 'another-secret-entirely'));
    }
    assert.deepEqual(d1.raw, d2.raw);
    const body = JSON.parse(d1.raw);
    assert.equal(body.event, 'comment');
    assert.equal(body.kind, 'comment');
    assert.deepEqual(body.project, { id: pid, name: 'Hooks' });
    assert.equal(body.actor.name, 'ana');
    assert.equal(body.target, c.comment.id);
    assert.equal(body.at_frame, 96000);
    assert.equal(body.text, 'hello hooks');
    assert.match(body.delivery, /^wd_/);
    assert.ok(d2.at - d1.at >= 300, `first retry after ${d2.at - d1.at} ms`);
    assert.ok(d3.at - d2.at >= 600, `second retry after ${d3.at - d2.at} ms`);
    const rec = await settled(s, ana, pid, (d) => d.id === body.delivery);
    assert.equal(rec.status, 'delivered');
    assert.equal(rec.attempts, 3);
    assert.equal(rec.http_status, 200);
    assert.equal(rec.event, 'comment');

    // a version whose target always fails: 1 + 3 attempts, then failed with the last error
    rx.plan.push(500, 500, 500, 500);
    const v = await a.request({ type: 'version.create', name: 'Mix A' });
    assert.equal(v.type, 'version');
    await rx.count(7);
    assert.equal(JSON.parse(rx.got[3].raw).event, 'version');
    const fail = await settled(s, ana, pid, (d) => d.event === 'version');
    assert.equal(fail.status, 'failed');
    assert.equal(fail.attempts, 4);
    assert.equal(fail.http_status, 500);
    assert.match(fail.last_error, /HTTP 500/);
    // no member delivery was ever made, and the take hook got nothing
    assert.ok(rx.got.every((d) => d.headers['x-mixroom-event'] !== 'member'));
    r = await hooks(s, ana, pid);
    assert.deepEqual(r.json.webhooks.find((w) => w.id === other).deliveries, []);

    // delete: unknown 404, then the hook is gone and gets nothing more
    assert.equal((await http(s, 'DELETE', `/api/projects/${pid}/webhooks/wh_nope`, { token: ana.token })).status, 404);
    assert.equal((await http(s, 'DELETE', `/api/projects/${pid}/webhooks/${hook.id}`, { token: ben.token })).status, 403);
    assert.equal((await http(s, 'DELETE', `/api/projects/${pid}/webhooks/${hook.id}`, { token: ana.token })).status, 200);
    assert.deepEqual((await hooks(s, ana, pid)).json.webhooks.map((w) => w.id), [other]);
    const n = rx.got.length;
    await a.request({ type: 'comment.add', at: 0, body: 'after delete' });
    await sleep(500);
    assert.equal(rx.got.length, n);
  } finally {
    await s.stop();
    await rx.close();
  }
});

test('private and loopback targets are refused without the setting, at creation and at delivery', async () => {
  const rx = await receiver();
  let s = await startServer({ args: ['--webhook-retries', '2', '--webhook-backoff', '50'] });
  try {
    const ana = makeUser(s, 'ana');
    const pid = makeProject(s, 'Closed', 'ana');
    const create = (url) => http(s, 'POST', `/api/projects/${pid}/webhooks`, { token: ana.token, body: { url, events: ['comment'], secret: SECRET } });
    const before = sql(s, 'SELECT count(*) FROM webhooks');
    for (const url of [rx.url, 'http://localhost:9/x', 'http://[::1]:9/', 'http://[::ffff:127.0.0.1]:9/',
      'http://10.1.2.3/', 'http://192.168.0.1/', 'http://172.20.0.1/', 'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/', 'http://0.0.0.0:9/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'https://127.0.0.2/',
      'http://2130706433/', 'http://0x7f000001/']) {
      const r = await create(url);
      assert.equal(r.status, 400, url);
      assert.equal(r.json.code, 'invalid_value', url);
      assert.match(r.json.message, /webhook_allow_private|http or https|url/, url);
    }
    assert.equal(sql(s, 'SELECT count(*) FROM webhooks'), before);
    assert.match((await create(rx.url)).json.message, /loopback, private.*webhook_allow_private = true/);

    // made while allowed, then delivered while not: refused at delivery, not retried
    s = await s.restart({ args: ['--webhook-allow-private'] });
    const made = await create(rx.url);
    assert.equal(made.status, 201);
    s = await s.restart({ args: ['--webhook-retries', '2', '--webhook-backoff', '50'] });
    const a = (await join(s, ana, pid)).client;
    await a.request({ type: 'comment.add', at: 0, body: 'knock knock' });
    const d = await settled(s, ana, pid, () => true);
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts, 1);
    assert.equal(d.http_status, null);
    assert.match(d.last_error, /private.*127\.0\.0\.1/);
    assert.equal(rx.got.length, 0);
  } finally {
    await s.stop();
    await rx.close();
  }
});

test('a webhook keeps its newest 100 delivery records', async () => {
  const rx = await receiver();
  const s = await startServer({ args: ['--webhook-allow-private'] });
  try {
    const ana = makeUser(s, 'ann');
    const pid = makeProject(s, 'Many', 'ann');
    const r = await http(s, 'POST', `/api/projects/${pid}/webhooks`, { token: ana.token, body: { url: rx.url, events: ['comment'], secret: SECRET } });
    assert.equal(r.status, 201);
    const a = (await join(s, ana, pid)).client;
    for (let i = 0; i < 105; i++) assert.equal((await a.request({ type: 'comment.add', at: i, body: `n${i}` })).type, 'comment');
    await rx.count(105, 30000);
    const newest = JSON.parse(rx.got[104].raw).delivery;
    await settled(s, ana, pid, (d) => d.id === newest);
    assert.equal(sql(s, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id='${r.json.webhook.id}'`), '100');
    const list = (await hooks(s, ana, pid)).json.webhooks[0].deliveries;
    assert.equal(list.length, 20);
    assert.equal(list[0].id, newest);
    // the oldest five are the ones dropped
    const kept = sql(s, 'SELECT id FROM webhook_deliveries').split('\n');
    for (const d of rx.got.slice(0, 5)) assert.ok(!kept.includes(JSON.parse(d.raw).delivery));
  } finally {
    await s.stop();
    await rx.close();
  }
});
