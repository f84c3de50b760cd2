import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import type { Request } from 'express';
import { AuditInterceptor } from './audit.interceptor';
import { AUDIT_ACTION, AuditContext, auditContextOf } from './audit-context';

/**
 * Records every request to this route in the audit log under `action`, with the outcome
 * (`success` or the error code), whether the handler succeeds or fails. Denials by a guard before
 * the handler are recorded as `access_denied`.
 *
 * The AuditInterceptor is attached here, on the audited routes only, rather than globally: a global
 * interceptor puts Nest's interceptor chain (RxJS, AsyncResource.bind) on every request, which cost
 * GET /validate_token about a fifth of its throughput (bench/run.js).
 */
export const Audit = (action: string) =>
  applyDecorators(SetMetadata(AUDIT_ACTION, action), UseInterceptors(AuditInterceptor));

/**
 * The request's audit context, for the handler to pass to its service, which names the target and
 * the details (`audit.setTarget(user)`, `audit.changed(['email'])`) of the record written for it.
 */
export const AuditCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): AuditContext =>
  auditContextOf(ctx.switchToHttp().getRequest<Request>()),
);
