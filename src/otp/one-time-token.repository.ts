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

  /**
   * Locks every live code and link of an address and purpose, in id order. Every path that
   * changes them (a code check, a link, a new code) takes this lock first, so two of them
   * never hold one row each while waiting for the other's (a deadlock, 40P01).
   */
  async lockOutstanding(
    manager: EntityManager,
    email: string,
    purpose: string,
  ): Promise<OneTimeToken[]> {
    return this.on(manager)
      .createQueryBuilder('t')
      .where('t.email = :email AND t.purpose = :purpose AND t.consumed_at IS NULL', {
        email,
        purpose,
      })
      .orderBy('t.id', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
  }

  /** Burns every live code and link of an address and purpose (a newer one supersedes them). */
  async consumeOutstanding(manager: EntityManager, email: string, purpose: string): Promise<void> {
    await this.lockOutstanding(manager, email, purpose);
    await this.on(manager).update(
      { email, purpose, consumedAt: IsNull() },
      { consumedAt: () => 'now()' },
    );
  }

  /**
   * Burns every live code and link of a user (of these purposes, or all), locking them first in id
   * order, as `lockOutstanding` does: callers take these before the user's row, like every code
   * check (which locks its codes, then changes the user).
   */
  async consumeOutstandingOfUser(
    manager: EntityManager,
    userId: string,
    purposes?: string[],
  ): Promise<void> {
    const live = await this.on(manager)
      .createQueryBuilder('t')
      .where('t.user_id = :userId AND t.consumed_at IS NULL', { userId })
      .andWhere(purposes ? 't.purpose IN (:...purposes)' : 'TRUE', { purposes })
      .orderBy('t.id', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
    if (!live.length) return;
    await this.on(manager).update(
      live.map((t) => t.id),
      { consumedAt: () => 'now()' },
    );
  }

  /** The newest live code of a user and purpose (whatever its address); not locked. */
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

  /** The newest live code of an address and purpose, locked (with its link) for the transaction. */
  async findLatestLiveCode(
    manager: EntityManager,
    email: string,
    purpose: string,
  ): Promise<OneTimeToken | null> {
    const live = await this.lockOutstanding(manager, email, purpose);
    const codes = live.filter((t) => t.kind === 'code');
    codes.sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || Number(b.id) - Number(a.id),
    );
    return codes[0] ?? null;
  }

  /**
   * A link token by its hash. With a manager (transaction), the live codes and links of its
   * address are locked first (the one lock order), and the link is read again under that lock.
   */
  async findLinkByHash(tokenHash: string, manager?: EntityManager): Promise<OneTimeToken | null> {
    const find = () =>
      this.on(manager)
        .createQueryBuilder('t')
        .where(`t.token_hash = :tokenHash AND t.kind = 'link'`, { tokenHash })
        .getOne();
    const row = await find();
    if (!row || !manager || row.consumedAt) return row;
    await this.lockOutstanding(manager, row.email, row.purpose);
    return find();
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
