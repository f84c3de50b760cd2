import { AppError, BEARER_CHALLENGE } from '../common/errors';

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The email or the password is wrong.', BEARER_CHALLENGE);
  }
}

export class EmailNotConfirmedError extends AppError {
  constructor() {
    super(403, 'email_not_confirmed', 'Confirm your email address before logging in.');
  }
}
