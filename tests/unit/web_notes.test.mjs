// web_notes.test.mjs -- the browser client's note logic in Node
// (web/notes.js, web/instruments.js): ticks to frames at several tempos
// (the contract's rounding), snapping, the step sequencer's 240-tick
// steps, moving and resizing a selection as a group, the Web MIDI
// alignment of an event to the tick the player was sounding, pairing
// note-on/off into notes, and the instrument merge rule of a `set`.
// Run by tests/unit/web_notes.sh in `make check`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TPQ, STEP_TICKS, tickToFrame, frameToTick, barTicks, snapTick, clipTickRange, noteFrame,
  shiftOps, toggleStepOps, noteAtStep, alignMidiTick, NoteRecorder, clampNote, chunks,
} from '../../web/notes.js';
import { defaults, mergeInstrument, PARAMS, PRESETS } from '../../web/instruments.js';

test('tick -> frame at several tempos and rates, rounded as the server does', () => {
  assert.equal(tickToFrame(960, 120, 48000), 24000);       // a beat at 120 bpm = 0.5 s
  assert.equal(tickToFrame(960, 60, 44100), 44100);
  assert.equal(tickToFrame(240, 140, 48000), Math.round(240 * 60 * 48000 / (140 * 960)));
  assert.equal(tickToFrame(1, 97.3, 48000), Math.round(60 * 48000 / (97.3 * 960)));
  assert.equal(tickToFrame(3840 * 100, 133, 44100), Math.round(3840 * 100 * 60 * 44100 / (133 * 960)));
  for (const tempo of [60, 90, 120, 133.3, 174]) {
    for (const t of [0, 1, 239, 240, 961, 123457]) {
      // frame -> tick recovers the tick (a frame is shorter than a tick at these tempos)
      assert.equal(frameToTick(tickToFrame(t, tempo, 48000), tempo, 48000), t, `tempo ${tempo} tick ${t}`);
    }
  }
});

test('bars, snapping and the clip tick range', () => {
  assert.equal(barTicks([4, 4]), 3840);
  assert.equal(barTicks([3, 4]), 2880);
  assert.equal(barTicks([6, 8]), 2880);
  assert.equal(snapTick(250, 240), 240);
  assert.equal(snapTick(370, 240), 480);
  assert.equal(snapTick(479, 240, 'floor'), 240);
  assert.equal(snapTick(-30, 240), 0);
  assert.equal(snapTick(12.6, 0), 13);
  const clip = { start: 48000, offset: 24000, length: 96000 };
  assert.deepEqual(clipTickRange(clip, 120, 48000), [960, 960 * 5]);
  // a note at the clip's content tick 960 sounds at the clip's start
  assert.equal(noteFrame(clip, 960, 120, 48000), 48000);
});

test('step sequencer: steps are 16th notes of 240 ticks; toggling creates and deletes', () => {
  assert.equal(STEP_TICKS, 240);
  assert.equal(barTicks([4, 4]) / STEP_TICKS, 16, '16 steps a bar');
  const on = toggleStepOps([], 'c1', 5, 36, 'n1');
  assert.deepEqual(on, [{ op: 'create', id: 'n1', kind: 'note', fields: { clip: 'c1', at: 1200, len: 240, pitch: 36, vel: 100 } }]);
  const notes = [{ id: 'n1', clip: 'c1', at: 1200, len: 240, pitch: 36, vel: 100 }, { id: 'n2', at: 1250, len: 10, pitch: 38, vel: 90 }];
  assert.deepEqual(toggleStepOps(notes, 'c1', 5, 36, 'x'), [{ op: 'delete', id: 'n1' }]);
  assert.equal(noteAtStep(notes, 5, 38).id, 'n2', 'a note starting inside a step belongs to it');
  assert.equal(noteAtStep(notes, 6, 36), null);
});

test('moving a selection keeps chords inside 0..127 and at >= 0; resize keeps len >= 1', () => {
  const sel = [{ id: 'a', at: 0, len: 240, pitch: 120, vel: 100 }, { id: 'b', at: 480, len: 240, pitch: 124, vel: 100 }];
  assert.deepEqual(shiftOps(sel, { dAt: -240, dPitch: 10 }), [
    { op: 'set', id: 'a', fields: { pitch: 123 } }, { op: 'set', id: 'b', fields: { pitch: 127 } }]);
  assert.deepEqual(shiftOps(sel, { dAt: 240 }), [
    { op: 'set', id: 'a', fields: { at: 240 } }, { op: 'set', id: 'b', fields: { at: 720 } }]);
  assert.deepEqual(shiftOps(sel, { dLen: -1000 }), [
    { op: 'set', id: 'a', fields: { len: 1 } }, { op: 'set', id: 'b', fields: { len: 1 } }]);
  assert.deepEqual(shiftOps(sel, {}), []);
  assert.deepEqual(clampNote({ at: -3, len: 0, pitch: 130, vel: 0 }), { at: 0, len: 1, pitch: 127, vel: 1 });
  assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});

test('Web MIDI alignment: an event lands on the tick the player was sounding', () => {
  const clip = { start: 96000, offset: 0, length: 192000 };
  // the player sounds frame 120000 now; an event 250 ms ago was at frame 108000,
  // 12000 frames into the clip = 0.25 s = 480 ticks at 120 bpm
  const t = alignMidiTick({ heard: 120000, nowMs: 10000, eventMs: 9750, clip, tempo: 120, rate: 48000 });
  assert.equal(t, 480);
  // an event now: 24000 frames into the clip = 960 ticks
  assert.equal(alignMidiTick({ heard: 120000, nowMs: 5, eventMs: 5, clip, tempo: 120, rate: 48000 }), 960);
  // the clip's offset moves its content start back
  assert.equal(alignMidiTick({ heard: 120000, nowMs: 5, eventMs: 5, clip: { ...clip, offset: 24000 }, tempo: 120, rate: 48000 }), 1920);
  // other tempo and rate: 1 s into the clip at 90 bpm = 1.5 beats = 1440 ticks
  assert.equal(alignMidiTick({ heard: 44100 * 3, nowMs: 2000, eventMs: 1000, clip: { start: 44100, offset: 0 }, tempo: 90, rate: 44100 }), 1440);
  // before the clip's start: negative
  assert.ok(alignMidiTick({ heard: 90000, nowMs: 0, eventMs: 0, clip, tempo: 120, rate: 48000 }) < 0);
});

test('recording pairs note-on/off (velocity 0 is off), per channel, drops notes before the clip', () => {
  const r = new NoteRecorder();
  assert.equal(r.feed(0x90, 60, 100, 0.4), 'on');
  r.feed(0x91, 60, 80, 100);           // same key, other channel: a separate note
  r.feed(0x90, 64, 90, 240);
  assert.deepEqual(r.feed(0x80, 60, 0, 480.2), { at: 0, len: 480, pitch: 60, vel: 100 });
  assert.deepEqual(r.feed(0x90, 64, 0, 700), { at: 240, len: 460, pitch: 64, vel: 90 });
  assert.equal(r.feed(0x80, 70, 0, 800), null, 'an off without an on');
  r.feed(0x90, 50, 60, -100);           // before the clip: dropped at its end
  assert.equal(r.feed(0x80, 50, 0, 200), null);
  r.feed(0x90, 67, 127, 900);
  r.feed(0xb0, 64, 127, 950);           // a controller is ignored
  const all = r.finish(1000);
  assert.deepEqual(all.map((n) => [n.at, n.len, n.pitch]), [[0, 480, 60], [240, 460, 64], [100, 900, 60], [900, 100, 67]]);
  assert.equal(TPQ, 960);
});

test('instruments: defaults, presets and the merge rule of a set', () => {
  const keys = defaults('synth');
  assert.equal(keys.preset, 'keys');
  assert.equal(keys.cutoff, 2000);
  assert.equal(keys.osc1, 'saw');
  assert.equal(Object.keys(keys).length, 2 + PARAMS.synth.length);
  for (const p of PRESETS) {
    const o = defaults('synth', p);
    for (const [name, , a, b] of PARAMS.synth) {
      if (Array.isArray(a)) assert.ok(a.includes(o[name]), `${p}.${name}`);
      else assert.ok(o[name] >= a && o[name] <= b, `${p}.${name} = ${o[name]} in ${a}..${b}`);
    }
  }
  assert.deepEqual(defaults('drums'), { type: 'drums', tune: 0, decay: 1, gain: 0 });
  assert.deepEqual(defaults('gm'), { type: 'gm', program: 0, bank: 0, gain: 0 });
  // same type merges
  assert.equal(mergeInstrument(keys, { type: 'synth', cutoff: 500 }).cutoff, 500);
  assert.equal(mergeInstrument(keys, { cutoff: 500 }).attack, keys.attack);
  // a new preset resets to its values, then applies the other fields
  const bass = mergeInstrument({ ...keys, attack: 3 }, { preset: 'bass', gain: -3 });
  assert.deepEqual(bass, { ...defaults('synth', 'bass'), gain: -3 });
  // another type replaces with its defaults plus the fields
  assert.deepEqual(mergeInstrument(keys, { type: 'drums', tune: 2 }), { type: 'drums', tune: 2, decay: 1, gain: 0 });
});
