import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { OverCapMemory, readPage } from '../common/paging';
import { appConfig, AppConfig } from '../config/config';
import { PasswordService } from '../passwords/password.service';
import { ListUsersQueryDto } from './dto/list-users.query.dto';
import { UserListDto } from './dto/user-list.dto';
import { UserResponseDto } from './dto/user-response.dto';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';
import { assertMayManage } from './role-rules';
import type { AuthUser } from '../common/auth-user';
import { UsersErrors } from './users.errors';

/** The outcome of a password check: the account (if any) and whether the password is its own. */
export interface PasswordCheck {
  user: User | null;
  /** False also when there is no account or it has no password. */
  passwordOk: boolean;
  /** The stored hash is of an older format or cost: rehash it (`recordLoginIfUnchanged`) after a good login. */
  needsRehash: boolean;
  /** Changes whenever the password does (a digest of the hash, not the hash). */
  passwordVersion: string;
}

/** A digest of the stored hash: tells that the password changed without handing the hash out. */
function passwordVersion(hash: string | null | undefined): string {
  return createHash('sha256')
    .update(hash ?? '')
    .digest('hex');
}

/** What a good first-factor check saw, kept here so that hashes never leave this module. */
interface CheckedState {
  /** The password hash the check compared against (null: a code sign-in of a user without one). */
  hash: string | null;
  /** The check was an emailed code to `user.email`, not a password. */
  byCode: boolean;
}

/**
 * The users table's only owner: other modules read and change users through these methods, never
 * through the repository, and password hashes never leave this module (they are compared here).
 */
@Injectable()
export class UsersService implements OnModuleInit {
  /** Compared against when the address has no account (or no password), so timing tells nothing. */
  private dummyHash = '';
  /** What each good check saw, so that hashes never leave this module. */
  private readonly checked = new WeakMap<PasswordCheck, CheckedState>();

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.overCap = new OverCapMemory(app.listOverCapMs);
  }

  /** Broad filters of the users list, counted once per LIST_OVER_CAP_MS instead of once per page. */
  private readonly overCap: OverCapMemory;

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.passwords.hash(randomBytes(24).toString('base64'));
  }

  findById(id: string, manager?: EntityManager): Promise<User | null> {
    return this.users.findById(id, manager);
  }

  findByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.users.findByEmail(email, manager);
  }

  /** The user of an admin route's `:id`: 404 for an unknown or malformed id. */
  async mustFind(id: string, manager?: EntityManager): Promise<User> {
    if (!/^\d{1,18}$/.test(id)) throw UsersErrors.user_not_found();
    const user = await this.users.findById(id, manager);
    if (!user) throw UsersErrors.user_not_found();
    return user;
  }

  /** Exactly one bcrypt comparison whatever the address: a real hash or the dummy one. */
  async checkPassword(email: string, password: string): Promise<PasswordCheck> {
    return this.compare(await this.users.findWithPasswordByEmail(email), password);
  }

  /** The same for a known user (the current password of a password change). */
  async checkPasswordOf(id: string, password: string): Promise<PasswordCheck> {
    return this.compare(await this.users.findWithPasswordById(id), password);
  }

  private async compare(user: User | null, password: string): Promise<PasswordCheck> {
    const passwordOk = await this.passwords.verify(password, user?.passwordHash ?? this.dummyHash);
    const hash = user?.passwordHash;
    const ok = !!hash && passwordOk;
    const needsRehash = ok && this.passwords.needsRehash(hash);
    if (user) user.passwordHash = null;
    const check: PasswordCheck = {
      user,
      passwordOk: ok,
      needsRehash,
      passwordVersion: passwordVersion(hash),
    };
    if (ok) this.checked.set(check, { hash, byCode: false });
    return check;
  }

  /**
   * A code mailed to `email` came back for user `id` (sign-in by code): the check as a password
   * check would have answered it, for `recordLoginIfUnchanged`. No account, or one that no longer
   * has that address, is a failed check.
   */
  async checkCodeSignIn(
    id: string,
    email: string,
    manager?: EntityManager,
  ): Promise<PasswordCheck> {
    const user = await this.users.findWithPasswordById(id, manager);
    if (!user || user.email !== email.toLowerCase()) {
      return { user: null, passwordOk: false, needsRehash: false, passwordVersion: '' };
    }
    const hash = user.passwordHash;
    user.passwordHash = null;
    const check: PasswordCheck = {
      user,
      passwordOk: true,
      needsRehash: false,
      passwordVersion: passwordVersion(hash),
    };
    this.checked.set(check, { hash, byCode: true });
    return check;
  }

  /**
   * A sign-in through another provider (identities/) stands where a code sign-in does: the user
   * proved by something other than the password, as `recordLoginIfUnchanged` then checks (the
   * same address, the same password hash or still none, not blocked).
   */
  async checkProviderSignIn(id: string, manager?: EntityManager): Promise<PasswordCheck> {
    const user = await this.users.findById(id, manager);
    if (!user) return { user: null, passwordOk: false, needsRehash: false, passwordVersion: '' };
    return this.checkCodeSignIn(id, user.email, manager);
  }

  /**
   * An unconfirmed account whose address its owner has just proven elsewhere (a provider that
   * verified it): confirmed, and the password someone set before the address was proven is
   * removed (pre-account-hijacking). The caller ends its sessions in the same transaction.
   */
  async confirmWithoutPassword(id: string, manager: EntityManager): Promise<void> {
    await this.users.confirmWithoutPassword(id, manager);
  }

  /** The user of an address and whether it has a password yet (an invited one may not). */
  async findWithPasswordState(
    email: string,
    manager?: EntityManager,
  ): Promise<{ user: User; hasPassword: boolean } | null> {
    const user = await this.users.findWithPasswordByEmail(email, manager);
    if (!user) return null;
    const hasPassword = !!user.passwordHash;
    user.passwordHash = null;
    return { user, hasPassword };
  }

  async hasPassword(id: string, manager?: EntityManager): Promise<boolean> {
    return !!(await this.users.findWithPasswordById(id, manager))?.passwordHash;
  }

  /**
   * The user, its row locked until the transaction ends, and its password version. A login takes
   * this lock before it opens a session, and so does every change a login must see (the second
   * factor): so the login checks the state its session will live under.
   */
  async lockForLogin(
    id: string,
    manager: EntityManager,
  ): Promise<{ user: User; passwordVersion: string } | null> {
    const user = await this.users.lockWithPasswordById(id, manager);
    if (!user) return null;
    const version = passwordVersion(user.passwordHash);
    user.passwordHash = null;
    return { user, passwordVersion: version };
  }

  /** The user of an admin route's `:id` that `actor` may manage (the rules of updates). */
  async findManageable(actor: AuthUser, id: string, manager?: EntityManager): Promise<User> {
    const user = await this.mustFind(id, manager);
    assertMayManage(actor, user);
    return user;
  }

  /** A new account (unconfirmed unless told otherwise), in the caller's transaction. */
  create(fields: Partial<User>, manager?: EntityManager): Promise<User> {
    return this.users.create(fields, manager);
  }

  /**
   * Stamps a good login, only if the user is still as `check` saw it: the same password hash,
   * confirmed, not blocked; false otherwise (the caller must then open no session). `rehash`
   * replaces that same hash, never a newer one. The row stays locked until `manager`'s transaction
   * commits, so a reset or block that comes next waits, and then ends the session opened in it.
   */
  recordLoginIfUnchanged(
    check: PasswordCheck,
    rehash: string | undefined,
    manager: EntityManager,
  ): Promise<boolean> {
    const seen = this.checked.get(check);
    if (!check.user || !seen) return Promise.resolve(false);
    if (seen.byCode) {
      // The code proved the mailbox, so the address becomes confirmed in the same statement.
      return this.users.recordCodeLoginIfUnchanged(
        check.user.id,
        check.user.email,
        seen.hash,
        manager,
      );
    }
    if (!seen.hash) return Promise.resolve(false);
    return this.users.recordLoginIfUnchanged(check.user.id, seen.hash, rehash, manager);
  }

  /**
   * The same stamp for a login whose first factor was checked earlier (the second factor): only if
   * the password is still the one of `version` (`PasswordCheck.passwordVersion`) and the user not
   * blocked. After a password the user must be confirmed; after an emailed code (which may be an
   * account without a password) the address is confirmed by it, as `recordLoginIfUnchanged` does
   * for a code. Same row lock, same rules.
   */
  async recordSecondFactorLogin(
    id: string,
    version: string,
    firstFactor: 'password' | 'code',
    manager: EntityManager,
  ): Promise<boolean> {
    const user = await this.users.lockWithPasswordById(id, manager);
    if (!user) return false;
    const hash = user.passwordHash;
    if (passwordVersion(hash) !== version) return false;
    if (firstFactor === 'code') {
      return this.users.recordCodeLoginIfUnchanged(id, user.email, hash, manager);
    }
    if (!hash) return false;
    return this.users.recordLoginIfUnchanged(id, hash, undefined, manager);
  }

  /**
   * The stamp of a sign-in by passkey (the passkey was verified): only if the user is confirmed
   * and not blocked. Same row lock, same rules as a password's.
   */
  recordPasskeyLogin(id: string, manager: EntityManager): Promise<boolean> {
    return this.users.recordPasskeyLogin(id, manager);
  }

  changePassword(id: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    return this.users.updatePassword(id, passwordHash, manager);
  }

  /** A new password hash (reset or first password); using a mailed code also confirms the address. */
  setPasswordAndConfirm(id: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    return this.users.setPasswordAndConfirm(id, passwordHash, manager);
  }

  /** "This wasn't me" on an email-change notice: the account is its old address's again. */
  restoreEmail(id: string, email: string, manager?: EntityManager): Promise<void> {
    return this.users.update(id, { email: email.toLowerCase(), isConfirmed: true }, manager);
  }

  /** The address was proven: a code or link sent to it came back. */
  markConfirmed(id: string, manager?: EntityManager): Promise<void> {
    return this.users.markConfirmed(id, manager);
  }

  // The signed-in user's own account (account/): the rules live there, the table's writes here.

  /** Changes the profile fields the user may set; returns the names of those that changed. */
  async updateProfile(
    id: string,
    fields: Partial<Pick<User, 'name' | 'surname' | 'locale'>>,
    /** Runs last in the transaction when something changed (the audit record of the change). */
    changedIn?: (changed: string[], m: EntityManager) => Promise<void>,
  ): Promise<{ user: User; changed: string[] }> {
    return this.db.transaction(async (m) => {
      const user = await this.mustFind(id, m);
      const changed = (['name', 'surname', 'locale'] as const).filter(
        (k) => fields[k] !== undefined && fields[k] !== user[k],
      );
      if (changed.length) {
        await this.users.update(id, Object.fromEntries(changed.map((k) => [k, fields[k]])), m);
        await changedIn?.(changed, m);
      }
      return { user: await this.mustFind(id, m), changed };
    });
  }

  /**
   * Moves the user to an address just proven (a code or link sent to it came back): confirmed.
   * A unique violation (the address was taken meanwhile) is the caller's to answer.
   */
  async moveToConfirmedEmail(id: string, email: string, m: EntityManager): Promise<User> {
    await this.users.update(id, { email: email.toLowerCase(), isConfirmed: true }, m);
    return this.mustFind(id, m);
  }

  /**
   * Locks the user's row (and every root's, in id order) for its deletion, in the caller's
   * transaction: from here no login can stamp the row or open a session until the transaction
   * ends. The last active root cannot go (409 last_root).
   */
  async lockForDeletion(id: string, m: EntityManager): Promise<User> {
    const { user, otherActiveRoots } = await this.users.lockForDeletion(id, m);
    if (!user) throw UsersErrors.user_not_found();
    if (user.role === 'root' && otherActiveRoots === 0) {
      throw UsersErrors.last_root({ message: 'The last active root cannot delete itself.' });
    }
    return user;
  }

  /** Deletes a row locked by `lockForDeletion`; its codes and devices go with it (ON DELETE CASCADE). */
  deleteLocked(id: string, m: EntityManager): Promise<void> {
    return this.users.deleteById(id, m);
  }

  async list(q: ListUsersQueryDto): Promise<UserListDto> {
    const filter = {
      search: q.search,
      role: q.role,
      isActive: q.is_active,
      isConfirmed: q.is_confirmed,
    };
    const { items, info } = await readPage(
      q,
      this.app.listCountLimit,
      (offset, limit) => this.users.listPage(filter, q.sort, offset, limit),
      (atMost) =>
        this.overCap.count(JSON.stringify(filter), atMost, (n) => this.users.count(filter, n)),
    );
    return { users: items.map((u) => UserResponseDto.from(u)), ...info };
  }

  async get(id: string): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.mustFind(id));
  }
}
