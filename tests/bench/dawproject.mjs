// dawproject.mjs -- the DAWproject export's cost (prints figures; never
// fails on time): a project with one MINUTES-long (default 10) stereo
// asset, exported over HTTP and with `mixroom export-dawproject`; the
// baseline of the same run is `cat` of the asset's samples file (the
// bytes the export copies) into /dev/null. Prints wall time, CPU time of
// the CLI process (from /proc via /usr/bin/time), MiB/s, the ratio to the
// baseline, and the server's peak RSS growth during the HTTP export.
//
// Usage (from the build directory, after `make`):
//   MXT_BIN=./mixroom node ../tests/bench/dawproject.mjs [minutes]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { join, makeProject, makeUser, startServer, tempDir } from '../integration/harness.mjs';
import { pushOps, uploadAsset } from '../integration/preview_lib.mjs';

const MINUTES = Number(process.argv[2] || 10);
const RATE = 48000;

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  const [wall, user, sys, maxrss] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, maxrss };
}

const server = await startServer();
try {
  const dir = tempDir('mixroom-bench-dawproject-');
  const user = makeUser(server, 'bench');
  const project = makeProject(server, 'Bench', 'bench');
  const { client } = await join(server, user, project);
  const wav = path.join(dir, 'long.wav');
  spawnSync('sox', ['-n', '-r', String(RATE), '-c', '2', '-b', '16', wav, 'synth', String(MINUTES * 60), 'sine', '220', 'vol', '0.3']);
  const asset = await uploadAsset(server, user, project, client, 'long.wav', fs.readFileSync(wav));
  await pushOps(client, [
    { op: 'create', id: 't1', kind: 'track', fields: { name: 'Long' } },
    { op: 'create', id: 'c1', kind: 'clip', fields: { track: 't1', asset, start: 0, length: MINUTES * 60 * RATE } },
  ]);
  const samples = spawnSync('sh', ['-c', `ls ${server.dataDir}/assets/*/*/samples-${RATE}`], { encoding: 'utf8' }).stdout.trim();
  const bytes = fs.statSync(samples).size;
  const mib = bytes / 1048576;
  // warm the page cache the same way for both
  timed('sh', ['-c', `cat '${samples}' > /dev/null`]);
  const base = timed('sh', ['-c', `cat '${samples}' > /dev/null`]);
  const out = path.join(dir, 'out.dawproject');
  const exp = timed(process.env.MXT_BIN || 'mixroom', ['export-dawproject', project, out, '--data', server.dataDir]);
  const pid = server.proc.pid;
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const hwm = () => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]);
  const before = hwm();
  const t0 = performance.now();
  const r = await fetch(`${server.url}/api/projects/${project}/export?format=dawproject`, { headers: { authorization: `Bearer ${user.token}` } });
  let total = 0;
  for await (const chunk of r.body) total += chunk.length;
  const httpWall = (performance.now() - t0) / 1000;
  const after = hwm();
  console.log(`asset: ${MINUTES} min stereo at ${RATE} Hz, samples file ${mib.toFixed(1)} MiB; archive ${(fs.statSync(out).size / 1048576).toFixed(1)} MiB`);
  console.log(`baseline cat > /dev/null: ${base.wall.toFixed(2)} s wall, ${base.cpu.toFixed(2)} s CPU (${(mib / Math.max(base.wall, 0.01)).toFixed(0)} MiB/s)`);
  console.log(`mixroom export-dawproject: ${exp.wall.toFixed(2)} s wall, ${exp.cpu.toFixed(2)} s CPU (${(mib / Math.max(exp.wall, 0.01)).toFixed(0)} MiB/s), max RSS ${(exp.maxrss / 1024).toFixed(1)} MiB; ${(exp.wall / Math.max(base.wall, 0.01)).toFixed(1)}x the baseline's wall time`);
  console.log(`HTTP export: ${(total / 1048576).toFixed(1)} MiB in ${httpWall.toFixed(2)} s (${(total / 1048576 / httpWall).toFixed(0)} MiB/s); server peak RSS ${before} -> ${after} KiB (+${((after - before) / 1024).toFixed(1)} MiB)`);
} finally {
  await server.stop();
}
