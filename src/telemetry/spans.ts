/**
 * The seam between the code and OpenTelemetry: `inSpan` runs its work inside a span when tracing
 * was started (./tracing, loaded by ./start only when OTEL_EXPORTER_OTLP_ENDPOINT is set) and just
 * runs it otherwise. This file imports nothing, so code that marks its spans loads no OpenTelemetry.
 */
export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanOptions {
  /** `client` (a call to another system: database, SMTP; the default) or `internal`. */
  kind?: 'client' | 'internal';
  /** No span when no span is active (a query of a periodic job would be a trace of its own). */
  requireParent?: boolean;
}

export type SpanRunner = <T>(
  name: string,
  attributes: SpanAttributes,
  run: () => Promise<T>,
  options?: SpanOptions,
) => Promise<T>;

let runner: SpanRunner | undefined;
let shutdown: (() => Promise<void>) | undefined;

/** Called once by ./tracing after the SDK started. */
export function installTracing(spanRunner: SpanRunner, stop: () => Promise<void>): void {
  runner = spanRunner;
  shutdown = stop;
}

export function tracingStarted(): boolean {
  return runner !== undefined;
}

export function inSpan<T>(
  name: string,
  attributes: SpanAttributes,
  run: () => Promise<T>,
  options?: SpanOptions,
): Promise<T> {
  return runner ? runner(name, attributes, run, options) : run();
}

/** Exports the spans still buffered; at shutdown, after the last request and mail. */
export async function shutdownTracing(): Promise<void> {
  const stop = shutdown;
  runner = undefined;
  shutdown = undefined;
  await stop?.();
}
