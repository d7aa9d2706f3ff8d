// coedit_lib.mjs -- test helpers for co-editing: a client-side copy of the
// document built from a welcome and the deltas after it (create = put the
// full object, set = merge fields, delete = remove: deltas carry every
// applied op, cascades included), and a canonical form to compare copies.
import assert from 'node:assert/strict';

/** Stable JSON text: object keys sorted at every level. */
export function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export class Doc {
  constructor() {
    this.objects = new Map();
    this.rev = 0;
  }

  /** Applies one op as the server applied it. */
  applyOp(op) {
    if (op.op === 'create') {
      this.objects.set(op.id, { id: op.id, kind: op.kind, ...structuredClone(op.fields || {}) });
    } else if (op.op === 'set') {
      const o = this.objects.get(op.id);
      assert.ok(o, `set of missing object ${op.id}`);
      Object.assign(o, structuredClone(op.fields));
    } else if (op.op === 'delete') {
      assert.ok(this.objects.has(op.id), `delete of missing object ${op.id}`);
      this.objects.delete(op.id);
    } else {
      throw new Error(`unknown op ${op.op}`);
    }
  }

  /** Applies a delta; returns false (and changes nothing) if it is old. */
  applyDelta(d) {
    if (d.rev <= this.rev) return false;
    assert.equal(d.rev, this.rev + 1, `delta ${d.rev} after ${this.rev}`);
    for (const op of d.ops) this.applyOp(op);
    this.rev = d.rev;
    return true;
  }

  /** Takes a welcome: a snapshot replaces the document, deltas apply. */
  loadWelcome(w) {
    if (w.snapshot) {
      this.objects = new Map(w.snapshot.objects.map((o) => [o.id, structuredClone(o)]));
      this.rev = w.rev;
    } else {
      for (const d of w.deltas) this.applyDelta(d);
      assert.equal(this.rev, w.rev);
    }
  }

  canonical() {
    return canon([...this.objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }
}

/** The canonical document of a welcome carrying a snapshot. */
export function snapshotCanon(w) {
  const d = new Doc();
  d.loadWelcome(w);
  return d.canonical();
}

/** Waits for the delta that acknowledges `seq` from this client. */
export function ackOf(client, seq, timeout = 5000) {
  return client.next((m) => m.type === 'delta' && m.client === client.clientId && m.seq === seq, timeout);
}
