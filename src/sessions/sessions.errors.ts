import { defineErrors } from '../common/errors';

export const SessionsErrors = defineErrors({
  /** Another user's session id gets this answer too, like an unknown one. */
  session_not_found: [404, 'No such session.'],
});
