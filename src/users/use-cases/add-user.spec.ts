import { QueryFailedError, type EntityManager } from 'typeorm';
import { AuditContext } from '../../audit/audit-context';
import { loadSettings } from '../../config/settings';
import type { MailUser } from '../../otp/account-mail.service';
import { PasswordPolicy } from '../../passwords/password-policy';
import type { AddUserDto } from '../dto/add-user.dto';
import type { User } from '../user.entity';
import { actorOf, FakeUsers } from '../users.fake';
import { AddMail, AddPasswords, AddUser } from './add-user';
import { UsersErrors } from '../users.errors';
import { PasswordsErrors } from '../../passwords/passwords.errors';

const PASSWORD = 'purple elephants dance quietly';

/** Stands in for bcrypt: a recognisable "hash" and a count of the work done. */
class FakePasswords implements AddPasswords {
  hashed = 0;
  async hash(password: string) {
    this.hashed++;
    return `hashed:${password.length}`;
  }
}

class FakeMail implements AddMail {
  invitations: { email: string; setPassword: boolean }[] = [];
  async sendInvitation(_m: EntityManager, user: MailUser, opts: { setPassword: boolean }) {
    this.invitations.push({ email: user.email, setPassword: opts.setPassword });
  }
}

function setup() {
  const users = new FakeUsers();
  const passwords = new FakePasswords();
  const mail = new FakeMail();
  // The real policy: it is a pure rule over the settings.
  const policy = new PasswordPolicy(loadSettings({}).auth);
  const useCase = new AddUser(users, passwords, policy, mail, { defaultLocale: 'ru' }, users);
  const root = users.add('root');
  const admin = users.add('admin');
  const add = (by: User, dto: AddUserDto, audit = new AuditContext()) =>
    useCase.execute(actorOf(by), dto, audit);
  return { users, passwords, mail, root, admin, add };
}

describe('AddUser', () => {
  it('adds an unconfirmed user without a password and invites them to choose one', async () => {
    const { users, passwords, mail, admin, add } = setup();
    const audit = new AuditContext();
    const res = await add(admin, { email: 'Ada@Example.com', name: 'Ada' }, audit);
    expect(res).toMatchObject({ email: 'ada@example.com', role: 'user', is_confirmed: false });
    const row = users.row(String(res.id));
    expect(row).toMatchObject({ passwordHash: null, locale: 'ru', name: 'Ada', surname: null });
    expect(passwords.hashed).toBe(0);
    expect(mail.invitations).toEqual([{ email: 'ada@example.com', setPassword: true }]);
    expect(audit.target).toEqual({ id: row.id, email: 'ada@example.com' });
    expect(audit.details).toEqual({ role: 'user' });
  });

  it('stores only the hash of a given password, and the invitation then asks for none', async () => {
    const { users, mail, admin, add } = setup();
    const res = await add(admin, {
      email: 'bob@example.com',
      password: PASSWORD,
      password1: PASSWORD,
      locale: 'en',
    });
    expect(users.row(String(res.id))).toMatchObject({
      passwordHash: `hashed:${PASSWORD.length}`,
      locale: 'en',
    });
    expect(mail.invitations).toEqual([{ email: 'bob@example.com', setPassword: false }]);
  });

  it('refuses unmatched and weak passwords before hashing or writing anything', async () => {
    const { users, passwords, mail, admin, add } = setup();
    const before = users.rows.size;
    await expect(
      add(admin, { email: 'c@example.com', password: PASSWORD, password1: `${PASSWORD}!` }),
    ).rejects.toThrow(UsersErrors.passwords_dont_match);
    await expect(add(admin, { email: 'c@example.com', password: 'short' })).rejects.toThrow(
      PasswordsErrors.weak_password,
    );
    expect([users.rows.size, passwords.hashed, mail.invitations.length]).toEqual([before, 0, 0]);
  });

  it('lets only a root add admins and roots', async () => {
    const { root, admin, add } = setup();
    await expect(add(admin, { email: 'a2@example.com', role: 'admin' })).rejects.toThrow(
      UsersErrors.insufficient_role,
    );
    await expect(add(admin, { email: 'r2@example.com', role: 'root' })).rejects.toThrow(
      UsersErrors.insufficient_role,
    );
    expect((await add(root, { email: 'a2@example.com', role: 'admin' })).role).toBe('admin');
  });

  it('refuses an existing address, whatever its case, and a race the unique index catches', async () => {
    const { users, mail, admin, add } = setup();
    await expect(add(admin, { email: admin.email.toUpperCase() })).rejects.toThrow(
      UsersErrors.user_exists,
    );
    users.create = async () => {
      throw new QueryFailedError('INSERT', [], Object.assign(new Error('dup'), { code: '23505' }));
    };
    await expect(add(admin, { email: 'raced@example.com' })).rejects.toThrow(
      UsersErrors.user_exists,
    );
    expect(mail.invitations).toEqual([]);
  });
});
