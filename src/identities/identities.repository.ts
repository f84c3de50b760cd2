import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { msInterval } from '../database/sql';
import { Identity } from './identity.entity';
import { OAuthCode } from './oauth-code.entity';

/** The identities and oauth_codes tables' only owner. */
@Injectable()
export class IdentitiesRepository {
  constructor(
    @InjectRepository(Identity) private readonly identities: Repository<Identity>,
    @InjectRepository(OAuthCode) private readonly codes: Repository<OAuthCode>,
  ) {}

  private repo(manager?: EntityManager): Repository<Identity> {
    return manager ? manager.getRepository(Identity) : this.identities;
  }

  /** The identity of a provider's subject, its row locked until `manager`'s transaction ends. */
  lockByProviderSubject(
    provider: string,
    subject: string,
    manager: EntityManager,
  ): Promise<Identity | null> {
    return manager
      .getRepository(Identity)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.provider = :provider AND i.subject = :subject', { provider, subject })
      .getOne();
  }

  listForUser(userId: string, manager?: EntityManager): Promise<Identity[]> {
    return this.repo(manager).find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  countForUser(userId: string, manager?: EntityManager): Promise<number> {
    return this.repo(manager).count({ where: { userId } });
  }

  /**
   * Links the subject to the user; false when a parallel sign-in linked it first (the unique
   * index decides, without failing the caller's transaction).
   */
  async link(
    fields: { userId: string; provider: string; subject: string; email: string | null },
    manager: EntityManager,
  ): Promise<Identity | null> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO identities (user_id, provider, subject, email, last_used_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (provider, subject) DO NOTHING
       RETURNING id`,
      [fields.userId, fields.provider, fields.subject, fields.email],
    );
    return row ? manager.getRepository(Identity).findOneBy({ id: row.id }) : null;
  }

  async markUsed(id: string, email: string | null, manager: EntityManager): Promise<void> {
    await manager
      .getRepository(Identity)
      .update({ id }, { lastUsedAt: () => 'now()', ...(email ? { email } : {}) });
  }

  /** Removes one of the user's identities; false when the user has no such identity. */
  async deleteForUser(userId: string, id: string, manager: EntityManager): Promise<boolean> {
    const result = await manager.getRepository(Identity).delete({ id, userId });
    return (result.affected ?? 0) > 0;
  }

  /** Stores a new code (its hash), clearing codes that expired long ago on the way. */
  async insertCode(
    fields: { codeHash: string; userId: string; provider: string; codeChallenge: string },
    ttlMs: number,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(`DELETE FROM oauth_codes WHERE expires_at < now() - interval '1 hour'`);
    await manager.query(
      `INSERT INTO oauth_codes (code_hash, user_id, provider, code_challenge, expires_at)
       VALUES ($1, $2, $3, $4, now() + ${msInterval('$5')})`,
      [fields.codeHash, fields.userId, fields.provider, fields.codeChallenge, ttlMs],
    );
  }

  /**
   * Uses the code up, by one conditional UPDATE: of parallel redemptions exactly one gets the row,
   * and an expired or used code gets nothing.
   */
  async redeemCode(codeHash: string, manager?: EntityManager): Promise<OAuthCode | null> {
    type Row = { user_id: string; provider: string; code_challenge: string };
    const [rows] = await (manager ?? this.codes.manager).query<[Row[], number]>(
      `UPDATE oauth_codes SET used_at = now()
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id, provider, code_challenge`,
      [codeHash],
    );
    const row = rows[0];
    if (!row) return null;
    return Object.assign(new OAuthCode(), {
      codeHash,
      userId: String(row.user_id),
      provider: row.provider,
      codeChallenge: row.code_challenge,
    });
  }
}
