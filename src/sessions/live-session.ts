import type { Role } from '../common/auth-user';

/**
 * A live session and its user as a token check found them: what the AuthGuard hands the routes
 * that describe the caller (GET /validate_token, GET /auth/forward). A plain value: the row it
 * comes from (with the token's hash) stays in the sessions repository.
 */
declare module 'express-serve-static-core' {
  interface Request {
    /** The validated session and its user, as the AuthGuard found them (`@CurrentSession()`). */
    authSession?: LiveSession;
  }
}

export interface LiveSession {
  /** `createdAt`: when the sign-in that opened it happened (a recent one stands in for a password). */
  session: { id: string; createdAt: Date; expiresAt: Date; aal: 1 | 2 };
  user: LiveSessionUser;
}

export interface LiveSessionUser {
  id: string;
  email: string;
  name: string | null;
  surname: string | null;
  role: Role;
  isActive: boolean;
  isConfirmed: boolean;
  createdAt: Date;
  updatedAt: Date;
  blockedUntil: Date | null;
  lastLoginAt: Date | null;
  locale: string;
  /** The user has a confirmed second factor. */
  mfaEnabled: boolean;
  /** How many passkeys the user has. */
  passkeys: number;
}
