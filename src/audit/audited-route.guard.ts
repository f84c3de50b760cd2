import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AUDIT_ACTION, auditContextOf } from './audit-context';
import { ADMIN_ONLY } from '../common/decorators/admin-only.decorator';

/**
 * Never denies. It copies the route's audit metadata (`@Audit`, `@AdminOnly`) onto the request so
 * that the exception filter, which Nest gives no handler, can record a denial as `access_denied`
 * even when a guard (the global AuthGuard, AdminGuard) refuses the request before any interceptor
 * runs. It must run before every guard that may deny: AuditModule registers it as an APP_GUARD,
 * and AppModule imports AuditModule before AuthModule.
 */
@Injectable()
export class AuditedRouteGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const action = this.reflector.getAllAndOverride<string | undefined>(AUDIT_ACTION, targets);
    const adminOnly = this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ONLY, targets);
    if (action || adminOnly) {
      auditContextOf(context.switchToHttp().getRequest<Request>()).route = {
        action,
        adminOnly: !!adminOnly,
      };
    }
    return true;
  }
}
