import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { auditFailures, auditRefusal } from '../audit/audit-failures';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../common/auth-user';
import type { AppError } from '../common/errors';
import type { RequestMeta } from '../common/request-meta';
import { isUniqueViolation } from '../database/sql';
import { SecurityNotices } from '../notices/security-notices.service';
import { AccountMailService } from '../otp/account-mail.service';
import { OtpCheck, OtpPurpose, OtpService } from '../otp/otp.service';
import type { MessageResponseDto } from '../common/dto/message-response.dto';
import { UsersService } from '../users/users.service';
import type { ChangeEmailDto } from './dto/email-change.dto';
import { OwnerProof } from '../owner-proof/owner-proof.service';
import { MeDto } from './dto/me.dto';
import { UsersErrors } from '../users/users.errors';
import { OtpErrors } from '../otp/otp.errors';
import { AccountErrors } from './account.errors';

const CODE_ON_ITS_WAY: MessageResponseDto = {
  message: 'A code to confirm the change of address is on its way to your current address.',
};

/** The same answer whether the new address is free or another account's. */
const CHECK_NEW_ADDRESS: MessageResponseDto = {
  message:
    'If the new address can receive mail, a code and a link to confirm it are on their way; ' +
    'until then the account keeps its address.',
};

/**
 * What the old address's codes and links were for; they end when the address moves. The
 * "this wasn't me" links stay: they are how the old address's owner takes the account back.
 */
const ENDS_WITH_OLD_ADDRESS: OtpPurpose[] = [
  'email_confirm',
  'password_reset',
  'login',
  'email_change',
  'email_change_request',
  'account_delete',
];

type Applied = { ok: true; user: MeDto } | { ok: false; error: AppError };

/**
 * The user changes their own address: the current password, then a code and a link to the new
 * address (and a notice to the old one). The address changes only when the new one is proven, and
 * the pending change ends with its code (OTP_TTL). An address that belongs to another account gets
 * the same answer and work from the requester's side, changes nothing, and its owner hears of it.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly notices: SecurityNotices,
    private readonly proof: OwnerProof,
    private readonly audit: AuditService,
  ) {}

  /**
   * POST /me/email-code: mails the code that stands in for the password of PUT /me/email, to the
   * current address, for an account without a password (changing the address needs the password,
   * or a code sent to the address for accounts without one).
   */
  async sendCode(user: AuthUser, meta: RequestMeta): Promise<MessageResponseDto> {
    await this.proof.sendCode(user, 'email_change_request', meta);
    return CODE_ON_ITS_WAY;
  }

  async request(
    user: AuthUser,
    dto: ChangeEmailDto,
    meta: RequestMeta,
  ): Promise<MessageResponseDto> {
    const newEmail = dto.email;
    const entry = { action: 'email_change_request', email: user.email, meta };
    const refuse = (e: AppError) => auditRefusal(this.audit, entry, e);
    if (newEmail === user.email) throw await refuse(AccountErrors.same_email());
    const proven = await this.proof.prove(user, dto, { action: 'email_change_request', meta });
    const account = proven.user ?? (await this.users.findById(user.id));
    if (!account) throw await refuse(UsersErrors.user_not_found());
    const me = { id: user.id, email: user.email, locale: account.locale };
    return auditFailures(this.audit, entry, async () => {
      // A wrong code's try is kept (the transaction commits it), then refused, before any mail
      // is counted; the mail's throttle counts in the transaction that sends it.
      const failed = await this.db.transaction(async (m): Promise<AppError | null> => {
        const wrong = await this.proof.checkCode(m, user, 'email_change_request', dto.code);
        if (wrong) return wrong;
        await this.otp.throttleMail(newEmail, m);
        const owner = await this.users.findByEmail(newEmail, m);
        const send = () => this.accountMail.sendEmailChangeConfirmation(m, me, newEmail);
        if (owner) {
          // The same work as for a free address, undone; an earlier pending change ends either
          // way, so nothing tells the two cases apart from the requester's side.
          await this.accountMail.rehearse(m, send);
          await this.otp.cancelForUser(m, user.id, ['email_change']);
          await this.accountMail.sendEmailInUse(m, owner);
        } else {
          await send();
        }
        await this.notices.emailChangeRequested(m, me, newEmail);
        // The same record in both cases: the user's own export shows it.
        await this.audit.record(
          {
            action: 'email_change_request',
            outcome: 'success',
            actor: user,
            target: user,
            meta,
          },
          m,
        );
        return null;
      });
      if (failed) throw failed;
      return CHECK_NEW_ADDRESS;
    });
  }

  /** POST /me/email/confirm: the code mailed to the new address, by the signed-in user. */
  async confirmByCode(user: AuthUser, code: string, meta: RequestMeta): Promise<MeDto> {
    const entry = { action: 'email_change', email: user.email, meta };
    return auditFailures(this.audit, entry, async () => {
      const result = await this.applying(
        OtpErrors.invalid_code(),
        async (m) => {
          const pending = await this.otp.pendingAddress(m, user.id, 'email_change');
          if (!pending) return { ok: false, error: OtpErrors.invalid_code() };
          return this.otp.verifyCode(m, { email: pending, purpose: 'email_change', code });
        },
        meta,
        'code',
      );
      if (!result.ok) throw result.error;
      return result.user;
    });
  }

  /** What the page of the link shows: the new address, or nothing for a dead link. */
  async linkTarget(token: string): Promise<string | null> {
    return (await this.otp.peekLink(token, 'email_change'))?.email ?? null;
  }

  /** POST /me/email/verify: the link's token proves the new address, from any browser. */
  async confirmByLink(token: string, meta: RequestMeta): Promise<MeDto> {
    return auditFailures(this.audit, { action: 'email_change', meta }, async () => {
      const result = await this.applying(
        OtpErrors.invalid_link(),
        (m) => this.otp.consumeLink(m, token, 'email_change'),
        meta,
        'link',
      );
      if (!result.ok) throw result.error;
      return result.user;
    });
  }

  /**
   * Runs a code or link check and, when right, moves the user to the proven address, in one
   * transaction. A failed check is returned so its counts commit. A user gone, or an address taken
   * meanwhile, is answered like a wrong code (`invalid`), and changes nothing.
   */
  private async applying(
    invalid: AppError,
    check: (m: EntityManager) => Promise<OtpCheck>,
    meta: RequestMeta,
    via: 'code' | 'link',
  ): Promise<Applied> {
    try {
      return await this.db.transaction(async (m): Promise<Applied> => {
        const checked = await check(m);
        if (!checked.ok) return checked;
        const { userId, email: newEmail } = checked.otp;
        const user = userId ? await this.users.findById(userId, m) : null;
        if (!user || (await this.users.findByEmail(newEmail, m))) {
          return { ok: false, error: invalid };
        }
        const oldEmail = user.email;
        // The codes first, then the user's row: the order every code check takes them in.
        await this.otp.cancelForUser(m, user.id, ENDS_WITH_OLD_ADDRESS);
        const moved = await this.users.moveToConfirmedEmail(user.id, newEmail, m);
        await this.notices.emailChanged(m, moved, oldEmail, { confirmed: true });
        await this.audit.record(
          {
            action: 'email_change',
            outcome: 'success',
            actor: { id: user.id, email: oldEmail },
            target: { id: user.id, email: newEmail },
            details: { via },
            meta,
          },
          m,
        );
        return { ok: true, user: MeDto.fromUser(moved) };
      });
    } catch (e) {
      // Another account took the address between the check and the update: nothing changed.
      if (isUniqueViolation(e)) return { ok: false, error: invalid };
      throw e;
    }
  }
}
