import { defineErrors } from '../common/errors';

export const OtpErrors = defineErrors({
  /** Wrong, expired, used, superseded or unknown: one answer, so none of them tells anything apart. */
  invalid_code: [400, 'The code is wrong, expired or already used; ask for a new one.'],
  /**
   * A mailed link's token: 400 `invalid_token` on the wire, as the HTTP contract fixes for
   * POST /users/verify; a bearer token that fails is CommonErrors.invalid_token (401).
   */
  invalid_link: [
    400,
    'The link is invalid, expired or already used; ask for a new one.',
    { code: 'invalid_token' },
  ],
  too_many_attempts: [429, 'Too many wrong codes for this address; try again later.'],
  mail_cooldown: [
    429,
    'A mail was sent to this address recently; wait before asking for another.',
    { code: 'too_many_requests' },
  ],
});
