import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RequestMeta } from '../common/request-meta';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError, ValidationFailedError } from '../common/errors';
import { authConfig, AuthConfig } from '../config/config';
import { InvalidMfaCodeError, InvalidMfaTokenError } from '../mfa/mfa.errors';
import { MfaService } from '../mfa/mfa.service';
import {
  hashSessionToken,
  looksLikeSessionToken,
  newSessionToken,
} from '../sessions/session-token';
import { SessionsService } from '../sessions/sessions.service';
import { isBlocked } from '../users/user-status';
import { UsersService } from '../users/users.service';
import type { LoginMfaDto, LoginResponseDto, MfaRequiredDto } from './dto/login.dto';
import { LoginThrottle } from './login-throttle';

/** Which first factor a login passed (audit `details.method`). */
export type FirstFactor = 'password' | 'code';

/** A user whose first factor was just checked, as the check read it. */
export interface FirstFactorUser {
  id: string;
  email: string;
  /** `PasswordCheck.passwordVersion` of the check (for an emailed code: of the user read). */
  passwordVersion: string;
}

/** A login's result: the JSON answer, and the session when one was opened (for cookie mode). */
export interface LoginResult {
  body: LoginResponseDto | MfaRequiredDto;
  session?: { token: string; expiresAt: Date };
}

const MFA_TOKEN_TTL_MS = 5 * 60_000;
const MFA_MAX_FAILURES = 5;

/** The user's state changed while the login was in flight (password, block, factor). */
export class LoginStateChangedError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The account changed during the login; log in again.');
  }
}

/**
 * What happens after a first factor passed, for every first factor (password, emailed code): a
 * session, or, for a user with a second factor, an `mfa_token` for POST /login/mfa. The one place
 * that opens a login session, so every way in keeps the same rules:
 *
 * - the session is inserted under the user's row lock, and only if the state the first factor saw
 *   (password hash, second factor) is still the state then: a reset, block or factor change that
 *   commits while a login is in flight leaves that login without a session;
 * - failures of the second factor count in the address's login throttle.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  /**
   * The first factor passed: call this from every first factor (password, emailed code). `rehash`
   * replaces the stored password hash (a new bcrypt cost). The password route has counted the
   * attempt in the login throttle (`throttle.begin`); a session clears the address's failures.
   */
  async afterFirstFactor(
    user: FirstFactorUser,
    opts: { method: FirstFactor; rehash?: string; meta: RequestMeta },
  ): Promise<LoginResult> {
    const stamp = await this.stampOf(user);
    const target = { id: user.id, email: user.email };
    if (!(await this.mfa.isEnabled(user.id))) {
      return this.openSession(user, stamp, {
        aal: 1,
        details: { method: opts.method },
        rehash: opts.rehash,
        meta: opts.meta,
      });
    }
    // The password route counted this attempt in the login throttle before checking it.
    if (opts.method === 'password') await this.throttle.firstFactorPassed(user.email);
    const token = newSessionToken();
    const expiresAt = await this.mfaChallenge(token, user.id, opts.method, stamp);
    await this.audit.recordQuietly({
      action: 'login',
      outcome: 'mfa_required',
      actor: target,
      target,
      details: { method: opts.method },
      meta: opts.meta,
    });
    return {
      body: {
        mfa_required: true,
        mfa_token: token,
        methods: ['totp', 'recovery_code'],
        expires_at: expiresAt.toISOString(),
      },
    };
  }

  /** POST /login/mfa: the mfa_token and a TOTP or recovery code give the session, at aal 2. */
  async secondFactor(dto: LoginMfaDto, meta: RequestMeta): Promise<LoginResult> {
    if ((dto.code === undefined) === (dto.recovery_code === undefined)) {
      throw new ValidationFailedError(['give code or recovery_code (one of them)']);
    }
    const tokenHash = looksLikeSessionToken(dto.mfa_token)
      ? hashSessionToken(dto.mfa_token)
      : undefined;
    const challenge = tokenHash && (await this.mfa.findChallenge(tokenHash));
    if (!tokenHash || !challenge) {
      await this.audit.recordQuietly({ action: 'login', outcome: 'invalid_mfa_token', meta });
      throw new InvalidMfaTokenError();
    }
    const found = await this.users.findById(challenge.userId);
    if (!found) throw new InvalidMfaTokenError();
    const user = { id: found.id, email: found.email, passwordVersion: '' };
    const target = { id: user.id, email: user.email };
    await this.throttle.begin(user.email);
    const method = await this.mfa.verify(user.id, {
      code: dto.code,
      recoveryCode: dto.recovery_code,
    });
    if (!method) {
      await this.mfa.failChallenge(tokenHash, MFA_MAX_FAILURES);
      await this.audit.recordQuietly({
        action: 'login',
        outcome: 'invalid_mfa_code',
        target,
        details: { method: dto.code !== undefined ? 'totp' : 'recovery_code' },
        meta,
      });
      throw new InvalidMfaCodeError();
    }
    return this.openSession(user, challenge.stamp, {
      aal: 2,
      tokenHash,
      details: { method, first_factor: challenge.method },
      meta,
    });
  }

  /** The state a session depends on, as one value: compared again before the session is opened. */
  private async stampOf(user: FirstFactorUser, m?: EntityManager): Promise<string> {
    const factor = await this.mfa.factorVersion(user.id, m);
    return createHash('sha256').update(`${user.passwordVersion}\n${factor}`).digest('hex');
  }

  private mfaChallenge(token: string, userId: string, method: string, stamp: string) {
    return this.mfa.startChallenge({
      tokenHash: hashSessionToken(token),
      userId,
      method,
      stamp,
      ttlMs: MFA_TOKEN_TTL_MS,
    });
  }

  private async openSession(
    user: FirstFactorUser,
    stamp: string,
    opts: {
      aal: 1 | 2;
      details: Record<string, unknown>;
      rehash?: string;
      /** The mfa_token to use up in the same transaction. */
      tokenHash?: string;
      meta: RequestMeta;
    },
  ): Promise<LoginResult> {
    const target = { id: user.id, email: user.email };
    const { token, session } = await this.db.transaction(async (m) => {
      const now = await this.users.lockForLogin(user.id, m);
      const same =
        now &&
        now.user.isConfirmed &&
        !isBlocked(now.user) &&
        (await this.stampOf({ ...user, passwordVersion: now.passwordVersion }, m)) === stamp;
      if (opts.tokenHash && !(await this.mfa.consumeChallenge(opts.tokenHash, m))) {
        throw new InvalidMfaTokenError();
      }
      if (!same) throw opts.aal === 2 ? new InvalidMfaTokenError() : new LoginStateChangedError();
      await this.users.recordLogin(user.id, opts.rehash, m);
      const created = await this.sessions.create(user.id, opts.meta, m, opts.aal);
      await this.audit.record(
        {
          action: 'login',
          outcome: 'success',
          actor: target,
          target,
          details: {
            ...opts.details,
            aal: opts.aal,
            session_id: created.session.id,
            ...(opts.rehash ? { rehashed: true } : {}),
          },
          meta: opts.meta,
        },
        m,
      );
      return created;
    });
    await this.throttle.succeeded(user.email);
    return {
      session: { token, expiresAt: session.expiresAt },
      body: {
        token,
        token_type: 'Bearer',
        expires_at: session.expiresAt.toISOString(),
        session_id: session.id,
      },
    };
  }
}
