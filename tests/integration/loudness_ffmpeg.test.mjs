// loudness_ffmpeg.test.mjs -- mixroom's loudness figures agree with a
// reference meter: ffmpeg's ebur128 filter measures the same render of the
// demo song (real generated music: drums, bass, chords) within 0.1 LU.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { cli, http, makeUser, addMember, startServer } from './harness.mjs';

function ffmpegLoudness(file) {
  const r = spawnSync('ffmpeg', ['-nostats', '-hide_banner', '-i', file,
    '-filter_complex', 'ebur128=peak=true', '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'ffmpeg is needed (Debian package ffmpeg)');
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  const num = (re) => Number(summary.match(re)[1]);
  return {
    integrated: num(/I:\s+(-?[\d.]+) LUFS/),
    range: num(/LRA:\s+(-?[\d.]+) LU/),
    truePeak: num(/Peak:\s+(-?[\d.]+) dBFS/),
  };
}

test('render loudness matches ffmpeg ebur128 within 0.1 LU', async () => {
  const s = await startServer({ demo: true });
  let project;
  try {
    const list = cli(['project', 'list'], { dataDir: s.dataDir });
    project = list.stdout.split('\n').find((l) => l.includes('Demo song')).split(/\s+/)[0];
    assert.match(project, /^p_/);
    // The HTTP endpoint and the CLI give the same figures.
    const viewer = makeUser(s, 'lou');
    addMember(s, project, 'lou', 'viewer');
    const h = await http(s, 'GET', `/api/projects/${project}/loudness`, { token: viewer.token });
    assert.equal(h.status, 200, h.text);
    await s.stop();

    const out = path.join(s.dataDir, 'demo.wav');
    const r = cli(['render', project, out, '--format', 'wav32'], { dataDir: s.dataDir });
    assert.equal(r.status, 0, r.stderr);
    const m = r.stdout.match(/integrated (-?[\d.]+) LUFS, range (-?[\d.]+) LU, sample peak (-?[\d.]+) dBFS, true peak (-?[\d.]+) dBTP/);
    assert.ok(m, r.stdout);
    const ours = { integrated: Number(m[1]), range: Number(m[2]), truePeak: Number(m[4]) };
    assert.ok(Math.abs(h.json.integrated_lufs - ours.integrated) < 0.051, `HTTP ${h.json.integrated_lufs} vs CLI ${ours.integrated}`);

    const ref = ffmpegLoudness(out);
    assert.ok(ours.integrated < -5 && ours.integrated > -40, `a real render: ${ours.integrated} LUFS`);
    assert.ok(Math.abs(ours.integrated - ref.integrated) <= 0.1,
      `integrated: mixroom ${ours.integrated} LUFS, ffmpeg ${ref.integrated} LUFS`);
    assert.ok(Math.abs(ours.range - ref.range) <= 0.1 + 1e-9,
      `range: mixroom ${ours.range} LU, ffmpeg ${ref.range} LU`);
    // ffmpeg rounds its true peak to 0.1 dB and oversamples differently; 0.3 dB.
    assert.ok(Math.abs(ours.truePeak - ref.truePeak) <= 0.3,
      `true peak: mixroom ${ours.truePeak} dBTP, ffmpeg ${ref.truePeak} dBFS`);
  } finally {
    await s.stop();
  }
});
