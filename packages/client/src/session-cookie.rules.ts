import type { Request } from 'express';

/**
 * The session cookie's rules, shared by the server's AuthGuard and the client module's guard
 * (so this file depends on nothing but types).
 *
 * `__Host-` makes browsers insist on Secure, Path=/ and no Domain, so no sub-domain can plant or
 * read it. Browsers treat http://localhost as secure, so it works in development too.
 */
export const SESSION_COOKIE = '__Host-session';

/**
 * Headers a cross-site form cannot send: a state-changing request authenticated by the cookie must
 * carry one of them (a CORS preflight stops other origins from adding them).
 */
export const CSRF_HEADERS = ['x-csrf-protection', 'x-requested-with'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * The token of an `Authorization: Bearer` header (scheme case-insensitive), or undefined. A request
 * that sends an Authorization header is judged by it alone: it never falls back to the cookie.
 */
export function readBearer(authorization: string): string | undefined {
  return BEARER.exec(authorization)?.[1];
}

/** The value of cookie `name` in the request, if any. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when a cookie-authenticated request may go on: a safe method, or a CSRF header present. */
export function passesCsrfCheck(req: Request): boolean {
  return SAFE_METHODS.has(req.method) || CSRF_HEADERS.some((h) => !!req.headers[h]);
}
