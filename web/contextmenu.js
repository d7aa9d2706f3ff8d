// contextmenu.js -- the studio's right-click menu: a role="menu" list of
// role="menuitem" (or menuitemradio / menuitemcheckbox) entries opened at
// the pointer or at an element, with one level of submenus ("Fade shape ▸").
// Arrow keys move (Right opens a submenu, Left closes it), Home/End jump,
// Enter/Space run an item, Escape or a click elsewhere closes, and the
// focus returns to the element the menu was opened from.
//
// An item: {label, run, disabled, checked, role, items (a submenu)}; null
// is a separator.

import { h } from './ui.js';

let open = null; // the open menu: {el, close}

/** Closes the open menu (if any) without running anything. */
export function closeMenu() {
  if (open) open.close();
}

/** True while a menu is open. */
export function menuOpen() {
  return !!open;
}

function build(items, label, onRun, level) {
  const el = h('div.ctxmenu', { role: 'menu', 'aria-label': label, tabindex: '-1' });
  for (const it of items) {
    if (!it) { el.append(h('div.ctxsep', { role: 'separator' })); continue; }
    const role = it.role || (it.checked !== undefined ? 'menuitemcheckbox' : 'menuitem');
    const attrs = { role, tabindex: '-1', 'aria-disabled': it.disabled ? 'true' : 'false' };
    if (it.checked !== undefined) attrs['aria-checked'] = String(!!it.checked);
    if (it.items) { attrs['aria-haspopup'] = 'menu'; attrs['aria-expanded'] = 'false'; }
    const item = h('div.ctxitem', attrs, h('span.ctxlabel', {}, it.label), it.items ? h('span.ctxsub', { 'aria-hidden': 'true' }, '▸') : (it.key ? h('span.ctxkey', {}, it.key) : ''));
    item.spec = it;
    item.addEventListener('click', (e) => { e.stopPropagation(); onRun(item, level); });
    // a moving pointer takes the focus; a menu opened under a resting pointer keeps the keyboard's
    item.addEventListener('pointermove', () => { if (document.activeElement !== item) item.focus(); });
    el.append(item);
  }
  return el;
}

/**
 * Opens a menu of items at client (x, y); `from` gets the focus back when
 * it closes; label names the menu for assistive technology.
 */
export function openMenu(items, { x, y, from, label = 'Menu' }) {
  closeMenu();
  const layers = []; // [root, submenu?]
  const close = () => {
    for (const l of layers) l.remove();
    layers.length = 0;
    document.removeEventListener('pointerdown', outside, true);
    document.removeEventListener('keydown', onKey, true);
    window.removeEventListener('blur', close);
    if (open && open.el === root) open = null;
    if (from && from.isConnected) from.focus({ preventScroll: true });
  };
  const itemsOf = (menu) => [...menu.querySelectorAll('[role^="menuitem"]')];
  const enabled = (menu) => itemsOf(menu).filter((i) => i.getAttribute('aria-disabled') !== 'true');
  const place = (menu, px, py) => {
    document.body.append(menu);
    const r = menu.getBoundingClientRect();
    menu.style.left = `${Math.max(4, Math.min(px, window.innerWidth - r.width - 4))}px`;
    menu.style.top = `${Math.max(4, Math.min(py, window.innerHeight - r.height - 4))}px`;
  };
  const openSub = (item) => {
    while (layers.length > 1) layers.pop().remove();
    for (const i of itemsOf(root)) if (i.spec.items) i.setAttribute('aria-expanded', 'false');
    const sub = build(item.spec.items, item.spec.label, run, 1);
    item.setAttribute('aria-expanded', 'true');
    layers.push(sub);
    const r = item.getBoundingClientRect();
    place(sub, r.right - 2, r.top - 4);
    const first = enabled(sub)[0];
    if (first) first.focus();
  };
  const closeSub = () => {
    if (layers.length < 2) return;
    layers.pop().remove();
    const parent = itemsOf(root).find((i) => i.getAttribute('aria-expanded') === 'true');
    if (parent) { parent.setAttribute('aria-expanded', 'false'); parent.focus(); }
  };
  function run(item) {
    const it = item.spec;
    if (it.disabled) return;
    if (it.items) { openSub(item); return; }
    close();
    it.run();
  }
  function onKey(e) {
    const menu = layers[layers.length - 1];
    if (!menu) return;
    const list = enabled(menu);
    const i = list.indexOf(document.activeElement);
    const go = (k) => { if (list.length) list[(k + list.length) % list.length].focus(); };
    const keys = {
      ArrowDown: () => go(i + 1), ArrowUp: () => go(i < 0 ? -1 : i - 1), Home: () => go(0), End: () => go(-1),
      ArrowRight: () => { if (i >= 0 && list[i].spec.items) openSub(list[i]); },
      ArrowLeft: () => closeSub(),
      Escape: () => (layers.length > 1 ? closeSub() : close()),
      Enter: () => { if (i >= 0) run(list[i]); }, ' ': () => { if (i >= 0) run(list[i]); },
      Tab: () => close(),
    };
    const f = keys[e.key];
    e.stopPropagation(); // the studio's shortcuts wait while the menu is open
    if (f) { e.preventDefault(); f(); } else if (!e.ctrlKey && !e.metaKey) e.preventDefault();
  }
  function outside(e) {
    if (!layers.some((l) => l.contains(e.target))) close();
  }
  const root = build(items, label, run, 0);
  layers.push(root);
  place(root, x, y);
  open = { el: root, close };
  document.addEventListener('pointerdown', outside, true);
  document.addEventListener('keydown', onKey, true);
  window.addEventListener('blur', close);
  const first = enabled(root)[0];
  if (first) first.focus();
  return open;
}

/**
 * Calls show(e, el) for a right-click on an element of `root` and for
 * Shift+F10 / the Menu key on a focused one; `pick(target)` finds the
 * element the menu is for (or null to let the event through).
 */
export function bindMenu(root, pick, show) {
  root.addEventListener('contextmenu', (e) => {
    const el = pick(e.target);
    if (!el) return;
    e.preventDefault();
    if (menuOpen()) return; // a keyboard opening already did it
    const kb = e.clientX === 0 && e.clientY === 0;
    const r = el.getBoundingClientRect();
    show(kb ? { x: r.left + 8, y: r.bottom - 4 } : { x: e.clientX, y: e.clientY }, el);
  });
  root.addEventListener('keydown', (e) => {
    if (!(e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey))) return;
    const el = pick(e.target);
    if (!el) return;
    e.preventDefault();
    e.stopPropagation();
    const r = el.getBoundingClientRect();
    show({ x: r.left + 8, y: Math.min(r.bottom - 4, r.top + 24) }, el);
  });
}
