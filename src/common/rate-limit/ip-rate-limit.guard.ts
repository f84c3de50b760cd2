import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { throttleConfig, ThrottleConfig } from '../../config/config';
import { CommonErrors } from '../errors';
import type { IpRateLimitStore } from './ip-rate-limit.store';

export const IP_RATE_LIMIT_STORE = Symbol('IP_RATE_LIMIT_STORE');

/**
 * IP_RATE_LIMIT requests per IP_RATE_WINDOW per client address, one count shared by every route
 * that carries `@IpRateLimit()`. The address is `req.ip`, so X-Forwarded-For counts only as far as
 * TRUST_PROXY allows. Every request counts, good or bad, before its body is even validated.
 */
@Injectable()
export class IpRateLimitGuard implements CanActivate {
  constructor(
    @Inject(IP_RATE_LIMIT_STORE) private readonly store: IpRateLimitStore,
    @Inject(throttleConfig.KEY) private readonly cfg: ThrottleConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const { hits, resetInMs } = await this.store.hit(ip, this.cfg.ipRateWindowMs);
    if (hits > this.cfg.ipRateLimit) {
      throw CommonErrors.too_many_requests({ retryAfterSeconds: resetInMs / 1000 });
    }
    return true;
  }
}
