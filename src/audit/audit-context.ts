import type { Request } from 'express';
import type { EntityManager } from 'typeorm';
import type { RequestMeta } from '../common/request-meta';

/** Metadata key of `@Audit(action)`. */
export const AUDIT_ACTION = 'audit:action';

/** What the route declares about auditing; put on the request before any guard can deny it. */
export interface AuditedRoute {
  /** The `@Audit()` action, if any. */
  action?: string;
  /** Whether the route is `@AdminOnly()`. */
  adminOnly: boolean;
}

export interface AuditParty {
  id?: string | number | null;
  email?: string | null;
}

/**
 * The audit state of one request. Handlers and services fill in what only they know (the target,
 * which fields changed); the AuditInterceptor, or the exception filter for a denial, writes the
 * record from it. Never put a secret value in `details`: name the fields, not their contents.
 */
export class AuditContext {
  route?: AuditedRoute;
  /** Set once a record has been written for this request, so a denial is not recorded twice. */
  recorded = false;
  /** Overrides the route's `@Audit()` action where one route does two things (block, unblock). */
  action?: string;
  actor?: AuditParty;
  target?: AuditParty;
  readonly details: Record<string, unknown> = {};
  /** The route's action, the authenticated caller and the request, set by the AuditInterceptor. */
  routeAction?: string;
  caller?: AuditParty;
  meta?: RequestMeta;
  /** Writes the success record in a transaction (bound by the AuditInterceptor). */
  writer?: (ctx: AuditContext, manager: EntityManager) => Promise<unknown>;

  /**
   * Writes this request's success record now, inside the change's transaction `manager`, instead
   * of after the answer: whatever acts on audit records (the webhook outbox) then commits or rolls
   * back with the change. Call it last in the transaction; details added later are not recorded.
   * Outside an `@Audit` route (a unit test) it does nothing.
   */
  async recordIn(manager: EntityManager): Promise<void> {
    await this.writer?.(this, manager);
  }

  setAction(action: string): this {
    this.action = action;
    return this;
  }

  /** The user the action is about. */
  setTarget(target: AuditParty): this {
    this.target = { id: target.id, email: target.email };
    return this;
  }

  /** Who acted, where it is not the authenticated caller (e.g. the user who just logged in). */
  setActor(actor: AuditParty): this {
    this.actor = { id: actor.id, email: actor.email };
    return this;
  }

  /** The names (never the values) of the fields an update changed. */
  changed(fields: Iterable<string>): this {
    this.details.changed = [...new Set(fields)].sort();
    return this;
  }

  addDetails(details: Record<string, unknown>): this {
    Object.assign(this.details, details);
    return this;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    audit?: AuditContext;
  }
}

export function auditContextOf(req: Request): AuditContext {
  req.audit ??= new AuditContext();
  return req.audit;
}
