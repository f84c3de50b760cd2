import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
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
  private readonly job = new PeriodicJob(this.logger, 'block expiry', () => this.liftExpiredBlocks());

  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start({ everyMs: LIFT_BLOCKS_EVERY_MS });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async liftExpiredBlocks(): Promise<number> {
    try {
      const lifted = await this.users.liftExpiredBlocks();
      for (const u of lifted) {
        await this.audit.recordQuietly({
          action: 'user_unblock',
          outcome: 'success',
          target: u,
          details: { reason: 'blocked_until passed' },
        });
      }
      return lifted.length;
    } catch (e) {
      this.logger.warn({ msg: 'could not lift expired blocks', err: String(e) });
      return 0;
    }
  }
}
