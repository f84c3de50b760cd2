// Who is calling, as both guards put it on `request.user`: one type (and one augmentation of
// Express's Request), owned by the client package so the two cannot drift apart.
export { ADMIN_ROLES } from 'nest-email-auth-client';
export type { AuthUser, Role } from 'nest-email-auth-client';

/** The OpenAPI description of a route that needs a session. */
export const NEEDS_SESSION =
  'Needs `Authorization: Bearer <token>` (or, with AUTH_COOKIE=true, the session cookie; then ' +
  'a POST, PUT or DELETE must also send `X-CSRF-Protection: 1`).';
