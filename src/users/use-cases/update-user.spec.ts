import { QueryFailedError, type EntityManager } from 'typeorm';
import { AuditContext } from '../../audit/audit-context';
import type { MailUser } from '../../otp/account-mail.service';
import type { UpdateUserDto } from '../dto/update-user.dto';
import type { User } from '../user.entity';
import { actorOf, FakeUsers } from '../users.fake';
import { UpdateMail, UpdateNotices, UpdateUser } from './update-user';
import { UsersErrors } from '../users.errors';

/** The mails the use case asks for, in order. */
class FakeMail implements UpdateMail, UpdateNotices {
  sent: string[] = [];
  async sendAddressConfirmation(_m: EntityManager, user: MailUser, hasPassword: boolean) {
    this.sent.push(`${hasPassword ? 'confirmation' : 'invitation'} to ${user.email}`);
  }
  async emailChanged(_m: EntityManager, user: MailUser, oldEmail: string) {
    this.sent.push(`notice to ${oldEmail} about ${user.email}`);
    return true;
  }
}

function setup() {
  const users = new FakeUsers();
  const mail = new FakeMail();
  const useCase = new UpdateUser(users, users, mail, mail, users);
  const root = users.add('root');
  const admin = users.add('admin');
  const plain = users.add('user', { name: 'Ada', passwordHash: 'stored' });
  const update = (by: User, who: User, dto: UpdateUserDto, audit = new AuditContext()) =>
    useCase.execute(actorOf(by), who.id, dto, audit);
  return { users, mail, root, admin, plain, update };
}

describe('UpdateUser', () => {
  it('writes and names only the fields that change', async () => {
    const { users, mail, admin, plain, update } = setup();
    const audit = new AuditContext();
    const res = await update(admin, plain, { name: 'Ada', surname: 'Lovelace' }, audit);
    expect(res).toMatchObject({ name: 'Ada', surname: 'Lovelace' });
    expect(users.row(plain.id).surname).toBe('Lovelace');
    expect(audit.target).toEqual({ id: plain.id, email: plain.email });
    expect(audit.details).toEqual({ changed: ['surname'] });
    expect(mail.sent).toEqual([]);
  });

  it('unconfirms a new address, asks it for confirmation and tells the old one', async () => {
    const { users, mail, admin, plain, update } = setup();
    const audit = new AuditContext();
    await update(admin, plain, { email: 'New@Example.com' }, audit);
    expect(users.row(plain.id)).toMatchObject({ email: 'new@example.com', isConfirmed: false });
    expect(mail.sent).toEqual([
      'confirmation to new@example.com',
      `notice to ${plain.email} about new@example.com`,
    ]);
    expect(audit.details).toEqual({ changed: ['email'] });
  });

  it('invites the new address of a user who has no password yet', async () => {
    const { users, mail, admin, update } = setup();
    const invited = users.add('user', { isConfirmed: false });
    await update(admin, invited, { email: 'later@example.com' });
    expect(mail.sent[0]).toBe('invitation to later@example.com');
  });

  it('refuses an address another user has, changing nothing', async () => {
    const { users, mail, admin, plain, update } = setup();
    await expect(update(admin, plain, { name: 'Eve', email: admin.email })).rejects.toThrow(
      UsersErrors.user_exists,
    );
    expect(users.row(plain.id)).toMatchObject({ name: 'Ada', email: plain.email });
    expect(mail.sent).toEqual([]);
  });

  it('answers user_exists when the unique index refuses the address (a race)', async () => {
    const { users, admin, plain, update } = setup();
    users.update = async () => {
      throw new QueryFailedError(
        'UPDATE users',
        [],
        Object.assign(new Error('dup'), { code: '23505' }),
      );
    };
    await expect(update(admin, plain, { email: 'race@example.com' })).rejects.toThrow(
      UsersErrors.user_exists,
    );
  });

  it('lets only a root grant or manage admins, and records the role change', async () => {
    const { users, root, admin, plain, update } = setup();
    await expect(update(admin, plain, { role: 'admin' })).rejects.toThrow(
      UsersErrors.insufficient_role,
    );
    await expect(update(admin, admin, { name: 'Me' })).rejects.toThrow(
      UsersErrors.insufficient_role,
    );
    expect(users.row(plain.id).role).toBe('user');

    const audit = new AuditContext();
    await update(root, plain, { role: 'admin' }, audit);
    expect(users.row(plain.id).role).toBe('admin');
    expect(audit.details).toEqual({ changed: ['role'], role: { from: 'user', to: 'admin' } });
  });

  it('never demotes the last active root', async () => {
    const { users, root, update } = setup();
    await expect(update(root, root, { role: 'admin' })).rejects.toThrow(UsersErrors.last_root);
    expect(users.row(root.id).role).toBe('root');
    const second = users.add('root');
    await update(second, root, { role: 'admin' });
    expect(users.row(root.id).role).toBe('admin');
  });

  it('answers user_not_found for an unknown id', async () => {
    const { admin, plain, update } = setup();
    await expect(update(admin, { ...plain, id: '99' }, { name: 'X' })).rejects.toThrow(
      UsersErrors.user_not_found,
    );
  });
});
