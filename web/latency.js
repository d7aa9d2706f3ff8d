// latency.js -- the pure arithmetic of recording in time (no DOM, no
// WebAudio: tested from Node by tests/browser/record.test.mjs):
//   - the click used by the metronome and by "Measure latency";
//   - cross-correlation of a recording against a template (direct, over a
//     bounded lag range) with a sub-sample peak, and folding a periodic
//     recording onto one period;
//   - the alignment of a take: which timeline frame the performer heard
//     when the take's first captured sample was made;
//   - where the calibration of one user and device is kept.
//
// Time model (one AudioContext for the player and the recorder): the player
// worklet reports {pos, t}: the timeline frame it renders at context time
// t. A frame rendered at context time T is heard at T + output latency;
// the performer plays along it, and that sound is processed by the
// recorder worklet at T + output latency + input latency = T + round trip.
// So the recorder sample processed at context time T belongs to the frame
// rendered at T - roundTrip; "Measure latency" finds roundTrip directly
// (render time of a click -> processing time of its echo).

/** Samples of the click (a 1.5 kHz burst under a fast exponential decay), Float32Array. */
export function clickWave(rate = 48000, accent = false) {
  const n = Math.round(rate * 0.012);
  const out = new Float32Array(n);
  const f = accent ? 2000 : 1500;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    out[i] = Math.sin(2 * Math.PI * f * t) * Math.exp(-t * 500) * 0.9;
  }
  return out;
}

/**
 * Cross-correlates rec against tmpl for lags 0..maxLag (rec[lag + i] ~ tmpl[i]).
 * Returns {lag (fractional, parabolic peak), peak (normalised: 1 = identical
 * shape), raw (integer lag)}; peak 0 when rec is silent or too short.
 */
export function correlate(rec, tmpl, maxLag) {
  const m = tmpl.length;
  let et = 0;
  for (let i = 0; i < m; i++) et += tmpl[i] * tmpl[i];
  const last = Math.min(maxLag, rec.length - m);
  if (last < 0 || et === 0) return { lag: 0, raw: 0, peak: 0 };
  const c = new Float64Array(last + 1);
  let best = 0, bestV = -Infinity;
  // running energy of the rec window, for the normalisation
  let er = 0;
  for (let i = 0; i < m; i++) er += rec[i] * rec[i];
  const norm = new Float64Array(last + 1);
  for (let l = 0; l <= last; l++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += rec[l + i] * tmpl[i];
    c[l] = s;
    norm[l] = er;
    if (s > bestV) { bestV = s; best = l; }
    if (l < last) er += rec[l + m] * rec[l + m] - rec[l] * rec[l];
  }
  let lag = best;
  if (best > 0 && best < last) {
    const a = c[best - 1], b = c[best], d = c[best + 1];
    const den = a - 2 * b + d;
    if (den < 0) lag = best + 0.5 * (a - d) / den;
  }
  const peak = norm[best] > 0 ? bestV / Math.sqrt(et * Math.max(norm[best], 1e-20)) : 0;
  return { lag, raw: best, peak };
}

/**
 * Normalised cross-correlation of two whole signals over lags -maxLag..maxLag
 * (b[i + lag] ~ a[i]); returns {lag, peak}. For comparing a take with the
 * audio it captured.
 */
export function ncc(a, b, maxLag) {
  let best = -Infinity, bestLag = 0;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let s = 0, ea = 0, eb = 0;
    const i0 = Math.max(0, -lag), i1 = Math.min(a.length, b.length - lag);
    for (let i = i0; i < i1; i++) { const x = a[i], y = b[i + lag]; s += x * y; ea += x * x; eb += y * y; }
    const v = ea > 0 && eb > 0 ? s / Math.sqrt(ea * eb) : 0;
    if (v > best) { best = v; bestLag = lag; }
  }
  return { lag: bestLag, peak: best };
}

/** Sums a recording onto one period (length period): out[k] = mean of rec[k + j*period]. */
export function fold(rec, period) {
  const out = new Float32Array(period);
  const n = Math.floor(rec.length / period);
  if (n === 0) return out;
  for (let j = 0; j < n; j++) for (let k = 0; k < period; k++) out[k] += rec[j * period + k];
  for (let k = 0; k < period; k++) out[k] /= n;
  return out;
}

/**
 * The round trip in seconds from a calibration: clicks were rendered at
 * context times emitted + k*period/rate; the recording's first sample was
 * processed at context time recT0. Folds the recording onto the period
 * (starting at the first emission) and finds the click in it, so the lag
 * is found modulo one period (a round trip is always shorter than a beat).
 * Returns {seconds, peak} (peak: how click-like the echo is, 0..1).
 */
export function measureRoundTrip(rec, recT0, emitted, period, rate, tmpl = clickWave(rate)) {
  const start = Math.round((emitted - recT0) * rate);
  if (start < 0 || start >= rec.length) return { seconds: null, peak: 0 };
  const folded = fold(rec.subarray(start), period);
  // circular: append the template's length so a click across the fold end is found
  const circ = new Float32Array(period + tmpl.length);
  circ.set(folded);
  circ.set(folded.subarray(0, tmpl.length), period);
  const r = correlate(circ, tmpl, period - 1);
  const frac = (start - (emitted - recT0) * rate); // the fold started this far after the emission
  return { seconds: ((((r.lag + frac) % period) + period) % period) / rate, peak: r.peak };
}

/** The timeline frame the player worklet renders at context time t (report {pos, t}; step: frames per 48 kHz sample). */
export function renderedFrame(report, t, step = 1) {
  return report.pos + (t - report.t) * 48000 * step;
}

/**
 * Where a take starts: its first captured sample was processed at context
 * time t0; roundTrip in seconds; manualMs moves the take later (+) or earlier.
 * Returns {at, trim}: the clip's start frame and the frames to drop from
 * the take's start so that it starts no earlier than punchIn (the playhead
 * when Record was pressed; null = keep all).
 */
export function takePlacement({ report, t0, roundTrip, manualMs = 0, rate, step = 1, punchIn = null }) {
  const first = renderedFrame(report, t0 - roundTrip, step) + (manualMs * rate) / 1000;
  let at = Math.round(first);
  let trim = 0;
  if (punchIn !== null && at < punchIn) { trim = punchIn - at; at = punchIn; }
  if (at < 0) { trim += -at; at = 0; }
  return { at, trim };
}

/** The round trip to assume before any calibration: the context's output + base latency and the track's input latency. */
export function defaultRoundTrip(outputLatency, baseLatency, inputLatency) {
  return (outputLatency || 0) + (baseLatency || 0) + (inputLatency || 0);
}

/** The localStorage key of one user's calibration on one input device. */
export function latencyKey(userId, deviceId) {
  return `mixroom.latency.${userId || 'anon'}.${deviceId || 'default'}`;
}

/** Onsets of clicks in a signal: first samples over threshold, at least gap apart (frames). */
export function onsets(x, threshold, gap) {
  const out = [];
  let last = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]) >= threshold && i - last >= gap) { out.push(i); last = i; }
  }
  return out;
}
