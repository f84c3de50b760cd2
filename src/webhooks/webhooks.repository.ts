import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../database/sql';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  /** Sealed by SecretBox for `webhook:<id>`; never the plain secret. */
  sealedSecret: string;
  /** The secret before the last rotation, while it still signs (sealed likewise). */
  sealedPreviousSecret: string | null;
  disabledReason: string | null;
  createdAt: Date;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** A claimed attempt: everything the worker needs to send it, without another query. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  /** Attempts so far, this one included. */
  attempts: number;
  /** Attempts made before the last manual retry (the schedule starts over from there). */
  retryBase: number;
  url: string;
  sealedSecret: string;
  sealedPreviousSecret: string | null;
  payload: string;
}

interface RawEndpoint {
  id: string;
  url: string;
  events: string[] | string;
  description: string;
  enabled: boolean;
  secret: string;
  previous_secret: string | null;
  previous_valid: boolean;
  disabled_reason: string | null;
  created_at: Date | string;
}

const ENDPOINT_COLUMNS = `id, url, events, description, enabled, secret, previous_secret,
  (previous_secret_until IS NOT NULL AND previous_secret_until > now()) AS previous_valid,
  disabled_reason, created_at`;

function toEndpoint(r: RawEndpoint): EndpointRow {
  return {
    id: r.id,
    url: r.url,
    events: typeof r.events === 'string' ? (JSON.parse(r.events) as string[]) : r.events,
    description: r.description,
    enabled: r.enabled,
    sealedSecret: r.secret,
    sealedPreviousSecret: r.previous_valid ? r.previous_secret : null,
    disabledReason: r.disabled_reason,
    createdAt: new Date(r.created_at),
  };
}

/** TypeORM answers an UPDATE or DELETE with [rows, count] on both drivers. */
function changed<T>(result: unknown): T[] {
  const r = result as [T[], number] | T[];
  return (Array.isArray(r[0]) ? r[0] : r) as T[];
}

/**
 * The webhook tables. Times come from the database's clock, so every instance agrees on what is
 * due and when a lease has run out.
 */
@Injectable()
export class WebhooksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(m?: EntityManager): { query: DataSource['query'] } {
    return m ?? this.db;
  }

  async insertEndpoint(
    m: EntityManager,
    e: { id: string; url: string; events: string[]; description: string; sealedSecret: string },
  ): Promise<EndpointRow> {
    const rows: RawEndpoint[] = await m.query(
      `INSERT INTO webhook_endpoints (id, url, events, description, secret)
       VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [e.id, e.url, JSON.stringify(e.events), e.description, e.sealedSecret],
    );
    return toEndpoint(rows[0]);
  }

  async findEndpoint(
    id: string,
    m?: EntityManager,
    lock = false,
  ): Promise<EndpointRow | undefined> {
    const rows: RawEndpoint[] = await this.q(m).query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] && toEndpoint(rows[0]);
  }

  async listEndpoints(): Promise<EndpointRow[]> {
    const rows: RawEndpoint[] = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`,
    );
    return rows.map(toEndpoint);
  }

  async updateEndpoint(
    m: EntityManager,
    id: string,
    patch: { url?: string; events?: string[]; description?: string; enabled?: boolean },
  ): Promise<EndpointRow> {
    const rows = changed<RawEndpoint>(
      await m.query(
        `UPDATE webhook_endpoints SET
           url = COALESCE($2, url),
           events = COALESCE($3::jsonb, events),
           description = COALESCE($4, description),
           enabled = COALESCE($5, enabled),
           -- Enabled again by hand: the failures before no longer count towards disabling it.
           failing_since = CASE WHEN $5 IS TRUE THEN NULL ELSE failing_since END,
           disabled_reason = CASE WHEN $5 IS TRUE THEN NULL
                                  WHEN $5 IS FALSE THEN 'disabled' ELSE disabled_reason END,
           updated_at = now()
         WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [
          id,
          patch.url ?? null,
          patch.events ? JSON.stringify(patch.events) : null,
          patch.description ?? null,
          patch.enabled ?? null,
        ],
      ),
    );
    return toEndpoint(rows[0]);
  }

  async deleteEndpoint(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
  }

  /** The new secret signs from now; the old one too for `overlapMs`. */
  async rotateSecret(
    m: EntityManager,
    id: string,
    sealedSecret: string,
    overlapMs: number,
  ): Promise<void> {
    await m.query(
      `UPDATE webhook_endpoints SET previous_secret = secret, secret = $2,
         previous_secret_until = now() + ${msInterval('$3')}, updated_at = now()
       WHERE id = $1`,
      [id, sealedSecret, overlapMs],
    );
  }

  /** Replaces a sealed secret by the same secret sealed under the current key. */
  async resealSecret(id: string, sealed: string, resealed: string): Promise<void> {
    await this.db.query(`UPDATE webhook_endpoints SET secret = $3 WHERE id = $1 AND secret = $2`, [
      id,
      sealed,
      resealed,
    ]);
  }

  /** The enabled endpoints that take `type`: those listing it or `*`. */
  async endpointsFor(m: EntityManager, type: string): Promise<string[]> {
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM webhook_endpoints
        WHERE enabled AND (events @> '["*"]'::jsonb OR events @> $1::jsonb)`,
      [JSON.stringify([type])],
    );
    return rows.map((r) => r.id);
  }

  /** The event and one pending delivery per endpoint, in the caller's transaction. */
  async addEvent(
    m: EntityManager,
    event: { id: string; type: string; payload: string },
    endpointIds: string[],
  ): Promise<void> {
    await m.query(`INSERT INTO webhook_events (id, type, payload) VALUES ($1, $2, $3)`, [
      event.id,
      event.type,
      event.payload,
    ]);
    await m.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id)
       SELECT e, $1::uuid FROM unnest($2::uuid[]) AS e`,
      [event.id, endpointIds],
    );
  }

  /**
   * Leases up to `limit` due deliveries of enabled endpoints for `leaseMs`, counting the attempt:
   * the oldest first, and at most `perEndpoint` per endpoint less what this instance already holds
   * (`busy`), so one endpoint's backlog never fills a claim that another endpoint's deliveries are
   * waiting for. Each endpoint's candidates are read in the order of its index and locked (SKIP
   * LOCKED: instances claim side by side, never the same attempt); a claim costs what it takes, not
   * the size of the backlog, whatever the planner believes of the table.
   */
  async claimDue(opts: {
    limit: number;
    perEndpoint: number;
    busy: Record<string, number>;
    leaseMs: number;
  }): Promise<ClaimedDelivery[]> {
    const rows = changed<{
      id: string;
      endpoint_id: string;
      event_id: string;
      attempts: number;
      retry_base: number;
      url: string;
      secret: string;
      previous_secret: string | null;
      previous_valid: boolean;
      payload: string;
    }>(
      await this.db.query(
        `WITH c AS (
           SELECT d.id
             FROM webhook_endpoints e
            CROSS JOIN LATERAL (
                  SELECT d.id, d.next_attempt_at
                    FROM webhook_deliveries d
                   WHERE d.endpoint_id = e.id AND d.status = 'pending'
                     AND d.next_attempt_at <= now()
                     AND (d.lease_until IS NULL OR d.lease_until <= now())
                   ORDER BY d.next_attempt_at, d.id
                   LIMIT GREATEST(0, LEAST($1, $2 - COALESCE(($4::jsonb ->> e.id::text)::int, 0)))
                   FOR UPDATE OF d SKIP LOCKED) d
            WHERE e.enabled
            ORDER BY d.next_attempt_at, d.id
            LIMIT $1)
         UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1, lease_until = now() + ${msInterval('$3')}
           FROM c, webhook_endpoints e, webhook_events ev
          WHERE d.id = c.id AND e.id = d.endpoint_id AND ev.id = d.event_id
          RETURNING d.id, d.endpoint_id, d.event_id, d.attempts, d.retry_base, e.url, e.secret,
                    e.previous_secret,
                    (e.previous_secret_until IS NOT NULL AND e.previous_secret_until > now())
                      AS previous_valid,
                    ev.payload`,
        [opts.limit, opts.perEndpoint, opts.leaseMs, JSON.stringify(opts.busy)],
      ),
    );
    return rows.map((r) => ({
      id: String(r.id),
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      attempts: Number(r.attempts),
      retryBase: Number(r.retry_base),
      url: r.url,
      sealedSecret: r.secret,
      sealedPreviousSecret: r.previous_valid ? r.previous_secret : null,
      payload: r.payload,
    }));
  }

  /** Claimed attempts that were never sent: due again now, the claim's count taken back. */
  async release(ids: string[]): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET lease_until = NULL, attempts = attempts - 1
        WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [ids],
    );
  }

  /** 2xx answers: delivered, and their endpoints are no longer failing. One statement. */
  async markDelivered(batch: { id: string; status: number }[]): Promise<void> {
    await this.db.query(
      `WITH d AS (
         UPDATE webhook_deliveries w
            SET status = 'delivered', delivered_at = now(), last_status = u.status,
                last_error = NULL, lease_until = NULL
           FROM unnest($1::bigint[], $2::int[]) AS u(id, status)
          WHERE w.id = u.id
          RETURNING w.endpoint_id)
       UPDATE webhook_endpoints SET failing_since = NULL
        WHERE id IN (SELECT endpoint_id FROM d) AND failing_since IS NOT NULL`,
      [batch.map((b) => b.id), batch.map((b) => b.status)],
    );
  }

  /**
   * A failed attempt: retried after `retryInMs`, or failed for good when it is null. The endpoint
   * counts as failing from its first failure after a success. Returns whether the endpoint has now
   * been failing for `disableAfterMs` (and is still enabled).
   */
  async markAttemptFailed(
    m: EntityManager,
    d: { id: string; endpointId: string },
    result: { status: number | null; error: string; retryInMs: number | null },
    disableAfterMs: number,
  ): Promise<boolean> {
    await m.query(
      `UPDATE webhook_deliveries SET
         status = CASE WHEN $4::double precision IS NULL THEN 'failed' ELSE 'pending' END,
         next_attempt_at = CASE WHEN $4::double precision IS NULL THEN next_attempt_at
                                ELSE now() + ${msInterval('$4')} END,
         last_status = $2, last_error = $3, lease_until = NULL
       WHERE id = $1`,
      [d.id, result.status, result.error.slice(0, 500), result.retryInMs],
    );
    // Only the first failure after a success writes the endpoint row: a failing backlog leaves no
    // dead row version per attempt, and attempts at one endpoint do not queue for its row lock.
    const rows: { overdue: boolean }[] = await m.query(
      `WITH first AS (
         UPDATE webhook_endpoints SET failing_since = now()
          WHERE id = $1 AND failing_since IS NULL
          RETURNING failing_since)
       SELECT e.enabled AND COALESCE((SELECT failing_since FROM first), e.failing_since)
                <= now() - ${msInterval('$2')} AS overdue
         FROM webhook_endpoints e WHERE e.id = $1`,
      [d.endpointId, disableAfterMs],
    );
    return rows[0]?.overdue === true;
  }

  /** Disables an enabled endpoint; false when it was not enabled (another instance was first). */
  async disableEndpoint(m: EntityManager, id: string, reason: string): Promise<boolean> {
    const rows = changed<{ id: string }>(
      await m.query(
        `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now()
          WHERE id = $1 AND enabled RETURNING id`,
        [id, reason],
      ),
    );
    return rows.length > 0;
  }

  async listDeliveries(f: {
    endpointId: string;
    status?: DeliveryStatus;
    page: number;
    perPage: number;
  }): Promise<[DeliveryRow[], number]> {
    const params: unknown[] = [f.endpointId];
    let filter = 'd.endpoint_id = $1';
    if (f.status) {
      params.push(f.status);
      filter += ` AND d.status = $2`;
    }
    const [{ count }] = await this.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM webhook_deliveries d WHERE ${filter}`,
      params,
    );
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT d.id::text AS id, d.event_id, ev.type AS event_type, d.status, d.attempts,
              d.last_status, d.last_error,
              CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
              d.created_at, d.delivered_at
         FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
        WHERE ${filter}
        ORDER BY d.id DESC
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.perPage, (f.page - 1) * f.perPage],
    );
    return [rows, Number(count)];
  }

  /**
   * Due at once: a pending delivery keeps its count, a failed one gets the whole schedule again.
   * Returns the status it had, or undefined when there is no such delivery.
   */
  async retryDelivery(endpointId: string, id: string): Promise<DeliveryStatus | undefined> {
    return this.db.transaction(async (m) => {
      const rows: { status: DeliveryStatus }[] = await m.query(
        `SELECT status FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 FOR UPDATE`,
        [id, endpointId],
      );
      const status = rows[0]?.status;
      if (status === 'pending' || status === 'failed') {
        await m.query(
          `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(),
             retry_base = CASE WHEN status = 'failed' THEN attempts ELSE retry_base END
           WHERE id = $1`,
          [id],
        );
      }
      return status;
    });
  }

  async pendingCount(): Promise<number> {
    const [{ count }] = await this.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return Number(count);
  }
}
