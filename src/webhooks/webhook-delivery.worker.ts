import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Webhook } from 'standardwebhooks';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PeriodicJob } from '../common/periodic-job';
import { webhooksConfig, WebhooksConfig } from '../config/config';
import { SecretBox, SecretBoxError } from '../crypto/secret-box';
import { MetricsService } from '../metrics/metrics.service';
import { checkDestination, DestinationRefused } from './webhook-destination';
import { WebhookOutbox } from './webhook-outbox.service';
import { secretAad } from './webhook-secret';
import { AttemptResult, postWebhook, signatureHeader } from './webhook-sender';
import { ClaimedDelivery, WebhooksRepository } from './webhooks.repository';

/** How the worker paces itself; a plain object so tests can change it. */
export const WEBHOOK_WORKER_DEFAULTS = {
  /** The poll for deliveries that other instances queued or that became due. */
  pollMs: 250,
  /** Deliveries this instance holds at most (sending, or claimed and waiting for a slot). */
  maxHeld: 300,
  /** Attempts of one endpoint in flight at once in this instance. */
  perEndpoint: 8,
  /**
   * Claimed ahead per endpoint, in rounds of `perEndpoint`: the next attempts wait in memory for
   * a slot instead of a query each. Their lease covers that many timeouts, plus the current one.
   */
  aheadRounds: 4,
  /** How long delivered attempts wait to be recorded together (one statement per batch). */
  settleEveryMs: 10,
  /** An endpoint failing this long with no success is disabled. */
  disableAfterMs: 5 * 24 * 3_600_000,
  /** The longest `Retry-After` honoured. */
  maxRetryAfterMs: 3_600_000,
  /**
   * Attempts this instance starts per second at most while it is busy answering requests
   * (RequestLoad): the token checks keep their speed, and the deliveries catch up when the load
   * drops. Enough for 60 changes a second to 3 endpoints.
   */
  busyRatePerSecond: 200,
};

type Outcome = 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'not_allowed' | 'gone';

/**
 * Delivers the webhook outbox. Claims due deliveries with a lease (several instances share the
 * queue and never send one attempt twice), sends each outside any transaction without waiting for
 * the others, at most `perEndpoint` per endpoint at once, so a slow or dead receiver holds its own
 * slots and nobody else's. Each attempt checks the destination again and connects to the address
 * it checked; a 2xx delivers, anything else is retried on WEBHOOK_RETRY_SCHEDULE (±10 %) or after
 * the receiver's Retry-After, until the schedule ends (failed). 410 disables the endpoint, and so
 * do 5 days of nothing but failures. Successes are recorded in batches: a crash before the record
 * sends those again once their lease ends (at least once).
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDeliveryWorker');
  private readonly job = new PeriodicJob(this.logger, 'webhook deliveries', () => this.runOnce());
  readonly options = { ...WEBHOOK_WORKER_DEFAULTS };
  /** Attempts in flight in this instance, by endpoint. */
  private readonly busy = new Map<string, number>();
  /** Claimed (leased) deliveries waiting for a slot of their endpoint. */
  private readonly waiting = new Map<string, ClaimedDelivery[]>();
  private held = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Delivered attempts not recorded yet, and the chain of batches being recorded. */
  private delivered: { id: string; status: number }[] = [];
  private settleTimer?: NodeJS.Timeout;
  private settling: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly signers = new Map<string, Webhook>();
  /** Starts allowed while busy (a token bucket of `busyRatePerSecond`), and its waiting timer. */
  private busyBudget = { tokens: 0, at: 0 };
  private resumeTimer?: NodeJS.Timeout;
  private readonly outcomes: Counter<'outcome'>;
  private readonly duration: Histogram;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(webhooksConfig.KEY) private readonly cfg: WebhooksConfig,
    private readonly repo: WebhooksRepository,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    outbox: WebhookOutbox,
    private readonly metrics: MetricsService,
  ) {
    outbox.onCommitted(() => this.job.runSoon());
    this.outcomes = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Time of one webhook delivery attempt, from connecting to the end of the answer',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
    new Gauge({
      name: 'webhook_pending_deliveries',
      help: 'Webhook deliveries waiting for their next attempt',
      registers: [metrics.registry],
      collect: async function (this: Gauge) {
        this.set(await repo.pendingCount());
      },
    });
  }

  onApplicationBootstrap(): void {
    this.job.start({ everyMs: this.options.pollMs, jitter: 0.2, firstAfterMs: 0 });
  }

  /**
   * Stops claiming, hands back the claimed attempts not started yet (due again at once, for
   * another instance or the next start), waits for those in flight (each ends within
   * WEBHOOK_TIMEOUT) and records them.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.resumeTimer);
    await this.job.stop();
    const unsent = [...this.waiting.values()].flat().map((d) => d.id);
    this.waiting.clear();
    if (unsent.length) await this.repo.release(unsent);
    await Promise.allSettled([...this.inFlight]);
    this.settle();
    await this.settling;
  }

  /** Claims what is due and starts sending it; returns how many it claimed. */
  async runOnce(): Promise<number> {
    let claimedTotal = 0;
    const cap = this.options.perEndpoint * (1 + this.options.aheadRounds);
    for (;;) {
      if (this.stopping) return claimedTotal;
      const room = this.options.maxHeld - this.held;
      if (room <= 0) return claimedTotal;
      const holding: Record<string, number> = {};
      for (const [id, n] of this.busy) holding[id] = n;
      for (const [id, list] of this.waiting) holding[id] = (holding[id] ?? 0) + list.length;
      const claimed = await this.repo.claimDue({
        limit: room,
        perEndpoint: cap,
        busy: holding,
        // Longer than the attempts ahead of the last one claimed, and its bookkeeping.
        leaseMs: (1 + this.options.aheadRounds) * this.cfg.timeoutMs + 60_000,
      });
      for (const d of claimed) {
        const list = this.waiting.get(d.endpointId) ?? [];
        list.push(d);
        this.waiting.set(d.endpointId, list);
        this.held++;
      }
      for (const endpointId of new Set(claimed.map((d) => d.endpointId))) this.dispatch(endpointId);
      claimedTotal += claimed.length;
      // Fewer than asked: nothing more is due (or every endpoint with work is full).
      if (claimed.length < room) return claimedTotal;
    }
  }

  /** Starts the endpoint's waiting attempts while it has free slots. */
  private dispatch(endpointId: string): void {
    const list = this.waiting.get(endpointId);
    while (list?.length && (this.busy.get(endpointId) ?? 0) < this.options.perEndpoint) {
      if (!this.mayStart()) break;
      this.start(list.shift()!);
    }
    if (list && !list.length) this.waiting.delete(endpointId);
  }

  /**
   * Whether an attempt may start now: always, unless this instance is busy answering requests;
   * then at most `busyRatePerSecond`, and the attempts left waiting are started later by a timer.
   */
  private mayStart(): boolean {
    if (!this.metrics.load.busy()) return true;
    const now = performance.now();
    const rate = this.options.busyRatePerSecond;
    const b = this.busyBudget;
    b.tokens = Math.min(rate / 10, b.tokens + ((now - b.at) * rate) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    this.resumeTimer ??= setTimeout(
      () => {
        this.resumeTimer = undefined;
        if (this.stopping) return;
        for (const endpointId of [...this.waiting.keys()]) this.dispatch(endpointId);
      },
      Math.ceil(1000 / rate),
    );
    return false;
  }

  private start(d: ClaimedDelivery): void {
    this.busy.set(d.endpointId, (this.busy.get(d.endpointId) ?? 0) + 1);
    const p = this.attempt(d)
      .catch((e: unknown) =>
        this.logger.error({ msg: 'webhook attempt failed', delivery_id: d.id, err: String(e) }),
      )
      .finally(() => {
        this.inFlight.delete(p);
        this.held--;
        const n = (this.busy.get(d.endpointId) ?? 1) - 1;
        if (n > 0) this.busy.set(d.endpointId, n);
        else this.busy.delete(d.endpointId);
        if (this.stopping) return;
        this.dispatch(d.endpointId);
        // Out of claimed work for this endpoint: claim more now rather than at the next poll.
        if (!this.waiting.has(d.endpointId)) this.job.runSoon();
      });
    this.inFlight.add(p);
  }

  /**
   * The signer of a sealed secret, opened once and kept while it is in use (a rotation or a
   * deletion makes another sealed value, and the old one drops out as the map is refilled).
   */
  private signerOf(sealed: string, endpointId: string): Webhook {
    let signer = this.signers.get(sealed);
    if (!signer) {
      if (this.signers.size >= 1000) this.signers.clear();
      signer = new Webhook(this.box.open(sealed, secretAad(endpointId)));
      this.signers.set(sealed, signer);
    }
    return signer;
  }

  /** Records a delivered attempt with the others of the next few milliseconds. */
  private markDelivered(d: ClaimedDelivery, status: number): void {
    this.delivered.push({ id: d.id, status });
    this.settleTimer ??= setTimeout(() => this.settle(), this.options.settleEveryMs);
  }

  private settle(): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    const batch = this.delivered;
    if (!batch.length) return;
    this.delivered = [];
    this.settling = this.settling
      .then(() => this.repo.markDelivered(batch))
      .catch((e: unknown) =>
        // Their lease ends and they are sent again: at least once.
        this.logger.error({ msg: 'could not record delivered webhooks', err: String(e) }),
      );
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const started = process.hrtime.bigint();
    let result: AttemptResult;
    let outcome: Outcome;
    try {
      const dest = await checkDestination(d.url, this.cfg);
      const secrets = [d.sealedSecret, d.sealedPreviousSecret]
        .filter((s): s is string => s !== null)
        .map((s) => this.signerOf(s, d.endpointId));
      // Sealed under ENCRYPTION_KEY_PREVIOUS: sealed again under the current key, as it is used.
      if (this.box.isStale(d.sealedSecret)) {
        await this.repo.resealSecret(
          d.endpointId,
          d.sealedSecret,
          this.box.reseal(d.sealedSecret, secretAad(d.endpointId)),
        );
      }
      const at = new Date();
      result = await postWebhook(
        dest,
        {
          'content-type': 'application/json',
          'user-agent': 'email-auth-webhooks',
          'webhook-id': d.eventId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signatureHeader(secrets, d.eventId, at, d.payload),
        },
        d.payload,
        this.cfg.timeoutMs,
      );
      outcome =
        result.status === null
          ? result.timedOut
            ? 'timeout'
            : 'network_error'
          : result.status >= 200 && result.status < 300
            ? 'delivered'
            : result.status === 410
              ? 'gone'
              : 'http_error';
    } catch (e) {
      if (e instanceof SecretBoxError) {
        // ENCRYPTION_KEY changed without ENCRYPTION_KEY_PREVIOUS: no attempt can sign it.
        result = { status: null, error: 'the signing secret does not open with ENCRYPTION_KEY' };
        outcome = 'network_error';
      } else if (e instanceof DestinationRefused) {
        result = { status: null, error: `destination not allowed: ${e.message}` };
        outcome = 'not_allowed';
      } else throw e;
    }
    this.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.outcomes.inc({ outcome });
    if (outcome === 'delivered') {
      this.markDelivered(d, result.status!);
      return;
    }
    await this.failed(d, result, outcome);
  }

  private async failed(d: ClaimedDelivery, result: AttemptResult, outcome: Outcome): Promise<void> {
    const error = result.error ?? `HTTP ${result.status}`;
    await this.db.transaction(async (m) => {
      if (outcome === 'gone') {
        await this.repo.markAttemptFailed(
          m,
          d,
          { status: result.status, error, retryInMs: null },
          this.options.disableAfterMs,
        );
        await this.disable(m, d.endpointId, 'gone');
        return;
      }
      const overdue = await this.repo.markAttemptFailed(
        m,
        d,
        { status: result.status, error, retryInMs: this.retryInMs(d, result) },
        this.options.disableAfterMs,
      );
      if (overdue) await this.disable(m, d.endpointId, 'failing');
    });
  }

  /** The wait before the next attempt, or null after the schedule's last one. */
  private retryInMs(d: ClaimedDelivery, result: AttemptResult): number | null {
    const index = d.attempts - d.retryBase - 1;
    const schedule = this.cfg.retryScheduleMs;
    if (index >= schedule.length) return null;
    const retryAfterMs =
      result.retryAfterSeconds !== undefined ? result.retryAfterSeconds * 1000 : undefined;
    if (retryAfterMs !== undefined && retryAfterMs <= this.options.maxRetryAfterMs) {
      return retryAfterMs;
    }
    return Math.round(schedule[index] * (0.9 + Math.random() * 0.2));
  }

  private async disable(
    m: EntityManager,
    endpointId: string,
    reason: 'gone' | 'failing',
  ): Promise<void> {
    if (!(await this.repo.disableEndpoint(m, endpointId, reason))) return;
    this.logger.warn({ msg: 'webhook endpoint disabled', webhook_id: endpointId, reason });
    await this.audit.record(
      {
        action: 'webhook_disable',
        outcome: 'success',
        details: { webhook_id: endpointId, reason },
      },
      m,
    );
  }
}
