import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicJob } from '../common/periodic-job';
import { SessionsRepository } from './sessions.repository';

/** How often the clean-up runs, and how long ended rows are kept (for support questions). */
export const PURGE_INTERVAL_MS = 15 * 60_000;
export const PURGE_GRACE_MS = 24 * 3_600_000;

/**
 * Deletes sessions that ended (expired or revoked) more than a day ago, so the table does not grow
 * without bound (the rate-limit counters have their own: RateLimitPurgeService). Each instance
 * runs it; the deletes are idempotent.
 */
@Injectable()
export class SessionPurgeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionPurgeService.name);
  private readonly job = new PeriodicJob(this.logger, 'session purge', () => this.purgeNow());

  constructor(private readonly sessions: SessionsRepository) {}

  onApplicationBootstrap(): void {
    this.job.start({ everyMs: PURGE_INTERVAL_MS, jitter: 0.1 });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async purgeNow(): Promise<{ sessions: number }> {
    const sessions = await this.sessions.purgeEnded(PURGE_GRACE_MS);
    if (sessions) this.logger.debug({ msg: 'purged ended sessions', sessions });
    return { sessions };
  }
}
