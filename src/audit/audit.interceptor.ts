import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { catchError, concatMap, from, Observable, throwError } from 'rxjs';
import { mapException } from '../common/filters/map-exception';
import { requestMetaOf } from '../common/request-meta';
import { AUDIT_ACTION, auditContextOf } from './audit-context';
import { AuditService } from './audit.service';

/**
 * Writes one record per request to an `@Audit(action)` route (the decorator attaches it), after
 * the handler: `success`, or the error code the client gets (the same mapping as the exception
 * filter). The answer waits for the record, so a client that reads the history next sees it; a
 * failed write is logged and does not change the answer (the action itself has happened).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const action = this.reflector.getAllAndOverride<string | undefined>(AUDIT_ACTION, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!action) return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const ctx = auditContextOf(req);
    // So a service can write the success record inside its own transaction (recordInTransaction).
    ctx.routeAction = action;
    ctx.caller = req.user?.id != null ? { id: req.user.id, email: req.user.email } : undefined;
    ctx.meta = requestMetaOf(req);
    ctx.writer = (c, m) => this.audit.recordInTransaction(c, m);

    const write = (outcome: string): Promise<void> => {
      ctx.recorded = true;
      const actor = ctx.actor ?? req.user;
      return this.audit.recordQuietly({
        action: ctx.action ?? action,
        outcome,
        actor: actor?.id != null ? { id: actor.id, email: actor.email } : null,
        target: ctx.target,
        details: ctx.details,
        meta: requestMetaOf(req),
      });
    };

    return next.handle().pipe(
      concatMap(async (value: unknown) => {
        // Already written by the service, in the transaction of the change.
        if (!ctx.recorded) await write('success');
        return value;
      }),
      catchError((err: unknown) =>
        from(write(mapException(err).body.code)).pipe(concatMap(() => throwError(() => err))),
      ),
    );
  }
}
