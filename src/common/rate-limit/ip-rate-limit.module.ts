import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { throttleConfig, ThrottleConfig } from '../../config/config';
import { IP_RATE_LIMIT_STORE, IpRateLimitGuard } from './ip-rate-limit.guard';
import {
  IpRateLimitStore,
  MemoryIpRateLimitStore,
  RedisIpRateLimitStore,
} from './ip-rate-limit.store';

/**
 * Global, so `@IpRateLimit()` works on a controller of any module: the guard's store is one per
 * app (in memory, or Redis when REDIS_URL is set), shared by every route that carries it.
 */
@Global()
@Module({
  providers: [
    {
      provide: IP_RATE_LIMIT_STORE,
      inject: [throttleConfig.KEY],
      useFactory: (cfg: ThrottleConfig): IpRateLimitStore =>
        cfg.redisUrl ? new RedisIpRateLimitStore(cfg.redisUrl) : new MemoryIpRateLimitStore(),
    },
    IpRateLimitGuard,
  ],
  exports: [IP_RATE_LIMIT_STORE, IpRateLimitGuard],
})
export class IpRateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(IP_RATE_LIMIT_STORE) private readonly store: IpRateLimitStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
