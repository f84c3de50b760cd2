import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import { AppError, NotFoundError } from '../common/errors';
import type { LiveSessionRow } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { isBlocked } from '../users/user-status';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto, LoginResponseDto } from './dto/login.dto';
import { SessionDto, type SessionListDto, type TokenInfoDto } from './dto/session.dto';
import { LoginAttempt, LoginThrottle } from './login-throttle';
import { PasswordPolicy } from './password-policy';
import { PasswordService } from './password.service';

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The email or the password is wrong.');
  }
}

export class EmailNotConfirmedError extends AppError {
  constructor() {
    super(403, 'email_not_confirmed', 'Confirm your email address before logging in.');
  }
}

export class InvalidCurrentPasswordError extends AppError {
  constructor() {
    super(400, 'invalid_current_password', 'The current password is wrong.');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A login's result: the JSON answer, and what cookie mode needs. */
export interface LoginResult {
  body: LoginResponseDto;
  token: string;
  expiresAt: Date;
}

/** Login, logout, the session list and the password change: the rules of API.md's self-service. */
@Injectable()
export class AuthService implements OnModuleInit {
  /** Compared against when the address has no account (or no password), so timing tells nothing. */
  private dummyHash = '';

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly policy: PasswordPolicy,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.passwords.hash(randomBytes(24).toString('base64'));
  }

  async login(dto: LoginDto, req: Request): Promise<LoginResult> {
    const email = dto.email;
    const attempt = await this.beginAttempt(email, 'login', { email }, req);
    try {
      const user = await this.users.findWithPasswordByEmail(email);
      // Exactly one bcrypt comparison whatever the address: a real hash or the dummy one.
      const passwordOk = await this.passwords.verify(
        dto.password,
        user?.passwordHash ?? this.dummyHash,
      );
      const target = { id: user?.id ?? null, email: user?.email ?? email };

      // A blocked user with the right password is answered (and counted) like a wrong password, so
      // neither the answer nor the throttle's later answers tell that the password was right.
      if (!user || !user.passwordHash || !passwordOk || isBlocked(user)) {
        await attempt.failed();
        await this.audit.recordQuietly({
          action: 'login',
          outcome: 'invalid_credentials',
          target,
          details: { method: 'password', ...(user && passwordOk ? { reason: 'blocked' } : {}) },
          request: req,
        });
        throw new InvalidCredentialsError();
      }
      if (!user.isConfirmed) {
        await attempt.succeeded();
        await this.audit.recordQuietly({
          action: 'login',
          outcome: 'email_not_confirmed',
          target,
          details: { method: 'password' },
          request: req,
        });
        throw new EmailNotConfirmedError();
      }

      // bcrypt outside the transaction: it must not hold a connection (or the embedded database).
      const rehash = this.passwords.needsRehash(user.passwordHash)
        ? await this.passwords.hash(dto.password)
        : undefined;
      const result = await this.db.transaction((m) =>
        this.completeFirstFactor(m, user, 'password', req, { rehash }),
      );
      await attempt.succeeded();
      return result;
    } finally {
      await attempt.abandon();
    }
  }

  /**
   * Where every first factor (password, emailed code) ends, in the caller's transaction: the one
   * place that decides what a proven first factor gets. Today a session; a second factor hooks in
   * here (answer `mfa_required` instead of a session).
   */
  async completeFirstFactor(
    m: EntityManager,
    user: Pick<User, 'id' | 'email'>,
    method: 'password' | 'code',
    req: Request,
    opts: { rehash?: string; details?: Record<string, unknown> } = {},
  ): Promise<LoginResult> {
    await this.users.recordLogin(user.id, opts.rehash, m);
    const { token, session } = await this.sessions
      .create(user.id, { ip: req.ip, userAgent: req.headers['user-agent'] }, m)
      .catch((e: unknown) => {
        // The account was deleted while this login was checked: no session, the login's answer.
        if (e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === '23503')
          throw new InvalidCredentialsError();
        throw e;
      });
    await this.audit.record(
      {
        action: 'login',
        outcome: 'success',
        actor: { id: user.id, email: user.email },
        target: { id: user.id, email: user.email },
        details: {
          method,
          session_id: session.id,
          ...(opts.rehash ? { rehashed: true } : {}),
          ...opts.details,
        },
        request: req,
      },
      m,
    );
    return {
      token,
      expiresAt: session.expiresAt,
      body: {
        token,
        token_type: 'Bearer',
        expires_at: session.expiresAt.toISOString(),
        session_id: session.id,
      },
    };
  }

  /**
   * Admits a password check under the per-address throttle; a refusal (429) is audited as
   * `action` for `target`.
   */
  async beginAttempt(
    email: string,
    action: string,
    target: { id?: string; email: string },
    req: Request,
    actor?: AuthUser,
  ): Promise<LoginAttempt> {
    try {
      return await this.throttle.begin(email);
    } catch (e) {
      if (e instanceof AppError) {
        await this.audit.recordQuietly({ action, outcome: e.code, actor, target, request: req });
      }
      throw e;
    }
  }

  /** The answer of GET /validate_token, from the row the AuthGuard already read. */
  describeSession(row: LiveSessionRow): TokenInfoDto {
    return {
      ...UserResponseDto.from({
        id: row.id,
        email: row.email,
        name: row.name,
        surname: row.surname,
        role: row.role,
        isActive: row.is_active,
        isConfirmed: row.is_confirmed,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        blockedUntil: row.blocked_until,
        lastLoginAt: row.last_login_at,
      }),
      session: { id: row.session_id, expires_at: row.expires_at.toISOString() },
    };
  }

  async logout(user: AuthUser, req: Request): Promise<void> {
    await this.sessions.revoke(user.id, user.sessionId);
    await this.audit.recordQuietly({
      action: 'logout',
      outcome: 'success',
      actor: user,
      target: user,
      details: { session_id: user.sessionId },
      request: req,
    });
  }

  async logoutAll(user: AuthUser, req: Request): Promise<void> {
    const count = await this.sessions.revokeAllForUser(user.id);
    await this.audit.recordQuietly({
      action: 'logout_all',
      outcome: 'success',
      actor: user,
      target: user,
      details: { sessions_revoked: count },
      request: req,
    });
  }

  async listSessions(user: AuthUser): Promise<SessionListDto> {
    const sessions = await this.sessions.listForUser(user.id);
    return { sessions: sessions.map((s) => SessionDto.from(s, user.sessionId)) };
  }

  /** Ends one of the caller's own sessions; another user's session is "not found", like an unknown one. */
  async revokeSession(user: AuthUser, sessionId: string, req: Request): Promise<void> {
    const revoked = UUID.test(sessionId) && (await this.sessions.revoke(user.id, sessionId));
    if (!revoked) throw new NotFoundError('session_not_found', 'No such session.');
    await this.audit.recordQuietly({
      action: 'session_revoke',
      outcome: 'success',
      actor: user,
      target: user,
      details: { session_id: sessionId, current: sessionId === user.sessionId },
      request: req,
    });
  }

  /**
   * Changes the caller's password after checking the current one (wrong tries count toward the
   * login throttle of the address), and ends every other session of the user.
   */
  /**
   * Checks the signed-in user's current password before a sensitive change (password, address,
   * deletion): one throttled attempt like a login, so wrong tries count toward the address's
   * throttle. A wrong one (or none stored) is 400 `invalid_current_password`, audited as `action`.
   */
  async verifyCurrentPassword(
    user: AuthUser,
    password: string,
    action: string,
    req: Request,
  ): Promise<void> {
    const attempt = await this.beginAttempt(user.email, action, user, req, user);
    try {
      const stored = await this.users.findWithPasswordById(user.id);
      const ok = await this.passwords.verify(password, stored?.passwordHash ?? this.dummyHash);
      if (!stored?.passwordHash || !ok) {
        await attempt.failed();
        await this.audit.recordQuietly({
          action,
          outcome: 'invalid_current_password',
          actor: user,
          target: user,
          request: req,
        });
        throw new InvalidCurrentPasswordError();
      }
      await attempt.succeeded();
    } finally {
      await attempt.abandon();
    }
  }

  async changePassword(user: AuthUser, dto: ChangePasswordDto, req: Request): Promise<void> {
    const fail = async (e: AppError): Promise<never> => {
      await this.audit.recordQuietly({
        action: 'password_change',
        outcome: e.code,
        actor: user,
        target: user,
        request: req,
      });
      throw e;
    };
    await this.verifyCurrentPassword(user, dto.current_password, 'password_change', req);
    try {
      this.policy.check(dto.new_password, user.email);
    } catch (e) {
      if (e instanceof AppError) return fail(e);
      throw e;
    }
    const hash = await this.passwords.hash(dto.new_password);
    await this.db.transaction(async (m) => {
      await this.users.updatePassword(user.id, hash, m);
      const revoked = await this.sessions.revokeAllForUser(user.id, {
        exceptSessionId: user.sessionId,
        manager: m,
      });
      await this.audit.record(
        {
          action: 'password_change',
          outcome: 'success',
          actor: user,
          target: user,
          details: { sessions_revoked: revoked },
          request: req,
        },
        m,
      );
    });
  }
}
