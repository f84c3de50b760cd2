import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface TotpRow {
  /** Sealed by SecretBox for `totp:<user id>`; never the plain secret. */
  secret: string;
  confirmedAt: Date | null;
}

/** TypeORM answers an UPDATE or DELETE with [rows, count], anything else with the rows. */
function changedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/** The second factor's tables (mfa_totp, mfa_recovery_codes). */
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

  /** Removes the factor and its recovery codes; false when there was none. */
  async deleteFactor(userId: string, m: EntityManager): Promise<boolean> {
    const rows = changedRows(
      await m.query(`DELETE FROM mfa_totp WHERE user_id = $1 RETURNING user_id`, [userId]),
    );
    await m.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
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
}
