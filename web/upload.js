// upload.js -- audio uploads: files dropped on the timeline (or chosen with
// the file picker) are sent to POST /api/projects/{id}/assets, with one
// progress bar per file through the upload (first half) and the server's
// import (second half, from the `asset` messages on the socket). When an
// asset is ready, a clip is created at the frame where the file was
// dropped (the playhead for the picker) on the track it was dropped on (the
// selected clip's track for the picker) when that track is an audio track
// with nothing in that range; otherwise on a new track. An import never
// overlaps an existing clip.

import { h, toast } from './ui.js';
import { uploadAsset } from './api.js';
import { newId } from './doc.js';
import { orderBetween } from './order.js';

/** True when trackId is an audio track with no clip overlapping [at, at+len). */
export function rangeFree(doc, trackId, at, len) {
  const t = doc.get(trackId);
  if (!t || t.kind !== 'track' || (t.role && t.role !== 'audio')) return false;
  return !doc.ofKind('clip').some((c) => c.track === trackId && c.start < at + len && at < c.start + c.length);
}

export function createUploads(S) {
  const list = h('div.uploads', { role: 'region', 'aria-label': 'Uploads' });
  const items = new Map(); // asset id -> item

  function item(file) {
    const bar = h('progress', { max: 100, value: 0, 'aria-label': `Progress of ${file.name}` });
    const state = h('span.ustate', {}, 'uploading');
    const el = h('div.upload', {}, h('div.uname', {}, file.name), bar, state);
    list.append(el);
    return {
      el,
      set(fraction, text) { bar.value = Math.round(fraction * 100); if (text) state.textContent = text; },
      done(text, ok = true) {
        bar.value = 100; state.textContent = text; el.classList.add(ok ? 'ok' : 'failed');
        setTimeout(() => el.remove(), ok ? 4000 : 12000);
      },
    };
  }

  function placeClip(it) {
    const a = S.session.assets.get(it.asset);
    if (!a || it.placed) return;
    it.placed = true;
    const ops = [];
    let track = it.track && rangeFree(S.doc, it.track, it.at, a.frames) ? it.track : null;
    if (!track) {
      const ts = S.doc.tracks();
      track = newId('t_');
      ops.push({ op: 'create', id: track, kind: 'track', fields: {
        name: it.file.name.replace(/\.[^.]+$/, '').slice(0, 200) || 'Audio',
        order: orderBetween(ts.length ? ts[ts.length - 1].order : null, null) || 'V',
        color: S.nextColor() } });
    }
    const id = newId('c_');
    ops.push({ op: 'create', id, kind: 'clip', fields: { track, asset: it.asset, start: it.at, offset: 0, length: a.frames, name: it.file.name.slice(0, 200) } });
    S.session.push(ops);
    it.ui.done('ready');
  }

  function onAsset(a) {
    const it = items.get(a.id);
    if (!it || it.placed) return;
    if (a.state === 'importing' || a.state === 'uploading') it.ui.set(0.5 + 0.5 * (a.progress || 0), 'importing');
    else if (a.state === 'ready') placeClip(it);
    else if (a.state === 'failed') { it.placed = true; it.ui.done(`failed: ${a.error || 'the file could not be read'}`, false); toast(`${it.file.name}: ${a.error || 'import failed'}`, 'error'); }
  }
  S.session.addEventListener('asset', (e) => onAsset(e.detail));

  /** Uploads files; the first goes to trackId at frame `at`, the next ones to the following tracks. */
  async function upload(files, trackId, at) {
    if (!S.canEdit) { toast('Your role cannot add audio to this project.', 'error'); return; }
    const ts = S.doc.tracks().filter((t) => !t.role || t.role === 'audio');
    let ti = trackId ? ts.findIndex((t) => t.id === trackId) : -1;
    for (const file of files) {
      const ui = item(file);
      const it = { file, ui, track: ti >= 0 && ti < ts.length ? ts[ti].id : null, at: Math.max(0, Math.round(at)), asset: null, placed: false };
      if (ti >= 0) ti += 1;
      try {
        it.asset = await uploadAsset(S.projectId, file, (f) => ui.set(0.5 * f, 'uploading'));
        items.set(it.asset, it);
        ui.set(0.5, 'importing');
        const known = S.session.assets.get(it.asset);
        if (known) onAsset(known);
      } catch (e) {
        ui.done(`failed: ${e.message}`, false);
        toast(`${file.name}: ${e.message}`, 'error');
      }
    }
  }

  /** Makes the timeline a drop target. */
  function attach(tl) {
    const el = tl.el;
    el.addEventListener('dragover', (e) => {
      if (!e.dataTransfer || ![...e.dataTransfer.types].includes('Files')) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = S.canEdit ? 'copy' : 'none';
      el.classList.add('dropping');
    });
    el.addEventListener('dragleave', (e) => { if (e.target === el) el.classList.remove('dropping'); });
    el.addEventListener('drop', (e) => {
      e.preventDefault();
      el.classList.remove('dropping');
      const files = [...(e.dataTransfer?.files || [])];
      if (!files.length) return;
      const t = tl.trackAt(e.clientY);
      upload(files, t && t.role !== 'bus' ? t.id : null, tl.snap(tl.frameAt(e.clientX)));
    });
  }

  /** A hidden file input and the button that opens it (uploads at the playhead). */
  function pickerButton() {
    const input = h('input.hidden', { type: 'file', accept: 'audio/*,.wav,.flac,.aiff,.aif,.mp3,.ogg,.opus', multiple: true, 'aria-label': 'Choose audio files' });
    input.addEventListener('change', () => {
      const sel = [...S.selection].map((id) => S.doc.get(id)).find((c) => c && c.kind === 'clip');
      upload([...input.files], sel ? sel.track : null, S.playhead);
      input.value = '';
    });
    const btn = h('button', { 'aria-label': 'Import audio files', title: 'Import audio (or drop files on the timeline)', onclick: () => input.click() }, 'Import…');
    return h('span', {}, btn, input);
  }

  return { el: list, upload, attach, pickerButton };
}
