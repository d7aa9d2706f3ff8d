// waveform.js -- clip waveforms: the peaks of each asset fetched once
// (GET /api/assets/{id}/peaks, parsed by api.js) and cached, the level
// chosen for the zoom (the coarsest whose frames-per-pair fits in one
// pixel), and the drawing of the visible part of a clip on its canvas,
// with the clip gain and the fade curves (in their shapes), and the
// crossfades: where two clips on a track overlap, an X over the overlap.

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

/** Fade-in gain of a shape at t in [0,1], as engine/fades.c computes it. */
export function fadeGain(shape, t) {
  t = Math.max(0, Math.min(1, t));
  if (shape === 'linear') return t;
  if (shape === 'exp') return Math.expm1(4 * t) / Math.expm1(4);
  if (shape === 'scurve') return (1 - Math.cos(t * Math.PI)) / 2;
  return Math.sin((t * Math.PI) / 2); // equal_power, the default
}

const hasShapes = (c) => c.fade_in_shape !== undefined || c.fade_out_shape !== undefined;

/**
 * The crossfades of a track, as the engine makes them (engine/fades.c):
 * unmuted clips a, b with a.start < b.start < a.end < b.end, at least one
 * made with fade shapes. [{a, b, from, to}] (clip ids and frames).
 */
export function crossfadesOf(doc, trackId) {
  const cs = doc.clipsOf(trackId).filter((c) => !c.mute && c.asset);
  const out = [];
  for (let i = 0; i < cs.length; i++) {
    const a = cs[i], aEnd = a.start + a.length;
    for (let j = i + 1; j < cs.length && cs[j].start < aEnd; j++) {
      const b = cs[j];
      if (b.start <= a.start || b.start + b.length <= aEnd || (!hasShapes(a) && !hasShapes(b))) continue;
      out.push({ a: a.id, b: b.id, from: b.start, to: aEnd });
    }
  }
  return out;
}

/** The element drawn over one crossfade: the two equal-power curves crossing (an X). */
export function crossfadeMark(pair) {
  const ns = 'http://www.w3.org/2000/svg';
  const el = document.createElement('div');
  el.className = 'xfade';
  el.dataset.pair = pair;
  el.setAttribute('role', 'img');
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 100 100');
  svg.setAttribute('preserveAspectRatio', 'none');
  const curve = (out) => {
    let d = '';
    for (let i = 0; i <= 20; i++) {
      const t = i / 20;
      const g = out ? fadeGain('equal_power', 1 - t) : fadeGain('equal_power', t);
      d += `${i ? 'L' : 'M'}${t * 100},${100 - g * 96}`;
    }
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', d);
    p.setAttribute('class', out ? 'xout' : 'xin');
    p.setAttribute('vector-effect', 'non-scaling-stroke');
    return p;
  };
  svg.append(curve(true), curve(false));
  el.append(svg);
  return el;
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
      if (clip.fade_in > 0 && tc < clip.fade_in) f = fadeGain(clip.fade_in_shape, tc / clip.fade_in);
      if (clip.fade_out > 0 && tc > clip.length - clip.fade_out) f *= fadeGain(clip.fade_out_shape, (clip.length - tc) / clip.fade_out);
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
  const curve = (from, len, shape, out) => {
    g.beginPath();
    for (let i = 0; i <= 24; i++) {
      const t = i / 24;
      const y = hgt - fadeGain(shape, out ? 1 - t : t) * hgt;
      if (i) g.lineTo(xOf(from + t * len), y); else g.moveTo(xOf(from + t * len), y);
    }
    g.stroke();
  };
  if (clip.fade_in > 0) curve(0, clip.fade_in, clip.fade_in_shape, false);
  if (clip.fade_out > 0) curve(clip.length - clip.fade_out, clip.fade_out, clip.fade_out_shape, true);
  g.globalAlpha = 1;
}
