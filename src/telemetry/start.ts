/**
 * Imported first by main.ts, before anything requires http, express or pg: OpenTelemetry's
 * instrumentations patch those modules when they are required, so they must be registered before.
 * Without OTEL_EXPORTER_OTLP_ENDPOINT nothing of OpenTelemetry is loaded: its context manager
 * (AsyncLocalStorage) would cost the hot path even with nothing exported (docs/development.md, Benchmarks).
 * The CLI does not import this.
 */
import { loadEnvFile } from '../config/env-file';

// The variable may come from `.env`, which bootstrap reads too late for this (it is read twice;
// variables already set win, so that is harmless).
loadEnvFile();

const env = process.env;
const wanted =
  !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) &&
  env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';

if (wanted) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./tracing') as typeof import('./tracing')).startTracing();
}
