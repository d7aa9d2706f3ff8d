// links.test.mjs -- share links and guest sessions over the real server
// (docs/review.md "Share links and guests"): each right on and off, a
// version pin, expiry, max_uses, the password (and its rate limit), revoke
// closing an open guest socket with 4403 at once, a guest's push refused
// with the document unchanged, everything a guest must not reach, links
// only for owners, and bad input refused naming the field with nothing
// changed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addMember, cli, connect, http, join, makeProject, makeUser, sleep, startServer } from './harness.mjs';
import { makeSong } from './preview_lib.mjs';

let server; let song; let ben; let dan; let other; let otherProject;
before(async () => {
  server = await startServer({ args: ['--login-account-failures', '4'] });
  song = await makeSong(server, 'ana', 2);
  ben = makeUser(server, 'ben');
  dan = makeUser(server, 'dan');
  addMember(server, song.project, 'ben', 'editor');
  addMember(server, song.project, 'dan', 'viewer');
  other = makeUser(server, 'olga');
  otherProject = makeProject(server, 'Not yours', 'olga');
});
after(async () => { await server.stop(); });

const base = () => `/api/projects/${song.project}`;
const owner = (method, p, body) => http(server, method, base() + p, { token: song.user.token, body });

async function makeLink(body) {
  const r = await owner('POST', '/links', body);
  assert.equal(r.status, 201, r.text);
  return r.json.link;
}

async function guestSession(link, body = { name: 'Sam' }) {
  return http(server, 'POST', `/api/links/${link.token}/session`, { body });
}

/** A guest session and its socket, welcomed. */
async function guest(link, name = 'Sam') {
  const s = await guestSession(link, { name });
  assert.equal(s.status, 200, s.text);
  const c = await connect(server);
  const welcome = await c.request({ type: 'hello', token: s.json.token, project: song.project, client: `g-${Math.random().toString(36).slice(2)}` });
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  return { token: s.json.token, session: s.json, client: c, welcome };
}

const headRev = async () => (await owner('GET', '')).json.project.head_rev;

test('create, list (token shown once), the guest page info', async () => {
  const link = await makeLink({ rights: ['listen'], label: 'For the label' });
  assert.match(link.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(link.url, `/l/${link.token}`);
  assert.deepEqual(link.rights, ['listen']);
  assert.equal(link.password, false);
  assert.equal(link.state, 'active');
  const list = await owner('GET', '/links');
  assert.equal(list.status, 200);
  const row = list.json.links.find((l) => l.id === link.id);
  assert.equal(row.label, 'For the label');
  assert.equal(row.uses, 0);
  assert.equal(row.downloads, 0);
  assert.equal(row.token, undefined, 'the token is never listed');
  assert.equal(row.url, undefined);
  const info = await http(server, 'GET', `/api/links/${link.token}`);
  assert.equal(info.status, 200);
  assert.equal(info.json.link.project_name, 'Demo song');
  assert.equal(info.json.link.password, false);
  assert.equal(info.json.link.uses, undefined, 'a guest does not see the counts');
  assert.equal((await http(server, 'GET', `/api/links/${'x'.repeat(43)}`)).status, 404);
  // the page itself is served for any token
  const page = await http(server, 'GET', `/l/${link.token}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /guest\.js/);
});

test('a listen-only guest: plays, cannot comment, push or export; its welcome is a guest\'s', async () => {
  const link = await makeLink({ rights: ['listen'] });
  const g = await guest(link);
  try {
    assert.equal(g.welcome.role, 'guest');
    assert.equal(g.welcome.user.display_name, 'Sam (guest)');
    assert.deepEqual(g.welcome.members, [], 'no member list for a guest');
    assert.ok(g.welcome.snapshot, 'a snapshot of the song');
    const playing = await g.client.request({ type: 'play', from: 0 });
    assert.equal(playing.type, 'playing', JSON.stringify(playing));
    assert.equal((await g.client.request({ type: 'pause' })).type, 'paused');
    const cm = await g.client.request({ type: 'comment.add', at: 0, body: 'nice' });
    assert.equal(cm.code, 'forbidden', JSON.stringify(cm));
    assert.match(cm.message, /comment/);
    // a push is forbidden and the document unchanged
    const before = await headRev();
    const p = await g.client.request({ type: 'push', seq: 1, base: 0, ops: [{ op: 'set', id: 't_low', fields: { gain: -20 } }] });
    assert.equal(p.code, 'forbidden', JSON.stringify(p));
    for (const type of ['undo', 'history', 'presence', 'version.list', 'follow', 'comment.list']) {
      const r = await g.client.request({ type });
      assert.equal(r.code, 'forbidden', `${type}: ${JSON.stringify(r)}`);
    }
    assert.equal(await headRev(), before);
    const doc = await join(server, song.user, song.project);
    const low = doc.welcome.snapshot.objects.find((o) => o.id === 't_low');
    assert.notEqual(low.fields?.gain ?? low.gain, -20);
    doc.client.close();
    const ex = await http(server, 'GET', `${base()}/export?format=wav&from=0&to=4800`, { token: g.token });
    assert.equal(ex.status, 403, ex.text);
    assert.match(ex.json.message, /download/);
  } finally { g.client.close(); }
});

test('a guest reaches nothing else: other projects, members, history, links, invites, uploads', async () => {
  const link = await makeLink({ rights: ['listen', 'comment', 'download'] });
  const g = await guest(link);
  try {
    const t = { token: g.token };
    const forbidden = [
      ['GET', '/api/projects'], ['POST', '/api/projects'],
      ['GET', `${base()}`], ['GET', `${base()}/members`], ['GET', `${base()}/invites`],
      ['POST', `${base()}/invites`], ['GET', `${base()}/links`], ['POST', `${base()}/links`],
      ['GET', `${base()}/assets`], ['POST', `${base()}/assets?name=x.wav`], ['DELETE', `${base()}`],
      ['GET', `${base()}/loudness`], ['POST', `/api/invites/${'a'.repeat(43)}`],
    ];
    for (const [m, p] of forbidden) {
      const r = await http(server, m, p, { ...t, body: m === 'POST' ? {} : undefined });
      assert.equal(r.status, 403, `${m} ${p}: ${r.status} ${r.text}`);
      assert.equal(r.json.code, 'forbidden');
    }
    for (const p of ['', '/members', '/export?format=wav']) {
      const r = await http(server, 'GET', `/api/projects/${otherProject}${p}`, t);
      assert.equal(r.status, 404, `other project ${p}: ${r.text}`);
    }
    const c = await connect(server);
    const w = await c.request({ type: 'hello', token: g.token, project: otherProject, client: 'g-other' });
    assert.equal(w.code, 'forbidden', JSON.stringify(w));
    c.close();
    // what the page needs works
    const me = await http(server, 'GET', '/api/guest', t);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.project, song.project);
    assert.deepEqual(me.json.link.rights, ['listen', 'comment', 'download']);
    const asset = g.welcome.assets?.[0]?.id || g.welcome.snapshot.objects.find((o) => o.kind === 'clip')?.fields?.asset;
    if (asset) assert.equal((await http(server, 'GET', `${base()}/assets/${asset}/peaks`, t)).status, 200);
  } finally { g.client.close(); }
});

test('a guest gets no presence: not in its welcome, not relayed, no `left` (members still do)', async () => {
  const link = await makeLink({ rights: ['listen', 'comment'] });
  const a = await join(server, song.user, song.project, { client: 'p-ana' });
  const b = await join(server, ben, song.project, { client: 'p-ben' });
  a.client.send({ type: 'presence', cursor: 7, playhead: 70, selection: [], view: [0, 48000] });
  await b.client.next((m) => m.type === 'presence' && m.client === 'p-ana');
  const g = await guest(link);
  try {
    assert.deepEqual(g.welcome.presence, [], 'a guest\'s welcome lists no one');
    a.client.send({ type: 'presence', cursor: 9, playhead: 90, selection: [], view: [0, 48000] });
    const seen = await b.client.next((m) => m.type === 'presence' && m.cursor === 9);
    assert.equal(seen.client, 'p-ana', 'the member still gets it');
    await a.client.close();
    await b.client.next((m) => m.type === 'left');
    await sleep(200);
    const leaked = g.client.inbox.filter((m) => m.type === 'presence' || m.type === 'left');
    assert.deepEqual(leaked, [], 'nothing of the members\' presence reached the guest');
  } finally { g.client.close(); b.client.close(); }
});

test('the comment right: a guest comments and replies, shown as a guest to the owner', async () => {
  const link = await makeLink({ rights: ['comment'] });
  const g = await guest(link, 'Rita');
  const a = await join(server, song.user, song.project);
  try {
    const r = await g.client.request({ type: 'comment.add', at: 4800, body: 'louder bass?' });
    assert.equal(r.type, 'comment', JSON.stringify(r));
    assert.equal(r.comment.guest, true);
    assert.equal(r.comment.author_name, 'Rita (guest)');
    const seen = await a.client.next((m) => m.type === 'comment' && m.comment.id === r.comment.id);
    assert.equal(seen.comment.guest, true);
    assert.equal(seen.comment.author_name, 'Rita (guest)');
    const reply = await g.client.request({ type: 'comment.add', at: 4800, body: 'and the kick', parent: r.comment.id });
    assert.equal(reply.type, 'comment', JSON.stringify(reply));
    assert.equal(reply.comment.parent, r.comment.id);
    // editing, resolving, deleting are not a guest's
    for (const type of ['comment.edit', 'comment.resolve', 'comment.delete']) {
      const x = await g.client.request({ type, comment: r.comment.id, body: 'x' });
      assert.equal(x.code, 'forbidden', type);
    }
    // a member's comment is not a guest's; names survive a reload
    const own = await a.client.request({ type: 'comment.add', at: 0, body: 'from ana' });
    assert.equal(own.comment.guest, false);
    const again = await join(server, song.user, song.project);
    const stored = again.welcome.snapshot.comments.find((c) => c.id === r.comment.id);
    assert.equal(stored.guest, true);
    assert.equal(stored.author_name, 'Rita (guest)');
    again.client.close();
  } finally { g.client.close(); a.client.close(); }
});

test('the download right: a guest exports and the download is logged', async () => {
  const link = await makeLink({ rights: ['listen', 'download'] });
  const g = await guest(link);
  try {
    const ex = await fetch(`${server.url}${base()}/export?format=wav&from=0&to=4800`, { headers: { authorization: `Bearer ${g.token}` } });
    assert.equal(ex.status, 200);
    const body = Buffer.from(await ex.arrayBuffer());
    assert.equal(body.subarray(0, 4).toString(), 'RIFF');
    let row;
    for (let i = 0; i < 50; i++) { // the log row goes through the writer
      row = (await owner('GET', '/links')).json.links.find((l) => l.id === link.id);
      if (row.downloads === 1) break;
      await sleep(50);
    }
    assert.equal(row.downloads, 1);
    assert.equal(row.uses, 1);
    assert.equal(row.guests, 1);
    assert.match(server.log(), /guest g_\S+ of link l_\S+ downloads project \S+ as wav/);
  } finally { g.client.close(); }
});

test('a version pin: the guest plays and exports that version only', async () => {
  const a = await join(server, song.user, song.project);
  const v = (await a.client.request({ type: 'version.create', name: 'Mix 1' })).version;
  a.client.close();
  const link = await makeLink({ rights: ['download'], version: v.id });
  assert.equal(link.pinned, true);
  assert.equal(link.version.rev, v.rev);
  const g = await guest(link);
  try {
    const head = await g.client.request({ type: 'play', from: 0 });
    assert.equal(head.code, 'forbidden', JSON.stringify(head));
    assert.match(head.message, /Mix 1/);
    const ok = await g.client.request({ type: 'play', from: 0, rev: v.rev });
    assert.equal(ok.type, 'playing', JSON.stringify(ok));
    assert.equal((await http(server, 'GET', `${base()}/export?format=wav&to=4800`, { token: g.token })).status, 403);
    assert.equal((await http(server, 'GET', `${base()}/export?format=wav&to=4800&rev=${v.rev}`, { token: g.token })).status, 200);
  } finally { g.client.close(); }
  // not pinned: the head and that version
  const ab = await makeLink({ version: v.id, pinned: false });
  const h = await guest(ab);
  try {
    assert.equal((await h.client.request({ type: 'play', from: 0 })).type, 'playing');
    assert.equal((await h.client.request({ type: 'play', from: 0, rev: v.rev })).type, 'playing');
    if (v.rev > 0) assert.equal((await h.client.request({ type: 'play', from: 0, rev: 0 })).code, 'forbidden');
  } finally { h.client.close(); }
});

test('expiry: a past expires_at is refused, a short one ends the session', async () => {
  const past = await makeLink({ expires_at: Date.now() - 1000 });
  assert.equal(past.state, 'expired');
  const r = await guestSession(past);
  assert.equal(r.status, 410, r.text);
  assert.equal(r.json.reason, 'expired');
  assert.match(r.json.message, /expired/);
  const short = await makeLink({ expires_at: Date.now() + 1500 });
  const s = await guestSession(short);
  assert.equal(s.status, 200, s.text);
  assert.ok(s.json.expires_at <= short.expires_at, 'the session ends with the link');
  while (Date.now() <= short.expires_at + 50) await sleep(100);
  assert.equal((await guestSession(short)).status, 410);
  const me = await http(server, 'GET', '/api/guest', { token: s.json.token });
  assert.equal(me.status, 401, me.text);
});

test('max_uses: each session is a use; past it 410 used_up', async () => {
  const link = await makeLink({ max_uses: 2 });
  assert.equal((await guestSession(link, { name: 'A' })).status, 200);
  assert.equal((await guestSession(link, { name: 'B' })).status, 200);
  const third = await guestSession(link, { name: 'C' });
  assert.equal(third.status, 410, third.text);
  assert.equal(third.json.reason, 'used_up');
  assert.match(third.json.message, /max_uses/);
  const row = (await owner('GET', '/links')).json.links.find((l) => l.id === link.id);
  assert.equal(row.uses, 2);
  assert.equal(row.state, 'used_up');
  // guests are users of their own kind: `mixroom user list` shows accounts only
  const users = cli(['user', 'list'], { dataDir: server.dataDir });
  assert.equal(users.status, 0, users.stderr);
  assert.match(users.stdout, /\bana\b/);
  assert.doesNotMatch(users.stdout, /guest~/);
});

test('password: missing and wrong refused, right accepted, failures rate-limited', async () => {
  const link = await makeLink({ password: 'open sesame' });
  assert.equal(link.password, true);
  const info = await http(server, 'GET', `/api/links/${link.token}`);
  assert.equal(info.json.link.password, true);
  const none = await guestSession(link, { name: 'Sam' });
  assert.equal(none.status, 401);
  assert.match(none.json.message, /password/);
  const wrong = await guestSession(link, { name: 'Sam', password: 'open sesame!' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.json.message, /wrong password/);
  const right = await guestSession(link, { name: 'Sam', password: 'open sesame' });
  assert.equal(right.status, 200, right.text);
  const stored = await http(server, 'GET', `${base()}/links`, { token: song.user.token });
  assert.ok(!JSON.stringify(stored.json).includes('open sesame'), 'the password is never shown');
  // --login-account-failures 4: the fifth wrong try in the window is 429
  const locked = await makeLink({ password: 'another one' });
  for (let i = 0; i < 4; i++) assert.equal((await guestSession(locked, { name: 'X', password: `no${i}` })).status, 401);
  const limited = await guestSession(locked, { name: 'X', password: 'another one' });
  assert.equal(limited.status, 429, limited.text);
  assert.match(limited.json.message, /share link/);
});

test('revoke closes an open guest socket with 4403 at once; the token stops working', async () => {
  const link = await makeLink({ rights: ['comment'] });
  const g = await guest(link);
  const r = await owner('DELETE', `/links/${link.id}`);
  assert.equal(r.status, 200, r.text);
  const closed = await g.client.closed;
  assert.equal(closed.code, 4403);
  assert.match(closed.reason, /revoked/);
  assert.equal((await http(server, 'GET', '/api/guest', { token: g.token })).status, 401);
  const c = await connect(server);
  const w = await c.request({ type: 'hello', token: g.token, project: song.project, client: 'g-late' });
  assert.equal(w.code, 'unauthorized', JSON.stringify(w));
  c.close();
  const s = await guestSession(link);
  assert.equal(s.status, 410);
  assert.equal(s.json.reason, 'revoked');
  assert.equal((await owner('DELETE', '/links/l_nope')).status, 404);
});

test('only the owner creates, lists and revokes links', async () => {
  const link = await makeLink({});
  for (const u of [ben, dan, other]) {
    const p = u === other ? 404 : 403;
    assert.equal((await http(server, 'POST', `${base()}/links`, { token: u.token, body: {} })).status, p, u.name);
    assert.equal((await http(server, 'GET', `${base()}/links`, { token: u.token })).status, p, u.name);
    assert.equal((await http(server, 'DELETE', `${base()}/links/${link.id}`, { token: u.token })).status, p, u.name);
  }
  const row = (await owner('GET', '/links')).json.links.find((l) => l.id === link.id);
  assert.equal(row.state, 'active');
});

test('bad input is refused naming the field, and nothing changes', async () => {
  const count = async () => (await owner('GET', '/links')).json.links.length;
  const before = await count();
  const bad = [
    [{ rights: ['listen', 'admin'] }, /rights: unknown right "admin"/],
    [{ rights: 'listen' }, /rights must be an array/],
    [{ max_uses: 0 }, /max_uses/], [{ max_uses: -3 }, /max_uses/], [{ max_uses: 1.5 }, /max_uses/],
    [{ expires_at: 'tomorrow' }, /expires_at/], [{ expires_at: true }, /expires_at/],
    [{ label: 'x'.repeat(201) }, /label .*200/], [{ label: 7 }, /label/],
    [{ password: '' }, /password/], [{ version: 'v_nope' }, /version/], [{ pinned: 'yes' }, /pinned/],
    [{ colour: 'red' }, /unknown field "colour"/],
  ];
  for (const [body, re] of bad) {
    const r = await owner('POST', '/links', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.code, 'invalid_value');
    assert.match(r.json.message, re);
  }
  assert.equal((await owner('POST', '/links', '{"rights": [')).status, 400);
  assert.equal(await count(), before);
  const link = await makeLink({ label: 'é'.repeat(200) }); // characters, not bytes
  const uses = async () => (await owner('GET', '/links')).json.links.find((l) => l.id === link.id).uses;
  for (const body of [{ name: '' }, { name: 'n'.repeat(41) }, { name: 5 }, {}, { name: 'tab\there' }, { name: 'Sam', password: 5 }]) {
    const r = await guestSession(link, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.message, body.name === 'Sam' ? /password/ : /name/);
  }
  assert.equal(await uses(), 0, 'a refused session is no use');
});
