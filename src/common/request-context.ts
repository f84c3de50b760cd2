import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

/**
 * Accepts the client's X-Request-Id when it looks safe, else makes one; echoes it on the response.
 * Log lines about a request name it explicitly (`request_id: req.id`). No AsyncLocalStorage: on
 * Node 20 it turns on promise hooks for the whole process, which cost GET /validate_token about a
 * tenth of its throughput (bench/run.js).
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  req.id = id;
  res.setHeader('X-Request-Id', id);
  next();
}
