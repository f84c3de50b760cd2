import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import {
  Brackets,
  DataSource,
  EntityManager,
  OrderByCondition,
  Repository,
  SelectQueryBuilder,
} from 'typeorm';
import { countUpToSql } from '../database/count-up-to';
import type { Role } from '../common/auth-user';
import { ChangeEvents } from '../events/change-events.service';
import type { UserSort } from './dto/list-users.query.dto';
import { User } from './user.entity';
import { blockedSql } from '../common/user-status';

export interface UserListFilter {
  search?: string;
  role?: Role;
  isActive?: boolean;
  isConfirmed?: boolean;
}

/**
 * Each sort is an order that an index yields as it is, read forwards or backwards, so the first
 * page comes off the index instead of sorting every match: `users_created_at_idx` (created_at, id);
 * `users_email_key` (unique, so no tie-break); `users_last_login_desc_idx` (last_login_at DESC NULLS
 * LAST, id DESC): users who never signed in count as the oldest logins.
 */
const ORDER_BY: Record<UserSort, OrderByCondition> = {
  created_at: { 'u.created_at': 'ASC', 'u.id': 'ASC' },
  '-created_at': { 'u.created_at': 'DESC', 'u.id': 'DESC' },
  email: { 'u.email': 'ASC' },
  '-email': { 'u.email': 'DESC' },
  last_login_at: { 'u.last_login_at': { order: 'ASC', nulls: 'NULLS FIRST' }, 'u.id': 'ASC' },
  '-last_login_at': { 'u.last_login_at': { order: 'DESC', nulls: 'NULLS LAST' }, 'u.id': 'DESC' },
};

/** `%`, `_` and `\` in a search are literal characters, not wildcards. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Queries on users behind names that say what they are for. */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User) private readonly repo: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: ChangeEvents,
  ) {}

  private on(manager?: EntityManager): Repository<User> {
    return manager ? manager.getRepository(User) : this.repo;
  }

  /**
   * A write to a user row that a token check reads: in the caller's transaction (or one of its
   * own), with the `user` change event published once it commits. Every such write goes through
   * here, so no caller can forget the event.
   */
  private async changeUser(
    id: string,
    manager: EntityManager | undefined,
    write: (repo: Repository<User>) => Promise<unknown>,
  ): Promise<void> {
    const run = async (m: EntityManager) => {
      await write(m.getRepository(User));
      await this.events.userChanged(m, id);
    };
    if (manager?.queryRunner?.isTransactionActive) await run(manager);
    else await this.db.transaction(run);
  }

  findById(id: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager).findOneBy({ id });
  }

  findByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager).findOneBy({ email: email.toLowerCase() });
  }

  /** The user with the password hash, for comparison only. */
  findWithPasswordByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: email.toLowerCase() })
      .getOne();
  }

  async rootExists(manager?: EntityManager): Promise<boolean> {
    return (await this.on(manager).countBy({ role: 'root' })) > 0;
  }

  /** The user with the password hash, for comparison only. */
  findWithPasswordById(id: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id })
      .getOne();
  }

  /**
   * Stamps a login, only if the user is still the one that was checked: the same password hash,
   * confirmed, not blocked (false otherwise). `rehash` replaces that same hash, never a newer one.
   * The row stays locked until the caller's transaction commits, so a reset or block that comes
   * next waits for it, and then ends the session the login creates in that transaction.
   */
  async recordLoginIfUnchanged(
    id: string,
    checkedHash: string,
    rehash: string | undefined,
    manager: EntityManager,
  ): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE users u SET last_login_at = now(), password_hash = COALESCE($3, u.password_hash)
        WHERE u.id = $1 AND u.password_hash = $2 AND u.is_confirmed AND NOT ${blockedSql('u')}
        RETURNING u.id`,
      [id, checkedHash, rehash ?? null],
    );
    if (rows.length !== 1) return false;
    // last_login_at is part of the token check's answer.
    await this.events.userChanged(manager, id);
    return true;
  }

  /**
   * The race guard of a sign-in by emailed code: stamps the login, and confirms the address the
   * code reached, only if the user still has `email`, the same password hash (or still none) and
   * is not blocked. The row stays locked until `manager`'s transaction commits, as above.
   */
  async recordCodeLoginIfUnchanged(
    id: string,
    email: string,
    checkedHash: string | null,
    manager: EntityManager,
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE users u SET last_login_at = now(), is_confirmed = true
        WHERE u.id = $1 AND u.email = $2 AND u.password_hash IS NOT DISTINCT FROM $3
          AND NOT ${blockedSql('u')}
        RETURNING u.id`,
      [id, email, checkedHash],
    );
    if (rows.length !== 1) return false;
    // last_login_at and is_confirmed are part of the token check's answer.
    await this.events.userChanged(manager, id);
    return true;
  }

  /**
   * The race guard of a passkey sign-in: stamps the login only if the user is still confirmed and
   * not blocked, the row locked until `manager`'s transaction commits, as above.
   */
  async recordPasskeyLogin(id: string, manager: EntityManager): Promise<boolean> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE users u SET last_login_at = now()
        WHERE u.id = $1 AND u.is_confirmed AND NOT ${blockedSql('u')}
        RETURNING u.id`,
      [id],
    );
    if (rows.length !== 1) return false;
    await this.events.userChanged(manager, id);
    return true;
  }

  /**
   * The user with the password hash, the row locked until the transaction ends: every change that
   * a login must see (password, block, second factor) takes this lock too, so a login that holds
   * it checks the state that its session will live under.
   */
  lockWithPasswordById(id: string, manager: EntityManager): Promise<User | null> {
    return manager
      .getRepository(User)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  async updatePassword(id: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    await this.changeUser(id, manager, (repo) =>
      repo.update({ id }, { passwordHash, updatedAt: () => 'now()' }),
    );
  }

  /** Inserts a user; given an existing user's id (createRoot promotes one), it is a change. */
  async create(fields: Partial<User>, manager?: EntityManager): Promise<User> {
    const repo = this.on(manager);
    const saved = await repo.save(repo.create({ ...fields, email: fields.email?.toLowerCase() }));
    if (fields.id) await this.events.userChanged(manager, saved.id);
    return saved;
  }

  async update(id: string, fields: Partial<User>, manager?: EntityManager): Promise<void> {
    await this.changeUser(id, manager, (repo) =>
      repo.update({ id }, { ...fields, updatedAt: () => 'now()' }),
    );
  }

  /** One page of users, filtered and sorted on allow-listed orders. */
  listPage(f: UserListFilter, sort: UserSort, offset: number, limit: number): Promise<User[]> {
    return this.filtered(f).orderBy(ORDER_BY[sort]).offset(offset).limit(limit).getMany();
  }

  /** How many users match, reading at most `atMost` of them. */
  async count(f: UserListFilter, atMost: number): Promise<number> {
    const [query, params] = this.filtered(f).select('1').getQueryAndParameters();
    const [{ n }]: { n: number }[] = await this.repo.query(
      countUpToSql(query, params, atMost),
      params,
    );
    return n;
  }

  private filtered(f: UserListFilter): SelectQueryBuilder<User> {
    const qb = this.repo.createQueryBuilder('u');
    if (f.search) {
      // ILIKE on the columns themselves, so the trigram indexes (UserSearchTrigram) serve it.
      const q = `%${escapeLike(f.search)}%`;
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('u.email ILIKE :q', { q })
            .orWhere('u.name ILIKE :q', { q })
            .orWhere('u.surname ILIKE :q', { q }),
        ),
      );
    }
    if (f.role) qb.andWhere('u.role = :role', { role: f.role });
    if (f.isConfirmed !== undefined) qb.andWhere('u.is_confirmed = :c', { c: f.isConfirmed });
    if (f.isActive !== undefined)
      qb.andWhere(f.isActive ? `NOT ${blockedSql('u')}` : blockedSql('u'));
    return qb;
  }

  /** Active (not blocked) roots other than `exceptId`, locking them so that two demotions or blocks
   *  cannot both leave no root. Call inside a transaction. */
  async countOtherActiveRoots(exceptId: string, manager: EntityManager): Promise<number> {
    const rows: unknown[] = await manager.query(
      `SELECT id FROM users u WHERE u.role = 'root' AND u.id <> $1 AND NOT ${blockedSql('u')} FOR UPDATE`,
      [exceptId],
    );
    return rows.length;
  }

  /** Tidies blocks whose `blocked_until` has passed; returns the users it lifted. */
  async liftExpiredBlocks(manager?: EntityManager): Promise<Pick<User, 'id' | 'email'>[]> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows]: [{ id: string; email: string }[], number] = await (manager ?? this.repo).query(
      `UPDATE users SET is_active = true, blocked_until = NULL, block_reason = NULL, updated_at = now()
        WHERE is_active = false AND blocked_until IS NOT NULL AND blocked_until <= now()
        RETURNING id, email`,
    );
    for (const r of rows) await this.events.userChanged(manager, String(r.id));
    return rows.map((r) => ({ id: String(r.id), email: r.email }));
  }

  /**
   * Locks the user's row and every root's, in id order (one lock order, so two roots deleting
   * themselves at once cannot deadlock), and answers whether another active root remains.
   */
  async lockForDeletion(
    id: string,
    manager: EntityManager,
  ): Promise<{ user: User | null; otherActiveRoots: number }> {
    const rows: { id: string; blocked: boolean }[] = await manager.query(
      `SELECT u.id, ${blockedSql('u')} AS blocked FROM users u
        WHERE u.id = $1 OR u.role = 'root' ORDER BY u.id FOR UPDATE`,
      [id],
    );
    const others = rows.filter((r) => String(r.id) !== String(id) && !r.blocked);
    return { user: await this.findById(id, manager), otherActiveRoots: others.length };
  }

  /**
   * Deletes the row; its codes and devices go with it (ON DELETE CASCADE). Its sessions are the
   * caller's to end first, through SessionsService, so that their `revoke` events go out; the
   * `user` event here tells every cache to drop what it holds of this user.
   */
  async deleteById(id: string, manager: EntityManager): Promise<void> {
    await this.changeUser(id, manager, (repo) => repo.delete({ id }));
  }

  /** The address was proven: a code or link sent to it came back. */
  async markConfirmed(id: string, manager?: EntityManager): Promise<void> {
    await this.changeUser(id, manager, (repo) =>
      repo.update({ id }, { isConfirmed: true, updatedAt: () => 'now()' }),
    );
  }

  /** Confirms the address and removes the password (see UsersService.confirmWithoutPassword). */
  async confirmWithoutPassword(id: string, manager: EntityManager): Promise<void> {
    await this.changeUser(id, manager, (repo) =>
      repo.update({ id }, { passwordHash: null, isConfirmed: true, updatedAt: () => 'now()' }),
    );
  }

  /** A new password hash (reset or first password); using a mailed code also confirms the address. */
  async setPasswordAndConfirm(
    id: string,
    passwordHash: string,
    manager?: EntityManager,
  ): Promise<void> {
    await this.changeUser(id, manager, (repo) =>
      repo.update({ id }, { passwordHash, isConfirmed: true, updatedAt: () => 'now()' }),
    );
  }
}
