import { defineErrors } from '../common/errors';

export const PasswordsErrors = defineErrors({
  /** A route that changes the account asked for the current password, and it was wrong. */
  invalid_current_password: [400, 'The current password is wrong.'],
  /** The account has a password, and the route was given a mailed code instead of it. */
  password_required: [400, 'This account has a password: confirm with it.'],
  /** The policy's reason is the message (PasswordPolicy). */
  weak_password: [400, 'The password is too weak.'],
});
