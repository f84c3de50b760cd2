import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
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
export class RateLimitPurgeService implements OnModuleInit, OnModuleDestroy {
  private readonly job = new PeriodicJob(new Logger(RateLimitPurgeService.name), () =>
    this.counters.purgeStale(COUNTER_PURGE_GRACE_MS),
  );

  constructor(private readonly counters: RateLimitService) {}

  onModuleInit(): void {
    this.job.start(COUNTER_PURGE_INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }
}
