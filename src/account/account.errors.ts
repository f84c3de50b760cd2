import { defineErrors } from '../common/errors';

export const AccountErrors = defineErrors({
  /** The message names the route that mails the code this action takes. */
  code_required: [
    400,
    'This account has no password: confirm with the code of POST /me/delete-code.',
  ],
  same_email: [
    400,
    'email is already the address of this account',
    { code: 'validation_failed', asList: true },
  ],
});
