// midiin.js -- Web MIDI input: records notes played on a MIDI keyboard
// into a clip while the song plays. Access is asked for only when the user
// presses Record (navigator.requestMIDIAccess, no sysex). Each message's
// time stamp is placed at the clip tick the player was sounding at that
// moment (notes.js alignMidiTick with the player's heard position, which
// already includes the output latency), so a note lands where the
// performer heard it. A note becomes a `note` push when its key is
// released; the clip is lengthened (whole bars) when the take runs past
// its end. Starting a take starts playback from the playhead if needed.

import { toast } from './ui.js';
import { newId } from './doc.js';
import { alignMidiTick, NoteRecorder, barTicks, clipTickRange, tickToFrame } from './notes.js';

/** True where the browser offers Web MIDI. */
export function midiSupported() {
  return typeof navigator !== 'undefined' && typeof navigator.requestMIDIAccess === 'function';
}

/** A recorder for clipId: {toggle(), stop(), recording}. */
export function createMidiRecorder(S, clipId) {
  let access = null;
  let rec = null;
  let group = null;
  const inputs = new Set();

  // The tick (from the clip's content start) heard at the event's time.
  function tickOf(ev) {
    const c = S.doc.get(clipId);
    const p = S.doc.project;
    const player = S.transport && S.transport.player;
    const heard = player ? player.position() : S.playhead;
    return alignMidiTick({ heard, nowMs: performance.now(), eventMs: ev.timeStamp || performance.now(), clip: c, tempo: p.tempo, rate: S.doc.rate });
  }

  function onMessage(ev) {
    if (!rec || !ev.data || ev.data.length < 3) return;
    if (!S.doc.get(clipId)) { stop(); return; }
    const [status, d1, d2] = ev.data;
    const n = rec.feed(status, d1, d2, tickOf(ev));
    if (n && typeof n === 'object') commit([n]);
  }

  // Pushes finished notes (and a longer clip if they pass its end).
  function commit(notes) {
    const c = S.doc.get(clipId);
    if (!c || !notes.length || !S.canEdit) return;
    const p = S.doc.project;
    const ops = notes.map((n) => ({ op: 'create', id: newId('n_'), kind: 'note', fields: { clip: clipId, ...n } }));
    const [, to] = clipTickRange(c, p.tempo, S.doc.rate);
    const last = Math.max(...notes.map((n) => n.at + n.len));
    if (last > to) {
      const bar = barTicks(p.meter);
      const endTick = Math.ceil(last / bar) * bar;
      const length = tickToFrame(endTick, p.tempo, S.doc.rate) - (c.offset || 0);
      if (length > c.length) ops.push({ op: 'set', id: clipId, fields: { length } });
    }
    S.session.push(ops, group);
  }

  function attach() {
    for (const input of access.inputs.values()) {
      if (inputs.has(input)) continue;
      inputs.add(input);
      input.addEventListener('midimessage', onMessage);
    }
  }

  // play: start the transport when it is stopped (the default).
  async function start({ play = true } = {}) {
    if (!midiSupported()) { toast('This browser has no Web MIDI', 'error'); return; }
    try {
      access = access || await navigator.requestMIDIAccess({ sysex: false });
    } catch (e) {
      toast(`MIDI access was refused: ${e && e.message ? e.message : e}`, 'error');
      return;
    }
    attach();
    access.onstatechange = () => attach();
    if (!inputs.size) toast('No MIDI input is connected; notes played on one will be recorded', 'info');
    rec = new NoteRecorder();
    group = `midi-${Date.now()}`;
    const player = S.transport && S.transport.player;
    if (play && S.transport && player && !player.playing) S.transport.toggle();
  }

  function stop() {
    if (!rec) return;
    const r = rec;
    rec = null;
    const before = r.notes.length;
    r.finish(tickOf({ timeStamp: performance.now() }));
    commit(r.notes.slice(before));
    group = null;
    for (const input of inputs) input.removeEventListener('midimessage', onMessage);
    inputs.clear();
    if (access) access.onstatechange = null;
  }

  return {
    async toggle() { if (rec) stop(); else await start(); },
    start,
    stop,
    get recording() { return !!rec; },
    /** Test hook: feeds one MIDI message as if it came from an input. */
    feed(data, timeStamp = performance.now()) { onMessage({ data, timeStamp }); },
  };
}
