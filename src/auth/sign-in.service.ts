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
import { isBlocked } from '../common/user-status';
import { PasskeysErrors } from '../passkeys/passkeys.errors';
import { PasskeysService } from '../passkeys/passkeys.service';
import type { PasskeyLoginDto } from '../passkeys/dto/passkey.dto';
import { AuthErrors } from './auth.errors';

/**
 * Which first factor a login passed (audit `details.method`): `oauth` is a sign-in through another
 * provider (identities/), recorded as `oauth:<provider>`.
 */
export type FirstFactor = 'password' | 'code' | 'passkey' | 'oauth';

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
    private readonly passkeys: PasskeysService,
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
        methods: await this.challenges.methodsFor(user.id),
        expires_at: expiresAt.toISOString(),
      },
    };
  }

  /**
   * POST /login/passkey: a passkey of any account answered the challenge. The session has aal 2
   * when the authenticator verified the user (PIN, biometrics), else aal 1; without that
   * verification a user with TOTP still gets the `mfa_required` answer. No password is checked,
   * so nothing costs a bcrypt, found or not. A blocked user gets the answer of a wrong password.
   */
  async passkey(dto: PasskeyLoginDto, meta: RequestMeta): Promise<LoginResult> {
    const checked = await this.passkeys.verifySignIn(dto, meta);
    const user = checked.userId ? await this.users.findById(checked.userId) : null;
    const target = user ? { id: user.id, email: user.email } : undefined;
    if (!checked.ok || !user) {
      const details = { method: 'passkey', reason: checked.ok ? 'user_gone' : checked.reason };
      throw await auditRefusal(
        this.audit,
        { action: 'login', target, details, meta },
        PasskeysErrors.invalid_passkey_login(),
      );
    }
    const refuse = async (reason: string) =>
      auditRefusal(
        this.audit,
        { action: 'login', target, details: { method: 'passkey', reason }, meta },
        AuthErrors.invalid_credentials(),
      );
    if (isBlocked(user) || !user.isConfirmed) throw await refuse('blocked');

    const factor = await this.mfa.factorVersion(user.id);
    if (!checked.userVerified && factor !== 'none') {
      // A passkey without user verification is one factor: the TOTP still asks.
      const locked = await this.db.transaction((m) => this.users.lockForLogin(user.id, m));
      if (!locked) throw await refuse('user_gone');
      const { token, expiresAt } = await this.challenges.start({
        userId: user.id,
        firstFactor: 'passkey',
        stamp: stampOf(locked.passwordVersion, factor, user.email),
      });
      await this.audit.recordQuietly({
        action: 'login',
        outcome: 'mfa_required',
        actor: target,
        target,
        details: { method: 'passkey', key_id: checked.passkeyId },
        meta,
      });
      return {
        body: {
          mfa_required: true,
          mfa_token: token,
          methods: await this.challenges.methodsFor(user.id),
          expires_at: expiresAt.toISOString(),
        },
      };
    }
    const result = await this.openSession(user, {
      aal: checked.userVerified ? 2 : 1,
      unchanged: async (m) =>
        (await this.users.recordPasskeyLogin(user.id, m)) &&
        (checked.userVerified || (await this.mfa.factorVersion(user.id, m)) === factor),
      details: { method: 'passkey', key_id: checked.passkeyId },
      meta,
    });
    if (result === 'changed') throw await refuse('changed_during_login');
    return result;
  }

  /** POST /login/passkey/options: a challenge any passkey of this site may answer. */
  passkeyOptions() {
    return this.passkeys.signInOptions();
  }

  /** POST /login/mfa/passkey/options: the options of a passkey answer to this mfa_token. */
  async secondFactorPasskeyOptions(
    mfaToken: string,
    meta: RequestMeta,
  ): Promise<{ options: Record<string, unknown> }> {
    const bound = await this.challenges.bindingOf(mfaToken);
    if (!bound) {
      throw await auditRefusal(
        this.audit,
        { action: 'login', details: { method: 'passkey' }, meta },
        MfaErrors.invalid_mfa_token(),
      );
    }
    return { options: await this.passkeys.secondFactorOptions(bound.userId, bound.key) };
  }

  /**
   * POST /login/mfa: the mfa_token and a TOTP code, a recovery code or a passkey give the
   * session, at aal 2.
   */
  async secondFactor(dto: LoginMfaDto, meta: RequestMeta): Promise<LoginResult> {
    const given = [dto.code, dto.recovery_code, dto.passkey].filter((v) => v !== undefined);
    if (given.length !== 1) {
      throw CommonErrors.validation_failed({
        message: ['give code, recovery_code or passkey (one of them)'],
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
        passkey: dto.passkey,
      });
      if (answered.outcome === 'spent') {
        throw await auditRefusal(this.audit, login, MfaErrors.invalid_mfa_token());
      }
      if (answered.outcome === 'wrong') {
        const method = dto.code !== undefined ? 'totp' : dto.passkey ? 'passkey' : 'recovery_code';
        const refused = await auditRefusal(
          this.audit,
          { ...login, details: { method } },
          method === 'passkey'
            ? PasskeysErrors.invalid_passkey_login()
            : MfaErrors.invalid_mfa_code(),
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
          // A passkey's sign-in needs no password (the account may have none).
          if (challenge.firstFactor === 'passkey')
            return this.users.recordPasskeyLogin(found.id, m);
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
