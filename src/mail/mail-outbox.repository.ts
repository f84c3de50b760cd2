import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../database/sql';
import { MailOutbox, MailStatus } from './mail-outbox.entity';

/** A claimed mail: what the worker needs to render and send it. */
export interface ClaimedMail {
  id: string;
  to: string;
  template: string;
  context: Record<string, unknown>;
  /** Tries so far, this one included. */
  attempts: number;
}

interface RawClaim {
  id: string;
  to_address: string;
  template: string;
  context: Record<string, unknown>;
  attempts: number;
}

/** The outbox queries: add in the caller's transaction, claim with a lease, settle. */
@Injectable()
export class MailOutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async add(
    manager: EntityManager,
    mail: { to: string; template: string; context: Record<string, unknown> },
  ): Promise<string> {
    const repo = manager.getRepository(MailOutbox);
    const row = await repo.save(
      repo.create({ toAddress: mail.to, template: mail.template, context: mail.context }),
    );
    return row.id;
  }

  /**
   * Claims up to `limit` due mails in one statement (its own short transaction). SKIP LOCKED lets
   * several workers claim at once without taking the same row; the lease (`next_attempt_at` moves
   * to the end of it) lets another worker take over the rows of a worker that died mid-send.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedMail[]> {
    const rows: RawClaim[] = await this.db.query(
      `UPDATE mail_outbox o
          SET status = 'sending',
              attempts = o.attempts + 1,
              locked_until = now() + ${msInterval('$2')},
              next_attempt_at = now() + ${msInterval('$2')}
        WHERE o.id IN (
          SELECT id FROM mail_outbox
           WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
           ORDER BY next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.to_address, o.template, o.context, o.attempts`,
      [limit, leaseMs],
    );
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected] on both drivers.
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as RawClaim[];
    return list.map((r) => ({
      id: String(r.id),
      to: r.to_address,
      template: r.template,
      context: r.context ?? {},
      attempts: Number(r.attempts),
    }));
  }

  /** Sent: the context (codes, links) is no longer needed, so it is dropped. */
  async markSent(id: string): Promise<void> {
    await this.db.query(
      `UPDATE mail_outbox SET status = 'sent', sent_at = now(), context = '{}'::jsonb,
              locked_until = NULL, last_error = NULL
        WHERE id = $1 AND status = 'sending'`,
      [id],
    );
  }

  async scheduleRetry(id: string, delayMs: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE mail_outbox SET status = 'pending', locked_until = NULL, last_error = $3,
              next_attempt_at = now() + ${msInterval('$2')}
        WHERE id = $1 AND status = 'sending'`,
      [id, delayMs, error.slice(0, 1000)],
    );
  }

  /** Given up for good; the context goes too, since its codes are of no use any more. */
  async markFailed(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE mail_outbox SET status = 'failed', context = '{}'::jsonb, locked_until = NULL,
              last_error = $2
        WHERE id = $1 AND status = 'sending'`,
      [id, error.slice(0, 1000)],
    );
  }

  /** Mails per status, and the age of the oldest pending one (for /metrics). */
  async stats(): Promise<OutboxStats> {
    const rows: { status: MailStatus; n: string; oldest: string | null }[] = await this.db.query(
      `SELECT status, count(*) AS n,
              extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')) AS oldest
         FROM mail_outbox GROUP BY status`,
    );
    const byStatus = { pending: 0, sending: 0, sent: 0, failed: 0 } as Record<MailStatus, number>;
    let oldestPendingSeconds = 0;
    for (const r of rows) {
      byStatus[r.status] = Number(r.n);
      if (r.oldest !== null) oldestPendingSeconds = Number(r.oldest);
    }
    return { byStatus, oldestPendingSeconds };
  }
}

export interface OutboxStats {
  byStatus: Record<MailStatus, number>;
  /** 0 when nothing is pending. */
  oldestPendingSeconds: number;
}
