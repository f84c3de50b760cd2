import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PasswordPolicy } from '../auth/password-policy';
import { PasswordService } from '../auth/password.service';
import type { AuditContext } from '../common/audit-context';
import { ADMIN_ROLES, AuthUser, Role } from '../common/auth-user';
import { ValidationFailedError } from '../common/errors';
import { adminConfig, AdminConfig } from '../config/config';
import { AccountMailService } from '../otp/account-mail.service';
import { SessionsService } from '../sessions/sessions.service';
import { AddUserDto } from './dto/add-user.dto';
import { ChangeStatusDto } from './dto/change-status.dto';
import { ListUsersQueryDto } from './dto/list-users.query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserListDto } from './dto/user-list.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { User } from './user.entity';
import {
  CannotBlockSelfError,
  InsufficientRoleError,
  LastRootError,
  PasswordsDontMatchError,
  UserExistsError,
  UserNotFoundError,
} from './users.errors';
import { UsersRepository } from './users.repository';

const LIFT_BLOCKS_EVERY_MS = 30_000;

const isUniqueViolation = (e: unknown) =>
  e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === '23505';

@Injectable()
export class UsersService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(UsersService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly policy: PasswordPolicy,
    private readonly audit: AuditService,
    private readonly accountMail: AccountMailService,
    private readonly sessions: SessionsService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(adminConfig.KEY) private readonly admin: AdminConfig,
  ) {}

  /** ADMIN_EMAIL + ADMIN_PASSWORD create the first root, once: never while any root exists. */
  async onApplicationBootstrap(): Promise<void> {
    this.timer = setInterval(() => void this.liftExpiredBlocks(), LIFT_BLOCKS_EVERY_MS);
    this.timer.unref();
    if (!this.admin.email || !this.admin.password) return;
    if (await this.users.rootExists()) return;
    await this.createRoot(this.admin.email, this.admin.password);
    this.logger.log(`Created the root user ${this.admin.email}`);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Creates a confirmed root, or promotes and confirms the existing user of that address. */
  async createRoot(email: string, password: string): Promise<User> {
    this.policy.check(password, email);
    const passwordHash = await this.passwords.hash(password);
    const existing = await this.users.findByEmail(email);
    if (existing) {
      Object.assign(existing, { role: 'root', isConfirmed: true, isActive: true, passwordHash });
      return this.users.create(existing);
    }
    return this.users.create({
      email,
      role: 'root',
      isConfirmed: true,
      isActive: true,
      passwordHash,
    });
  }

  async list(q: ListUsersQueryDto): Promise<UserListDto> {
    const [rows, total] = await this.users.list({
      page: q.page,
      perPage: q.per_page,
      search: q.search,
      role: q.role,
      isActive: q.is_active,
      isConfirmed: q.is_confirmed,
      sort: q.sort,
    });
    return {
      users: rows.map((u) => UserResponseDto.from(u)),
      total_count: total,
      page: q.page,
      per_page: q.per_page,
    };
  }

  async get(id: string): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.mustFind(id));
  }

  /** An admin adds a user; the confirmation mail goes through the outbox in the same transaction. */
  async add(actor: AuthUser, dto: AddUserDto, audit: AuditContext): Promise<UserResponseDto> {
    audit.setTarget({ email: dto.email.toLowerCase() }).addDetails({ role: dto.role ?? 'user' });
    const role = dto.role ?? 'user';
    this.assertMayGrant(actor, role);
    if (dto.password1 !== undefined && dto.password !== dto.password1)
      throw new PasswordsDontMatchError();
    if (dto.password !== undefined) this.policy.check(dto.password, dto.email);
    const passwordHash =
      dto.password !== undefined ? await this.passwords.hash(dto.password) : null;
    try {
      const user = await this.db.transaction(async (m) => {
        if (await this.users.findByEmail(dto.email, m)) throw new UserExistsError();
        const created = await this.users.create(
          {
            email: dto.email,
            name: dto.name ?? null,
            surname: dto.surname ?? null,
            role,
            passwordHash,
          },
          m,
        );
        await this.accountMail.sendInvitation(m, created, { setPassword: passwordHash === null });
        return created;
      });
      audit.setTarget(user);
      return UserResponseDto.from(user);
    } catch (e) {
      if (isUniqueViolation(e)) throw new UserExistsError();
      throw e;
    }
  }

  /** Changes profile fields and role; the audit record names the fields that changed. */
  async update(
    actor: AuthUser,
    id: string,
    dto: UpdateUserDto,
    audit: AuditContext,
  ): Promise<UserResponseDto> {
    try {
      return await this.db.transaction(async (m) => {
        const user = await this.mustFind(id, m);
        audit.setTarget(user);
        this.assertMayManage(actor, user);
        const changed: string[] = [];
        const fields: Partial<User> = {};
        for (const key of ['name', 'surname'] as const) {
          if (dto[key] !== undefined && dto[key] !== user[key]) {
            fields[key] = dto[key];
            changed.push(key);
          }
        }
        if (dto.role !== undefined && dto.role !== user.role) {
          this.assertMayGrant(actor, dto.role);
          if (user.role === 'root' && (await this.users.countOtherActiveRoots(user.id, m)) === 0) {
            throw new LastRootError();
          }
          fields.role = dto.role;
          changed.push('role');
        }
        const newEmail = dto.email?.toLowerCase();
        const oldEmail = user.email;
        if (newEmail !== undefined && newEmail !== user.email) {
          if (await this.users.findByEmail(newEmail, m)) throw new UserExistsError();
          fields.email = newEmail;
          fields.isConfirmed = false;
          changed.push('email');
        }
        if (changed.length) {
          await this.users.update(user.id, fields, m);
          if (fields.email) {
            // An invited user who has not chosen a password yet must still be able to.
            const stored = await this.users.findWithPasswordById(user.id, m);
            await this.accountMail.sendEmailChange(
              m,
              { id: user.id, email: fields.email },
              oldEmail,
              !!stored?.passwordHash,
            );
          }
        }
        audit.changed(changed);
        if (fields.role) audit.addDetails({ role: { from: user.role, to: fields.role } });
        return UserResponseDto.from(await this.mustFind(id, m));
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new UserExistsError();
      throw e;
    }
  }

  /** Blocks (ending every session at once) or unblocks (reviving none) a user. */
  async changeStatus(
    actor: AuthUser,
    dto: ChangeStatusDto,
    audit: AuditContext,
  ): Promise<UserResponseDto> {
    audit.setAction(dto.is_active ? 'user_unblock' : 'user_block');
    if (dto.user_id !== undefined || dto.email !== undefined) {
      audit.setTarget({ id: dto.user_id, email: dto.email?.toLowerCase() });
    }
    if (dto.user_id !== undefined && dto.email !== undefined) {
      throw new ValidationFailedError(['give user_id or email, not both']);
    }
    if (!dto.is_active && dto.blocked_until && dto.blocked_until.getTime() <= Date.now()) {
      throw new ValidationFailedError(['blocked_until must be in the future']);
    }
    return this.db.transaction(async (m) => {
      const user =
        dto.user_id !== undefined
          ? await this.mustFind(String(dto.user_id), m)
          : await this.users.findByEmail(dto.email!, m);
      if (!user) throw new UserNotFoundError();
      audit.setTarget(user);
      if (!dto.is_active && user.id === actor.id) throw new CannotBlockSelfError();
      this.assertMayManage(actor, user);
      if (dto.is_active) {
        await this.users.update(
          user.id,
          { isActive: true, blockedUntil: null, blockReason: null },
          m,
        );
      } else {
        if (user.role === 'root' && (await this.users.countOtherActiveRoots(user.id, m)) === 0) {
          throw new LastRootError();
        }
        await this.users.update(
          user.id,
          {
            isActive: false,
            blockedUntil: dto.blocked_until ?? null,
            blockReason: dto.reason ?? null,
          },
          m,
        );
        const ended = await this.sessions.revokeAllForUser(user.id, { manager: m });
        audit.addDetails({
          reason: dto.reason ?? null,
          blocked_until: dto.blocked_until?.toISOString() ?? null,
          sessions_ended: ended,
        });
      }
      return UserResponseDto.from(await this.mustFind(user.id, m));
    });
  }

  /** Tidies blocks whose time has passed (validation already treats them as lifted). */
  async liftExpiredBlocks(): Promise<number> {
    try {
      const lifted = await this.users.liftExpiredBlocks();
      for (const u of lifted) {
        await this.audit.recordQuietly({
          action: 'user_unblock',
          outcome: 'success',
          target: u,
          details: { reason: 'blocked_until passed' },
        });
      }
      return lifted.length;
    } catch (e) {
      this.logger.warn({ msg: 'could not lift expired blocks', err: String(e) });
      return 0;
    }
  }

  /** The user `actor` may manage (the rules of updates), for other modules' admin actions. */
  async findManageable(actor: AuthUser, id: string, m?: EntityManager): Promise<User> {
    const user = await this.mustFind(id, m);
    this.assertMayManage(actor, user);
    return user;
  }

  private async mustFind(id: string, m?: EntityManager): Promise<User> {
    if (!/^\d{1,18}$/.test(id)) throw new UserNotFoundError();
    const user = await this.users.findById(id, m);
    if (!user) throw new UserNotFoundError();
    return user;
  }

  /** Only a root creates, promotes to, or demotes from `admin` and `root`. */
  private assertMayGrant(actor: AuthUser, role: Role): void {
    if (ADMIN_ROLES.includes(role) && actor.role !== 'root') {
      throw new InsufficientRoleError('Only a root may create or promote admins and roots.');
    }
  }

  /** Only a root updates or blocks an `admin` or a `root`. */
  private assertMayManage(actor: AuthUser, target: User): void {
    if (ADMIN_ROLES.includes(target.role) && actor.role !== 'root')
      throw new InsufficientRoleError();
  }
}
