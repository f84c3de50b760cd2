import { HttpException } from '@nestjs/common';
import { AppError, bodyOf, CommonErrors, errorBody, ErrorBody } from '../errors';

/** Errors of a lost or restarting database connection: the request may be retried, so 503. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; driverError?: unknown };
  const code = e?.code ?? (e?.driverError as { code?: string } | undefined)?.code;
  if (
    code &&
    (/^(08|57P0)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code))
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(
    e?.message ?? '',
  );
}

/** A deadlock (40P01) or serialization failure (40001): the request lost a race and may be retried. */
export function isTransactionConflict(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e?.code ?? e?.driverError?.code;
  return code === '40P01' || code === '40001';
}

export interface MappedError {
  body: ErrorBody;
  headers: Record<string, string>;
  /** Neither a domain error nor an HTTP one: a bug, to be logged in full and answered with an id. */
  unexpected: boolean;
}

/**
 * The one mapping from a thrown value to the API's error shape. The global filter answers with it
 * and the audit log takes the outcome (`body.code`) from it, so both always agree.
 */
export function mapException(exception: unknown): MappedError {
  if (exception instanceof AppError) return mapped(exception);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: string | string[] }).message
        : exception.message;
    return { body: errorBody(status, undefined, message), headers: {}, unexpected: false };
  }
  if (isTransactionConflict(exception)) return mapped(CommonErrors.conflict());
  if (isDatabaseUnavailable(exception)) return mapped(CommonErrors.database_unavailable());
  return { ...mapped(CommonErrors.internal_error()), unexpected: true };
}

function mapped(e: AppError): MappedError {
  return { body: bodyOf(e), headers: e.headers, unexpected: false };
}
