import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, errorBody, ErrorBody, sendError } from '../errors';

/** Errors of a lost or restarting database connection: the request may be retried, so 503. */
function isDatabaseUnavailable(err: unknown): boolean {
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

/** Maps every error to the one JSON shape; unknown ones are logged and answered with a request id only. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;

    if (exception instanceof AppError) {
      return sendError(
        res,
        errorBody(exception.getStatus(), exception.code, exception.detail),
        exception.headers,
      );
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      return sendError(res, errorBody(status, undefined, message));
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ msg: 'database unavailable', err: String(exception) });
      return sendError(
        res,
        {
          ...errorBody(
            503,
            'database_unavailable',
            'The database is unavailable; try again shortly.',
          ),
          request_id: req.id,
        },
        { 'Retry-After': '2' },
      );
    }

    this.logger.error(exception instanceof Error ? exception : String(exception));
    const body: ErrorBody = {
      ...errorBody(500, 'internal_error', 'Internal server error'),
      request_id: req.id,
    };
    sendError(res, body);
  }
}
