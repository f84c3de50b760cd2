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
  entry: { action: string; email?: string; meta: RequestMeta; details?: Record<string, unknown> },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) {
      await audit.recordQuietly({
        action: entry.action,
        outcome: e.code,
        target: entry.email ? { email: entry.email } : null,
        details: entry.details,
        meta: entry.meta,
      });
    }
    throw e;
  }
}
