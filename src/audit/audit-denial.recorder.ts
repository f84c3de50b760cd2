import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AccessDenialRecorder } from '../common/filters/access-denial-recorder';
import { requestMetaOf } from '../common/request-meta';
import { AuditService } from './audit.service';

/**
 * Records a 401/403 as `access_denied` when the route is audited or admin-only and nothing has
 * recorded the request yet (a guard refused it before the AuditInterceptor could run). The
 * exception filter calls it; it reads what AuditedRouteGuard put on the request.
 */
@Injectable()
export class AuditDenialRecorder implements AccessDenialRecorder {
  constructor(private readonly audit: AuditService) {}

  async recordDenial(req: Request, code: string): Promise<void> {
    const ctx = req.audit;
    if (!ctx?.route || ctx.recorded) return;
    ctx.recorded = true;
    const actor = ctx.actor ?? req.user;
    await this.audit.recordQuietly({
      action: 'access_denied',
      outcome: code,
      actor: actor?.id != null ? { id: actor.id, email: actor.email } : null,
      target: ctx.target,
      details: {
        ...(ctx.route.action ? { route_action: ctx.route.action } : {}),
        method: req.method,
        path: req.path.slice(0, 200),
      },
      meta: requestMetaOf(req),
    });
  }
}
