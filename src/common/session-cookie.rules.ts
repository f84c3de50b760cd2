// The session cookie's rules, shared by the server's AuthGuard and the client package's guard:
// the package owns them (it must not depend on the server), the server uses the same ones.
export {
  CSRF_HEADERS,
  passesCsrfCheck,
  readBearer,
  readCookie,
  SESSION_COOKIE,
} from 'nest-email-auth-client';

/**
 * The admin console's session (GET /admin), the server's own: its own name, so that it works
 * whether or not AUTH_COOKIE is on, and the AuthGuard accepts it only on admin routes, so a
 * console cookie never acts as a session for the self-service API.
 */
export const CONSOLE_COOKIE = '__Host-console';

/**
 * The account page's session (GET /account), the server's own like the console's: set by the
 * sign-in routes when the account page asks for it (ACCOUNT_COOKIE_HEADER), whatever AUTH_COOKIE
 * says, and accepted by the AuthGuard on every route but the admin ones.
 */
export const ACCOUNT_COOKIE = '__Host-account';

/** The header with which the account page's sign-in asks for ACCOUNT_COOKIE (a CORS preflight keeps other origins from sending it). */
export const ACCOUNT_COOKIE_HEADER = 'x-account-cookie';
