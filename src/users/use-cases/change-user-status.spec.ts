import type { EntityManager } from 'typeorm';
import { AuditContext } from '../../audit/audit-context';
import { CommonErrors } from '../../common/errors';
import type { ChangeStatusDto } from '../dto/change-status.dto';
import type { User } from '../user.entity';
import { actorOf, FakeUsers } from '../users.fake';
import { ChangeUserStatus, StatusNotices, StatusSessions } from './change-user-status';
import { UsersErrors } from '../users.errors';

class FakeSessions implements StatusSessions {
  /** Live sessions per user id. */
  live = new Map<string, number>();
  async revokeAllForUser(userId: string) {
    const n = this.live.get(userId) ?? 0;
    this.live.set(userId, 0);
    return n;
  }
}

class FakeNotices implements StatusNotices {
  sent: { email: string; blockedUntil: Date | null }[] = [];
  async accountBlocked(_m: EntityManager, user: { email: string }, blockedUntil: Date | null) {
    this.sent.push({ email: user.email, blockedUntil });
    return true;
  }
}

function setup() {
  const users = new FakeUsers();
  const sessions = new FakeSessions();
  const notices = new FakeNotices();
  const useCase = new ChangeUserStatus(users, users, sessions, notices, users);
  const root = users.add('root');
  const admin = users.add('admin');
  const plain = users.add('user');
  const change = (by: User, dto: ChangeStatusDto, audit = new AuditContext()) =>
    useCase.execute(actorOf(by), dto, audit);
  return { users, sessions, notices, root, admin, plain, change };
}

describe('ChangeUserStatus', () => {
  it('blocks until a time: ends every session, mails the notice, records why', async () => {
    const { users, sessions, notices, admin, plain, change } = setup();
    sessions.live.set(plain.id, 2);
    const until = new Date(Date.now() + 60 * 60_000);
    const audit = new AuditContext();
    const res = await change(
      admin,
      { user_id: Number(plain.id), is_active: false, blocked_until: until, reason: 'spam' },
      audit,
    );
    expect(res).toMatchObject({ id: Number(plain.id), is_active: false });
    expect(res.blocked_until).toBe(until.toISOString());
    expect(users.row(plain.id)).toMatchObject({ isActive: false, blockReason: 'spam' });
    expect(sessions.live.get(plain.id)).toBe(0);
    expect(notices.sent).toEqual([{ email: plain.email, blockedUntil: until }]);
    expect(audit.action).toBe('user_block');
    expect(audit.target).toEqual({ id: plain.id, email: plain.email });
    expect(audit.details).toEqual({
      reason: 'spam',
      blocked_until: until.toISOString(),
      sessions_ended: 2,
    });
  });

  it('unblocks by email, clearing the block, without ending sessions or mailing', async () => {
    const { users, sessions, notices, admin, plain, change } = setup();
    await users.update(plain.id, { isActive: false, blockReason: 'spam' });
    sessions.live.set(plain.id, 1);
    const audit = new AuditContext();
    const res = await change(admin, { email: plain.email.toUpperCase(), is_active: true }, audit);
    expect(res.is_active).toBe(true);
    expect(users.row(plain.id)).toMatchObject({
      isActive: true,
      blockedUntil: null,
      blockReason: null,
    });
    expect(sessions.live.get(plain.id)).toBe(1);
    expect(notices.sent).toEqual([]);
    expect(audit.action).toBe('user_unblock');
  });

  it('refuses user_id and email together, and a blocked_until that has passed', async () => {
    const { users, admin, plain, change } = setup();
    await expect(
      change(admin, { user_id: Number(plain.id), email: plain.email, is_active: false }),
    ).rejects.toThrow(CommonErrors.validation_failed);
    await expect(
      change(admin, {
        user_id: Number(plain.id),
        is_active: false,
        blocked_until: new Date(Date.now() - 1000),
      }),
    ).rejects.toThrow(CommonErrors.validation_failed);
    expect(users.row(plain.id).isActive).toBe(true);
  });

  it('answers user_not_found for an unknown id or address, naming the address in the audit', async () => {
    const { admin, change } = setup();
    await expect(change(admin, { user_id: 99, is_active: false })).rejects.toThrow(
      UsersErrors.user_not_found,
    );
    const audit = new AuditContext();
    await expect(
      change(admin, { email: 'Nobody@Example.com', is_active: false }, audit),
    ).rejects.toThrow(UsersErrors.user_not_found);
    expect(audit.target).toEqual({ id: undefined, email: 'nobody@example.com' });
  });

  it('refuses a self-block', async () => {
    const { users, sessions, admin, change } = setup();
    sessions.live.set(admin.id, 1);
    await expect(change(admin, { user_id: Number(admin.id), is_active: false })).rejects.toThrow(
      UsersErrors.cannot_block_self,
    );
    expect(users.row(admin.id).isActive).toBe(true);
    expect(sessions.live.get(admin.id)).toBe(1);
  });

  it('lets only a root block an admin', async () => {
    const { users, root, admin, change } = setup();
    const other = users.add('admin');
    await expect(change(admin, { user_id: Number(other.id), is_active: false })).rejects.toThrow(
      UsersErrors.insufficient_role,
    );
    expect(users.row(other.id).isActive).toBe(true);
    await change(root, { user_id: Number(other.id), is_active: false });
    expect(users.row(other.id).isActive).toBe(false);
  });

  it('never blocks the last active root; a root whose block has lifted counts as active', async () => {
    const { users, root, change } = setup();
    // The acting root was blocked in the meantime (a request of theirs still in flight), so no
    // active root would be left.
    const second = users.add('root', {
      isActive: false,
      blockedUntil: new Date(Date.now() + 60_000),
    });
    await expect(change(second, { user_id: Number(root.id), is_active: false })).rejects.toThrow(
      UsersErrors.last_root,
    );
    expect(users.row(root.id).isActive).toBe(true);

    await users.update(second.id, { blockedUntil: new Date(Date.now() - 1000) });
    await change(second, { user_id: Number(root.id), is_active: false });
    expect(users.row(root.id).isActive).toBe(false);
  });
});
