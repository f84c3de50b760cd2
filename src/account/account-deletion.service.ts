import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { auditFailures, auditRefusal } from '../audit/audit-failures';
import { AuditService, pseudonymOf } from '../audit/audit.service';
import { InvalidTokenError } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import type { AuthUser } from '../common/auth-user';
import { ValidationFailedError, type AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpService } from '../otp/otp.service';
import type { MessageResponseDto } from '../registration/dto/responses.dto';
import { SessionsService } from '../sessions/sessions.service';
import { UserNotFoundError } from '../users/users.errors';
import { UsersService } from '../users/users.service';
import { CodeRequiredError, PasswordRequiredError } from './account.errors';
import type { DeleteAccountDto } from './dto/delete-account.dto';

const CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'A code to confirm the deletion is on its way to your address.',
};

/**
 * DELETE /me: after the password (or, for an account without one, a mailed code), in one
 * transaction: every session ends, the row is deleted so the address can sign up again, and the
 * audit history keeps the user's id with the address replaced by `deleted-user-<id>`. The last
 * active root cannot delete itself.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly audit: AuditService,
  ) {}

  /** Mails the code that confirms the deletion of an account without a password. */
  async sendCode(user: AuthUser, meta: RequestMeta): Promise<MessageResponseDto> {
    const entry = { action: 'account_delete_code', email: user.email, meta };
    return auditFailures(this.audit, entry, async () => {
      const account = await this.users.findWithPasswordState(user.email);
      if (!account) throw new UserNotFoundError();
      if (account.hasPassword) throw new PasswordRequiredError();
      await this.otp.throttleMail(user.email);
      await this.db.transaction(async (m) => {
        await this.accountMail.sendDeleteCode(m, account.user);
        await this.audit.record(
          { action: 'account_delete_code', outcome: 'success', actor: user, target: user, meta },
          m,
        );
      });
      return CODE_ON_ITS_WAY;
    });
  }

  async delete(user: AuthUser, dto: DeleteAccountDto, meta: RequestMeta): Promise<void> {
    const entry = { action: 'account_delete', email: user.email, meta };
    const refuse = (e: AppError) => auditRefusal(this.audit, entry, e);
    if ((dto.password === undefined) === (dto.code === undefined)) {
      throw await refuse(new ValidationFailedError(['give password or code (one of them)']));
    }
    // Deleted meanwhile (a parallel DELETE /me): the session this request came with is gone too.
    if (!(await this.users.findById(user.id))) throw new InvalidTokenError();
    const hasPassword = await this.users.hasPassword(user.id);
    if (hasPassword && dto.password === undefined) throw await refuse(new PasswordRequiredError());
    if (!hasPassword && dto.code === undefined) throw await refuse(new CodeRequiredError());
    if (dto.password !== undefined) {
      await this.auth.verifyCurrentPassword(user, dto.password, 'account_delete', meta);
    }
    return auditFailures(this.audit, entry, async () => {
      const failed = await this.db.transaction(async (m): Promise<AppError | null> => {
        if (dto.code !== undefined) {
          const check = await this.otp.verifyCode(m, {
            email: user.email,
            purpose: 'account_delete',
            code: dto.code,
          });
          if (!check.ok) return check.error;
        }
        // The codes first, then the user's row (the order of every code check). With the row
        // locked, no login can open a session before the row is gone.
        await this.otp.cancelForUser(m, user.id);
        const locked = await this.users.lockForDeletion(user.id, m).catch((e: unknown) => {
          throw e instanceof UserNotFoundError ? new InvalidTokenError() : e;
        });
        const sessionsEnded = await this.sessions.revokeAllForUser(user.id, { manager: m });
        await this.users.deleteLocked(user.id, m);
        const pseudonymised = await this.audit.pseudonymiseUser(m, user.id, locked.email);
        const alias = { id: user.id, email: pseudonymOf(user.id) };
        await this.audit.record(
          {
            action: 'account_delete',
            outcome: 'success',
            actor: alias,
            target: alias,
            details: {
              method: dto.code !== undefined ? 'code' : 'password',
              sessions_ended: sessionsEnded,
              audit_records_pseudonymised: pseudonymised,
            },
            meta,
          },
          m,
        );
        return null;
      });
      // A wrong code's counts were committed; now the answer.
      if (failed) throw failed;
    });
  }
}
