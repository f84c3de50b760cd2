import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { UsersRepository } from './users.repository';

const LIFT_BLOCKS_EVERY_MS = 30_000;

/**
 * Tidies blocks whose `blocked_until` has passed, and records each lift. Validation already treats
 * them as lifted (isBlocked), so this only keeps the rows and the history honest.
 */
@Injectable()
export class BlockExpiryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BlockExpiryService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.liftExpiredBlocks(), LIFT_BLOCKS_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
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
