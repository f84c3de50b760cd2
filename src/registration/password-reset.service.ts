import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RequestMeta } from '../common/request-meta';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PasswordPolicy } from '../passwords/password-policy';
import { LoginThrottle } from '../login-throttle/login-throttle';
import { PasswordService } from '../passwords/password.service';
import { CommonErrors, type AppError } from '../common/errors';
import { SecurityNotices } from '../notices/security-notices.service';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpCheck, OtpService } from '../otp/otp.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { auditFailures } from '../audit/audit-failures';
import { MAIL_ON_ITS_WAY } from './dto/responses.dto';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import type { ResetPasswordDto } from './dto/reset-password.dto';
import { OtpErrors } from '../otp/otp.errors';

export type ResetPageState = { valid: true; email: string } | { valid: false };

/** Forgot password and reset by code or link. */
@Injectable()
export class PasswordResetService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly policy: PasswordPolicy,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly loginThrottle: LoginThrottle,
    private readonly notices: SecurityNotices,
  ) {}

  /** A reset mail for an account; the same answer and the same cooldown for an unknown address. */
  async forgot(email: string, meta: RequestMeta): Promise<MessageResponseDto> {
    return auditFailures(this.audit, { action: 'password_forgot', email, meta }, async () => {
      await this.otp.throttleMail(email);
      await this.db.transaction(async (m) => {
        const user = await this.users.findByEmail(email, m);
        if (user) await this.accountMail.sendPasswordReset(m, user);
        else {
          await this.accountMail.rehearse(m, () =>
            // Rolled back: the locale only has to be one that renders, as a real mail's would.
            this.accountMail.sendPasswordReset(m, { id: null, email, locale: 'en' }),
          );
        }
        await this.audit.record(
          {
            action: 'password_forgot',
            outcome: 'success',
            target: { id: user?.id ?? null, email },
            details: { sent: !!user },
            meta,
          },
          m,
        );
      });
      return MAIL_ON_ITS_WAY;
    });
  }

  async resetPage(token: string): Promise<ResetPageState> {
    const otp = await this.otp.peekLink(token, 'password_reset');
    return otp ? { valid: true, email: otp.email } : { valid: false };
  }

  /**
   * Sets the new password by code or link. In one transaction: the code is used up, the password
   * set (which also confirms the address: the mail reached it), every session of the user ended
   * and the login throttle cleared.
   */
  async reset(dto: ResetPasswordDto, meta: RequestMeta): Promise<MessageResponseDto> {
    return auditFailures(
      this.audit,
      { action: 'password_reset', email: dto.email, meta },
      async () => {
        const byCode = dto.email !== undefined && dto.code !== undefined;
        if (
          byCode === (dto.token !== undefined) ||
          (!byCode && (dto.email ?? dto.code) !== undefined)
        ) {
          throw CommonErrors.validation_failed({
            message: ['send either email and code, or token'],
          });
        }
        let email: string;
        if (byCode) {
          email = dto.email!;
          await this.otp.assertNotLocked(email);
        } else {
          const otp = await this.otp.peekLink(dto.token!, 'password_reset');
          if (!otp) throw OtpErrors.invalid_link();
          email = otp.email;
        }
        this.policy.check(dto.new_password, email);
        // Hashed before the transaction: bcrypt must not hold the (embedded) database.
        const passwordHash = await this.passwords.hash(dto.new_password);
        const outcome = await this.db.transaction(async (m) => {
          const check = byCode
            ? await this.otp.verifyCode(m, { email, purpose: 'password_reset', code: dto.code! })
            : await this.otp.consumeLink(m, dto.token!, 'password_reset');
          return this.apply(
            m,
            check,
            passwordHash,
            byCode ? OtpErrors.invalid_code() : OtpErrors.invalid_link(),
            meta,
          );
        });
        if (!outcome.ok) throw outcome.error;
        return {
          message:
            'Your password was changed and every session ended. Log in with the new password.',
        };
      },
    );
  }

  private async apply(
    m: EntityManager,
    check: OtpCheck,
    passwordHash: string,
    invalid: AppError,
    meta: RequestMeta,
  ): Promise<OtpCheck> {
    if (!check.ok) return check;
    const user = check.otp.userId ? await this.users.findById(check.otp.userId, m) : null;
    if (!user || user.email !== check.otp.email) return { ok: false, error: invalid };
    await this.users.setPasswordAndConfirm(user.id, passwordHash, m);
    await this.sessions.revokeAllForUser(user.id, { manager: m });
    await this.loginThrottle.succeeded(user.email, m);
    await this.notices.passwordReset(m, user);
    await this.audit.record(
      {
        action: 'password_reset',
        outcome: 'success',
        target: { id: user.id, email: user.email },
        meta,
      },
      m,
    );
    return check;
  }
}
