export type Role = 'root' | 'admin' | 'user';
export const ADMIN_ROLES: readonly Role[] = ['root', 'admin'];

/** Who is calling: put on `request.user` by the guard (the server's or this package's). */
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
