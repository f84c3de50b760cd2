import { BEARER_CHALLENGE, defineErrors } from '../common/errors';

export const PasskeysErrors = defineErrors({
  /** Enrolment: a bad attestation, or a spent, expired or foreign challenge, or a wrong origin. */
  invalid_passkey: [
    400,
    'The passkey could not be verified (a bad response, a wrong origin, or a spent, expired or foreign challenge); ask for new options and try again.',
  ],
  /** Sign-in: part of signing in, so 401. */
  invalid_passkey_login: [
    401,
    'The passkey could not be verified; ask for new options and try again.',
    { code: 'invalid_passkey', headers: BEARER_CHALLENGE },
  ],
  passkey_exists: [409, 'This passkey is already registered.'],
  passkey_not_found: [404, 'No such passkey.'],
});
