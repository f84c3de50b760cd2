import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { RequestMeta } from '../common/request-meta';
import type { AuditContext } from './audit-context';
import { AuditRecord } from './audit-record.entity';

export interface AuditEntry {
  action: string;
  /** `success` or the error code. */
  outcome: string;
  actor?: { id: string | number; email?: string | null } | null;
  target?: { id?: string | number | null; email?: string | null } | null;
  details?: Record<string, unknown>;
  /** The request it happened in (ip, user agent, request id); none for a background job. */
  meta?: RequestMeta;
  /** When it happened, for history imported from elsewhere; otherwise now. */
  at?: Date;
}

/** Keys whose values are never written to the log, whatever a caller puts in `details`. */
const SECRET_KEY = /pass(word|wd)?|secret|token|hash|otp|pepper|cookie|authorization|^code$/i;

function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1),
    ]),
  );
}

/** An audit record as written, for the hooks that act on it in its transaction. */
export interface WrittenAuditRecord {
  id: string;
  action: string;
  outcome: string;
  actorId: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  at: Date;
  /** Written for a request (not a background job). */
  fromRequest: boolean;
}

/**
 * Work that must commit or roll back with an audit record: the webhook outbox turns the record of a
 * change into an event in the change's own transaction. `wants` is asked first, so a record no hook
 * wants costs nothing; a wanted record written without a transaction gets one of its own.
 */
export interface AuditWriteHook {
  wants(action: string, outcome: string): boolean;
  written(record: WrittenAuditRecord, manager: EntityManager): Promise<void>;
}

/** What a deleted user's address becomes in the audit records. */
export const pseudonymOf = (userId: string | number) => `deleted-user-${userId}`;

/**
 * Writes the history of who did what. A route that is one action declares it with `@Audit` and the
 * interceptor records it; a service calls this directly for what no interceptor can record: a
 * success in its own transaction, a refusal (audit-failures.ts), the work of no request.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly observers: Array<(action: string, outcome: string) => void> = [];
  private readonly hooks: AuditWriteHook[] = [];

  constructor(@InjectRepository(AuditRecord) private readonly records: Repository<AuditRecord>) {}

  /** Tells `observer` the action and outcome of every record written (metrics count logins so). */
  observe(observer: (action: string, outcome: string) => void): void {
    this.observers.push(observer);
  }

  /** Runs `hook` in the transaction of every record it wants (see AuditWriteHook). */
  addWriteHook(hook: AuditWriteHook): void {
    this.hooks.push(hook);
  }

  /**
   * Records one action; inside `manager`'s transaction when given, so it commits with the change.
   * Returns the record's id.
   */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<string> {
    const hooks = this.hooks.filter((h) => h.wants(entry.action, entry.outcome));
    if (hooks.length && !manager?.queryRunner?.isTransactionActive) {
      return this.records.manager.transaction((m) => this.record(entry, m));
    }
    const repo = manager ? manager.getRepository(AuditRecord) : this.records;
    const meta = entry.meta;
    const saved = await repo.save(
      repo.create({
        ...(entry.at ? { at: entry.at } : {}),
        action: entry.action,
        outcome: entry.outcome.slice(0, 64),
        actorId: entry.actor?.id != null ? String(entry.actor.id) : null,
        actorEmail: entry.actor?.email ?? null,
        targetId: entry.target?.id != null ? String(entry.target.id) : null,
        targetEmail: entry.target?.email ?? null,
        ip: meta?.ip?.slice(0, 64) ?? null,
        userAgent: meta?.userAgent?.slice(0, 512) ?? null,
        requestId: meta?.requestId ?? null,
        clientRequestId: meta?.clientRequestId ?? null,
        details: redactSecrets(entry.details ?? {}) as Record<string, unknown>,
      }),
    );
    for (const hook of hooks) {
      await hook.written(
        {
          id: String(saved.id),
          action: saved.action,
          outcome: saved.outcome,
          actorId: saved.actorId,
          targetId: saved.targetId,
          details: saved.details,
          at: saved.at ?? new Date(),
          fromRequest: entry.meta !== undefined,
        },
        manager!,
      );
    }
    for (const observer of this.observers) observer(entry.action, entry.outcome);
    return String(saved.id);
  }

  /**
   * After a user row was deleted, in the same transaction: replaces the user's addresses by
   * `deleted-user-<id>` in the audit records (actor_email, target_email), keeping the ids and
   * everything else. The one UPDATE the append-only trigger allows (AuditPseudonymise migration).
   * Returns how many records changed.
   */
  async pseudonymiseUser(manager: EntityManager, userId: string, email: string): Promise<number> {
    // Every address the user ever had in the records, not only the current one.
    const known: { email: string }[] = await manager.query(
      `SELECT actor_email AS email FROM audit_log WHERE actor_id = $1 AND actor_email IS NOT NULL
       UNION SELECT target_email FROM audit_log WHERE target_id = $1 AND target_email IS NOT NULL`,
      [userId],
    );
    const emails = JSON.stringify([...new Set([email, ...known.map((k) => k.email)])]);
    const alias = pseudonymOf(userId);
    await manager.query(`SELECT set_config('audit.pseudonymise_user', $1, true)`, [userId]);
    await manager.query(`SELECT set_config('audit.pseudonymise_emails', $1, true)`, [emails]);
    const mine = (col: 'actor' | 'target') =>
      `${col}_email IS NOT NULL AND ${col}_email <> $3 AND (${col}_id = $1
         OR ${col}_email IN (SELECT jsonb_array_elements_text($2::jsonb)))`;
    // TypeORM answers an UPDATE with [rows, count].
    const [, count]: [unknown, number] = await manager.query(
      `UPDATE audit_log SET
         actor_email = CASE WHEN ${mine('actor')} THEN $3 ELSE actor_email END,
         target_email = CASE WHEN ${mine('target')} THEN $3 ELSE target_email END
       WHERE (${mine('actor')}) OR (${mine('target')})`,
      [userId, emails, alias],
    );
    await manager.query(`SELECT set_config('audit.pseudonymise_user', '', true)`);
    await manager.query(`SELECT set_config('audit.pseudonymise_emails', '', true)`);
    return count;
  }

  /**
   * The success record of an `@Audit` route, written now in `manager`'s transaction (so whatever
   * acts on the record, such as a webhook event, commits with the change) instead of by the
   * interceptor after the answer. Call it last in the transaction: details added later are lost.
   */
  async recordInTransaction(ctx: AuditContext, manager: EntityManager): Promise<string> {
    const action = ctx.action ?? ctx.routeAction;
    if (!action) throw new Error('recordInTransaction outside an @Audit route');
    const actor = ctx.actor ?? ctx.caller;
    const id = await this.record(
      {
        action,
        outcome: 'success',
        actor: actor?.id != null ? { id: actor.id, email: actor.email } : null,
        target: ctx.target,
        details: ctx.details,
        meta: ctx.meta,
      },
      manager,
    );
    ctx.recorded = true;
    return id;
  }

  /** Like `record`, but a failure to write is logged instead of failing the request it is about. */
  async recordQuietly(entry: AuditEntry): Promise<void> {
    try {
      await this.record(entry);
    } catch (e) {
      this.logger.error({
        msg: 'audit record lost',
        action: entry.action,
        request_id: entry.meta?.requestId,
        err: String(e),
      });
    }
  }
}
