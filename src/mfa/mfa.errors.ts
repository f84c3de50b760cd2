import { BEARER_CHALLENGE, defineErrors } from '../common/errors';

export const MfaErrors = defineErrors({
  mfa_already_enabled: [409, 'A second factor is already on; turn it off first.'],
  mfa_not_pending: [409, 'Start the enrolment (POST /mfa/totp) before confirming it.'],
  mfa_not_enabled: [409, 'This account has no second factor.'],
  /** A wrong code at POST /login/mfa: part of signing in, so 401. */
  invalid_mfa_code: [
    401,
    'The code is wrong, expired or already used.',
    { headers: BEARER_CHALLENGE },
  ],
  /** A wrong code on a route of a signed-in user: 400, like a wrong current password. */
  wrong_mfa_code: [
    400,
    'The code is wrong, expired or already used.',
    { code: 'invalid_mfa_code' },
  ],
  invalid_mfa_token: [
    401,
    'The mfa_token is unknown, used up or expired; log in again.',
    { headers: BEARER_CHALLENGE },
  ],
});
