import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicJob } from '../common/periodic-job';
import { auditConfig, AuditConfig } from '../config/config';
import { AuditChain, ChainReport } from './audit-chain';

/** What the server last found when it checked its own chain. */
export interface ChainCheck {
  /** `unknown` until a check has run, and while the last one could not (database down). */
  state: 'ok' | 'broken' | 'unknown';
  report?: ChainReport;
  /** When the last check finished (ms since the epoch). */
  at?: number;
}

/**
 * Checks the newest AUDIT_CHAIN_CHECK_RECORDS records of the chain at start and then every
 * AUDIT_CHAIN_CHECK_INTERVAL, so a change to recent history shows without anyone running
 * `audit-verify`: in /health/ready, in the metrics, and as one warning per check that finds it.
 * The work is bounded by the record count, not by the size of the log. A broken chain does not
 * stop the server: the records are evidence, and refusing to serve would not bring them back.
 */
@Injectable()
export class AuditChainMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditChainMonitor.name);
  private readonly job = new PeriodicJob(this.logger, 'audit chain check', () => this.checkNow());
  private last: ChainCheck = { state: 'unknown' };

  constructor(
    private readonly chain: AuditChain,
    @Inject(auditConfig.KEY) private readonly cfg: AuditConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.cfg.chainCheckIntervalMs === undefined) return;
    // Awaited, so the first answer of /health/ready already says how the chain stands; a failure
    // (migrations not run yet, database away) leaves it unknown and does not stop the start.
    await this.checkNow().catch((e: unknown) =>
      this.logger.warn({ msg: 'audit chain check failed', err: String(e) }),
    );
    this.job.start({ everyMs: this.cfg.chainCheckIntervalMs });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  get status(): ChainCheck {
    return this.last;
  }

  async checkNow(): Promise<ChainCheck> {
    let report: ChainReport;
    try {
      report = await this.chain.verify({ newest: this.cfg.chainCheckRecords });
    } catch (e) {
      this.last = { state: 'unknown' };
      throw e;
    }
    this.last = { state: report.ok ? 'ok' : 'broken', report, at: Date.now() };
    if (!report.ok) {
      const first = report.breaks.find((b) => b.recordId === report.firstBadId) ?? report.breaks[0];
      this.logger.warn({
        msg: 'audit chain broken',
        first_bad_id: report.firstBadId,
        kinds: report.breaks.map((b) => b.kind),
        problem: first.problem,
      });
    }
    return this.last;
  }
}
