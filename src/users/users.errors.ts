import { defineErrors } from '../common/errors';

export const UsersErrors = defineErrors({
  user_not_found: [404, 'No user with that id or email.'],
  user_exists: [409, 'A user with that email already exists.'],
  passwords_dont_match: [400, 'password and password1 differ.'],
  cannot_block_self: [409, 'You cannot block yourself.'],
  last_root: [409, 'The last active root can be neither demoted nor blocked.'],
  insufficient_role: [403, 'Only a root may manage admins and roots.'],
});
