import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_ONLY } from '../common/decorators/admin-only.decorator';
import type { RouteMetadata, RouteStep } from '../common/guards/route-pipeline.guard';
import { AUDIT_ACTION, auditContextOf } from './audit-context';

/**
 * Never denies. It copies the route's audit metadata (`@Audit`, `@AdminOnly`) onto the request so
 * that the exception filter, which Nest gives no handler, can record a denial as `access_denied`
 * even when a guard (the AuthGuard, AdminGuard) refuses the request before any interceptor runs.
 * The first step of the global RoutePipelineGuard (AppModule), so it runs before every guard that
 * may deny.
 */
@Injectable()
export class AuditedRouteGuard implements RouteStep {
  readonly metadataKeys = [AUDIT_ACTION, ADMIN_ONLY];

  check(req: Request, _res: unknown, route: RouteMetadata): void {
    const action = route.get(AUDIT_ACTION) as string | undefined;
    const adminOnly = route.get(ADMIN_ONLY) as boolean | undefined;
    if (action || adminOnly) auditContextOf(req).route = { action, adminOnly: !!adminOnly };
  }
}
