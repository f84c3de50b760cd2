/**
 * Preloaded into a server process by tests (runEntry's `preload`): writes
 * `otel-loaded <id> by <requiring file>` to stderr, at once, each time anything requires an
 * `@opentelemetry/*` package, however late.
 */
import { writeSync } from 'node:fs';
import Module from 'node:module';

const original = Module.prototype.require;
Module.prototype.require = function (this: NodeJS.Module, id: string) {
  if (id.startsWith('@opentelemetry/')) writeSync(2, `otel-loaded ${id} by ${this.filename}\n`);
  return original.call(this, id);
} as typeof original;
