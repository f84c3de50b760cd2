import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { AuditContext, auditContextOf } from '../audit-context';

export const AUDIT_ACTION = 'audit:action';

/**
 * Records every request to this route in the audit log under `action`, with the outcome
 * (`success` or the error code), whether the handler succeeds or fails. Denials by a guard before
 * the handler are recorded as `access_denied`.
 */
export const Audit = (action: string) => SetMetadata(AUDIT_ACTION, action);

/**
 * The request's audit context, for the handler to pass to its service, which names the target and
 * the details (`audit.setTarget(user)`, `audit.changed(['email'])`) of the record written for it.
 */
export const AuditCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): AuditContext =>
  auditContextOf(ctx.switchToHttp().getRequest<Request>()),
);
