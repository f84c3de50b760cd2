import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { IncomingMessage } from 'node:http';
import { installTracing, type SpanRunner } from './spans';

const SERVICE_NAME = 'nest-email-auth';

/** What Express and the request-id middleware leave on the request by the time it is answered. */
type RoutedRequest = IncomingMessage & { id?: string; route?: { path?: unknown } };

/**
 * Starts OpenTelemetry's Node SDK for traces: incoming HTTP requests (named by route pattern, with
 * the server's request id), `pg` queries, and the spans the code marks with `inSpan` (queries of
 * the embedded database, SMTP sends). Exporter, protocol, sampler, resource and batching come from
 * the standard OTEL_* variables as the SDK reads them. Only ./start requires this file.
 */
export function startTracing(): void {
  // Traces only by default: metrics are /metrics (Prometheus) and logs are pino's lines. Either
  // can still go over OTLP by setting OTEL_METRICS_EXPORTER or OTEL_LOGS_EXPORTER.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const attrs = process.env.OTEL_RESOURCE_ATTRIBUTES ?? '';
  if (!process.env.OTEL_SERVICE_NAME && !/(^|,)\s*service\.name\s*=/.test(attrs)) {
    process.env.OTEL_SERVICE_NAME = SERVICE_NAME;
  }

  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({
        // The server calls no HTTP service of its own; the OTLP export suppresses its own spans.
        disableOutgoingRequestInstrumentation: true,
        // The pages a mailed link opens take its token as ?token=; a trace must not carry it.
        redactedQueryParamsServer: ['token'],
        applyCustomAttributesOnSpan: (span, request) => {
          if (!(request instanceof IncomingMessage)) return;
          const req = request as RoutedRequest;
          // The route pattern (`/users/:id`), as /metrics labels it; unmatched requests keep `POST`.
          const route = req.route?.path;
          if (typeof route === 'string') {
            span.setAttribute('http.route', route);
            span.updateName(`${req.method ?? 'GET'} ${route}`);
          }
          if (req.id) span.setAttribute('request_id', req.id);
        },
      }),
      new PgInstrumentation({
        // A span per query, not per pool checkout; queries outside a request or a mail send (the
        // periodic jobs) would each be a trace of one span, so they are left out.
        requireParentSpan: true,
        ignoreConnectSpans: true,
      }),
    ],
  });
  sdk.start();

  const tracer = trace.getTracer(SERVICE_NAME);
  const runner: SpanRunner = (name, attributes, run, options) => {
    if (options?.requireParent && !trace.getSpan(context.active())) return run();
    const kind = options?.kind === 'internal' ? SpanKind.INTERNAL : SpanKind.CLIENT;
    return tracer.startActiveSpan(name, { kind, attributes }, (span) =>
      run().then(
        (value) => {
          span.end();
          return value;
        },
        (e: unknown) => {
          if (e instanceof Error) span.recordException(e);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
          span.end();
          throw e;
        },
      ),
    );
  };
  installTracing(runner, () => sdk.shutdown());
}
