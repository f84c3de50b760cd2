import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readBearer } from '../common/session-cookie.rules';
import { servicesConfig, ServicesConfig } from '../config/config';
import { EventsErrors } from './events.errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Service routes: `Authorization: Bearer <one of SERVICE_KEYS>`. Keys are compared as digests in
 * constant time, so neither a key's length nor its prefix leaks. A session token is never a key.
 */
@Injectable()
export class ServiceKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(servicesConfig.KEY) cfg: ServicesConfig) {
    this.keys = cfg.keys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const given = readBearer(req.headers.authorization ?? '');
    if (!given) throw EventsErrors.invalid_service_key();
    const d = digest(given);
    let ok = false;
    for (const k of this.keys) ok = timingSafeEqual(k, d) || ok;
    if (!ok) throw EventsErrors.invalid_service_key();
    return true;
  }
}
