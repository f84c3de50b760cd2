import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { appConfig, AppConfig, otpConfig, OtpConfig } from '../config/config';
import { MailService } from '../mail/mail.service';
import { OtpService } from './otp.service';

/** A user the mail is about: only what the mail needs (no id: an address without an account). */
export interface MailUser {
  id: string | null;
  email: string;
  /** The user's locale; the mail is written in it. */
  locale: string;
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
      locale: user.locale,
      expiresAt: issued.linkExpiresAt,
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
      locale: user.locale,
      expiresAt: issued.linkExpiresAt,
      context: {
        code: issued.code,
        link: this.verifyLink(issued.token),
        codeMinutes: this.minutes(this.cfg.otpTtlMs),
        linkHours: Math.max(1, Math.round(this.cfg.linkTtlMs / 3_600_000)),
        setPassword: opts.setPassword,
      },
    });
  }

  /**
   * Does the work of `send` (codes issued, mail sealed and queued) inside a savepoint and undoes
   * it: for an address that gets no mail, so that the request costs what it costs for one that
   * does, and its time does not tell whether an account exists.
   */
  async rehearse(manager: EntityManager, send: () => Promise<void>): Promise<void> {
    await manager.query('SAVEPOINT rehearsal');
    try {
      await send();
    } finally {
      await manager.query('ROLLBACK TO SAVEPOINT rehearsal');
    }
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
      locale: user.locale,
      expiresAt: issued.linkExpiresAt,
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
   * A sign-in code for the address. Issued for every address, with or without an account, so the
   * request does the same work; `user` null (unknown or blocked) gets the same work rehearsed and
   * undone (no code, no mail), as `rehearse` says.
   */
  async sendLoginCode(manager: EntityManager, user: MailUser): Promise<void> {
    await this.sendCodeOnly(manager, user, 'login', 'login-code');
  }

  /** The code that confirms deleting an account that has no password. */
  async sendDeleteCode(manager: EntityManager, user: MailUser): Promise<void> {
    await this.sendCodeOnly(manager, user, 'account_delete', 'account-delete-code');
  }

  /** The code that confirms an address change (PUT /me/email) of an account that has no password. */
  async sendEmailChangeCode(manager: EntityManager, user: MailUser): Promise<void> {
    await this.sendCodeOnly(manager, user, 'email_change_request', 'email-change-code');
  }

  /** The code that confirms a second-factor change of an account that has no password. */
  async sendMfaCode(manager: EntityManager, user: MailUser): Promise<void> {
    await this.sendCodeOnly(manager, user, 'mfa', 'mfa-code');
  }

  /**
   * The user asked to move to `newEmail`: a code and a link to it, both living OTP_TTL (the
   * pending change lives as long). An earlier pending change of the user ends here: its codes are
   * locked by user, in id order, before the new address's (lockOutstanding) are.
   */
  async sendEmailChangeConfirmation(
    manager: EntityManager,
    user: MailUser & { id: string },
    newEmail: string,
  ): Promise<void> {
    await this.otp.cancelForUser(manager, user.id, ['email_change']);
    const issued = await this.otp.issue(manager, {
      email: newEmail,
      purpose: 'email_change',
      userId: user.id,
      linkTtlMs: this.cfg.otpTtlMs,
    });
    await this.mail.enqueue(manager, {
      to: newEmail,
      template: 'email-change-confirm',
      locale: user.locale,
      expiresAt: issued.linkExpiresAt,
      context: {
        code: issued.code,
        link: `${this.app.publicUrl}/me/email/verify?token=${issued.token}`,
        codeMinutes: this.minutes(this.cfg.otpTtlMs),
      },
    });
  }

  /** Another account asked to move to this address: its owner hears of it, nothing else happens. */
  async sendEmailInUse(manager: EntityManager, owner: MailUser): Promise<void> {
    await this.mail.enqueue(manager, {
      to: owner.email,
      template: 'email-in-use',
      locale: owner.locale,
      context: {},
    });
  }

  /** A code without a link. */
  private async sendCodeOnly(
    manager: EntityManager,
    user: MailUser,
    purpose: 'login' | 'account_delete' | 'mfa' | 'email_change_request',
    template: 'login-code' | 'account-delete-code' | 'mfa-code' | 'email-change-code',
  ): Promise<void> {
    const issued = await this.otp.issue(manager, {
      email: user.email,
      purpose,
      userId: user.id,
      link: false,
    });
    await this.mail.enqueue(manager, {
      to: user.email,
      template,
      locale: user.locale,
      expiresAt: issued.codeExpiresAt,
      context: { code: issued.code, codeMinutes: this.minutes(this.cfg.otpTtlMs) },
    });
  }

  /** Sign-up with an address that has an account: a notice instead of a code. */
  async sendAccountExists(manager: EntityManager, user: MailUser): Promise<void> {
    await this.mail.enqueue(manager, {
      to: user.email,
      template: 'account-exists',
      locale: user.locale,
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
