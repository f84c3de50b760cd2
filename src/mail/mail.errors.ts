import { AppError, NotFoundError } from '../common/errors';

export class TemplateNotFoundError extends NotFoundError {
  constructor() {
    super('template_not_found', 'No mail template of that name.');
  }
}

export class LocaleNotSupportedError extends AppError {
  constructor(locales: readonly string[]) {
    super(400, 'validation_failed', [`locale must be one of ${locales.join(', ')}`]);
  }
}

export class MailNotFoundError extends NotFoundError {
  constructor() {
    super('mail_not_found', 'No mail with that id in the outbox.');
  }
}

export class MailExpiredError extends AppError {
  constructor() {
    super(
      409,
      'mail_expired',
      'The code or link of this mail no longer works; it cannot be sent again.',
    );
  }
}

export class MailNotFailedError extends AppError {
  constructor() {
    super(409, 'mail_not_failed', 'Only a failed mail can be retried.');
  }
}
