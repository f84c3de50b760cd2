import { AppError } from '../common/errors';

export { PasswordRequiredError } from '../auth/password.errors';

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
