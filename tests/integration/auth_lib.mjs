// auth_lib.mjs -- helpers of the auth and session tests: the database as
// sorted text (to compare before and after a refused request), plain SQL
// on the store (sqlite3, or psql under MXT_STORE=pg), logging in, and the
// cookie of a login answer.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { http, pgTool, storeEnv, storeSql } from './harness.mjs';

/** Under the harness's store switch (MXT_STORE=pg): the same SQL through
 * psql on the data directory's database, in sqlite3's list format. */
function psql(server, text) {
  const url = storeEnv(server.dataDir).MIXROOM_STORE;
  const r = spawnSync(pgTool('psql'), [url, '-qAtX', '-F', '|', '-c', text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

/** The database as sorted text lines, without session last_seen (advisory). */
export function dump(server) {
  if (process.env.MXT_STORE === 'pg') {
    const tables = psql(server, "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1")
      .split('\n').filter(Boolean);
    // every table in one psql call (psql 15 prints each statement's rows)
    const q = tables.map((t) => (t === 'sessions'
      ? "SELECT 'sessions: ' || ROW(encode(token_hash, 'hex'), user_id, created_at, expires_at)::text FROM sessions"
      : `SELECT '${t}: ' || x::text FROM "${t}" x`)).join('; ');
    return psql(server, q).split('\n').filter(Boolean).sort().join('\n');
  }
  const db = path.join(server.dataDir, 'mixroom.db');
  const q = (sql) => {
    const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 5000', '-cmd', '.mode quote', db, sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
    return r.stdout;
  };
  const tables = q("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
    .split('\n').filter(Boolean).map((s) => s.replace(/'/g, ''));
  const out = [];
  for (const t of tables) {
    const sql = t === 'sessions'
      ? 'SELECT hex(token_hash), user_id, created_at, expires_at FROM sessions'
      : `SELECT * FROM "${t}"`;
    for (const line of q(sql).split('\n').filter(Boolean)) out.push(`${t}: ${line}`);
  }
  return out.sort().join('\n');
}

/** Runs SQL on the server's store (harness.mjs storeSql: sqlite3, or psql
 * under MXT_STORE=pg); returns stdout, trimmed. */
export const sql = (server, text) => storeSql(server.dataDir, text);

/** POST /api/login. */
export const login = (s, name, password, extra = {}) => http(s, 'POST', '/api/login', { body: { name, password }, ...extra });

/** The `name=value` part of a response's Set-Cookie. */
export const cookieOf = (r) => (r.headers.get('set-cookie') || '').split(';')[0];
