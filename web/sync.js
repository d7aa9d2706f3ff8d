// sync.js -- the WebSocket session with one project (subprotocol
// mixroom.v1): hello/welcome, the confirmed document (server state at
// `rev`) and the optimistic view (confirmed + this tab's pending pushes),
// seq numbers per client id kept in sessionStorage, acknowledgement by
// delta, rollback on reject, undo/redo in gesture groups, presence, asset
// progress, and automatic reconnect with `since` catch-up and resend of
// the pending pushes with their original seq.
//
// Events (EventTarget): 'change' {detail:{touched:Set, remote:{user,client}|null}},
// 'status' {detail:'connecting'|'online'|'offline'|'closed'}, 'welcome',
// 'reject' {detail:{seq, code, message}}, 'presence', 'asset' {detail:asset},
// 'error' {detail:{code,message}}, 'message' {detail: any other server
// message (preview, follow, versions)}, 'comment' {detail: comment|null}.
// Binary frames (audio, levels) go to the `onBinary` hook as ArrayBuffers.

import { Doc } from './doc.js';

const PRESENCE_GAP_MS = 50;

function tabClientId() {
  let id = sessionStorage.getItem('mixroom.client');
  if (!id) {
    const r = crypto.getRandomValues(new Uint32Array(3));
    id = 'c-' + [...r].map((x) => x.toString(36)).join('');
    sessionStorage.setItem('mixroom.client', id);
  }
  return id;
}

export class Session extends EventTarget {
  constructor(projectId) {
    super();
    this.projectId = projectId;
    this.clientId = tabClientId();
    this.seqKey = `mixroom.seq.${this.clientId}`;
    this.seq = Number(sessionStorage.getItem(this.seqKey) || 0);
    this.confirmed = new Doc();
    this.view = new Doc();
    this.rev = null;            // last revision applied to `confirmed`
    this.pending = [];          // [{seq, ops, group}] sent or to send, oldest first
    this.user = null;
    this.role = 'viewer';
    this.members = [];
    this.presence = new Map();  // client -> presence message
    this.assets = new Map();    // asset id -> {id, name, state, progress, frames, ...}
    this.status = 'connecting';
    this.ws = null;
    this.nextId = 1;
    this.waiting = new Map();   // request id -> {resolve}
    this.undoStack = [];        // local gesture groups: {group, acked}
    this.redoStack = [];
    this.closedByUser = false;
    this.retryMs = 250;
    this.holdUntil = 0;         // test hook: no reconnect before this time
    this.lastPresence = 0;
    this.presenceTimer = null;
    this.presenceState = {};
    this.welcomed = false;
    this.comments = new Map();  // comment id -> comment (live ones)
    this.onBinary = null;       // (ArrayBuffer) => void: preview audio and levels
  }

  get canEdit() { return this.role === 'owner' || this.role === 'editor'; }

  /** Opens the socket (and keeps it open until close()). */
  connect() {
    this.closedByUser = false;
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws?project=${encodeURIComponent(this.projectId)}`; // ?project= routes by project behind a proxy (deploy/haproxy.cfg)
    const ws = new WebSocket(url, 'mixroom.v1');
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.welcomed = false;
    this.setStatus(this.rev === null ? 'connecting' : 'reconnecting');
    ws.onopen = () => {
      const id = this.nextId++;
      // a share link's guest page carries its guest token (no cookie)
      ws.send(JSON.stringify({ type: 'hello', id, project: this.projectId, client: this.clientId, since: this.rev, ...(this.token ? { token: this.token } : {}) }));
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') { if (this.onBinary) this.onBinary(ev.data); return; }
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      this.onMessage(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.welcomed = false;
      for (const w of this.waiting.values()) w.resolve({ type: 'error', code: 'internal', message: 'the connection was lost' });
      this.waiting.clear();
      if (this.closedByUser) { this.setStatus('closed'); return; }
      this.setStatus('offline');
      const wait = Math.max(this.retryMs, this.holdUntil - Date.now());
      this.retryMs = Math.min(this.retryMs * 2, 5000);
      setTimeout(() => { if (!this.closedByUser && !this.ws) this.connect(); }, wait);
    };
  }

  close() {
    this.closedByUser = true;
    if (this.ws) this.ws.close(1000, 'bye');
  }

  /** Test and debug hook: drops the socket and holds reconnecting for ms. */
  drop(ms = 0) {
    this.holdUntil = Date.now() + ms;
    if (this.ws) this.ws.close(4000, 'dropped');
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.emit('status', s);
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && (this.welcomed || obj.type === 'hello')) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  /** Sends a request with an id; resolves with the reply carrying it. */
  request(obj) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve });
      if (!this.send({ ...obj, id })) {
        this.waiting.delete(id);
        resolve({ type: 'error', code: 'unavailable', message: 'not connected' });
      }
    });
  }

  onMessage(m) {
    if (m.id !== undefined && this.waiting.has(m.id) && m.type !== 'welcome') {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      // A delta answering undo/redo is also applied below.
      setTimeout(() => w.resolve(m), 0);
    }
    switch (m.type) {
      case 'welcome': return this.onWelcome(m);
      case 'delta': return this.onDelta(m, true);
      case 'reject': return this.onReject(m);
      case 'presence':
        this.presence.set(m.client, { ...this.presence.get(m.client), ...m, at: Date.now() });
        return this.emit('presence', m);
      case 'left': // one client, or several that went in the same tick
        for (const id of m.clients || [m.client]) this.presence.delete(id);
        return this.emit('presence', m);
      case 'asset':
        if (m.asset && m.asset.id) {
          this.assets.set(m.asset.id, { ...this.assets.get(m.asset.id), ...m.asset });
          this.emit('asset', this.assets.get(m.asset.id));
        }
        return undefined;
      case 'comment':
        this.onComment(m);
        return this.emit('message', m);
      case 'comments':
        if (Array.isArray(m.comments)) { this.comments.clear(); for (const c of m.comments) this.onComment({ comment: c }, true); this.emit('comment', null); }
        return undefined;
      case 'error':
        if (m.id === undefined || !this.welcomed) this.emit('error', m);
        if (!this.welcomed && (m.code === 'unauthorized' || m.code === 'forbidden')) this.close();
        return undefined;
      default:
        return this.emit('message', m);
    }
  }

  // A comment message: {comment:{...}} (deleted ones carry deleted:true or
  // come as {deleted: id}); quiet = no event (bulk load).
  onComment(m, quiet = false) {
    const c = m.comment;
    // a comment takes a revision like a push; deltas never skip it
    if (typeof m.rev === 'number' && this.rev !== null && m.rev === this.rev + 1) this.rev = m.rev;
    let id = null;
    if (c && c.id) {
      id = c.id;
      if (c.deleted || c.deleted_at) this.comments.delete(c.id);
      else this.comments.set(c.id, { ...this.comments.get(c.id), ...c });
    } else if (typeof m.deleted === 'string') {
      id = m.deleted;
      this.comments.delete(m.deleted);
    }
    if (!quiet) this.emit('comment', id ? (this.comments.get(id) || { id, deleted: true }) : null);
  }

  // A delta that changes a comment's clip or track: the comment now carries
  // changed_since and the fields (the server computes the same on list and
  // welcome, but does not rebroadcast the comment). Returns true if any changed.
  markChanged(d) {
    if (!this.comments.size || !d.ops) return false;
    let any = false;
    for (const c of this.comments.values()) {
      if (typeof c.rev === 'number' && d.rev <= c.rev) continue;
      for (const o of d.ops) {
        if (o.id !== c.clip && o.id !== c.track) continue;
        const f = new Set(c.changed_fields || []);
        if (o.op === 'delete') f.add('deleted');
        else if (o.op === 'set') for (const k of Object.keys(o.fields || {})) f.add(k);
        else continue;
        c.changed_since = true;
        c.changed_fields = [...f];
        any = true;
      }
    }
    return any;
  }

  /** Reloads every comment (after a catch-up welcome; comments are not deltas). */
  async loadComments() {
    const r = await this.request({ type: 'comment.list' });
    const list = r && (r.comments || (r.type === 'comments' ? [] : null));
    if (!Array.isArray(list)) return;
    this.comments.clear();
    for (const c of list) this.onComment({ comment: c }, true);
    this.emit('comment', null);
  }

  onWelcome(m) {
    this.user = m.user;
    this.role = m.role;
    this.members = m.members || [];
    this.presence.clear();
    for (const p of m.presence || []) this.presence.set(p.client, { ...p, at: Date.now() });
    for (const a of m.assets || []) this.assets.set(a.id, { ...this.assets.get(a.id), ...a });
    let touched = new Set();
    if (m.snapshot) {
      this.comments.clear();
      for (const c of m.snapshot.comments || []) this.onComment({ comment: c }, true);
      this.confirmed = new Doc(m.snapshot.objects || []);
      this.projectInfo = m.snapshot.project;
      this.rev = m.rev;
      touched = new Set(this.confirmed.objects.keys());
    } else {
      for (const d of m.deltas || []) {
        if (d.type === 'comment') { this.onComment(d, true); continue; } // comments ride in the catch-up
        for (const id of this.onDelta(d, false)) touched.add(id);
      }
      this.rev = m.rev;
    }
    // Pushes at or below last_seq were applied (they are in the snapshot).
    this.pending = this.pending.filter((p) => p.seq > (m.last_seq || 0));
    this.welcomed = true;
    this.retryMs = 250;
    for (const p of this.pending) this.sendPush(p);
    this.rebuildView();
    this.setStatus('online');
    this.emit('welcome', m);
    this.emit('change', { touched, remote: null });
    this.emit('comment', null);
    this.sendPresence({});
    if (!m.snapshot) this.loadComments();
  }

  // Applies a delta to the confirmed document; returns the ids touched.
  onDelta(d, live) {
    if (this.rev !== null && d.rev <= this.rev) return new Set();
    const touched = this.confirmed.apply(d.ops);
    this.rev = d.rev;
    if (this.markChanged(d)) this.emit('comment', null);
    const mine = d.client === this.clientId;
    if (mine && d.seq !== undefined) {
      const i = this.pending.findIndex((p) => p.seq === d.seq);
      if (i >= 0) {
        const [p] = this.pending.splice(i, 1);
        this.countAck(p);
      }
    }
    if (live) {
      this.rebuildView();
      const remote = mine ? null : { user: d.user, client: d.client };
      this.emit('change', { touched, remote, delta: d });
    }
    return touched;
  }

  onReject(m) {
    const i = this.pending.findIndex((p) => p.seq === m.seq);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.rebuildView();
    this.emit('reject', m);
    this.emit('change', { touched: new Set(this.view.objects.keys()), remote: null });
  }

  rebuildView() {
    const v = this.confirmed.clone();
    for (const p of this.pending) v.apply(p.ops);
    this.view = v;
  }

  sendPush(p) {
    this.send({ type: 'push', seq: p.seq, base: this.rev, ops: p.ops });
  }

  /**
   * Applies ops optimistically and sends them as one push. `group` (a
   * string) joins pushes of one gesture into one undo step.
   */
  push(ops, group = null) {
    if (!ops || ops.length === 0 || !this.canEdit) return null;
    this.seq += 1;
    sessionStorage.setItem(this.seqKey, String(this.seq));
    const p = { seq: this.seq, ops, group: group || `g${this.seq}` };
    this.pending.push(p);
    const touched = this.view.apply(ops);
    this.redoStack = [];
    const top = this.undoStack[this.undoStack.length - 1];
    if (!top || top.group !== p.group) this.undoStack.push({ group: p.group, acked: 0 });
    this.sendPush(p);
    this.emit('change', { touched, remote: null });
    return p.seq;
  }

  countAck(p) {
    const e = this.undoStack.find((x) => x.group === p.group);
    if (e) e.acked += 1;
  }

  /** True while pushes await their acknowledgement. */
  get busy() { return this.pending.length > 0; }

  async settle(ms = 3000) {
    const end = Date.now() + ms;
    while (this.pending.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  /** Undoes this user's last step (a gesture group undoes as one). */
  async undo() { return this.undoRedo('undo', this.undoStack, this.redoStack); }
  async redo() { return this.undoRedo('redo', this.redoStack, this.undoStack); }

  async undoRedo(type, from, to) {
    await this.settle();
    const e = from.pop();
    const n = e && e.acked > 0 ? e.acked : 1;
    let last = null;
    for (let i = 0; i < n; i++) {
      last = await this.request({ type });
      if (last.type === 'error') break;
    }
    if (e && last && last.type !== 'error') to.push(e);
    if (last && last.type === 'error') this.emit('error', last);
    return last;
  }

  /** Sends presence (merged with the last state), at most every 50 ms. */
  sendPresence(partial) {
    if (this.role === 'guest') return; // a guest's presence is not shared
    Object.assign(this.presenceState, partial);
    const now = Date.now();
    const flush = () => {
      this.presenceTimer = null;
      this.lastPresence = Date.now();
      const s = this.presenceState;
      const msg = { type: 'presence' };
      for (const k of ['cursor', 'playhead', 'selection', 'view']) if (s[k] !== undefined && s[k] !== null) msg[k] = s[k];
      this.send(msg);
    };
    if (now - this.lastPresence >= PRESENCE_GAP_MS) flush();
    else if (!this.presenceTimer) this.presenceTimer = setTimeout(flush, PRESENCE_GAP_MS - (now - this.lastPresence));
  }

  /** The member record of a user id (from the welcome), or null. */
  member(userId) { return this.members.find((x) => x.id === userId) || null; }
}
