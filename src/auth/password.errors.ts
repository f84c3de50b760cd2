import { AppError } from '../common/errors';

/** A route that changes the account asked for the current password, and it was wrong. */
export class InvalidCurrentPasswordError extends AppError {
  constructor() {
    super(400, 'invalid_current_password', 'The current password is wrong.');
  }
}
