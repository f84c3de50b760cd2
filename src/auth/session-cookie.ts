import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import {
  ACCOUNT_COOKIE,
  ACCOUNT_COOKIE_HEADER,
  readCookie,
  SESSION_COOKIE,
} from '../common/session-cookie.rules';
import { authConfig, AuthConfig } from '../config/config';

const OPTIONS: CookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' };

/**
 * The session cookies of the sign-in and sign-out routes. Cookie mode (AUTH_COOKIE=true): the
 * session token also travels in an HttpOnly cookie. The account page's cookie, whatever
 * AUTH_COOKIE says, for a sign-in that asks for it with `X-Account-Cookie: 1`.
 */
@Injectable()
export class SessionCookie {
  constructor(@Inject(authConfig.KEY) private readonly cfg: AuthConfig) {}

  get enabled(): boolean {
    return this.cfg.cookie;
  }

  set(res: Response, token: string, expiresAt: Date): void {
    if (this.cfg.cookie) res.cookie(SESSION_COOKIE, token, { ...OPTIONS, expires: expiresAt });
    if (res.req.headers[ACCOUNT_COOKIE_HEADER] === '1') {
      res.cookie(ACCOUNT_COOKIE, token, { ...OPTIONS, expires: expiresAt });
    }
  }

  clear(res: Response): void {
    if (this.cfg.cookie) res.clearCookie(SESSION_COOKIE, OPTIONS);
    if (readCookie(res.req, ACCOUNT_COOKIE) !== undefined) res.clearCookie(ACCOUNT_COOKIE, OPTIONS);
  }

  /** The token from the cookie, when cookie mode is on and the request has one. */
  read(req: Request): string | undefined {
    return this.cfg.cookie ? readCookie(req, SESSION_COOKIE) : undefined;
  }
}
