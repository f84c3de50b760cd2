import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicJob } from '../common/periodic-job';
import { ClaimedMail, MailOutboxRepository } from './mail-outbox.repository';
import { isMailTemplate } from './mail-templates';
import { MailRenderer } from './mail.renderer';
import { MailTransport } from './mail.transport';

/** The mailer's limit on one send (MailModule); a hung server fails the try instead. */
export const MAIL_SEND_TIMEOUT_MS = 60_000;

/** How the worker paces itself; a plain object so tests can build a worker with other numbers. */
export const MAIL_WORKER_DEFAULTS = {
  pollMs: 500,
  batchSize: 10,
  /**
   * Longer than a whole batch of the slowest sends (10 x 60 s, sent one after another), so a live
   * worker never loses a claimed row to another instance, which would send it twice. The price: the
   * mails of a worker that dies mid-batch wait this long before another instance retries them.
   */
  leaseMs: 10 * MAIL_SEND_TIMEOUT_MS + 5 * 60_000,
  maxAttempts: 8,
  retryBaseMs: 10_000,
  retryMaxMs: 60 * 60_000,
  /** How often failed mails whose code or link expired lose them. */
  tidyEveryMs: 60_000,
};

/**
 * Delivers the outbox: claims due mails in a short statement, sends outside any transaction, then
 * marks them sent or schedules a retry with exponential backoff and jitter (failed for good after
 * the last try). Any number of workers (instances) may run at once: a claimed row is leased to one.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MailWorker');
  // A whole batch per run: a mail claimed and left unsent would wait out its lease.
  private readonly job = new PeriodicJob(this.logger, 'mail outbox poll', () => this.runOnce());
  private lastTidy = 0;
  readonly options = { ...MAIL_WORKER_DEFAULTS };

  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly renderer: MailRenderer,
    private readonly transport: MailTransport,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start({ everyMs: this.options.pollMs });
  }

  /** Stops polling and waits for the mails being sent right now. */
  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One batch: claims due mails and delivers them. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    if (Date.now() - this.lastTidy >= this.options.tidyEveryMs) {
      this.lastTidy = Date.now();
      await this.outbox.dropExpiredContexts();
    }
    const mails = await this.outbox.claimDue(this.options.batchSize, this.options.leaseMs);
    for (const mail of mails) await this.deliver(mail);
    return mails.length;
  }

  /** Delivers until nothing is due (retries scheduled for later stay for later). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runOnce();
      if (n === 0) return total;
      total += n;
    }
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    if (!isMailTemplate(mail.template)) {
      await this.outbox.markFailed(mail.id, `unknown template ${mail.template}`);
      return;
    }
    if (!mail.context) {
      // Sealed under a key that is gone (ENCRYPTION_KEY changed without ENCRYPTION_KEY_PREVIOUS):
      // no retry can open it.
      await this.outbox.markFailed(mail.id, 'the code and link do not open with ENCRYPTION_KEY');
      return;
    }
    try {
      const rendered = this.renderer.render(mail.template, mail.locale, mail.to, mail.context);
      await this.transport.send(mail.id, mail.to, rendered);
    } catch (e) {
      await this.failed(mail, e instanceof Error ? e.message : String(e));
      return;
    }
    await this.outbox.markSent(mail.id);
  }

  private async failed(mail: ClaimedMail, error: string): Promise<void> {
    if (mail.attempts >= this.options.maxAttempts) {
      this.logger.error({
        msg: 'mail failed for good',
        mail_id: mail.id,
        attempts: mail.attempts,
        error,
      });
      await this.outbox.markFailed(mail.id, error);
      return;
    }
    const delay = retryDelayMs(mail.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
    this.logger.warn({
      msg: 'mail not sent; will retry',
      mail_id: mail.id,
      attempts: mail.attempts,
      retry_in_ms: delay,
      error,
    });
    await this.outbox.scheduleRetry(mail.id, delay, error);
  }
}

/** Exponential backoff (base, 2×base, 4×base, ... up to max) with ±20 % jitter. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}
