import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RequestMeta } from '../common/request-meta';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { auditFailures, auditRefusal } from '../audit/audit-failures';
import { SecurityNotices } from '../notices/security-notices.service';
import type { AuthUser } from '../common/auth-user';
import type { AppError } from '../common/errors';
import type { LiveSession } from '../sessions/live-session';
import { SessionsService } from '../sessions/sessions.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { isBlocked } from '../common/user-status';
import { UsersService } from '../users/users.service';
import { OwnerProof } from '../owner-proof/owner-proof.service';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto, LoginMfaDto } from './dto/login.dto';
import { LoginResult, SignInService } from './sign-in.service';
import type { TokenInfoDto } from './dto/token-info.dto';
import { LoginAttempt, LoginThrottle } from '../login-throttle/login-throttle';
import { PasswordPolicy } from '../passwords/password-policy';
import { PasswordService } from '../passwords/password.service';
import { AuthErrors } from './auth.errors';
import type {
  AuthenticationOptionsDto,
  MfaPasskeyOptionsDto,
  PasskeyLoginDto,
} from '../passkeys/dto/passkey.dto';

/** Login, logout and the password change (docs/api.md, "Login and sessions"). */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly policy: PasswordPolicy,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    private readonly notices: SecurityNotices,
    private readonly signIn: SignInService,
    private readonly proof: OwnerProof,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async login(dto: LoginDto, meta: RequestMeta): Promise<LoginResult> {
    const email = dto.email;
    const attempt = await this.beginAttempt(email, meta);
    try {
      // A second round only when the user changed between the check and the session: a parallel
      // login's rehash (same password, so it passes again), or a reset or block (so it fails).
      for (let round = 1; ; round++) {
        const result = await this.tryLogin(dto, meta, attempt);
        if (result !== 'changed') return result;
        if (round === 2) {
          throw await this.refuse(
            AuthErrors.invalid_credentials(),
            { email },
            meta,
            'changed_during_login',
          );
        }
      }
    } finally {
      // Settled above when the check ran to an answer; an error gives the place back uncounted.
      await attempt.abandon();
    }
  }

  private async tryLogin(
    dto: LoginDto,
    meta: RequestMeta,
    attempt: LoginAttempt,
  ): Promise<LoginResult | 'changed'> {
    const email = dto.email;
    // Exactly one bcrypt comparison whatever the address: a real hash or the dummy one.
    const check = await this.users.checkPassword(email, dto.password);
    const { user, passwordOk, needsRehash } = check;
    const target = { id: user?.id ?? null, email: user?.email ?? email };

    // A blocked user with the right password is answered (and counted) like a wrong password, so
    // neither the answer nor the throttle's later answers tell that the password was right.
    if (!user || !passwordOk || isBlocked(user)) {
      await attempt.failed();
      const reason = user && passwordOk ? 'blocked' : undefined;
      throw await this.refuse(AuthErrors.invalid_credentials(), target, meta, reason);
    }
    if (!user.isConfirmed) {
      await attempt.succeeded();
      throw await this.refuse(AuthErrors.email_not_confirmed(), target, meta);
    }

    // bcrypt outside any transaction: it must not hold a connection (or the embedded database).
    const rehash = needsRehash ? await this.passwords.hash(dto.password) : undefined;
    const result = await this.signIn.afterFirstFactor(user, check, {
      method: 'password',
      rehash,
      meta,
    });
    // A session clears the address's failures; an mfa_token leaves them (the attempt is given
    // back uncounted by login's `finally`), so a right password buys no fresh code guesses.
    if (result !== 'changed' && result.session) await attempt.succeeded();
    return result;
  }

  /**
   * Records a refused password login (outcome: the error's code, `details.reason` when given) and
   * returns the error to throw.
   */
  private refuse<E extends AppError>(
    error: E,
    target: { id?: string | null; email: string },
    meta: RequestMeta,
    reason?: string,
  ): Promise<E> {
    const details = { method: 'password', ...(reason ? { reason } : {}) };
    return auditRefusal(this.audit, { action: 'login', target, details, meta }, error);
  }

  /** POST /login/passkey/options. */
  passkeyOptions(): Promise<AuthenticationOptionsDto> {
    return this.signIn.passkeyOptions();
  }

  /** POST /login/passkey. */
  loginPasskey(dto: PasskeyLoginDto, meta: RequestMeta): Promise<LoginResult> {
    return this.signIn.passkey(dto, meta);
  }

  /** POST /login/mfa/passkey/options. */
  mfaPasskeyOptions(mfaToken: string, meta: RequestMeta): Promise<MfaPasskeyOptionsDto> {
    return this.signIn.secondFactorPasskeyOptions(mfaToken, meta);
  }

  /** POST /login/mfa. */
  loginMfa(dto: LoginMfaDto, meta: RequestMeta): Promise<LoginResult> {
    return this.signIn.secondFactor(dto, meta);
  }

  /** Admits a login under the per-address login throttle; a refusal (429) is audited. */
  private async beginAttempt(email: string, meta: RequestMeta): Promise<LoginAttempt> {
    return auditFailures(this.audit, { action: 'login', target: { email }, meta }, () =>
      this.throttle.begin(email),
    );
  }

  /** The answer of GET /validate_token, from the session the AuthGuard already found. */
  describeSession({ user, session }: LiveSession): TokenInfoDto {
    const { mfaEnabled, passkeys, ...profile } = user;
    return {
      ...UserResponseDto.from(profile),
      mfa_enabled: mfaEnabled,
      passkeys,
      session: { id: session.id, expires_at: session.expiresAt.toISOString(), aal: session.aal },
    };
  }

  /**
   * What GET /auth/forward hands a gateway, for it to pass to the upstream service. A header is
   * bytes: an address beyond ASCII (日本@example.com) goes as its UTF-8 bytes, which gateways pass
   * on untouched and upstreams read as UTF-8; Node refuses the string itself (it was a 500).
   */
  forwardHeaders({ user, session }: LiveSession): Record<string, string> {
    return {
      'X-Auth-User-Id': String(user.id),
      'X-Auth-User-Email': Buffer.from(user.email, 'utf8').toString('latin1'),
      'X-Auth-User-Role': user.role,
      'X-Auth-Session-Id': session.id,
      'X-Auth-Aal': String(session.aal),
    };
  }

  // The revocation and its record commit together: the webhook event is made from the record.
  async logout(user: AuthUser, meta: RequestMeta): Promise<void> {
    await this.db.transaction(async (m) => {
      await this.sessions.revoke(user.id, user.sessionId, m);
      await this.audit.record(
        {
          action: 'logout',
          outcome: 'success',
          actor: user,
          target: user,
          details: { session_id: user.sessionId },
          meta,
        },
        m,
      );
    });
  }

  async logoutAll(user: AuthUser, meta: RequestMeta): Promise<void> {
    await this.db.transaction(async (m) => {
      const count = await this.sessions.revokeAllForUser(user.id, { manager: m });
      await this.audit.record(
        {
          action: 'logout_all',
          outcome: 'success',
          actor: user,
          target: user,
          details: { sessions_revoked: count },
          meta,
        },
        m,
      );
    });
  }

  /**
   * Changes the caller's password after checking the current one (wrong tries count toward the
   * login throttle of the address), and ends every other session of the user.
   */
  async changePassword(user: AuthUser, dto: ChangePasswordDto, meta: RequestMeta): Promise<void> {
    const { user: account } = await this.proof.prove(
      user,
      { password: dto.current_password },
      { action: 'password_change', meta },
    );
    const audited = { action: 'password_change', actor: user, target: user, meta };
    await auditFailures(this.audit, audited, async () =>
      this.policy.check(dto.new_password, user.email),
    );
    const hash = await this.passwords.hash(dto.new_password);
    await this.db.transaction(async (m) => {
      await this.users.changePassword(user.id, hash, m);
      const revoked = await this.sessions.revokeAllForUser(user.id, {
        exceptSessionId: user.sessionId,
        manager: m,
      });
      await this.notices.passwordChanged(m, { ...user, locale: account!.locale });
      await this.audit.record(
        {
          action: 'password_change',
          outcome: 'success',
          actor: user,
          target: user,
          details: { sessions_revoked: revoked },
          meta,
        },
        m,
      );
    });
  }
}
