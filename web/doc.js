// doc.js -- the project document on the client: objects by id
// ({id, kind, ...fields}), the wire ops (create / set / delete with the
// server's cascades) applied to it, and the queries the views need
// (tracks in order, clips of a track, effects and sends of a strip).
// A track's `instrument` merges by instruments.js's rule; a clip takes its
// notes with it.
// Applying is tolerant: an op that does not fit is skipped, because the
// server is the authority and its deltas always come after.

import { mergeInstrument } from './instruments.js';

/** Default fields of a created object, as protocol/fields.c fills them. */
export const DEFAULTS = {
  track: { name: 'Track', order: 'V', color: '#808080', gain: 0, pan: 0, mute: false, solo: false, output: 'master', role: 'audio', instrument: null },
  clip: { asset: null, offset: 0, gain: 0, fade_in: 0, fade_out: 0, mute: false, name: '', fade_in_shape: 'equal_power', fade_out_shape: 'equal_power', take_group: '' },
  effect: { order: 'V', bypass: false, params: {} },
  send: { level: 0, pre: false },
  marker: { name: '' },
  automation: { points: [] },
  note: { vel: 100 },
};

const byOrder = (a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class Doc {
  /** objects: an array of {id, kind, ...fields} (a snapshot's objects). */
  constructor(objects = []) {
    this.objects = new Map();
    for (const o of objects) this.objects.set(o.id, structuredClone(o));
  }

  clone() {
    const d = new Doc();
    for (const [id, o] of this.objects) d.objects.set(id, structuredClone(o));
    return d;
  }

  get(id) { return this.objects.get(id); }

  /** The project object (tempo, meter, sample_rate, master_gain, name). */
  get project() {
    return this.objects.get('project') || { id: 'project', kind: 'project', name: '', tempo: 120, meter: [4, 4], sample_rate: 48000, master_gain: 0 };
  }

  get rate() { return this.project.sample_rate || 48000; }

  ofKind(kind) {
    const out = [];
    for (const o of this.objects.values()) if (o.kind === kind) out.push(o);
    return out;
  }

  /** Tracks (audio and bus) sorted by order. */
  tracks() { return this.ofKind('track').sort(byOrder); }
  buses() { return this.tracks().filter((t) => t.role === 'bus'); }
  clipsOf(trackId) { return this.ofKind('clip').filter((c) => c.track === trackId).sort((a, b) => a.start - b.start); }
  effectsOf(trackId) { return this.ofKind('effect').filter((e) => e.track === trackId).sort(byOrder); }
  sendsOf(trackId) { return this.ofKind('send').filter((s) => s.track === trackId); }
  markers() { return this.ofKind('marker').sort((a, b) => a.at - b.at); }

  /** The last frame any clip reaches. */
  end() {
    let e = 0;
    for (const c of this.ofKind('clip')) e = Math.max(e, c.start + c.length);
    return e;
  }

  /**
   * Applies wire ops in order. Returns the set of ids touched (created,
   * changed or removed), cascades included.
   */
  apply(ops) {
    const touched = new Set();
    for (const op of ops || []) {
      if (!op || typeof op.id !== 'string') continue;
      if (op.op === 'create') {
        const base = DEFAULTS[op.kind] || {};
        const o = { ...structuredClone(base), ...structuredClone(op.fields || {}), id: op.id, kind: op.kind };
        if (o.kind === 'track' && o.role === 'instrument') o.instrument = mergeInstrument(null, o.instrument || { type: 'synth' });
        this.objects.set(op.id, o);
        touched.add(op.id);
      } else if (op.op === 'set') {
        const o = this.objects.get(op.id);
        if (!o) continue;
        for (const [k, v] of Object.entries(op.fields || {})) {
          if (k === 'params' && v && typeof v === 'object' && o.params && typeof o.params === 'object') {
            o.params = { ...o.params, ...structuredClone(v) };
          } else if (k === 'instrument' && v && typeof v === 'object') {
            o.instrument = mergeInstrument(o.instrument, structuredClone(v));
          } else {
            o[k] = structuredClone(v);
          }
        }
        if (o.kind === 'track' && op.fields && op.fields.role !== undefined) { // instrument follows the role
          if (o.role !== 'instrument') o.instrument = null;
          else if (!o.instrument) o.instrument = mergeInstrument(null, { type: 'synth' });
        }
        touched.add(op.id);
      } else if (op.op === 'delete') {
        this.remove(op.id, touched);
      }
    }
    return touched;
  }

  // Deletes id and what depends on it (the server's cascade).
  remove(id, touched) {
    const o = this.objects.get(id);
    if (!o) return;
    this.objects.delete(id);
    touched.add(id);
    if (o.kind === 'track') {
      for (const x of [...this.objects.values()]) {
        if ((x.track === id && x.kind !== 'track') || (x.kind === 'send' && x.target === id)) this.remove(x.id, touched);
        else if (x.kind === 'track' && x.output === id) { x.output = 'master'; touched.add(x.id); }
      }
    } else if (o.kind === 'clip') {
      for (const x of [...this.objects.values()]) if (x.kind === 'note' && x.clip === id) this.remove(x.id, touched);
    } else if (o.kind === 'effect') {
      for (const x of [...this.objects.values()]) {
        if (x.kind === 'automation' && typeof x.param === 'string' && x.param.startsWith(id + '.')) this.remove(x.id, touched);
      }
    }
  }

  /** The ops that re-create this document's objects (for tests/debug). */
  toJSON() { return [...this.objects.values()]; }
}

/** A new object id: prefix + random base-36 (unique enough per project). */
export function newId(prefix) {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}${r[0].toString(36)}${r[1].toString(36)}`.slice(0, 64);
}
