import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { PeriodicJob } from '../periodic-job';

export interface IpWindowState {
  /** Requests in the current window, this one included. */
  hits: number;
  /** Milliseconds until the window ends. */
  resetInMs: number;
}

/** Counts requests per key in fixed windows. */
export interface IpRateLimitStore {
  hit(key: string, windowMs: number): Promise<IpWindowState>;
  close(): Promise<void>;
}

/** One process's memory: right for a single instance (the default). */
export class MemoryIpRateLimitStore implements IpRateLimitStore {
  private readonly windows = new Map<string, { hits: number; resetAt: number }>();
  private readonly sweeper = new PeriodicJob(new Logger('IpRateLimit'), 'window sweep', async () =>
    this.sweep(),
  );

  constructor(sweepEveryMs = 60_000) {
    this.sweeper.start({ everyMs: sweepEveryMs });
  }

  hit(key: string, windowMs: number, now = Date.now()): Promise<IpWindowState> {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { hits: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.hits++;
    return Promise.resolve({ hits: w.hits, resetInMs: w.resetAt - now });
  }

  private sweep(now = Date.now()): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  close(): Promise<void> {
    return this.sweeper.stop();
  }
}

/** INCR and start the window's expiry on the first hit, atomically. */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/**
 * Redis (REDIS_URL): one count shared by every instance. When Redis cannot answer, the request is
 * let through (and logged): this limit is a second line; the per-address counters that protect
 * accounts live in the database and do not depend on it.
 */
export class RedisIpRateLimitStore implements IpRateLimitStore {
  private readonly logger = new Logger('IpRateLimit');
  private readonly redis: Redis;
  private lastWarnAt = 0;

  constructor(url: string) {
    this.redis = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
    });
    this.redis.on('error', (e: Error) => this.warn(e));
  }

  async hit(key: string, windowMs: number): Promise<IpWindowState> {
    try {
      const [hits, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, `ip-rate:${key}`, windowMs)) as [
        number,
        number,
      ];
      return { hits, resetInMs: ttl };
    } catch (e) {
      this.warn(e as Error);
      return { hits: 0, resetInMs: windowMs };
    }
  }

  private warn(e: Error): void {
    if (Date.now() - this.lastWarnAt < 60_000) return;
    this.lastWarnAt = Date.now();
    this.logger.warn({ msg: 'Redis unavailable; per-IP limit not applied', err: e.message });
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
