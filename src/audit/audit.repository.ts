import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { countUpToSql } from '../database/count-up-to';
import { AuditChain } from './audit-chain';

/** Which records: every given condition must hold. Times are ISO-8601 strings, both bounds inclusive. */
export interface AuditFilter {
  /** Records where one of them is the actor or the target. */
  userIds?: string[];
  actions?: string[];
  from?: string;
  to?: string;
  outcome?: string;
}

/** A record as read for the API: bigint ids as strings, `at` already ISO-8601 UTC (milliseconds). */
export interface AuditRow {
  id: string;
  at: string;
  /** `at` with microseconds, the position for keyset paging. */
  cursor_at: string;
  action: string;
  outcome: string;
  actor_id: string | null;
  actor_email: string | null;
  target_id: string | null;
  target_email: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  client_request_id: string | null;
  details: Record<string, unknown>;
}

/** Position after which the next keyset page starts (newest first). */
export interface AuditCursor {
  at: string;
  id: string;
}

// ORDER BY must name audit_log.at: a bare `at` would sort by the formatted text column below,
// which no index serves.
const COLUMNS = `id,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
  action, outcome, actor_id, actor_email, target_id, target_email, ip, user_agent, request_id,
  client_request_id, details`;

/** Arbitrary constant naming the retention purge's advisory lock. */
const PURGE_LOCK_KEY = 73_246_301;

/** Builds a parameterised WHERE clause; values never enter the SQL text. */
function whereOf(f: AuditFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const param = (value: unknown, cast = '') => {
    params.push(value);
    return `$${params.length}${cast}`;
  };
  if (f.userIds?.length) {
    const ids = f.userIds.map((id) => param(id, '::bigint')).join(', ');
    conditions.push(`(actor_id IN (${ids}) OR target_id IN (${ids}))`);
  }
  if (f.actions?.length) {
    conditions.push(`action IN (${f.actions.map((a) => param(a)).join(', ')})`);
  }
  if (f.from) conditions.push(`at >= ${param(f.from, '::timestamptz')}`);
  if (f.to) conditions.push(`at <= ${param(f.to, '::timestamptz')}`);
  if (f.outcome) conditions.push(`outcome = ${param(f.outcome)}`);
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

@Injectable()
export class AuditRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly chain: AuditChain,
  ) {}

  /** One page, newest first; ties on `at` broken by id so pages never overlap. */
  async findPage(filter: AuditFilter, offset: number, limit: number): Promise<AuditRow[]> {
    const params: unknown[] = [];
    const where = whereOf(filter, params);
    params.push(limit, offset);
    return this.db.query(
      `SELECT ${COLUMNS} FROM audit_log ${where}
       ORDER BY audit_log.at DESC, audit_log.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /** How many records match, reading at most `atMost` of them. */
  async count(filter: AuditFilter, atMost: number): Promise<number> {
    const params: unknown[] = [];
    const query = `SELECT 1 FROM audit_log ${whereOf(filter, params)}`;
    const [{ n }]: { n: number }[] = await this.db.query(
      countUpToSql(query, params, atMost),
      params,
    );
    return n;
  }

  /**
   * The next `limit` records older than `after` (from the newest when absent): keyset paging on
   * (at, id), which costs the same for the last chunk as for the first and holds no transaction.
   */
  async findChunk(
    filter: AuditFilter,
    after: AuditCursor | null,
    limit: number,
  ): Promise<AuditRow[]> {
    const params: unknown[] = [];
    let where = whereOf(filter, params);
    if (after) {
      params.push(after.at, after.id);
      const keyset = `(at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`;
      where = where ? `${where} AND ${keyset}` : `WHERE ${keyset}`;
    }
    params.push(limit);
    return this.db.query(
      `SELECT ${COLUMNS} FROM audit_log ${where} ORDER BY audit_log.at DESC, audit_log.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Deletes up to `limit` records older than `cutoff` through the one path the append-only trigger
   * allows (see the AuditAppendOnly migration), in one short transaction. Returns how many went, or
   * null when another instance is purging right now (it holds the advisory lock).
   */
  async purgeBatch(cutoff: Date, limit: number): Promise<number | null> {
    return this.db.transaction(async (m) => {
      const [{ locked }]: { locked: boolean }[] = await m.query(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [PURGE_LOCK_KEY],
      );
      if (!locked) return null;
      await m.query(`SELECT set_config('audit.allow_purge', 'on', true)`);
      await m.query(`SELECT set_config('audit.purge_before', $1, true)`, [cutoff.toISOString()]);
      // TypeORM answers a DELETE with [rows, count].
      const [gone]: [{ id: string; hash: Uint8Array | null }[], number] = await m.query(
        `DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE at < $1::timestamptz ORDER BY at LIMIT $2)
         RETURNING id::text AS id, hash`,
        [cutoff.toISOString(), limit],
      );
      await this.chain.checkpointRuns(m, gone);
      return gone.length;
    });
  }
}
