// fixture.mjs -- the shared set-up of the studio browser tests: a real
// server (integration harness), three users (ana owner, ben editor, cara
// viewer), one project with an uploaded, imported asset, and one track
// holding one clip of it, made over HTTP and the WebSocket from Node.
import { startServer, makeUser, makeProject, addMember, http, join } from '../integration/harness.mjs';
import { makeWav } from './lib.mjs';

/** Starts the server and builds the project; returns {server, ana, ben, cara, project, track, clip, asset}. */
export async function setupStudio() {
  const server = await startServer();
  const ana = makeUser(server, 'ana');
  const ben = makeUser(server, 'ben');
  const cara = makeUser(server, 'cara');
  const project = makeProject(server, 'Session', 'ana');
  addMember(server, project, 'ben', 'editor');
  addMember(server, project, 'cara', 'viewer');

  const { client } = await join(server, ana, project);
  const up = await http(server, 'POST', `/api/projects/${project}/assets?name=drums.wav`,
    { token: ana.token, raw: makeWav(4), headers: { 'content-type': 'audio/wav' } });
  if (up.status !== 202) throw new Error(`upload failed: ${up.status} ${up.text}`);
  const asset = typeof up.json.asset === 'string' ? up.json.asset : up.json.asset.id;
  await client.next((m) => m.type === 'asset' && m.asset.id === asset && m.asset.state === 'ready', 20000);
  const track = 't_drums';
  const clip = 'c_loop';
  client.send({ type: 'push', seq: 1, base: null, ops: [
    { op: 'create', id: track, kind: 'track', fields: { name: 'Drums', order: 'V', color: '#e57373' } },
    { op: 'create', id: 'b_fx', kind: 'track', fields: { name: 'FX bus', order: 'k', color: '#9575cd', role: 'bus' } },
    { op: 'create', id: clip, kind: 'clip', fields: { track, asset, start: 48000, length: 4 * 48000, name: 'loop' } },
  ] });
  const d = await client.next((m) => m.type === 'delta' || m.type === 'reject');
  if (d.type !== 'delta') throw new Error(`set-up push rejected: ${JSON.stringify(d)}`);
  await client.close();
  return { server, ana, ben, cara, project, track, clip, asset };
}
