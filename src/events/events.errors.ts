import { defineErrors } from '../common/errors';

export const EventsErrors = defineErrors({
  invalid_service_key: [
    401,
    'A service key (SERVICE_KEYS) is required.',
    {
      // It checked a key: as every answer that does, never kept by a cache.
      headers: { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' },
    },
  ],
  events_unavailable: [
    503,
    'Change events are interrupted; try again shortly.',
    { headers: { 'Retry-After': '1' } },
  ],
});
