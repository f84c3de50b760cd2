// First: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) must patch http, express and pg before they load.
import './telemetry/start';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { loadEnvFile } from './config/env-file';
import { ConfigError, loadSettings } from './config/settings';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  let settings;
  try {
    settings = loadSettings();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nSee docs/configuration.md and .env.example.\n`);
      process.exit(1);
    }
    throw e;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  configureApp(app);
  await app.listen(settings.app.port, settings.app.host);
  const url = await app.getUrl();
  const where = settings.database.url
    ? 'PostgreSQL'
    : `the embedded database in ${settings.database.dataDir}`;
  process.stdout.write(
    `Listening on ${url.replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost')} (${where}).\n` +
      `API docs: ${settings.app.publicUrl}/docs  OpenAPI: ${settings.app.publicUrl}/docs-json\n`,
  );
}

bootstrap().catch((e: Error) => {
  process.stderr.write(`Could not start: ${e.message}\n`);
  process.exit(1);
});
