// app.js -- the browser client's entry point: client-side routing between
// the sign-in form (/login), the project list (/ and /projects), invite
// links (/invite/<token>) and the studio (/p/<project id>).

import * as api from './api.js';
import { renderLogin, renderProjects, acceptInvite } from './projects.js';
import { openStudio } from './studio.js';
import { toast } from './ui.js';

const root = document.getElementById('app');
let current = null; // the open studio (closed when navigating away)

function go(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

async function logout() {
  await api.logout();
  go('/login');
}

async function route() {
  if (current) { current.close(); current = null; }
  const path = location.pathname;
  let user = null;
  try { user = await api.me(); } catch (e) { toast(e.message, 'error'); }
  const invite = path.match(/^\/invite\/([^/]+)$/);
  if (!user) {
    renderLogin(root, () => route(), invite ? 'Sign in to join the project you were invited to.' : null);
    if (path !== '/login' && !invite) history.replaceState(null, '', '/login');
    return;
  }
  if (invite) {
    await acceptInvite(root, decodeURIComponent(invite[1]), (id) => go(`/p/${id}`, true));
    return;
  }
  const proj = path.match(/^\/p\/([A-Za-z0-9_-]+)/);
  if (proj) {
    current = openStudio(root, proj[1], user, { go, logout });
    return;
  }
  if (path !== '/projects' && path !== '/') history.replaceState(null, '', '/projects');
  await renderProjects(root, user, { open: (id) => go(`/p/${id}`), logout, go });
}

window.addEventListener('popstate', route);
route().finally(() => { root.dataset.ready = 'true'; });
