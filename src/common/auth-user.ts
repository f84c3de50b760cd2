export type Role = 'root' | 'admin' | 'user';
export const ADMIN_ROLES: readonly Role[] = ['root', 'admin'];

/** The OpenAPI description of a route that needs a session. */
export const NEEDS_SESSION =
  'Needs `Authorization: Bearer <token>` (or, with AUTH_COOKIE=true, the session cookie; then ' +
  'a POST, PUT or DELETE must also send `X-CSRF-Protection: 1`).';

/** Who is calling: put on `request.user` by the global AuthGuard. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  sessionId: string;
  /** Authenticator assurance level of the session: 2 when it passed a second factor. */
  aal: 1 | 2;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}
