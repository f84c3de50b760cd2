import type { RequestMeta } from '../common/request-meta';
import type { AuditEntry, AuditService } from './audit.service';
import { AppError } from '../common/errors';

/** The record of an action that ended in one of our errors, but for the outcome (the error's code). */
export interface FailureEntry {
  action: string;
  /** Who the action was about: a known user, or only the address that was given. */
  target?: { id?: string | null; email: string } | null;
  email?: string;
  actor?: AuditEntry['actor'];
  meta: RequestMeta;
  details?: Record<string, unknown>;
}

/**
 * Runs a self-service action; when it ends in one of our errors, records the action with that
 * error code as its outcome (outside the rolled-back transaction) and rethrows. Successes are
 * recorded by the action itself, inside its transaction.
 */
export async function auditFailures<T>(
  audit: AuditService,
  entry: FailureEntry,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AppError) throw await auditRefusal(audit, entry, e);
    throw e;
  }
}

/**
 * Records `error` as the outcome of the action (as auditFailures does) and returns it, for the
 * caller to throw: `throw await auditRefusal(...)`. For a rule that refuses part-way through, where
 * wrapping the rest in auditFailures would also record the errors of later steps.
 */
export async function auditRefusal<E extends AppError>(
  audit: AuditService,
  entry: FailureEntry,
  error: E,
): Promise<E> {
  await audit.recordQuietly({
    action: entry.action,
    outcome: error.code,
    actor: entry.actor,
    target: entry.target ?? (entry.email ? { email: entry.email } : null),
    details: entry.details,
    meta: entry.meta,
  });
  return error;
}
