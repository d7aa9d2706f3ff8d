// exportdlg.js -- the Export dialog: format (WAV 16/24-bit or float, FLAC
// 16/24-bit, Opus), range (whole song, the selected range), revision
// (head, a named version or a revision number), and stems (one file per
// track in a zip, ?stems=1). The file is
// fetched from GET /api/projects/{id}/export with a ReadableStream reader
// counting bytes for the progress bar (the size is estimated: the server
// streams while it renders); the loudness (GET .../loudness: integrated
// LUFS, range, sample and true peak) is shown with the download link.

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
    h('div.row', {}, go), bar, state, loud, out);

  async function run() {
    go.disabled = true;
    out.replaceChildren();
    loud.replaceChildren();
    const q = new URLSearchParams({ format: format.value });
    let frames = S.doc.end();
    if (range.value === 'sel' && S.range) { q.set('from', S.range[0]); q.set('to', S.range[1]); frames = S.range[1] - S.range[0]; }
    if (rev.value) q.set('rev', rev.value);
    const base = `/api/projects/${encodeURIComponent(S.projectId)}`;
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
        const f1 = (x, u) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(1)} ${u}`);
        loud.replaceChildren(
          h('span.lufs', { 'aria-label': 'Integrated loudness' }, f1(l.integrated_lufs, 'LUFS')),
          h('span', { 'aria-label': 'True peak' }, `true peak ${f1(l.true_peak_dbtp, 'dBTP')}`),
          h('span.dim', {}, `range ${f1(l.range_lu, 'LU')} · sample peak ${f1(l.sample_peak_dbfs, 'dBFS')}`));
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
