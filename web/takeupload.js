// takeupload.js -- the take's chunk upload (docs/protocol.md "Recording"):
// POST …/takes starts a take; each ~1 s chunk of s16le PCM is PUT as
// …/takes/{take}/chunks/{seq}?rate=&channels= and kept in memory until the
// server acknowledges it (the server fsyncs before it answers). A network
// error (dropped connection) or a 5xx other than disk_full pauses the
// queue: the user is told how much is safe, the take is read back
// (GET …/takes/{take} -> next) and sending resumes from `next`, dropping
// what the server already has, so nothing is lost or doubled. 409
// out_of_order also realigns on its `next`. Errors that resending cannot
// fix (400, 403, 404, 413, 507) end the take with the server's message.
//
// Events: 'progress' {next, frames, pending}, 'lost' {safeSeconds},
// 'resumed', 'failed' {status, code, message}.

const base = (project) => `/api/projects/${encodeURIComponent(project)}/takes`;

async function call(method, path, body) {
  const r = await fetch(path, {
    method, credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await r.json(); } catch { json = null; }
  return { status: r.status, json };
}

/** POST …/takes: {track|null, at, rate, channels, device}; resolves to the take or throws {status, message}. */
export async function startTake(project, body) {
  const r = await call('POST', base(project), body);
  if (r.status !== 201 || !r.json || !r.json.take) throw Object.assign(new Error(errText(r, 'The take could not be started')), r);
  return r.json.take;
}

/** GET …/takes/{take}: the take with its resume point, or null. */
export async function getTake(project, take) {
  const r = await call('GET', `${base(project)}/${encodeURIComponent(take)}`);
  return r.status === 200 && r.json ? r.json.take : null;
}

/** GET …/takes?open=1: the caller's unfinished takes of the project. */
export async function openTakes(project) {
  const r = await call('GET', `${base(project)}?open=1`);
  return r.status === 200 && r.json && Array.isArray(r.json.takes) ? r.json.takes : [];
}

/** POST …/finish {at?, trim?}: resolves to the finished take or throws. */
export async function finishTake(project, take, body = {}) {
  const r = await call('POST', `${base(project)}/${encodeURIComponent(take)}/finish`, body);
  if (r.status !== 200 || !r.json || !r.json.take) throw Object.assign(new Error(errText(r, 'The take could not be finished')), r);
  return r.json.take;
}

/** DELETE …/takes/{take}. */
export async function discardTake(project, take) {
  const r = await call('DELETE', `${base(project)}/${encodeURIComponent(take)}`);
  return r.status >= 200 && r.status < 300;
}

function errText(r, fallback) {
  const e = r.json && (r.json.error || r.json);
  return (e && typeof e.message === 'string' && e.message) || `${fallback} (HTTP ${r.status})`;
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

export class ChunkUploader extends EventTarget {
  /** take: the server's take object ({id, rate, channels, next}). */
  constructor(project, take) {
    super();
    this.project = project;
    this.take = take;
    this.queue = [];          // [{seq, bytes (ArrayBuffer)}] not yet acknowledged
    this.seq = take.next || 0; // seq of the next chunk added
    this.next = take.next || 0;
    this.frames = take.frames || 0;
    this.running = false;
    this.failed = null;
    this.lostShown = false;
    this.idle = [];           // resolvers waiting for an empty queue
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  /** Queues one chunk (interleaved s16le) and sends it when its turn comes. */
  add(bytes) {
    if (this.failed || bytes.byteLength === 0) return;
    this.queue.push({ seq: this.seq++, bytes });
    this.pump();
  }

  /** Seconds of audio acknowledged by the server. */
  get safeSeconds() { return this.frames / this.take.rate; }

  /** Resolves once every queued chunk is acknowledged (or rejects when the take failed). */
  drained() {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.queue.length && !this.running) return Promise.resolve();
    return new Promise((res, rej) => this.idle.push({ res, rej }));
  }

  settle() {
    if (this.failed) for (const w of this.idle.splice(0)) w.rej(this.failed);
    else if (!this.queue.length) for (const w of this.idle.splice(0)) w.res();
  }

  async pump() {
    if (this.running) return;
    this.running = true;
    let backoff = 250;
    try {
      while (this.queue.length && !this.failed) {
        const c = this.queue[0];
        const url = `${base(this.project)}/${encodeURIComponent(this.take.id)}/chunks/${c.seq}?rate=${this.take.rate}&channels=${this.take.channels}`;
        let r = null;
        try {
          const res = await fetch(url, { method: 'PUT', credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' }, body: c.bytes });
          let json = null;
          try { json = await res.json(); } catch { json = null; }
          r = { status: res.status, json };
        } catch {
          r = null; // the network: the connection dropped
        }
        if (r && r.status === 200) {
          this.queue.shift();
          this.next = r.json.next;
          this.frames = r.json.frames;
          backoff = 250;
          if (this.lostShown) { this.lostShown = false; this.emit('resumed', { safeSeconds: this.safeSeconds }); }
          this.emit('progress', { next: this.next, frames: this.frames, pending: this.queue.length });
          continue;
        }
        if (r && r.status === 409 && r.json && Number.isInteger(r.json.next)) { this.realign(r.json.next); continue; }
        if (r && r.status !== 503 && r.status !== 502 && r.status !== 504 && r.status !== 500) {
          this.failed = Object.assign(new Error(errText(r, 'The take was refused')), { status: r.status, code: r.json && (r.json.code || (r.json.error && r.json.error.code)) });
          this.emit('failed', this.failed);
          break;
        }
        // lost: tell the user, wait, ask the server where the take stands, resend from there
        if (!this.lostShown) { this.lostShown = true; this.emit('lost', { safeSeconds: this.safeSeconds }); }
        await sleep(backoff);
        backoff = Math.min(4000, backoff * 2);
        const t = await getTake(this.project, this.take.id).catch(() => null);
        if (t && Number.isInteger(t.next)) { this.frames = t.frames; this.realign(t.next); }
      }
    } finally {
      this.running = false;
      this.settle();
    }
  }

  /** The server has every chunk below next: drop those from the queue. */
  realign(next) {
    this.next = next;
    while (this.queue.length && this.queue[0].seq < next) this.queue.shift();
  }
}
