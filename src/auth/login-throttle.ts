import type { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import { TooManyRequestsError } from '../common/errors';
import { RateLimitService } from '../common/rate-limit/rate-limit.service';

/** Failures allowed within the window before each further attempt must wait. */
export const LOGIN_FREE_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_FIRST_WAIT_MS = 30_000;
export const LOGIN_MAX_WAIT_MS = 15 * 60_000;

/**
 * The wait after the n-th failure within the window: none for the first four, then 30 s after the
 * fifth, doubling with each further failure, at most 15 minutes.
 */
export function loginWaitMs(failures: number): number {
  if (failures < LOGIN_FREE_FAILURES) return 0;
  return Math.min(LOGIN_MAX_WAIT_MS, LOGIN_FIRST_WAIT_MS * 2 ** (failures - LOGIN_FREE_FAILURES));
}

/**
 * Per-address login throttle (SECURITY.md, Throttling), kept in the database so it holds across
 * instances and restarts. Keyed by the submitted address whether or not an account has it, so the
 * answers (status, body, Retry-After) do not tell known addresses from unknown ones. A wait only
 * delays: once it is over the right password works from anywhere.
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly counters: RateLimitService) {}

  private key(email: string): string {
    return `login:${email.trim().toLowerCase()}`;
  }

  /** Throws 429 `too_many_attempts` with Retry-After while the address must wait. */
  async assertAllowed(email: string, now = Date.now()): Promise<void> {
    const state = await this.counters.peek(this.key(email));
    const until = state?.lockedUntil?.getTime();
    if (until !== undefined && until > now) {
      throw new TooManyRequestsError(
        (until - now) / 1000,
        'too_many_attempts',
        'Too many failed logins for this address; try again later.',
      );
    }
  }

  /** Counts a failed attempt and, from the fifth in the window, starts the next wait. */
  async recordFailure(email: string): Promise<void> {
    const key = this.key(email);
    const { hits } = await this.counters.hit(key, LOGIN_WINDOW_MS);
    const wait = loginWaitMs(hits);
    if (wait > 0) await this.counters.lock(key, new Date(Date.now() + wait));
  }

  /** Forgets the address's failures: after a good login, or a password reset (which it never blocks). */
  async clear(email: string, manager?: EntityManager): Promise<void> {
    await this.counters.reset(this.key(email), manager);
  }
}
