import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  hashSessionToken,
  looksLikeSessionToken,
  newSessionToken,
} from '../sessions/session-token';
import { ChallengeRepository } from './challenge.repository';
import type { ChallengeAnswer, SecondFactor } from './second-factor';

/** How long a challenge lives, and how many answers it takes before it ends. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
export const CHALLENGE_MAX_TRIES = 5;

/** A live challenge: whose it is, the first factor that opened it, the user's state then. */
export interface PendingChallenge {
  userId: string;
  firstFactor: string;
  stamp: string;
  expiresAt: Date;
}

export type AnswerResult =
  | { outcome: 'passed'; method: string; challenge: PendingChallenge }
  | { outcome: 'wrong' }
  /** Unknown, expired, used up, or its tries spent. */
  | { outcome: 'spent' };

/**
 * The step between a first factor and a session: the `mfa_token`. A challenge is a 256-bit
 * token (only its hash stored), single use, bound to one user and to that user's state when the
 * first factor passed, and ends after five answers. The second factors plug in (`register`);
 * the sign-in decides what to open when one passes (SignInService).
 */
@Injectable()
export class ChallengeService {
  private readonly factors: SecondFactor[] = [];

  constructor(private readonly repo: ChallengeRepository) {}

  /** Adds a way to answer challenges (a module's at start). */
  register(factor: SecondFactor): void {
    this.factors.push(factor);
  }

  /** The methods a challenge may be answered with, for the `mfa_required` answer. */
  get methods(): string[] {
    return this.factors.flatMap((f) => f.methods);
  }

  /** The methods this user can answer with (a passkey only for a user who has one). */
  async methodsFor(userId: string): Promise<string[]> {
    const offered = await Promise.all(
      this.factors.map(async (f) => (!f.offeredTo || (await f.offeredTo(userId)) ? f.methods : [])),
    );
    return offered.flat();
  }

  /**
   * A live challenge's user and the key a factor binds its own state to (the passkey options of
   * this challenge); undefined for a malformed, unknown, expired or used token.
   */
  async bindingOf(token: string): Promise<{ key: string; userId: string } | undefined> {
    const hash = hashOf(token);
    const row = hash && (await this.repo.findLive(hash));
    return hash && row ? { key: hash, userId: row.userId } : undefined;
  }

  /** Opens a challenge for the user after `firstFactor` passed; the token is shown once. */
  async start(c: {
    userId: string;
    firstFactor: string;
    stamp: string;
  }): Promise<{ token: string; expiresAt: Date }> {
    const token = newSessionToken();
    const expiresAt = await this.repo.insert({
      tokenHash: hashSessionToken(token),
      userId: c.userId,
      method: c.firstFactor,
      stamp: c.stamp,
      ttlMs: CHALLENGE_TTL_MS,
    });
    return { token, expiresAt };
  }

  /** The live challenge of a token, or undefined (malformed, unknown, expired, used). */
  async pending(token: string): Promise<PendingChallenge | undefined> {
    const hash = hashOf(token);
    const row = hash && (await this.repo.findLive(hash));
    return row ? toPending(row) : undefined;
  }

  /**
   * Checks an answer. The try is counted before the answer is checked, so parallel answers get
   * at most the five tries between them; the fifth wrong one ends the challenge. A right answer
   * does not end it: `redeem` does, in the transaction that opens the session.
   */
  async answer(token: string, answer: ChallengeAnswer): Promise<AnswerResult> {
    const hash = hashOf(token);
    const tried = hash && (await this.repo.tryOne(hash, CHALLENGE_MAX_TRIES));
    if (!hash || !tried) return { outcome: 'spent' };
    for (const factor of this.factors) {
      const method = await factor.verify(tried.userId, answer, hash);
      if (method) return { outcome: 'passed', method, challenge: toPending(tried) };
    }
    if (tried.tries >= CHALLENGE_MAX_TRIES) await this.repo.delete(hash);
    return { outcome: 'wrong' };
  }

  /** Uses the challenge up in the caller's transaction; undefined when a parallel use came first. */
  async redeem(token: string, m: EntityManager): Promise<PendingChallenge | undefined> {
    const hash = hashOf(token);
    const row = hash && (await this.repo.consume(hash, m));
    return row ? toPending(row) : undefined;
  }

  /** Ends a challenge that will not be answered. */
  async drop(token: string): Promise<void> {
    const hash = hashOf(token);
    if (hash) await this.repo.delete(hash);
  }

  /** Ends every challenge of the user (a second factor changed). */
  dropAllOf(userId: string, m?: EntityManager): Promise<void> {
    return this.repo.deleteForUser(userId, m);
  }
}

function hashOf(token: string): string | undefined {
  return looksLikeSessionToken(token) ? hashSessionToken(token) : undefined;
}

function toPending(row: {
  userId: string;
  method: string;
  stamp: string;
  expiresAt: Date;
}): PendingChallenge {
  return {
    userId: row.userId,
    firstFactor: row.method,
    stamp: row.stamp,
    expiresAt: row.expiresAt,
  };
}
