import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { msInterval } from '../../database/sql';

export interface CounterState {
  /** Hits in the current window, this one included. */
  hits: number;
  windowStartedAt: Date;
  /** Set by `lock`; null when the key is not locked. */
  lockedUntil: Date | null;
}

/** A growing lock over attempts (see `reserve`). */
export interface AttemptRule {
  windowMs: number;
  /** Failures before the first wait. */
  free: number;
  firstWaitMs: number;
  maxWaitMs: number;
  /** How long an unsettled reservation counts. */
  leaseMs: number;
}

/**
 * Counters that protect accounts and addresses (login failures, code failures, resend cooldowns),
 * kept in the database so they hold across instances and restarts. Each module builds its own rule
 * on these three atomic steps; keys are namespaced by the caller, e.g. `login:<email>`.
 */
@Injectable()
export class RateLimitService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private q(manager?: EntityManager) {
    return manager ?? this.db;
  }

  /** Counts one hit; a window older than `windowMs` starts again at 1. Atomic under concurrency. */
  async hit(key: string, windowMs: number, manager?: EntityManager): Promise<CounterState> {
    const rows: RawCounter[] = await this.q(manager).query(
      `INSERT INTO rate_limits (key, hits, window_started_at, updated_at)
       VALUES ($1, 1, now(), now())
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.window_started_at <= now() - ${msInterval('$2')}
                     THEN 1 ELSE rate_limits.hits + 1 END,
         window_started_at = CASE WHEN rate_limits.window_started_at <= now() - ${msInterval('$2')}
                     THEN now() ELSE rate_limits.window_started_at END,
         updated_at = now()
       RETURNING hits, window_started_at, locked_until`,
      [key, windowMs],
    );
    return toState(rows[0]);
  }

  /**
   * Reserves a place for one attempt under a growing lock, before the work it guards, in one
   * statement. Refused (false) while the key is locked, or while the attempts in flight could, if
   * they all failed, reach `free` failures (once there, one attempt at a time). The caller then
   * settles the reservation (`settle`): a success forgets the failures, a failure counts and from
   * the `free`-th locks the key for `firstWaitMs`, doubling up to `maxWaitMs`. So parallel guesses
   * cannot all pass before any is counted, and parallel successes are never refused for failures
   * that did not happen. The count starts again only after a window with no failure and no lock
   * (`windowMs` from the start of the count or the end of the last lock), so the wait keeps growing
   * for a patient attacker. A reservation whose process died lapses after `leaseMs`.
   */
  async reserve(key: string, rule: AttemptRule): Promise<boolean> {
    const quiet = `greatest(l.window_started_at, l.locked_until)
                     <= now() - ${msInterval('$2')}`;
    const hits = `CASE WHEN ${quiet} THEN 0 ELSE l.hits END`;
    const inFlight = `CASE WHEN l.in_flight_until > now() THEN l.in_flight ELSE 0 END`;
    const rows: unknown[] = await this.db.query(
      `INSERT INTO rate_limits AS l (key, hits, window_started_at, in_flight, in_flight_until, updated_at)
       VALUES ($1, 0, now(), 1, now() + ${msInterval('$4')}, now())
       ON CONFLICT (key) DO UPDATE SET
         hits = ${hits},
         window_started_at = CASE WHEN ${quiet} THEN now() ELSE l.window_started_at END,
         locked_until = CASE WHEN ${quiet} THEN NULL ELSE l.locked_until END,
         in_flight = ${inFlight} + 1,
         in_flight_until = now() + ${msInterval('$4')},
         updated_at = now()
       WHERE (l.locked_until IS NULL OR l.locked_until <= now())
         AND ${inFlight} < greatest(1, $3::int - ${hits})
       RETURNING l.key`,
      [key, rule.windowMs, rule.free, rule.leaseMs],
    );
    return rows.length > 0;
  }

  /**
   * Gives a reservation back: `success` forgets the key's failures, `failure` counts one (and
   * locks as `reserve` says), `abandoned` (the check never ran to an answer) counts nothing.
   */
  async settle(
    key: string,
    outcome: 'success' | 'failure' | 'abandoned',
    rule: AttemptRule,
  ): Promise<void> {
    const release = `in_flight = greatest(0, in_flight - 1), updated_at = now()`;
    if (outcome === 'success') {
      await this.db.query(
        `UPDATE rate_limits SET hits = 0, locked_until = NULL, window_started_at = now(), ${release}
          WHERE key = $1`,
        [key],
      );
    } else if (outcome === 'abandoned') {
      await this.db.query(`UPDATE rate_limits SET ${release} WHERE key = $1`, [key]);
    } else {
      const lockedUntil = (n: string) => `CASE WHEN ${n} >= $2::int THEN now() +
           ${msInterval(`least($4::double precision, $3::double precision * power(2, ${n} - $2::int))`)} END`;
      await this.db.query(
        `INSERT INTO rate_limits AS l (key, hits, window_started_at, locked_until, updated_at)
         VALUES ($1, 1, now(), ${lockedUntil('1')}, now())
         ON CONFLICT (key) DO UPDATE SET
           hits = l.hits + 1,
           locked_until = coalesce(${lockedUntil('l.hits + 1')}, l.locked_until),
           in_flight = greatest(0, l.in_flight - 1),
           updated_at = now()`,
        [key, rule.free, rule.firstWaitMs, rule.maxWaitMs],
      );
    }
  }

  /** The counter as it is, without counting; null when there is none. */
  async peek(key: string, manager?: EntityManager): Promise<CounterState | null> {
    const rows: RawCounter[] = await this.q(manager).query(
      `SELECT hits, window_started_at, locked_until FROM rate_limits WHERE key = $1`,
      [key],
    );
    return rows[0] ? toState(rows[0]) : null;
  }

  /** Locks the key until the given time (the counter is kept). */
  async lock(key: string, until: Date, manager?: EntityManager): Promise<void> {
    await this.q(manager).query(
      `INSERT INTO rate_limits (key, hits, window_started_at, locked_until, updated_at)
       VALUES ($1, 0, now(), $2, now())
       ON CONFLICT (key) DO UPDATE SET locked_until = $2, updated_at = now()`,
      [key, until],
    );
  }

  /** Forgets the key (e.g. after a successful login). */
  async reset(key: string, manager?: EntityManager): Promise<void> {
    await this.q(manager).query(`DELETE FROM rate_limits WHERE key = $1`, [key]);
  }

  /** Drops counters untouched for longer than `olderThanMs`; for a periodic clean-up. */
  async purgeStale(olderThanMs: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, count].
    const [rows]: [unknown[], number] = await this.db.query(
      `DELETE FROM rate_limits WHERE updated_at < now() - ${msInterval('$1')}
         AND (locked_until IS NULL OR locked_until < now()) RETURNING key`,
      [olderThanMs],
    );
    return rows.length;
  }
}

interface RawCounter {
  hits: number;
  window_started_at: Date;
  locked_until: Date | null;
}

function toState(r: RawCounter): CounterState {
  return {
    hits: Number(r.hits),
    windowStartedAt: new Date(r.window_started_at),
    lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
  };
}
