import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { readCookie, SESSION_COOKIE } from '../common/session-cookie.rules';
import { authConfig, AuthConfig } from '../config/config';

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
    return this.cfg.cookie ? readCookie(req, SESSION_COOKIE) : undefined;
  }
}
