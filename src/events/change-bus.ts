import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { ChangeEvent, decodeChange, encodeChange } from './change-event';

export const CHANGE_CHANNEL = 'auth_changes';

export interface BusHandlers {
  /** A change, from this instance or another. */
  change(e: ChangeEvent): void;
  /** The bus is (back) up; changes may have been missed before. */
  up(): void;
  /** The bus is down: changes are not heard until `up`. */
  down(): void;
}

/**
 * Carries changes between instances. `publishInTransaction` is for buses whose delivery is tied to
 * the database's commit (NOTIFY); the others are handed the changes once the transaction committed.
 */
export interface ChangeBus {
  readonly kind: 'in-process' | 'postgres' | 'redis';
  start(handlers: BusHandlers): Promise<void>;
  /** Transactional publish (NOTIFY is delivered at COMMIT, and not at all on rollback). */
  publishInTransaction?(m: EntityManager, e: ChangeEvent): Promise<void>;
  /** Publish of a committed change. */
  publish(e: ChangeEvent): Promise<void>;
  close(): Promise<void>;
}

/** The embedded database: one process is the only writer, so the changes never leave it. */
export class InProcessBus implements ChangeBus {
  readonly kind = 'in-process';
  private handlers?: BusHandlers;

  start(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    handlers.up();
    return Promise.resolve();
  }

  publish(e: ChangeEvent): Promise<void> {
    this.handlers?.change(e);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Waits between reconnection attempts: 100 ms doubling to 5 s. */
function backoffMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
}

/**
 * PostgreSQL LISTEN/NOTIFY. NOTIFY is sent inside the writing transaction, so it reaches every
 * instance exactly when the change commits and never when it rolls back. LISTEN needs a connection
 * of its own that outlives the pool's; it reconnects by itself, and each (re)connect is a gap.
 */
export class PgNotifyBus implements ChangeBus {
  readonly kind = 'postgres';
  private readonly logger = new Logger('ChangeEvents');
  private handlers?: BusHandlers;
  private client?: Client;
  private closed = false;
  private attempt = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    /** Runs a statement outside a transaction (the app's pool). */
    private readonly query: (sql: string, params: unknown[]) => Promise<unknown>,
  ) {}

  async start(handlers: BusHandlers): Promise<void> {
    this.handlers = handlers;
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new Client({ connectionString: this.url, keepAlive: true });
    c.on('error', (e) => this.logger.warn({ msg: 'LISTEN connection error', err: String(e) }));
    c.on('end', () => this.lost(c));
    c.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL) this.handlers?.change(decodeChange(n.payload ?? ''));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (e) {
      this.logger.warn({ msg: 'cannot LISTEN for changes; retrying', err: String(e) });
      c.removeAllListeners('end');
      c.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.attempt = 0;
    this.handlers?.up();
  }

  private lost(c: Client): void {
    if (this.client !== c) return;
    this.client = undefined;
    this.handlers?.down();
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.connect(), backoffMs(this.attempt++));
    this.timer.unref();
  }

  async publishInTransaction(m: EntityManager, e: ChangeEvent): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeChange(e)]);
  }

  async publish(e: ChangeEvent): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeChange(e)]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}

/**
 * Redis pub/sub (REDIS_URL): for deployments where LISTEN is not possible (a transaction-pooling
 * proxy). ioredis reconnects and resubscribes by itself; each `ready` after a loss is a gap.
 */
export class RedisBus implements ChangeBus {
  readonly kind = 'redis';
  private readonly logger = new Logger('ChangeEvents');
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(url: string) {
    this.pub = new Redis(url, { lazyConnect: true });
    this.sub = new Redis(url, { lazyConnect: true });
    for (const r of [this.pub, this.sub]) {
      r.on('error', (e) => this.logger.warn({ msg: 'redis error', err: String(e) }));
    }
  }

  async start(handlers: BusHandlers): Promise<void> {
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === CHANGE_CHANNEL) handlers.change(decodeChange(message));
    });
    await this.pub.connect();
    await this.sub.connect();
    await this.sub.subscribe(CHANGE_CHANNEL);
    this.sub.on('close', () => handlers.down());
    // After a reconnect: only up once subscribed again (SUBSCRIBE is idempotent).
    this.sub.on('ready', () => {
      this.sub.subscribe(CHANGE_CHANNEL).then(
        () => handlers.up(),
        (e: unknown) => this.logger.warn({ msg: 'redis resubscribe failed', err: String(e) }),
      );
    });
    handlers.up();
  }

  async publish(e: ChangeEvent): Promise<void> {
    await this.pub.publish(CHANGE_CHANNEL, encodeChange(e));
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    this.pub.disconnect();
    return Promise.resolve();
  }
}
