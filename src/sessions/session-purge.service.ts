import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RateLimitService } from '../common/rate-limit/rate-limit.service';
import { SessionsRepository } from './sessions.repository';

/** How often the clean-up runs, and how long ended rows are kept (for support questions). */
export const PURGE_INTERVAL_MS = 15 * 60_000;
export const PURGE_GRACE_MS = 24 * 3_600_000;

/**
 * Deletes sessions that ended (expired or revoked) more than a day ago, and counters untouched for
 * a day, so neither table grows without bound. Each instance runs it; the deletes are idempotent.
 */
@Injectable()
export class SessionPurgeService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionPurgeService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly counters: RateLimitService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.running ??= this.purgeNow()
        .catch((e: unknown) => this.logger.warn({ msg: 'purge failed', err: String(e) }))
        .finally(() => (this.running = undefined));
    }, PURGE_INTERVAL_MS);
    // The timer alone must not keep the process (or a test runner) alive.
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async purgeNow(): Promise<{ sessions: number }> {
    const sessions = await this.sessions.purgeEnded(PURGE_GRACE_MS);
    await this.counters.purgeStale(PURGE_GRACE_MS);
    if (sessions) this.logger.debug({ msg: 'purged ended sessions', sessions });
    return { sessions };
  }
}
