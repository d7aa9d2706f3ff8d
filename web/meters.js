// meters.js -- safe deliveries in the mixer: a latching true-peak clip
// indicator per strip and on the master. The level frames (docs/preview.md)
// carry each track's and the master's true peak (4x oversampled, linear);
// a true peak over 0 dBTP lights the indicator red and it stays lit, with
// the highest true peak seen in its title, until it is clicked. The
// indicators of the mix (mixer.js) hang on the strips by track id.

const dbtp = (v) => 20 * Math.log10(v);

/**
 * A clip indicator for `label` (e.g. "Master", a track name): {el, feed(tp),
 * reset(), lit}. feed takes a linear true peak; el is a button (click resets).
 */
export function clipLight(label) {
  let max = 0;
  const el = document.createElement('button');
  el.className = 'cliplight';
  el.type = 'button';
  const name = () => `${label} clip indicator`;
  const show = () => {
    const lit = max > 1;
    el.classList.toggle('on', lit);
    el.dataset.clipped = String(lit);
    el.dataset.tp = max > 0 ? dbtp(max).toFixed(1) : '-inf';
    el.setAttribute('aria-label', lit ? `${name()}: true peak ${dbtp(max) >= 0 ? '+' : ''}${dbtp(max).toFixed(1)} dBTP (over 0 dBTP); click to reset` : name());
    el.title = lit ? `True peak ${dbtp(max).toFixed(1)} dBTP: over 0 dBTP, it clips. Click to reset.` : 'True-peak clip indicator (lights over 0 dBTP)';
  };
  el.addEventListener('click', () => { max = 0; show(); });
  show();
  return {
    el,
    get lit() { return max > 1; },
    feed(tp) {
      if (!(tp > 1)) return; // only overs latch; the title keeps the highest
      if (tp > max) { max = tp; show(); }
    },
    reset() { max = 0; show(); },
  };
}

/**
 * The indicators of a mixer: attach(stripEl, id, label) once per strip
 * (idempotent), master(el) for the master strip, and feed(frame, tracks)
 * with a level frame and the tracks in display order (frame.tracks[i]
 * belongs to tracks[i]).
 */
export function createClipLights() {
  const lights = new Map();
  let masterLight = null;
  return {
    attach(stripEl, id, label) {
      let l = lights.get(id);
      if (!l) { l = clipLight(label); lights.set(id, l); }
      if (l.el.parentNode !== stripEl) stripEl.prepend(l.el);
      return l;
    },
    master(stripEl) {
      if (!masterLight) { masterLight = clipLight('Master'); stripEl.prepend(masterLight.el); }
      return masterLight;
    },
    forget(id) { const l = lights.get(id); if (l) { l.el.remove(); lights.delete(id); } },
    feed(frame, tracks) {
      if (!frame) return;
      tracks.forEach((t, i) => { const v = frame.tracks[i]; const l = lights.get(t.id); if (v && l) l.feed(v.tp); });
      if (masterLight && frame.master) masterLight.feed(frame.master.tp);
    },
  };
}
