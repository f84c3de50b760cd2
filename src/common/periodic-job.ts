import type { Logger } from '@nestjs/common';

/**
 * Runs `job` every `everyMs` in the background: never two runs at once, a failure logged (the next
 * run tries again), and `stop()` waits for a run in flight so shutdown does not cut it off. The
 * timer alone does not keep the process (or a test runner) alive.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly logger: Logger,
    private readonly job: () => Promise<unknown>,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.job()
        .catch((e: unknown) => this.logger.warn({ msg: 'periodic job failed', err: String(e) }))
        .finally(() => (this.running = undefined));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
