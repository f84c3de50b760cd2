import { defineErrors } from '../common/errors';

export const MailErrors = defineErrors({
  template_not_found: [404, 'No mail template of that name.'],
  /** The message names the supported locales. */
  locale_not_supported: [
    400,
    'locale is not one of the supported ones',
    { code: 'validation_failed', asList: true },
  ],
  mail_not_found: [404, 'No mail with that id in the outbox.'],
  mail_expired: [409, 'The code or link of this mail no longer works; it cannot be sent again.'],
  mail_not_failed: [409, 'Only a failed mail can be retried.'],
});
