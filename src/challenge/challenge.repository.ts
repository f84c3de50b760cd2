import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../database/sql';

/** A challenge to store: its token's hash, whose it is, how it began, and how long it lives. */
export interface NewChallengeRow {
  tokenHash: string;
  userId: string;
  method: string;
  stamp: string;
  ttlMs: number;
}

export interface ChallengeRow {
  userId: string;
  method: string;
  stamp: string;
  /** Answers tried on it so far (`tryOne`). */
  tries: number;
  expiresAt: Date;
}

/** TypeORM answers an UPDATE or DELETE with [rows, count], anything else with the rows. */
function changedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/** The table of challenges between a first factor and a session (mfa_challenges). */
@Injectable()
export class ChallengeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(c: NewChallengeRow): Promise<Date> {
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

  async findLive(tokenHash: string): Promise<ChallengeRow | undefined> {
    const rows: RawChallenge[] = await this.db.query(
      `SELECT user_id, method, stamp, failures, expires_at FROM mfa_challenges
        WHERE token_hash = $1 AND expires_at > now()`,
      [tokenHash],
    );
    return rows[0] && toChallenge(rows[0]);
  }

  /**
   * Counts one try of an answer on a live challenge, before the answer is checked, in one
   * statement: of any number of parallel tries at most `max` are counted (the rest get
   * undefined). The count is kept in the `failures` column: a try that succeeds ends the
   * challenge anyway.
   */
  async tryOne(tokenHash: string, max: number): Promise<ChallengeRow | undefined> {
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

  async delete(tokenHash: string): Promise<void> {
    await this.db.query(`DELETE FROM mfa_challenges WHERE token_hash = $1`, [tokenHash]);
  }

  /** Ends a live challenge; the one of several parallel uses that gets it back opens the session. */
  async consume(tokenHash: string, m: EntityManager): Promise<ChallengeRow | undefined> {
    const rows = changedRows<RawChallenge>(
      await m.query(
        `DELETE FROM mfa_challenges WHERE token_hash = $1 AND expires_at > now()
         RETURNING user_id, method, stamp, failures, expires_at`,
        [tokenHash],
      ),
    );
    return rows[0] && toChallenge(rows[0]);
  }

  async deleteForUser(userId: string, m?: EntityManager): Promise<void> {
    await (m ?? this.db).query(`DELETE FROM mfa_challenges WHERE user_id = $1`, [userId]);
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
