import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../database/sql';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  /** The public JWK as JSON. */
  publicJwk: string;
  /** The private JWK as JSON, sealed by SecretBox for `jwt-key:<kid>`; never the plain key. */
  sealedPrivateJwk: string;
  createdAt: Date;
  retiredAt: Date | null;
}

interface RawRow {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string;
  created_at: Date | string;
  retired_at: Date | string | null;
}

const COLUMNS = 'kid, alg, public_jwk, private_jwk, created_at, retired_at';

function toRow(r: RawRow): SigningKeyRow {
  return {
    kid: r.kid,
    alg: r.alg,
    publicJwk: r.public_jwk,
    sealedPrivateJwk: r.private_jwk,
    createdAt: new Date(r.created_at),
    retiredAt: r.retired_at === null ? null : new Date(r.retired_at),
  };
}

/** TypeORM answers an UPDATE or DELETE with [rows, count], anything else with the rows. */
function changedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

/**
 * The jwt_signing_keys table. Times come from the database's clock, so instances whose clocks
 * differ agree on when a key is due for rotation and when a retired one leaves the set.
 */
@Injectable()
export class SigningKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async current(): Promise<SigningKeyRow | undefined> {
    const rows: RawRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM jwt_signing_keys WHERE retired_at IS NULL`,
    );
    return rows[0] && toRow(rows[0]);
  }

  async find(kid: string): Promise<SigningKeyRow | undefined> {
    const rows: RawRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM jwt_signing_keys WHERE kid = $1`,
      [kid],
    );
    return rows[0] && toRow(rows[0]);
  }

  /** The current key and those retired less than `publishedForMs` ago, newest first. */
  async published(publishedForMs: number): Promise<SigningKeyRow[]> {
    const rows: RawRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM jwt_signing_keys
        WHERE retired_at IS NULL OR retired_at > now() - ${msInterval('$1')}
        ORDER BY created_at DESC`,
      [publishedForMs],
    );
    return rows.map(toRow);
  }

  /**
   * Stores `key` as the current key unless there is one already; false when another instance's
   * key won (the unique index allows one current key).
   */
  async insertCurrent(key: NewSigningKey, m?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (m ?? this.db).query(
      `INSERT INTO jwt_signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING kid`,
      [key.kid, key.alg, key.publicJwk, key.sealedPrivateJwk],
    );
    return rows.length > 0;
  }

  /**
   * Retires the current key and stores `key` in its place, in one transaction: always (`{}`), or
   * when the current key is `olderThanMs` old or of another algorithm than `alg`. Of two
   * instances doing this at once, the second finds no current key left to retire (its UPDATE
   * waits for the first and then matches nothing) and stores nothing: one winner.
   */
  async replaceCurrent(
    key: NewSigningKey,
    due: { olderThanMs: number; alg: string } | Record<string, never>,
  ): Promise<{ retired?: string }> {
    return this.db.transaction(async (m) => {
      const params: unknown[] = [];
      let when = '';
      if ('alg' in due) {
        params.push(due.olderThanMs, due.alg);
        when = ` AND (created_at <= now() - ${msInterval('$1')} OR alg <> $2)`;
      }
      const retired = changedRows<{ kid: string }>(
        await m.query(
          `UPDATE jwt_signing_keys SET retired_at = now() WHERE retired_at IS NULL${when}
            RETURNING kid`,
          params,
        ),
      );
      if (retired.length === 0) return {};
      await this.insertCurrent(key, m);
      return { retired: retired[0].kid };
    });
  }

  /** Deletes keys retired more than `olderThanMs` ago: no token they signed is still valid. */
  async deleteRetired(olderThanMs: number): Promise<number> {
    const rows = changedRows(
      await this.db.query(
        `DELETE FROM jwt_signing_keys
          WHERE retired_at < now() - ${msInterval('$1')} RETURNING kid`,
        [olderThanMs],
      ),
    );
    return rows.length;
  }
}

export interface NewSigningKey {
  kid: string;
  alg: string;
  publicJwk: string;
  sealedPrivateJwk: string;
}
