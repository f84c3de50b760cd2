import { AppError } from '../common/errors';

export { PasswordRequiredError } from '../passwords/passwords.errors';

export class CodeRequiredError extends AppError {
  /** `route`: the one that mails the code this action takes. */
  constructor(route = 'POST /me/delete-code') {
    super(400, 'code_required', `This account has no password: confirm with the code of ${route}.`);
  }
}

export class SameEmailError extends AppError {
  constructor() {
    super(400, 'validation_failed', ['email is already the address of this account']);
  }
}
