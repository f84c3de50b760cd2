import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors';
import { auditFailures } from '../registration/audit-failures';
import { authConfig, AuthConfig } from '../config/config';
import { AccountMailService } from '../otp/account-mail.service';
import { InvalidCodeError } from '../otp/otp.errors';
import { OtpService } from '../otp/otp.service';
import type { MessageResponseDto } from '../registration/dto/responses.dto';
import { isBlocked } from '../users/user-status';
import { UsersRepository } from '../users/users.repository';
import { AuthService, LoginResult } from './auth.service';
import type { LoginCodeVerifyDto } from './dto/login-code.dto';

export class LoginCodeDisabledError extends AppError {
  constructor() {
    super(403, 'login_code_disabled', 'Sign-in by emailed code is turned off on this server.');
  }
}

/** One answer for every address: known, unknown, blocked or unconfirmed. */
const CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'If the address has an account, a sign-in code is on its way.',
};

/**
 * Sign-in by a 6-digit code mailed to the address (passwordless), on the codes of otp/: purpose
 * `login`, five tries per code, the per-address failure lock, the mail cooldown and hourly cap.
 * Known and unknown addresses get the same answer and the same work (a code is issued either way;
 * only a real, unblocked account's is mailed). A right code proves the mailbox, so an unconfirmed
 * address becomes confirmed. It ends where the password login does (`completeFirstFactor`).
 */
@Injectable()
export class LoginCodeService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersRepository,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  async requestCode(email: string, req: Request): Promise<MessageResponseDto> {
    return auditFailures(
      this.audit,
      { action: 'login_code_request', email, request: req },
      async () => {
        if (!this.cfg.loginCodeEnabled) throw new LoginCodeDisabledError();
        await this.otp.throttleMail(email);
        await this.db.transaction(async (m) => {
          const user = await this.users.findByEmail(email, m);
          const recipient = user && !isBlocked(user) ? user : null;
          await this.accountMail.sendLoginCode(m, email, recipient);
          await this.audit.record(
            {
              action: 'login_code_request',
              outcome: 'success',
              target: { id: user?.id ?? null, email },
              details: { sent: !!recipient },
              request: req,
            },
            m,
          );
        });
        return CODE_ON_ITS_WAY;
      },
    );
  }

  async verify(dto: LoginCodeVerifyDto, req: Request): Promise<LoginResult> {
    const entry = { action: 'login', email: dto.email, request: req, details: { method: 'code' } };
    return auditFailures(this.audit, entry, async () => {
      if (!this.cfg.loginCodeEnabled) throw new LoginCodeDisabledError();
      const result = await this.db.transaction(async (m) => {
        const check = await this.otp.verifyCode(m, {
          email: dto.email,
          purpose: 'login',
          code: dto.code,
        });
        if (!check.ok) return check;
        const user = check.otp.userId ? await this.users.findById(check.otp.userId, m) : null;
        // Blocked since the code was sent, or the address moved: the code signs in no one.
        if (!user || user.email !== check.otp.email || isBlocked(user)) {
          return { ok: false as const, error: new InvalidCodeError() };
        }
        const confirmed = !user.isConfirmed;
        if (confirmed) await this.users.markConfirmed(user.id, m);
        const login = await this.auth.completeFirstFactor(m, user, 'code', req, {
          details: confirmed ? { address_confirmed: true } : {},
        });
        return { ok: true as const, login };
      });
      // A failed check's counts were committed with the transaction; now the answer.
      if (!result.ok) throw result.error;
      return result.login;
    });
  }
}
