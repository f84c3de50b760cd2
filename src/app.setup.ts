import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { bodyParserMiddleware } from './common/middleware/body-parser.middleware';
import { PinoLoggerService } from './common/logging/logger';
import { requestLogger } from './common/logging/request-logger.middleware';
import { requestIdMiddleware } from './common/request-context';
import { appConfig, AppConfig } from './config/config';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { buildOpenApiDocument } from './openapi';

/**
 * What the HTTP app needs beyond the module graph: request ids, logs, security headers, body
 * limits, CORS and the docs. Used by main.ts and by the e2e tests, so both run the same server.
 * The app must be created with `{ bodyParser: false }`: bodies are parsed here.
 */
export function configureApp(app: NestExpressApplication): void {
  const settings = app.get<AppConfig>(appConfig.KEY);
  const logger = app.get(PinoLoggerService);
  app.useLogger(logger);

  app.set('trust proxy', settings.trustProxy);
  app.disable('x-powered-by');
  // No ETag: answers are small, mostly `no-store`, and hashing each one cost the hot path ~8%.
  app.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(requestLogger(logger.pino));
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(
    helmet({
      contentSecurityPolicy: {
        // No upgrade-insecure-requests: it would break /docs on a plain-http local or compose setup.
        directives: {
          'frame-ancestors': ["'none'"],
          'form-action': ["'self'"],
          'upgrade-insecure-requests': null,
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  // CORS before the body parser, so that its 400/413/415 answers carry the CORS headers too.
  if (settings.corsOrigins.length) {
    app.enableCors({
      origin: settings.corsOrigins,
      credentials: true,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    });
  }
  app.use(bodyParserMiddleware());

  const document = buildOpenApiDocument(app, settings.appName);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
  app.enableShutdownHooks();
}
