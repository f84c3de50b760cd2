import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { RequestMeta } from '../common/request-meta';
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

/** Writes the history of who did what. Every module records through here. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly observers: Array<(action: string, outcome: string) => void> = [];

  constructor(@InjectRepository(AuditRecord) private readonly records: Repository<AuditRecord>) {}

  /** Tells `observer` the action and outcome of every record written (metrics count logins so). */
  observe(observer: (action: string, outcome: string) => void): void {
    this.observers.push(observer);
  }

  /** Records one action; inside `manager`'s transaction when given, so it commits with the change. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const repo = manager ? manager.getRepository(AuditRecord) : this.records;
    const meta = entry.meta;
    await repo.save(
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
    for (const observer of this.observers) observer(entry.action, entry.outcome);
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
