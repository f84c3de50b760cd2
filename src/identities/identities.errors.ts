import { defineErrors } from '../common/errors';

export const IdentitiesErrors = defineErrors({
  provider_not_found: [404, 'No sign-in provider of that name is configured.'],
  invalid_redirect: [
    400,
    'redirect_to is not one of the addresses this server may send the browser back to.',
  ],
  /** The callback came without this browser's flow cookie (or with an expired or altered one). */
  invalid_oauth_state: [
    400,
    'This sign-in was not started in this browser, or it took too long; start it again.',
  ],
  invalid_oauth_code: [
    400,
    'The code is unknown, expired or already used, or the code_verifier does not match it.',
  ],
  identity_not_found: [404, 'This account has no such linked identity.'],
  last_sign_in_method: [
    409,
    'This is the only way into the account: set a password or link another first.',
  ],
});
