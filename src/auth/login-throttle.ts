import type { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import { TooManyRequestsError } from '../common/errors';
import { RateLimitService } from '../common/rate-limit/rate-limit.service';

/**
 * Failures allowed within the window; the fifth starts a wait of 30 s, doubling with each further
 * failure up to 15 minutes.
 */
export const LOGIN_FREE_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_FIRST_WAIT_MS = 30_000;
export const LOGIN_MAX_WAIT_MS = 15 * 60_000;

/**
 * Per-address login throttle (SECURITY.md, Throttling), kept in the database so it holds across
 * instances and restarts. Keyed by the submitted address whether or not an account has it, so the
 * answers (status, body, Retry-After) do not tell known addresses from unknown ones. A wait only
 * delays: once it is over the right password works from anywhere.
 *
 * Each attempt is counted as a failure before its password is checked (`begin`), in the same
 * statement that checks the wait, and forgotten when the password was right (`succeeded`): so a
 * burst of parallel guesses cannot all pass before the first of them is counted.
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly counters: RateLimitService) {}

  private key(email: string): string {
    return `login:${email.trim().toLowerCase()}`;
  }

  /** Counts an attempt; throws 429 `too_many_attempts` with Retry-After while the address waits. */
  async begin(email: string): Promise<void> {
    const key = this.key(email);
    const counted = await this.counters.attempt(key, {
      windowMs: LOGIN_WINDOW_MS,
      free: LOGIN_FREE_FAILURES,
      firstWaitMs: LOGIN_FIRST_WAIT_MS,
      maxWaitMs: LOGIN_MAX_WAIT_MS,
    });
    if (counted) return;
    const until = (await this.counters.peek(key))?.lockedUntil?.getTime() ?? Date.now();
    throw new TooManyRequestsError(
      (until - Date.now()) / 1000,
      'too_many_attempts',
      'Too many failed logins for this address; try again later.',
    );
  }

  /**
   * The first factor was right but a second one must follow: this attempt is not a failure, yet
   * the failures before it stay, so wrong second-factor codes add up with wrong passwords and a
   * right password never buys fresh guesses at the code.
   */
  async firstFactorPassed(email: string): Promise<void> {
    await this.counters.undoAttempt(this.key(email));
  }

  /**
   * Forgets the address's failures: after the right password, or a password reset (which the
   * throttle never blocks).
   */
  async succeeded(email: string, manager?: EntityManager): Promise<void> {
    await this.counters.reset(this.key(email), manager);
  }
}
