import { AppError } from '../common/errors';

export class NotAnAdminError extends AppError {
  constructor() {
    super(403, 'not_an_admin', 'The admin console is for admins and roots.');
  }
}
