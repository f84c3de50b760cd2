import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RequestMeta } from '../common/request-meta';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { auditFailures, auditRefusal } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import { CommonErrors } from '../common/errors';
import { ChallengeService } from '../challenge/challenge.service';
import { MfaService } from '../mfa/mfa.service';
import { SecurityNotices } from '../notices/security-notices.service';
import { SessionsService } from '../sessions/sessions.service';
import type { UserAccount } from '../users/user-account';
import { PasswordCheck, UsersService } from '../users/users.service';
import type { LoginMfaDto, LoginResponseDto, MfaRequiredDto } from './dto/login.dto';
import { LoginThrottle } from '../login-throttle/login-throttle';
import { MfaErrors } from '../mfa/mfa.errors';

/**
 * Which first factor a login passed (audit `details.method`): `oauth` is a sign-in through another
 * provider (identities/), recorded as `oauth:<provider>`.
 */
export type FirstFactor = 'password' | 'code' | 'oauth';

/** A login's result: the JSON answer, and the session when one was opened (for cookie mode). */
export interface LoginResult {
  body: LoginResponseDto | MfaRequiredDto;
  session?: { token: string; expiresAt: Date };
}

/**
 * What happens after the first factor passed: a session, or, for a user with a second factor, a
 * challenge (its `mfa_token`) for POST /login/mfa. The one place that opens a login session, so
 * every way in keeps these rules (docs/security.md, Sessions):
 *
 * - a session is inserted only if the user is still the one that was checked, in the transaction
 *   that stamps the login under the user's row lock: the same password hash, confirmed, not
 *   blocked, and the same second-factor state. A reset, block or factor change that commits while
 *   a login is in flight (between the password and the session, or between the password and the
 *   second factor) leaves that login without a session;
 * - a challenge is bound to that state (`stamp`), and checked again when it is redeemed;
 * - failures of the second factor count in the address's login throttle.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaService,
    private readonly challenges: ChallengeService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    private readonly notices: SecurityNotices,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * `user`'s password was right (`check`): a session, the `mfa_required` answer, or 'changed' when
   * the user changed after the check (the caller checks the password again, once). `rehash`
   * replaces the stored hash (a new bcrypt cost). The caller counted the attempt in the login
   * throttle.
   */
  async afterFirstFactor(
    user: UserAccount,
    check: PasswordCheck,
    opts: {
      method: FirstFactor;
      rehash?: string;
      meta: RequestMeta;
      /** More for the audit record of the session (e.g. the code confirmed the address). */
      details?: Record<string, unknown>;
      /** The audit's `details.method` when it says more than `method` (`oauth:github`). */
      auditMethod?: string;
    },
  ): Promise<LoginResult | 'changed'> {
    const shownMethod = opts.auditMethod ?? opts.method;
    const factor = await this.mfa.factorVersion(user.id);
    if (factor === 'none') {
      return this.openSession(user, {
        aal: 1,
        // Stamps the login under the row lock only if the hash is still the checked one.
        unchanged: async (m) =>
          (await this.users.recordLoginIfUnchanged(check, opts.rehash, m)) &&
          (await this.mfa.factorVersion(user.id, m)) === factor,
        details: {
          method: shownMethod,
          ...(opts.rehash ? { rehashed: true } : {}),
          ...opts.details,
        },
        meta: opts.meta,
      });
    }
    // Not a failure, but the failures before it stay: a right password buys no fresh guesses
    // (the caller gives its throttle attempt back uncounted).
    const { token, expiresAt } = await this.challenges.start({
      userId: user.id,
      firstFactor: opts.method,
      stamp: stampOf(check.passwordVersion, factor, user.email),
    });
    const target = { id: user.id, email: user.email };
    await this.audit.recordQuietly({
      action: 'login',
      outcome: 'mfa_required',
      actor: target,
      target,
      details: { method: shownMethod },
      meta: opts.meta,
    });
    return {
      body: {
        mfa_required: true,
        mfa_token: token,
        methods: this.challenges.methods,
        expires_at: expiresAt.toISOString(),
      },
    };
  }

  /** POST /login/mfa: the mfa_token and a TOTP or recovery code give the session, at aal 2. */
  async secondFactor(dto: LoginMfaDto, meta: RequestMeta): Promise<LoginResult> {
    if ((dto.code === undefined) === (dto.recovery_code === undefined)) {
      throw CommonErrors.validation_failed({
        message: ['give code or recovery_code (one of them)'],
      });
    }
    const pending = await this.challenges.pending(dto.mfa_token);
    const found = pending && (await this.users.findById(pending.userId));
    if (!found) {
      throw await auditRefusal(
        this.audit,
        { action: 'login', meta },
        MfaErrors.invalid_mfa_token(),
      );
    }
    const login = { action: 'login', target: { id: found.id, email: found.email }, meta };
    // The address's throttle first (429 while it waits; a place is reserved, so parallel guesses
    // cannot all pass before they are counted), then one of the challenge's tries, before the code.
    const attempt = await auditFailures(this.audit, login, () => this.throttle.begin(found.email));
    try {
      const answered = await this.challenges.answer(dto.mfa_token, {
        code: dto.code,
        recoveryCode: dto.recovery_code,
      });
      if (answered.outcome === 'spent') {
        throw await auditRefusal(this.audit, login, MfaErrors.invalid_mfa_token());
      }
      if (answered.outcome === 'wrong') {
        const details = { method: dto.code !== undefined ? 'totp' : 'recovery_code' };
        const refused = await auditRefusal(
          this.audit,
          { ...login, details },
          MfaErrors.invalid_mfa_code(),
        );
        await attempt.failed();
        throw refused;
      }
      const { method, challenge } = answered;
      const result = await this.openSession(found, {
        aal: 2,
        // The challenge is used up whatever follows; the session only if the user is still as
        // the first factor saw it (a reset, block or factor change since then ends it).
        unchanged: async (m) => {
          if (!(await this.challenges.redeem(dto.mfa_token, m))) return 'gone';
          const now = await this.users.lockForLogin(found.id, m);
          const factor = await this.mfa.factorVersion(found.id, m);
          if (!now || stampOf(now.passwordVersion, factor, now.user.email) !== challenge.stamp) {
            return false;
          }
          // After an emailed code or another provider the account may have no password, and the
          // first factor proved the address (a provider that verified it), as a code does.
          const first = challenge.firstFactor === 'password' ? 'password' : 'code';
          return this.users.recordSecondFactorLogin(found.id, now.passwordVersion, first, m);
        },
        details: { method, first_factor: challenge.firstFactor },
        meta,
      });
      if (result === 'changed') {
        const details = { reason: 'changed_during_login' };
        throw await auditRefusal(this.audit, { ...login, details }, MfaErrors.invalid_mfa_token());
      }
      await attempt.succeeded();
      return result;
    } finally {
      await attempt.abandon();
    }
  }

  /**
   * The user an unused mfa_token belongs to (the console signs in admins only, and asks no second
   * factor of anyone else); undefined for an unknown, used or expired token.
   */
  async pendingUser(mfaToken: string): Promise<UserAccount | undefined> {
    const pending = await this.challenges.pending(mfaToken);
    return (pending && (await this.users.findById(pending.userId))) ?? undefined;
  }

  /** Ends an mfa_token that will not be redeemed. */
  dropChallenge(mfaToken: string): Promise<void> {
    return this.challenges.drop(mfaToken);
  }

  /**
   * Opens the session in one transaction with the login's stamp, the new-device notice and the
   * audit record, if `unchanged` (which runs first, in that transaction, and takes the user's row
   * lock) says the user is still the one checked. 'gone': the mfa_token was used up by a parallel
   * request meanwhile.
   */
  private async openSession(
    user: UserAccount,
    opts: {
      aal: 1 | 2;
      unchanged: (m: EntityManager) => Promise<boolean | 'gone'>;
      details: Record<string, unknown>;
      meta: RequestMeta;
    },
  ): Promise<LoginResult | 'changed'> {
    const target = { id: user.id, email: user.email };
    const opened = await this.db.transaction(async (m) => {
      const same = await opts.unchanged(m);
      if (same !== true) return same;
      const created = await this.sessions.create(user.id, opts.meta, m, opts.aal);
      await this.notices.signedIn(m, user, opts.meta);
      await this.audit.record(
        {
          action: 'login',
          outcome: 'success',
          actor: target,
          target,
          details: { ...opts.details, aal: opts.aal, session_id: created.session.id },
          meta: opts.meta,
        },
        m,
      );
      return created;
    });
    if (opened === 'gone') {
      // A parallel request redeemed the same mfa_token first: refused like any spent token.
      const details = { ...opts.details, reason: 'mfa_token_used' };
      throw await auditRefusal(
        this.audit,
        { action: 'login', target, details, meta: opts.meta },
        MfaErrors.invalid_mfa_token(),
      );
    }
    if (opened === false) return 'changed';
    // The caller settles its throttle attempt (a session forgets the address's failures).
    const { token, session } = opened;
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

/**
 * The state a login's session depends on, as one value: the password's, the factor's and the
 * address (a code sign-in proved that address; an email change between the factors ends it).
 */
function stampOf(passwordVersion: string, factorVersion: string, email: string): string {
  return createHash('sha256')
    .update(`${passwordVersion}\n${factorVersion}\n${email.toLowerCase()}`)
    .digest('hex');
}
