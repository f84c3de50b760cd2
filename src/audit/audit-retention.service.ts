import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
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
export class AuditRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditRetentionService.name);
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<unknown>;

  constructor(
    @Inject(auditConfig.KEY) private readonly cfg: Pick<AuditConfig, 'retentionMs'>,
    private readonly repo: AuditRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.cfg.retentionMs === undefined) return;
    const tick = () => {
      this.running ??= this.purgeExpired()
        .catch((e: unknown) => this.logger.error({ msg: 'audit purge failed', err: String(e) }))
        .finally(() => (this.running = undefined));
    };
    // unref: a pending purge never keeps the process alive.
    this.timers = [
      setTimeout(tick, FIRST_PURGE_DELAY_MS).unref(),
      setInterval(tick, PURGE_INTERVAL_MS).unref(),
    ];
  }

  async onApplicationShutdown(): Promise<void> {
    this.timers.forEach(clearTimeout);
    this.timers = [];
    await this.running; // lets a purge under way finish before the database closes
  }

  /**
   * Deletes every record older than the retention, batch by batch. Returns how many it deleted
   * (0 when retention is off, or when another instance holds the purge).
   */
  async purgeExpired(now = new Date()): Promise<number> {
    if (this.cfg.retentionMs === undefined) return 0;
    const cutoff = new Date(now.getTime() - this.cfg.retentionMs);
    let total = 0;
    for (;;) {
      const deleted = await this.repo.purgeBatch(cutoff, PURGE_BATCH);
      if (deleted === null) break;
      total += deleted;
      if (deleted < PURGE_BATCH) break;
    }
    if (total) this.logger.log({ msg: 'audit records past retention deleted', count: total });
    return total;
  }
}
