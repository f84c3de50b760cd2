import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RequestMeta } from '../common/request-meta';
import { AuditService } from '../audit/audit.service';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpService } from '../otp/otp.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { auditFailures } from '../audit/audit-failures';
import type { MessageResponseDto } from '../common/dto/message-response.dto';
import { OtpErrors } from '../otp/otp.errors';

export type SecurePageState = { valid: true; email: string } | { valid: false };

/**
 * "This wasn't me", the link of every security notice. Its page only shows a button (mail
 * scanners follow links); the post ends every session of the user and mails a password reset to
 * the address the notice went to. When that is no longer the account's address (the notice told of
 * an email change), the account goes back to it, so the reset reaches its owner, not the new one.
 */
@Injectable()
export class SecureAccountService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly otp: OtpService,
    private readonly sessions: SessionsService,
    private readonly accountMail: AccountMailService,
    private readonly audit: AuditService,
  ) {}

  async page(token: string): Promise<SecurePageState> {
    const otp = await this.otp.peekLink(token, 'secure_account');
    return otp ? { valid: true, email: otp.email } : { valid: false };
  }

  async secure(token: string, meta: RequestMeta): Promise<MessageResponseDto> {
    return auditFailures(this.audit, { action: 'notice_secure_account', meta }, () =>
      this.db.transaction(async (m) => {
        const check = await this.otp.consumeLink(m, token, 'secure_account');
        if (!check.ok) throw check.error;
        const user = check.otp.userId ? await this.users.findById(check.otp.userId, m) : null;
        if (!user) throw OtpErrors.invalid_link();
        const noticed = check.otp.email;
        let restored = false;
        if (user.email !== noticed && !(await this.users.findByEmail(noticed, m))) {
          // The link proved the old address; the account is its owner's again.
          await this.users.restoreEmail(user.id, noticed, m);
          restored = true;
        }
        const sessionsEnded = await this.sessions.revokeAllForUser(user.id, { manager: m });
        const email = restored ? noticed : user.email;
        await this.accountMail.sendPasswordReset(m, { id: user.id, email, locale: user.locale });
        await this.audit.record(
          {
            action: 'notice_secure_account',
            outcome: 'success',
            actor: { id: user.id, email },
            target: { id: user.id, email },
            details: { sessions_ended: sessionsEnded, email_restored: restored },
            meta,
          },
          m,
        );
        return {
          message:
            'Every session was ended and a mail with a link to choose a new password is on its way.',
        };
      }),
    );
  }
}
