// Sign-in with another provider (GET /login/providers), for the account page and the console:
// the page sends the browser to /login/oauth/<name> with a PKCE challenge (RFC 7636, S256), and
// the browser comes back to the same page with `?code=` (exchanged with the verifier kept in
// sessionStorage, one per page) or `?error=`.
import { api } from './api.js';
import { fill, h } from './dom.js';

const verifierKey = () => `oauth_verifier:${location.pathname}`;

/** GET /login/providers, asked once per page load. */
let providers = null;

/** The configured providers, `[{name, display_name}]`; none when the list cannot be read. */
export function loadProviders() {
  providers ??= api('GET', '/login/providers').then(
    (answer) => answer.providers ?? [],
    () => [],
  );
  return providers;
}

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** Where the provider sends the browser back: this page, without its query or hash. */
const returnUrl = () => `${location.origin}${location.pathname}`;

/** Leaves for the provider: a fresh verifier (kept for the return), its S256 challenge. */
export async function startProvider(name) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  sessionStorage.setItem(verifierKey(), verifier);
  const q = new URLSearchParams({
    redirect_to: returnUrl(),
    code_challenge: base64url(new Uint8Array(digest)),
  });
  location.assign(`/login/oauth/${encodeURIComponent(name)}?${q}`);
}

/**
 * What the provider sign-in brought back in this page's address, `{code}` or `{error}` (or
 * null), taken out of the address so a reload or the history does not replay it.
 */
export function takeProviderReturn() {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  const error = q.get('error');
  if (!code && !error) return null;
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  return code ? { code } : { error };
}

/**
 * Exchanges the code with the verifier this browser kept (used once, then dropped) at `path`:
 * POST /login/oauth/exchange for the account page, POST /admin/session/oauth for the console.
 */
export async function exchangeProviderCode(code, path) {
  const verifier = sessionStorage.getItem(verifierKey()) ?? '';
  sessionStorage.removeItem(verifierKey());
  return api('POST', path, { code, code_verifier: verifier });
}

/** The words for an `error` a provider sign-in brought back (`t`: the page's translator). */
export function providerErrorText(t, code) {
  const key = `provider.error.${code}`;
  const text = t(key);
  return text === key ? t('provider.error.other') : text;
}

/**
 * A button per configured provider under a short intro (nothing when there are none), filled in
 * once the list is known; `t`: the page's translator.
 */
export function providerButtons(t) {
  const box = h('div', { class: 'actions providers' });
  void loadProviders().then((list) => {
    if (!list.length || !box.isConnected) return;
    fill(
      box,
      h('p', { class: 'hint' }, t('provider.intro')),
      list.map((p) =>
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => startProvider(p.name) },
          t('provider.signIn', { name: p.display_name || p.name }),
        ),
      ),
    );
  });
  return box;
}
