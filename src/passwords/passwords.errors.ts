import { AppError } from '../common/errors';

/** A route that changes the account asked for the current password, and it was wrong. */
export class InvalidCurrentPasswordError extends AppError {
  constructor() {
    super(400, 'invalid_current_password', 'The current password is wrong.');
  }
}

/** The account has a password, and the route was given a mailed code instead of it. */
export class PasswordRequiredError extends AppError {
  constructor() {
    super(400, 'password_required', 'This account has a password: confirm with it.');
  }
}
