import type { CookieOptions, Request, Response } from 'express';
import { readCookie } from '../common/session-cookie.rules';

/** How long a browser has between leaving for the provider and coming back. */
export const FLOW_TTL_MS = 10 * 60_000;

const NAME = 'oauth_flow';

/**
 * The browser's half of a provider sign-in: `state`, `nonce` and the PKCE verifier, sealed by the
 * server (SecretBox), HttpOnly, sent only to /login/oauth. SameSite=Lax, because the provider
 * brings the browser back by a top-level cross-site navigation, which a Strict cookie would miss.
 */
const OPTIONS: CookieOptions = {
  httpOnly: true,
  secure: true,
  sameSite: 'lax',
  path: '/login/oauth',
};

export const OAuthFlowCookie = {
  set(res: Response, sealed: string): void {
    res.cookie(NAME, sealed, { ...OPTIONS, maxAge: FLOW_TTL_MS });
  },
  clear(res: Response): void {
    res.clearCookie(NAME, OPTIONS);
  },
  read(req: Request): string | undefined {
    return readCookie(req, NAME);
  },
};
