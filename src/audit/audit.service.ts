import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { EntityManager, Repository } from 'typeorm';
import { AuditRecord } from './audit-record.entity';

export interface AuditEntry {
  action: string;
  /** `success` or the error code. */
  outcome: string;
  actor?: { id: string | number; email?: string | null } | null;
  target?: { id?: string | number | null; email?: string | null } | null;
  details?: Record<string, unknown>;
  /** The request it happened in: ip, user agent and request id are taken from it. */
  request?: Request;
}

/** Writes the history of who did what. Every module records through here. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectRepository(AuditRecord) private readonly records: Repository<AuditRecord>) {}

  /** Records one action; inside `manager`'s transaction when given, so it commits with the change. */
  async record(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    const repo = manager ? manager.getRepository(AuditRecord) : this.records;
    const req = entry.request;
    await repo.save(
      repo.create({
        action: entry.action,
        outcome: entry.outcome,
        actorId: entry.actor ? String(entry.actor.id) : null,
        actorEmail: entry.actor?.email ?? null,
        targetId: entry.target?.id != null ? String(entry.target.id) : null,
        targetEmail: entry.target?.email ?? null,
        ip: req?.ip?.slice(0, 64) ?? null,
        userAgent: req?.headers['user-agent']?.slice(0, 512) ?? null,
        requestId: req?.id ?? null,
        details: entry.details ?? {},
      }),
    );
  }

  /** Like `record`, but a failure to write is logged instead of failing the request it is about. */
  async recordQuietly(entry: AuditEntry): Promise<void> {
    try {
      await this.record(entry);
    } catch (e) {
      this.logger.error({ msg: 'audit record lost', action: entry.action, err: String(e) });
    }
  }
}
