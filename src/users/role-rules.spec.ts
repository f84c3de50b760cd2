import type { Role } from '../common/auth-user';
import { assertMayGrant, assertMayManage } from './role-rules';
import { UsersErrors } from './users.errors';

const as = (role: Role) => ({ role });

describe('role rules', () => {
  it('lets only a root grant admin and root; anyone who manages users may grant user', () => {
    expect(() => assertMayGrant(as('root'), 'root')).not.toThrow();
    expect(() => assertMayGrant(as('root'), 'admin')).not.toThrow();
    expect(() => assertMayGrant(as('admin'), 'user')).not.toThrow();
    expect(() => assertMayGrant(as('admin'), 'admin')).toThrow(UsersErrors.insufficient_role);
    expect(() => assertMayGrant(as('admin'), 'root')).toThrow(UsersErrors.insufficient_role);
  });

  it('lets only a root manage an admin or a root; an admin manages users', () => {
    expect(() => assertMayManage(as('root'), as('admin'))).not.toThrow();
    expect(() => assertMayManage(as('root'), as('root'))).not.toThrow();
    expect(() => assertMayManage(as('admin'), as('user'))).not.toThrow();
    expect(() => assertMayManage(as('admin'), as('admin'))).toThrow(UsersErrors.insufficient_role);
    expect(() => assertMayManage(as('admin'), as('root'))).toThrow(UsersErrors.insufficient_role);
  });
});
