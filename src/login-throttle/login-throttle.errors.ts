import { defineErrors } from '../common/errors';

export const LoginThrottleErrors = defineErrors({
  login_locked: [
    429,
    'Too many failed logins for this address; try again later.',
    { code: 'too_many_attempts' },
  ],
  /** Said only when attempts are waiting for each other, never when none has failed. */
  login_busy: [
    429,
    'Too many logins for this address are in progress; try again shortly.',
    { headers: { 'Retry-After': '1' } },
  ],
});
