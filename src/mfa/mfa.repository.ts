import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../database/sql';

export interface TotpRow {
  /** Sealed by SecretBox for `totp:<user id>`; never the plain secret. */
  secret: string;
  confirmedAt: Date | null;
}

/** An mfa_token to store: its hash, whose it is, how it began, and how long it lives. */
export interface NewChallenge {
  tokenHash: string;
  userId: string;
  /** The first factor that passed (`password`, `code`). */
  method: string;
  /** The user's state when the first factor passed (SignInService). */
  stamp: string;
  ttlMs: number;
}

export interface ChallengeRow {
  userId: string;
  method: string;
  stamp: string;
  /** Codes tried on it so far (`tryChallenge`). */
  tries: number;
  expiresAt: Date;
}

/** TypeORM answers an UPDATE or DELETE with [rows, count], anything else with the rows. */
function changedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/** The second factor's tables (mfa_totp, mfa_recovery_codes, mfa_challenges). */
@Injectable()
export class MfaRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.db;
  }

  async findTotp(userId: string, m?: EntityManager): Promise<TotpRow | undefined> {
    const rows: { secret: string; confirmed_at: Date | null }[] = await this.q(m).query(
      `SELECT secret, confirmed_at FROM mfa_totp WHERE user_id = $1`,
      [userId],
    );
    const r = rows[0];
    return r && { secret: r.secret, confirmedAt: r.confirmed_at ? new Date(r.confirmed_at) : null };
  }

  /** A new pending secret, replacing a pending one; false when a confirmed factor exists. */
  async savePending(userId: string, sealed: string, m?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await this.q(m).query(
      `INSERT INTO mfa_totp (user_id, secret) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_step = NULL
         WHERE mfa_totp.confirmed_at IS NULL
       RETURNING user_id`,
      [userId, sealed],
    );
    return rows.length > 0;
  }

  /**
   * Takes time step `step` of the user's confirmed factor, in one statement that only moves
   * `last_step` forward: of two requests (on any instance) with the same code, exactly one gets
   * true. With `confirmSealed` it takes the step of the pending factor instead, and turns it on,
   * only if its secret is still that one (a new enrolment may have replaced it meanwhile).
   */
  async useStep(
    userId: string,
    step: number,
    opts: { confirmSealed?: string },
    m?: EntityManager,
  ): Promise<boolean> {
    const confirm = opts.confirmSealed !== undefined;
    const rows = changedRows(
      await this.q(m).query(
        `UPDATE mfa_totp SET last_step = $2${confirm ? ', confirmed_at = now()' : ''}
          WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)
            AND ${confirm ? 'confirmed_at IS NULL AND secret = $3' : 'confirmed_at IS NOT NULL'}
          RETURNING user_id`,
        confirm ? [userId, step, opts.confirmSealed] : [userId, step],
      ),
    );
    return rows.length > 0;
  }

  /** Stores the secret sealed again under the current key, unless it changed meanwhile. */
  async replaceSealed(userId: string, from: string, to: string): Promise<void> {
    await this.db.query(`UPDATE mfa_totp SET secret = $3 WHERE user_id = $1 AND secret = $2`, [
      userId,
      from,
      to,
    ]);
  }

  /** Removes the factor and its recovery codes and pending logins; false when there was none. */
  async deleteFactor(userId: string, m: EntityManager): Promise<boolean> {
    const rows = changedRows(
      await m.query(`DELETE FROM mfa_totp WHERE user_id = $1 RETURNING user_id`, [userId]),
    );
    await m.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    await this.deleteChallengesForUser(userId, m);
    return rows.length > 0;
  }

  async replaceRecoveryCodes(userId: string, hashes: string[], m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    await m.query(
      `INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1::bigint, unnest($2::char(64)[])`,
      [userId, hashes],
    );
  }

  /** Uses up one recovery code; true for exactly one of any number of parallel uses. */
  async useRecoveryCode(userId: string, hash: string, m?: EntityManager): Promise<boolean> {
    const rows = changedRows(
      await this.q(m).query(
        `UPDATE mfa_recovery_codes SET used_at = now()
          WHERE id = (SELECT id FROM mfa_recovery_codes
                       WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1)
            AND used_at IS NULL
          RETURNING id`,
        [userId, hash],
      ),
    );
    return rows.length > 0;
  }

  async countUnusedRecoveryCodes(userId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return Number(rows[0].n);
  }

  async insertChallenge(c: NewChallenge): Promise<Date> {
    // Ended challenges go as new ones come, so the table holds only live ones and a few minutes' worth.
    await this.db.query(`DELETE FROM mfa_challenges WHERE expires_at < now()`);
    const rows: { expires_at: Date }[] = await this.db.query(
      `INSERT INTO mfa_challenges (token_hash, user_id, method, stamp, expires_at)
       VALUES ($1, $2, $3, $4, now() + ${msInterval('$5')})
       RETURNING expires_at`,
      [c.tokenHash, c.userId, c.method, c.stamp, c.ttlMs],
    );
    return new Date(rows[0].expires_at);
  }

  async findLiveChallenge(tokenHash: string): Promise<ChallengeRow | undefined> {
    const rows: RawChallenge[] = await this.db.query(
      `SELECT user_id, method, stamp, failures, expires_at FROM mfa_challenges
        WHERE token_hash = $1 AND expires_at > now()`,
      [tokenHash],
    );
    return rows[0] && toChallenge(rows[0]);
  }

  /**
   * Counts one try of a code on a live challenge, before the code is checked, in one statement:
   * of any number of parallel tries at most `max` are counted (the rest get undefined). The count
   * is kept in the `failures` column: a try that succeeds ends the challenge anyway.
   */
  async tryChallenge(tokenHash: string, max: number): Promise<ChallengeRow | undefined> {
    const rows = changedRows<RawChallenge>(
      await this.db.query(
        `UPDATE mfa_challenges SET failures = failures + 1
          WHERE token_hash = $1 AND expires_at > now() AND failures < $2
          RETURNING user_id, method, stamp, failures, expires_at`,
        [tokenHash, max],
      ),
    );
    return rows[0] && toChallenge(rows[0]);
  }

  async deleteChallenge(tokenHash: string): Promise<void> {
    await this.db.query(`DELETE FROM mfa_challenges WHERE token_hash = $1`, [tokenHash]);
  }

  /** Ends a live challenge; the one of several parallel uses that gets it back opens the session. */
  async consumeChallenge(tokenHash: string, m: EntityManager): Promise<ChallengeRow | undefined> {
    const rows = changedRows<RawChallenge>(
      await m.query(
        `DELETE FROM mfa_challenges WHERE token_hash = $1 AND expires_at > now()
         RETURNING user_id, method, stamp, failures, expires_at`,
        [tokenHash],
      ),
    );
    return rows[0] && toChallenge(rows[0]);
  }

  async deleteChallengesForUser(userId: string, m?: EntityManager): Promise<void> {
    await this.q(m).query(`DELETE FROM mfa_challenges WHERE user_id = $1`, [userId]);
  }
}

interface RawChallenge {
  user_id: string;
  method: string;
  stamp: string;
  failures: number;
  expires_at: Date;
}

function toChallenge(r: RawChallenge): ChallengeRow {
  return {
    userId: String(r.user_id),
    method: r.method,
    stamp: r.stamp,
    tries: Number(r.failures),
    expiresAt: new Date(r.expires_at),
  };
}
