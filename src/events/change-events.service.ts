import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { databaseConfig, DatabaseConfig, throttleConfig, ThrottleConfig } from '../config/config';
import { ChangeBus, InProcessBus, PgNotifyBus, RedisBus } from './change-bus';
import { ChangeEvent, ChangeListener, ChangeSignal } from './change-event';

/** Changes a transaction made, held until it commits. */
const pendingByRunner = new WeakMap<QueryRunner, ChangeEvent[]>();

export interface EndedSession {
  sessionId: string;
  userId: string;
}

/**
 * The one place that says "a token check may answer differently now". Writers call it with the
 * EntityManager of their transaction; the change goes out only once that transaction commits (a
 * rolled-back one publishes nothing), through the bus for this deployment: NOTIFY on PostgreSQL,
 * Redis pub/sub when REDIS_URL is set, in process on the embedded database. Every listener in
 * every instance hears it: the SSE stream, and this process's own caches.
 */
@Injectable()
export class ChangeEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeEvents.name);
  private readonly listeners = new Set<ChangeListener>();
  private readonly inTransaction: Array<(m: EntityManager, e: ChangeEvent) => void> = [];
  readonly bus: ChangeBus;
  private live = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) dbCfg: DatabaseConfig,
    @Inject(throttleConfig.KEY) throttleCfg: ThrottleConfig,
  ) {
    // The embedded database has one writer, this process: in process, delivered at the commit
    // itself, which is what lets its own token checks be served from memory (SessionsService).
    if (!dbCfg.url) this.bus = new InProcessBus();
    else if (throttleCfg.redisUrl) this.bus = new RedisBus(throttleCfg.redisUrl);
    else this.bus = new PgNotifyBus(dbCfg.url, (sql, p) => db.query(sql, p));
  }

  async onModuleInit(): Promise<void> {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => {
        // A nested transaction's commit only releases a savepoint: wait for the outer one.
        if (queryRunner.isTransactionActive) return;
        const pending = pendingByRunner.get(queryRunner);
        pendingByRunner.delete(queryRunner);
        for (const e of pending ?? []) this.publishCommitted(e);
      },
      afterTransactionRollback: ({ queryRunner }) => {
        // A rolled-back savepoint keeps its changes queued: one extra eviction is harmless.
        if (!queryRunner.isTransactionActive) pendingByRunner.delete(queryRunner);
      },
    };
    this.db.subscribers.push(subscriber);
    await this.bus.start({
      change: (e) => this.deliver(e),
      up: () => {
        this.live = true;
        this.deliver({ type: 'reset' });
      },
      down: () => {
        if (!this.live) return;
        this.live = false;
        this.logger.warn({ msg: 'change events interrupted; caches off until they are back' });
        this.deliver({ type: 'down' });
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }

  /** Whether changes are heard right now (a stream that cannot hear them must not be offered). */
  get isLive(): boolean {
    return this.live;
  }

  /** Hears every change of every instance; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Hears each change made inside a transaction, in that transaction and before it commits: the
   * webhook outbox learns there which sessions a change ended (its audit record counts them only).
   */
  onChangeInTransaction(hook: (m: EntityManager, e: ChangeEvent) => void): void {
    this.inTransaction.push(hook);
  }

  /** Sessions ended (logout, revocation, block, password change, single-session policy...). */
  async sessionEnded(m: EntityManager | undefined, sessions: EndedSession[]): Promise<void> {
    for (const s of sessions) {
      await this.publish(m, { type: 'revoke', session_id: s.sessionId, user_id: Number(s.userId) });
    }
  }

  /** Something of the user that a token check reads changed, or the user is gone. */
  userChanged(m: EntityManager | undefined, userId: string): Promise<void> {
    return this.publish(m, { type: 'user', user_id: Number(userId) });
  }

  private async publish(m: EntityManager | undefined, e: ChangeEvent): Promise<void> {
    const runner = m?.queryRunner;
    if (runner?.isTransactionActive) {
      for (const hook of this.inTransaction) hook(m!, e);
      if (this.bus.publishInTransaction) return this.bus.publishInTransaction(m!, e);
      const pending = pendingByRunner.get(runner) ?? [];
      pending.push(e);
      pendingByRunner.set(runner, pending);
      return;
    }
    if (this.bus.kind === 'postgres') {
      await this.bus.publish(e);
      return;
    }
    this.publishCommitted(e);
  }

  private publishCommitted(e: ChangeEvent): void {
    // Redis queues while reconnecting; a publish that still fails is a gap for the others.
    this.bus.publish(e).catch((err: unknown) => {
      this.logger.error({ msg: 'could not publish a change', type: e.type, err: String(err) });
    });
  }

  private deliver(signal: ChangeSignal): void {
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch (err) {
        this.logger.error({ msg: 'change listener failed', err: String(err) });
      }
    }
  }
}
