import { AppError } from '../common/errors';

export class SignupDisabledError extends AppError {
  constructor() {
    super(403, 'signup_disabled', 'Self sign-up is disabled on this server.');
  }
}

/** An account an admin created without a password: confirming it must set one. */
export class PasswordRequiredError extends AppError {
  constructor() {
    super(
      400,
      'password_required',
      'Choose a password (field `password`) to confirm this account.',
    );
  }
}

export class PasswordNotExpectedError extends AppError {
  constructor() {
    super(
      400,
      'password_not_allowed',
      'This account already has a password; confirm without `password` and use password reset to change it.',
    );
  }
}
