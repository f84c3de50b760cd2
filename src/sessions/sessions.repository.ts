import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Pool } from 'pg';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { Role } from '../common/auth-user';
import { authConfig, AuthConfig, databaseConfig, DatabaseConfig } from '../config/config';
import { msInterval } from '../database/sql';
import { ChangeEvents } from '../events/change-events.service';
import { blockedSql } from '../common/user-status';
import { LookupBatcher } from './lookup-batcher';
import { Session } from './session.entity';
import { touchIntervalMs } from './session-token';

/** What the token check needs in one row: the live session and its user. */
export interface LiveSessionRow {
  token_hash: string;
  session_id: string;
  session_created_at: Date;
  expires_at: Date;
  /** The database's clock says `last_seen_at` is older than the touch interval. */
  needs_touch: boolean;
  /** 2 when the session passed a second factor. */
  aal: 1 | 2;
  /** The user has a confirmed second factor. */
  mfa_enabled: boolean;
  /** How many passkeys the user has. */
  passkeys: number;
  id: string;
  email: string;
  name: string | null;
  surname: string | null;
  role: Role;
  is_active: boolean;
  is_confirmed: boolean;
  created_at: Date;
  updated_at: Date;
  blocked_until: Date | null;
  last_login_at: Date | null;
  locale: string;
}

/**
 * The hot path: one statement over the unique index on token_hash (for one token, or for the
 * tokens of the requests that arrived while the previous statement ran), joined to the user, with every
 * rule that can end a session (revocation, absolute and idle expiry, block, lost confirmation)
 * checked by the database's clock, so every instance sees a change on the very next request.
 */
const FIND_LIVE_BY_TOKEN_HASH = `
  SELECT s.token_hash, s.id AS session_id, s.created_at AS session_created_at, s.expires_at, s.aal,
         s.last_seen_at < now() - ${msInterval('$3')} AS needs_touch,
         EXISTS (SELECT 1 FROM mfa_totp m WHERE m.user_id = u.id AND m.confirmed_at IS NOT NULL)
           AS mfa_enabled,
         (SELECT count(*)::int FROM passkeys p WHERE p.user_id = u.id) AS passkeys,
         u.id, u.email, u.name, u.surname, u.role, u.is_active, u.is_confirmed,
         u.created_at, u.updated_at, u.blocked_until, u.last_login_at, u.locale
    FROM sessions s JOIN users u ON u.id = s.user_id
   WHERE s.token_hash = ANY($1::char(64)[])
     AND s.revoked_at IS NULL
     AND s.expires_at > now()
     AND ($2::double precision IS NULL OR s.last_seen_at > now() - ${msInterval('$2')})
     AND u.is_confirmed
     AND NOT ${blockedSql('u')}`;

const TOUCH = `UPDATE sessions SET last_seen_at = now() WHERE id = $1`;

/** Queries on sessions behind names that say what they are for. */
@Injectable()
export class SessionsRepository {
  /** The `pg` pool on PostgreSQL, for named prepared statements; undefined on the embedded driver. */
  private readonly pgPool?: Pool;
  private readonly lookups: LookupBatcher<string, LiveSessionRow>;
  private readonly idleTimeoutMs: number | null;
  private readonly touchAfterMs: number;

  constructor(
    @InjectRepository(Session) private readonly repo: Repository<Session>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) dbCfg: DatabaseConfig,
    @Inject(authConfig.KEY) authCfg: AuthConfig,
    private readonly events: ChangeEvents,
  ) {
    const master: unknown = (db.driver as unknown as { master?: unknown }).master;
    if (master instanceof Pool) this.pgPool = master;
    this.idleTimeoutMs = authCfg.sessionIdleTimeoutMs ?? null;
    this.touchAfterMs = touchIntervalMs(authCfg.sessionIdleTimeoutMs);
    // Half the pool at most, so logins and the rest always find a connection.
    const slots = this.pgPool ? Math.max(1, Math.floor(dbCfg.poolSize / 2)) : 1;
    this.lookups = new LookupBatcher((hashes) => this.fetchLive(hashes), slots);
  }

  private on(manager?: EntityManager): Repository<Session> {
    return manager ? manager.getRepository(Session) : this.repo;
  }

  /** The live session of a token hash with its user, or undefined. */
  findLiveByTokenHash(tokenHash: string): Promise<LiveSessionRow | undefined> {
    return this.lookups.get(tokenHash);
  }

  /**
   * One statement for many token hashes: on PostgreSQL a named prepared statement (parsed and
   * planned once per connection), on the embedded database a plain query.
   */
  private async fetchLive(hashes: string[]): Promise<Map<string, LiveSessionRow>> {
    const values = [hashes, this.idleTimeoutMs, this.touchAfterMs];
    const rows = this.pgPool
      ? (
          await this.pgPool.query<LiveSessionRow>({
            name: 'sessions_find_live_by_token_hashes',
            text: FIND_LIVE_BY_TOKEN_HASH,
            values,
          })
        ).rows
      : await this.db.query<LiveSessionRow[]>(FIND_LIVE_BY_TOKEN_HASH, values);
    return new Map(rows.map((r) => [r.token_hash, { ...r, aal: Number(r.aal) as 1 | 2 }]));
  }

  /** Moves `last_seen_at` to now (for the idle timeout and the session list). */
  async touch(sessionId: string): Promise<void> {
    if (this.pgPool) {
      await this.pgPool.query({ name: 'sessions_touch', text: TOUCH, values: [sessionId] });
    } else {
      await this.db.query(TOUCH, [sessionId]);
    }
  }

  async insert(
    fields: Pick<Session, 'userId' | 'tokenHash' | 'expiresAt' | 'ip' | 'userAgent' | 'aal'>,
    manager?: EntityManager,
  ): Promise<Session> {
    const repo = this.on(manager);
    const saved = await repo.save(repo.create(fields));
    return saved;
  }

  /** Marks a session of the user as having passed a second factor; its token checks change. */
  async raiseAal(userId: string, sessionId: string, manager?: EntityManager): Promise<void> {
    await this.on(manager).update({ id: sessionId, userId }, { aal: 2 });
    await this.events.userChanged(manager, userId);
  }

  /** The user's sessions that still count (not revoked, not expired, not idle), newest first. */
  findLiveForUser(
    userId: string,
    idleTimeoutMs: number | undefined,
    manager?: EntityManager,
  ): Promise<Session[]> {
    const qb = this.on(manager)
      .createQueryBuilder('s')
      .where('s.user_id = :userId', { userId })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > now()');
    if (idleTimeoutMs !== undefined) {
      qb.andWhere(`s.last_seen_at > now() - ${msInterval(':idle')}`, { idle: idleTimeoutMs });
    }
    return qb.orderBy('s.created_at', 'DESC').addOrderBy('s.id').getMany();
  }

  /**
   * Revokes one live session of this user; false when there is none (unknown, other user's, over).
   * Every revocation is published (after commit) by this one path, so no caller can forget it.
   */
  revokeForUser(userId: string, sessionId: string, manager?: EntityManager): Promise<boolean> {
    return this.inTransaction(manager, async (m) => {
      const ended = await this.revokeWhere(m, 'id = :sessionId AND user_id = :userId', {
        sessionId,
        userId,
      });
      await this.events.sessionEnded(m, ended);
      return ended.length > 0;
    });
  }

  /** Revokes every live session of the user, but `exceptSessionId`; returns how many. */
  revokeAllForUser(
    userId: string,
    exceptSessionId: string | undefined,
    manager?: EntityManager,
  ): Promise<number> {
    return this.inTransaction(manager, async (m) => {
      const ended = await this.revokeWhere(
        m,
        exceptSessionId ? 'user_id = :userId AND id <> :exceptSessionId' : 'user_id = :userId',
        { userId, exceptSessionId },
      );
      await this.events.sessionEnded(m, ended);
      return ended.length;
    });
  }

  private async revokeWhere(
    m: EntityManager,
    where: string,
    params: Record<string, unknown>,
  ): Promise<{ sessionId: string; userId: string }[]> {
    const r = await m
      .createQueryBuilder()
      .update(Session)
      .set({ revokedAt: () => 'now()' })
      .where(where, params)
      .andWhere('revoked_at IS NULL AND expires_at > now()')
      .returning('id, user_id')
      .execute();
    const rows = (r.raw ?? []) as { id: string; user_id: string | number }[];
    return rows.map((row) => ({ sessionId: row.id, userId: String(row.user_id) }));
  }

  /** The caller's transaction, or one of its own, so that the write and its event commit together. */
  private inTransaction<T>(
    manager: EntityManager | undefined,
    fn: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    return manager?.queryRunner?.isTransactionActive ? fn(manager) : this.db.transaction(fn);
  }

  /** Deletes sessions that expired or were revoked longer than `graceMs` ago; returns how many. */
  async purgeEnded(graceMs: number): Promise<number> {
    const r = await this.repo
      .createQueryBuilder()
      .delete()
      .from(Session)
      .where(
        `expires_at < now() - ${msInterval(':grace')} OR revoked_at < now() - ${msInterval(':grace')}`,
        { grace: graceMs },
      )
      .execute();
    return r.affected ?? 0;
  }
}
