import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicJob } from '../common/periodic-job';
import { auditConfig, AuditConfig } from '../config/config';
import { AuditRepository } from './audit.repository';

/** How often the purge runs, and how soon after start the first one does. */
export const PURGE_INTERVAL_MS = 3_600_000;
const FIRST_PURGE_DELAY_MS = 60_000;
/** Records per delete: short transactions that never hold the database (or PGlite) for long. */
const PURGE_BATCH = 5000;

/**
 * Drops audit records older than AUDIT_RETENTION (unset: kept forever), hourly. Several instances
 * may run it at once: an advisory lock lets one purge while the others skip their turn.
 */
@Injectable()
export class AuditRetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditRetentionService.name);
  private readonly job = new PeriodicJob(this.logger, 'audit purge', (signal) =>
    this.purgeExpired(new Date(), signal),
  );

  constructor(
    @Inject(auditConfig.KEY) private readonly cfg: Pick<AuditConfig, 'retentionMs'>,
    private readonly repo: AuditRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.cfg.retentionMs === undefined) return;
    this.job.start({ everyMs: PURGE_INTERVAL_MS, firstAfterMs: FIRST_PURGE_DELAY_MS, jitter: 0.1 });
  }

  /** Lets the batch under way finish before the database closes; the rest waits for the next start. */
  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /**
   * Deletes every record older than the retention, batch by batch. Returns how many it deleted
   * (0 when retention is off, or when another instance holds the purge). An aborted `signal`
   * (shutdown) ends it after the current batch.
   */
  async purgeExpired(now = new Date(), signal?: AbortSignal): Promise<number> {
    if (this.cfg.retentionMs === undefined) return 0;
    const cutoff = new Date(now.getTime() - this.cfg.retentionMs);
    let total = 0;
    for (;;) {
      const deleted = await this.repo.purgeBatch(cutoff, PURGE_BATCH);
      if (deleted === null) break;
      total += deleted;
      if (deleted < PURGE_BATCH || signal?.aborted) break;
    }
    if (total) this.logger.log({ msg: 'audit records past retention deleted', count: total });
    return total;
  }
}
