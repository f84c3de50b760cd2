// The frame of a signed-in page: its name, its sections, who is signed in, and the sign-out.
import { fill, h } from './dom.js';

/** Draws the frame into `root` and answers the <main> that the sections fill. */
export function signedInFrame(root, { brand, navLabel, sections, who, signOutLabel, onSignOut }) {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': navLabel },
    h(
      'ul',
      {},
      sections.map(([path, label]) =>
        h('li', {}, h('a', { href: `#/${path}`, 'data-nav': path }, label)),
      ),
    ),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, brand),
    nav,
    h(
      'div',
      { class: 'who' },
      h('span', {}, who),
      h('button', { type: 'button', class: 'secondary', onclick: onSignOut }, signOutLabel),
    ),
  );
  fill(root, header, main);
  return main;
}

/** Marks the link of the section shown (aria-current), and only it. */
export function markSection(root, section) {
  for (const a of root.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/**
 * One page at a time in the frame. `next(fields)` starts a page and answers its context: the
 * fields, `main` and `setTitle`. A page still loading when the next one starts (a click during a
 * slow list) must not overwrite that one when its answer comes: once another page has started,
 * its `main` is a detached element, its `setTitle` does nothing and `current()` is false.
 */
export function pageSequence(getMain, setTitle) {
  let latest = 0;
  return function next(fields) {
    const seq = ++latest;
    const current = () => seq === latest;
    const ctx = { ...fields, current, setTitle: (text) => current() && setTitle(text) };
    return Object.defineProperty(ctx, 'main', {
      enumerable: true,
      get: () => (current() ? getMain() : h('main')),
    });
  };
}
