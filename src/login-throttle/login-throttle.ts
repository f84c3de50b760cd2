import type { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import { AttemptRule, RateLimitService } from '../common/rate-limit/rate-limit.service';
import { LoginThrottleErrors } from './login-throttle.errors';

/**
 * Failures allowed within the window; the fifth starts a wait of 30 s, doubling with each further
 * failure up to 15 minutes.
 */
export const LOGIN_FREE_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_FIRST_WAIT_MS = 30_000;
export const LOGIN_MAX_WAIT_MS = 15 * 60_000;
/** A password check ends within seconds; a reservation older than this lost its process. */
const LOGIN_LEASE_MS = 30_000;
/**
 * How long an attempt waits for the attempts ahead of it before it is answered "busy": as long as
 * a reservation can count, since by then even a dead process's reservations have lapsed.
 */
const LOGIN_QUEUE_MS = LOGIN_LEASE_MS;
/** Waiting attempts look again this often (another instance's settlement wakes no one here). */
const LOGIN_POLL_MS = 100;

const RULE: AttemptRule = {
  windowMs: LOGIN_WINDOW_MS,
  free: LOGIN_FREE_FAILURES,
  firstWaitMs: LOGIN_FIRST_WAIT_MS,
  maxWaitMs: LOGIN_MAX_WAIT_MS,
  leaseMs: LOGIN_LEASE_MS,
};

/** One admitted attempt: settle it once; later calls do nothing. */
export class LoginAttempt {
  private settled = false;

  constructor(
    private readonly settleWith: (o: 'success' | 'failure' | 'abandoned') => Promise<void>,
  ) {}

  /** The password was right: the address's failures are forgotten. */
  succeeded(): Promise<void> {
    return this.settle('success');
  }

  /** The password was wrong (or the user blocked): one failure more. */
  failed(): Promise<void> {
    return this.settle('failure');
  }

  /** For a `finally`: gives the place back uncounted when the check ended in an error. */
  abandon(): Promise<void> {
    return this.settle('abandoned');
  }

  private async settle(outcome: 'success' | 'failure' | 'abandoned'): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.settleWith(outcome);
  }
}

/**
 * Per-address login throttle (docs/security.md, Throttling), kept in the database so it holds across
 * instances and restarts. Keyed by the submitted address whether or not an account has it, so the
 * answers (status, body, Retry-After) do not tell known addresses from unknown ones. A wait only
 * delays: once it is over the right password works from anywhere.
 *
 * Each attempt reserves its place before its password is checked, atomically with the check of the
 * wait, and at most as many run at once as failures are still free: a burst of parallel guesses
 * gets exactly five checks, then 429. Attempts beyond that wait for the ones ahead rather than
 * being refused, since those may well succeed: 16 parallel right passwords all log in.
 */
@Injectable()
export class LoginThrottle {
  /** Attempts of this process waiting for a place, woken when one of this process settles. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly counters: RateLimitService) {}

  private key(email: string): string {
    return `login:${email.trim().toLowerCase()}`;
  }

  /**
   * Admits an attempt, waiting while earlier ones are in flight; throws 429 `too_many_attempts`
   * with Retry-After while the address waits after failures.
   */
  async begin(email: string): Promise<LoginAttempt> {
    const key = this.key(email);
    const deadline = Date.now() + LOGIN_QUEUE_MS;
    for (;;) {
      if (await this.counters.reserve(key, RULE)) {
        return new LoginAttempt(async (outcome) => {
          try {
            await this.counters.settle(key, outcome, RULE);
          } finally {
            // A success or an abandon frees one place; a failure may have locked the address,
            // which every waiter should hear at once.
            this.wake(key, outcome === 'failure' ? Infinity : 1);
          }
        });
      }
      const until = (await this.counters.peek(key))?.lockedUntil?.getTime() ?? 0;
      if (until > Date.now())
        throw LoginThrottleErrors.login_locked({ retryAfterSeconds: (until - Date.now()) / 1000 });
      if (Date.now() >= deadline) throw LoginThrottleErrors.login_busy();
      await this.nextSettlement(key);
    }
  }

  /**
   * Forgets the address's failures and any wait: after a password reset (which the throttle never
   * blocks).
   */
  async succeeded(email: string, manager?: EntityManager): Promise<void> {
    await this.counters.reset(this.key(email), manager);
    this.wake(this.key(email));
  }

  private nextSettlement(key: string): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiting.get(key) ?? new Set();
      this.waiting.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size && this.waiting.get(key) === set) this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, LOGIN_POLL_MS);
      set.add(done);
    });
  }

  private wake(key: string, count = Infinity): void {
    for (const w of [...(this.waiting.get(key) ?? [])].slice(0, count)) w();
  }
}
