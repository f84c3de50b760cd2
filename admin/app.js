// The admin console: a hash-routed page over the admin API. No framework and no build step: these
// files are served as they are from GET /admin/assets/<name>.
import { api, whenSignedOut } from './api.js';
import { codeField, fill, h, inputField, recoveryCodeField } from './dom.js';
import { markSection, pageSequence, signedInFrame } from './layout.js';
import { historyPage } from './history.js';
import { t } from './i18n.js';
import { outboxPage, templatesPage } from './mail.js';
import {
  exchangeProviderCode,
  providerButtons,
  providerErrorText,
  takeProviderReturn,
} from './providers.js';
import { invitePage, userPage, usersPage } from './users.js';
import { webhookPage, webhooksPage } from './webhooks.js';

const root = document.getElementById('app');

const NAV = [
  ['users', 'nav.users'],
  ['invite', 'nav.invite'],
  ['history', 'nav.history'],
  ['outbox', 'nav.outbox'],
  ['templates', 'nav.templates'],
  ['webhooks', 'nav.webhooks'],
];

let me = null;
let main = null;
let flash = null;

/** Navigates to `#/<path>?<params>` (empty params left out). */
export function go(path, params = {}) {
  const q = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ).toString();
  const hash = `#/${path}${q ? `?${q}` : ''}`;
  if (location.hash === hash) void route();
  else location.hash = hash;
}

/** A message shown at the top of the next page (after a write that navigates). */
export function setFlash(text) {
  flash = text;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return {
    parts: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: Object.fromEntries(new URLSearchParams(query)),
  };
}

function setTitle(text) {
  document.title = `${text} · ${t('app.title')}`;
}

function layout() {
  main = signedInFrame(root, {
    brand: t('app.title'),
    navLabel: t('nav.label'),
    sections: NAV.map(([path, key]) => [path, t(key)]),
    who: `${me.email} (${t(`role.${me.role}`)})`,
    signOutLabel: t('signout'),
    onSignOut: signOut,
  });
}

const nextPage = pageSequence(() => main, setTitle);

async function route() {
  if (!me) return;
  const { parts, params } = parseHash();
  const [section = 'users', id] = parts;
  markSection(root, section);
  const ctx = nextPage({ me, params, go, setFlash });
  fill(main, h('p', { role: 'status' }, t('loading')));
  try {
    const page =
      section === 'users' && id
        ? () => userPage(ctx, id)
        : section === 'templates' && id
          ? () => templatesPage(ctx, id)
          : section === 'webhooks' && id
            ? () => webhookPage(ctx, id)
            : {
                users: usersPage,
                invite: invitePage,
                history: historyPage,
                outbox: outboxPage,
                templates: templatesPage,
                webhooks: webhooksPage,
              }[section];
    if (!page) {
      setTitle(t('notFound'));
      fill(main, h('h1', {}, t('notFound')));
      return;
    }
    await page(ctx);
    if (flash && ctx.current()) {
      main.prepend(h('p', { class: 'flash', role: 'status' }, flash));
      flash = null;
    }
  } catch (e) {
    if (e.status === 401 || !ctx.current()) return;
    fill(main, h('h1', {}, t('error.title')), h('p', { role: 'alert', class: 'error' }, e.message));
  }
}

async function signOut() {
  try {
    await api('DELETE', '/admin/session');
  } catch {
    // Already gone: the sign-in below is what matters.
  }
  showSignIn();
}

function showSignIn(message) {
  me = null;
  setTitle(t('signin.title'));
  const error = h('p', { role: 'alert', class: 'error', hidden: !message }, message ?? '');
  const form = h(
    'form',
    { class: 'signin', novalidate: true },
    inputField(t('field.email'), 'email', {
      type: 'email',
      autocomplete: 'username',
      required: true,
    }),
    inputField(t('field.password'), 'password', {
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    }),
    error,
    h('button', { type: 'submit' }, t('signin.submit')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    try {
      const answer = await api('POST', '/admin/session', {
        email: String(data.get('email') ?? ''),
        password: String(data.get('password') ?? ''),
      });
      signedIn(answer);
    } catch (e) {
      showError(error, e);
    }
  });
  fill(
    root,
    h(
      'main',
      { id: 'main', tabindex: '-1', class: 'narrow' },
      h('h1', {}, t('signin.title')),
      form,
      providerButtons(t),
    ),
  );
  form.querySelector('input')?.focus();
}

/** A sign-in's answer: the console's session (the cookie is set), or the second step. */
function signedIn(answer) {
  if (answer.mfa_required) showSecondStep(answer.mfa_token);
  else {
    me = answer;
    start();
  }
}

/**
 * The browser is back from a provider (`{code}` or `{error}`, see providers.js): the code is
 * exchanged for the console's session (or the second step); an error is said on the sign-in.
 */
async function finishProviderSignIn(back) {
  if (back.error) return showSignIn(providerErrorText(t, back.error));
  setTitle(t('signin.title'));
  fill(
    root,
    h('main', { id: 'main', class: 'narrow' }, h('p', { role: 'status' }, t('provider.finishing'))),
  );
  try {
    signedIn(await exchangeProviderCode(back.code, '/admin/session/oauth'));
  } catch (e) {
    showSignIn(errorText(e));
  }
}

/** The sign-in's errors in the page's words (the API's message for anything else). */
function errorText(e) {
  const known = {
    invalid_credentials: 'signin.invalid',
    not_an_admin: 'signin.notAdmin',
    too_many_attempts: 'signin.throttled',
    email_not_confirmed: 'signin.unconfirmed',
    validation_failed: 'signin.invalid',
    mfa_required: 'signin.mfaRequiredRole',
    invalid_mfa_code: 'mfa.invalid',
    invalid_oauth_code: 'provider.error.other',
  }[e.code];
  return known ? t(known) : e.message;
}

function showError(el, e) {
  el.textContent = errorText(e);
  el.hidden = false;
}

/**
 * The second step of an admin with a second factor: a code of the authenticator app, or one of
 * the recovery codes. The mfa_token lives only in this closure, until the step ends.
 */
function showSecondStep(mfaToken, useRecovery = false) {
  setTitle(t('mfa.title'));
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const field = useRecovery ? recoveryCodeField(t('mfa.recoveryCode')) : codeField(t('mfa.code'));
  const form = h(
    'form',
    { class: 'signin', novalidate: true },
    h('p', {}, t(useRecovery ? 'mfa.recoveryIntro' : 'mfa.intro')),
    field,
    error,
    h('button', { type: 'submit' }, t('mfa.submit')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = String(new FormData(form).get(useRecovery ? 'recovery_code' : 'code') ?? '');
    try {
      me = await api('POST', '/admin/session/mfa', {
        mfa_token: mfaToken,
        ...(useRecovery ? { recovery_code: value.trim() } : { code: value.replace(/\s/g, '') }),
      });
      start();
    } catch (e) {
      // The mfa_token is used up, expired or ended by wrong codes: only a new sign-in helps.
      if (e.code === 'invalid_mfa_token') return showSignIn(t('mfa.expired'));
      if (e.code === 'validation_failed') e.code = 'invalid_mfa_code';
      showError(error, e);
      form.querySelector('input')?.select();
    }
  });
  const other = h(
    'button',
    { type: 'button', class: 'secondary' },
    t(useRecovery ? 'mfa.useTotp' : 'mfa.useRecovery'),
  );
  other.addEventListener('click', () => showSecondStep(mfaToken, !useRecovery));
  const back = h('button', { type: 'button', class: 'secondary' }, t('mfa.back'));
  back.addEventListener('click', () => showSignIn());
  fill(
    root,
    h(
      'main',
      { id: 'main', tabindex: '-1', class: 'narrow' },
      h('h1', {}, t('mfa.title')),
      form,
      h('p', { class: 'actions' }, other, ' ', back),
    ),
  );
  form.querySelector('input')?.focus();
}

function start() {
  layout();
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    history.replaceState(null, '', '#/users');
  }
  void route();
}

// The skip link must not change the hash (the router reads it): it moves the focus instead.
document.querySelector('.skip')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  document.getElementById('main')?.focus();
});
whenSignedOut(() => showSignIn(t('signin.expired')), ['/admin/session']);
window.addEventListener('hashchange', () => {
  void route().then(() => main?.focus());
});

// Back from a provider (`?code=` or `?error=`), the sign-in ends here. Otherwise the server says
// whether the request carried a console cookie (it cannot be read here: HttpOnly), so a
// signed-out visit asks nothing (and leaves no access_denied record in the history).
const providerReturn = takeProviderReturn();
if (providerReturn) {
  void finishProviderSignIn(providerReturn);
} else if (document.documentElement.dataset.session === 'cookie') {
  api('GET', '/admin/session')
    .then((session) => {
      me = session;
      start();
    })
    .catch(() => showSignIn());
} else {
  showSignIn();
}
