import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import type { AuthUser } from '../common/auth-user';
import type { AppError } from '../common/errors';
import { AccountMailService } from '../otp/account-mail.service';
import { InvalidCodeError, InvalidLinkError } from '../otp/otp.errors';
import { OtpCheck, OtpService } from '../otp/otp.service';
import { auditFailures } from '../registration/audit-failures';
import type { MessageResponseDto } from '../registration/dto/responses.dto';
import { UsersService } from '../users/users.service';
import { SameEmailError } from './account.errors';
import type { ChangeEmailDto } from './dto/email-change.dto';
import { MeDto } from './dto/me.dto';

/** The same answer whether the new address is free or another account's. */
const CHECK_NEW_ADDRESS: MessageResponseDto = {
  message:
    'If the new address can receive mail, a code and a link to confirm it are on their way; ' +
    'until then the account keeps its address.',
};

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
    private readonly auth: AuthService,
    private readonly otp: OtpService,
    private readonly accountMail: AccountMailService,
    private readonly audit: AuditService,
  ) {}

  async request(user: AuthUser, dto: ChangeEmailDto, req: Request): Promise<MessageResponseDto> {
    const newEmail = dto.email;
    if (newEmail === user.email) throw new SameEmailError();
    await this.auth.verifyCurrentPassword(user, dto.password, 'email_change_request', req);
    const entry = { action: 'email_change_request', email: user.email, request: req };
    return auditFailures(this.audit, entry, async () => {
      await this.otp.throttleMail(newEmail);
      await this.db.transaction(async (m) => {
        const owner = await this.users.findByEmail(newEmail, m);
        if (owner) {
          // An earlier pending change ends either way, so nothing tells the two cases apart.
          await this.otp.cancelForUser(m, user.id, 'email_change');
          await this.accountMail.sendEmailInUse(m, newEmail);
          await this.accountMail.sendEmailChangeNotice(m, user.email, newEmail, 'requested');
        } else {
          await this.accountMail.sendEmailChangeRequest(m, user, newEmail);
        }
        // The same record in both cases: the user's own export shows it.
        await this.audit.record(
          {
            action: 'email_change_request',
            outcome: 'success',
            actor: user,
            target: user,
            request: req,
          },
          m,
        );
      });
      return CHECK_NEW_ADDRESS;
    });
  }

  /** POST /me/email/confirm: the code mailed to the new address, by the signed-in user. */
  async confirmByCode(user: AuthUser, code: string, req: Request): Promise<MeDto> {
    const entry = { action: 'email_change', email: user.email, request: req };
    return auditFailures(this.audit, entry, async () => {
      const result = await this.applying(
        new InvalidCodeError(),
        async (m) => {
          const pending = await this.otp.pendingAddress(m, user.id, 'email_change');
          if (!pending) return { ok: false, error: new InvalidCodeError() };
          return this.otp.verifyCode(m, { email: pending, purpose: 'email_change', code });
        },
        req,
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
  async confirmByLink(token: string, req: Request): Promise<MeDto> {
    const entry = { action: 'email_change', request: req };
    return auditFailures(this.audit, entry, async () => {
      const result = await this.applying(
        new InvalidLinkError(),
        (m) => this.otp.consumeLink(m, token, 'email_change'),
        req,
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
    req: Request,
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
        const moved = await this.users.moveToConfirmedEmail(user.id, newEmail, m);
        // Codes and links sent to the old address (confirmation, reset, sign-in) end here.
        await this.otp.cancelForUser(m, user.id);
        await this.accountMail.sendEmailChangeNotice(m, oldEmail, newEmail, 'done');
        await this.audit.record(
          {
            action: 'email_change',
            outcome: 'success',
            actor: { id: user.id, email: oldEmail },
            target: { id: user.id, email: newEmail },
            details: { via },
            request: req,
          },
          m,
        );
        return { ok: true, user: MeDto.fromUser(moved) };
      });
    } catch (e) {
      // Another account took the address between the check and the update: nothing changed.
      if (e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === '23505') {
        return { ok: false, error: invalid };
      }
      throw e;
    }
  }
}
