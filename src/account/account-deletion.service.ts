import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { AuditService, pseudonymOf } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import type { AuthUser } from '../common/auth-user';
import { ValidationFailedError, type AppError } from '../common/errors';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpService } from '../otp/otp.service';
import { auditFailures } from '../registration/audit-failures';
import type { MessageResponseDto } from '../registration/dto/responses.dto';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { CodeRequiredError, PasswordRequiredError } from './account.errors';
import type { DeleteAccountDto } from './dto/delete-account.dto';

const CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'A code to confirm the deletion is on its way to your address.',
};

/**
 * DELETE /me: after the password (or, for an account without one, a mailed code), in one
 * transaction: every session ends (they go with the row), the row is deleted so the address can
 * sign up again, and the audit history keeps the user's id with the address replaced by
 * `deleted-user-<id>`. The last active root cannot delete itself.
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
  async sendCode(user: AuthUser, req: Request): Promise<MessageResponseDto> {
    const entry = { action: 'account_delete_code', email: user.email, request: req };
    return auditFailures(this.audit, entry, async () => {
      if (await this.users.hasPassword(user.id)) throw new PasswordRequiredError();
      await this.otp.throttleMail(user.email);
      await this.db.transaction(async (m) => {
        await this.accountMail.sendDeleteCode(m, user);
        await this.audit.record(
          {
            action: 'account_delete_code',
            outcome: 'success',
            actor: user,
            target: user,
            request: req,
          },
          m,
        );
      });
      return CODE_ON_ITS_WAY;
    });
  }

  async delete(user: AuthUser, dto: DeleteAccountDto, req: Request): Promise<void> {
    if ((dto.password === undefined) === (dto.code === undefined)) {
      throw new ValidationFailedError(['give password or code, not both']);
    }
    const hasPassword = await this.users.hasPassword(user.id);
    const entry = { action: 'account_delete', email: user.email, request: req };
    if (hasPassword && dto.password === undefined) {
      return auditFailures(this.audit, entry, () => Promise.reject(new PasswordRequiredError()));
    }
    if (!hasPassword && dto.code === undefined) {
      return auditFailures(this.audit, entry, () => Promise.reject(new CodeRequiredError()));
    }
    if (dto.password !== undefined) {
      await this.auth.verifyCurrentPassword(user, dto.password, 'account_delete', req);
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
        // Counted first: the rows go with the user (ON DELETE CASCADE), and with them every token.
        const sessionsEnded = await this.sessions.revokeAllForUser(user.id, { manager: m });
        const deleted = await this.users.deleteAccount(user.id, m);
        const pseudonymised = await this.audit.pseudonymiseUser(m, user.id, deleted.email);
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
            request: req,
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
