import { ADMIN_ROLES, AuthUser, Role } from '../common/auth-user';
import type { User } from './user.entity';
import { UsersErrors } from './users.errors';

/** Only a root creates, promotes to, or demotes from `admin` and `root`. */
export function assertMayGrant(actor: Pick<AuthUser, 'role'>, role: Role): void {
  if (ADMIN_ROLES.includes(role) && actor.role !== 'root') {
    throw UsersErrors.insufficient_role({
      message: 'Only a root may create or promote admins and roots.',
    });
  }
}

/** Only a root updates or blocks an `admin` or a `root`. */
export function assertMayManage(actor: Pick<AuthUser, 'role'>, target: Pick<User, 'role'>): void {
  if (ADMIN_ROLES.includes(target.role) && actor.role !== 'root')
    throw UsersErrors.insufficient_role();
}
