import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { auditFailures, auditRefusal } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import { Clock } from '../common/clock';
import { CommonErrors, type AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { LoginAttempt, LoginThrottle } from '../login-throttle/login-throttle';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpPurpose, OtpService } from '../otp/otp.service';
import type { UserAccount } from '../users/user-account';
import { UsersErrors } from '../users/users.errors';
import { UsersService, type PasswordCheck } from '../users/users.service';
import { OwnerProofErrors } from './owner-proof.errors';

/** How old the session may be when it stands in for the password (the "fresh session" form). */
export const FRESH_SESSION_MS = 10 * 60_000;

/** The sensitive actions; each takes the password, and what stands in for it without one. */
export type ProvenAction =
  | 'account_delete'
  | 'email_change_request'
  | 'password_change'
  | 'mfa'
  | 'passkeys';

/** What a caller gives: the password, or the mailed code (for an account without a password). */
export interface OwnerProofGiven {
  password?: string;
  code?: string;
}

export type ProofForm = 'password' | 'code' | 'session';

export interface ProofRule {
  action: ProvenAction;
  /**
   * Records refusals as `action` (for routes that write their own records). Without it the route's
   * audit interceptor records the outcome.
   */
  meta?: RequestMeta;
  /** The caller's session, for an action that an account without a password proves by it. */
  session?: { createdAt: Date };
  /**
   * Checked in the same throttled attempt once the owner is proven (a second-factor code): a
   * `wrong` answer counts as a failed try; a `refuse` one is thrown after the attempt is forgotten.
   */
  further?: () => Promise<FurtherCheck>;
}

export type FurtherCheck =
  | { outcome: 'right' }
  | { outcome: 'wrong'; error: AppError }
  | { outcome: 'refuse'; error: AppError };

export interface Proven {
  form: ProofForm;
  /** The account as the password check read it (the password form only). */
  user: PasswordCheck['user'];
}

interface ActionRule {
  /** What stands in for the password in an account without one. */
  withoutPassword: 'code' | 'session' | 'nothing';
  /** The name of the code's field, in the answer to a request that gives both or neither. */
  codeField?: string;
  codeRequired?: () => AppError;
  /** The answer when the signed-in user's address finds no account to mail. */
  noAccount?: () => AppError;
  /** The code's purpose and the mail that carries it. */
  purpose?: OtpPurpose;
  mail?: (mail: AccountMailService, m: EntityManager, user: UserAccount) => Promise<void>;
  /** The audit action of mailing the code, for a route that records its own. */
  mailAudit?: string;
  /**
   * Where the mailed code is used up: in the action's own transaction (`checkCode`), so a failed
   * action leaves it unused; or here, before the action.
   */
  codeUsedIn?: 'action' | 'proof';
}

const ACTIONS: Record<ProvenAction, ActionRule> = {
  account_delete: {
    withoutPassword: 'code',
    codeField: 'code',
    codeRequired: () => OwnerProofErrors.code_required({ message: 'POST /me/delete-code' }),
    purpose: 'account_delete',
    mail: (mail, m, user) => mail.sendDeleteCode(m, user),
    mailAudit: 'account_delete_code',
    noAccount: () => UsersErrors.user_not_found(),
    codeUsedIn: 'action',
  },
  email_change_request: {
    withoutPassword: 'code',
    codeField: 'code',
    codeRequired: () => OwnerProofErrors.code_required({ message: 'POST /me/email-code' }),
    purpose: 'email_change_request',
    mail: (mail, m, user) => mail.sendEmailChangeCode(m, user),
    mailAudit: 'email_change_code',
    noAccount: () => UsersErrors.user_not_found(),
    codeUsedIn: 'action',
  },
  mfa: {
    withoutPassword: 'code',
    codeField: 'email_code',
    codeRequired: () => OwnerProofErrors.email_code_required(),
    purpose: 'mfa',
    mail: (mail, m, user) => mail.sendMfaCode(m, user),
    noAccount: () => OwnerProofErrors.email_code_required(),
    codeUsedIn: 'proof',
  },
  // The password is the only form: an account without one is answered as a wrong password.
  password_change: { withoutPassword: 'nothing' },
  passkeys: { withoutPassword: 'session' },
};

/**
 * The one owner proof of every sensitive action: the current password; for an account without
 * one, a code mailed to its address, or (for the actions that take it) a session younger than
 * FRESH_SESSION_MS. A wrong password counts in the address's login throttle like a wrong login:
 * the attempt is counted first and forgotten only when everything was right, so a session does
 * not buy unlimited guesses. A wrong mailed code counts where every mailed code does (five tries
 * per code, the address's failure lock).
 */
@Injectable()
export class OwnerProof {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
    private readonly clock: Clock,
  ) {}

  /**
   * Mails the action's code to an account without a password (one per RESEND_COOLDOWN). With
   * `meta`, records the mailing (and its refusals) under the action's mail record.
   */
  async sendCode(user: AuthUser, action: ProvenAction, meta?: RequestMeta): Promise<void> {
    const rule = ACTIONS[action];
    if (!rule.mail || !rule.noAccount) throw new Error(`${action} takes no mailed code`);
    const send = async () => {
      const account = await this.users.findWithPasswordState(user.email);
      if (!account || account.user.id !== user.id) throw rule.noAccount!();
      if (account.hasPassword) throw PasswordsErrors.password_required();
      await this.otp.throttleMail(user.email);
      await this.db.transaction(async (m) => {
        await rule.mail!(this.accountMail, m, account.user);
        if (meta && rule.mailAudit) {
          await this.audit.record(
            { action: rule.mailAudit, outcome: 'success', actor: user, target: user, meta },
            m,
          );
        }
      });
    };
    if (!meta || !rule.mailAudit) return send();
    return auditFailures(this.audit, { action: rule.mailAudit, email: user.email, meta }, send);
  }

  /**
   * Proves the owner for `rule.action`, or throws the refusal. A mailed code that the action uses
   * up in its own transaction is not checked here: the action calls `checkCode`.
   */
  async prove(user: AuthUser, given: OwnerProofGiven, rule: ProofRule): Promise<Proven> {
    const form = await this.formOf(user, given, rule);
    if (form === 'session') {
      const age = rule.session ? this.clock.now() - rule.session.createdAt.getTime() : Infinity;
      if (!(age < FRESH_SESSION_MS)) {
        throw await this.refuse(user, rule, OwnerProofErrors.reauthentication_required());
      }
      return { form, user: null };
    }
    const action = ACTIONS[rule.action];
    if (form === 'code' && action.codeUsedIn === 'action') return { form, user: null };

    const attempt = await this.begin(user, rule);
    try {
      let account: PasswordCheck['user'] = null;
      if (form === 'password') {
        const check = await this.users.checkPasswordOf(user.id, given.password!);
        if (!check.passwordOk) {
          await attempt.failed();
          throw await this.refuse(user, rule, PasswordsErrors.invalid_current_password(), true);
        }
        account = check.user;
      } else {
        const wrong = await this.db.transaction((m) =>
          this.checkCode(m, user, rule.action, given.code),
        );
        // Its counts were committed with the transaction; the attempt goes back uncounted.
        if (wrong) throw wrong;
      }
      const further = rule.further ? await rule.further() : { outcome: 'right' as const };
      if (further.outcome === 'wrong') {
        await attempt.failed();
        throw further.error;
      }
      await attempt.succeeded();
      if (further.outcome === 'refuse') throw further.error;
      return { form, user: account };
    } finally {
      // Settled above when the check ran to an answer; an error gives the place back uncounted.
      await attempt.abandon();
    }
  }

  /**
   * Checks the action's mailed code in the caller's transaction (whose commit keeps a wrong try);
   * the error to answer, or null when it passed or none was given.
   */
  async checkCode(
    m: EntityManager,
    user: AuthUser,
    action: ProvenAction,
    code: string | undefined,
  ): Promise<AppError | null> {
    const purpose = ACTIONS[action].purpose;
    if (code === undefined || !purpose) return null;
    const check = await this.otp.verifyCode(m, { email: user.email, purpose, code });
    return check.ok ? null : check.error;
  }

  /** Which form this account gives for this action, or the refusal of what was given. */
  private async formOf(
    user: AuthUser,
    given: OwnerProofGiven,
    rule: ProofRule,
  ): Promise<ProofForm> {
    const action = ACTIONS[rule.action];
    if (action.withoutPassword === 'nothing') return 'password';
    if (action.withoutPassword === 'code') {
      if ((given.password === undefined) === (given.code === undefined)) {
        const message = [`give password or ${action.codeField} (one of them)`];
        throw await this.refuse(user, rule, CommonErrors.validation_failed({ message }));
      }
    }
    if (await this.users.hasPassword(user.id)) {
      if (given.password === undefined) {
        throw await this.refuse(user, rule, PasswordsErrors.password_required());
      }
      return 'password';
    }
    if (action.withoutPassword === 'code') {
      if (given.code === undefined) throw await this.refuse(user, rule, action.codeRequired!());
      return 'code';
    }
    // A password given to an account without one is checked, and answered as a wrong one.
    return given.password !== undefined ? 'password' : 'session';
  }

  /** A throttled attempt of the address; a refusal (429) is recorded when the caller records. */
  private begin(user: AuthUser, rule: ProofRule): Promise<LoginAttempt> {
    if (!rule.meta) return this.throttle.begin(user.email);
    const entry = { action: rule.action, target: user, actor: user, meta: rule.meta };
    return auditFailures(this.audit, entry, () => this.throttle.begin(user.email));
  }

  /**
   * Records a refusal when the caller records its own (a wrong password names the user as actor
   * and target; a refused request, the address) and returns the error to throw.
   */
  private refuse<E extends AppError>(
    user: AuthUser,
    rule: ProofRule,
    error: E,
    asActor = false,
  ): Promise<E> {
    if (!rule.meta) return Promise.resolve(error);
    const entry = asActor
      ? { action: rule.action, actor: user, target: user, meta: rule.meta }
      : { action: rule.action, email: user.email, meta: rule.meta };
    return auditRefusal(this.audit, entry, error);
  }
}
