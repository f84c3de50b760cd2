import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';

/** The one error shape of the API (docs/api.md, Errors). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string | string[];
  request_id?: string;
}

/**
 * A domain error with a stable machine-readable `code`. Modules subclass it
 * (`class InvalidTokenError extends AppError`) and the global filter maps it to the error shape.
 */
export class AppError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    /** One message, or one per problem (validation). */
    readonly detail: string | string[],
    readonly headers: Record<string, string> = {},
  ) {
    // The response is the full error shape, so even an app with Nest's default filter (a service
    // using the client module) answers in the API's shape.
    super(errorBody(status, code, detail), status);
  }
}

/** The challenge a 401 carries: RFC 9110 (15.5.2) has every 401 say how to authenticate. */
export const BEARER_CHALLENGE: Record<string, string> = { 'WWW-Authenticate': 'Bearer' };

export class ValidationFailedError extends AppError {
  constructor(messages: string[]) {
    super(HttpStatus.BAD_REQUEST, 'validation_failed', messages);
  }
}

export class NotFoundError extends AppError {
  constructor(code = 'not_found', message = 'Not found') {
    super(HttpStatus.NOT_FOUND, code, message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    retryAfterSeconds: number,
    code = 'too_many_requests',
    message = 'Too many requests; try again later.',
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, code, message, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

export function errorBody(
  status: number,
  code: string | undefined,
  message: string | string[],
): ErrorBody {
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    code: code ?? DEFAULT_CODES[status] ?? (status >= 500 ? 'internal_error' : 'error'),
    message,
  };
}

export function sendError(
  res: Response,
  body: ErrorBody,
  headers: Record<string, string> = {},
): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(body.statusCode).json(body);
}
