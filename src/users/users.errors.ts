import { AppError } from '../common/errors';

export class UserNotFoundError extends AppError {
  constructor() {
    super(404, 'user_not_found', 'No user with that id or email.');
  }
}

export class UserExistsError extends AppError {
  constructor() {
    super(409, 'user_exists', 'A user with that email already exists.');
  }
}

export class PasswordsDontMatchError extends AppError {
  constructor() {
    super(400, 'passwords_dont_match', 'password and password1 differ.');
  }
}

export class CannotBlockSelfError extends AppError {
  constructor() {
    super(409, 'cannot_block_self', 'You cannot block yourself.');
  }
}

export class LastRootError extends AppError {
  constructor(message = 'The last active root can be neither demoted nor blocked.') {
    super(409, 'last_root', message);
  }
}

export class InsufficientRoleError extends AppError {
  constructor(message = 'Only a root may manage admins and roots.') {
    super(403, 'insufficient_role', message);
  }
}
