import { defineErrors } from '../common/errors';

export const RegistrationErrors = defineErrors({
  signup_disabled: [403, 'Self sign-up is disabled on this server.'],
  /** An account an admin created without a password: confirming it must set one. */
  choose_password: [
    400,
    'Choose a password (field `password`) to confirm this account.',
    { code: 'password_required' },
  ],
  password_not_allowed: [
    400,
    'This account already has a password; confirm without `password` and use password reset to change it.',
  ],
});
