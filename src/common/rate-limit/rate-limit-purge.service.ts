import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicJob } from '../periodic-job';
import { RateLimitService } from './rate-limit.service';

/** How often the clean-up runs, and how long an untouched counter is kept. */
export const COUNTER_PURGE_INTERVAL_MS = 15 * 60_000;
export const COUNTER_PURGE_GRACE_MS = 24 * 3_600_000;

/**
 * Deletes counters untouched for a day (and not locked), so the table does not grow without
 * bound. Each instance runs it; the delete is idempotent.
 */
@Injectable()
export class RateLimitPurgeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job = new PeriodicJob(
    new Logger(RateLimitPurgeService.name),
    'rate-limit counter purge',
    () =>
    this.counters.purgeStale(COUNTER_PURGE_GRACE_MS),
  );

  constructor(private readonly counters: RateLimitService) {}

  onApplicationBootstrap(): void {
    this.job.start({ everyMs: COUNTER_PURGE_INTERVAL_MS, jitter: 0.1 });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }
}
