import type { EntityManager } from 'typeorm';
import type { AuthUser, Role } from '../common/auth-user';
import type { Transactions } from '../database/transactions';
import type { User } from './user.entity';
import { isBlocked } from '../common/user-status';
import type { UsersRepository } from './users.repository';
import type { UsersService } from './users.service';
import { UsersErrors } from './users.errors';

/** Passed through to the fakes, which ignore it. */
/** The signed-in user a use case is called by: `u`, with a session of aal 1. */
export const actorOf = (u: User): AuthUser => ({
  id: u.id,
  email: u.email,
  role: u.role,
  sessionId: 's',
  aal: 1,
});

export const FAKE_MANAGER = {} as EntityManager;

/**
 * The users table in memory, for the use cases' unit specs: the methods they use of
 * UsersRepository and UsersService, held to the real signatures, and a transaction that leaves the
 * rows as they were when it throws.
 */
export class FakeUsers
  implements
    Pick<UsersRepository, 'findByEmail' | 'create' | 'update' | 'countOtherActiveRoots'>,
    Pick<UsersService, 'mustFind' | 'hasPassword'>,
    Transactions
{
  rows = new Map<string, User>();
  private nextId = 0;

  add(role: Role, fields: Partial<User> = {}): User {
    const id = String(++this.nextId);
    const at = new Date(Date.UTC(2025, 0, 1));
    const user: User = {
      id,
      email: `${role}${id}@example.com`,
      name: null,
      surname: null,
      role,
      isActive: true,
      isConfirmed: true,
      blockedUntil: null,
      blockReason: null,
      passwordHash: null,
      locale: 'en',
      createdAt: at,
      updatedAt: at,
      lastLoginAt: null,
      ...fields,
    };
    this.rows.set(id, user);
    // A copy, as a query would give: the spec's user stays as it was when added.
    return { ...user };
  }

  /** The stored row (throws for an unknown id, so a spec cannot read nothing by mistake). */
  row(id: string): User {
    const u = this.rows.get(id);
    if (!u) throw new Error(`no user ${id}`);
    return u;
  }

  async transaction<T>(run: (manager: EntityManager) => Promise<T>): Promise<T> {
    const before = new Map([...this.rows].map(([id, u]) => [id, { ...u }]));
    try {
      return await run(FAKE_MANAGER);
    } catch (e) {
      this.rows = before;
      throw e;
    }
  }

  async findByEmail(email: string) {
    const u = [...this.rows.values()].find((x) => x.email === email.toLowerCase());
    return u ? { ...u } : null;
  }
  /** As the table does: the address lower-cased, unconfirmed and a plain user unless told. */
  async create(fields: Partial<User>) {
    const given = Object.fromEntries(
      Object.entries(fields).filter(([, v]) => v !== undefined),
    ) as Partial<User>;
    const u = this.add(fields.role ?? 'user', { isConfirmed: false, ...given });
    if (fields.email) await this.update(u.id, { email: fields.email.toLowerCase() });
    return this.mustFind(u.id);
  }
  async update(id: string, fields: Partial<User>) {
    const u = this.rows.get(id);
    if (u) Object.assign(u, fields);
  }
  async countOtherActiveRoots(exceptId: string) {
    return [...this.rows.values()].filter(
      (u) => u.role === 'root' && u.id !== exceptId && !isBlocked(u),
    ).length;
  }
  async mustFind(id: string) {
    const u = this.rows.get(id);
    if (!u) throw UsersErrors.user_not_found();
    return { ...u };
  }
  async hasPassword(id: string) {
    return !!this.rows.get(id)?.passwordHash;
  }
}
