import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChallengeService } from '../challenge/challenge.service';
import {
  OwnerProof,
  type FurtherCheck,
  type OwnerProofGiven,
} from '../owner-proof/owner-proof.service';
import type { MessageResponseDto } from '../common/dto/message-response.dto';
import type { AuditContext } from '../audit/audit-context';
import type { AuthUser } from '../common/auth-user';
import { Clock } from '../common/clock';
import { appConfig, AppConfig } from '../config/config';
import { SecretBox } from '../crypto/secret-box';
import { ChangeEvents } from '../events/change-events.service';
import { SecurityNotices } from '../notices/security-notices.service';
import { SessionsService } from '../sessions/sessions.service';
import type { UserAccount } from '../users/user-account';
import { UsersService } from '../users/users.service';
import type { EnrolmentDto, RecoveryCodesDto } from './dto/mfa.dto';
import { MfaRepository } from './mfa.repository';
import {
  hashRecoveryCode,
  newRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery-codes';
import { newTotpSecret, otpauthUrl, totpStep } from './totp';
import { MfaErrors } from './mfa.errors';

/** A second-factor code as a user gives it: a TOTP code or a recovery code. */
export interface SecondFactorCode {
  code?: string;
  recoveryCode?: string;
}

export type SecondFactorMethod = 'totp' | 'recovery_code';

const EMAIL_CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'A code to confirm the change of your second factor is on its way to your address.',
};

/**
 * The TOTP factor and its recovery codes: enrolment, checks at login, and the changes a user or an
 * admin makes. Every change takes the user's row lock (UsersService.lockForLogin), as a
 * login does before it opens a session, so a login in flight sees the change or precedes it.
 */
@Injectable()
export class MfaService implements OnModuleInit {
  private readonly logger = new Logger(MfaService.name);

  constructor(
    private readonly repo: MfaRepository,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly notices: SecurityNotices,
    private readonly events: ChangeEvents,
    private readonly proof: OwnerProof,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly challenges: ChallengeService,
  ) {}

  /** TOTP codes and recovery codes answer the sign-in challenge (POST /login/mfa). */
  onModuleInit(): void {
    this.challenges.register({
      methods: ['totp', 'recovery_code'],
      verify: (userId, answer) => this.verify(userId, answer),
    });
  }

  /** POST /mfa/totp: a new pending secret (replacing a pending one), shown this once. */
  async enrol(user: AuthUser, proof: OwnerProofGiven, audit: AuditContext): Promise<EnrolmentDto> {
    audit.setTarget(user);
    await this.checkOwner(user, proof);
    const secret = newTotpSecret();
    if (!(await this.repo.savePending(user.id, this.box.seal(secret, context(user.id))))) {
      throw MfaErrors.mfa_already_enabled();
    }
    return { secret, otpauth_url: otpauthUrl(secret, this.app.appName, user.email) };
  }

  /** POST /mfa/totp/confirm: the first code turns the factor on; answers the recovery codes once. */
  async confirm(user: AuthUser, code: string, audit: AuditContext): Promise<RecoveryCodesDto> {
    audit.setTarget(user);
    const row = await this.repo.findTotp(user.id);
    if (row?.confirmedAt) throw MfaErrors.mfa_already_enabled();
    if (!row) throw MfaErrors.mfa_not_pending();
    // Not resealed here: the confirmation below names this very sealed value.
    const secret = this.box.open(row.secret, context(user.id));
    const step = totpStep(secret, code, this.clock.now());
    if (step === null) throw MfaErrors.wrong_mfa_code();
    return this.db.transaction(async (m) => {
      const account = await this.lockUser(user.id, m);
      const taken = await this.repo.useStep(user.id, step, { confirmSealed: row.secret }, m);
      if (!taken) throw MfaErrors.wrong_mfa_code();
      const codes = await this.newRecoveryCodes(user.id, m);
      await this.sessions.raiseAal(user, m);
      await this.notices.mfaEnabled(m, account);
      await audit.recordIn(m);
      return { recovery_codes: codes };
    });
  }

  /** DELETE /mfa/totp: password and a code; ends the user's other sessions. */
  async disable(
    user: AuthUser,
    proof: OwnerProofGiven,
    code: string,
    audit: AuditContext,
  ): Promise<void> {
    audit.setTarget(user);
    await this.checkOwner(user, proof, code);
    await this.db.transaction(async (m) => {
      const account = await this.lockUser(user.id, m);
      if (!(await this.repo.deleteFactor(user.id, m))) throw MfaErrors.mfa_not_enabled();
      await this.challenges.dropAllOf(user.id, m);
      const ended = await this.sessions.revokeAllForUser(user.id, {
        exceptSessionId: user.sessionId,
        manager: m,
      });
      audit.addDetails({ sessions_ended: ended });
      await this.notices.mfaDisabled(m, account);
      await audit.recordIn(m);
    });
  }

  /** POST /mfa/recovery-codes: ten new codes; the old ones stop working. */
  async regenerateRecoveryCodes(
    user: AuthUser,
    proof: OwnerProofGiven,
    code: string,
    audit: AuditContext,
  ): Promise<RecoveryCodesDto> {
    audit.setTarget(user);
    await this.checkOwner(user, proof, code);
    return this.db.transaction(async (m) => {
      const account = await this.lockUser(user.id, m);
      if (!(await this.repo.findTotp(user.id, m))?.confirmedAt) throw MfaErrors.mfa_not_enabled();
      const codes = await this.newRecoveryCodes(user.id, m);
      await this.notices.mfaRecoveryCodes(m, account);
      return { recovery_codes: codes };
    });
  }

  /**
   * POST /mfa/email-code: for an account without a password (invited, or signing in by emailed
   * code), the code that stands in for the current password on the routes above.
   */
  async sendEmailCode(user: AuthUser, audit: AuditContext): Promise<MessageResponseDto> {
    audit.setTarget(user);
    await this.proof.sendCode(user, 'mfa');
    return EMAIL_CODE_ON_ITS_WAY;
  }

  /** Whether a user has a second factor on (GET /users/{id}/mfa, for the console). */
  async stateOf(id: string): Promise<{ mfa_enabled: boolean }> {
    const user = await this.users.mustFind(id);
    return { mfa_enabled: await this.isEnabled(user.id) };
  }

  /** DELETE /users/{id}/mfa: an admin removes a user's factor (role rules as for updates). */
  async reset(actor: AuthUser, id: string, audit: AuditContext): Promise<void> {
    await this.db.transaction(async (m) => {
      const target: UserAccount = await this.users.findManageable(actor, id, m);
      audit.setTarget(target);
      const account = await this.lockUser(target.id, m);
      if (!(await this.repo.deleteFactor(target.id, m))) throw MfaErrors.mfa_not_enabled();
      await this.challenges.dropAllOf(target.id, m);
      const ended = await this.sessions.revokeAllForUser(target.id, { manager: m });
      audit.addDetails({ sessions_ended: ended });
      await this.notices.mfaReset(m, account);
      await audit.recordIn(m);
    });
  }

  async isEnabled(userId: string, m?: EntityManager): Promise<boolean> {
    return !!(await this.repo.findTotp(userId, m))?.confirmedAt;
  }

  /**
   * What a login's session depends on beside the password: whether (and since when) the user has a
   * second factor. Compared again under the user's row lock before a session is opened.
   */
  async factorVersion(userId: string, m?: EntityManager): Promise<string> {
    const at = (await this.repo.findTotp(userId, m))?.confirmedAt;
    return at ? at.toISOString() : 'none';
  }

  /**
   * Checks and uses up a second-factor code at login: a TOTP code (its time step is taken once,
   * on every instance) or a recovery code (used once). Returns the method that passed, or null.
   */
  async verify(userId: string, given: SecondFactorCode): Promise<SecondFactorMethod | null> {
    if (given.code !== undefined) return (await this.useTotp(userId, given.code)) ? 'totp' : null;
    if (given.recoveryCode !== undefined) {
      return (await this.useRecoveryCode(userId, given.recoveryCode)) ? 'recovery_code' : null;
    }
    return null;
  }

  /** One field that may hold either kind of code (the management routes' `code`). */
  private async codeIsRight(userId: string, code: string): Promise<boolean> {
    const kind = /^\d{6}$/.test(code.trim()) ? { code: code.trim() } : { recoveryCode: code };
    return !!(await this.verify(userId, kind));
  }

  private async useTotp(userId: string, code: string): Promise<boolean> {
    const row = await this.repo.findTotp(userId);
    if (!row?.confirmedAt) return false;
    const step = totpStep(this.secretOf(userId, row.secret), code, this.clock.now());
    return step !== null && (await this.repo.useStep(userId, step, {}));
  }

  private async useRecoveryCode(userId: string, input: string): Promise<boolean> {
    const normalized = normalizeRecoveryCode(input);
    if (!normalized) return false;
    return this.repo.useRecoveryCode(userId, hashRecoveryCode(userId, normalized));
  }

  /** The plain secret; one sealed under a previous key is sealed again under the current one. */
  private secretOf(userId: string, sealed: string): string {
    const plain = this.box.open(sealed, context(userId));
    if (this.box.isStale(sealed)) {
      const fresh = this.box.seal(plain, context(userId));
      // Not awaited by the check: a failed write only leaves the old (still readable) value.
      this.repo.replaceSealed(userId, sealed, fresh).catch((e: unknown) => {
        this.logger.warn({ msg: 'could not reseal a TOTP secret', err: String(e) });
      });
    }
    return plain;
  }

  private async newRecoveryCodes(userId: string, m: EntityManager): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = codes.map((c) => hashRecoveryCode(userId, normalizeRecoveryCode(c)!));
    await this.repo.replaceRecoveryCodes(userId, hashes, m);
    return codes;
  }

  /**
   * The owner's proof (the current password, or for an account without one the mailed code of
   * POST /mfa/email-code) and, where given, a second-factor code, in the same throttled attempt:
   * a wrong code counts like a wrong password, so a session and the password do not buy unlimited
   * code guesses.
   */
  private async checkOwner(user: AuthUser, proof: OwnerProofGiven, code?: string): Promise<void> {
    const further = async (): Promise<FurtherCheck> => {
      if (code === undefined) return { outcome: 'right' };
      // No factor is not a wrong guess: the owner was proven, so the attempt is forgotten.
      if (!(await this.isEnabled(user.id))) {
        return { outcome: 'refuse', error: MfaErrors.mfa_not_enabled() };
      }
      return (await this.codeIsRight(user.id, code))
        ? { outcome: 'right' }
        : { outcome: 'wrong', error: MfaErrors.wrong_mfa_code() };
    };
    await this.proof.prove(user, proof, { action: 'mfa', further });
  }

  /**
   * Takes the user's row lock (as a login does before it opens a session) for a change of the
   * factor, and answers the user as the notices need it (address, locale). Notices go through the
   * outbox in the change's transaction: both commit or neither.
   */
  private async lockUser(id: string, m: EntityManager): Promise<UserAccount> {
    const locked = await this.users.lockForLogin(id, m);
    if (!locked) throw MfaErrors.mfa_not_enabled();
    // Token checks answer `mfa_enabled`: every change here is a change of what they read (the
    // event goes out when the transaction commits, none if it rolls back).
    await this.events.userChanged(m, id);
    return locked.user;
  }
}

/** The additional data a user's sealed secret is bound to: it opens for this user only. */
function context(userId: string): string {
  return `totp:${userId}`;
}
