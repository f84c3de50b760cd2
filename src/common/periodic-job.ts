import type { Logger } from '@nestjs/common';

export interface PeriodicSchedule {
  /** The wait between the end of one run and the start of the next. */
  everyMs: number;
  /** The wait before the first run (default: everyMs; 0 runs it as soon as the job starts). */
  firstAfterMs?: number;
  /**
   * Each wait varies by up to this fraction either way (0.1: ±10 %), so instances started
   * together do not all run at the same moment.
   */
  jitter?: number;
}

/**
 * Every background loop of the server. One run at a time: the next wait starts when a run ends,
 * so a slow run never overlaps the next. A failure is logged as `<name> failed` and the next run
 * tries again. `stop()` clears the timer and waits for a run in flight, so shutdown neither cuts a
 * run off nor leaves a query running against a closed pool; the signal the job gets is aborted at
 * that moment, for work that can end early between two steps. The timer alone does not keep the
 * process (or a test runner) alive.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private abort?: AbortController;
  private schedule?: PeriodicSchedule;
  /** A `runSoon()` came while a run was under way: run again as soon as it ends. */
  private again = false;

  constructor(
    private readonly logger: Logger,
    private readonly name: string,
    private readonly job: (signal: AbortSignal) => Promise<unknown>,
  ) {}

  /** Starts the schedule; a second call while it runs does nothing. */
  start(schedule: PeriodicSchedule): void {
    if (this.abort && !this.abort.signal.aborted) return;
    const abort = new AbortController();
    this.abort = abort;
    this.schedule = schedule;
    this.wait(schedule.firstAfterMs ?? withJitter(schedule), schedule, abort.signal);
  }

  /** Whether a run is under way right now. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Runs now instead of at the next tick (a queue that just got work); during a run, runs again
   * right after it. Does nothing before `start()` or after `stop()`.
   */
  runSoon(): void {
    const signal = this.abort?.signal;
    if (!signal || signal.aborted || !this.schedule) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.wait(0, this.schedule, signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private wait(ms: number, schedule: PeriodicSchedule, signal: AbortSignal): void {
    if (signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.job(signal)
        .then(
          () => undefined,
          (e: unknown) => this.logger.warn({ msg: `${this.name} failed`, err: String(e) }),
        )
        .finally(() => {
          this.running = undefined;
          const again = this.again;
          this.again = false;
          this.wait(again ? 0 : withJitter(schedule), schedule, signal);
        });
    }, ms);
    this.timer.unref();
  }
}

function withJitter({ everyMs, jitter = 0 }: PeriodicSchedule): number {
  return Math.round(everyMs * (1 - jitter + Math.random() * 2 * jitter));
}
