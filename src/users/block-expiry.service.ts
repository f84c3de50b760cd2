import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PeriodicJob } from '../common/periodic-job';
import { UsersRepository } from './users.repository';

const LIFT_BLOCKS_EVERY_MS = 30_000;

/**
 * Tidies blocks whose `blocked_until` has passed, and records each lift. Validation already treats
 * them as lifted (isBlocked), so this only keeps the rows and the history honest.
 */
@Injectable()
export class BlockExpiryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BlockExpiryService.name);
  private readonly job = new PeriodicJob(this.logger, 'block expiry', () =>
    this.liftExpiredBlocks(),
  );

  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start({ everyMs: LIFT_BLOCKS_EVERY_MS });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async liftExpiredBlocks(): Promise<number> {
    try {
      // The lifts and their records commit together (webhook events are made from the records).
      const lifted = await this.db.transaction(async (m) => {
        const rows = await this.users.liftExpiredBlocks(m);
        for (const u of rows) {
          await this.audit.record(
            {
              action: 'user_unblock',
              outcome: 'success',
              target: u,
              details: { reason: 'blocked_until passed' },
            },
            m,
          );
        }
        return rows;
      });
      return lifted.length;
    } catch (e) {
      this.logger.warn({ msg: 'could not lift expired blocks', err: String(e) });
      return 0;
    }
  }
}
