import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { BREAK_NAMES, ChainBreakKind } from '../audit/audit-chain';
import { AuditChainMonitor } from '../audit/audit-chain-monitor';
import { AuditService } from '../audit/audit.service';
import { MailService } from '../mail/mail.service';
import { RequestLoad } from './request-load';

/** The `pg` pool's counters (and the embedded pool's, which mimics them). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The Prometheus series of docs/operations.md (Metrics), in a registry of this app's own (two apps in one process, as in
 * the tests, do not share counters). Request latency and token checks are counted per request;
 * the outbox and the pool are read when Prometheus scrapes, so they cost nothing in between.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly logins = new Counter({
    name: 'auth_logins_total',
    help: 'Login attempts by outcome (success, or the error code answered)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly tokenChecks = new Counter({
    name: 'auth_token_checks_total',
    help: 'Token checks (GET /validate_token, GET /auth/forward) by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /**
   * One histogram child per label combination, found by a plain string key: prom-client would
   * otherwise hash a labels object on every request of the hot path.
   */
  private readonly children = new Map<string, { observe(v: number): void }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly auditChain: AuditChainMonitor,
  ) {
    collectDefaultMetrics({ register: this.registry });
    let outbox: ReturnType<MailService['outboxStats']> | undefined;
    // Both outbox gauges come from one query per scrape: the first collect starts it, both await it.
    const stats = () =>
      (outbox ??= this.mail.outboxStats().finally(() => setImmediate(() => (outbox = undefined))));
    new Gauge({
      name: 'mail_outbox_mails',
      help: 'Mails in the outbox by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const { byStatus } = await stats();
        for (const [status, n] of Object.entries(byStatus)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'mail_outbox_oldest_pending_seconds',
      help: 'Age of the oldest pending mail (0 when none is pending)',
      registers: [this.registry],
      async collect() {
        this.set((await stats()).oldestPendingSeconds);
      },
    });
    const chain = () => this.auditChain.status;
    new Gauge({
      name: 'audit_chain_ok',
      help: "The server's last check of the newest audit records: 1 intact, 0 broken, -1 not checked",
      registers: [this.registry],
      collect() {
        const { state } = chain();
        this.set(state === 'ok' ? 1 : state === 'broken' ? 0 : -1);
      },
    });
    new Gauge({
      name: 'audit_chain_breaks',
      help: 'Places where the last check found the audit chain broken, by kind',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      collect() {
        const { report } = chain();
        this.reset();
        if (!report) return;
        for (const kind of Object.keys(BREAK_NAMES) as ChainBreakKind[])
          this.set({ kind }, report.breaks.find((b) => b.kind === kind)?.count ?? 0);
      },
    });
    new Gauge({
      name: 'audit_chain_last_check_timestamp_seconds',
      help: 'When the server last checked the audit chain (Unix time; 0: not yet)',
      registers: [this.registry],
      collect() {
        const { at } = chain();
        this.set(at ? at / 1000 : 0);
      },
    });
    const pool = () => this.poolCounts();
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state (idle, active, waiting for one)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'active' }, p.totalCount - p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
  }

  onModuleInit(): void {
    this.audit.observe((action, outcome) => {
      if (action === 'login') this.logins.inc({ outcome });
    });
  }

  /** How busy this instance is with requests (the middleware counts them in). */
  readonly load = new RequestLoad();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.requestDuration.labels(method, route, String(status));
      this.children.set(key, child);
    }
    child.observe(seconds);
  }

  countTokenCheck(valid: boolean): void {
    this.tokenChecks.inc({ result: valid ? 'valid' : 'invalid' });
  }

  private poolCounts(): PoolCounts | undefined {
    const master = (this.db.driver as unknown as { master?: Partial<PoolCounts> }).master;
    if (typeof master?.totalCount !== 'number') return undefined;
    return master as PoolCounts;
  }
}
