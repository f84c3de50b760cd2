import { defineErrors } from '../common/errors';

export const WebhooksErrors = defineErrors({
  webhook_not_found: [404, 'No webhook endpoint with that id.'],
  delivery_not_found: [404, 'No delivery with that id for this endpoint.'],
  webhook_url_not_allowed: [
    400,
    'The URL must be https:// and resolve to public addresses only (see WEBHOOK_ALLOW_HTTP and ' +
      'WEBHOOK_ALLOW_PRIVATE).',
  ],
  delivery_not_retryable: [409, 'Only a pending or failed delivery can be retried.'],
  root_only: [403, 'Only a root may change webhook endpoints.'],
});
