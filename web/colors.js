// colors.js -- the colour of each person in a project (pure; no DOM): one
// stable colour per user id, clearly distinct from everybody else in the
// room. Used on avatars, remote cursors and selections, comments and
// history entries (studio.js S.colorOf).
//
// The palette is 12 hues 30° apart at one saturation and lightness chosen
// to read on the studio's dark background: text in these colours has a
// contrast of at least 5.0:1 on the panels (#1c1f26) and 4.5:1 on the
// raised ones (#232730), and the dark text of an avatar (#10131a) at
// least 5.6:1 on them (WCAG relative luminance). A user id hashes to a preferred
// hue; in a room, people are placed in a fixed order (the given order, then
// id) and each keeps their preferred hue unless it is closer than 60° to
// one already taken, in which case they get the free hue farthest from all
// taken ones. So for up to four people every two hues are at least 60°
// apart, for up to twelve they are pairwise distinct, and a person's
// colour only changes when somebody with a clashing hue is present.

export const HUES = Array.from({ length: 12 }, (_, i) => (i * 150) % 360); // 0,150,300,90,...
export const SAT = 75;
export const LIGHT = 72;
const MIN_GAP = 60;

/** A 32-bit FNV-1a hash of a string. */
export function hashId(id) {
  let x = 0x811c9dc5;
  for (const ch of String(id)) {
    x ^= ch.codePointAt(0);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x >>> 0;
}

/** The hue a user id prefers (one of HUES). */
export function preferredHue(id) { return HUES[hashId(id) % HUES.length]; }

/** Distance between two hues on the colour wheel, 0..180. */
export function hueDistance(a, b) {
  const d = Math.abs(((a - b) % 360) + 360) % 360;
  return Math.min(d, 360 - d);
}

/** The CSS colour of a hue. */
export function hueColor(hue) { return `hsl(${hue}, ${SAT}%, ${LIGHT}%)`; }

/**
 * Hues for the people of a room: ids in priority order (the people present
 * first); returns a Map id -> hue. Deterministic for the same list.
 */
export function assignHues(ids) {
  const out = new Map();
  const taken = [];
  for (const id of ids) {
    if (out.has(id)) continue;
    const want = preferredHue(id);
    const gap = (h) => (taken.length ? Math.min(...taken.map((t) => hueDistance(h, t))) : 180);
    let hue = want;
    if (taken.length >= HUES.length) hue = want; // more people than hues: repeats are unavoidable
    else if (taken.includes(want) || gap(want) < MIN_GAP) {
      let best = -1;
      for (const h of HUES) {
        if (taken.includes(h)) continue;
        const g = gap(h);
        if (g > best || (g === best && hueDistance(h, want) < hueDistance(hue, want))) { best = g; hue = h; }
      }
    }
    out.set(id, hue);
    taken.push(hue);
  }
  return out;
}

/**
 * A colour function for a room: present = user ids here now, members = every
 * member id. Present people are placed first (sorted), then the others, so
 * the people who are here are the ones kept apart. Unknown ids get their
 * preferred hue.
 */
export function roomColors(present, members) {
  const here = [...new Set(present)].sort();
  const rest = [...new Set(members)].filter((id) => !here.includes(id)).sort();
  const hues = assignHues([...here, ...rest]);
  return (id) => hueColor(hues.has(id) ? hues.get(id) : preferredHue(id));
}
