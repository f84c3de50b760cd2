import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';
import { msInterval } from '../database/sql';
import { MailOutbox, MailStatus } from './mail-outbox.entity';

/** A row of the admin listing, as the database returns it (no context). */
export interface OutboxListRow {
  id: string;
  to_address: string;
  template: string;
  locale: string;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

/** A claimed mail: what the worker needs to render and send it. */
export interface ClaimedMail {
  id: string;
  to: string;
  template: string;
  locale: string;
  /** Undefined when the sealed context does not open with the configured keys. */
  context: Record<string, unknown> | undefined;
  /** Tries so far, this one included. */
  attempts: number;
}

interface RawClaim {
  id: string;
  to_address: string;
  template: string;
  locale: string;
  context: Record<string, unknown>;
  attempts: number;
}

/**
 * A context at rest: `{sealed}`, the JSON of the template's variables sealed with ENCRYPTION_KEY
 * and bound to the address and template, so the row holds no readable code or link. Rows written
 * before (a plain object, no `sealed`) are still read as they are, so none is lost to an upgrade.
 */
interface SealedContext {
  sealed: string;
}

/** What a sealed context is bound to: its recipient and template (a row's context opens for no other). */
export const contextAad = (to: string, template: string) => `mail_outbox:${template}:${to}`;

/** The outbox queries: add in the caller's transaction, claim with a lease, settle. */
@Injectable()
export class MailOutboxRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  async add(
    manager: EntityManager,
    mail: {
      to: string;
      template: string;
      locale: string;
      context: Record<string, unknown>;
      expiresAt?: Date | null;
    },
  ): Promise<string> {
    const repo = manager.getRepository(MailOutbox);
    const context: SealedContext = {
      sealed: this.box.seal(JSON.stringify(mail.context), contextAad(mail.to, mail.template)),
    };
    const row = await repo.save(
      repo.create({
        toAddress: mail.to,
        template: mail.template,
        locale: mail.locale,
        context: { ...context },
        expiresAt: mail.expiresAt ?? null,
      }),
    );
    return row.id;
  }

  private openContext(r: RawClaim): Record<string, unknown> | undefined {
    const stored = r.context ?? {};
    if (typeof stored.sealed !== 'string') return stored;
    try {
      return JSON.parse(
        this.box.open(stored.sealed, contextAad(r.to_address, r.template)),
      ) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof SecretBoxError) return undefined;
      throw e;
    }
  }

  /** The admin listing: never the context (codes, links). Newest first. */
  async list(f: {
    status?: MailStatus;
    to?: string;
    page: number;
    perPage: number;
  }): Promise<[OutboxListRow[], number]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) {
      params.push(f.status);
      where.push(`status = $${params.length}`);
    }
    if (f.to) {
      params.push(f.to);
      where.push(`lower(to_address) = lower($${params.length})`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ count }] = await this.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM mail_outbox ${filter}`,
      params,
    );
    const rows = await this.db.query<OutboxListRow[]>(
      `SELECT id, to_address, template, locale, status, attempts, last_error, created_at, sent_at
         FROM mail_outbox ${filter}
        ORDER BY id DESC
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.perPage, (f.page - 1) * f.perPage],
    );
    return [rows, Number(count)];
  }

  /**
   * Puts a failed mail back in the queue for one more try, if its code or link still works.
   * Returns what was found, so the caller can tell "expired" from "not failed" from "no such mail".
   */
  async retry(id: string): Promise<'queued' | 'expired' | 'not_failed' | 'not_found'> {
    const rows = await this.db.query<
      Array<{ status: MailStatus; expired: boolean; queued: number }>
    >(
      `WITH target AS (
         SELECT id, status, (expires_at IS NOT NULL AND expires_at <= now()) AS expired
           FROM mail_outbox WHERE id = $1 FOR UPDATE),
       queued AS (
         UPDATE mail_outbox o SET status = 'pending', next_attempt_at = now(), locked_until = NULL
           FROM target t
          WHERE o.id = t.id AND t.status = 'failed' AND NOT t.expired
         RETURNING o.id)
       SELECT t.status, t.expired, (SELECT count(*) FROM queued)::int AS queued FROM target t`,
      [id],
    );
    const row = rows[0];
    if (!row) return 'not_found';
    if (row.queued > 0) return 'queued';
    if (row.status !== 'failed') return 'not_failed';
    return 'expired';
  }

  /** Failed mails whose code or link stopped working need them no longer: they are dropped. */
  async dropExpiredContexts(): Promise<void> {
    await this.db.query(
      `UPDATE mail_outbox SET context = '{}'::jsonb
        WHERE status = 'failed' AND expires_at <= now() AND context <> '{}'::jsonb`,
    );
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
        RETURNING o.id, o.to_address, o.template, o.locale, o.context, o.attempts`,
      [limit, leaseMs],
    );
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected] on both drivers.
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as RawClaim[];
    return list.map((r) => ({
      id: String(r.id),
      to: r.to_address,
      template: r.template,
      locale: r.locale,
      context: this.openContext(r),
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

  /**
   * Given up (until an admin retries it). The context stays while its code or link works, so a
   * retry can still send it; dropExpiredContexts clears it after that.
   */
  async markFailed(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE mail_outbox SET status = 'failed', locked_until = NULL, last_error = $2,
              context = CASE WHEN expires_at IS NOT NULL AND expires_at <= now()
                             THEN '{}'::jsonb ELSE context END
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
