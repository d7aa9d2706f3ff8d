// dawproject_lib.mjs -- what the DAWproject round-trip tests share: a
// project's document in a form two projects can be compared in
// (dawproject_import.test.mjs over HTTP, dawproject_cli.test.mjs with
// `mixroom export-dawproject` / `import-dawproject`).

/**
 * A document as names and values only (ids differ between two projects):
 * every field of every object, references replaced by the names of what
 * they point at, numbers rounded to 1e-6, lists in a stable order.
 */
export function comparable(welcome) {
  const objs = welcome.snapshot.objects;
  const by = (k) => objs.filter((o) => o.kind === k);
  const round = (v) => (Array.isArray(v) ? v.map(round) : v && typeof v === 'object'
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, round(v[k])]))
    : typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v);
  const rest = (o, drop) => round(Object.fromEntries(Object.entries(o).filter(([k]) => !['id', 'kind', ...drop].includes(k))));
  const tracks = by('track').sort((a, b) => (a.order < b.order ? -1 : 1));
  const tname = Object.fromEntries(tracks.map((t) => [t.id, t.name]));
  const assetName = Object.fromEntries(welcome.assets.map((a) => [a.id, `${a.name} (${a.frames} frames, ${a.channels} ch)`]));
  const effects = by('effect').sort((a, b) => (tname[a.track] + a.order < tname[b.track] + b.order ? -1 : 1));
  const ename = Object.fromEntries(effects.map((e) => [e.id, `${tname[e.track]}/${e.type}`]));
  const clips = by('clip').sort((a, b) => (tname[a.track] < tname[b.track] ? -1 : tname[a.track] > tname[b.track] ? 1 : a.start - b.start));
  const cname = Object.fromEntries(clips.map((c) => [c.id, `${tname[c.track]}@${c.start}`]));
  const param = (p) => (p.includes('.') ? `${ename[p.split('.')[0]]}.${p.split('.')[1]}` : p);
  return {
    project: rest(by('project')[0], []),
    tracks: tracks.map((t) => ({ ...rest(t, ['order', 'output']), output: t.output === 'master' ? 'master' : tname[t.output] })),
    effects: effects.map((e) => ({ track: tname[e.track], ...rest(e, ['track', 'order']) })),
    sends: by('send').map((x) => ({ track: tname[x.track], target: tname[x.target], ...rest(x, ['track', 'target']) })).sort((a, b) => (a.track < b.track ? -1 : 1)),
    clips: clips.map((c) => ({ track: tname[c.track], asset: c.asset ? assetName[c.asset] : null, ...rest(c, ['track', 'asset']) })),
    notes: by('note').map((n) => ({ clip: cname[n.clip], ...rest(n, ['clip']) })).sort((a, b) => (a.clip < b.clip ? -1 : a.clip > b.clip ? 1 : a.at - b.at || a.pitch - b.pitch)),
    markers: by('marker').map((m) => rest(m, [])).sort((a, b) => a.at - b.at),
    automation: by('automation').map((a) => ({ track: tname[a.track], param: param(a.param), ...rest(a, ['track', 'param']) })).sort((a, b) => (a.track + a.param < b.track + b.param ? -1 : 1)),
  };
}
