import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    /** The server's own id of this request. */
    id: string;
    /** The client's X-Request-Id, when it looks safe; kept beside `id`, never in its place. */
    clientRequestId?: string;
  }
}

/**
 * Gives every request an id of the server's own, on the response's X-Request-Id, and keeps a safe
 * X-Request-Id from the client beside it (the audit log's `client_request_id`): a client can
 * choose its value, so it cannot be the id that ties records to one request.
 * Log lines about a request name both explicitly. No AsyncLocalStorage: on Node 20 it turns on
 * promise hooks for the whole process, which cost GET /validate_token about a tenth of its
 * throughput (bench/run.js).
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && SAFE_ID.test(given)) req.clientRequestId = given;
  req.id = randomUUID();
  res.setHeader('X-Request-Id', req.id);
  next();
}
