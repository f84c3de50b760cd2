import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { appConfig, AppConfig, mailConfig, MailConfig } from '../config/config';
import type { MailTemplate, MailTemplates, NoticeVars } from '../mail/mail-templates';
import { MailService } from '../mail/mail.service';
import type { MailUser as AnyMailUser } from '../otp/account-mail.service';

/** Notices are about an account, so they always have its id. */
type MailUser = AnyMailUser & { id: string };
import { OtpService } from '../otp/otp.service';
import { deviceOf } from './device';
import { UserDevicesRepository } from './user-devices.repository';

/** A device unseen for this long counts as new again. */
export const DEVICE_MEMORY_MS = 30 * 24 * 60 * 60_000;

/** The "this wasn't me" link works this long: notices are often read days later. */
export const SECURE_LINK_TTL_MS = 7 * 24 * 60 * 60_000;

type NoticeTemplate = {
  [T in MailTemplate]: MailTemplates[T] extends NoticeVars ? T : never;
}[MailTemplate];

/**
 * Security notices (SECURITY_NOTICES): mails that tell a user that their account was signed in to
 * from a new device or changed, each with a "this wasn't me" link (GET /account/secure). Every
 * method writes to the outbox in the caller's transaction, so the notice exists exactly when the
 * change it reports was committed. Other modules call these (the MFA ones from the second-factor
 * flows); with SECURITY_NOTICES=false they do nothing, except that sign-ins still record devices.
 */
@Injectable()
export class SecurityNotices {
  constructor(
    private readonly otp: OtpService,
    private readonly mail: MailService,
    private readonly devices: UserDevicesRepository,
    @Inject(mailConfig.KEY) private readonly cfg: MailConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  /**
   * A sign-in: records the device (user agent family + /24 or /48 network) and mails a notice when
   * the user has signed in before but not from this device in the last 30 days. The first sign-in
   * of an account tells nothing, so it mails nothing.
   */
  async signedIn(
    m: EntityManager,
    user: MailUser,
    client: { ip?: string | null; userAgent?: string | null },
  ): Promise<boolean> {
    const device = deviceOf(client.userAgent, client.ip);
    const seen = await this.devices.record(m, user.id, device.key);
    const recent =
      seen.previousSeenAt !== null && Date.now() - seen.previousSeenAt.getTime() < DEVICE_MEMORY_MS;
    if (!seen.knownBefore || recent) return false;
    return this.send(m, user, 'notice-new-device', {
      device: device.label,
      ip: client.ip ?? 'unknown',
    });
  }

  passwordChanged(m: EntityManager, user: MailUser): Promise<boolean> {
    return this.send(m, user, 'notice-password-changed', {});
  }

  passwordReset(m: EntityManager, user: MailUser): Promise<boolean> {
    return this.send(m, user, 'notice-password-reset', {});
  }

  /**
   * To the old address; its link can bring the account back to it (SecureAccountService).
   * `confirmed`: the new address is already proven (the user's own change), else it waits for
   * its confirmation (an admin's change).
   */
  emailChanged(
    m: EntityManager,
    user: MailUser,
    oldEmail: string,
    opts: { confirmed: boolean } = { confirmed: false },
  ): Promise<boolean> {
    return this.send(m, { ...user, email: oldEmail }, 'email-changed', {
      newEmail: user.email,
      confirmed: opts.confirmed,
    });
  }

  /** The user asked to move to `newEmail` (PUT /me/email): to the current address, before anything changes. */
  emailChangeRequested(m: EntityManager, user: MailUser, newEmail: string): Promise<boolean> {
    return this.send(m, user, 'notice-email-change-requested', { newEmail });
  }

  accountBlocked(m: EntityManager, user: MailUser, blockedUntil: Date | null): Promise<boolean> {
    return this.send(m, user, 'notice-account-blocked', {
      blockedUntil: blockedUntil ? blockedUntil.toISOString() : null,
    });
  }

  /** A second factor was turned on (for the MFA flows). */
  mfaEnabled(m: EntityManager, user: MailUser): Promise<boolean> {
    return this.send(m, user, 'notice-mfa-enabled', {});
  }

  mfaDisabled(m: EntityManager, user: MailUser): Promise<boolean> {
    return this.send(m, user, 'notice-mfa-disabled', {});
  }

  /** New recovery codes replaced the old ones. */
  mfaRecoveryCodes(m: EntityManager, user: MailUser): Promise<boolean> {
    return this.send(m, user, 'notice-mfa-recovery-codes', {});
  }

  /** An admin removed the user's second factor. */
  mfaReset(m: EntityManager, user: MailUser): Promise<boolean> {
    return this.send(m, user, 'notice-mfa-reset', {});
  }

  /** A passkey can now sign in to the account. */
  passkeyAdded(m: EntityManager, user: MailUser, passkeyName: string): Promise<boolean> {
    return this.send(m, user, 'notice-passkey-added', { passkeyName });
  }

  /** A passkey was removed, by the user or an admin. */
  passkeyRemoved(m: EntityManager, user: MailUser, passkeyName: string): Promise<boolean> {
    return this.send(m, user, 'notice-passkey-removed', { passkeyName });
  }

  /** `to.email` is where the notice goes, and the address its link is bound to. */
  private async send<T extends NoticeTemplate>(
    m: EntityManager,
    to: MailUser,
    template: T,
    vars: Omit<MailTemplates[T], keyof NoticeVars>,
  ): Promise<boolean> {
    if (!this.cfg.securityNotices) return false;
    const link = await this.otp.issueLink(m, {
      email: to.email,
      purpose: 'secure_account',
      userId: to.id,
      linkTtlMs: SECURE_LINK_TTL_MS,
    });
    await this.mail.enqueue(m, {
      to: to.email,
      template,
      locale: to.locale,
      expiresAt: link.linkExpiresAt,
      context: {
        ...vars,
        at: new Date().toISOString(),
        secureLink: `${this.app.publicUrl}/account/secure?token=${link.token}`,
      } as MailTemplates[T],
    });
    return true;
  }
}
