import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { auditFailures } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import type { RequestMeta } from '../common/request-meta';
import { authConfig, AuthConfig } from '../config/config';
import { MailCatalog } from '../mail/mail-catalog';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpService } from '../otp/otp.service';
import type { MessageResponseDto } from '../common/dto/message-response.dto';
import { isBlocked } from '../common/user-status';
import type { PasswordCheck } from '../users/users.service';
import { UsersService } from '../users/users.service';
import { LoginResult, SignInService } from './sign-in.service';
import type { LoginCodeVerifyDto } from './dto/login-code.dto';
import { AuthErrors } from './auth.errors';
import { OtpErrors } from '../otp/otp.errors';

/** One answer for every address: known, unknown, blocked or unconfirmed. */
const CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'If the address has an account, a sign-in code is on its way.',
};

/**
 * Sign-in by a 6-digit code mailed to the address (passwordless), on the codes of otp/: purpose
 * `login`, five tries per code, the per-address failure lock, the mail cooldown and hourly cap.
 * Known and unknown addresses get the same answer and the same work (for an address that gets no
 * mail, unknown or blocked, the code and mail are rehearsed and undone). A right code proves the
 * mailbox, so an unconfirmed address becomes confirmed. It ends where the password login does
 * (`SignInService.afterFirstFactor`), under the same race guard, and so gets the second step
 * for a user with a second factor.
 */
@Injectable()
export class LoginCodeService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly catalog: MailCatalog,
    private readonly signIn: SignInService,
    private readonly audit: AuditService,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  async requestCode(email: string, meta: RequestMeta): Promise<MessageResponseDto> {
    return auditFailures(this.audit, { action: 'login_code_request', email, meta }, async () => {
      if (!this.cfg.loginCodeEnabled) throw AuthErrors.login_code_disabled();
      await this.otp.throttleMail(email);
      await this.db.transaction(async (m) => {
        const user = await this.users.findByEmail(email, m);
        const recipient = user && !isBlocked(user) ? user : null;
        if (recipient) await this.accountMail.sendLoginCode(m, recipient);
        else {
          await this.accountMail.rehearse(m, () =>
            // Rolled back: the locale only has to be one that renders, as a real mail's would.
            this.accountMail.sendLoginCode(m, {
              id: null,
              email,
              locale: this.catalog.resolve({}),
            }),
          );
        }
        await this.audit.record(
          {
            action: 'login_code_request',
            outcome: 'success',
            target: { id: user?.id ?? null, email },
            details: { sent: !!recipient },
            meta,
          },
          m,
        );
      });
      return CODE_ON_ITS_WAY;
    });
  }

  async verify(dto: LoginCodeVerifyDto, meta: RequestMeta): Promise<LoginResult> {
    const entry = { action: 'login', email: dto.email, meta, details: { method: 'code' } };
    return auditFailures(this.audit, entry, async () => {
      if (!this.cfg.loginCodeEnabled) throw AuthErrors.login_code_disabled();
      const checked = await this.db.transaction(async (m) => {
        const otp = await this.otp.verifyCode(m, {
          email: dto.email,
          purpose: 'login',
          code: dto.code,
        });
        if (!otp.ok) return otp;
        const check: PasswordCheck = otp.otp.userId
          ? await this.users.checkCodeSignIn(otp.otp.userId, otp.otp.email, m)
          : { user: null, passwordOk: false, needsRehash: false, passwordVersion: '' };
        // Blocked since the code was sent, or the address moved: the code signs in no one.
        if (!check.user || isBlocked(check.user)) {
          return { ok: false as const, error: OtpErrors.invalid_code() };
        }
        return { ok: true as const, check };
      });
      // A failed check's counts were committed with the transaction; now the answer.
      if (!checked.ok) throw checked.error;
      // A user with a second factor gets the mfa_required answer, as after a password.
      const user = checked.check.user!;
      const result = await this.signIn.afterFirstFactor(user, checked.check, {
        method: 'code',
        meta,
        details: user.isConfirmed ? {} : { address_confirmed: true },
      });
      // The user changed (blocked, reset, moved) between the code and the session: no session.
      if (result === 'changed') throw OtpErrors.invalid_code();
      return result;
    });
  }
}
