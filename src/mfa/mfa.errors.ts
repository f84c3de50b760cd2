import { AppError, BEARER_CHALLENGE } from '../common/errors';

export class MfaAlreadyEnabledError extends AppError {
  constructor() {
    super(409, 'mfa_already_enabled', 'A second factor is already on; turn it off first.');
  }
}

export class MfaNotPendingError extends AppError {
  constructor() {
    super(409, 'mfa_not_pending', 'Start the enrolment (POST /mfa/totp) before confirming it.');
  }
}

export class MfaNotEnabledError extends AppError {
  constructor() {
    super(409, 'mfa_not_enabled', 'This account has no second factor.');
  }
}

/** A wrong code on a route of a signed-in user (400, like a wrong current password). */
export class WrongMfaCodeError extends AppError {
  constructor() {
    super(400, 'invalid_mfa_code', 'The code is wrong, expired or already used.');
  }
}

/** A wrong code at POST /login/mfa. */
export class InvalidMfaCodeError extends AppError {
  constructor() {
    super(401, 'invalid_mfa_code', 'The code is wrong, expired or already used.', BEARER_CHALLENGE);
  }
}

export class InvalidMfaTokenError extends AppError {
  constructor() {
    super(
      401,
      'invalid_mfa_token',
      'The mfa_token is unknown, used up or expired; log in again.',
      BEARER_CHALLENGE,
    );
  }
}

/** An account without a password confirms second-factor changes with a mailed code. */
export class EmailCodeRequiredError extends AppError {
  constructor() {
    super(
      400,
      'code_required',
      'This account has no password: confirm with the code of POST /mfa/email-code (email_code).',
    );
  }
}
