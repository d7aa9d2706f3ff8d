// api.js -- the HTTP API of the server as small async functions: sign-in
// (the session lives in an HttpOnly cookie), projects, members, invites,
// asset upload with progress, and waveform peaks. Errors are thrown as
// ApiError with the server's {code, message}.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `request failed (${status})`);
    this.status = status;
    this.code = code || 'internal';
  }
}

// The cookie is HttpOnly, so the page keeps a hint that a session may
// exist; without it the page does not ask /api/me (a 401 would be logged
// in the console as a failed request).
const HINT = 'mixroom.signedIn';

/** A JSON request with the session cookie; throws ApiError on failure. */
export async function request(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['content-type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const text = await r.text();
  let json;
  try { json = text ? JSON.parse(text) : {}; } catch { json = {}; }
  if (!r.ok) {
    if (r.status === 401) localStorage.removeItem(HINT);
    throw new ApiError(r.status, json.code, json.message);
  }
  return json;
}

/** Signs in; resolves to the user. */
export async function login(name, password) {
  const r = await request('POST', '/api/login', { name, password });
  localStorage.setItem(HINT, '1');
  return r.user;
}

export async function logout() {
  localStorage.removeItem(HINT);
  try { await request('POST', '/api/logout', {}); } catch { /* already out */ }
}

/** The signed-in user, or null (asks the server only if a session may exist). */
export async function me() {
  if (!localStorage.getItem(HINT)) return null;
  try {
    return (await request('GET', '/api/me')).user;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export const listProjects = async () => (await request('GET', '/api/projects')).projects;
export const createProject = async (name, sampleRate) =>
  (await request('POST', '/api/projects', { name, sample_rate: sampleRate })).project;
export const getProject = async (id) => (await request('GET', `/api/projects/${encodeURIComponent(id)}`)).project;
export const listMembers = async (id) => (await request('GET', `/api/projects/${encodeURIComponent(id)}/members`)).members;
export const setMemberRole = (id, user, role) =>
  request('PATCH', `/api/projects/${encodeURIComponent(id)}/members/${encodeURIComponent(user)}`, { role });
export const removeMember = (id, user) =>
  request('DELETE', `/api/projects/${encodeURIComponent(id)}/members/${encodeURIComponent(user)}`);
export const listInvites = async (id) => (await request('GET', `/api/projects/${encodeURIComponent(id)}/invites`)).invites;
/** Creates an invite link; expires in seconds. Resolves to {id, token, url, role, ...}. */
export const createInvite = (id, role, expires, maxUses = 1) =>
  request('POST', `/api/projects/${encodeURIComponent(id)}/invites`, { role, expires, max_uses: maxUses });
export const revokeInvite = (id, invite) =>
  request('DELETE', `/api/projects/${encodeURIComponent(id)}/invites/${encodeURIComponent(invite)}`);
/** Joins a project with an invite token; resolves to {project, role}. */
export const acceptInvite = (token) => request('POST', `/api/invites/${encodeURIComponent(token)}`, {});

/**
 * Uploads a file as a new asset of the project. onProgress(fraction) is
 * called while the body is sent. Resolves to the asset id.
 */
export function uploadAsset(projectId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/projects/${encodeURIComponent(projectId)}/assets?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, 'internal', 'the upload failed: the connection was lost'));
    xhr.onload = () => {
      let json = {};
      try { json = JSON.parse(xhr.responseText || '{}'); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        const a = json.asset;
        resolve(typeof a === 'string' ? a : a && a.id);
      } else {
        reject(new ApiError(xhr.status, json.code, json.message));
      }
    };
    xhr.send(file);
  });
}

/**
 * Fetches and parses an asset's MXPEAKS1 waveform overview (engine/peaks.h):
 * {channels, rate, frames, levels:[{fpp, count, data: Int16Array}]}.
 */
export async function fetchPeaks(assetId, projectId) {
  // with the project: its own route (an asset id is shared by a project and its duplicates)
  const url = projectId ? `/api/projects/${encodeURIComponent(projectId)}/assets/${encodeURIComponent(assetId)}/peaks`
    : `/api/assets/${encodeURIComponent(assetId)}/peaks`;
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new ApiError(r.status, 'not_found', `no peaks for asset ${assetId}`);
  return parsePeaks(await r.arrayBuffer());
}

/** Parses a MXPEAKS1 image (see fetchPeaks). Throws on a malformed one. */
export function parsePeaks(buf) {
  const v = new DataView(buf);
  const magic = new TextDecoder().decode(new Uint8Array(buf, 0, 8));
  if (magic !== 'MXPEAKS1') throw new Error('not a peaks file');
  const channels = v.getUint32(12, true);
  const rate = v.getUint32(16, true);
  const nlev = v.getUint32(20, true);
  const frames = Number(v.getBigUint64(24, true));
  const levels = [];
  for (let i = 0; i < nlev; i++) {
    const e = 32 + i * 24;
    const fpp = v.getUint32(e, true);
    const count = Number(v.getBigUint64(e + 8, true));
    const off = Number(v.getBigUint64(e + 16, true));
    const n = count * channels * 2;
    if (off + n * 2 > buf.byteLength) throw new Error('truncated peaks file');
    // Copy: the offset may not be 2-byte aligned for a typed-array view.
    const data = new Int16Array(n);
    for (let k = 0; k < n; k++) data[k] = v.getInt16(off + k * 2, true);
    levels.push({ fpp, count, data });
  }
  levels.sort((a, b) => a.fpp - b.fpp);
  return { channels, rate, frames, levels };
}

// ---- activity (notifications.js) ----
/** GET /api/activity?QUERY: {items, unread, next_before}. */
export const listActivity = (query = '') => request('GET', `/api/activity${query}`);
/** Marks the signed-in user's activity up to id read: {ok, marked, unread}. */
export const markActivityRead = (upto) => request('POST', '/api/activity/read', { upto });
