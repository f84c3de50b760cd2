// The account page: every user looks after their own account here, over the public API. No
// framework and no build step: these files are served as they are from GET /account/assets/<name>.
import { alwaysSend, api, whenSignedOut } from './api.js';
import { fill, h } from './dom.js';
import { markSection, pageSequence, signedInFrame } from './layout.js';
import { t } from './i18n.js';
import { dataPage } from './data.js';
import { profilePage } from './profile.js';
import { securityPage } from './security.js';
import { sessionsPage } from './sessions.js';
import { takeProviderReturn } from './providers.js';
import { finishProviderSignIn, showSignIn } from './signin.js';

const root = document.getElementById('app');

const NAV = [
  ['profile', 'nav.profile', profilePage],
  ['security', 'nav.security', securityPage],
  ['sessions', 'nav.sessions', sessionsPage],
  ['data', 'nav.data', dataPage],
];

/** Who is signed in: GET /validate_token (user and session) with GET /me (locale, factors). */
let me = null;
let main = null;

function setTitle(text) {
  document.title = `${text} · ${t('app.title')}`;
}

async function loadMe() {
  const [session, profile] = await Promise.all([api('GET', '/validate_token'), api('GET', '/me')]);
  me = { ...session, ...profile, session: session.session };
  return me;
}

function layout() {
  main = signedInFrame(root, {
    brand: t('app.title'),
    navLabel: t('nav.label'),
    sections: NAV.map(([path, key]) => [path, t(key)]),
    who: me.email,
    signOutLabel: t('signout'),
    onSignOut: signOut,
  });
}

const nextPage = pageSequence(() => main, setTitle);

/** Shows the page the address names; answers its context (the page shown, or stale by then). */
async function route() {
  if (!me) return undefined;
  const section = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'profile';
  markSection(root, section);
  const page = NAV.find(([path]) => path === section)?.[2];
  fill(main, h('p', { role: 'status' }, t('loading')));
  const ctx = nextPage({
    me,
    refresh: loadMe,
    signedOut: showSignedOut,
    rerender: route,
    // The header too (it shows the address).
    restart: start,
  });
  if (!page) {
    setTitle(t('notFound'));
    fill(main, h('h1', {}, t('notFound')));
    return ctx;
  }
  try {
    await page(ctx);
  } catch (e) {
    if (e.status !== 401 && ctx.current()) {
      const alert = h('p', { role: 'alert', class: 'error' }, e.message);
      fill(main, h('h1', {}, t('error.title')), alert);
    }
  }
  return ctx;
}

async function signOut() {
  try {
    await api('POST', '/logout');
  } catch {
    // Already gone: the sign-in below is what matters.
  }
  showSignedOut();
}

/** The sign-in, with a message (session ended, account deleted) when there is one. */
function showSignedOut(message) {
  me = null;
  showSignIn({ root, setTitle, message, onSignedIn: start });
}

async function start() {
  try {
    await loadMe();
  } catch (e) {
    // A 401 has shown the sign-in already (whenSignedOut).
    if (e.status !== 401) showSignedOut(e.message);
    return;
  }
  layout();
  if (!NAV.some(([path]) => location.hash.startsWith(`#/${path}`))) {
    history.replaceState(null, '', '#/profile');
  }
  await route();
}

// The skip link must not change the hash (the router reads it): it moves the focus instead.
document.querySelector('.skip')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  document.getElementById('main')?.focus();
});
// The sign-in routes set the account page's HttpOnly cookie when asked with this header.
alwaysSend({ 'X-Account-Cookie': '1' });
whenSignedOut(() => showSignedOut(t('signin.expired')), ['/login', '/register', '/password/']);
window.addEventListener('hashchange', () => {
  void route().then(() => main?.focus());
});

// The server says whether the request carried the account cookie (it cannot be read here:
// HttpOnly), so a signed-out visit asks nothing. Back from a provider (`?code=` or `?error=`), the
// page finishes that sign-in first.
const providerReturn = takeProviderReturn();
if (providerReturn) {
  void finishProviderSignIn({ root, setTitle, onSignedIn: start }, providerReturn);
} else if (document.documentElement.dataset.session === 'cookie') void start();
else showSignedOut();
