// Sign-in with another provider (GET /login/providers): the page sends the browser to
// /login/oauth/<name> with a PKCE challenge (RFC 7636, S256), and the browser comes back to this
// page with `?code=` (exchanged with the verifier kept in sessionStorage) or `?error=`.
import { api } from './api.js';

const VERIFIER = 'account.oauth_verifier';

/** The configured providers, `[{name, display_name}]`; none when the list cannot be read. */
export async function loadProviders() {
  try {
    return (await api('GET', '/login/providers')).providers ?? [];
  } catch {
    return [];
  }
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
  sessionStorage.setItem(VERIFIER, verifier);
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

/** POST /login/oauth/exchange with the verifier this browser kept (used once, then dropped). */
export async function exchangeProviderCode(code) {
  const verifier = sessionStorage.getItem(VERIFIER) ?? '';
  sessionStorage.removeItem(VERIFIER);
  return api('POST', '/login/oauth/exchange', { code, code_verifier: verifier });
}
