import { CommonErrors, defineErrors, type DefinedError } from '../common/errors';
import { LoginThrottleErrors } from '../login-throttle/login-throttle.errors';
import { OtpErrors } from '../otp/otp.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';

export const OwnerProofErrors = defineErrors({
  /**
   * An account without a password confirms the deletion or the address change with a mailed code;
   * the message names the route that mails it.
   */
  code_required: [
    400,
    'This account has no password: confirm with the code of POST /me/delete-code.',
  ],
  /** An account without a password confirms second-factor changes with a mailed code. */
  email_code_required: [
    400,
    'This account has no password: confirm with the code of POST /mfa/email-code (email_code).',
    { code: 'code_required' },
  ],
  /** The action takes a recent sign-in from an account without a password; this one is older. */
  reauthentication_required: [
    403,
    'This action needs a recent sign-in: sign in again, then retry within 10 minutes.',
  ],
});

/**
 * What a route that takes the owner proof answers for a wrong or missing one (`codeRequired`: its
 * answer for an account without a password that gave no code). Wrong passwords count in the login
 * throttle.
 */
export function wrongProof(codeRequired: DefinedError): DefinedError[] {
  return [
    PasswordsErrors.invalid_current_password,
    OtpErrors.invalid_code,
    PasswordsErrors.password_required,
    codeRequired,
    CommonErrors.validation_failed,
    LoginThrottleErrors.login_locked,
    LoginThrottleErrors.login_busy,
  ];
}
