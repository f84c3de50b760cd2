// The session cookie's rules, shared by the server's AuthGuard and the client package's guard:
// the package owns them (it must not depend on the server), the server uses the same ones.
export {
  CSRF_HEADERS,
  passesCsrfCheck,
  readBearer,
  readCookie,
  SESSION_COOKIE,
} from 'nest-email-auth-client';
