import { HttpException } from '@nestjs/common';
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
 * A domain error with a stable machine-readable `code`. Modules do not subclass it: they declare
 * their errors once with `defineErrors` (in their `*.errors.ts`) and throw what it returns; the
 * global filter maps it to the error shape.
 */
export class AppError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    /** One message, or one per problem (validation). */
    readonly detail: string | string[],
    readonly headers: Record<string, string> = {},
    /** The catalogue entry it was made from (two entries may share a wire code). */
    readonly key: string = code,
  ) {
    // The response is the full error shape, so even an app with Nest's default filter (a service
    // using the client module) answers in the API's shape.
    super(errorBody(status, code, detail), status);
  }
}

/** The challenge a 401 carries: RFC 9110 (15.5.2) has every 401 say how to authenticate. */
export const BEARER_CHALLENGE: Record<string, string> = { 'WWW-Authenticate': 'Bearer' };

/** What a module declares per error: its HTTP status and its message, once. */
export type ErrorSpec =
  | readonly [status: number, message: string]
  | readonly [status: number, message: string, options: ErrorSpecOptions];

export interface ErrorSpecOptions {
  /**
   * The code on the wire when it is not the entry's name: for a code the HTTP contract fixes and
   * gives to two errors (`invalid_token` is 401 for a bearer token and 400 for a mailed link).
   */
  code?: string;
  /** Headers that every answer with this error carries (the challenge of a 401). */
  headers?: Record<string, string>;
  /** The message goes out as a list of problems, as `validation_failed`'s do. */
  asList?: boolean;
}

/** What a throw site may add: a message naming the problem, and for a 429 when to come back. */
export interface ErrorDetail {
  message?: string | string[];
  retryAfterSeconds?: number;
}

/**
 * A declared error. Call it for the error to throw; `instanceof` tells a throw of this entry (so
 * jest's `toThrow(UsersErrors.last_root)` checks for it); its fields are what `@ApiErrors`
 * documents.
 */
export interface DefinedError {
  (detail?: ErrorDetail): AppError;
  [Symbol.hasInstance](e: unknown): e is AppError;
  /** The entry's name, unique in the server. */
  readonly key: string;
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

const catalogue = new Map<string, DefinedError>();

/**
 * Declares a module's errors, once: `defineErrors({ user_not_found: [404, 'No such user.'] })`
 * returns `{ user_not_found }`, a factory: `throw UsersErrors.user_not_found()`.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  specs: T,
): { readonly [K in keyof T]: DefinedError } {
  const out: Record<string, DefinedError> = {};
  for (const [key, [status, message, options = {}]] of Object.entries(specs)) {
    if (catalogue.has(key)) throw new Error(`the error ${key} is declared twice`);
    const code = options.code ?? key;
    const make = (detail: ErrorDetail = {}): AppError => {
      const headers = { ...options.headers };
      if (detail.retryAfterSeconds !== undefined) {
        headers['Retry-After'] = String(Math.max(1, Math.ceil(detail.retryAfterSeconds)));
      }
      const text = detail.message ?? (options.asList ? [message] : message);
      return new AppError(status, code, text, headers, key);
    };
    Object.defineProperty(make, 'name', { value: key });
    Object.defineProperty(make, Symbol.hasInstance, {
      value: (e: unknown) => e instanceof AppError && e.key === key,
    });
    const defined = Object.assign(make, { key, code, status, message }) as DefinedError;
    catalogue.set(key, defined);
    out[key] = defined;
  }
  return out as { readonly [K in keyof T]: DefinedError };
}

/** Every error declared by the modules loaded so far. */
export function declaredErrors(): DefinedError[] {
  return [...catalogue.values()];
}

const RETRY_NOW = { 'Retry-After': '1' };

/** The errors of no module in particular: validation, the guards of common/, the filter's own. */
export const CommonErrors = defineErrors({
  validation_failed: [400, 'The request is not valid.', { asList: true }],
  invalid_json: [400, 'The body is not valid JSON.'],
  invalid_token: [401, 'A valid session token is required.', { headers: BEARER_CHALLENGE }],
  forbidden: [403, 'This route is for admins.'],
  mfa_required: [403, 'Sign in with your second factor to use admin routes.'],
  not_found: [404, 'Not found'],
  payload_too_large: [413, 'The body is too large.'],
  conflict: [409, 'Another request changed the same data; try again.', { headers: RETRY_NOW }],
  unsupported_media_type: [415, 'Send the body as application/json.'],
  too_many_requests: [429, 'Too many requests from this address; try again later.'],
  internal_error: [500, 'Internal server error'],
  database_unavailable: [
    503,
    'The database is unavailable; try again shortly.',
    { headers: { 'Retry-After': '2' } },
  ],
});

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

/** The wire body of a thrown error. */
export function bodyOf(e: AppError): ErrorBody {
  return errorBody(e.getStatus(), e.code, e.detail);
}

export function sendError(
  res: Response,
  body: ErrorBody,
  headers: Record<string, string> = {},
): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(body.statusCode).json(body);
}
