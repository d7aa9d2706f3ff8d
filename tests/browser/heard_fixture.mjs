// heard_fixture.mjs -- the set-up shared by heard.test.mjs and
// tests/bench/heard.mjs: a project of its own holding one track (TONE_TRACK)
// with one clip of a constant 440 Hz tone, made from Node.
import { makeProject, join } from '../integration/harness.mjs';
import { toneWav, uploadReady, pushOps } from './tones.mjs';

export const TONE_TRACK = 't_tone';

/** Creates project `name` owned by user (a makeUser result) with a `seconds` long tone at 48 kHz; returns its id. */
export async function toneProject(server, user, name, seconds) {
  const project = makeProject(server, name, user.name);
  const { client } = await join(server, user, project);
  const asset = await uploadReady(server, client, user, project, 'tone.wav', toneWav(440, seconds, 0.5));
  await pushOps(client, [
    { op: 'create', id: TONE_TRACK, kind: 'track', fields: { name: 'Tone', order: 'V', color: '#e57373' } },
    { op: 'create', id: 'c_tone', kind: 'clip', fields: { track: TONE_TRACK, asset, start: 0, length: seconds * 48000, name: 'tone' } },
  ]);
  client.close();
  return project;
}
