import type { AuthUser } from '../common/auth-user';
import type { RequestMeta } from '../common/request-meta';
import type { AuditService } from './audit.service';
import { AppError } from '../common/errors';

/**
 * Runs a self-service action; when it ends in one of our errors, records the action with that
 * error code as its outcome (outside the rolled-back transaction) and rethrows. Successes are
 * recorded by the action itself, inside its transaction.
 */
export async function auditFailures<T>(
  audit: AuditService,
  entry: {
    action: string;
    /** Who the action was about: a known user, or only the address that was given. */
    target?: { id?: string; email: string };
    email?: string;
    actor?: AuthUser;
    meta: RequestMeta;
    details?: Record<string, unknown>;
  },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) {
      await audit.recordQuietly({
        action: entry.action,
        outcome: e.code,
        actor: entry.actor,
        target: entry.target ?? (entry.email ? { email: entry.email } : null),
        details: entry.details,
        meta: entry.meta,
      });
    }
    throw e;
  }
}
