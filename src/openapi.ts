import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { IS_PUBLIC } from './common/decorators/public.decorator';

/** Tags of the document, in this order; a route with another tag fails `npm run check`. */
const TAGS: Record<string, string> = {
  auth: 'Log in (password or emailed code) and out, check a session token, list and end sessions, change the password',
  registration: 'Sign-up, email confirmation and password reset (public, throttled)',
  account: "The signed-in user's own account: profile, email change, deletion and the data export",
  admin: 'User management and the audit history (root and admin only)',
  operations: 'Health probes, metrics and the API documents',
  mail: 'Mail templates, previews, test mails and the outbox (root and admin only)',
  console:
    'The admin console (GET /admin) signs in here; its cookie then authenticates the admin routes',
  services: 'For other services: the change events stream (service key)',
};

/**
 * The OpenAPI document, served at /docs-json and committed as openapi.json (`npm run openapi`).
 * Beyond what the decorators say: public routes (`@Public()`) need no session (`security: []`),
 * every other route needs the bearer token (the global AuthGuard), and `paths` and `schemas` are
 * sorted so that two branches adding routes touch different lines.
 */
export function buildOpenApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle(title)
    .setDescription(
      'Email-confirmation auth server: sign-up with confirmation, sessions other services can ' +
        'check with GET /validate_token, and admin user management with an audit log. ' +
        'Authorize with the token that POST /login returns.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    // Relative: the server that serves the document, wherever it runs (and the committed file
    // does not depend on who generated it).
    .addServer('/', 'The server that serves this document')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'Session token from POST /login',
    })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics' },
      'metrics',
    )
    .addCookieAuth(
      '__Host-console',
      {
        type: 'apiKey',
        in: 'cookie',
        description: 'The admin console session from POST /admin/session (admin routes only)',
      },
      'console',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'One of SERVICE_KEYS (service routes)' },
      'service-key',
    )
    .addSecurityRequirements('bearer');
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());

  const publicOps = publicOperationIds(app);
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as Array<{ operationId?: string; security?: object[] }>) {
      if (!op?.operationId || !publicOps.has(op.operationId)) continue;
      // A public route may still take its own credential (GET /metrics), never the session.
      op.security = (op.security ?? []).filter((s) => !('bearer' in s));
    }
  }
  document.paths = sortKeys(document.paths);
  if (document.components?.schemas)
    document.components.schemas = sortKeys(document.components.schemas);
  return document;
}

/** `Controller_method` (Swagger's default operationId) of every route marked `@Public()`. */
function publicOperationIds(app: INestApplication): Set<string> {
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const onClass = Reflect.getMetadata(IS_PUBLIC, metatype) as boolean | undefined;
      const proto = (metatype as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const onMethod = Reflect.getMetadata(IS_PUBLIC, handler) as boolean | undefined;
        if (onMethod ?? onClass) ids.add(`${metatype.name}_${name}`);
      }
    }
  }
  return ids;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
