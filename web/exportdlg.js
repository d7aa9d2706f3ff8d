// exportdlg.js -- the Export dialog: format (WAV 16/24-bit or float, FLAC
// 16/24-bit, Opus), range (whole song, the selected range), revision
// (head, a named version or a revision number), and stems (one file per
// track in a zip, ?stems=1). The file is
// fetched from GET /api/projects/{id}/export with a ReadableStream reader
// counting bytes for the progress bar (the size is estimated: the server
// streams while it renders); the loudness (GET .../loudness: integrated
// LUFS, range, sample and true peak) is shown with the download link.
// Safe deliveries: the dialog measures the chosen range when it opens (and
// when the range or revision changes) and warns when its true peak is over
// -1 dBTP; a loudness target (-14 streaming, -16 Apple Music, -23 EBU R128)
// exports with normalize=LUFS (the server limits the true peak to -1
// dBTP); the file is exactly the range (tail=0) unless "Include tails" is
// ticked for the whole song (tail=1: effects ring on after the last clip).

import { h, modal, fmtTime } from './ui.js';

export const FORMATS = [
  ['wav16', 'WAV 16-bit', 'wav'], ['wav24', 'WAV 24-bit', 'wav'], ['wav', 'WAV 32-bit float', 'wav'],
  ['flac', 'FLAC 16-bit', 'flac'], ['flac24', 'FLAC 24-bit', 'flac'], ['opus', 'Opus (Ogg)', 'opus'],
];

/** Expected size in bytes of an export of `frames` stereo frames (for the progress bar). */
export function estimateBytes(format, frames, rate) {
  const secs = frames / rate;
  switch (format) {
    case 'wav16': return 44 + frames * 4;
    case 'wav24': return 44 + frames * 6;
    case 'wav': return 80 + frames * 8;
    case 'flac': return Math.max(4096, frames * 4 * 0.6);
    case 'flac24': return Math.max(4096, frames * 6 * 0.6);
    default: return Math.max(2048, (secs * 160000) / 8);
  }
}

/** Loudness targets: [value for normalize=, label]. */
export const TARGETS = [
  ['', 'None (as mixed)'], ['-14', '−14 LUFS (streaming)'], ['-16', '−16 LUFS (Apple Music)'], ['-23', '−23 LUFS (EBU R128)'],
];
export const TP_LIMIT = -1; // dBTP: deliveries over it warn

const fmtBytes = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} kB`);

/** Opens the dialog; versions: [{name, rev}]. Returns the modal. */
export function openExport(S, versions = []) {
  const m = modal('Export the mix', { onclose: () => { if (ctrl) ctrl.abort(); if (url) URL.revokeObjectURL(url); } });
  let ctrl = null, url = null;
  const rate = S.doc.rate;
  const format = h('select', { 'aria-label': 'Format' }, FORMATS.map(([v, l]) => h('option', { value: v }, l)));
  const range = h('select', { 'aria-label': 'Range' },
    h('option', { value: 'all' }, `Whole song (${fmtTime(S.doc.end(), rate)})`),
    S.range ? h('option', { value: 'sel' }, `Selection ${fmtTime(S.range[0], rate)} – ${fmtTime(S.range[1], rate)}`) : null);
  if (S.range) range.value = 'sel';
  const rev = h('select', { 'aria-label': 'Revision' },
    h('option', { value: '' }, `Current (r${S.session.rev})`),
    versions.map((v) => h('option', { value: String(v.rev) }, `${v.name} (r${v.rev})`)));
  const stems = h('input', { type: 'checkbox', 'aria-label': 'Stems (one file per track, in a zip)' });
  const target = h('select', { 'aria-label': 'Loudness target' }, TARGETS.map(([v, l]) => h('option', { value: v }, l)));
  const tails = h('input', { type: 'checkbox', 'aria-label': 'Include tails' });
  const pre = h('div.precheck', { role: 'status', 'aria-live': 'polite' });
  let preSeq = 0;
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Export progress' });
  const state = h('div.estate', { role: 'status', 'aria-live': 'polite' });
  const loud = h('div.loudness');
  const out = h('div.eresult');
  const go = h('button.primary', { 'aria-label': 'Export', onclick: () => run() }, 'Export');
  m.body.append(
    h('label.erow', {}, h('span', {}, 'Format'), format),
    h('label.erow', {}, h('span', {}, 'Range'), range),
    h('label.erow', {}, h('span', {}, 'Revision'), rev),
    h('label.erow', { title: 'One file per track, in a zip; the stems sum to the mix' },
      h('span', {}, 'Stems'), h('span.check', {}, stems, 'one file per track (zip)')),
    h('label.erow', { title: 'Brings the integrated loudness to the target; a true-peak limiter keeps peaks at or under −1 dBTP' },
      h('span', {}, 'Loudness'), target),
    h('label.erow', { title: 'Let effect tails ring on after the last clip (the whole song only); otherwise the file is exactly the range' },
      h('span', {}, 'Tails'), h('span.check', {}, tails, 'include tails')),
    pre, h('div.row', {}, go), bar, state, loud, out);

  const base = `/api/projects/${encodeURIComponent(S.projectId)}`;
  /** The query of the export chosen (format, range, revision, target, tail). */
  function query() {
    const q = new URLSearchParams({ format: format.value });
    let frames = S.doc.end();
    if (range.value === 'sel' && S.range) { q.set('from', S.range[0]); q.set('to', S.range[1]); frames = S.range[1] - S.range[0]; }
    else q.set('tail', tails.checked ? '1' : '0');
    if (rev.value) q.set('rev', rev.value);
    if (target.value) q.set('normalize', target.value);
    return { q, frames };
  }
  const fdb = (x, u) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(1)} ${u}`);
  const fdbp = (x, u) => (Number.isFinite(x) && x > 0 ? `+${fdb(x, u)}` : fdb(x, u));
  /** Shows a loudness answer in el; the true peak is red with a warning over TP_LIMIT. */
  function showLoudness(el, l, what, pre = false) {
    const over = Number.isFinite(l.true_peak_dbtp) && l.true_peak_dbtp > TP_LIMIT;
    const p = pre ? 'Measured ' : '';
    el.replaceChildren(
      h(pre ? 'span.plufs' : 'span.lufs', { 'aria-label': `${p}Integrated loudness` }, fdb(l.integrated_lufs, 'LUFS')),
      h(`span.tp${over ? '.over' : '.ok'}`, { 'aria-label': `${p}True peak` }, `true peak ${fdb(l.true_peak_dbtp, 'dBTP')}`),
      h('span.dim', {}, `range ${fdb(l.range_lu, 'LU')} · sample peak ${fdb(l.sample_peak_dbfs, 'dBFS')}`),
      over ? h('div.tpwarn', { role: 'alert' }, `${what} peaks at ${fdbp(l.true_peak_dbtp, 'dBTP')}, over ${TP_LIMIT} dBTP: it may clip on playback or after encoding. Choose a loudness target to limit it.`) : null);
  }
  /** Measures what the export would hold before it is made (the target leaves peaks at or under -1 dBTP). */
  async function precheck() {
    const seq = ++preSeq;
    const { q } = query();
    q.delete('format');
    q.delete('normalize');
    pre.textContent = 'Measuring…';
    try {
      const r = await fetch(`${base}/loudness?${q}`, { credentials: 'same-origin' });
      const l = r.ok ? await r.json() : null;
      if (seq !== preSeq) return;
      if (!l) { pre.textContent = ''; return; }
      showLoudness(pre, l, range.value === 'sel' ? 'The selection' : 'The song', true);
      pre.dataset.tp = String(l.true_peak_dbtp);
    } catch { if (seq === preSeq) pre.textContent = ''; }
  }
  function syncTails() {
    const sel = range.value === 'sel';
    tails.disabled = sel;
    if (sel) tails.checked = false;
  }
  range.addEventListener('change', () => { syncTails(); precheck(); });
  rev.addEventListener('change', precheck);
  tails.addEventListener('change', precheck);
  syncTails();
  precheck();

  async function run() {
    go.disabled = true;
    out.replaceChildren();
    loud.replaceChildren();
    const { q, frames } = query();
    const lq = new URLSearchParams(q);
    lq.delete('format');
    if (stems.checked) q.set('stems', '1');
    const loudP = fetch(`${base}/loudness?${lq}`, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    ctrl = new AbortController();
    state.textContent = 'Rendering…';
    bar.value = 0;
    try {
      const r = await fetch(`${base}/export?${q}`, { credentials: 'same-origin', signal: ctrl.signal });
      if (!r.ok) {
        let msg = `export failed (${r.status})`;
        try { msg = (await r.json()).message || msg; } catch { /* not JSON */ }
        throw new Error(msg);
      }
      const tracks = stems.checked ? Math.max(1, S.doc.tracks().length) : 1;
      const total = Number(r.headers.get('content-length')) || tracks * estimateBytes(format.value, frames, rate);
      const reader = r.body.getReader();
      const parts = [];
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        got += value.length;
        bar.value = Math.min(0.99, got / total);
        state.textContent = `Rendering… ${fmtBytes(got)}`;
      }
      bar.value = 1;
      const cd = r.headers.get('content-disposition') || '';
      const fm = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
      const ext = stems.checked ? 'zip' : FORMATS.find((f) => f[0] === format.value)[2];
      const name = fm ? decodeURIComponent(fm[1]) : `${S.doc.project.name || 'mix'}.${ext}`;
      const blob = new Blob(parts, { type: r.headers.get('content-type') || 'application/octet-stream' });
      url = URL.createObjectURL(blob);
      state.textContent = `Done: ${fmtBytes(got)}`;
      S.lastExport = { bytes: got, name, format: format.value };
      const l = await loudP;
      if (l) {
        showLoudness(loud, l, 'The file');
        S.lastExport.loudness = l;
      }
      out.replaceChildren(h('a.button.primary.download', { href: url, download: name, 'aria-label': `Download ${name}` }, `⬇ Download ${name}`));
    } catch (e) {
      state.textContent = e.name === 'AbortError' ? 'Cancelled' : `Failed: ${e.message}`;
      state.classList.add('error');
    } finally {
      go.disabled = false;
      ctrl = null;
    }
  }
  return m;
}
