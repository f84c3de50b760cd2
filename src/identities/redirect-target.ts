/**
 * Where a provider sign-in may send the browser back: `redirect_to` is parsed as an absolute URL
 * and compared by origin and path with each allowed URL (OAUTH_REDIRECT_URLS): the same origin
 * (scheme, host and port), and the same path or a path below it (at a `/`), so
 * `https://app.example.com.evil.test`, `https://app.example.com/signed-in-evil` for an allowed
 * `/signed-in`, `//evil.test`, `https://app.example.com@evil.test` and other string-prefix tricks
 * do not pass. Userinfo and fragments are refused; a query is kept.
 */
export function allowedRedirect(target: string, allowList: string[]): URL | undefined {
  // Control characters and backslashes: browsers and URL parsers disagree on them.
  if (target.length > 2048 || [...target].some(unsafeChar)) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:'].includes(url.protocol)) return undefined;
  if (url.username || url.password || url.hash) return undefined;
  // `new URL` resolves dot segments; a target that is not already in that form is refused.
  if (/\/\.\.?(\/|$)|%2e/i.test(target.split(/[?#]/)[0])) return undefined;
  for (const allowed of allowList) {
    const base = new URL(allowed);
    if (base.origin !== url.origin) continue;
    const root = base.pathname.replace(/\/+$/, '');
    if (url.pathname === base.pathname || url.pathname === root) return url;
    if (url.pathname.startsWith(`${root}/`)) return url;
  }
  return undefined;
}

function unsafeChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f || c === '\\';
}

/** `url` with `params` set in its query (the app's own query parameters are kept). */
export function withParams(url: URL, params: Record<string, string>): string {
  const out = new URL(url.href);
  for (const [k, v] of Object.entries(params)) out.searchParams.set(k, v);
  return out.href;
}
