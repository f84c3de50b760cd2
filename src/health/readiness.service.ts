import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AuditChainMonitor } from '../audit/audit-chain-monitor';
import { opsConfig, OpsConfig } from '../config/config';

const PROBE_TIMEOUT_MS = 2000;

export interface Readiness {
  status: 'ok' | 'error' | 'shutting_down';
  database: 'up' | 'down';
  migrations: 'current' | 'pending' | 'unknown';
  /** The server's last check of the audit chain's newest records; informs, never makes it unready. */
  audit_chain: 'ok' | 'broken' | 'unknown';
  /** When broken: the lowest id among the records that do not match. */
  audit_chain_first_bad_id?: string;
}

/**
 * What the probes answer. Shutdown: Nest calls onModuleDestroy before it closes the HTTP server and
 * then the database (onApplicationShutdown), so from that moment `ready` is 503 while requests are
 * still served; SHUTDOWN_DELAY keeps it so for as long as a load balancer needs to notice.
 */
@Injectable()
export class ReadinessService implements OnModuleDestroy {
  private shuttingDown = false;
  /** Once current, migrations stay current for the life of this process: no more queries. */
  private migrationsCurrent = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(opsConfig.KEY) private readonly ops: OpsConfig,
    private readonly auditChain: AuditChainMonitor,
  ) {}

  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    if (this.ops.shutdownDelayMs > 0) await sleep(this.ops.shutdownDelayMs);
  }

  /** The database answers a trivial query in time. */
  databaseUp(): Promise<boolean> {
    return this.withTimeout(this.db.query('SELECT 1')).then(
      () => true,
      () => false,
    );
  }

  async ready(): Promise<Readiness> {
    const up = await this.databaseUp();
    let migrations: Readiness['migrations'] = 'unknown';
    if (up) {
      if (!this.migrationsCurrent) {
        this.migrationsCurrent = await this.withTimeout(this.db.showMigrations()).then(
          (pending) => !pending,
          () => false,
        );
      }
      migrations = this.migrationsCurrent ? 'current' : 'pending';
    }
    const ok = up && migrations === 'current' && !this.shuttingDown;
    const chain = this.auditChain.status;
    const firstBad = chain.state === 'broken' ? chain.report?.firstBadId : undefined;
    return {
      status: ok ? 'ok' : this.shuttingDown ? 'shutting_down' : 'error',
      database: up ? 'up' : 'down',
      migrations,
      audit_chain: chain.state,
      ...(firstBad && { audit_chain_first_bad_id: firstBad }),
    };
  }

  private async withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
