// share.js -- the owner's Share links dialog in the studio: create a link
// for people without an account (rights listen/comment/download, an
// optional version and whether it is pinned, expiry, maximum uses,
// password, label), copy its address (shown only once: the server keeps
// the token hashed), list the project's links with their uses, guests and
// downloads, and revoke one (its open guest pages close at once).
//
// Requests (docs/protocol.md, Share links): POST/GET
// /api/projects/{id}/links, DELETE /api/projects/{id}/links/{link}.

import { h, modal, ask, fmtAgo } from './ui.js';
import { request } from './api.js';

const base = (id) => `/api/projects/${encodeURIComponent(id)}/links`;
const EXPIRY = [['never', 0], ['1 day', 1], ['7 days', 7], ['30 days', 30]];

/** Opens the dialog for project `projectId`; versions: [{id, name, rev}]. */
export async function shareLinksDialog(projectId, projectName, versions = []) {
  const m = modal(`Share links for “${projectName}”`, { wide: true });
  m.el.classList.add('share-links');
  const err = h('p.error', { role: 'alert' });
  const rows = h('tbody');
  const box = (label, checked = false, disabled = false) => {
    const i = h('input', { type: 'checkbox', checked, disabled, 'aria-label': label });
    return { i, el: h('label.small', {}, i, ` ${label}`) };
  };
  const listen = box('Listen', true, true);
  const comment = box('Comment', true);
  const download = box('Download');
  const version = h('select', { 'aria-label': 'Version' },
    h('option', { value: '' }, 'The latest mix'),
    versions.map((v) => h('option', { value: v.id }, `Version “${v.name}” (r${v.rev})`)));
  const pinned = box('Only this version', true);
  pinned.i.disabled = true;
  version.addEventListener('change', () => { pinned.i.disabled = !version.value; });
  const expiry = h('select', { 'aria-label': 'Link expires' }, EXPIRY.map(([t, d]) => h('option', { value: d, selected: d === 7 }, `expires: ${t}`)));
  const maxUses = h('input', { type: 'number', min: 1, max: 1000000, placeholder: 'unlimited', 'aria-label': 'Maximum uses' });
  const password = h('input', { type: 'password', autocomplete: 'new-password', placeholder: 'no password', 'aria-label': 'Password (optional)' });
  const label = h('input', { type: 'text', maxlength: 200, placeholder: 'For the label', 'aria-label': 'Label' });
  const url = h('input.link', { readonly: true, 'aria-label': 'Share link address', placeholder: 'The new link appears here' });
  const copyBtn = h('button', { 'aria-label': 'Copy the link', disabled: true, onclick: () => copy() }, 'Copy');
  const note = h('p.dim.small', {}, 'The address is shown only once, when the link is made: copy it now. Revoking a link closes its open pages at once.');

  async function copy() {
    url.select();
    try { await navigator.clipboard.writeText(url.value); copyBtn.textContent = 'Copied'; } catch { copyBtn.textContent = 'Select and copy'; }
  }

  async function create() {
    err.textContent = '';
    const rights = ['listen', ...(comment.i.checked ? ['comment'] : []), ...(download.i.checked ? ['download'] : [])];
    const days = Number(expiry.value);
    const body = {
      rights,
      version: version.value || null,
      ...(version.value ? { pinned: pinned.i.checked } : {}),
      expires_at: days ? Date.now() + days * 86400000 : null,
      max_uses: maxUses.value === '' ? null : Number(maxUses.value),
      password: password.value || null,
      label: label.value.trim(),
    };
    try {
      const r = await request('POST', base(projectId), body);
      url.value = location.origin + r.link.url;
      copyBtn.disabled = false;
      copyBtn.textContent = 'Copy';
      password.value = '';
      url.select();
      await refresh();
    } catch (x) { err.textContent = x.message; }
  }

  const rightsText = (l) => l.rights.join(', ');
  async function refresh() {
    try {
      const { links } = await request('GET', base(projectId));
      rows.replaceChildren(...(links.length ? links.map((l) => h('tr', { dataset: { link: l.id } },
        h('td', {}, l.label || h('span.dim', {}, '(no label)'), l.password ? ' 🔒' : ''),
        h('td', {}, rightsText(l)),
        h('td', {}, l.version ? `“${l.version.name}”${l.pinned ? ' only' : ' + latest'}` : 'latest'),
        h('td.uses', {}, `${l.uses}${l.max_uses ? `/${l.max_uses}` : ''} uses · ${l.downloads} downloads`),
        h('td', {}, l.state === 'active' && l.expires_at ? `expires ${new Date(l.expires_at).toLocaleDateString()}` : l.state, h('span.dim', {}, ` · ${fmtAgo(l.created_at)}`)),
        h('td', {}, l.state !== 'revoked' ? h('button.danger', { 'aria-label': `Revoke ${l.label || 'this link'}`, onclick: async () => {
          if (!await ask('Revoke the link', { message: 'Anyone with this link loses access at once. Revoke it?', ok: 'Revoke', danger: true })) return;
          try { await request('DELETE', `${base(projectId)}/${encodeURIComponent(l.id)}`); } catch (x) { err.textContent = x.message; }
          refresh();
        } }, 'Revoke') : ''))) : [h('tr', {}, h('td', { colspan: 6 }, 'No share links yet.'))]));
    } catch (x) { err.textContent = x.message; }
  }

  m.body.append(
    h('h3', {}, 'New link'),
    h('div.row', {}, listen.el, comment.el, download.el),
    h('div.row', {}, version, pinned.el),
    h('div.row', {}, expiry, maxUses, password),
    h('div.row', {}, label, h('button.primary', { 'aria-label': 'Create the share link', onclick: () => create() }, 'Create link')),
    h('div.row', {}, url, copyBtn), note, err,
    h('h3', {}, 'Links'), h('table.list', {}, rows));
  await refresh();
  return m;
}
