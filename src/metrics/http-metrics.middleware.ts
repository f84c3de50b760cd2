import type { NextFunction, Request, Response } from 'express';
import type { MetricsService } from './metrics.service';

/** Routes whose answer is a token check: 200 is a valid token, 401 an invalid one. */
const TOKEN_CHECK_ROUTES = new Set(['GET /validate_token', 'GET /auth/forward']);

/**
 * Counts every request in (MetricsService.load) and times it by its route pattern
 * (`/users/:id`, never the raw path, so the series stay few); a request that matched no route is
 * `(unmatched)`.
 */
export function httpMetrics(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    metrics.load.started();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? '(unmatched)';
      const status = res.statusCode;
      metrics.observeRequest(
        req.method,
        route,
        status,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      if ((status === 200 || status === 401) && TOKEN_CHECK_ROUTES.has(`${req.method} ${route}`)) {
        metrics.countTokenCheck(status === 200);
      }
    });
    next();
  };
}
