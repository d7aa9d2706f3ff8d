// node_name.test.mjs -- one node of a cluster, seen alone (docs/deploy.md):
// the node's name in /healthz and welcome (setting node, --node,
// MIXROOM_NODE), the WebSocket URL's ?project= that a proxy routes on, and
// the refusals of bad cluster settings. The lease and the events across
// nodes are tested on a real cluster by tests/cluster/run.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { BIN, http, join, makeProject, makeUser, startServer, tempDir } from './harness.mjs';

test('the node name is in /healthz and welcome; /ws?project= connects like /ws', async () => {
  const s = await startServer({ args: ['--node', 'alpha-1'] });
  try {
    const h = await http(s, 'GET', '/healthz');
    assert.equal(h.json.node, 'alpha-1');
    const ana = makeUser(s, 'ana');
    const p = makeProject(s, 'Song', 'ana');
    const plain = await join(s, ana, p);
    assert.equal(plain.welcome.node, 'alpha-1');
    const routed = await join({ ...s, wsProject: true }, ana, p);
    assert.equal(routed.welcome.node, 'alpha-1');
    assert.equal(routed.welcome.rev, plain.welcome.rev);
    await plain.client.close();
    await routed.client.close();
  } finally {
    await s.stop();
  }
});

test('MIXROOM_NODE names the node; without a setting it is the host name', async () => {
  const s = await startServer({ env: { MIXROOM_NODE: 'beta' } });
  const t = await startServer();
  try {
    assert.equal((await http(s, 'GET', '/healthz')).json.node, 'beta');
    const host = (await http(t, 'GET', '/healthz')).json.node;
    assert.match(host, /^[A-Za-z0-9._-]{1,63}$/);
  } finally {
    await s.stop();
    await t.stop();
  }
});

test('bad cluster settings are refused at start, naming the setting', () => {
  const data = tempDir();
  const cases = [
    [['--node', 'a b'], /--node: node: 'a b' is not valid; expected a node name of 1 to 63/],
    [['--store', 'mysql://x'], /--store: 'mysql:\/\/x' is not a store URL \(sqlite:\[FILE\] or postgresql:\/\/\.\.\.\)/],
  ];
  for (const [args, re] of cases) {
    const r = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', data, '--no-demo', ...args], { encoding: 'utf8', timeout: 30000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
  }
});

test('a PostgreSQL store that cannot be reached stops the start with a message', () => {
  const data = tempDir();
  // port 1 on loopback: nothing listens there
  const r = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', data, '--no-demo',
    '--store', 'postgresql://nobody@127.0.0.1:1/none?connect_timeout=5'], { encoding: 'utf8', timeout: 60000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot connect to PostgreSQL: connection to server at "127\.0\.0\.1", port 1 failed/);
});
