export type Role = 'root' | 'admin' | 'user';
export const ADMIN_ROLES: readonly Role[] = ['root', 'admin'];

/** Who is calling: put on `request.user` by the guard (the server's or this package's). */
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
