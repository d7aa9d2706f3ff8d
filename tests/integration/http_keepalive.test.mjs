// http_keepalive.test.mjs -- a body refused early (413 past a limit,
// answered before the body is read) is read and dropped to its end, and
// the connection then stays open for the client's next request: the
// answer says keep-alive (HTTP/1.1's default), so a client reuses the
// socket, and the server used to hang up on it once the body was drained.
// undici (Node's fetch) then failed that next request with "other side
// closed" (takes.test 'malformed chunks...' under load: the request after
// a 413 chunk). On one raw socket: the refused PUT, then a GET, both
// answered; the body sent after the 413 came, and sent with the headers.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { http, makeProject, makeUser, startServer } from './harness.mjs';

let server; let ana; let project; let take;

before(async () => {
  server = await startServer();
  ana = makeUser(server, 'kai');
  project = makeProject(server, 'Keep-alive', 'kai');
  const r = await http(server, 'POST', `/api/projects/${project}/takes`, { token: ana.token, body: { track: null, at: 0, rate: 48000, channels: 1 } });
  assert.equal(r.status, 201, r.text);
  take = r.json.take.id;
});
after(async () => { await server.stop(); });

/** A socket with a reader of whole HTTP/1.1 responses (Content-Length bodies). */
function open() {
  const u = new URL(server.url);
  const s = net.connect(Number(u.port), u.hostname);
  let buf = Buffer.alloc(0); let ended = false; let wake = null;
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (wake) wake(); });
  s.on('end', () => { ended = true; if (wake) wake(); });
  s.on('error', () => { ended = true; if (wake) wake(); });
  /** The next response {status, headers, body}, or null when the server hung up first. */
  async function response() {
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = buf.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const len = Number(headers['content-length'] || 0);
        if (buf.length >= end + 4 + len) {
          const body = buf.subarray(end + 4, end + 4 + len).toString();
          buf = buf.subarray(end + 4 + len);
          return { status: Number(head[0].split(' ')[1]), headers, body };
        }
      }
      if (ended) return null;
      await new Promise((r) => { wake = r; });
      wake = null;
    }
  }
  const ready = new Promise((r) => s.once('connect', r));
  return { s, response, ready };
}

const chunkPath = () => `/api/projects/${project}/takes/${take}/chunks/1?rate=48000&channels=1`;
const head = (method, p, len) => `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ana.token}\r\n` +
  (len !== undefined ? `Content-Type: application/octet-stream\r\nContent-Length: ${len}\r\n` : '') + '\r\n';

async function refusedThenGet(bodyWithHeaders) {
  const c = open();
  await c.ready;
  const big = Buffer.alloc(1024 * 1024 + 2); // past max_take_chunk_bytes (1 MiB)
  if (bodyWithHeaders) c.s.write(Buffer.concat([Buffer.from(head('PUT', chunkPath(), big.length)), big]));
  else c.s.write(head('PUT', chunkPath(), big.length));
  const r1 = await c.response();
  assert.ok(r1, 'the refusal is answered');
  assert.equal(r1.status, 413, r1.body);
  assert.match(JSON.parse(r1.body).message, /max_take_chunk_bytes/);
  assert.notEqual((r1.headers.connection || '').toLowerCase(), 'close', 'the answer says keep-alive');
  if (!bodyWithHeaders) c.s.write(big); // the client sends its body anyway
  c.s.write(head('GET', `/api/projects/${project}/takes/${take}`));
  const r2 = await c.response();
  c.s.destroy();
  assert.ok(r2, 'the next request on the same connection is answered (the server did not hang up)');
  assert.equal(r2.status, 200, r2.body);
  assert.equal(JSON.parse(r2.body).take.id, take);
}

test('a chunk refused before its body (413) is drained, then the same connection answers the next request', async () => {
  await refusedThenGet(false);
});

test('a chunk refused with its body already sent (413): the same connection answers the next request', async () => {
  await refusedThenGet(true);
});

test('fetch: a 413 chunk then a GET, many times, never meet a closed socket', async () => {
  for (let i = 0; i < 40; i++) {
    const r = await http(server, 'PUT', chunkPath(), { token: ana.token, raw: Buffer.alloc(1024 * 1024 + 2), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 413);
    const g = await http(server, 'GET', `/api/projects/${project}/takes/${take}`, { token: ana.token });
    assert.equal(g.status, 200);
  }
});

/** Reads until the server hangs up (true) or ms pass (false). */
function hungUp(c, ms) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    c.s.once('close', () => { clearTimeout(t); resolve(true); });
  });
}

test('a refusal the server will hang up on says Connection: close (more body than drain_bytes), and it hangs up', async () => {
  const c = open();
  await c.ready;
  // 9 MiB announced: past max_take_chunk_bytes, and past drain_bytes (8 MiB by default), so
  // the server will never read it all; the client must not send another request on this socket
  c.s.write(head('PUT', chunkPath(), 9 * 1024 * 1024));
  const r1 = await c.response();
  assert.ok(r1, 'the refusal is answered');
  assert.equal(r1.status, 413, r1.body);
  assert.equal((r1.headers.connection || '').toLowerCase(), 'close', 'the answer says the connection closes');
  const closed = hungUp(c, 60000);
  c.s.write(Buffer.alloc(8 * 1024 * 1024 + 4096)); // drained to drain_bytes, then the server hangs up
  assert.equal(await closed, true, 'the server hung up, as its answer said');
});

test('a refused chunked body says Connection: close', async () => {
  const c = open();
  await c.ready;
  c.s.write(`PUT /api/projects/${project}/takes/${take}/chunks/2?rate=48000&channels=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    'Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n'); // no Authorization: refused at once
  const r1 = await c.response();
  assert.ok(r1, 'the refusal is answered');
  assert.ok(r1.status >= 400 && r1.status < 500, `status ${r1.status}: ${r1.body}`);
  assert.equal((r1.headers.connection || '').toLowerCase(), 'close', r1.body);
  c.s.destroy();
});
