export type Role = 'root' | 'admin' | 'user';
export const ADMIN_ROLES: readonly Role[] = ['root', 'admin'];

/** Who is calling: put on `request.user` by the global AuthGuard. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  sessionId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}
