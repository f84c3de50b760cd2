import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { appConfig, AppConfig, otpConfig, OtpConfig } from '../config/config';
import { MailService } from '../mail/mail.service';
import { OtpService } from './otp.service';

/** A user the mail is about: only what the mail needs. */
export interface MailUser {
  id: string;
  email: string;
}

/** Reset links live at most an hour, however long LINK_TTL (for confirmations) is. */
const RESET_LINK_MAX_MS = 60 * 60_000;

/**
 * Issues codes and links and writes the mails that carry them to the outbox, all in the caller's
 * transaction: the user row (or change) and its mail commit together or not at all.
 */
@Injectable()
export class AccountMailService {
  constructor(
    private readonly otp: OtpService,
    private readonly mail: MailService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(otpConfig.KEY) private readonly cfg: OtpConfig,
  ) {}

  /** The confirmation mail of a self sign-up (or a resend): a code and a link. */
  async sendConfirmation(manager: EntityManager, user: MailUser): Promise<void> {
    const issued = await this.otp.issue(manager, {
      email: user.email,
      purpose: 'email_confirm',
      userId: user.id,
    });
    await this.mail.enqueue(manager, {
      to: user.email,
      template: 'email-confirm',
      context: {
        code: issued.code,
        link: this.verifyLink(issued.token),
        codeMinutes: this.minutes(this.cfg.otpTtlMs),
        linkHours: Math.max(1, Math.round(this.cfg.linkTtlMs / 3_600_000)),
      },
    });
  }

  /**
   * The confirmation mail of a user an admin created (POST /users/add), in the admin's
   * transaction. With `setPassword` (the admin gave no password) the code or link also lets the
   * user choose a password: POST /register/confirm and POST /users/verify then require `password`.
   */
  async sendInvitation(
    manager: EntityManager,
    user: MailUser,
    opts: { setPassword: boolean },
  ): Promise<void> {
    const issued = await this.otp.issue(manager, {
      email: user.email,
      purpose: 'email_confirm',
      userId: user.id,
      payload: opts.setPassword ? { set_password: true } : undefined,
    });
    await this.mail.enqueue(manager, {
      to: user.email,
      template: 'account-invite',
      context: {
        code: issued.code,
        link: this.verifyLink(issued.token),
        codeMinutes: this.minutes(this.cfg.otpTtlMs),
        linkHours: Math.max(1, Math.round(this.cfg.linkTtlMs / 3_600_000)),
        setPassword: opts.setPassword,
      },
    });
  }

  /** A code and link to choose a new password. */
  async sendPasswordReset(manager: EntityManager, user: MailUser): Promise<void> {
    const linkTtlMs = Math.min(this.cfg.linkTtlMs, RESET_LINK_MAX_MS);
    const issued = await this.otp.issue(manager, {
      email: user.email,
      purpose: 'password_reset',
      userId: user.id,
      linkTtlMs,
    });
    await this.mail.enqueue(manager, {
      to: user.email,
      template: 'password-reset',
      context: {
        code: issued.code,
        link: `${this.app.publicUrl}/password/reset?token=${issued.token}`,
        codeMinutes: this.minutes(this.cfg.otpTtlMs),
        linkMinutes: this.minutes(linkTtlMs),
      },
    });
  }

  /**
   * The confirmation of an unconfirmed address: a plain one, or, for a user who has no password
   * yet (invited by an admin), an invitation whose code or link also sets it.
   */
  async sendAddressConfirmation(
    manager: EntityManager,
    user: MailUser,
    hasPassword: boolean,
  ): Promise<void> {
    if (hasPassword) await this.sendConfirmation(manager, user);
    else await this.sendInvitation(manager, user, { setPassword: true });
  }

  /**
   * An admin changed a user's email: the new address gets a confirmation (code and link), the old
   * one a notice, both in the admin's transaction.
   */
  async sendEmailChange(
    manager: EntityManager,
    user: MailUser,
    oldEmail: string,
    hasPassword: boolean,
  ): Promise<void> {
    await this.sendAddressConfirmation(manager, user, hasPassword);
    await this.mail.enqueue(manager, {
      to: oldEmail,
      template: 'email-changed',
      context: { newEmail: user.email },
    });
  }

  /**
   * A sign-in code for the address. Issued for every address, with or without an account, so the
   * request does the same work; `user` null (unknown or blocked) issues a code nobody receives.
   */
  async sendLoginCode(manager: EntityManager, email: string, user: MailUser | null): Promise<void> {
    await this.sendCodeOnly(manager, email, user?.id ?? null, 'login', user ? 'login-code' : null);
  }

  /** The code that confirms deleting an account that has no password. */
  async sendDeleteCode(manager: EntityManager, user: MailUser): Promise<void> {
    await this.sendCodeOnly(manager, user.email, user.id, 'account_delete', 'account-delete-code');
  }

  /**
   * The user asked to change their address: a code and a link to the new one (they live as long as
   * the code, and so does the pending change), a notice to the old one.
   */
  async sendEmailChangeRequest(
    manager: EntityManager,
    user: MailUser,
    newEmail: string,
  ): Promise<void> {
    await this.otp.cancelForUser(manager, user.id, 'email_change');
    const issued = await this.otp.issue(manager, {
      email: newEmail,
      purpose: 'email_change',
      userId: user.id,
      linkTtlMs: this.cfg.otpTtlMs,
    });
    await this.mail.enqueue(manager, {
      to: newEmail,
      template: 'email-change-confirm',
      context: {
        code: issued.code,
        link: `${this.app.publicUrl}/me/email/verify?token=${issued.token}`,
        codeMinutes: this.minutes(this.cfg.otpTtlMs),
      },
    });
    await this.sendEmailChangeNotice(manager, user.email, newEmail, 'requested');
  }

  /**
   * Tells the old address of a change: `requested` (also alone, when the new address is another
   * account's, so the requester learns nothing), or `done` once the new address is confirmed.
   */
  async sendEmailChangeNotice(
    manager: EntityManager,
    oldEmail: string,
    newEmail: string,
    stage: 'requested' | 'done',
  ): Promise<void> {
    await this.mail.enqueue(manager, {
      to: oldEmail,
      template: stage === 'done' ? 'email-change-done' : 'email-change-requested',
      context: { newEmail },
    });
  }

  /** Another account asked to take this address: its owner hears of it, nothing else happens. */
  async sendEmailInUse(manager: EntityManager, email: string): Promise<void> {
    await this.mail.enqueue(manager, { to: email, template: 'email-in-use', context: {} });
  }

  /** A code without a link; mailed with `template`, or to no one when it is null. */
  private async sendCodeOnly(
    manager: EntityManager,
    email: string,
    userId: string | null,
    purpose: 'login' | 'account_delete',
    template: 'login-code' | 'account-delete-code' | null,
  ): Promise<void> {
    const issued = await this.otp.issue(manager, { email, purpose, userId, link: false });
    if (!template) return;
    await this.mail.enqueue(manager, {
      to: email,
      template,
      context: { code: issued.code, codeMinutes: this.minutes(this.cfg.otpTtlMs) },
    });
  }

  /** Sign-up with an address that has an account: a notice instead of a code. */
  async sendAccountExists(manager: EntityManager, email: string): Promise<void> {
    await this.mail.enqueue(manager, {
      to: email,
      template: 'account-exists',
      context: {},
    });
  }

  private verifyLink(token: string): string {
    return `${this.app.publicUrl}/users/verify?token=${token}`;
  }

  private minutes(ms: number): number {
    return Math.max(1, Math.round(ms / 60_000));
  }
}
