// harness.mjs -- the integration-test harness: starts the real mixroom
// binary on a free loopback port with a temporary data directory, waits
// for /healthz, runs CLI subcommands, makes HTTP requests and opens real
// WebSocket connections (the `ws` package), and stops the server.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SRCDIR = process.env.MXT_SRCDIR || path.resolve(here, '..', '..');
export const BIN = process.env.MXT_BIN || path.resolve(SRCDIR, 'mixroom');

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A new empty temporary directory, removed by cleanup(). */
export function tempDir(prefix = 'mixroom-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The store switch (tests/integration/run_pg.sh): with MXT_STORE=pg and
 * MXT_PGURL=postgresql://.../postgres, every data directory gets its own
 * fresh PostgreSQL database (named after the directory, created on first
 * use), handed to the server and the CLI as MIXROOM_STORE; the data
 * directory still holds the assets. Without MXT_STORE=pg nothing changes
 * (the embedded SQLite under --data). Returns the env to add.
 */
const pgDatabases = new Set();

/** The PostgreSQL database of a data directory under MXT_STORE=pg. */
const pgDbName = (dataDir) => 'mxt_' + crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 24);

/** A PostgreSQL client program (psql, pg_dump): Debian's own binary under
 * /usr/lib/postgresql/N/bin when there is one (the /usr/bin wrapper is a
 * Perl script that costs a start-up per call), else the name on PATH. */
export function pgTool(name) {
  try {
    const versions = fs.readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a);
    for (const v of versions) {
      const p = path.join('/usr/lib/postgresql', v, 'bin', name);
      if (fs.existsSync(p)) return p;
    }
  } catch { /* not Debian's layout */ }
  return name;
}
export function storeEnv(dataDir) {
  if (process.env.MXT_STORE !== 'pg' || !dataDir) return {};
  const base = process.env.MXT_PGURL;
  if (!base) throw new Error('MXT_STORE=pg needs MXT_PGURL');
  const name = pgDbName(dataDir);
  const url = base.replace(/\/[^/?]*(\?.*)?$/, `/${name}$1`);
  if (!pgDatabases.has(name)) {
    const r = spawnSync(pgTool('psql'), [base, '-qAtc', `SELECT 1 FROM pg_database WHERE datname='${name}'`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    if (r.stdout.trim() !== '1') {
      const c = spawnSync(pgTool('psql'), [base, '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
      if (c.status !== 0 && !/already exists/.test(c.stderr)) throw new Error(`CREATE DATABASE ${name}: ${c.stderr}`);
    }
    pgDatabases.add(name);
  }
  return { MIXROOM_STORE: url };
}

/** Whether the harness's store switch is on (MXT_STORE=pg): tests that
 * are about the SQLite file itself skip with this, saying why. */
export const ON_PG = process.env.MXT_STORE === 'pg';

/** Whether the command-line client of the store is installed (sqlite3, or
 * psql under MXT_STORE=pg), for storeSql. */
export function storeSqlAvailable() {
  const r = spawnSync(ON_PG ? pgTool('psql') : 'sqlite3', ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/**
 * Runs SQL (one statement or several, separated by ';') on dataDir's
 * store: the sqlite3 tool on <data>/mixroom.db, or psql on the data
 * directory's database under MXT_STORE=pg. Returns every result row in
 * sqlite3's list format (columns joined by '|', one row a line), trimmed;
 * throws with the tool's message when the SQL fails. The SQL must be in the
 * subset both engines take (docs/storage.md, "Dialect rules"); read JSON
 * bodies in the test (JSON.parse), not with json_extract.
 */
export function storeSql(dataDir, text) {
  if (ON_PG) {
    const url = storeEnv(dataDir).MIXROOM_STORE;
    const r = spawnSync(pgTool('psql'), [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-F', '|', '-c', text], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`psql failed: ${r.error || r.stderr}`);
    return r.stdout.trim();
  }
  const db = path.join(dataDir, 'mixroom.db');
  const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 5000', db, text], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`sqlite3 failed: ${r.error || r.stderr}`);
  return r.stdout.trim();
}

/**
 * Every byte the store holds for dataDir, to prove a secret is not among
 * them: the SQLite file <data>/mixroom.db as it is on disk, or under
 * MXT_STORE=pg the data of the directory's database as `pg_dump
 * --data-only` prints it (text columns as they are, bytea in hex).
 */
export function storeBytes(dataDir) {
  if (ON_PG) {
    const url = storeEnv(dataDir).MIXROOM_STORE;
    const r = spawnSync(pgTool('pg_dump'), ['--data-only', '--no-owner', url], { maxBuffer: 1 << 28 });
    if (r.error || r.status !== 0) throw new Error(`pg_dump failed: ${r.error || r.stderr}`);
    return r.stdout;
  }
  return fs.readFileSync(path.join(dataDir, 'mixroom.db'));
}

/** The data folder a command line names with `--data DIR`, if any. */
export function dataDirOf(args) {
  const i = args.indexOf('--data');
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Makes toDir's store a copy of fromDir's (a second node, or a restore, on
 * the same data): under MXT_STORE=pg, toDir's database is created from
 * fromDir's (CREATE DATABASE ... TEMPLATE; no server may be connected to
 * it); on SQLite nothing (copying <data>/mixroom.db is the copy).
 */
export function storeCopy(fromDir, toDir) {
  if (!ON_PG) return;
  const base = process.env.MXT_PGURL;
  storeEnv(fromDir); // it exists
  const src = pgDbName(fromDir);
  const dst = pgDbName(toDir);
  const r = spawnSync(pgTool('psql'), [base, '-qc', `CREATE DATABASE ${dst} TEMPLATE ${src}`], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`CREATE DATABASE ${dst} TEMPLATE ${src}: ${r.error || r.stderr}`);
  pgDatabases.add(dst);
}

/** Runs `mixroom ARGS...` synchronously on dataDir (or the `--data` of
 * ARGS, or env's MIXROOM_DATA: under MXT_STORE=pg that folder's database
 * is the store). */
export function cli(args, { dataDir, input, env } = {}) {
  const full = dataDir ? [...args, '--data', dataDir] : args;
  const r = spawnSync(BIN, full, {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, ...storeEnv(dataDir || dataDirOf(args) || env?.MIXROOM_DATA), ...(env || {}) },
    timeout: 60000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `mixroom serve` and waits for /healthz. Options: dataDir (default:
 * a new temp dir), args (extra flags), env, demo (default false).
 * Returns a server handle: {port, url, wsUrl, dataDir, log(), stop(),
 * kill9(), restart()}.
 */
export async function startServer(opts = {}) {
  const dataDir = opts.dataDir || tempDir();
  const port = opts.port || (await freePort());
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir,
    '--web', path.join(SRCDIR, 'web'), ...(opts.demo ? [] : ['--no-demo']),
    ...(opts.args || [])];
  const proc = spawn(BIN, args, {
    env: { ...process.env, ...storeEnv(dataDir), ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  let stopping = false;
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    // A server that dies on its own is a bug: show what it said.
    if (!stopping) process.stderr.write(`\n[harness] mixroom on port ${port} exited unexpectedly (code ${code}, signal ${signal}); its log:\n${output}\n`);
    if (process.env.MXT_LOGDIR) {
      try {
        fs.mkdirSync(process.env.MXT_LOGDIR, { recursive: true });
        fs.writeFileSync(path.join(process.env.MXT_LOGDIR, `server-${port}-${Date.now()}.log`), output);
      } catch { /* best effort */ }
    }
    resolve({ code, signal });
  }));
  const server = {
    port, dataDir, proc, exited,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    log: () => output,
    /** SIGTERM, then wait; resolves to the exit {code, signal}. */
    async stop() {
      stopping = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
    async kill9() {
      stopping = true;
      proc.kill('SIGKILL');
      return exited;
    },
    /** Stops (or has stopped) and starts again on the same data and port. */
    async restart(extra = {}) {
      await server.stop();
      return startServer({ ...opts, ...extra, dataDir, port });
    },
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const r = await fetch(`${server.url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not answer /healthz:\n${output}`);
    }
    await sleep(50);
  }
  return server;
}

/** An HTTP request; returns {status, headers, json, text}. */
export async function http(server, method, urlPath, { body, token, cookie, headers, raw } = {}) {
  const h = { ...(headers || {}) };
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] = h['content-type'] || 'application/json';
  }
  const r = await fetch(server.url + urlPath, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, json, text };
}

/**
 * A WebSocket client speaking mixroom.v1. Messages are kept in order;
 * next(pred) waits for the first unread message matching pred;
 * request(obj) sends with a fresh id and waits for the reply with that id.
 */
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.binary = [];
    this.waiters = [];
    this.nextId = 1;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => {
      if (isBinary) { this.binary.push(data); this._wake(); return; }
      this.inbox.push(JSON.parse(data.toString()));
      this._wake();
    });
  }
  _wake() {
    for (const w of [...this.waiters]) w();
  }
  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
  /** Waits for (and removes) the first message matching pred. */
  next(pred = () => true, timeout = 5000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.inbox.findIndex(pred);
        if (i >= 0) {
          const [m] = this.inbox.splice(i, 1);
          this.waiters = this.waiters.filter((w) => w !== check);
          clearTimeout(timer);
          resolve(m);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for a message; inbox: ${JSON.stringify(this.inbox).slice(0, 500)}`));
      }, timeout);
      if (!check()) this.waiters.push(check);
    });
  }
  /** Sends obj with a new id and resolves with the reply carrying that id. */
  request(obj, timeout = 5000) {
    const id = this.nextId++;
    this.send({ ...obj, id });
    return this.next((m) => m.id === id, timeout);
  }
  /** Resolves with no matching message in `ms`, or rejects if one came. */
  async none(pred, ms = 300) {
    await sleep(ms);
    const m = this.inbox.find(pred);
    if (m) throw new Error(`unexpected message ${JSON.stringify(m)}`);
  }
  close() { this.ws.close(); return this.closed; }
}

/** Opens a WebSocket to the server; resolves to a Client once open.
 * `project` (optional) goes on the URL as /ws?project=ID, as the studio
 * does, for a proxy that routes by project (tests/cluster). */
export function connect(server, { protocol = 'mixroom.v1', headers, cookie, project } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...(headers || {}) };
    if (cookie) h.cookie = cookie;
    const url = project ? `${server.wsUrl}?project=${encodeURIComponent(project)}` : server.wsUrl;
    const ws = new WebSocket(url, protocol ? [protocol] : [], { headers: h, maxPayload: 64 * 1024 * 1024 });
    const client = new Client(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

/**
 * Creates a user with the CLI and a session token for it; returns
 * {name, password, token, id?}. Works while the server runs.
 */
export function makeUser(server, name, password = `pw-${name}-12345`) {
  let r = cli(['user', 'add', name, '--password-stdin'], { dataDir: server.dataDir, input: `${password}\n` });
  if (r.status !== 0) throw new Error(`user add ${name} failed: ${r.stderr}`);
  r = cli(['token', 'create', name], { dataDir: server.dataDir });
  if (r.status !== 0) throw new Error(`token create ${name} failed: ${r.stderr}`);
  return { name, password, token: r.stdout.trim() };
}

/** Creates a project owned by `owner` (a user name) with the CLI; returns its id. */
export function makeProject(server, name, owner, sampleRate = 48000) {
  const r = cli(['project', 'create', name, '--owner', owner, '--sample-rate', String(sampleRate)], { dataDir: server.dataDir });
  if (r.status !== 0) throw new Error(`project create failed: ${r.stderr}`);
  return r.stdout.trim().split(/\s+/).pop();
}

/** Adds `user` to `project` with `role` through the CLI. */
export function addMember(server, project, user, role) {
  const r = cli(['project', 'add-member', project, user, role], { dataDir: server.dataDir });
  if (r.status !== 0) throw new Error(`add-member failed: ${r.stderr}`);
}

/** Connects and says hello; resolves to {client, welcome}. */
export async function join(server, user, project, { client = `c-${Math.random().toString(36).slice(2)}`, since = null } = {}) {
  const c = await connect(server, { project: server.wsProject ? project : undefined });
  const welcome = await c.request({ type: 'hello', token: user.token, project, client, since });
  if (welcome.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
  c.clientId = client;
  return { client: c, welcome };
}
