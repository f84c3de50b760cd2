import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../database/sql';

/** A passkey to store: what the verified registration gave, and the name. */
export interface NewPasskey {
  userId: string;
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: string;
  name: string;
}

/** A stored passkey, as the rules need it (the public key leaves only for verification). */
export interface PasskeyRow extends NewPasskey {
  id: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type ChallengePurpose = 'register' | 'login' | 'mfa';

/** What a challenge is bound to: its user, the session that asked, or the mfa_token's hash. */
export interface ChallengeBinding {
  userId?: string;
  sessionId?: string;
  binding?: string;
}

/** TypeORM answers an UPDATE or DELETE with [rows, count], anything else with the rows. */
function changedRows<T>(result: unknown): T[] {
  return (result as [T[], number])[0];
}

const COLUMNS = `id, user_id, credential_id, public_key, counter, transports, backed_up, device_type,
  name, created_at, last_used_at`;

/** The passkeys, the users' WebAuthn handles and the ceremonies' challenges. */
@Injectable()
export class PasskeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private on(m?: EntityManager): DataSource | EntityManager {
    return m ?? this.db;
  }

  /** The user's WebAuthn handle, made (random, 32 bytes) the first time it is asked for. */
  async handleOf(userId: string, fresh: string): Promise<string> {
    await this.db.query(
      `INSERT INTO passkey_user_handles (user_id, handle) VALUES ($1, $2)
       ON CONFLICT (user_id) DO NOTHING`,
      [userId, fresh],
    );
    const rows: { handle: string }[] = await this.db.query(
      `SELECT handle FROM passkey_user_handles WHERE user_id = $1`,
      [userId],
    );
    return rows[0].handle;
  }

  async handleOfUser(userId: string): Promise<string | undefined> {
    const rows: { handle: string }[] = await this.db.query(
      `SELECT handle FROM passkey_user_handles WHERE user_id = $1`,
      [userId],
    );
    return rows[0]?.handle;
  }

  async listForUser(userId: string, m?: EntityManager): Promise<PasskeyRow[]> {
    const rows: RawPasskey[] = await this.on(m).query(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toPasskey);
  }

  async countForUser(userId: string, m?: EntityManager): Promise<number> {
    const rows: { n: number }[] = await (m ?? this.db).query(
      `SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1`,
      [userId],
    );
    return Number(rows[0].n);
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const rows: RawPasskey[] = await this.db.query(
      `SELECT ${COLUMNS} FROM passkeys WHERE credential_id = $1`,
      [credentialId],
    );
    return rows[0] && toPasskey(rows[0]);
  }

  async findOfUser(userId: string, id: string, m?: EntityManager): Promise<PasskeyRow | undefined> {
    const rows: RawPasskey[] = await this.on(m).query(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return rows[0] && toPasskey(rows[0]);
  }

  /** The new passkey, or undefined when its credential id is registered already. */
  async insert(p: NewPasskey, m: EntityManager): Promise<PasskeyRow | undefined> {
    const rows: RawPasskey[] = await m.query(
      `INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, backed_up,
                             device_type, name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (credential_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        p.userId,
        p.credentialId,
        Buffer.from(p.publicKey),
        p.counter,
        p.transports,
        p.backedUp,
        p.deviceType,
        p.name,
      ],
    );
    return rows[0] && toPasskey(rows[0]);
  }

  async rename(userId: string, id: string, name: string): Promise<PasskeyRow | undefined> {
    const rows = changedRows<RawPasskey>(
      await this.db.query(
        `UPDATE passkeys SET name = $3 WHERE user_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [userId, id, name],
      ),
    );
    return rows[0] && toPasskey(rows[0]);
  }

  async delete(userId: string, id: string, m: EntityManager): Promise<PasskeyRow | undefined> {
    const rows = changedRows<RawPasskey>(
      await m.query(`DELETE FROM passkeys WHERE user_id = $1 AND id = $2 RETURNING ${COLUMNS}`, [
        userId,
        id,
      ]),
    );
    return rows[0] && toPasskey(rows[0]);
  }

  /**
   * Records a use with the counter the authenticator reported, only if the counter grew (or both
   * stay 0, as synced passkeys keep them): of parallel uses with one counter value, one wins.
   */
  async recordUse(id: string, counter: number, backedUp: boolean): Promise<boolean> {
    const rows = changedRows<{ id: string }>(
      await this.db.query(
        `UPDATE passkeys SET counter = $2, backed_up = $3, last_used_at = now()
          WHERE id = $1 AND (counter < $2 OR ($2 = 0 AND counter = 0))
          RETURNING id`,
        [id, counter, backedUp],
      ),
    );
    return rows.length === 1;
  }

  // Challenges

  async insertChallenge(
    purpose: ChallengePurpose,
    challenge: string,
    bound: ChallengeBinding,
    ttlMs: number,
  ): Promise<{ id: string; expiresAt: Date }> {
    // Ended challenges go as new ones come, so the table holds only a few minutes' worth.
    await this.db.query(`DELETE FROM webauthn_challenges WHERE expires_at < now()`);
    if (bound.binding) {
      // One live challenge per mfa_token: new options replace the ones before.
      await this.db.query(`DELETE FROM webauthn_challenges WHERE binding = $1`, [bound.binding]);
    }
    const rows: { id: string; expires_at: Date }[] = await this.db.query(
      `INSERT INTO webauthn_challenges (purpose, challenge, user_id, session_id, binding, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + ${msInterval('$6')})
       RETURNING id, expires_at`,
      [
        purpose,
        challenge,
        bound.userId ?? null,
        bound.sessionId ?? null,
        bound.binding ?? null,
        ttlMs,
      ],
    );
    return { id: String(rows[0].id), expiresAt: new Date(rows[0].expires_at) };
  }

  /**
   * Takes a live challenge of this purpose and binding, in one statement: of parallel requests
   * with the same challenge exactly one gets it back. A challenge of another session or user is
   * left alone (and the caller answers as for a spent one).
   */
  async takeChallenge(
    purpose: ChallengePurpose,
    where: { id?: string } & ChallengeBinding,
  ): Promise<string | undefined> {
    const rows = changedRows<{ challenge: string }>(
      await this.db.query(
        `DELETE FROM webauthn_challenges
          WHERE purpose = $1 AND expires_at > now()
            AND ($2::uuid IS NULL OR id = $2::uuid)
            AND ($3::bigint IS NULL OR user_id = $3::bigint)
            AND ($4::uuid IS NULL OR session_id = $4::uuid)
            AND ($5::char(64) IS NULL OR binding = $5::char(64))
          RETURNING challenge`,
        [
          purpose,
          where.id ?? null,
          where.userId ?? null,
          where.sessionId ?? null,
          where.binding ?? null,
        ],
      ),
    );
    return rows[0]?.challenge;
  }
}

interface RawPasskey {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Uint8Array;
  counter: string | number;
  transports: string[] | string | null;
  backed_up: boolean;
  device_type: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** `text[]` comes back as an array from pg, and may come back as its literal elsewhere. */
function arrayOf(v: string[] | string | null): string[] {
  if (Array.isArray(v)) return v;
  if (!v || v === '{}') return [];
  return v.replace(/^\{|\}$/g, '').split(',');
}

function toPasskey(r: RawPasskey): PasskeyRow {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    credentialId: r.credential_id,
    publicKey: new Uint8Array(r.public_key),
    counter: Number(r.counter),
    transports: arrayOf(r.transports),
    backedUp: r.backed_up,
    deviceType: r.device_type,
    name: r.name,
    createdAt: new Date(r.created_at),
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
  };
}
