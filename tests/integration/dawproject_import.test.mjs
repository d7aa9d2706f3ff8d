// dawproject_import.test.mjs -- DAWproject import on the real server (issue
// 22): a .dawproject written here by hand in Bitwig's style (timeUnit
// beats, a tempo, two audio tracks, a note clip, a bus with a send, EQ /
// compressor / limiter, automation, markers, a VST3 plug-in that must be
// reported as dropped) becomes a new project with the right tracks, clips,
// notes, markers and mix settings; the same in seconds and decibels; an
// export of a rich project imports back to the same document (when the
// export exists); and every bad input -- a zip bomb, too many entries, paths
// escaping the archive, missing audio, XML that does not validate, DOCTYPEs
// with internal and external entities, broken audio, not a zip, too large,
// no login -- is refused with an error naming it, leaving no project, no
// asset row and no file behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { http, join, makeProject, makeUser, startServer, storeSql, tempDir } from './harness.mjs';
import { pushOps, toneWav, uploadAsset } from './preview_lib.mjs';
import { comparable } from './dawproject_lib.mjs';

let server; let ana; let ben;
before(async () => {
  server = await startServer({ args: ['--max-dawproject-entries', '500', '--max-message-bytes', '8388608'] });
  ana = makeUser(server, 'ana');
  ben = makeUser(server, 'ben');
});
after(async () => { await server.stop(); });

const work = tempDir('mixroom-dawproject-');

/**
 * Writes a zip with python's zipfile (any entry name, deflated). entries:
 * [{name, text} | {name, data: Buffer} | {name, zeros: bytes}].
 */
function makeZip(file, entries) {
  const spec = entries.map((e) => ({
    name: e.name,
    b64: e.text !== undefined ? Buffer.from(e.text).toString('base64') : e.data ? e.data.toString('base64') : undefined,
    zeros: e.zeros,
  }));
  const py = `
import base64, json, sys, zipfile
spec = json.load(sys.stdin)
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for e in spec:
        if e.get('zeros'):
            zi = zipfile.ZipInfo(e['name']); zi.compress_type = zipfile.ZIP_DEFLATED
            with z.open(zi, 'w', force_zip64=True) as f:
                block = bytes(1 << 20)
                left = e['zeros']
                while left > 0:
                    n = min(left, len(block)); f.write(block[:n]); left -= n
        else:
            i = zipfile.ZipInfo(e['name']); i.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(i, base64.b64decode(e['b64']))
`;
  const r = spawnSync('python3', ['-c', py, file], { input: JSON.stringify(spec), encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`zip failed: ${r.stderr}`);
  return fs.readFileSync(file);
}

const META = `<?xml version="1.0" encoding="UTF-8"?>
<MetaData><Title>Bitwig Sketch</Title><Artist>Ana</Artist><Comment>hand written</Comment></MetaData>`;

/** project.xml in Bitwig Studio's style: beats, linear volumes, normalized pan. */
function bitwigProject({ audioPath = 'audio/drums.wav', audio2 = 'audio/bass.wav', extraDevices = '' } = {}) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
  <Application name="Bitwig Studio" version="5.1"/>
  <Transport>
    <Tempo unit="bpm" value="100.0" min="20" max="666" id="id0" name="Tempo"/>
    <TimeSignature denominator="4" numerator="3" id="id1"/>
  </Transport>
  <Structure>
    <Track contentType="audio" loaded="true" id="id2" name="Drums" color="#D92E24">
      <Channel audioChannels="2" destination="id30" role="regular" solo="false" id="id3">
        <Devices>
          <Vst3Plugin deviceID="ABCDEF" deviceName="Pro-Q 3" deviceRole="audioFX" loaded="true" id="id4" name="Pro-Q 3">
            <Enabled value="true" id="id5" name="On/Off"/>
            <State path="plugins/proq3.vstpreset"/>
          </Vst3Plugin>
          <Equalizer deviceName="EQ+" deviceRole="audioFX" id="id6">
            <Band type="bell"><Freq unit="hertz" value="2500" id="id7"/><Gain unit="decibel" value="-3.5" id="id8"/><Q unit="linear" value="1.4" id="id9"/></Band>
            <Band type="highPass"><Freq unit="hertz" value="40" id="id10"/></Band>
            <Band type="notch"><Freq unit="hertz" value="60" id="id11"/></Band>
          </Equalizer>
          <Compressor deviceName="Compressor" deviceRole="audioFX" id="id12">
            <Attack unit="seconds" value="0.005" id="id13"/>
            <OutputGain unit="decibel" value="2" id="id17"/>
            <Ratio unit="linear" value="3" id="id14"/>
            <Release unit="seconds" value="0.2" id="id15"/>
            <Threshold unit="decibel" value="-20" id="id16"/>
          </Compressor>
          ${extraDevices}
        </Devices>
        <Mute value="false" id="id18" name="Mute"/>
        <Pan max="1.0" min="0.0" unit="normalized" value="0.25" id="id19" name="Pan"/>
        <Sends>
          <Send destination="id40" type="post" id="id20"><Enable value="true" id="id22"/><Volume max="2.0" min="0.0" unit="linear" value="0.5" id="id21"/></Send>
        </Sends>
        <Volume max="2.0" min="0.0" unit="linear" value="0.5" id="id23" name="Volume"/>
      </Channel>
    </Track>
    <Track contentType="audio" loaded="true" id="id24" name="Bass">
      <Channel audioChannels="2" destination="id30" role="regular" solo="true" id="id25">
        <Devices>
          <Limiter deviceName="Limiter" deviceRole="audioFX" id="id26">
            <Release unit="seconds" value="0.1" id="id28"/>
            <Threshold unit="decibel" value="-2" id="id27"/>
          </Limiter>
        </Devices>
        <Mute value="true" id="id29" name="Mute"/>
        <Volume unit="linear" value="1.0" id="id31"/>
      </Channel>
    </Track>
    <Track contentType="notes" loaded="true" id="id32" name="Keys">
      <Channel audioChannels="2" destination="id30" role="regular" id="id33">
        <Devices>
          <Vst3Plugin deviceName="Serum" deviceRole="instrument" id="id34"><State path="plugins/serum.vstpreset"/></Vst3Plugin>
        </Devices>
        <Volume unit="linear" value="0.8" id="id35"/>
      </Channel>
    </Track>
    <Track contentType="audio" loaded="true" id="id36" name="Reverb bus">
      <Channel audioChannels="2" destination="id30" role="effect" id="id40">
        <Volume unit="linear" value="0.7071" id="id41"/>
      </Channel>
    </Track>
    <Channel audioChannels="2" role="master" id="id30" name="Master">
      <Volume unit="linear" value="1.0" id="id42"/>
    </Channel>
  </Structure>
  <Arrangement id="id50">
    <Lanes timeUnit="beats" id="id51">
      <Lanes track="id2" id="id52">
        <Clips id="id53">
          <Clip time="0.0" duration="4.0" playStart="0.0" fadeTimeUnit="beats" fadeInTime="0.5" fadeOutTime="1.0" name="Beat">
            <Audio channels="1" duration="3.0" sampleRate="48000" id="id54"><File path="${audioPath}"/></Audio>
          </Clip>
          <Clip time="8.0" duration="2.0" playStart="0.5" contentTimeUnit="seconds" enable="false" name="Beat 2">
            <Audio channels="1" duration="3.0" sampleRate="48000" id="id55"><File path="${audioPath}"/></Audio>
          </Clip>
        </Clips>
        <Points unit="linear" id="id56">
          <Target parameter="id23"/>
          <RealPoint time="0.0" value="0.5" interpolation="linear"/>
          <RealPoint time="4.0" value="1.0" interpolation="linear"/>
        </Points>
        <Points unit="normalized" id="id57">
          <Target parameter="id19"/>
          <RealPoint time="0.0" value="0.0" interpolation="linear"/>
          <RealPoint time="2.0" value="1.0" interpolation="hold"/>
        </Points>
        <Points unit="decibel" id="id58">
          <Target parameter="id16"/>
          <RealPoint time="0.0" value="-30" interpolation="linear"/>
        </Points>
      </Lanes>
      <Lanes track="id24" id="id60">
        <Clips id="id61">
          <Clip time="4.0" duration="4.0" name="Bass clip">
            <Warps contentTimeUnit="seconds" timeUnit="beats" id="id62">
              <Audio channels="1" duration="2.0" sampleRate="48000" id="id63"><File path="${audio2}"/></Audio>
              <Warp time="0.0" contentTime="0.0"/>
              <Warp time="4.0" contentTime="2.0"/>
            </Warps>
          </Clip>
        </Clips>
      </Lanes>
      <Lanes track="id32" id="id64">
        <Clips id="id65">
          <Clip time="0.0" duration="8.0" playStart="0.0" name="Chords">
            <Notes id="id66">
              <Note time="0.0" duration="1.0" channel="0" key="60" vel="0.8" rel="0.5"/>
              <Note time="1.0" duration="0.5" channel="0" key="64" vel="1.0" rel="0.5"/>
              <Note time="2.5" duration="1.5" channel="0" key="67" vel="0.25" rel="0.5"/>
            </Notes>
          </Clip>
        </Clips>
      </Lanes>
    </Lanes>
    <Markers id="id70">
      <Marker time="0.0" name="Intro"/>
      <Marker time="12.0" name="Verse"/>
    </Markers>
  </Arrangement>
  <Scenes/>
</Project>`;
}

/** The rate-48000 frames of `beats` at 100 bpm. */
const fb = (beats) => Math.round(beats * 60 / 100 * 48000);

async function projectsOf(user) {
  const r = await http(server, 'GET', '/api/projects', { token: user.token });
  assert.equal(r.status, 200, r.text);
  return r.json.projects.map((p) => p.id).sort();
}

/** Every file under the data folder's assets (names), and the assets rows. */
function assetFiles() {
  const dir = path.join(server.dataDir, 'assets');
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
function tmpFiles() {
  const dir = path.join(server.dataDir, 'tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
function assetRows() {
  return storeSql(server.dataDir, 'SELECT count(*) FROM assets; SELECT count(*) FROM projects;');
}
function state() {
  return { files: assetFiles(), tmp: tmpFiles(), rows: assetRows() };
}

async function importFile(buf, { user = ana, name = 'Imported', format = 'dawproject' } = {}) {
  return http(server, 'POST', `/api/projects/import?format=${format}&name=${encodeURIComponent(name)}`, {
    token: user?.token, raw: buf, headers: { 'content-type': 'application/octet-stream' },
  });
}

/** The imported project's objects by kind, from a fresh welcome. */
async function documentOf(project, user = ana) {
  const { client, welcome } = await join(server, user, project);
  await client.close();
  const by = {};
  for (const o of welcome.snapshot.objects) (by[o.kind] ||= []).push(o);
  return { welcome, by, get: (id) => welcome.snapshot.objects.find((o) => o.id === id) };
}

/** Asserts that importing buf is refused with status and a message matching re, and nothing is left. */
async function refused(buf, status, re, opts = {}) {
  const before = { projects: await projectsOf(ana), ...state() };
  const r = await importFile(buf, opts);
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && typeof r.json.message === 'string', r.text);
  assert.match(r.json.message, re);
  const afterState = { projects: await projectsOf(ana), ...state() };
  assert.deepEqual(afterState, before, 'nothing may be left behind');
  return r;
}

test('a Bitwig-style project in beats imports: tracks, mix, devices, clips, notes, markers, automation; the report names what was dropped', async () => {
  const drums = toneWav(220, 3); const bass = toneWav(110, 2);
  const zip = makeZip(path.join(work, 'bitwig.dawproject'), [
    { name: 'project.xml', text: bitwigProject() },
    { name: 'metadata.xml', text: META },
    { name: 'audio/drums.wav', data: drums },
    { name: 'audio/bass.wav', data: bass },
    { name: 'plugins/proq3.vstpreset', data: Buffer.from('VST3 preset bytes') },
  ]);
  const r = await importFile(zip, { name: 'Bitwig sketch' });
  assert.equal(r.status, 201, r.text);
  const rep = r.json.report;
  assert.equal(rep.tracks, 4);
  assert.equal(rep.clips, 4);
  assert.equal(rep.notes, 3);
  assert.ok(rep.dropped.some((l) => /2 VST3 plug-ins kept as names only/.test(l) && /Pro-Q 3/.test(l) && /Serum/.test(l)), JSON.stringify(rep.dropped));
  assert.ok(rep.dropped.some((l) => /EQ band of a type mixroom lacks/.test(l) && /notch/.test(l)), JSON.stringify(rep.dropped));
  assert.ok(rep.dropped.some((l) => /time-stretched/.test(l)), JSON.stringify(rep.dropped));
  assert.ok(rep.dropped.some((l) => /held \(stepped\)/.test(l)), JSON.stringify(rep.dropped));
  assert.ok((await projectsOf(ana)).includes(r.json.project));

  const { by, welcome } = await documentOf(r.json.project);
  const project = by.project[0];
  assert.equal(project.name, 'Bitwig sketch');
  assert.equal(project.tempo, 100);
  assert.deepEqual(project.meter, [3, 4]);
  assert.equal(project.sample_rate, 48000);
  const tracks = by.track.sort((a, b) => (a.order < b.order ? -1 : 1));
  assert.deepEqual(tracks.map((t) => [t.name, t.role]), [['Drums', 'audio'], ['Bass', 'audio'], ['Keys', 'instrument'], ['Reverb bus', 'bus']]);
  const [drumsT, bassT, keysT, busT] = tracks;
  assert.equal(drumsT.color, '#d92e24');
  assert.ok(Math.abs(drumsT.gain - 20 * Math.log10(0.5)) < 1e-6, `gain ${drumsT.gain}`);
  assert.ok(Math.abs(drumsT.pan - -0.5) < 1e-9);
  assert.equal(drumsT.mute, false);
  assert.equal(bassT.mute, true);
  assert.equal(bassT.solo, true);
  assert.equal(bassT.gain, 0);
  assert.ok(Math.abs(busT.gain - 20 * Math.log10(0.7071)) < 1e-6);
  for (const t of tracks) assert.equal(t.output, 'master');
  // the send to the bus
  assert.equal(by.send.length, 1);
  assert.equal(by.send[0].track, drumsT.id);
  assert.equal(by.send[0].target, busT.id);
  assert.ok(Math.abs(by.send[0].level - 20 * Math.log10(0.5)) < 1e-6);
  assert.equal(by.send[0].pre, false);
  // the built-in devices
  const fx = by.effect.sort((a, b) => (a.track + a.order < b.track + b.order ? -1 : 1));
  const eq = fx.find((e) => e.type === 'eq');
  assert.equal(eq.track, drumsT.id);
  assert.deepEqual(eq.params.bands.map((b) => b.type), ['peak', 'highpass']);
  assert.equal(eq.params.bands[0].freq, 2500);
  assert.equal(eq.params.bands[0].gain, -3.5);
  assert.equal(eq.params.bands[0].q, 1.4);
  const comp = fx.find((e) => e.type === 'compressor');
  assert.equal(comp.track, drumsT.id);
  assert.ok(eq.order < comp.order, 'device order kept');
  assert.equal(comp.params.threshold, -20);
  assert.equal(comp.params.ratio, 3);
  assert.ok(Math.abs(comp.params.attack - 5) < 1e-9);
  assert.ok(Math.abs(comp.params.release - 200) < 1e-9);
  assert.equal(comp.params.makeup, 2);
  const lim = fx.find((e) => e.type === 'limiter');
  assert.equal(lim.track, bassT.id);
  assert.equal(lim.params.ceiling, -2);
  assert.ok(Math.abs(lim.params.release - 100) < 1e-9);
  // clips: beats at 100 bpm into frames; fades in beats; offset in seconds
  const clips = by.clip.sort((a, b) => a.start - b.start || (a.name < b.name ? -1 : 1));
  const beat = clips.find((c) => c.name === 'Beat');
  assert.equal(beat.track, drumsT.id);
  assert.equal(beat.start, 0);
  assert.equal(beat.length, fb(4));
  assert.equal(beat.fade_in, fb(0.5));
  assert.equal(beat.fade_out, fb(1));
  assert.equal(beat.offset, 0);
  assert.equal(beat.mute, false);
  const beat2 = clips.find((c) => c.name === 'Beat 2');
  assert.equal(beat2.start, fb(8));
  assert.equal(beat2.length, fb(2));
  assert.equal(beat2.offset, 24000);
  assert.equal(beat2.mute, true, 'enable="false" is a muted clip');
  assert.equal(beat2.asset, beat.asset, 'one file, one asset');
  const bassClip = clips.find((c) => c.name === 'Bass clip');
  assert.equal(bassClip.track, bassT.id);
  assert.equal(bassClip.start, fb(4));
  assert.notEqual(bassClip.asset, beat.asset);
  const assets = welcome.assets;
  assert.equal(assets.length, 2);
  for (const a of assets) assert.equal(a.state, 'ready');
  assert.deepEqual(assets.map((a) => a.name).sort(), ['bass.wav', 'drums.wav']);
  const chords = clips.find((c) => c.name === 'Chords');
  assert.equal(chords.track, keysT.id);
  assert.equal(chords.asset, null);
  assert.equal(chords.length, fb(8));
  const notes = by.note.sort((a, b) => a.at - b.at);
  assert.deepEqual(notes.map((n) => [n.clip, n.at, n.len, n.pitch, n.vel]), [
    [chords.id, 0, 960, 60, 102], [chords.id, 960, 480, 64, 127], [chords.id, 2400, 1440, 67, 32]]);
  // markers
  assert.deepEqual(by.marker.map((m) => [m.name, m.at]).sort((a, b) => a[1] - b[1]), [['Intro', 0], ['Verse', fb(12)]]);
  // automation: volume (linear -> dB), pan (normalized -> -1..1), the compressor threshold
  const autos = by.automation;
  const vol = autos.find((a) => a.param === 'gain');
  assert.equal(vol.track, drumsT.id);
  assert.equal(vol.points.length, 2);
  assert.equal(vol.points[0][0], 0);
  assert.ok(Math.abs(vol.points[0][1] - 20 * Math.log10(0.5)) < 1e-6);
  assert.deepEqual(vol.points[1], [fb(4), 0]);
  const pan = autos.find((a) => a.param === 'pan');
  assert.deepEqual(pan.points, [[0, -1], [fb(2), 1]]);
  const thr = autos.find((a) => a.param === `${comp.id}.threshold`);
  assert.deepEqual(thr.points, [[0, -30]]);
  // one revision, and it is in the history
  assert.equal(welcome.rev, 1);
});

test('seconds and decibels: a project in timeUnit seconds with decibel volumes imports the same mix', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0"><Application name="Studio One" version="6"/>
<Transport><Tempo unit="bpm" value="120"/><TimeSignature numerator="4" denominator="4"/></Transport>
<Structure>
  <Track contentType="audio" id="t1" name="Vox"><Channel role="regular" id="c1" destination="m1">
    <Pan unit="linear" min="-1" max="1" value="0.3" id="p1"/><Volume unit="decibel" value="-6" id="v1"/></Channel></Track>
  <Channel role="master" id="m1"><Volume unit="decibel" value="-1.5" id="v2"/></Channel>
</Structure>
<Arrangement><Lanes timeUnit="seconds"><Lanes track="t1"><Clips>
  <Clip time="1.5" duration="1.0" playStart="0.25" fadeInTime="0.1" fadeOutTime="0.2" name="Take">
    <Audio channels="1" duration="2" sampleRate="44100"><File path="vox.wav"/></Audio></Clip>
</Clips>
<Points unit="decibel"><Target parameter="v1"/><RealPoint time="0" value="-6"/><RealPoint time="1" value="-200"/></Points>
</Lanes></Lanes><Markers><Marker time="0.5" name="Start"/></Markers></Arrangement></Project>`;
  const zip = makeZip(path.join(work, 'seconds.dawproject'), [
    { name: 'project.xml', text: xml }, { name: 'vox.wav', data: toneWav(330, 2, 0.4, 44100) }]);
  const r = await importFile(zip, { name: 'Seconds' });
  assert.equal(r.status, 201, r.text);
  const { by } = await documentOf(r.json.project);
  assert.equal(by.project[0].sample_rate, 44100, 'the rate of the audio');
  assert.equal(by.project[0].master_gain, -1.5);
  const t = by.track[0];
  assert.equal(t.gain, -6);
  assert.ok(Math.abs(t.pan - 0.3) < 1e-9);
  const c = by.clip[0];
  assert.deepEqual([c.start, c.length, c.offset, c.fade_in, c.fade_out], [66150, 44100, 11025, 4410, 8820]);
  assert.deepEqual(by.marker.map((m) => m.at), [22050]);
  assert.deepEqual(by.automation[0].points, [[0, -6], [44100, -96]]);
});

test('no login is 401; a wrong format is 400; nothing is created', async () => {
  const zip = makeZip(path.join(work, 'ok.dawproject'), [{ name: 'project.xml', text: bitwigProject() }]);
  await refused(zip, 401, /./, { user: null });
  await refused(zip, 400, /format must be "dawproject"/, { format: 'zip' });
});

test('bad archives are refused naming the problem, leaving nothing behind', async () => {
  const wav = toneWav(220, 1);
  // not a zip
  await refused(Buffer.from('this is not a zip file at all'), 400, /not a zip archive/);
  // a zip bomb: 1 GiB of zeros
  const bomb = makeZip(path.join(work, 'bomb.dawproject'), [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', zeros: 1 << 30 }]);
  assert.ok(bomb.length < 8 << 20, `the bomb is ${bomb.length} bytes`);
  await refused(bomb, 413, /audio\/drums\.wav.*max_dawproject_ratio/);
  // many entries
  const many = makeZip(path.join(work, 'many.dawproject'), [
    { name: 'project.xml', text: bitwigProject() },
    ...Array.from({ length: 600 }, (_, i) => ({ name: `junk/${i}.txt`, text: 'x' }))]);
  await refused(many, 413, /601 entries.*max_dawproject_entries/);
  // entry names escaping the archive
  for (const bad of ['../x.wav', '/etc/x', 'a/../../x.wav', 'audio\\x.wav']) {
    const z = makeZip(path.join(work, 'escape.dawproject'), [
      { name: 'project.xml', text: bitwigProject() }, { name: bad, data: wav }]);
    await refused(z, 400, /not a plain relative path/);
  }
  // File paths in project.xml escaping the archive
  for (const bad of ['../x.wav', '/etc/passwd']) {
    const z = makeZip(path.join(work, 'escape2.dawproject'), [
      { name: 'project.xml', text: bitwigProject({ audioPath: bad }) }, { name: 'audio/bass.wav', data: wav }]);
    await refused(z, 400, /refers to the file ".*", which is not a plain path inside the archive/);
  }
  // missing audio
  const missing = makeZip(path.join(work, 'missing.dawproject'), [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', data: wav }]);
  await refused(missing, 400, /audio file "audio\/bass\.wav", which is not in the archive/);
  // no project.xml
  await refused(makeZip(path.join(work, 'empty.dawproject'), [{ name: 'readme.txt', text: 'hi' }]), 400, /no project\.xml/);
  // broken audio: the second file is not audio; the first one imported fine in the check
  const broken = makeZip(path.join(work, 'broken.dawproject'), [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', data: wav },
    { name: 'audio/bass.wav', data: Buffer.concat([wav.subarray(0, 44), Buffer.from('garbage'.repeat(10))]) }]);
  await refused(broken, 400, /audio file "audio\/bass\.wav" cannot be imported/);
  const noise = makeZip(path.join(work, 'noise.dawproject'), [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', data: wav },
    { name: 'audio/bass.wav', data: Buffer.from('RIFF....not a wave at all') }]);
  await refused(noise, 400, /audio file "audio\/bass\.wav" cannot be imported/);
});

test('XML that does not validate, or declares entities, is refused; no external entity is ever read', async () => {
  const wav = toneWav(220, 1);
  const withXml = (xml, file = 'project.xml') => makeZip(path.join(work, 'xml.dawproject'), [
    { name: 'project.xml', text: file === 'project.xml' ? xml : bitwigProject() },
    ...(file === 'metadata.xml' ? [{ name: 'metadata.xml', text: xml }] : []),
    { name: 'audio/drums.wav', data: wav }, { name: 'audio/bass.wav', data: wav }]);
  // a wrong element
  await refused(withXml(bitwigProject().replace('<Transport>', '<Transport><Speed value="2"/>')), 400,
    /project\.xml does not validate against Project\.xsd \(line \d+: .*Speed/);
  // not well-formed
  await refused(withXml('<Project version="1.0"><Application'), 400, /project\.xml is not well-formed XML/);
  // billion laughs
  const lol = `<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<Project version="1.0"><Application name="&lol9;" version="1"/></Project>`;
  await refused(withXml(lol), 400, /project\.xml has a DOCTYPE/);
  // an external entity pointing at a local file: refused, and the secret never shows
  const secret = path.join(work, 'secret.txt');
  fs.writeFileSync(secret, 'TOP-SECRET-CONTENT-4711');
  const xxe = (f) => `<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file://${f}">]>
<Project version="1.0"><Application name="&xxe;" version="1"/><Structure><Track contentType="audio" id="t1" name="&xxe;"><Channel role="regular" id="c1"/></Track></Structure></Project>`;
  for (const f of [secret, '/etc/passwd']) {
    const r = await refused(withXml(xxe(f)), 400, /has a DOCTYPE/);
    assert.ok(!r.text.includes('TOP-SECRET') && !r.text.includes('root:'), r.text);
  }
  // the same in metadata.xml
  const metaXxe = `<?xml version="1.0"?><!DOCTYPE MetaData [<!ENTITY xxe SYSTEM "file://${secret}">]><MetaData><Title>&xxe;</Title></MetaData>`;
  const r = await refused(withXml(metaXxe, 'metadata.xml'), 400, /metadata\.xml has a DOCTYPE/);
  assert.ok(!r.text.includes('TOP-SECRET'), r.text);
  // a DOCTYPE hidden in UTF-16
  const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xxe(secret).replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'), 'utf16le')]);
  const z16 = makeZip(path.join(work, 'u16.dawproject'), [{ name: 'project.xml', data: u16 }]);
  const r16 = await refused(z16, 400, /has a DOCTYPE/);
  assert.ok(!r16.text.includes('TOP-SECRET'), r16.text);
  // the server log never saw the secret either
  assert.ok(!server.log().includes('TOP-SECRET'));
});

/** On a server of its own with `flag` = value: the zip of `entries` is 413 naming the flag's setting, and no project is made. */
async function refusedByLimit(flag, value, entries) {
  const small = await startServer({ args: [`--${flag}`, String(value)] });
  try {
    const u = makeUser(small, 'cat');
    const zip = makeZip(path.join(work, 'limit.dawproject'), entries);
    const r = await http(small, 'POST', '/api/projects/import?format=dawproject&name=Big', { token: u.token, raw: zip });
    assert.equal(r.status, 413, r.text);
    assert.match(r.json.message, new RegExp(flag.replace(/-/g, '_')));
    const list = await http(small, 'GET', '/api/projects', { token: u.token });
    assert.deepEqual(list.json.projects, []);
  } finally { await small.stop(); }
}

test('over max_dawproject_bytes is 413 naming the setting', async () => {
  await refusedByLimit('max-dawproject-bytes', 4096, [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', data: toneWav(220, 1) }]);
});

test('max_dawproject_unpacked_bytes bounds what an archive inflates', async () => {
  await refusedByLimit('max-dawproject-unpacked-bytes', 1 << 20, [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', data: toneWav(220, 16) },
    { name: 'audio/bass.wav', data: toneWav(220, 1) }]);
});

test('an import belongs to its importer only', async () => {
  const zip = makeZip(path.join(work, 'own.dawproject'), [
    { name: 'project.xml', text: bitwigProject() }, { name: 'audio/drums.wav', data: toneWav(220, 1) },
    { name: 'audio/bass.wav', data: toneWav(110, 1) }]);
  const r = await importFile(zip, { user: ben, name: 'Ben song' });
  assert.equal(r.status, 201, r.text);
  assert.ok((await projectsOf(ben)).includes(r.json.project));
  assert.ok(!(await projectsOf(ana)).includes(r.json.project));
  const g = await http(server, 'GET', `/api/projects/${r.json.project}`, { token: ben.token });
  assert.equal(g.json.project.role, 'owner');
  assert.equal(g.json.project.name, 'Ben song');
});

test("an export of a rich project (h22-exp's format=dawproject) imports back to the same document, field by field", async () => {
  const dana = makeUser(server, 'dana');
  const src = makeProject(server, 'Mix Session', 'dana');
  const { client } = await join(server, dana, src);
  const aVox = await uploadAsset(server, dana, src, client, 'vox take.wav', toneWav(440, 3, 0.4));
  const aGtr = await uploadAsset(server, dana, src, client, 'gtr.wav', toneWav(300, 2, 0.3));
  await pushOps(client, [
    { op: 'create', id: 't_vox', kind: 'track', fields: { name: 'Vocals', order: 'a1', gain: -6, pan: -0.5, solo: true, color: '#cc3344' } },
    { op: 'create', id: 't_gtr', kind: 'track', fields: { name: 'Guitar', order: 'a2', mute: true, gain: null } },
    { op: 'create', id: 'k_keys', kind: 'track', fields: { name: 'Keys', order: 'a3', role: 'instrument', instrument: { type: 'synth', preset: 'pad', cutoff: 1234 } } },
    { op: 'create', id: 'k_drums', kind: 'track', fields: { name: 'Drums', order: 'a35', role: 'instrument', instrument: { type: 'drums' } } },
    { op: 'create', id: 'b_verb', kind: 'track', fields: { name: 'Verb', order: 'a4', role: 'bus' } },
    { op: 'create', id: 'b_sub', kind: 'track', fields: { name: 'Group', order: 'a5', role: 'bus', gain: -2 } },
  ]);
  await pushOps(client, [
    { op: 'set', id: 'project', fields: { tempo: 96, meter: [3, 4], master_gain: -1 } },
    { op: 'set', id: 't_gtr', fields: { output: 'b_sub' } },
    { op: 'create', id: 'c_vox', kind: 'clip', fields: { track: 't_vox', asset: aVox, start: 48000, offset: 4800, length: 96000, fade_in: 2400, fade_out: 4800, gain: -3, name: 'Verse vox' } },
    { op: 'create', id: 'c_vox2', kind: 'clip', fields: { track: 't_vox', asset: aVox, start: 240000, length: 48000, mute: true } },
    { op: 'create', id: 'c_gtr', kind: 'clip', fields: { track: 't_gtr', asset: aGtr, start: 0, length: 96000, gain: 4.5 } },
    { op: 'create', id: 'c_keys', kind: 'clip', fields: { track: 'k_keys', start: 0, length: 240000, offset: 12000, name: 'Pad' } },
    { op: 'create', id: 'c_drums', kind: 'clip', fields: { track: 'k_drums', start: 90000, length: 60000 } },
    { op: 'create', id: 'n_1', kind: 'note', fields: { clip: 'c_keys', at: 0, len: 480, pitch: 60, vel: 100 } },
    { op: 'create', id: 'n_2', kind: 'note', fields: { clip: 'c_keys', at: 960, len: 960, pitch: 64, vel: 127 } },
    { op: 'create', id: 'n_3', kind: 'note', fields: { clip: 'c_keys', at: 961, len: 7, pitch: 67, vel: 1 } },
    { op: 'create', id: 'n_4', kind: 'note', fields: { clip: 'c_drums', at: 240, len: 120, pitch: 36, vel: 90 } },
    { op: 'create', id: 'm_intro', kind: 'marker', fields: { at: 0, name: 'Intro' } },
    { op: 'create', id: 'm_chorus', kind: 'marker', fields: { at: 96001, name: 'Chorus' } },
    { op: 'create', id: 's_vox', kind: 'send', fields: { track: 't_vox', target: 'b_verb', level: -10, pre: true } },
    { op: 'create', id: 's_gtr', kind: 'send', fields: { track: 't_gtr', target: 'b_verb', level: null } },
    { op: 'create', id: 'e_eq', kind: 'effect', fields: { track: 't_vox', type: 'eq', order: 'a1', params: { bands: [{ type: 'peak', freq: 2500, gain: 3, q: 1.2 }, { type: 'highpass', freq: 80, gain: 0, q: 0.707 }, { type: 'lowshelf', freq: 200, gain: -2, q: 0.5 }] } } },
    { op: 'create', id: 'e_comp', kind: 'effect', fields: { track: 't_vox', type: 'compressor', order: 'a2', params: { threshold: -20, ratio: 3, attack: 5, release: 120, knee: 4, makeup: 2 } } },
    { op: 'create', id: 'e_rev', kind: 'effect', fields: { track: 'b_verb', type: 'reverb', params: { size: 0.7, mix: 1 } } },
    { op: 'create', id: 'e_del', kind: 'effect', fields: { track: 'b_verb', type: 'delay', order: 'b', bypass: true, params: { time: 375, feedback: 0.4 } } },
    { op: 'create', id: 'e_lim', kind: 'effect', fields: { track: 'b_sub', type: 'limiter', bypass: true, params: { ceiling: -1.5, release: 60, lookahead: 3 } } },
    { op: 'create', id: 'au_gain', kind: 'automation', fields: { track: 't_vox', param: 'gain', points: [[0, -6], [48000, 0], [48001, -96]] } },
    { op: 'create', id: 'au_pan', kind: 'automation', fields: { track: 't_vox', param: 'pan', points: [[0, -1], [96000, 1]] } },
    { op: 'create', id: 'au_thr', kind: 'automation', fields: { track: 't_vox', param: 'e_comp.threshold', points: [[0, -30], [48000, -10]] } },
    { op: 'create', id: 'au_rel', kind: 'automation', fields: { track: 't_vox', param: 'e_comp.release', points: [[100, 50]] } },
    { op: 'create', id: 'au_ceil', kind: 'automation', fields: { track: 'b_sub', param: 'e_lim.ceiling', points: [[7, -3]] } },
  ]);
  await client.close();
  const ex = await fetch(`${server.url}/api/projects/${src}/export?format=dawproject`, { headers: { authorization: `Bearer ${dana.token}` } });
  assert.equal(ex.status, 200, await ex.clone().text());
  const zip = Buffer.from(await ex.arrayBuffer());
  const r = await importFile(zip, { user: dana, name: 'Mix Session' });
  assert.equal(r.status, 201, r.text);
  assert.notEqual(r.json.project, src);
  assert.deepEqual(r.json.report.dropped, [], 'nothing of a mixroom project is dropped');
  assert.deepEqual([r.json.report.tracks, r.json.report.clips, r.json.report.notes, r.json.report.markers], [6, 5, 4, 2]);
  const { welcome: a } = await documentOf(src, dana);
  const { welcome: b } = await documentOf(r.json.project, dana);
  const want = comparable(a); const got = comparable(b);
  assert.deepEqual(Object.fromEntries(Object.entries(want).map(([k, v]) => [k, Array.isArray(v) ? v.length : 1])),
    { project: 1, tracks: 6, effects: 5, sends: 2, clips: 5, notes: 4, markers: 2, automation: 5 });
  assert.equal(want.tracks[2].instrument.cutoff, 1234);
  assert.equal(want.clips.find((c) => c.name === 'Verse vox').gain, -3);
  for (const k of Object.keys(want)) assert.deepEqual(got[k], want[k], `${k} differ`);
  assert.equal(b.assets.length, 2);
  for (const x of b.assets) assert.equal(x.state, 'ready');
});
