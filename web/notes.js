// notes.js -- the pure logic of note editing, shared by the piano roll,
// the step sequencer, the timeline's mini rolls and Web MIDI recording
// (no DOM, so tests/unit/web_notes.test.mjs runs it in Node): ticks at
// 960 per quarter note and their frames at the project tempo (the
// contract's frame(tick) = round(tick * 60 * rate / (tempo * 960))), grid
// steps and snapping, the step sequencer's steps (240 ticks = a 16th note),
// the ops that create, move, resize and delete notes, and the alignment of
// a recorded MIDI event to the clip tick the player was sounding.

export const TPQ = 960;              // ticks per quarter note
export const STEP_TICKS = TPQ / 4;   // one step of the step sequencer (a 16th note)
export const MAX_TICK = 2 ** 40;     // at + len <= 2^40 (protocol)
export const PUSH_CHUNK = 1000;      // ops per push when many notes change at once

/** Ticks -> frames at tempo (bpm) and rate (Hz), as the server computes. */
export function tickToFrame(tick, tempo, rate) {
  return Math.round((tick * 60 * rate) / (tempo * TPQ));
}

/** Frames -> ticks (rounded to the nearest tick). */
export function frameToTick(frame, tempo, rate) {
  return Math.round((frame * tempo * TPQ) / (60 * rate));
}

/** Ticks in one bar of meter [n, d] (a beat is a 1/d note). */
export function barTicks(meter) {
  const [n, d] = meter && meter.length === 2 ? meter : [4, 4];
  return Math.round((n * TPQ * 4) / d);
}

/** The grid choices of the piano roll: label and ticks. */
export const GRIDS = [
  ['1/1', TPQ * 4], ['1/2', TPQ * 2], ['1/4', TPQ], ['1/8', TPQ / 2], ['1/8T', TPQ / 3],
  ['1/16', TPQ / 4], ['1/16T', TPQ / 6], ['1/32', TPQ / 8],
];

/** Snaps tick down (floor) or to the nearest (round) multiple of grid. */
export function snapTick(tick, grid, mode = 'round') {
  if (!grid || grid <= 1) return Math.max(0, Math.round(tick));
  const f = mode === 'floor' ? Math.floor : Math.round;
  return Math.max(0, f(tick / grid) * grid);
}

/** The content ticks a clip shows: [from, to) measured from its content start. */
export function clipTickRange(clip, tempo, rate) {
  const from = frameToTick(clip.offset || 0, tempo, rate);
  const to = frameToTick((clip.offset || 0) + clip.length, tempo, rate);
  return [from, to];
}

/** The timeline frame where a note's tick sounds in a clip. */
export function noteFrame(clip, tick, tempo, rate) {
  return clip.start - (clip.offset || 0) + tickToFrame(tick, tempo, rate);
}

/** The notes of a clip from a doc, sorted by time then pitch. */
export function notesOf(doc, clipId) {
  return doc.ofKind('note').filter((n) => n.clip === clipId)
    .sort((a, b) => a.at - b.at || a.pitch - b.pitch || (a.id < b.id ? -1 : 1));
}

/** Every note of a doc grouped by clip (a Map clip id -> notes). */
export function notesByClip(doc) {
  const m = new Map();
  for (const n of doc.ofKind('note')) {
    let l = m.get(n.clip);
    if (!l) { l = []; m.set(n.clip, l); }
    l.push(n);
  }
  return m;
}

/** Clamps the fields of a note to the protocol's ranges (integers). */
export function clampNote(n) {
  const pitch = Math.max(0, Math.min(127, Math.round(n.pitch)));
  const vel = Math.max(1, Math.min(127, Math.round(n.vel)));
  const at = Math.max(0, Math.round(n.at));
  const len = Math.max(1, Math.min(MAX_TICK - at, Math.round(n.len)));
  return { ...n, at, len, pitch, vel };
}

/**
 * The ops that move/resize notes: notes is [{id, at, len, pitch, vel}] as
 * they are, dAt/dPitch/dLen the change. Notes are kept inside the pitch
 * range and at >= 0 as a group (the whole selection stops at an edge, so
 * chords keep their shape). Returns [] when nothing changes.
 */
export function shiftOps(notes, { dAt = 0, dPitch = 0, dLen = 0 } = {}) {
  if (!notes.length) return [];
  const minAt = Math.min(...notes.map((n) => n.at));
  const minP = Math.min(...notes.map((n) => n.pitch));
  const maxP = Math.max(...notes.map((n) => n.pitch));
  const da = Math.max(dAt, -minAt);
  const dp = Math.max(-minP, Math.min(127 - maxP, dPitch));
  const ops = [];
  for (const n of notes) {
    const f = {};
    if (da) f.at = n.at + da;
    if (dp) f.pitch = n.pitch + dp;
    if (dLen) {
      const len = Math.max(1, n.len + dLen);
      if (len !== n.len) f.len = len;
    }
    if (Object.keys(f).length) ops.push({ op: 'set', id: n.id, fields: f });
  }
  return ops;
}

/** Splits ops into pushes of at most PUSH_CHUNK ops (one gesture group). */
export function chunks(ops, size = PUSH_CHUNK) {
  const out = [];
  for (let i = 0; i < ops.length; i += size) out.push(ops.slice(i, i + size));
  return out;
}

/**
 * Step sequencer: the note of clip at (step, pitch), or null. A note
 * belongs to a step when it starts inside it.
 */
export function noteAtStep(notes, step, pitch) {
  const a = step * STEP_TICKS;
  return notes.find((n) => n.pitch === pitch && n.at >= a && n.at < a + STEP_TICKS) || null;
}

/** The op that toggles (step, pitch): a create with id, or deletes. */
export function toggleStepOps(notes, clipId, step, pitch, id, vel = 100) {
  const n = noteAtStep(notes, step, pitch);
  if (n) return [{ op: 'delete', id: n.id }];
  return [{ op: 'create', id, kind: 'note', fields: { clip: clipId, at: step * STEP_TICKS, len: STEP_TICKS, pitch, vel } }];
}

/**
 * Web MIDI alignment: the clip tick (from the clip's content start) that
 * the player was sounding when a MIDI event happened.
 *  heard:  the player's heard position (timeline frame) sampled at nowMs
 *          (player.position(): worklet position + output latency);
 *  nowMs:  performance.now() when `heard` was read;
 *  eventMs: the event's timeStamp (same clock: MIDIMessageEvent.timeStamp);
 *  clip:   {start, offset}; tempo, rate: the project's.
 * Returns a fractional tick (the caller rounds or snaps it); it can be < 0
 * when the event came before the clip's content start.
 */
export function alignMidiTick({ heard, nowMs, eventMs, clip, tempo, rate }) {
  const frame = heard - ((nowMs - eventMs) * rate) / 1000;
  const inClip = frame - (clip.start - (clip.offset || 0));
  return (inClip * tempo * TPQ) / (60 * rate);
}

/**
 * Pairs MIDI note-on/off messages into notes. feed(status, d1, d2, tick)
 * for each message (note-on with velocity 0 is a note-off); finish(tick)
 * ends the held notes. notes: [{at, len, pitch, vel}] in ticks, ordered
 * by note-on. Notes starting before tick 0 are dropped.
 */
export class NoteRecorder {
  constructor() { this.held = new Map(); this.notes = []; }

  feed(status, d1, d2, tick) {
    const type = status & 0xf0;
    const ch = status & 0x0f;
    const key = ch * 128 + d1;
    if (type === 0x90 && d2 > 0) {
      if (this.held.has(key)) this.end(key, tick);
      this.held.set(key, { at: tick, pitch: d1, vel: d2 });
      return 'on';
    }
    if (type === 0x80 || (type === 0x90 && d2 === 0)) {
      if (!this.held.has(key)) return null;
      return this.end(key, tick);
    }
    return null;
  }

  end(key, tick) {
    const h = this.held.get(key);
    this.held.delete(key);
    const at = Math.round(h.at);
    if (at < 0) return null;
    const n = clampNote({ at, len: Math.max(1, Math.round(tick) - at), pitch: h.pitch, vel: h.vel });
    this.notes.push(n);
    return n;
  }

  finish(tick) {
    for (const key of [...this.held.keys()]) this.end(key, tick);
    return this.notes;
  }
}

const NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];
/** A pitch's name with octave (60 = C4). */
export function pitchName(p) { return `${NAMES[p % 12]}${Math.floor(p / 12) - 1}`; }
export const isBlack = (p) => [1, 3, 6, 8, 10].includes(p % 12);
