import type { Role } from '../common/auth-user';

/**
 * A live session and its user as a token check found them: what the AuthGuard hands the routes
 * that describe the caller (GET /validate_token, GET /auth/forward). A plain value: the row it
 * comes from (with the token's hash) stays in the sessions repository.
 */
export interface LiveSession {
  session: { id: string; expiresAt: Date; aal: 1 | 2 };
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
  /** The user has a confirmed second factor. */
  mfaEnabled: boolean;
}
