import { AppError, TooManyRequestsError } from '../common/errors';

/** Wrong, expired, used, superseded or unknown: one answer, so none of them tells anything apart. */
export class InvalidCodeError extends AppError {
  constructor() {
    super(400, 'invalid_code', 'The code is wrong, expired or already used; ask for a new one.');
  }
}

export class InvalidLinkError extends AppError {
  constructor() {
    super(400, 'invalid_token', 'The link is invalid, expired or already used; ask for a new one.');
  }
}

export class TooManyAttemptsError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(
      retryAfterSeconds,
      'too_many_attempts',
      'Too many wrong codes for this address; try again later.',
    );
  }
}

export class MailCooldownError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(
      retryAfterSeconds,
      'too_many_requests',
      'A mail was sent to this address recently; wait before asking for another.',
    );
  }
}
