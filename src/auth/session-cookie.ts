import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { authConfig, AuthConfig } from '../config/config';

/**
 * `__Host-` makes browsers insist on Secure, Path=/ and no Domain, so no sub-domain can plant or
 * read it. Browsers treat http://localhost as secure, so it works in development too.
 */
export const SESSION_COOKIE = '__Host-session';

/**
 * Headers a cross-site form cannot send: a state-changing request authenticated by the cookie must
 * carry one of them (a CORS preflight stops other origins from adding them).
 */
export const CSRF_HEADERS = ['x-csrf-protection', 'x-requested-with'];

const OPTIONS: CookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' };

/** Cookie mode (AUTH_COOKIE=true): the session token also travels in an HttpOnly cookie. */
@Injectable()
export class SessionCookie {
  constructor(@Inject(authConfig.KEY) private readonly cfg: AuthConfig) {}

  get enabled(): boolean {
    return this.cfg.cookie;
  }

  set(res: Response, token: string, expiresAt: Date): void {
    if (this.cfg.cookie) res.cookie(SESSION_COOKIE, token, { ...OPTIONS, expires: expiresAt });
  }

  clear(res: Response): void {
    if (this.cfg.cookie) res.clearCookie(SESSION_COOKIE, OPTIONS);
  }

  /** The token from the cookie, when cookie mode is on and the request has one. */
  read(req: Request): string | undefined {
    if (!this.cfg.cookie) return undefined;
    const header = req.headers.cookie;
    if (!header) return undefined;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  static hasCsrfHeader(req: Request): boolean {
    return CSRF_HEADERS.some((h) => !!req.headers[h]);
  }
}
