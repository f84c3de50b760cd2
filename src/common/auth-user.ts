// Who is calling, as both guards put it on `request.user`: one type (and one augmentation of
// Express's Request), owned by the client package so the two cannot drift apart.
export { ADMIN_ROLES } from 'nest-email-auth-client';
export type { AuthUser, Role } from 'nest-email-auth-client';
