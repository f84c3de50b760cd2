import { defineErrors } from '../common/errors';

export const ConsoleErrors = defineErrors({
  not_an_admin: [403, 'The admin console is for admins and roots.'],
});
