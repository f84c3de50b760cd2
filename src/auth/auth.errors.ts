import { BEARER_CHALLENGE, defineErrors } from '../common/errors';

// A missing or dead session token is CommonErrors.invalid_token (the admin guard answers it too).
export const AuthErrors = defineErrors({
  invalid_credentials: [401, 'The email or the password is wrong.', { headers: BEARER_CHALLENGE }],
  email_not_confirmed: [403, 'Confirm your email address before logging in.'],
  csrf_header_missing: [
    403,
    'A request authenticated by the session cookie must send X-CSRF-Protection: 1.',
  ],
  login_code_disabled: [403, 'Sign-in by emailed code is turned off on this server.'],
});
