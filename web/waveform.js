// waveform.js -- clip waveforms: the peaks of each asset fetched once
// (GET /api/assets/{id}/peaks, parsed by api.js) and cached, the level
// chosen for the zoom (the coarsest whose frames-per-pair fits in one
// pixel), and the drawing of the visible part of a clip on its canvas,
// with the clip gain and the fade curves.

import { fetchPeaks } from './api.js';

const cache = new Map(); // asset id -> {peaks|null, promise, failed}

/**
 * The peaks of an asset if loaded; otherwise starts loading them (once)
 * and calls onLoad when they arrive. Returns null until then. projectId:
 * the project's own peaks route (duplicated projects share asset ids).
 */
export function peaksFor(assetId, ready, onLoad, projectId) {
  let e = cache.get(assetId);
  if (e && e.peaks) return e.peaks;
  if (!ready) return null;
  if (!e || (e.failed && Date.now() - e.failed > 5000)) {
    e = { peaks: null, failed: 0 };
    cache.set(assetId, e);
    e.promise = fetchPeaks(assetId, projectId).then((p) => { e.peaks = p; onLoad(); }, () => { e.failed = Date.now(); });
  } else if (e.promise) {
    e.promise.then(() => onLoad());
  }
  return null;
}

function pickLevel(peaks, framesPerPx) {
  let best = peaks.levels[0];
  for (const l of peaks.levels) if (l.fpp <= framesPerPx) best = l;
  return best;
}

const dbToGain = (db) => (db === null || db === undefined ? 0 : Math.pow(10, db / 20));

/**
 * Draws frames [from, to) of the clip's source (timeline frames starting at
 * clip.start) into canvas, which shows the clip from timeline frame
 * viewFrom at framesPerPx. color is the track colour.
 */
export function drawClip(canvas, clip, peaks, viewFrom, framesPerPx, color) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const hgt = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== hgt) canvas.height = hgt;
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, w, hgt);
  const mid = hgt / 2;
  const amp = (hgt / 2 - 2) * Math.min(4, dbToGain(clip.gain));
  const fpp = framesPerPx / dpr; // frames per device pixel
  g.fillStyle = color;
  g.globalAlpha = clip.mute ? 0.3 : 0.85;
  if (peaks) {
    const lv = pickLevel(peaks, fpp);
    const ch = peaks.channels;
    for (let x = 0; x < w; x++) {
      const t0 = viewFrom + x * fpp - clip.start; // frames into the clip
      const t1 = t0 + fpp;
      if (t1 <= 0 || t0 >= clip.length) continue;
      const s0 = clip.offset + Math.max(0, t0);
      const s1 = clip.offset + Math.min(clip.length, t1);
      let p0 = Math.floor(s0 / lv.fpp);
      let p1 = Math.max(p0 + 1, Math.ceil(s1 / lv.fpp));
      p1 = Math.min(p1, lv.count);
      let lo = 0, hi = 0;
      for (let p = p0; p < p1; p++) {
        for (let c = 0; c < ch; c++) {
          const k = (p * ch + c) * 2;
          if (lv.data[k] < lo) lo = lv.data[k];
          if (lv.data[k + 1] > hi) hi = lv.data[k + 1];
        }
      }
      // fades scale the drawn envelope
      const tc = (t0 + t1) / 2;
      let f = 1;
      if (clip.fade_in > 0 && tc < clip.fade_in) f = Math.max(0, tc / clip.fade_in);
      if (clip.fade_out > 0 && tc > clip.length - clip.fade_out) f = Math.min(f, Math.max(0, (clip.length - tc) / clip.fade_out));
      const y0 = mid - Math.min(1, (hi / 32767) * f) * amp;
      const y1 = mid - Math.max(-1, (lo / 32767) * f) * amp;
      g.fillRect(x, Math.min(y0, mid - 0.5), 1, Math.max(1, y1 - y0));
    }
  } else {
    g.globalAlpha = 0.25;
    g.fillRect(0, mid - 1, w, 2);
  }
  // fade curves
  g.globalAlpha = 0.9;
  g.strokeStyle = '#ffffff';
  g.lineWidth = dpr;
  const xOf = (t) => (clip.start + t - viewFrom) / fpp;
  if (clip.fade_in > 0) {
    g.beginPath(); g.moveTo(xOf(0), hgt); g.lineTo(xOf(clip.fade_in), 0); g.stroke();
  }
  if (clip.fade_out > 0) {
    g.beginPath(); g.moveTo(xOf(clip.length - clip.fade_out), 0); g.lineTo(xOf(clip.length), hgt); g.stroke();
  }
  g.globalAlpha = 1;
}
