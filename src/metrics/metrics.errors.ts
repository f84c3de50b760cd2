import { defineErrors } from '../common/errors';

export const MetricsErrors = defineErrors({
  invalid_metrics_token: [
    401,
    'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.',
    {
      code: 'invalid_token',
      // It checked a token: as every answer that does, never kept by a cache.
      headers: { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' },
    },
  ],
});
