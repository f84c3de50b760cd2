import type { CookieOptions, Response } from 'express';
import { CONSOLE_COOKIE } from '../common/session-cookie.rules';

const OPTIONS: CookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' };

/** The console's session cookie: always on (whatever AUTH_COOKIE says), HttpOnly, SameSite=Strict. */
export const consoleCookie = {
  set(res: Response, token: string, expiresAt: Date): void {
    res.cookie(CONSOLE_COOKIE, token, { ...OPTIONS, expires: expiresAt });
  },
  clear(res: Response): void {
    res.clearCookie(CONSOLE_COOKIE, OPTIONS);
  },
};
