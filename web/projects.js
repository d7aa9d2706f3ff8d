// projects.js -- the views outside the studio: the sign-in form, the list
// of projects (role, last activity, create; each row's actions menu:
// rename and delete for the owner, duplicate for every member), accepting
// an invite link, and the owner's members-and-invites dialog (also opened
// from the studio). Questions use ui.js ask(), never the browser's dialogs.

import * as api from './api.js';
import { h, modal, toast, fmtAgo, ask } from './ui.js';
import { createNotifications } from './notifications.js';

const ROLES = ['owner', 'editor', 'commenter', 'viewer'];

/** The sign-in form; calls onDone(user) once signed in. */
export function renderLogin(root, onDone, note) {
  const err = h('p.error', { role: 'alert' });
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true, 'aria-label': 'User name' });
  const pw = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-label': 'Password' });
  const form = h('form.card.login', {
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        onDone(await api.login(name.value.trim(), pw.value));
      } catch (x) {
        err.textContent = x.message;
      }
    },
  },
  h('h1.logo', {}, 'mixroom'),
  note ? h('p.note', {}, note) : null,
  h('label', { for: 'login-name' }, 'Name'), name,
  h('label', { for: 'login-password' }, 'Password'), pw,
  h('button.primary', { type: 'submit' }, 'Sign in'), err);
  root.replaceChildren(h('main.center', {}, form));
  name.focus();
}

/** The project list with create; open(id) opens a project, go(url) a notification's URL. */
export async function renderProjects(root, user, { open, logout, go }) {
  const list = h('tbody');
  const err = h('p.error', { role: 'alert' });
  const name = h('input', { id: 'new-project-name', placeholder: 'New project name', 'aria-label': 'New project name', maxlength: 200 });
  const rate = h('select', { 'aria-label': 'Sample rate' }, h('option', { value: '48000' }, '48 kHz'), h('option', { value: '44100' }, '44.1 kHz'));
  const load = async () => {
    try {
      const ps = await api.listProjects();
      list.replaceChildren(...ps.map((p) => h('tr', { dataset: { project: p.id } },
        h('td', {}, h('a', { href: `/p/${p.id}`, onclick: (e) => { e.preventDefault(); open(p.id); } }, p.name)),
        h('td', {}, h('span.role', {}, p.role)),
        h('td', {}, fmtAgo(p.updated_at)),
        h('td.actions', {}, p.role === 'owner' ? h('button', { 'aria-label': `Members and invites of ${p.name}`, onclick: () => membersDialog(p.id, p.name, user) }, 'Members') : null,
          projectMenu(p, { reload: load, open, err })))));
      if (!ps.length) list.append(h('tr', {}, h('td', { colspan: 4 }, 'No projects yet: create one above.')));
    } catch (x) { err.textContent = x.message; }
  };
  const form = h('form.row', {
    onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (!name.value.trim()) { err.textContent = 'Give the project a name (1 to 200 characters).'; return; }
      try {
        const p = await api.createProject(name.value.trim(), Number(rate.value));
        open(p.id);
      } catch (x) { err.textContent = x.message; }
    },
  }, name, rate, h('button.primary', { type: 'submit' }, 'Create project'));
  root.replaceChildren(h('div.page', {},
    h('header.bar', {}, h('span.logo', {}, 'mixroom'), h('span.grow'),
      createNotifications({ open: (url) => (go ? go(url) : location.assign(url)) }).el,
      h('span.who', {}, `Signed in as ${user.display_name || user.name}`),
      h('button', { onclick: logout, 'aria-label': 'Sign out' }, 'Sign out')),
    h('main.card.projects', {}, h('h1', {}, 'Projects'), form, err,
      h('table.list', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Your role'), h('th', {}, 'Last activity'), h('th', {}, h('span.visually-hidden', {}, 'Actions')))), list))));
  await load();
}

const enc = encodeURIComponent;

/**
 * The actions button of one project row: a menu (role menu, arrow keys,
 * Esc) with Rename and Delete for the owner and Duplicate for everybody.
 */
function projectMenu(p, { reload, err }) {
  const btn = h('button.pmenu-btn', { 'aria-label': `Actions for ${p.name}`, title: 'Rename, duplicate, delete', 'aria-haspopup': 'menu', 'aria-expanded': 'false' }, '⋯');
  const items = [
    p.role === 'owner' ? ['Rename…', () => renameProject(p, reload, err)] : null,
    ['Duplicate', () => duplicateProject(p, reload, err)],
    p.role === 'owner' ? ['Delete…', () => deleteProject(p, reload, err), true] : null,
  ].filter(Boolean);
  let menu = null;
  const close = (focus = true) => {
    if (!menu) return;
    menu.remove();
    menu = null;
    btn.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside, true);
    if (focus) btn.focus();
  };
  const outside = (e) => { if (menu && !menu.contains(e.target) && e.target !== btn) close(false); };
  btn.addEventListener('click', () => {
    if (menu) { close(); return; }
    menu = h('div.pmenu', { role: 'menu', 'aria-label': `Actions for ${p.name}` }, items.map(([label, run, danger]) =>
      h(`button.pmenu-item${danger ? '.danger' : ''}`, { role: 'menuitem', tabindex: '-1', onclick: () => { close(false); run(); } }, label)));
    menu.addEventListener('keydown', (e) => {
      const all = [...menu.querySelectorAll('[role=menuitem]')];
      const i = all.indexOf(document.activeElement);
      const to = { ArrowDown: (i + 1) % all.length, ArrowUp: (i - 1 + all.length) % all.length, Home: 0, End: all.length - 1 }[e.key];
      if (to !== undefined) { e.preventDefault(); all[to].focus(); } else if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); close(); }
    });
    wrap.append(menu);
    btn.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', outside, true);
    menu.querySelector('[role=menuitem]').focus();
  });
  const wrap = h('span.pmenu-wrap', {}, btn);
  return wrap;
}

async function renameProject(p, reload, err) {
  const name = await ask('Rename project', { value: p.name, label: 'Project name', ok: 'Rename' });
  if (name === null) return;
  if (!name.trim()) { err.textContent = 'A project name must have 1 to 200 characters.'; return; }
  if (name.trim() === p.name) return;
  try {
    await api.request('PATCH', `/api/projects/${enc(p.id)}`, { name: name.trim() });
    toast(`Renamed to “${name.trim()}”.`);
    await reload();
  } catch (x) { err.textContent = x.message; }
}

async function duplicateProject(p, reload, err) {
  try {
    const r = await api.request('POST', `/api/projects/${enc(p.id)}/duplicate`);
    toast(`Made “${r.name}”: the song as it is now, with the same audio; comments and history stay with the original.`);
    await reload();
  } catch (x) { err.textContent = x.message; }
}

async function deleteProject(p, reload, err) {
  const ok = await ask('Delete project?', {
    message: `“${p.name}” will be deleted for every member, with its tracks, comments, versions and history. This cannot be undone.`,
    ok: 'Delete project', danger: true });
  if (!ok) return;
  try {
    await api.request('DELETE', `/api/projects/${enc(p.id)}`);
    toast(`Deleted “${p.name}”.`);
    await reload();
  } catch (x) { err.textContent = x.message; }
}

/** Accepts the invite `token`, then opens the project. */
export async function acceptInvite(root, token, open) {
  root.replaceChildren(h('div.center', {}, h('div.card', {}, h('p', {}, 'Joining the project…'))));
  try {
    const r = await api.acceptInvite(token);
    toast(`You joined the project as ${r.role}.`);
    open(r.project);
  } catch (x) {
    root.replaceChildren(h('div.center', {}, h('div.card', {}, h('h1', {}, 'This invite cannot be used'),
      h('p.error', { role: 'alert' }, x.message), h('a', { href: '/projects' }, 'Your projects'))));
  }
}

/** The owner's dialog: members (role, remove) and invite links. */
export async function membersDialog(projectId, projectName, me) {
  const m = modal(`Share “${projectName}”`, { wide: true });
  const members = h('tbody');
  const invites = h('tbody');
  const link = h('input.link', { readonly: true, 'aria-label': 'Invite link', placeholder: 'The new link appears here' });
  const err = h('p.error', { role: 'alert' });
  const fail = (x) => { err.textContent = x.message; };
  const refresh = async () => {
    try {
      const ms = await api.listMembers(projectId);
      members.replaceChildren(...ms.map((x) => {
        const role = h('select', { 'aria-label': `Role of ${x.user.name}`, onchange: async () => {
          try { await api.setMemberRole(projectId, x.user.id, role.value); } catch (e) { fail(e); }
          refresh();
        } }, ROLES.map((r) => h('option', { value: r, selected: r === x.role }, r)));
        return h('tr', {}, h('td', {}, x.user.display_name || x.user.name), h('td', {}, role),
          h('td', {}, x.user.id === me?.id ? '' : h('button', { 'aria-label': `Remove ${x.user.name}`, onclick: async () => {
            try { await api.removeMember(projectId, x.user.id); } catch (e) { fail(e); }
            refresh();
          } }, 'Remove')));
      }));
      const is = await api.listInvites(projectId);
      invites.replaceChildren(...is.map((i) => h('tr', {}, h('td', {}, i.role), h('td', {}, i.state),
        h('td', {}, `${i.uses}/${i.max_uses} used`), h('td', {}, `expires ${new Date(i.expires_at).toLocaleString()}`),
        h('td', {}, i.state === 'active' ? h('button', { 'aria-label': 'Revoke this invite', onclick: async () => {
          try { await api.revokeInvite(projectId, i.id); } catch (e) { fail(e); }
          refresh();
        } }, 'Revoke') : ''))));
    } catch (x) { fail(x); }
  };
  const role = h('select', { 'aria-label': 'Role for the invite' }, ROLES.slice(1).map((r) => h('option', { value: r }, r)));
  const days = h('select', { 'aria-label': 'Invite expires in' }, [1, 7, 30].map((d) => h('option', { value: d * 86400, selected: d === 7 }, `${d} day${d > 1 ? 's' : ''}`)));
  const uses = h('input', { type: 'number', min: 1, max: 10000, value: 1, 'aria-label': 'How many people can use the link' });
  m.body.append(
    h('h3', {}, 'Members'), h('table.list', {}, members),
    h('h3', {}, 'Invite by link'),
    h('div.row', {}, role, days, uses, h('button.primary', { onclick: async () => {
      try {
        const r = await api.createInvite(projectId, role.value, Number(days.value), Number(uses.value) || 1);
        link.value = location.origin + r.url;
        link.select();
        refresh();
      } catch (x) { fail(x); }
    } }, 'Create link')),
    link, err, h('table.list', {}, invites));
  await refresh();
  return m;
}
