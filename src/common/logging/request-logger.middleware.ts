import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/**
 * One line per request when it ends: method, path (never the query string, which may hold a link
 * token), status and duration. Successful requests log at `debug`, so the hot path costs one
 * level check at the default `info`; client errors at `info`, server errors at `error`.
 */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({
        request_id: req.id,
        client_request_id: req.clientRequestId,
        method: req.method,
        path: req.path,
        status,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        ip: req.ip,
      });
    });
    next();
  };
}
