import { defineErrors } from '../common/errors';

export const AccountErrors = defineErrors({
  same_email: [
    400,
    'email is already the address of this account',
    { code: 'validation_failed', asList: true },
  ],
});
