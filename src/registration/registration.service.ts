import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RequestMeta } from '../common/request-meta';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PasswordPolicy } from '../passwords/password-policy';
import { PasswordService } from '../passwords/password.service';
import type { AppError } from '../common/errors';
import { authConfig, AuthConfig } from '../config/config';
import { isUniqueViolation } from '../database/sql';
import { MailCatalog } from '../mail/mail-catalog';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpCheck, OtpService, VerifiedOtp } from '../otp/otp.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import type { UserAccount } from '../users/user-account';
import { UsersService } from '../users/users.service';
import { auditFailures } from '../audit/audit-failures';
import type { ConfirmCodeDto } from './dto/confirm-code.dto';
import type { RegisterDto } from './dto/register.dto';
import { MAIL_ON_ITS_WAY, VerifyResultDto } from './dto/responses.dto';
import { MessageResponseDto } from '../common/dto/message-response.dto';
import type { VerifyLinkDto } from './dto/verify-link.dto';
import { OtpErrors } from '../otp/otp.errors';
import { RegistrationErrors } from './registration.errors';

export type VerifyPageState =
  { valid: true; email: string; setPassword: boolean } | { valid: false };

type Confirmed = { ok: true; user: UserAccount } | { ok: false; error: AppError };

/** Self sign-up and email confirmation (by code or by link). */
@Injectable()
export class RegistrationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly policy: PasswordPolicy,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly catalog: MailCatalog,
    private readonly audit: AuditService,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
  ) {}

  /**
   * Creates an unconfirmed user and its confirmation mail in one transaction; an address that has
   * an account gets a notice instead. The same work (a bcrypt hash) and the same 202 either way.
   */
  async register(
    dto: RegisterDto,
    meta: RequestMeta,
    acceptLanguage?: string,
  ): Promise<MessageResponseDto> {
    return auditFailures(this.audit, { action: 'register', email: dto.email, meta }, async () => {
      if (!this.auth.signupEnabled) throw RegistrationErrors.signup_disabled();
      this.policy.check(dto.password, dto.email);
      await this.otp.throttleMail(dto.email);
      const passwordHash = await this.passwords.hash(dto.password);
      try {
        await this.db.transaction(async (m) => {
          const existing = await this.users.findByEmail(dto.email, m);
          let createdId: string | null = null;
          if (existing) {
            await this.accountMail.sendAccountExists(m, existing);
          } else {
            const user = await this.users.create(
              {
                email: dto.email,
                name: dto.name ?? null,
                surname: dto.surname ?? null,
                passwordHash,
                // Unsaid: the language the browser asks for, as the account pages do.
                locale: dto.locale ?? this.catalog.resolve({ acceptLanguage }),
              },
              m,
            );
            await this.accountMail.sendConfirmation(m, user);
            createdId = user.id;
          }
          await this.audit.record(
            {
              action: 'register',
              outcome: 'success',
              target: { id: existing?.id ?? createdId, email: dto.email },
              details: existing ? { account_exists: true } : {},
              meta,
            },
            m,
          );
        });
      } catch (e) {
        // A concurrent sign-up of the same address won the unique index: same answer as "exists".
        if (!isUniqueViolation(e)) throw e;
      }
      return MAIL_ON_ITS_WAY;
    });
  }

  /** A new code and link for an unconfirmed account; nothing for others, with the same answer. */
  async resend(email: string, meta: RequestMeta): Promise<MessageResponseDto> {
    return auditFailures(this.audit, { action: 'register_resend', email, meta }, async () => {
      await this.otp.throttleMail(email);
      await this.db.transaction(async (m) => {
        const found = await this.users.findWithPasswordState(email, m);
        const user = found?.user;
        const sent = !!user && !user.isConfirmed;
        if (found && sent) {
          await this.accountMail.sendAddressConfirmation(m, found.user, found.hasPassword);
        } else {
          await this.accountMail.rehearse(m, () =>
            this.accountMail.sendConfirmation(m, {
              id: null,
              email,
              locale: this.catalog.resolve({}),
            }),
          );
        }
        await this.audit.record(
          {
            action: 'register_resend',
            outcome: 'success',
            target: { id: user?.id ?? null, email },
            details: { sent },
            meta,
          },
          m,
        );
      });
      return MAIL_ON_ITS_WAY;
    });
  }

  async confirmByCode(dto: ConfirmCodeDto, meta: RequestMeta): Promise<UserResponseDto> {
    return auditFailures(
      this.audit,
      { action: 'email_confirm', email: dto.email, meta },
      async () => {
        const passwordHash = await this.newPasswordHash(dto.password, dto.email);
        const result = await this.db.transaction((m) =>
          this.otp
            .verifyCode(m, { email: dto.email, purpose: 'email_confirm', code: dto.code })
            .then((check) =>
              this.confirm(m, check, passwordHash, OtpErrors.invalid_code(), meta, 'code'),
            ),
        );
        if (!result.ok) throw result.error;
        return UserResponseDto.from(result.user);
      },
    );
  }

  /** What the page of a confirmation link shows; it never confirms (mail scanners follow links). */
  async verifyPage(token: string): Promise<VerifyPageState> {
    const otp = await this.otp.peekLink(token, 'email_confirm');
    return otp
      ? { valid: true, email: otp.email, setPassword: setsPassword(otp) }
      : { valid: false };
  }

  async confirmByLink(dto: VerifyLinkDto, meta: RequestMeta): Promise<VerifyResultDto> {
    return auditFailures(this.audit, { action: 'email_confirm', meta }, async () => {
      let passwordHash: string | null = null;
      if (dto.password !== undefined) {
        const otp = await this.otp.peekLink(dto.token, 'email_confirm');
        if (!otp) throw OtpErrors.invalid_link();
        passwordHash = await this.newPasswordHash(dto.password, otp.email);
      }
      const result = await this.db.transaction((m) =>
        this.otp
          .consumeLink(m, dto.token, 'email_confirm')
          .then((check) =>
            this.confirm(m, check, passwordHash, OtpErrors.invalid_link(), meta, 'link'),
          ),
      );
      if (!result.ok) throw result.error;
      return {
        email: result.user.email,
        is_confirmed: result.user.isConfirmed,
        is_active: result.user.isActive,
      };
    });
  }

  private async newPasswordHash(
    password: string | undefined,
    email: string,
  ): Promise<string | null> {
    if (password === undefined) return null;
    this.policy.check(password, email);
    return this.passwords.hash(password);
  }

  /**
   * After a code or link check, in its transaction: confirms the user (and sets the password of an
   * invited one). A failed check is returned, so its counts commit; a misuse of the password field
   * throws, so the used-up code is rolled back and stays usable.
   */
  private async confirm(
    m: EntityManager,
    check: OtpCheck,
    passwordHash: string | null,
    invalid: AppError,
    meta: RequestMeta,
    via: 'code' | 'link',
  ): Promise<Confirmed> {
    if (!check.ok) return check;
    const user = check.otp.userId ? await this.users.findById(check.otp.userId, m) : null;
    // The address changed since the mail was sent: the code proved the old one only.
    if (!user || user.email !== check.otp.email) return { ok: false, error: invalid };
    const setPassword = setsPassword(check.otp);
    if (setPassword && !passwordHash) throw RegistrationErrors.choose_password();
    if (!setPassword && passwordHash) throw RegistrationErrors.password_not_allowed();
    if (passwordHash) await this.users.setPasswordAndConfirm(user.id, passwordHash, m);
    else await this.users.markConfirmed(user.id, m);
    await this.audit.record(
      {
        action: 'email_confirm',
        outcome: 'success',
        target: { id: user.id, email: user.email },
        details: { via, password_set: !!passwordHash },
        meta,
      },
      m,
    );
    return { ok: true, user: (await this.users.findById(user.id, m))! };
  }
}

function setsPassword(otp: VerifiedOtp): boolean {
  return otp.payload.set_password === true;
}
