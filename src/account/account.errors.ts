import { AppError } from '../common/errors';

export class PasswordRequiredError extends AppError {
  constructor() {
    super(400, 'password_required', 'This account has a password: confirm with it.');
  }
}

export class CodeRequiredError extends AppError {
  constructor() {
    super(
      400,
      'code_required',
      'This account has no password: confirm with the code of POST /me/delete-code.',
    );
  }
}

export class SameEmailError extends AppError {
  constructor() {
    super(400, 'validation_failed', ['email is already the address of this account']);
  }
}
