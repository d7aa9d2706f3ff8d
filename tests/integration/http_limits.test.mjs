// http_limits.test.mjs -- requests the HTTP layer refuses for their size or
// shape, over raw sockets so that what the client really reads is seen:
// 414 for a long path or query, 431 for large headers, a message that
// stays readable when the path decodes to invalid UTF-8, and an early
// refusal (401 before the body is read) that the client reads in full
// while it is still sending its body (the server drains it instead of
// resetting the connection).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, before, after } from 'node:test';
import { http, makeUser, startServer } from './harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

/**
 * Sends head (and body, in 64 KiB writes, if given) on a raw connection
 * and collects what comes back until the server closes. Resolves to
 * {status, body, writeError, readError}.
 */
function raw(head, body) {
  return new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks = [];
    let writeError = null, readError = null;
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => { if (!readError) readError = e.code || String(e); });
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const at = text.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, body: at >= 0 ? text.slice(at + 4) : '',
        writeError, readError });
    });
    sock.setTimeout(15000, () => sock.destroy(new Error('timeout')));
    sock.write(head);
    if (body) {
      let off = 0;
      const pump = () => {
        while (off < body.length) {
          const part = body.subarray(off, off + 65536);
          off += part.length;
          if (!sock.write(part, (e) => { if (e && !writeError) writeError = e.code; })) {
            sock.once('drain', pump);
            return;
          }
        }
      };
      pump();
    }
  });
}

test('a path or a query over max_path_bytes gets 414 naming the setting', async () => {
  let r = await raw(`GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(r.status, 414);
  assert.equal(JSON.parse(r.body).code, 'too_large');
  assert.match(JSON.parse(r.body).message, /max_path_bytes/);
  r = await raw(`GET /healthz?${'q'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(r.status, 414);
  assert.match(JSON.parse(r.body).message, /query/);
  // just under the limit is answered normally
  r = await raw(`GET /healthz?${'q'.repeat(2000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(r.status, 200);
});

test('100 KB of headers gets 431 naming the setting', async () => {
  const r = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: a=${'b'.repeat(100000)}\r\nUser-Agent: ${'u'.repeat(20000)}\r\n\r\n`);
  assert.equal(r.status, 431);
  const j = JSON.parse(r.body);
  assert.equal(j.code, 'too_large');
  assert.match(j.message, /max_header_bytes/);
  const ok = await fetch(`${srv.url}/healthz`);
  assert.equal(ok.status, 200);
});

test('a path that decodes to invalid UTF-8 still gets its message', async () => {
  const r = await raw('GET /api/%C0%80x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 404);
  const j = JSON.parse(r.body);
  assert.equal(j.code, 'not_found');
  assert.match(j.message, /^nothing at \/api\/\?\?x$/);
});

test('an upload refused before its body is read: the client reads the 401 while still sending', async () => {
  const size = 4 * 1024 * 1024;
  // Connection: close, as raw() reads until the server hangs up: a body
  // drained to its end otherwise leaves the connection open for the next
  // request (http_keepalive.test.mjs)
  const r = await raw(`POST /api/projects/p_nope/assets HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: audio/wav\r\nContent-Length: ${size}\r\n\r\n`,
    Buffer.alloc(size));
  assert.equal(r.status, 401);
  assert.equal(JSON.parse(r.body).code, 'unauthorized');
  assert.equal(r.writeError, null, `the body could not be sent: ${r.writeError}`);
  assert.equal(r.readError, null, `the answer could not be read: ${r.readError}`);
});

test('the session cookie is found by its exact name only', async () => {
  const ana = makeUser(srv, 'cookie-ana');
  let r = await http(srv, 'GET', '/api/me', { cookie: `theme=dark; mixroom_session=${ana.token}` });
  assert.equal(r.status, 200);
  r = await http(srv, 'GET', '/api/me', { cookie: `mixroom_session="${ana.token}"` });
  assert.equal(r.status, 200);
  // libwebsockets' own lookup matched names by their end
  r = await http(srv, 'GET', '/api/me', { cookie: `xmixroom_session=${ana.token}` });
  assert.equal(r.status, 401);
});
