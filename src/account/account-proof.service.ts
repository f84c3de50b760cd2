import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { auditFailures, auditRefusal, type FailureEntry } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import { CommonErrors, type AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpService } from '../otp/otp.service';
import type { UserAccount } from '../users/user-account';
import { UsersService } from '../users/users.service';
import { UsersErrors } from '../users/users.errors';
import { AccountErrors } from './account.errors';
import { PasswordsErrors } from '../passwords/passwords.errors';

/** The actions of the account's own that take a proof, and the code that stands in for a password. */
export type ProvenAction = 'account_delete' | 'email_change_request';

const CODES: Record<
  ProvenAction,
  {
    /** The audit action of mailing the code, and the route that does it. */
    audit: string;
    route: string;
    mail: (mail: AccountMailService, m: EntityManager, user: UserAccount) => Promise<void>;
  }
> = {
  account_delete: {
    audit: 'account_delete_code',
    route: 'POST /me/delete-code',
    mail: (mail, m, user) => mail.sendDeleteCode(m, user),
  },
  email_change_request: {
    audit: 'email_change_code',
    route: 'POST /me/email-code',
    mail: (mail, m, user) => mail.sendEmailChangeCode(m, user),
  },
};

/**
 * Deleting the account or changing its address needs the current password, or a
 * code sent to the address for accounts without one. One place for which proof an action takes,
 * mailing its code, and checking that code in the action's transaction.
 */
@Injectable()
export class AccountProof {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly audit: AuditService,
  ) {}

  /** Mails the action's code to an account without a password (one per RESEND_COOLDOWN). */
  sendCode(user: AuthUser, meta: RequestMeta, action: ProvenAction): Promise<void> {
    const code = CODES[action];
    return auditFailures(this.audit, { action: code.audit, email: user.email, meta }, async () => {
      const account = await this.users.findWithPasswordState(user.email);
      if (!account) throw UsersErrors.user_not_found();
      if (account.hasPassword) throw PasswordsErrors.password_required();
      await this.otp.throttleMail(user.email);
      await this.db.transaction(async (m) => {
        await code.mail(this.accountMail, m, account.user);
        await this.audit.record(
          { action: code.audit, outcome: 'success', actor: user, target: user, meta },
          m,
        );
      });
    });
  }

  /** Exactly one of password and code, and the one this account takes (refusals audited as `entry`). */
  async require(
    user: AuthUser,
    dto: { password?: string; code?: string },
    entry: FailureEntry,
    action: ProvenAction,
  ): Promise<void> {
    const refuse = (e: AppError) => auditRefusal(this.audit, entry, e);
    if ((dto.password === undefined) === (dto.code === undefined)) {
      throw await refuse(
        CommonErrors.validation_failed({ message: ['give password or code (one of them)'] }),
      );
    }
    const hasPassword = await this.users.hasPassword(user.id);
    if (hasPassword && dto.password === undefined)
      throw await refuse(PasswordsErrors.password_required());
    if (!hasPassword && dto.code === undefined) {
      throw await refuse(AccountErrors.code_required({ message: CODES[action].route }));
    }
  }

  /**
   * Checks the action's mailed code in the action's transaction (whose commit keeps a wrong try);
   * the error to answer, or null when it passed or none was given.
   */
  async checkCode(
    m: EntityManager,
    user: AuthUser,
    action: ProvenAction,
    code: string | undefined,
  ): Promise<AppError | null> {
    if (code === undefined) return null;
    const check = await this.otp.verifyCode(m, { email: user.email, purpose: action, code });
    return check.ok ? null : check.error;
  }
}
