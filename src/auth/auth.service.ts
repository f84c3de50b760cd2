import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import { AppError, NotFoundError } from '../common/errors';
import type { Session } from '../sessions/session.entity';
import type { LiveSessionRow } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { isBlocked } from '../users/user-status';
import { UsersRepository } from '../users/users.repository';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto, LoginMfaDto } from './dto/login.dto';
import type { SessionListDto, TokenInfoDto } from './dto/session.dto';
import { LoginThrottle } from './login-throttle';
import { PasswordPolicy } from './password-policy';
import { InvalidCurrentPasswordError } from './password.errors';
import { PasswordService } from './password.service';
import { LoginResult, SignInService } from './sign-in.service';

export { InvalidCurrentPasswordError };

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    private readonly signIn: SignInService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.passwords.hash(randomBytes(24).toString('base64'));
  }

  async login(dto: LoginDto, req: Request): Promise<LoginResult> {
    const email = dto.email;
    try {
      await this.throttle.begin(email);
    } catch (e) {
      if (e instanceof AppError) {
        const target = { email };
        await this.audit.recordQuietly({ action: 'login', outcome: e.code, target, request: req });
      }
      throw e;
    }
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
      await this.audit.recordQuietly({
        action: 'login',
        outcome: 'invalid_credentials',
        target,
        details: user && passwordOk ? { reason: 'blocked' } : {},
        request: req,
      });
      throw new InvalidCredentialsError();
    }
    if (!user.isConfirmed) {
      await this.throttle.succeeded(email);
      await this.audit.recordQuietly({
        action: 'login',
        outcome: 'email_not_confirmed',
        target,
        request: req,
      });
      throw new EmailNotConfirmedError();
    }

    // bcrypt outside any transaction: it must not hold a connection (or the embedded database).
    const rehash = this.passwords.needsRehash(user.passwordHash)
      ? await this.passwords.hash(dto.password)
      : undefined;
    return this.signIn.afterFirstFactor(user, { method: 'password', rehash, request: req });
  }

  /** POST /login/mfa. */
  loginMfa(dto: LoginMfaDto, req: Request): Promise<LoginResult> {
    return this.signIn.secondFactor(dto, req);
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
      mfa_enabled: row.mfa_enabled,
      session: { id: row.session_id, expires_at: row.expires_at.toISOString(), aal: row.aal },
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
    return { sessions: sessions.map((s) => toSessionDto(s, user.sessionId)) };
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
    await this.throttle.begin(user.email);
    const stored = await this.users.findWithPasswordById(user.id);
    const ok = await this.passwords.verify(
      dto.current_password,
      stored?.passwordHash ?? this.dummyHash,
    );
    if (!stored?.passwordHash || !ok) return fail(new InvalidCurrentPasswordError());
    await this.throttle.succeeded(user.email);
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

function toSessionDto(s: Session, currentId: string) {
  return {
    id: s.id,
    created_at: s.createdAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    last_seen_at: s.lastSeenAt.toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    current: s.id === currentId,
  };
}
