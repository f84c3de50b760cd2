import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { OneTimeToken } from './one-time-token.entity';

/** Queries on codes and link tokens. Hashes leave this class only to be compared by OtpService. */
@Injectable()
export class OneTimeTokenRepository {
  constructor(@InjectRepository(OneTimeToken) private readonly repo: Repository<OneTimeToken>) {}

  private on(manager?: EntityManager): Repository<OneTimeToken> {
    return manager ? manager.getRepository(OneTimeToken) : this.repo;
  }

  async add(manager: EntityManager, token: Partial<OneTimeToken>): Promise<void> {
    const repo = this.on(manager);
    await repo.save(repo.create(token));
  }

  /** Burns every live code and link of an address and purpose (a newer one supersedes them). */
  async consumeOutstanding(manager: EntityManager, email: string, purpose: string): Promise<void> {
    await this.on(manager).update(
      { email, purpose, consumedAt: IsNull() },
      { consumedAt: () => 'now()' },
    );
  }

  /** Burns every live code and link of a user (of one purpose, or all). */
  async consumeOutstandingOfUser(
    manager: EntityManager,
    userId: string,
    purpose?: string,
  ): Promise<void> {
    await this.on(manager).update(
      { userId, consumedAt: IsNull(), ...(purpose ? { purpose } : {}) },
      { consumedAt: () => 'now()' },
    );
  }

  /** The newest live code of a user and purpose (whatever its address). */
  findLatestLiveCodeOfUser(
    manager: EntityManager,
    userId: string,
    purpose: string,
  ): Promise<OneTimeToken | null> {
    return this.on(manager)
      .createQueryBuilder('t')
      .where('t.user_id = :userId AND t.purpose = :purpose', { userId, purpose })
      .andWhere(`t.kind = 'code' AND t.consumed_at IS NULL`)
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(1)
      .getOne();
  }

  /** The newest live code of an address and purpose, locked for the rest of the transaction. */
  findLatestLiveCode(
    manager: EntityManager,
    email: string,
    purpose: string,
  ): Promise<OneTimeToken | null> {
    return this.on(manager)
      .createQueryBuilder('t')
      .where('t.email = :email AND t.purpose = :purpose', { email, purpose })
      .andWhere(`t.kind = 'code' AND t.consumed_at IS NULL`)
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(1)
      .setLock('pessimistic_write')
      .getOne();
  }

  /** A link token by its hash; locked when a manager (transaction) is given. */
  findLinkByHash(tokenHash: string, manager?: EntityManager): Promise<OneTimeToken | null> {
    const qb = this.on(manager)
      .createQueryBuilder('t')
      .where(`t.token_hash = :tokenHash AND t.kind = 'link'`, { tokenHash });
    if (manager) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** Counts a wrong try; `burn` also ends the code (its last allowed try). */
  async recordWrongTry(manager: EntityManager, id: string, burn: boolean): Promise<void> {
    await this.on(manager)
      .createQueryBuilder()
      .update(OneTimeToken)
      .set({
        attempts: () => 'attempts + 1',
        ...(burn ? { consumedAt: () => 'now()' } : {}),
      })
      .where('id = :id', { id })
      .execute();
  }
}
