import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './common/errors';
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
  answerClientErrorsInShape(app.getHttpServer());
  app.enableShutdownHooks();
}

/**
 * Requests that Node's HTTP parser refuses before Express sees them (headers or URL over 16 kB,
 * a malformed request line) are answered in the API's error shape too, instead of Node's bare
 * status line; a socket already gone is just closed.
 */
function answerClientErrorsInShape(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify(
      errorBody(
        status,
        undefined,
        status === 431 ? 'The request headers are too large.' : 'The request is malformed.',
      ),
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
