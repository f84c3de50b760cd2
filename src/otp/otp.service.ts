import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { AppError } from '../common/errors';
import { RateLimitService } from '../common/rate-limit/rate-limit.service';
import { otpConfig, OtpConfig } from '../config/config';
import { OneTimeToken } from './one-time-token.entity';
import { OneTimeTokenRepository } from './one-time-token.repository';
import { OtpErrors } from './otp.errors';

export type OtpPurpose =
  | 'email_confirm'
  | 'password_reset'
  /** The "this wasn't me" link of a security notice (a link, no code). */
  | 'secure_account'
  /** Sign-in by emailed code; a code only, no link. */
  | 'login'
  /** A user's change of address, sent to the new address; the change waits for it. */
  | 'email_change'
  /** Confirms DELETE /me for a user without a password; a code only. */
  | 'account_delete'
  /** Confirms a second-factor change (mfa/) for a user without a password; a code only. */
  | 'mfa'
  /** Confirms PUT /me/email for a user without a password, at the old address; a code only. */
  | 'email_change_request';

/** The rules' numbers (docs/security.md, "Codes and links"). */
export const OTP_RULES = {
  maxTriesPerCode: 5,
  /** Consecutive wrong codes for one address before it is refused... */
  maxAddressFailures: 20,
  /** ...for this long. */
  addressLockMs: 60 * 60_000,
  /** A success resets the count; failures further apart than this start it again. */
  addressFailureWindowMs: 24 * 60 * 60_000,
  mailsPerHour: 10,
};

const HOUR_MS = 60 * 60_000;

export interface IssuedOtp {
  code: string;
  token: string;
  codeExpiresAt: Date;
  linkExpiresAt: Date;
}

/** A code or link that was right and is now used up. */
export interface VerifiedOtp {
  userId: string | null;
  email: string;
  purpose: string;
  payload: Record<string, unknown>;
}

/**
 * The result of a check. Failures are returned rather than thrown, so the caller can commit the
 * failure counts written in its transaction and throw afterwards.
 */
export type OtpCheck = { ok: true; otp: VerifiedOtp } | { ok: false; error: AppError };

/** What the rules use of the codes table; a unit spec's fake implements the same methods. */
export type OtpTokenStore = Pick<
  OneTimeTokenRepository,
  | 'add'
  | 'consumeOutstanding'
  | 'consumeOutstandingOfUser'
  | 'findLatestLiveCode'
  | 'findLatestLiveCodeOfUser'
  | 'findLinkByHash'
  | 'recordWrongTry'
>;

/** What the rules use of the shared counters. */
export type OtpCounters = Pick<RateLimitService, 'hit' | 'peek' | 'lock' | 'reset'>;

/**
 * Issues, verifies and burns 6-digit codes and 256-bit link tokens, and keeps the per-address
 * counters: wrong tries, the lock after too many failures, the mail cooldown and hourly cap. Every
 * counter is keyed by the submitted address, whether or not it has an account.
 */
@Injectable()
export class OtpService {
  /** Overridable in unit specs. */
  now: () => number = () => Date.now();

  constructor(
    @Inject(OneTimeTokenRepository) private readonly tokens: OtpTokenStore,
    @Inject(RateLimitService) private readonly limits: OtpCounters,
    @Inject(otpConfig.KEY) private readonly cfg: OtpConfig,
  ) {}

  /**
   * A new code and link for the address and purpose, in the caller's transaction; earlier ones
   * of the same address and purpose stop working (only the latest counts).
   */
  async issue(
    manager: EntityManager,
    opts: {
      email: string;
      purpose: OtpPurpose;
      userId?: string | null;
      payload?: Record<string, unknown>;
      linkTtlMs?: number;
      /** false: a code only (nothing for a link to open). */
      link?: boolean;
    },
  ): Promise<IssuedOtp> {
    const email = opts.email.toLowerCase();
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    const token = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('hex');
    const now = this.now();
    const codeExpiresAt = new Date(now + this.cfg.otpTtlMs);
    const linkExpiresAt = new Date(now + (opts.linkTtlMs ?? this.cfg.linkTtlMs));
    const common = {
      userId: opts.userId ?? null,
      email,
      purpose: opts.purpose,
      payload: opts.payload ?? null,
    };
    await this.tokens.consumeOutstanding(manager, email, opts.purpose);
    await this.tokens.add(manager, {
      ...common,
      kind: 'code',
      salt,
      tokenHash: this.codeHash(email, opts.purpose, salt, code),
      expiresAt: codeExpiresAt,
    });
    if (opts.link !== false) {
      await this.tokens.add(manager, {
        ...common,
        kind: 'link',
        tokenHash: this.linkHash(token),
        expiresAt: linkExpiresAt,
      });
    }
    return { code, token, codeExpiresAt, linkExpiresAt };
  }

  /**
   * A link alone (no code), for a mail that has nothing to type in: the "this wasn't me" link
   * of a notice. Earlier links of the same address and purpose stop working, as for `issue`.
   */
  async issueLink(
    manager: EntityManager,
    opts: { email: string; purpose: OtpPurpose; userId: string; linkTtlMs: number },
  ): Promise<{ token: string; linkExpiresAt: Date }> {
    const email = opts.email.toLowerCase();
    const token = randomBytes(32).toString('base64url');
    const linkExpiresAt = new Date(this.now() + opts.linkTtlMs);
    await this.tokens.consumeOutstanding(manager, email, opts.purpose);
    await this.tokens.add(manager, {
      userId: opts.userId,
      email,
      purpose: opts.purpose,
      payload: null,
      kind: 'link',
      tokenHash: this.linkHash(token),
      expiresAt: linkExpiresAt,
    });
    return { token, linkExpiresAt };
  }

  /**
   * Checks a code and, when right, burns it with its link. Throws 429 `too_many_attempts` while
   * the address is locked (before looking at the code); anything else comes back as an OtpCheck.
   */
  async verifyCode(
    manager: EntityManager,
    opts: { email: string; purpose: OtpPurpose; code: string },
  ): Promise<OtpCheck> {
    const email = opts.email.toLowerCase();
    await this.assertNotLocked(email, manager);
    const row = await this.tokens.findLatestLiveCode(manager, email, opts.purpose);
    if (
      !row ||
      row.expiresAt.getTime() <= this.now() ||
      row.attempts >= OTP_RULES.maxTriesPerCode
    ) {
      await this.countFailure(manager, email);
      return { ok: false, error: OtpErrors.invalid_code() };
    }
    const expected = Buffer.from(row.tokenHash, 'hex');
    const given = Buffer.from(this.codeHash(email, opts.purpose, row.salt ?? '', opts.code), 'hex');
    if (!timingSafeEqual(expected, given)) {
      await this.tokens.recordWrongTry(
        manager,
        row.id,
        row.attempts + 1 >= OTP_RULES.maxTriesPerCode,
      );
      await this.countFailure(manager, email);
      return { ok: false, error: OtpErrors.invalid_code() };
    }
    await this.tokens.consumeOutstanding(manager, email, opts.purpose);
    await this.limits.reset(failureKey(email), manager);
    return { ok: true, otp: toVerified(row) };
  }

  /**
   * The address of the user's live code of that purpose (e.g. the new address of a pending email
   * change), or null: the pending change ends with its code.
   */
  async pendingAddress(
    manager: EntityManager,
    userId: string,
    purpose: OtpPurpose,
  ): Promise<string | null> {
    const row = await this.tokens.findLatestLiveCodeOfUser(manager, userId, purpose);
    return row && row.expiresAt.getTime() > this.now() ? row.email : null;
  }

  /** Ends every live code and link of the user (of `purposes`, or all), e.g. when its address changes. */
  async cancelForUser(
    manager: EntityManager,
    userId: string,
    purposes?: OtpPurpose[],
  ): Promise<void> {
    await this.tokens.consumeOutstandingOfUser(manager, userId, purposes);
  }

  /** A live link of that purpose, without using it (for the page that asks to confirm). */
  async peekLink(token: string, purpose: OtpPurpose): Promise<VerifiedOtp | null> {
    const row = await this.tokens.findLinkByHash(this.linkHash(token));
    return row && this.isLiveLink(row, purpose) ? toVerified(row) : null;
  }

  /** Checks a link token and, when live, burns it with its code (single use). */
  async consumeLink(manager: EntityManager, token: string, purpose: OtpPurpose): Promise<OtpCheck> {
    const row = await this.tokens.findLinkByHash(this.linkHash(token), manager);
    if (!row || !this.isLiveLink(row, purpose)) {
      return { ok: false, error: OtpErrors.invalid_link() };
    }
    await this.tokens.consumeOutstanding(manager, row.email, row.purpose);
    // As for a right code: the owner has proved the address, so others' wrong codes are forgotten.
    await this.limits.reset(failureKey(row.email), manager);
    return { ok: true, otp: toVerified(row) };
  }

  /** 429 `too_many_attempts` while the address is locked after too many wrong codes. */
  async assertNotLocked(email: string, manager?: EntityManager): Promise<void> {
    const state = await this.limits.peek(failureKey(email.toLowerCase()), manager);
    const left = (state?.lockedUntil?.getTime() ?? 0) - this.now();
    if (left > 0) throw OtpErrors.too_many_attempts({ retryAfterSeconds: left / 1000 });
  }

  /**
   * Counts a mail about to be sent to the address (confirmation, resend, reset, sign-up notice):
   * one per RESEND_COOLDOWN and at most 10 an hour, or 429 with Retry-After. Called for unknown
   * addresses too, so the answer never tells whether an account exists.
   */
  /** `manager`: count in the caller's transaction, so a refusal later in it counts no mail. */
  async throttleMail(email: string, manager?: EntityManager): Promise<void> {
    const address = email.toLowerCase();
    const cooldown = await this.limits.hit(
      `mail-cooldown:${address}`,
      this.cfg.resendCooldownMs,
      manager,
    );
    if (cooldown.hits > 1) {
      throw OtpErrors.mail_cooldown({
        retryAfterSeconds: this.secondsLeft(cooldown.windowStartedAt, this.cfg.resendCooldownMs),
      });
    }
    const hourly = await this.limits.hit(`mail-hourly:${address}`, HOUR_MS, manager);
    if (hourly.hits > OTP_RULES.mailsPerHour) {
      throw OtpErrors.mail_cooldown({
        retryAfterSeconds: this.secondsLeft(hourly.windowStartedAt, HOUR_MS),
      });
    }
  }

  private secondsLeft(windowStartedAt: Date, windowMs: number): number {
    return (windowStartedAt.getTime() + windowMs - this.now()) / 1000;
  }

  private async countFailure(manager: EntityManager, email: string): Promise<void> {
    const key = failureKey(email);
    const state = await this.limits.hit(key, OTP_RULES.addressFailureWindowMs, manager);
    if (state.hits >= OTP_RULES.maxAddressFailures) {
      // A fresh count after the lock: the next 20 failures lock the address again.
      await this.limits.reset(key, manager);
      await this.limits.lock(key, new Date(this.now() + OTP_RULES.addressLockMs), manager);
    }
  }

  private isLiveLink(row: OneTimeToken, purpose: OtpPurpose): boolean {
    return (
      row.kind === 'link' &&
      row.purpose === purpose &&
      row.consumedAt === null &&
      row.expiresAt.getTime() > this.now()
    );
  }

  /** Keyed by OTP_SECRET (when set) and salted per code, bound to the address and purpose. */
  private codeHash(email: string, purpose: string, salt: string, code: string): string {
    return createHmac('sha256', this.cfg.secret ?? '')
      .update(['code', purpose, email, salt, code].join('\0'))
      .digest('hex');
  }

  private linkHash(token: string): string {
    return createHmac('sha256', this.cfg.secret ?? '')
      .update(`link\0${token}`)
      .digest('hex');
  }
}

function failureKey(email: string): string {
  return `otp-fail:${email}`;
}

function toVerified(row: OneTimeToken): VerifiedOtp {
  return {
    userId: row.userId,
    email: row.email,
    purpose: row.purpose,
    payload: row.payload ?? {},
  };
}
